"""The fork server: imports torch once, then forks a fresh child for every submission.

Runs inside the sandbox with a scrubbed environment. It never imports student code itself: each child does, after
it has left the zygote's session, dropped privileges and taken its resource limits. The zygote feeds the child
one probe at a time, enforces the wall-clock limits, drains what the child prints (keeping a capped head), and
kills the child's whole process tree when the submission is done or a limit is hit. Then it answers the host.

Control protocol on fd 0 / fd 1 (frames, see wire.py):
  host -> zygote  {"op": "grade", "source", "probes": [...], "limits": {...}}
  zygote -> host  {"op": "ready"} once, then per job {"op": "graded", "imported": {...}, "answers": {id: reply},
                   "output": {"stdout", "stderr", "dropped"}, "restarts": n}
"""
from __future__ import annotations

import ctypes
import os
import resource
import select
import shutil
import signal
import sys
import time

from . import probe, wire

PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 4, 36
OUTPUT_CAP = 64 * 1024
FILENAME = "conv_layer.py"


def _prctl(option: int, value: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def descendants(root: int | None = None) -> list[int]:
    """Every process below `root` (default: this zygote, to which orphans re-parent: it is a subreaper)."""
    me, parent = root or os.getpid(), {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read()
                parent[int(entry)] = int(stat[stat.rindex(b")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [], [me]
    while frontier:
        p = frontier.pop()
        children = [c for c, pp in parent.items() if pp == p and c != me]
        found += children
        frontier += children
    return found


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_tree(grace: float) -> None:
    """SIGTERM everything below the zygote, wait `grace` seconds, then SIGKILL until nothing is left."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 0.0)):
        for pid in descendants():
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and descendants():
            _reap()
            time.sleep(0.01)
    for _ in range(200):
        _reap()
        left = descendants()
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)


class Child:
    """One forked process running probe.serve on one submission, with pipes for probes, replies and output."""

    def __init__(self, source: str, limits: dict, scratch: str, output: "Output") -> None:
        self.output = output
        req_r, self.requests = os.pipe()
        self.replies, rep_w = os.pipe()
        self.stdout, out_w = os.pipe()
        self.stderr, err_w = os.pipe()
        self.reader = wire.FrameReader()
        self.pid = os.fork()
        if self.pid == 0:                                   # the child: never returns
            try:
                os.setsid()
                os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                keep = {0, 1, 2, req_r, rep_w}
                for fd in range(3, 1024):
                    if fd not in keep:
                        try:
                            os.close(fd)
                        except OSError:
                            pass
                _confine(limits, scratch)
                sys.stdin = open(os.devnull)
                sys.stdout = os.fdopen(1, "w", buffering=1, errors="replace")
                sys.stderr = os.fdopen(2, "w", buffering=1, errors="replace")
                probe.serve(req_r, rep_w, source, os.path.join(scratch, FILENAME))
            except BaseException:                           # a fault of the runner itself, before student code
                import traceback
                traceback.print_exc()
                os._exit(70)
            finally:
                os._exit(0)
        for fd in (req_r, rep_w, out_w, err_w):
            os.close(fd)
        self.pending: list = []

    def close(self) -> None:
        for fd in (self.requests, self.replies, self.stdout, self.stderr):
            try:
                os.close(fd)
            except OSError:
                pass

    def send(self, frame: dict) -> bool:
        try:
            wire.write_frame(self.requests, frame)
            return True
        except OSError:
            return False

    def receive(self, deadline: float):
        """The next reply frame, or ("timeout" | "exited" | "garbled", detail)."""
        while True:
            if self.pending:
                return self.pending.pop(0)
            left = deadline - time.monotonic()
            if left <= 0:
                return ("timeout", "")
            ready, _, _ = select.select([self.replies, self.stdout, self.stderr], [], [], left)
            for fd in ready:
                try:
                    chunk = os.read(fd, 1 << 16)
                except OSError:
                    chunk = b""
                if fd == self.replies:
                    if not chunk:
                        return ("exited", self._status())
                    try:
                        self.pending += self.reader.feed(chunk)
                    except wire.FrameError as error:
                        return ("garbled", str(error))
                else:
                    self.output.add("stdout" if fd == self.stdout else "stderr", chunk)

    def _status(self) -> str:
        """How the child ended, once its replies pipe has closed."""
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return "ended"
            if pid:
                if os.WIFSIGNALED(status):
                    return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
                return f"exit code {os.WEXITSTATUS(status)}"
            self._drain()
            time.sleep(0.005)
        return "closed its reply channel"

    def _drain(self) -> None:
        for fd in (self.stdout, self.stderr):
            ready, _, _ = select.select([fd], [], [], 0)
            if ready:
                try:
                    self.output.add("stdout" if fd == self.stdout else "stderr", os.read(fd, 1 << 16))
                except OSError:
                    pass


class Output:
    """The head of what a submission printed, and how much more it printed."""

    def __init__(self) -> None:
        self.text = {"stdout": bytearray(), "stderr": bytearray()}
        self.dropped = 0

    def add(self, stream: str, chunk: bytes) -> None:
        room = OUTPUT_CAP - len(self.text[stream])
        self.text[stream] += chunk[:max(room, 0)]
        self.dropped += max(0, len(chunk) - max(room, 0))

    def to_dict(self) -> dict:
        return {"stdout": self.text["stdout"].decode("utf-8", "replace"),
                "stderr": self.text["stderr"].decode("utf-8", "replace"), "dropped": self.dropped}


def _confine(limits: dict, scratch: str) -> None:
    """In the child, before any student code: limits, then an unprivileged user, then the scratch directory."""
    vm = 0
    try:
        with open("/proc/self/status") as f:
            vm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        pass
    mb = 1024 * 1024
    for name, soft in (("RLIMIT_AS", vm + limits["memory_mb"] * mb), ("RLIMIT_CPU", limits["cpu_seconds"]),
                       ("RLIMIT_NPROC", limits["processes"]), ("RLIMIT_NOFILE", limits["open_files"]),
                       ("RLIMIT_FSIZE", limits["file_mb"] * mb), ("RLIMIT_CORE", 0)):
        try:
            resource.setrlimit(getattr(resource, name), (soft, soft))
        except (ValueError, OSError):
            pass
    uid = limits.get("uid")
    if os.getuid() == 0 and uid:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    os.chdir(scratch)
    os.environ.clear()
    os.environ.update({"HOME": scratch, "TMPDIR": scratch, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                       "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"})


def grade(job: dict, scratch_root: str) -> dict:
    """Run every probe of one submission; a child that dies or hangs is replaced for the probes after it."""
    limits, probes = job["limits"], job["probes"]
    output, answers, restarts = Output(), {}, 0
    imported: dict = {}
    submission_deadline = time.monotonic() + limits["submission_seconds"]
    child, index = None, 0
    while index < len(probes):
        if time.monotonic() >= submission_deadline:
            for p in probes[index:]:
                answers[p["id"]] = {"ok": False, "error": {"type": "SubmissionTimeout", "message": "", "where": ""}}
            break
        if child is None:
            scratch = _fresh_scratch(scratch_root, limits.get("uid"))
            child = Child(job["source"], limits, scratch, output)
            started = child.receive(min(submission_deadline, time.monotonic() + limits["import_seconds"]))
            if isinstance(started, tuple) or not started.get("ok"):
                imported = _import_failure(started)
                break
            imported = {"ok": True}
        p = probes[index]
        deadline = min(submission_deadline, time.monotonic() + limits["probe_seconds"])
        child.send(p)                       # a child that already died shows up as "exited" below
        reply = child.receive(deadline)
        if isinstance(reply, tuple):
            kind, detail = reply
            if kind == "timeout" and time.monotonic() >= submission_deadline:
                kind = "SubmissionTimeout"
            answers[p["id"]] = {"ok": False, "error": {"type": kind.capitalize() if kind != "SubmissionTimeout"
                                                       else kind, "message": detail, "where": ""}}
            child.close()
            kill_tree(grace=0.1)
            child, restarts = None, restarts + 1
        elif reply.get("id") != p["id"]:
            answers[p["id"]] = {"ok": False, "error": {"type": "Garbled", "message": "reply out of order",
                                                       "where": ""}}
            child.close()
            kill_tree(grace=0.1)
            child, restarts = None, restarts + 1
        else:
            answers[p["id"]] = reply
        index += 1
    if child is not None:
        child.close()
    kill_tree(grace=0.2)
    shutil.rmtree(scratch_root, ignore_errors=True)
    return {"op": "graded", "imported": imported, "answers": answers, "output": output.to_dict(),
            "restarts": restarts}


def _import_failure(started) -> dict:
    if isinstance(started, tuple):
        kind, detail = started
        return {"ok": False, "error": {"type": {"timeout": "ImportTimeout"}.get(kind, kind.capitalize()),
                                       "message": detail, "where": ""}}
    return {"ok": False, "error": started.get("error") if isinstance(started.get("error"), dict)
            else {"type": "Garbled", "message": "", "where": ""}}


def _fresh_scratch(root: str, uid) -> str:
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root, mode=0o700)
    if os.getuid() == 0 and uid:
        os.chown(root, uid, uid)
    return root


def main() -> None:
    import numpy  # noqa: F401  (preloaded once, shared copy-on-write by every child)
    import torch

    torch.set_num_threads(1)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_DUMPABLE, 0)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    scratch_root = os.path.join(os.environ.get("CONVKIT_SCRATCH", "/tmp"), "submission")
    wire.write_frame(1, {"op": "ready", "pid": os.getpid()})
    while True:
        job = wire.read_frame(0)
        if job is None:
            return
        wire.write_frame(1, grade(job, scratch_root))


if __name__ == "__main__":
    main()
