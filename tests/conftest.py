"""Shared fixtures: the real `convkit` command, and the reference written as a plain module and as a notebook.

Run this file (`python tests/conftest.py`) to rewrite examples/notebook_solution.ipynb from the reference.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `python tests/conftest.py` runs from anywhere

from autograder import paths  # noqa: E402
from autograder.build.source import BEGIN, END, HINT, split_cells  # noqa: E402

SUBMISSIONS = Path(__file__).resolve().parent / "submissions"   # hostile and broken submissions for the tests
EXAMPLE_NOTEBOOK = paths.EXAMPLES / "notebook_solution.ipynb"
CLI_SECONDS = 600            # a whole `convkit grade` run on 2 shared, busy cores; a hang still ends the test


def _solved_cells() -> list[tuple[str, str]]:
    """The reference's cells as (kind, text), with the nbgrader markers and hint lines taken out."""
    _, cells = split_cells(paths.REFERENCE_MODULE.read_text(encoding="utf-8"))
    solved = []
    for cell in cells:
        if cell.kind == "code":
            lines = [line for line in cell.lines
                     if line.strip() not in (BEGIN, END) and not line.strip().startswith(HINT)]
            solved.append(("code", "\n".join(lines)))
        else:
            solved.append(("markdown", cell.text))
    return solved


def reference_module_text() -> str:
    """The reference as a student would hand it in: its code cells only, as one plain module."""
    return "\n\n\n".join(text for kind, text in _solved_cells() if kind == "code") + "\n"


def reference_notebook_text() -> str:
    """The reference as a completed notebook (nbformat v4), with ids from the cell index so the text is stable."""
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                                "language_info": {"name": "python"}})
    for kind, text in _solved_cells():
        nb.cells.append(new_code_cell(text) if kind == "code" else new_markdown_cell(text))
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:02d}"
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def run_convkit(*args: str, cwd: Path | None = None, timeout: float = CLI_SECONDS) -> subprocess.CompletedProcess:
    """`convkit ARGS...` as a user runs it (a fresh interpreter on the real CLI), with its exit code and output."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=cwd or ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def read_results(out: Path) -> dict[str, dict]:
    """student -> results.json of a `convkit grade --out OUT` run."""
    return {p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*/results.json"))}


def comparable(report) -> dict:
    """A report as a dict without its wall time: two gradings of the same code must give equal ones."""
    data = report.to_dict()
    data.pop("seconds")
    return data


def read_reports(out: Path):
    """student -> Report, read back from report.json."""
    from autograder.judge.report import Report

    return {p.parent.name: Report.from_dict(json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(out.glob("*/report.json"))}


@pytest.fixture(scope="session")
def convkit():
    return run_convkit


@pytest.fixture(scope="session")
def reference_source() -> str:
    return reference_module_text()



# ---------------------------------------------------------------- runs watched for leftovers (sandbox tests)

# The watcher is the parent of `convkit` and a child subreaper: every process of the run that outlives it (however
# it daemonised) is re-parented to the watcher, which lists what is still alive once convkit has exited, kills it,
# and writes {"code", "left": [{"pid", "uid", "cmdline"}]} as JSON.
WATCHER = r"""
import ctypes, json, os, signal, subprocess, sys, time
report, argv = sys.argv[1], sys.argv[2:]
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)                       # PR_SET_CHILD_SUBREAPER
child = subprocess.Popen(argv)
with open(report + ".pid", "w") as f:
    f.write(str(child.pid))
code = child.wait()

def alive_below():
    parent, state = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read()
                fields = stat[stat.rindex(b")") + 2:].split()
                parent[int(entry)], state[int(entry)] = int(fields[1]), fields[0]
            except (OSError, ValueError, IndexError):
                pass
    found, frontier = [], [os.getpid()]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        found += kids
        frontier += kids
    return [p for p in found if state.get(p) != b"Z"]

def reap():
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return

deadline = time.monotonic() + 10.0                            # a sandbox being torn down may take a moment
left = alive_below()
while left and time.monotonic() < deadline:
    time.sleep(0.1)
    reap()
    left = alive_below()
described = []
for pid in left:
    try:
        uid = os.stat(f"/proc/{pid}").st_uid
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")[:300]
        described.append({"pid": pid, "uid": uid, "cmdline": cmdline})
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
with open(report, "w") as f:
    json.dump({"code": code, "left": described}, f)
"""


@dataclass(frozen=True)
class Watched:
    """A finished `convkit` run: its exit code, output, and every process of it still alive after it exited."""
    code: int
    stdout: str
    stderr: str
    left: list


class WatchedRun:
    """`convkit ARGS...` started under the watcher, with a private TMPDIR; `pid()` is convkit's own pid."""

    def __init__(self, args, *, cwd: Path, tmp: Path, env: dict | None = None) -> None:
        tmp.mkdir(parents=True, exist_ok=True)
        self._report = tmp.parent / f"watch-{os.getpid()}-{id(self)}.json"
        full_env = {**os.environ, "TMPDIR": str(tmp), **(env or {}),
                    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self._process = subprocess.Popen(
            [sys.executable, "-c", WATCHER, str(self._report), sys.executable, "-m", "autograder.cli", *args],
            cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def pid(self, timeout: float = 60.0) -> int:
        pid_file = Path(str(self._report) + ".pid")
        deadline = time.monotonic() + timeout
        while not pid_file.exists() or not pid_file.read_text():
            if time.monotonic() > deadline:
                raise TimeoutError("convkit did not start")
            time.sleep(0.01)
        return int(pid_file.read_text())

    def finish(self, timeout: float = CLI_SECONDS) -> Watched:
        stdout, stderr = self._process.communicate(timeout=timeout)
        data = json.loads(self._report.read_text())
        self._report.unlink()
        Path(str(self._report) + ".pid").unlink(missing_ok=True)
        return Watched(code=data["code"], stdout=stdout, stderr=stderr, left=data["left"])


def run_watched(*args: str, cwd: Path, tmp: Path, env: dict | None = None,
                timeout: float = CLI_SECONDS) -> Watched:
    """`convkit ARGS...` to the end, watched for processes that outlive it."""
    return WatchedRun(args, cwd=cwd, tmp=tmp, env=env).finish(timeout)


if __name__ == "__main__":
    EXAMPLE_NOTEBOOK.write_bytes(reference_notebook_text().encode("utf-8"))
    print(f"wrote {EXAMPLE_NOTEBOOK.relative_to(ROOT)}")
