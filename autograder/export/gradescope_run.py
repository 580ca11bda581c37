"""What run_autograder runs on Gradescope: grade the upload in ROOT/submission into ROOT/results/results.json.

ROOT is /autograder, Gradescope's layout (source/: the autograder zip, unpacked; submission/: the student's files;
results/: what Gradescope reads back), or $AUTOGRADER_ROOT to try the autograder anywhere else. The settings the
zip was exported with are in source/convkit_gradescope.json. Every check runs, with the default seed, so a score
here is the score `convkit grade` gives the same file. Whatever the grader cannot establish scores zero: an upload
without conv_layer.py / conv_layer.ipynb, and even a failure of the grader itself (then with a message, and a
non-zero exit so the failure shows in Gradescope's log too).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from ..submission import MODULE, SUFFIXES, Submission, read

CONFIG = "convkit_gradescope.json"
STUDENT = "submission"


def find_submission(folder: Path) -> Submission:
    """conv_layer.py (else conv_layer.ipynb) anywhere in the upload, else its only .py / .ipynb file."""
    files = sorted((p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file()
                    and not any(part.startswith((".", "__")) for part in p.relative_to(folder).parts)),
                   key=lambda p: (SUFFIXES.index(p.suffix), len(p.parts), str(p)))
    named = [p for p in files if p.stem == MODULE]
    if named:
        return read(named[0], STUDENT)
    if len(files) == 1:
        return read(files[0], STUDENT)
    found = f"found {len(files)} Python or notebook files" if files else "found none"
    return Submission(STUDENT, folder, None, f"Upload {MODULE}.py or {MODULE}.ipynb ({found}).")


def _failed(message: str, *, extension: bool):
    """Every check at zero with `message`: what the results say when the grader itself could not grade."""
    from ..judge.report import CheckResult, Report
    from . import parts

    results = tuple(CheckResult(name=c.name, part=c.part, max_score=c.points, visible=c.visible, passed=False,
                                message=message) for c in parts.all_checks(extension=extension))
    return Report(student=STUDENT, submission="", results=results, notes=(message,))


def _distributions(before: set[str]) -> list[str]:
    """The installed distributions whose modules this run imported (for the instructor's log and the tests)."""
    from importlib.metadata import packages_distributions

    owners = packages_distributions()
    tops = {name.partition(".")[0] for name in set(sys.modules) - before}
    return sorted({d for top in tops for d in owners.get(top, ()) if top != "autograder"})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="run_autograder")
    p.add_argument("--root", type=Path, default=Path(os.environ.get("AUTOGRADER_ROOT", "/autograder")))
    args = p.parse_args(argv)
    before, started = set(sys.modules), time.monotonic()
    config = json.loads((args.root / "source" / CONFIG).read_text(encoding="utf-8"))
    from ..emit import gradescope
    from ..emit.table import checks_table

    status = 0
    try:
        from ..batch import grade_all
        from . import parts

        settings = parts.settings(extension=config["extension"], jobs=1)
        [report] = grade_all([find_submission(args.root / "submission")], settings=settings, warn=print)
    except Exception as error:                      # the grader's own failure: zero, a message, a failing exit
        status = 1
        report = _failed(f"The autograder could not grade this submission ({type(error).__name__}); nothing is "
                         "awarded. Please tell your instructor.", extension=config["extension"])
        print(f"convkit: grading failed: {type(error).__name__}: {error}")
    data = gradescope.results(report, hidden_visibility=config["hidden_visibility"])
    data["execution_time"] = round(time.monotonic() - started, 1)
    results = args.root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    print(checks_table(report))
    import autograder

    print(f"convkit: graded with {Path(autograder.__file__).parent}")
    print(f"convkit: distributions used: {', '.join(_distributions(before))}")
    return status


if __name__ == "__main__":
    sys.exit(main())
