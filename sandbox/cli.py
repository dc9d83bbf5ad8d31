"""Command line: ``python -m sandbox demo ...``."""
from __future__ import annotations

import logging
import sys


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m sandbox demo [--action complete|fail] [--reply] [--serve] "
              "[--out DIR] [--jar JAR] [--timeout S]")
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if command == "demo":
        from .demo import main as demo_main
        return demo_main(rest)
    print("unknown command %r (known: demo)" % command, file=sys.stderr)
    return 2
