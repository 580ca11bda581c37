"""The runner on its own: one Worker (a zygote in its sandbox) fed submissions directly, with small time limits.

What the child can see and do (uid, capabilities, limits, file system, network, environment), what a child that
misbehaves costs (time limits, oversized or garbled replies), and that the zygote outlives all of it.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from autograder import checks, paths
from autograder.batch import DEFAULT_SEED
from autograder.judge import grade
from autograder.runner import sandbox
from autograder.runner.folder import PREFIX, Folder, sweep
from autograder.runner.limits import Limits
from autograder.runner.worker import BASE_UID, Worker, WorkerError
from autograder.sandbox import reaper, wire
from conftest import reference_module_text

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="uid separation needs a grader running as root")
BWRAP = pytest.mark.skipif(sandbox.detect().kind != "bwrap", reason="bubblewrap cannot run here")
FAST = Limits(probe_seconds=2.0, import_seconds=10.0, submission_seconds=8.0)
ZYGOTE_CAPS = {"CAP_SETUID": 7, "CAP_SETGID": 6, "CAP_KILL": 5, "CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1,
               "CAP_FOWNER": 3}

# appended to the reference: edge_kernel reports, in its exception's message, what the child can see
FACTS = '''

import json as _json
import os as _os
import resource as _resource
import socket as _socket


def _facts():
    def status(pid):
        with open(f"/proc/{pid}/status") as f:
            return dict(line.rstrip("\\n").split(":\\t", 1) for line in f if ":\\t" in line)
    me, parent = status("self"), status(_os.getppid())
    try:
        _socket.create_connection(("127.0.0.1", __PORT__), timeout=2).close()
        reached = True
    except OSError:
        reached = False
    tmp_writable = _os.access("/tmp", _os.W_OK)
    with open("/proc/net/dev") as f:
        interfaces = sorted(line.split(":")[0].strip() for line in f.readlines()[2:])
    limits = {name: _resource.getrlimit(getattr(_resource, name))[0]
              for name in ("RLIMIT_CPU", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_FSIZE", "RLIMIT_CORE")}
    return {"uid": _os.getuid(), "gid": _os.getgid(), "groups": _os.getgroups(), "cap_eff": me["CapEff"],
            "no_new_privs": me["NoNewPrivs"], "parent_cap_eff": parent["CapEff"], "limits": limits,
            "root": sorted(_os.listdir("/")), "repo": sorted(_os.listdir(__REPO__)) if _os.path.isdir(__REPO__) else [],
            "solutions": _os.path.exists(__SOLUTIONS__), "env": sorted(_os.environ), "reached": reached,
            "tmp_writable": tmp_writable, "interfaces": interfaces, "processes": len([p for p in _os.listdir("/proc")
                                                                                     if p.isdigit()]),
            "cwd_writable": _os.access(".", _os.W_OK), "hostname": _socket.gethostname()}


def edge_kernel():
    raise RuntimeError("FACTS" + _json.dumps(_facts()))
'''


def call(fn: str, n: int = 0, **extra) -> dict:
    return {"id": f"{fn}.{n}", "op": "call", "fn": fn, "args": [], "kwargs": {}, "seed": 1 + n, **extra}


def plan_probes() -> list[dict]:
    return grade.wire_probes(grade.plan(checks.all_checks(), DEFAULT_SEED), DEFAULT_SEED)


def facts(isolation: sandbox.Isolation, tmp_path: Path) -> dict:
    import socket
    listener = socket.create_server(("127.0.0.1", 0))
    source = reference_module_text() + (FACTS.replace("__PORT__", str(listener.getsockname()[1]))
                                        .replace("__REPO__", repr(str(paths.ROOT)))
                                        .replace("__SOLUTIONS__", repr(str(paths.SOLUTIONS))))
    try:
        with Worker(isolation, Limits()) as worker:
            reply = worker.grade(source, [call("edge_kernel")])
    finally:
        listener.close()
    message = reply["answers"]["edge_kernel.0"]["error"]["message"]
    return json.loads(message.split("FACTS", 1)[1])


@pytest.fixture(scope="module")
def worker():
    with Worker(sandbox.detect(), FAST) as w:
        yield w


def zygote_pid(worker: Worker) -> int:
    """The zygote: the python process below the worker's bwrap (or the worker's process itself)."""
    for pid in [worker.process.pid, *reaper.descendants(worker.process.pid, zombies=False)]:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if b"zygote import main" in f.read():
                return pid
    raise AssertionError("no zygote")


@ROOT_ONLY
@BWRAP
def test_the_bwrap_child_sees_almost_nothing(tmp_path):
    """Inside bubblewrap, is the child an unprivileged uid with no capability, under its limits, with no network,
    no repository, no solutions, a read-only system, a scrubbed environment and its own process list?"""
    seen = facts(sandbox.detect(), tmp_path)
    assert seen["uid"] == seen["gid"] == BASE_UID and seen["groups"] == []
    assert int(seen["cap_eff"], 16) == 0 and seen["no_new_privs"] == "1"
    assert int(seen["parent_cap_eff"], 16) == sum(1 << bit for bit in ZYGOTE_CAPS.values())
    limits = Limits()
    assert seen["limits"] == {"RLIMIT_CPU": limits.cpu_seconds, "RLIMIT_NPROC": limits.processes,
                              "RLIMIT_NOFILE": limits.open_files, "RLIMIT_FSIZE": limits.file_mb << 20,
                              "RLIMIT_CORE": 0}
    assert set(seen["repo"]) <= {".venv"} and not seen["solutions"]   # a virtualenv inside it must stay visible
    assert not {"etc", "home", "var", "srv", "opt", "mnt", "sys"} & set(seen["root"])
    assert seen["env"] == ["HOME", "LANG", "MKL_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "PATH",
                           "PYTHONHASHSEED", "TMPDIR"]
    assert not seen["reached"] and seen["interfaces"] == ["lo"]
    assert not seen["tmp_writable"] and seen["cwd_writable"]
    assert seen["processes"] <= 5 and seen["hostname"] == "sandbox"


@BWRAP
def test_a_python_installation_under_tmp_stays_visible(tmp_path, monkeypatch):
    """A checkout (and so its virtualenv) under /tmp: is it still bound into the sandbox on top of the private
    /tmp, read-only, rather than hidden by it (which would force the weaker fallback)?"""
    root = Path(tempfile.mkdtemp(dir="/tmp", prefix="convkit-test-prefix-"))
    try:
        (root / "marker").write_text("seen\n")
        monkeypatch.setattr(sandbox, "_python_roots", lambda: [str(root)])
        stage_dir = Path(tempfile.mkdtemp(prefix="convkit-test-stage-"))
        argv = sandbox.bwrap_argv(stage_dir, root=os.geteuid() == 0) + [
            "/bin/sh", "-c", f"cat {root}/marker; touch {root}/x 2>/dev/null && echo writable; touch /tmp/y && echo tmp"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=sandbox.ENV)
        assert done.stdout.split() == ["seen", "tmp"], done.stderr
    finally:
        subprocess.run(["rm", "-rf", str(root)])


@ROOT_ONLY
def test_the_fallback_child_is_still_confined(tmp_path):
    """Without bubblewrap: still an unprivileged uid, no capability, no new privileges, limits, scrubbed env?"""
    seen = facts(sandbox.Isolation("process", "test"), tmp_path)
    assert seen["uid"] == BASE_UID and int(seen["cap_eff"], 16) == 0 and seen["no_new_privs"] == "1"
    assert seen["limits"]["RLIMIT_NPROC"] == Limits().processes
    assert "CONVKIT_SCRATCH" not in seen["env"] and "HOME" in seen["env"]


def test_the_zygote_forks_with_one_thread(worker):
    """Is the zygote single-threaded (torch's pools not started), so that forking it is safe?"""
    worker.grade(reference_module_text(), [call("edge_kernel")])
    assert len(os.listdir(f"/proc/{zygote_pid(worker)}/task")) == 1


def test_an_endless_function_costs_one_time_limit(worker):
    """corr2d loops forever: does it time out once, fail its later calls at once, and leave the other functions'
    answers intact, all well inside the submission's budget?"""
    source = reference_module_text() + "\n\ndef corr2d(X, K):\n    while True:\n        pass\n"
    probes = plan_probes()

    def kinds(reply):
        return {p["id"]: reply["answers"][p["id"]].get("error", {}).get("type") for p in probes}
    honest = kinds(worker.grade(reference_module_text(), probes))
    started = time.monotonic()
    looped = kinds(worker.grade(source, probes))
    took = time.monotonic() - started
    looping = [p["id"] for p in probes if p.get("fn") == "corr2d"]
    assert len(looping) > 3 and all(looped[i] == "Timeout" for i in looping)
    assert {i: k for i, k in looped.items() if i not in looping} == {i: k for i, k in honest.items()
                                                                      if i not in looping}
    assert took < FAST.submission_seconds


def test_the_submission_budget_holds(worker):
    """Every function sleeps forever: does the whole submission still end near its budget, the rest marked as not
    run for lack of time?"""
    names = {p.get("fn") or p.get("cls") for p in plan_probes()}
    source = "import time\n" + "".join(f"def {n}(*args, **kwargs):\n    time.sleep(1000)\n\n" for n in names)
    started = time.monotonic()
    reply = worker.grade(source, plan_probes())
    took = time.monotonic() - started
    kinds = [a["error"]["type"] for a in reply["answers"].values()]
    assert "SubmissionTimeout" in kinds and set(kinds) <= {"Timeout", "SubmissionTimeout"}
    assert took < FAST.submission_seconds + FAST.probe_seconds + 5


def test_oversized_answers_are_refused_not_fatal(worker):
    """A function returning 12 MB, and one writing a frame header that announces 100 MB: are both refused as
    unencodable, while the zygote stays up and the next submission is graded normally?"""
    zygote = zygote_pid(worker)
    source = reference_module_text() + '''

import os as _os
import struct as _struct


def edge_kernel():
    return torch.zeros(3_000_000)


def edge_image():
    for fd in range(3, 64):
        try:
            if _os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                _os.write(fd, _struct.pack(">I", 100 << 20) + b"{" * 1000)
        except OSError:
            pass
    return torch.ones(6, 8)
'''
    import torch
    after = call("corr2d", args=[wire.encode_input(torch.ones(3, 3)), wire.encode_input(torch.ones(2, 2))])
    reply = worker.grade(source, [call("edge_kernel"), call("edge_image"), after])
    answers = reply["answers"]
    assert answers["edge_kernel.0"]["error"]["type"] == "Unencodable"
    assert answers["edge_image.0"]["error"]["type"] == "Unencodable"
    assert answers["corr2d.0"]["ok"] is True and reply["restarts"] == 1
    assert zygote_pid(worker) == zygote
    assert worker.grade(reference_module_text(), [call("edge_kernel")])["answers"]["edge_kernel.0"]["ok"] is True


def test_many_large_answers_still_fit_one_frame(worker):
    """Every corr2d call returns a 3.7 MB answer: does the job's reply stay under the frame limit (the excess
    answers refused), rather than failing the whole submission?"""
    source = reference_module_text() + "\n\ndef corr2d(*args):\n    return torch.ones(700_000)\n"
    probes = [call("corr2d", n) for n in range(12)]
    reply = worker.grade(source, probes)
    kinds = [reply["answers"][p["id"]].get("error", {}).get("type") for p in probes]
    assert "Unencodable" in kinds and kinds[0] != "Unencodable"
    assert len(wire.pack(reply)) <= wire.MAX_FRAME


@pytest.mark.parametrize("garbage", [b"[1, 2, 3]", b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe not json",
                                     b'{"id": "edge_image.0", "ok": true}'])
def test_garbage_frames_are_refused_not_fatal(worker, garbage):
    """A child that writes a non-object, a deeply nested, a non-JSON or an unasked-for frame ahead of its
    answers: is each answer refused, the zygote still up, and the next submission graded normally?"""
    zygote = zygote_pid(worker)
    source = reference_module_text() + f'''

import os as _os
import struct as _struct

_frame = {garbage!r}
for _fd in range(3, 64):
    try:
        if _os.readlink(f"/proc/self/fd/{{_fd}}").startswith("pipe:") and _fd != 1 and _fd != 2:
            _os.write(_fd, _struct.pack(">I", len(_frame)) + _frame)
    except OSError:
        pass
'''
    reply = worker.grade(source, [call("edge_kernel")])
    assert not reply["imported"].get("ok") or reply["answers"]["edge_kernel.0"].get("ok") is not True
    assert zygote_pid(worker) == zygote
    assert worker.grade(reference_module_text(), [call("edge_kernel")])["answers"]["edge_kernel.0"]["ok"] is True


def test_kill_from_another_thread_ends_a_grading_at_once():
    """Ctrl-C's path: Worker.kill() while a submission sleeps — does grade() raise at once, with nothing left?"""
    worker = Worker(sandbox.detect(), Limits())
    worker.start()
    process = worker.process
    outcome = []

    def grade_it():
        try:
            worker.grade(reference_module_text() + "\nimport time\ntime.sleep(1000)\n", [call("edge_kernel")])
            outcome.append("returned")
        except WorkerError as error:
            outcome.append(str(error))

    thread = threading.Thread(target=grade_it)
    thread.start()
    time.sleep(1.0)
    started = time.monotonic()
    worker.kill()
    thread.join(30)
    assert outcome == ["stopped"] and time.monotonic() - started < 10
    worker.close()
    assert process.poll() is not None and reaper.descendants(process.pid, zombies=False) == []
    with pytest.raises(WorkerError):
        worker.start()


def test_sweep_removes_only_the_folders_of_dead_graders(tmp_path, monkeypatch):
    """A grader killed with SIGKILL leaves its folder; does the next sweep remove it, and never a live one?"""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    dead = subprocess.run([sys.executable, "-c", "import os, signal\nfrom autograder.runner.folder import Folder\n"
                           "print(Folder().path, flush=True)\nos.kill(os.getpid(), signal.SIGKILL)"],
                          capture_output=True, text=True, cwd=paths.ROOT, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert dead.returncode == -signal.SIGKILL
    dead_path = Path(dead.stdout.strip())
    live = Folder()
    try:
        assert dead_path.is_dir() and dead_path.name.startswith(PREFIX)
        assert sweep(str(tmp_path)) == [dead_path]
        assert not dead_path.exists() and live.path.is_dir()
    finally:
        live.remove()
    assert list(tmp_path.iterdir()) == []
