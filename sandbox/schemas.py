"""Where the XML schemas are: the project's own (``schemas/``) and Digital.ai's
``synthetic.xsd``, which is not ours to commit.

``synthetic.xsd`` is found through one documented setting (README, Tests):

1. the environment variable ``XLR_SYNTHETIC_XSD`` (a file path), else
2. ``<repo>/../shared/reference/synthetic.xsd`` (where this project's CI keeps it).

Without it the sandbox loads ``synthetic.xml`` unvalidated and the tests skip
only the schema checks, saying how to get the file (``REQUIRE_ALL_LANES=1``
turns that skip into a failure, so CI always validates).
"""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SYNTHETIC_XSD_ENV = "XLR_SYNTHETIC_XSD"
SYNTHETIC_XSD_FALLBACK = Path("..") / "shared" / "reference" / "synthetic.xsd"
HOW_TO_GET = ("XL Release ships synthetic.xsd in its server distribution and Digital.ai "
              "publishes it; set %s to the file's path, or put it at "
              "../shared/reference/synthetic.xsd beside the repository" % SYNTHETIC_XSD_ENV)


def synthetic_xsd(environ=None, repo: Path = REPO) -> tuple[Path | None, str]:
    """``(path, "")``, or ``(None, why it is missing and how to get it)``."""
    env = os.environ if environ is None else environ
    configured = env.get(SYNTHETIC_XSD_ENV, "").strip()
    if configured:
        # An explicit setting that points nowhere is reported, never replaced
        # by the fallback: the user meant that file.
        path = Path(configured).expanduser()
        if path.is_file():
            return path, ""
        return None, "Digital.ai's synthetic.xsd is missing: %s=%s is not a file. %s" % (
            SYNTHETIC_XSD_ENV, configured, HOW_TO_GET)
    path = (Path(repo) / SYNTHETIC_XSD_FALLBACK).resolve()
    if path.is_file():
        return path, ""
    return None, "Digital.ai's synthetic.xsd is missing (%s unset, no %s). %s" % (
        SYNTHETIC_XSD_ENV, path, HOW_TO_GET)


def schema_path(name: str) -> Path | None:
    """A schema by file name: ``synthetic.xsd`` as above, others from ``schemas/``."""
    if name == "synthetic.xsd":
        return synthetic_xsd()[0]
    path = REPO / "schemas" / name
    return path if path.is_file() else None
