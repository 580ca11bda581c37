"""One worker: a zygote process (sandboxed) that grades submissions one after another.

The worker only moves frames: it sends a submission's source and probes, and returns the zygote's raw reply. If
the zygote dies, hangs or answers garbage, the worker kills its whole process group, starts a new one, and the
job comes back as a failure that the judge turns into zero points with a reason.
"""
from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from ..sandbox import wire
from ..sandbox.zygote import descendants
from . import sandbox
from .limits import Limits

READY_SECONDS = 120.0     # importing torch on a loaded, shared machine
BASE_UID = 61000          # workers of a root grader run student code as BASE_UID + index


class WorkerError(Exception):
    """The zygote did not answer as the protocol says; the message is for the report."""


class Worker:
    def __init__(self, isolation: sandbox.Isolation, limits: Limits, index: int = 0) -> None:
        self.isolation, self.index = isolation, index
        uid = BASE_UID + index if os.geteuid() == 0 else 0
        self.limits = Limits(**{**limits.to_dict(), "uid": uid})
        self.process: subprocess.Popen | None = None
        self._stage: Path | None = None
        self._scratch: Path | None = None

    def start(self) -> None:
        self._stage = sandbox.stage()
        self._scratch = Path(tempfile.mkdtemp(prefix="convkit-scratch-"))
        if os.geteuid() == 0 and self.limits.uid:
            os.chown(self._scratch, self.limits.uid, self.limits.uid)
        argv, env = sandbox.zygote_command(self.isolation, self._stage, self._scratch)
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                        env=env, cwd=self._scratch, start_new_session=True, bufsize=0)
        hello = self._receive(time.monotonic() + READY_SECONDS)
        if hello.get("op") != "ready":
            raise WorkerError("the sandbox did not start: " + self._stderr_tail())

    def grade(self, source: str, probes: list[dict]) -> dict:
        """Send one submission; the zygote's reply, or raise WorkerError (the worker is then restarted)."""
        if self.process is None or self.process.poll() is not None:
            self.restart()
        limits = self.limits
        job = {"op": "grade", "source": source, "probes": probes, "limits": limits.to_dict()}
        budget = limits.submission_seconds + limits.import_seconds + 15.0
        try:
            wire.write_frame(self.process.stdin.fileno(), job)
            reply = self._receive(time.monotonic() + budget)
        except (OSError, WorkerError, wire.FrameError) as error:
            self.restart()
            raise WorkerError(str(error) or type(error).__name__) from None
        if reply.get("op") != "graded":
            self.restart()
            raise WorkerError("the sandbox answered out of protocol")
        return reply

    def _receive(self, deadline: float) -> dict:
        reader, fd = wire.FrameReader(), self.process.stdout.fileno()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerError("the sandbox stopped answering")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise WorkerError("the sandbox ended unexpectedly")
            frames = reader.feed(chunk)
            if frames:
                if len(frames) > 1 or not isinstance(frames[0], dict):
                    raise WorkerError("the sandbox answered out of protocol")
                return frames[0]

    def _stderr_tail(self) -> str:
        try:
            self._stderr.seek(0)
            lines = self._stderr.read().decode(errors="replace").strip().splitlines()
            return lines[-1] if lines else "no message"
        except (OSError, ValueError):
            return "no message"

    def restart(self) -> None:
        self.close()
        self.start()

    def close(self) -> None:
        if self.process is not None:
            # without bwrap's PID namespace, children that left the zygote's session must be found one by one
            for pid in [self.process.pid, *descendants(self.process.pid)]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                stream.close()
            self._stderr.close()
            self.process = None
        for path in (self._stage, self._scratch):
            if path is not None:
                shutil.rmtree(path, ignore_errors=True)
        self._stage = self._scratch = None

    def __enter__(self) -> "Worker":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()
