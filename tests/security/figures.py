"""Figures the security tests produce (counts, seeds, run times).

Each test records a dict; it is printed (``pytest -s`` shows it) and, when
``RC_SECURITY_FIGURES`` names a folder, written there as ``<name>.json`` so
docs/security.md can be refreshed from a run.  Timings are reported, never
asserted.
"""
from __future__ import annotations

import json
import os
from pathlib import Path


def record(name: str, figures: dict) -> None:
    text = json.dumps(figures, indent=2, sort_keys=True, default=str)
    print("\nSECURITY FIGURES %s:\n%s" % (name, text))
    folder = os.environ.get("RC_SECURITY_FIGURES")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / (name + ".json")).write_text(text + "\n")
