"""Finding and killing every process a submission started, however it tried to get away.

The process that grades a submission is a child subreaper: whatever its children fork and abandon (double forks,
setsid, daemons) is re-parented to it, so "below me in /proc" is the complete set. When the student's uid belongs
to this submission alone — inside bubblewrap's PID namespace, when the grader is root — one kill(-1) sent from that
uid reaches all of them at once, even in the middle of a fork storm: the kernel lets no fork through while it walks
the process list. Without it, the scan below repeats until nothing is left (RLIMIT_NPROC bounds how many there are).
"""
from __future__ import annotations

import ctypes
import os
import signal
import time

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER = 1, 4, 38, 36


def prctl(option: int, value: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def descendants(root: int | None = None, *, zombies: bool = True) -> list[int]:
    """Every process below `root` (default: this process), children before grandchildren; without the ones that
    have ended but are not yet collected when `zombies` is False."""
    me, parent, dead = root or os.getpid(), {}, set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read()
                state, ppid = stat[stat.rindex(b")") + 2:].split()[:2]
                parent[int(entry)] = int(ppid)
                if state == b"Z":
                    dead.add(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [], [me]
    while frontier:
        p = frontier.pop()
        children = [c for c, pp in parent.items() if pp == p and c != me]
        found += children
        frontier += children
    return found if zombies else [pid for pid in found if pid not in dead]


def reap() -> None:
    """Collect every child that has ended (a subreaper also inherits other processes' orphans)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _signal_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def kill_uid(uid: int) -> None:
    """SIGKILL every process of `uid` this process can see, from a helper that becomes `uid` (only safe where
    nothing else runs as `uid`, i.e. in a PID namespace of our own)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)           # every process of uid except this helper
        finally:
            os._exit(0)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def kill_tree(grace: float, *, uid: int | None = None) -> None:
    """SIGTERM everything below this process, give it `grace` seconds, then SIGKILL until nothing is left."""
    left = descendants()
    if left:
        _signal_all(left, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while left and time.monotonic() < deadline:
            time.sleep(0.002)                     # a child told to stop usually has within a millisecond or two
            reap()
            left = descendants()
    if left and uid:
        kill_uid(uid)
    for _ in range(500):                          # bounded: a process stuck in the kernel is not ours to wait for
        reap()
        left = descendants()
        if not left:
            return
        _signal_all(left, signal.SIGKILL)
        time.sleep(0.005)
