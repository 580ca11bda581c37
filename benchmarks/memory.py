"""Memory of a process tree, sampled from /proc while it runs: the judge, and per worker the zygote and its children.

RSS counts every page a process maps, so summing RSS over processes counts twice what they share: the zygote's
pages that its forked child has not written (copy-on-write), and the torch libraries every process maps from the
same files. Three figures, from pessimistic to exact:
  rss_sum     RSS summed over a group of processes: an upper bound on the memory they use;
  footprint   a worker's zygote RSS plus the private (unshared) memory of everything below it: what a worker
              really adds, with the zygote's shared library pages counted in full;
  pss         proportional set size summed over the group: each shared page split among its sharers, which is
              what a memory cgroup (a container's limit) charges for the group's mapped memory.
PSS and private memory need /proc/PID/smaps_rollup, which another user's process (or a non-dumpable one such as
the zygote, unless we are root) does not show; then only RSS is reported.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

PAGE = os.sysconf("SC_PAGE_SIZE")
ZYGOTE = "zygote import main"        # in the command line that starts a worker (autograder/runner/sandbox.py)
MB = 1024 * 1024


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read()
                ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def _below(pid: int, tree: dict[int, list[int]]) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        kids = tree.get(frontier.pop(), [])
        found += kids
        frontier += kids
    return found


@dataclass
class Usage:
    rss: int = 0
    pss: int | None = None
    private: int | None = None
    name: str = ""


def usage(pid: int) -> Usage | None:
    """One process's memory now; None when it has already gone (a sample never counts a process half)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            rss = int(f.read().split()[1]) * PAGE
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            name = f.read().replace(b"\0", b" ").decode(errors="replace")
        name = name.split(" ", 1)[0].rsplit("/", 1)[-1] + " " + name.split(" ", 1)[-1]   # program name first
    except (OSError, ValueError, IndexError):
        return None
    u = Usage(rss=rss, name=name)
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in f if line.endswith("kB\n")}
        u.pss = fields["Pss"]
        u.private = fields["Private_Clean"] + fields["Private_Dirty"]
    except PermissionError:
        pass                                        # someone else's, or not dumpable: RSS only
    except (OSError, ValueError, KeyError, IndexError):
        return None                                 # gone while we read it
    return u


def _sum(values) -> int | None:
    values = list(values)
    return None if any(v is None for v in values) else sum(values)


@dataclass
class Peaks:
    """Peak figures in bytes (None: not readable here)."""
    judge_rss: int = 0
    worker_rss_sum: int = 0
    worker_footprint: int | None = 0
    worker_pss: int | None = 0
    zygote_rss: int = 0
    child_rss: int = 0
    child_private: int | None = 0
    tree_rss_sum: int = 0
    tree_pss: int | None = 0
    samples: int = 0
    workers_seen: set = field(default_factory=set)


def _raise(peaks: Peaks, name: str, value) -> None:
    current = getattr(peaks, name)
    if value is None or current is None:
        setattr(peaks, name, None)
    elif value > current:
        setattr(peaks, name, value)


def sample(root: int, peaks: Peaks) -> None:
    """One look at the tree under `root` (the judge): each direct child of the judge is one worker."""
    tree = _children()
    judge = usage(root)
    if judge is None:
        return
    everything = [judge]
    peaks.judge_rss = max(peaks.judge_rss, judge.rss)
    for top in tree.get(root, []):
        order = [top, *_below(top, tree)]
        members = {pid: u for pid in order if (u := usage(pid)) is not None}
        everything += members.values()
        # the zygote: the topmost process of the worker running convkit's zygote (bwrap's own processes sit above
        # it; the processes it forks carry the same command line). A short-lived bwrap that only probes whether
        # bwrap works has none, and is no worker.
        zygotes = {pid for pid, u in members.items() if ZYGOTE in u.name and not u.name.startswith("bwrap")}
        parent = {child: pid for pid in order for child in tree.get(pid, [])}
        zygote = next((pid for pid in zygotes if parent.get(pid) not in zygotes), None)
        if zygote is None:
            continue
        below = set(_below(zygote, tree))
        peaks.workers_seen.add(top)
        _raise(peaks, "worker_rss_sum", sum(u.rss for u in members.values()))
        _raise(peaks, "worker_pss", _sum(u.pss for u in members.values()))
        peaks.zygote_rss = max(peaks.zygote_rss, members[zygote].rss)
        _raise(peaks, "worker_footprint", _sum([members[zygote].rss] + [u.private if pid in below else u.rss
                                                                        for pid, u in members.items()
                                                                        if pid != zygote]))
        for pid in below & set(members):
            peaks.child_rss = max(peaks.child_rss, members[pid].rss)
            _raise(peaks, "child_private", members[pid].private)
    _raise(peaks, "tree_rss_sum", sum(u.rss for u in everything))
    _raise(peaks, "tree_pss", _sum(u.pss for u in everything))
    peaks.samples += 1


class Sampler:
    """Samples the tree under `root` every `interval` seconds on a thread, until stopped."""

    def __init__(self, root: int, interval: float = 0.2) -> None:
        self.root, self.interval, self.peaks = root, interval, Peaks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            sample(self.root, self.peaks)
            self._stop.wait(self.interval)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def mb(value: int | None) -> str:
    return "n/a" if value is None else f"{value / MB:.0f}"
