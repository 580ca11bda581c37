"""Interrupted batches: Ctrl-C and SIGKILL in the middle of `convkit grade`, then the same command again.

Each test grades the same class of 6 submissions (the reference and the examples, each made to sleep a moment at
import so that an interruption lands mid-batch) with one worker, interrupts it once two students are done, and
restarts it with the same --out. The restart must grade only the students that were missing, end with the same
results as an uninterrupted run, and neither run may leave a process or a temporary folder behind.
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from autograder import paths
from conftest import WatchedRun, read_reports, reference_module_text, run_watched, comparable

CLASS_SIZE = 6
SLEEP = "import time as _t\n_t.sleep(0.5)  # long enough for an interruption to land mid-batch\n"
INTERRUPT_SECONDS = 60       # from the signal to convkit's exit, on 2 busy shared cores: "promptly" with margin


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    sources = [reference_module_text()] + [p.read_text(encoding="utf-8") for p in sorted(paths.EXAMPLES.glob("*.py"))]
    for n, source in enumerate((sources * CLASS_SIZE)[:CLASS_SIZE]):
        (folder / f"student{n}.py").write_text(SLEEP + source, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def uninterrupted(klass, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("whole")
    done = run_watched("grade", str(klass), "--out", str(root / "out"), "--jobs", "1", "--no-progress",
                       cwd=root, tmp=root / "tmp")
    assert done.code == 0, done.stderr[-2000:]
    assert done.left == []
    return {student: comparable(r) for student, r in read_reports(root / "out").items()}


class TornReads:
    """Reads every results.json and report.json under `out` over and over while a run writes them; a file that
    exists but does not parse is a half-written one."""

    def __init__(self, out: Path) -> None:
        self.out, self.torn, self.reads = out, [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            for path in list(self.out.glob("*/results.json")) + list(self.out.glob("*/report.json")):
                try:
                    json.loads(path.read_bytes())
                    self.reads += 1
                except FileNotFoundError:
                    continue
                except ValueError:
                    self.torn.append(path)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _interrupt_then_resume(klass: Path, root: Path, sig: int):
    out, tmp = root / "out", root / "tmp"
    args = ("grade", str(klass), "--out", str(out), "--jobs", "1", "--no-progress")
    run = WatchedRun(args, cwd=root, tmp=tmp)
    pid = run.pid()
    reads = TornReads(out)
    deadline = time.monotonic() + 600
    while len(list(out.glob("*/report.json"))) < 2:
        assert time.monotonic() < deadline, "the batch never got going"
        time.sleep(0.02)
    os.kill(pid, sig)
    signalled = time.monotonic()
    first = run.finish()
    took = time.monotonic() - signalled
    first_tmp = sorted(p.name for p in tmp.iterdir())
    before = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/report.json")}
    second = run_watched(*args, cwd=root, tmp=tmp)
    reads.stop()
    after = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/report.json")}
    return first, took, first_tmp, before, second, after, reads, out, tmp


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_batch_resumes_where_it_stopped(klass, uninterrupted, tmp_path, sig):
    """Interrupted after two students, restarted with the same --out: are the finished ones kept as they were,
    only the missing ones graded, and is the end result the uninterrupted run's?"""
    first, took, first_tmp, before, second, after, reads, out, tmp = _interrupt_then_resume(klass, tmp_path, sig)
    assert 2 <= len(before) < CLASS_SIZE, "the interruption should land mid-batch"
    assert second.code == 0, second.stderr[-2000:]
    assert {s: after[s] for s in before} == before, "a finished student was graded again"
    assert len(after) == CLASS_SIZE
    assert {s: comparable(r) for s, r in read_reports(out).items()} == uninterrupted
    assert reads.torn == [] and reads.reads > 0
    assert first.left == [] and second.left == []
    assert list(tmp.iterdir()) == [], "temporary folders of the interrupted run were not swept"
    assert not list(out.rglob("*.tmp"))
    if sig == signal.SIGINT:
        assert first.code == 130, first.stderr[-2000:]
        assert "interrupted" in first.stderr
        assert took < INTERRUPT_SECONDS
        assert first_tmp == [], "Ctrl-C left temporary folders"
    else:
        assert first.code == -signal.SIGKILL
