"""Where the kit's own files live: the single source (solutions/) and what is built from it (exercises/)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
EXAMPLES = ROOT / "examples"
REFERENCE_MODULE = SOLUTIONS / "conv_layer.py"
