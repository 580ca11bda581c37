"""A worker's host folder (the staged sandbox package; the fallback's scratch), and sweeping the ones a killed
grader left behind.

Each folder holds a lock file that its worker keeps flock()ed while it lives. The kernel drops the lock when the
process ends, however it ends (even SIGKILL), so the next grader removes every convkit folder whose lock it can take
and never one that a running grader still holds.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "convkit-run-"
LOCK = ".lock"


class Folder:
    """A fresh folder under the temporary directory, locked until `remove()` or the end of this process."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX))
        os.chmod(self.path, 0o711)              # the fallback's unprivileged child must traverse it to its scratch
        self._lock = open(self.path / (LOCK + ".new"), "w")
        fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(self.path / (LOCK + ".new"), self.path / LOCK)   # a sweep never sees it unlocked

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self._lock.close()


def sweep(directory: str | None = None) -> list[Path]:
    """Remove the folders of graders that are gone; the removed paths."""
    removed = []
    for path in Path(directory or tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            with open(path / LOCK) as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        except OSError:                          # held by a live grader, not a folder of ours, or already gone
            continue
    return removed
