"""``python -m sandbox demo [--action complete|fail] [--out DIR]``."""
import sys

from .cli import main

sys.exit(main())
