"""`convkit export {nbgrader,gradescope,student,classroom} DEST`: one function per target, keyword-only."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")   # Gradescope's documented values
TARGETS = {
    "nbgrader": "an nbgrader course folder (nbgrader_config.py, source/conv_layer/conv_layer.ipynb)",
    "gradescope": "a Gradescope autograder zip (setup.sh, run_autograder, the grader)",
    "student": "the student bundle: exercises, visible checks, a pyproject that installs `convkit check`",
    "classroom": "a GitHub Classroom assignment repository: the student bundle plus its autograding workflow",
}


def export(*, target: str, dest: Path, extension: bool = False,
           hidden_visibility: str = "after_published") -> list[Path]:
    """Write `target` at `dest`; the paths written. dest must be new (or an empty folder); a zip for gradescope."""
    try:
        return _export(target=target, dest=dest, extension=extension, hidden_visibility=hidden_visibility)
    except ImportError as error:        # the student bundle carries convkit's grader, not its exports
        raise ValueError(f"this convkit cannot export ({error}); export from the instructor's convkit") from None


def _export(*, target: str, dest: Path, extension: bool, hidden_visibility: str) -> list[Path]:
    if target == "nbgrader":
        from .nbgrader_course import write_course
        return write_course(dest, extension=extension)
    if target == "gradescope":
        from .gradescope import write_zip
        return [write_zip(dest, extension=extension, hidden_visibility=hidden_visibility)]
    if target == "student":
        from .student import write_bundle
        return write_bundle(dest, extension=extension)
    if target == "classroom":
        from .classroom import write_repository
        return write_repository(dest, extension=extension)
    raise ValueError(f"unknown export target {target!r}; choose one of {', '.join(TARGETS)}")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", choices=list(TARGETS), help="; ".join(f"{k}: {v}" for k, v in TARGETS.items()))
    p.add_argument("dest", type=Path, help="a new folder (a new .zip file for gradescope)")
    p.add_argument("--extension", action="store_true", help="include the end-of-section exercises")
    p.add_argument("--hidden-visibility", choices=VISIBILITIES, default="after_published",
                   help="gradescope: when students see the hidden checks' results (default: after_published)")


def run(args: argparse.Namespace) -> int:
    try:
        written = export(target=args.target, dest=args.dest, extension=args.extension,
                         hidden_visibility=args.hidden_visibility)
    except (OSError, ValueError) as error:
        print(f"convkit export: {error}", file=sys.stderr)
        return 2
    root = args.dest if args.dest.is_dir() else args.dest.parent
    print(f"convkit export {args.target}: wrote {len(written)} file(s) under {root}")
    return 0
