"""convkit: a thin command line over functions.

  convkit check [PATH]            the student's self-check: visible checks only
  convkit grade PATH... --out DIR every check, for a whole class
  (--extension on either: also the chapter's end-of-section exercises, 20 more points;
   --no-substitute on either: grade each part on the student's own corr2d/Conv2D, not the reference's)
  convkit report DIR              rebuild DIR/report.html and every feedback.html from DIR/*/report.json
  convkit build                   regenerate exercises/ from solutions/
  convkit export {nbgrader,gradescope,student,classroom} DEST   release through another grader
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import paths


def colour_wanted(stream=None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    stream = stream or sys.stdout
    return stream.isatty() and not os.environ.get("NO_COLOR")


def check(*, path: Path, extension: bool = False, substitute: bool = True, colour: bool | None = None) -> int:
    """Run the visible checks on one submission and print the table; 0 when every visible check passes."""
    from .batch import Settings, grade_all
    from .emit.table import checks_table
    from .submission import discover

    submissions = discover([path])
    if len(submissions) != 1:
        print(f"convkit check: expected one submission at {path}, found {len(submissions)}.", file=sys.stderr)
        return 2
    [report] = grade_all(submissions, settings=Settings(visible_only=True, jobs=1, extension=extension,
                                                        substitute=substitute))
    print(checks_table(report, colour=colour_wanted() if colour is None else colour))
    passed = all(r.passed for r in report.results)
    print("\nAll visible checks pass." if passed else "\nSome visible checks fail: see the messages above.")
    return 0 if passed else 1


def limits_for(timeout: float | None):
    """--timeout SECONDS: the time budget of one submission, which no single call may exceed either."""
    from .runner.limits import Limits

    if timeout is None:
        return Limits()
    return Limits(submission_seconds=timeout, probe_seconds=min(Limits.probe_seconds, timeout))


def grade(*, paths_: list[Path], out: Path, jobs: int = 0, seed: int | None = None, progress: bool = True,
          extension: bool = False, nbgrader_db: Path | None = None, timeout: float | None = None,
          substitute: bool = True) -> int:
    """Grade every submission under `paths_` into `out`; print the class summary."""
    from .batch import DEFAULT_SEED, Settings, grade_all
    from .emit.table import summary_table
    from .submission import discover

    submissions = discover(paths_)
    if not submissions:
        print("convkit grade: no submissions found.", file=sys.stderr)
        return 2
    started = time.monotonic()
    settings = Settings(jobs=jobs, seed=DEFAULT_SEED if seed is None else seed, extension=extension,
                        limits=limits_for(timeout), substitute=substitute)
    try:
        reports = grade_all(submissions, settings=settings, out=out, progress=progress and sys.stderr.isatty())
    except RuntimeError as error:
        print(f"convkit grade: {error}", file=sys.stderr)
        return 2
    print(summary_table(reports))
    elapsed = time.monotonic() - started
    slowest = max(reports, key=lambda r: r.seconds)
    print(f"\n{len(reports)} submissions graded in {elapsed:.1f} s with {settings.workers} worker(s) "
          f"({elapsed / len(reports):.2f} s per submission; slowest {slowest.student}, {slowest.seconds:.1f} s); "
          f"results in {out}/<student>/results.json and {out}/grades.csv; the class page is {out}/report.html")
    if nbgrader_db is not None:
        from .export.nbgrader_db import record_and_say
        return record_and_say(reports, db=nbgrader_db)
    return 0


def report(*, out: Path) -> int:
    """Rebuild out/report.html and each out/<student>/feedback.html from the report.json files there."""
    from .emit.class_report import rebuild

    if not out.is_dir():
        print(f"convkit report: {out} is not a folder.", file=sys.stderr)
        return 2
    page, reports, unreadable = rebuild(out)
    for path in unreadable:
        print(f"convkit report: skipped {path} (unreadable, or not in its student's folder)", file=sys.stderr)
    print(f"wrote {page} and {len(reports)} feedback page(s)")
    return 0 if reports or not unreadable else 2


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
    c.add_argument("--no-substitute", action="store_true",
                   help="grade Conv2D, learn_kernel and convolve2d on your own corr2d/Conv2D, not the reference's")
    g = sub.add_parser("grade", help="grade submissions with every check")
    g.add_argument("paths", nargs="+", type=Path, help="submission files, student folders or class folders")
    g.add_argument("--out", type=Path, required=True, help="folder for results.json per student and grades.csv")
    g.add_argument("--jobs", type=int, default=0, help="parallel sandboxes (default: the cores available)")
    g.add_argument("--seed", type=int, default=None, help="seed of the hidden inputs")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="time limit of one submission (default 60; one call is cut at min(10, SECONDS))")
    g.add_argument("--extension", action="store_true", help="also grade the end-of-section exercises (20 points)")
    g.add_argument("--nbgrader-db", type=Path, default=None, help="also write the scores into this nbgrader gradebook")
    g.add_argument("--no-substitute", action="store_true",
                   help="grade each part on the student's own corr2d/Conv2D, so one bug can cost several parts")
    r = sub.add_parser("report", help="rebuild report.html and the feedback pages of a graded folder")
    r.add_argument("dir", type=Path, help="the --out folder of a convkit grade")
    sub.add_parser("build", help="regenerate exercises/ from solutions/")
    from .export import command as export_command
    export_command.arguments(sub.add_parser("export", help="write an nbgrader course, a Gradescope autograder, "
                                                           "a student bundle or a GitHub Classroom repository"))
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        return _run(argv)
    except KeyboardInterrupt:     # grade_all has already killed every sandbox; saved results stay for a restart
        print("\nconvkit: interrupted.", file=sys.stderr)
        return 130


def _run(argv: list[str] | None) -> int:
    args = parser().parse_args(argv)
    if args.command == "check":
        return check(path=args.path, extension=args.extension, substitute=not args.no_substitute)
    if args.command == "grade":
        return grade(paths_=args.paths, out=args.out, jobs=args.jobs, seed=args.seed, progress=not args.no_progress,
                     extension=args.extension, nbgrader_db=args.nbgrader_db, timeout=args.timeout,
                     substitute=not args.no_substitute)
    if args.command == "report":
        return report(out=args.dir)
    if args.command == "export":
        from .export import command as export_command
        return export_command.run(args)
    return build()


if __name__ == "__main__":
    sys.exit(main())
