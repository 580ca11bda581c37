"""One worker: a zygote process (sandboxed) that grades submissions one after another.

The worker only moves frames: it sends a submission's source and probes, and returns the zygote's raw reply. If
the zygote dies, hangs or answers garbage, the worker kills its whole process tree, starts a new one, and the job
comes back as a failure that the judge turns into zero points with a reason. `kill()` may be called from another
thread (Ctrl-C): the worker then stops for good, and whatever it was waiting for raises WorkerError at once.
"""
from __future__ import annotations

import os
import select
import signal
import subprocess
import tempfile
import threading
import time

from ..sandbox import wire
from ..sandbox.reaper import descendants
from . import sandbox
from .folder import Folder
from .limits import Limits

READY_SECONDS = 120.0     # importing torch on a loaded, shared machine
BASE_UID = 61000          # workers of a root grader run student code as BASE_UID + index
TERM_SECONDS = 2.0        # the fallback zygote's own SIGTERM handler kills its tree; then SIGKILL from here
POLL_SECONDS = 0.25       # how often a waiting worker notices kill()


class WorkerError(Exception):
    """The zygote did not answer as the protocol says; the message is for the report."""


class Worker:
    def __init__(self, isolation: sandbox.Isolation, limits: Limits, index: int = 0) -> None:
        self.isolation, self.index = isolation, index
        uid = BASE_UID + index if os.geteuid() == 0 else 0
        self.limits = Limits(**{**limits.to_dict(), "uid": uid})
        self.process: subprocess.Popen | None = None
        self._folder: Folder | None = None
        self._stopped = threading.Event()

    def start(self) -> None:
        if self._stopped.is_set():
            raise WorkerError("stopped")
        try:
            self._folder = Folder()
            stage_dir = sandbox.stage(self._folder.path)
            scratch = self._folder.path / "scratch"
            scratch.mkdir(mode=0o700)
            if os.geteuid() == 0 and self.limits.uid:
                os.chown(scratch, self.limits.uid, self.limits.uid)
            argv, env = sandbox.zygote_command(self.isolation, stage_dir, scratch, tmp_mb=self.limits.tmp_mb)
            self._stderr = tempfile.TemporaryFile()
            self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=self._stderr, env=env, cwd=self._folder.path,
                                            start_new_session=True, bufsize=0)
            if self._stopped.is_set():             # kill() came while Popen ran: it may have missed this process
                raise WorkerError("stopped")
            try:
                hello = self._receive(time.monotonic() + READY_SECONDS)
            except (OSError, WorkerError, wire.FrameError) as error:
                hello = {"error": str(error)}
            if hello.get("op") != "ready":
                raise WorkerError("stopped" if self._stopped.is_set()
                                  else "the sandbox did not start: " + self._stderr_tail())
        except BaseException:
            self.close()
            raise

    def grade(self, source: str, probes: list[dict]) -> dict:
        """Send one submission; the zygote's reply, or raise WorkerError (the worker is then restarted)."""
        if self.process is None or self.process.poll() is not None:
            self.restart()
        limits = self.limits
        job = {"op": "grade", "source": source, "probes": probes, "limits": limits.to_dict(),
               "own_pid_namespace": self.isolation.kind == "bwrap" and bool(limits.uid)}
        budget = limits.submission_seconds + limits.import_seconds + 15.0
        try:
            wire.write_frame(self.process.stdin.fileno(), job)
            reply = self._receive(time.monotonic() + budget)
        except (OSError, WorkerError, wire.FrameError) as error:
            self._recover()
            raise WorkerError(str(error) or type(error).__name__) from None
        if reply.get("op") != "graded":
            self._recover()
            raise WorkerError("the sandbox answered out of protocol")
        return reply

    def _recover(self) -> None:
        if self._stopped.is_set():
            self.close()
        else:
            self.restart()

    def _receive(self, deadline: float) -> dict:
        reader, fd = wire.FrameReader(), self.process.stdout.fileno()
        while True:
            if self._stopped.is_set():
                raise WorkerError("stopped")
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerError("the sandbox stopped answering")
            ready, _, _ = select.select([fd], [], [], min(left, POLL_SECONDS))
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:                           # killed from another thread while we waited: say so
                raise WorkerError("stopped" if self._stopped.is_set() else "the sandbox ended unexpectedly")
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

    def kill(self) -> None:
        """From any thread: stop for good, and end the sandbox now (whatever waits on it raises WorkerError)."""
        self._stopped.set()
        process = self.process
        if process is not None:
            try:
                # bwrap's namespace dies with it; the fallback zygote's SIGTERM handler kills its own tree
                os.kill(process.pid, signal.SIGKILL if self.isolation.kind == "bwrap" else signal.SIGTERM)
            except OSError:
                pass

    def close(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            if self.isolation.kind != "bwrap" and process.poll() is None:
                try:
                    process.send_signal(signal.SIGTERM)
                    process.wait(TERM_SECONDS)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            # children first, while the zygote (their subreaper) still holds the orphans; repeat until none
            for _ in range(100):
                below = descendants(process.pid, zombies=False)
                if not below:
                    break
                for pid in below:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                time.sleep(0.01)
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                process.kill()
            except OSError:
                pass
            process.wait()
            for stream in (process.stdin, process.stdout):
                stream.close()
            self._stderr.close()
        if self._folder is not None:
            self._folder.remove()
            self._folder = None

    def __enter__(self) -> "Worker":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()
