"""convkit: a thin command line over functions.

  convkit check [PATH]            the student's self-check: visible checks only
  convkit grade PATH... --out DIR every check, for a whole class
  (--extension on either: also the chapter's end-of-section exercises, 20 more points)
  convkit build                   regenerate exercises/ from solutions/
  convkit export {nbgrader,gradescope,student,classroom} DEST   release through another grader
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import paths


def check(*, path: Path, extension: bool = False) -> int:
    """Run the visible checks on one submission and print the table; 0 when every visible check passes."""
    from .batch import Settings, grade_all
    from .emit.table import checks_table
    from .submission import discover

    submissions = discover([path])
    if len(submissions) != 1:
        print(f"convkit check: expected one submission at {path}, found {len(submissions)}.", file=sys.stderr)
        return 2
    [report] = grade_all(submissions, settings=Settings(visible_only=True, jobs=1, extension=extension))
    print(checks_table(report))
    passed = all(r.passed for r in report.results)
    print("\nAll visible checks pass." if passed else "\nSome visible checks fail: see the messages above.")
    return 0 if passed else 1


def grade(*, paths_: list[Path], out: Path, jobs: int = 0, seed: int | None = None, progress: bool = True,
          extension: bool = False, nbgrader_db: Path | None = None) -> int:
    """Grade every submission under `paths_` into `out`; print the class summary."""
    from .batch import DEFAULT_SEED, Settings, grade_all
    from .emit.table import summary_table
    from .submission import discover

    submissions = discover(paths_)
    if not submissions:
        print("convkit grade: no submissions found.", file=sys.stderr)
        return 2
    started = time.monotonic()
    settings = Settings(jobs=jobs, seed=DEFAULT_SEED if seed is None else seed, extension=extension)
    try:
        reports = grade_all(submissions, settings=settings, out=out, progress=progress and sys.stderr.isatty())
    except RuntimeError as error:
        print(f"convkit grade: {error}", file=sys.stderr)
        return 2
    print(summary_table(reports))
    elapsed = time.monotonic() - started
    print(f"\n{len(reports)} submissions graded in {elapsed:.1f} s with {settings.workers} worker(s); "
          f"results in {out}/<student>/results.json and {out}/grades.csv")
    if nbgrader_db is not None:
        from .export.nbgrader_db import record_and_say
        return record_and_say(reports, db=nbgrader_db)
    return 0


def build() -> int:
    from .build import build as write

    for written in write():
        print(f"wrote {written.relative_to(paths.ROOT)}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="convkit", description="Exercises and a sandboxed autograder for "
                                                           "'Convolutions for images'.")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="self-check a solution with the visible checks")
    c.add_argument("path", nargs="?", type=Path, default=paths.EXERCISES / "conv_layer.py")
    c.add_argument("--extension", action="store_true", help="also check the end-of-section exercises")
    g = sub.add_parser("grade", help="grade submissions with every check")
    g.add_argument("paths", nargs="+", type=Path, help="submission files, student folders or class folders")
    g.add_argument("--out", type=Path, required=True, help="folder for results.json per student and grades.csv")
    g.add_argument("--jobs", type=int, default=0, help="parallel sandboxes (default: the cores available)")
    g.add_argument("--seed", type=int, default=None, help="seed of the hidden inputs")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.add_argument("--extension", action="store_true", help="also grade the end-of-section exercises (20 points)")
    g.add_argument("--nbgrader-db", type=Path, default=None, help="also write the scores into this nbgrader gradebook")
    sub.add_parser("build", help="regenerate exercises/ from solutions/")
    from .export import command as export_command
    export_command.arguments(sub.add_parser("export", help="write an nbgrader course, a Gradescope autograder, "
                                                           "a student bundle or a GitHub Classroom repository"))
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "check":
        return check(path=args.path, extension=args.extension)
    if args.command == "grade":
        return grade(paths_=args.paths, out=args.out, jobs=args.jobs, seed=args.seed, progress=not args.no_progress,
                     extension=args.extension, nbgrader_db=args.nbgrader_db)
    if args.command == "export":
        from .export import command as export_command
        return export_command.run(args)
    return build()


if __name__ == "__main__":
    sys.exit(main())
