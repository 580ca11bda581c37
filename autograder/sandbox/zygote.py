"""The fork server: imports torch once, then grades each submission in a fresh fork of itself.

Runs inside the sandbox with a scrubbed environment, and never imports student code itself. For each job it forks
a *job process* before reading anything, so no submission ever shares memory with another's. The job process is a
child subreaper; it forks one child at a time for the student's code (which leaves the session, takes its limits
and drops to the student's uid: confine.py), feeds it one probe at a time, enforces the wall-clock limits, drains
what it prints (keeping a capped head), and kills its whole process tree when the submission is done or a limit is
hit. A child that dies or hangs is replaced for the probes after it. Then the job process answers the host, exits,
and the zygote sweeps whatever is left.

Control protocol on fd 0 / fd 1 (frames, see wire.py):
  host -> zygote  {"op": "grade", "source", "probes": [...], "limits": {...}, "own_pid_namespace": bool}
  zygote -> host  {"op": "ready"} once, then per job {"op": "graded", "imported": {...}, "answers": {id: reply},
                   "output": {"stdout", "stderr", "dropped"}, "restarts": n}
Nothing the child sends is trusted: a reply that is not a dict, out of order or too large is replaced by an error.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import select
import shutil
import signal
import sys
import time

from . import probe, wire
from .confine import confine
from .reaper import PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE, PR_SET_PDEATHSIG, kill_tree, prctl, reap

OUTPUT_CAP = 64 * 1024                     # head of stdout and of stderr kept for the instructor
ANSWERS_CAP = wire.MAX_FRAME - 1024 * 1024  # all replies of one submission, so that the job's frame fits
FILENAME = "conv_layer.py"
JOB_EOF, JOB_FAULT = 3, 70                 # job process exit codes: the host closed the pipe / a runner bug


class Child:
    """One forked process running probe.serve on one submission, with pipes for probes, replies and output."""

    def __init__(self, source: str, limits: dict, scratch: str, output: "Output") -> None:
        self.output = output
        req_r, self.requests = os.pipe()
        self.replies, rep_w = os.pipe()
        self.stdout, out_w = os.pipe()
        self.stderr, err_w = os.pipe()
        self.reader = wire.FrameReader(limit=wire.MAX_REPLY)
        scratch_fd = os.open(scratch, os.O_RDONLY | os.O_DIRECTORY)
        self.pid = os.fork()
        if self.pid == 0:                                   # the child: never returns
            try:
                os.setsid()
                os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                keep = sorted({req_r, rep_w, scratch_fd})
                for low, high in zip([2, *keep], [*keep, 1 << 16]):
                    os.closerange(low + 1, high)
                confine(limits, scratch, scratch_fd)
                sys.stdin = open(os.devnull)
                sys.stdout = os.fdopen(1, "w", buffering=1, errors="replace")
                sys.stderr = os.fdopen(2, "w", buffering=1, errors="replace")
                probe.serve(req_r, rep_w, source, FILENAME)  # relative to the scratch dir, the child's cwd
            except BaseException:                           # a fault of the runner itself, before student code
                import traceback
                traceback.print_exc()
                os._exit(JOB_FAULT)
            finally:
                os._exit(0)
        for fd in (req_r, rep_w, out_w, err_w, scratch_fd):
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
        """The next reply frame (any JSON value: the caller checks it), or ("timeout" | "exited" | "garbled" |
        "oversized", detail)."""
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
                    except wire.FrameTooLarge as error:
                        return ("oversized", str(error))
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


def _error(kind: str, message: str = "") -> dict:
    return {"ok": False, "error": {"type": kind, "message": message, "where": ""}}


def _subject(p: dict) -> str:
    """The name a probe exercises (a function or a class): one that timed out is not waited for again."""
    return str(p.get("fn") or p.get("cls") or "")


def grade(job: dict, scratch_root: str) -> dict:
    """Run every probe of one submission; a child that dies or hangs is replaced for the probes after it.

    A function that overran its time limit once is not called again in this submission: its later probes fail at
    once, so an endless loop costs one probe_seconds, not the whole submission's budget (and the other parts keep
    the points they earn)."""
    limits, probes = job["limits"], job["probes"]
    uid = limits.get("uid") if job.get("own_pid_namespace") else None
    output, answers, restarts, spent = Output(), {}, 0, 0
    imported: dict = {}
    timed_out: set[str] = set()
    submission_deadline = time.monotonic() + limits["submission_seconds"]
    child, index = None, 0
    while index < len(probes):
        p = probes[index]
        index += 1
        if time.monotonic() >= submission_deadline:
            answers[p["id"]] = _error("SubmissionTimeout")
            continue
        if _subject(p) in timed_out:
            answers[p["id"]] = _error("Timeout", "an earlier call did not finish in time")
            continue
        if child is None:
            scratch = _fresh_scratch(scratch_root, limits.get("uid"))
            child = Child(job["source"], limits, scratch, output)
            started = child.receive(min(submission_deadline, time.monotonic() + limits["import_seconds"]))
            if not (isinstance(started, dict) and started.get("op") == "imported" and started.get("ok") is True):
                if not imported:
                    imported = _import_failure(started)
                else:                       # a restart could not import again: the probes left share that failure
                    for q in (p, *probes[index:]):
                        answers[q["id"]] = _import_failure(started)
                break
            imported = {"ok": True}
        deadline = min(submission_deadline, time.monotonic() + limits["probe_seconds"])
        child.send(p)                       # a child that already died shows up as "exited" below
        reply = child.receive(deadline)
        if isinstance(reply, dict) and reply.get("id") == p["id"]:
            try:
                size = len(wire.pack(reply))
            except (wire.FrameError, ValueError, RecursionError):
                size = ANSWERS_CAP + 1
            fits = spent + size <= ANSWERS_CAP
            spent += size if fits else 0
            answers[p["id"]] = reply if fits else _error("Unencodable", "too large")
            continue
        if isinstance(reply, tuple):
            kind, detail = reply
            if kind == "timeout":
                timed_out.add(_subject(p))
            error = {"timeout": "SubmissionTimeout" if time.monotonic() >= submission_deadline else "Timeout",
                     "exited": "Exited", "garbled": "Garbled", "oversized": "Unencodable"}[kind]
            answers[p["id"]] = _error(error, detail)
        else:
            answers[p["id"]] = _error("Garbled", "reply out of order")
        child.close()
        kill_tree(grace=0.1, uid=uid)
        child, restarts = None, restarts + 1
    if child is not None:
        child.close()
    kill_tree(grace=0.2, uid=uid)
    shutil.rmtree(scratch_root, ignore_errors=True)
    return {"op": "graded", "imported": imported, "answers": answers, "output": output.to_dict(),
            "restarts": restarts}


def _import_failure(started) -> dict:
    if isinstance(started, tuple):
        kind, detail = started
        kind = {"timeout": "ImportTimeout", "oversized": "Garbled"}.get(kind, kind.capitalize())
        return _error(kind, detail)
    error = started.get("error") if isinstance(started, dict) else None
    return {"ok": False, "error": error if isinstance(error, dict) else {"type": "Garbled", "message": "",
                                                                         "where": ""}}


def _fresh_scratch(root: str, uid) -> str:
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root, mode=0o700)
    if os.getuid() == 0 and uid:
        os.chown(root, uid, uid)
    return root


def _job(scratch_root: str) -> int:
    """The job process: read one job, grade it, answer, and say how it went in the exit code."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        job = wire.read_frame(0)
        if job is None:
            return JOB_EOF
        wire.write_frame(1, grade(job, scratch_root))
        return 0
    except BaseException:
        import traceback
        traceback.print_exc()
        return JOB_FAULT


def _die(signum, frame) -> None:
    """SIGTERM (from the host, or because the grader died: PR_SET_PDEATHSIG): nothing below may survive us."""
    kill_tree(grace=0.0)
    os._exit(1)


def main() -> None:
    prctl(PR_SET_PDEATHSIG, signal.SIGTERM)   # without bubblewrap's --die-with-parent, this ends the sandbox
    signal.signal(signal.SIGTERM, _die)
    # preloaded once, shared copy-on-write by every child: numpy.random (what probe.py seeds), torch, the codec a
    # host name needs, and this whole package (without bubblewrap the child may not be able to read files that only
    # root can reach, such as a Python installed under /root)
    import encodings.idna  # noqa: F401
    import numpy.random  # noqa: F401
    import torch

    for module in pkgutil.iter_modules(sys.modules[__package__].__path__):
        importlib.import_module(f"{__package__}.{module.name}")

    torch.set_num_threads(1)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    prctl(PR_SET_DUMPABLE, 0)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    scratch_root = os.path.join(os.environ.get("CONVKIT_SCRATCH", "/tmp"), "submission")
    wire.write_frame(1, {"op": "ready", "pid": os.getpid()})
    while True:
        pid = os.fork()
        if pid == 0:
            code = JOB_FAULT
            try:
                code = _job(scratch_root)
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        kill_tree(grace=0.0)
        reap()
        if status != 0:           # the host hung up, or the job failed mid-answer: the host restarts us
            return


if __name__ == "__main__":
    main()
