"""The judge as a command, for nbgrader's grading cells and GitHub Classroom's steps.

  python -m autograder.export.run PATH [--part NAME] [--checks visible|all] [--extension] [--json]

Grades one submission — a .py file or a notebook; from an nbgrader notebook only its answer cells and its locked
imports (submission.notebook_source), never its grading cells — in convkit's sandbox, and reports on stdout:
the table of the selected checks, or with --json the whole Report as the last line. Exit status: 0 every selected
check passed, 1 some failed, 2 the grader could not grade (a caller must never count that as a pass).

Nothing is written to stderr, not even a warning: GitHub Classroom's command grader fails a step that writes to
stderr, and nbgrader zeroes a cell that does. Warnings go to stdout like everything else.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

CHECKS = ("visible", "all")
GRADER_FAILED = 2


def _stdout_only() -> None:
    """Send this process's stderr, Python's and the file descriptor's (C code, child processes), to stdout."""
    sys.stdout.flush()
    os.dup2(sys.stdout.fileno(), 2)
    sys.stderr = sys.stdout


def grade(path: Path, *, checks: str = "all", extension: bool = False):
    """One submission file -> its Report, graded with the default seed, as `convkit grade` grades it."""
    from ..batch import grade_all
    from ..submission import read
    from . import parts

    settings = parts.settings(visible_only=checks == "visible", extension=extension)
    [report] = grade_all([read(path, path.stem)], settings=settings, warn=print)
    return report


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m autograder.export.run",
                                description="Grade one submission; report on stdout; exit 0/1/2.")
    p.add_argument("path", type=Path, help="conv_layer.py, or a notebook (nbgrader's: its answer cells only)")
    p.add_argument("--part", default=None, help="only this part's checks decide the exit status and the table")
    p.add_argument("--checks", choices=CHECKS, default="all", help="visible checks only, or all of them")
    p.add_argument("--extension", action="store_true", help="include the extension part")
    p.add_argument("--json", action="store_true", help="print the whole Report as JSON on the last line")
    return p


def main(argv: list[str] | None = None) -> int:
    _stdout_only()
    args = parser().parse_args(argv)
    try:
        report = grade(args.path, checks=args.checks, extension=args.extension)
    except Exception as error:                     # the grader's own failure: reported, and never a pass
        print(f"convkit: the grader could not grade {args.path}: {type(error).__name__}: {error}")
        return GRADER_FAILED
    results = tuple(r for r in report.results if args.part is None or r.part == args.part)
    if not results:
        print(f"convkit: there are no {args.checks} checks in a part named {args.part!r}.")
        return GRADER_FAILED
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        from ..emit.table import checks_table

        print(checks_table(dataclasses.replace(report, results=results)))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
