"""What an nbgrader grading cell calls: `part_score(part, checks=...)` -> the part's points, as a number.

Runs inside the student's kernel, so it judges nothing itself: it starts convkit's judge in a subprocess on the
notebook file saved on disk (`python -m autograder.export.run NOTEBOOK --json`), which reads only the answer cells
and the imports from it and runs them in the sandbox. The subprocess grades every part at once; the report is kept
for the other grading cells of the same saved notebook, so one notebook costs one judge.

How nbgrader scores the cell (nbgrader.utils.determine_grade): an error or any stderr output scores 0, a cell whose
result is a number scores that number (partial credit), anything else scores full marks. So the cell's value is the
part's score; the per-check table is printed to stdout; anything the grader cannot establish raises.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import warnings
from pathlib import Path

NOTEBOOK = "conv_layer.ipynb"
JUDGE_SECONDS = 900          # the judge imports torch twice (judge and sandbox) on a machine that may be busy
_reports: dict[tuple[str, str, bool], dict] = {}


def part_score(part: str, *, checks: str = "visible", notebook: str = NOTEBOOK, extension: bool = False) -> float:
    """The points the saved notebook earns on `part` with the visible checks, or with all of them ("all")."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")            # a warning on stderr would zero the cell
        path = Path(notebook).resolve()
        key = (hashlib.sha256(path.read_bytes()).hexdigest(), checks, extension)
        if key not in _reports:
            _reports[key] = _judge(path, checks=checks, extension=extension)
        results = [r for r in _reports[key]["results"] if r["part"] == part]
    if not results:
        raise RuntimeError(f"convkit has no {checks} checks in a part named {part!r}; this cell scores nothing.")
    print(f"convkit graded the saved notebook {path.name} ({checks} checks of {part}):")
    for r in results:
        mark, score = ("PASS", r["max_score"]) if r["passed"] else ("FAIL", 0)
        print(f"  {mark} {score:g}/{r['max_score']:g}  {r['name']}")
        if not r["passed"]:
            print(f"       {r['message']}")
    return float(sum(r["max_score"] for r in results if r["passed"]))


def _judge(path: Path, *, checks: str, extension: bool) -> dict:
    """The Report (as a dict) of convkit's judge run in a subprocess; RuntimeError when it could not grade."""
    argv = [sys.executable, "-m", "autograder.export.run", str(path), "--checks", checks, "--json"]
    done = subprocess.run(argv + (["--extension"] if extension else []), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=JUDGE_SECONDS)
    lines = done.stdout.strip().splitlines()
    if done.returncode not in (0, 1) or not lines:
        tail = "\n".join(lines[-5:]) or done.stderr.strip()[-500:]
        raise RuntimeError(f"convkit's judge failed (exit status {done.returncode}); nothing is awarded.\n{tail}")
    try:
        report = json.loads(lines[-1])
        valid = all(isinstance(r["part"], str) and isinstance(r["passed"], bool) and
                    isinstance(r["max_score"], (int, float)) for r in report["results"])
    except (ValueError, KeyError, TypeError):
        valid = False
    if not valid:
        raise RuntimeError("convkit's judge answered something that is not a report; nothing is awarded.")
    return report
