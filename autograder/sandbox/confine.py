"""What a freshly forked child does to itself before any student code runs: limits, then a user of its own.

Order matters and is fixed here: resource limits first (they cannot be raised again), then no new privileges,
then the unprivileged user (the last step that needs root), then the scratch directory and a scrubbed environment.
"""
from __future__ import annotations

import os
import resource
import signal

from .reaper import PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG, prctl

MB = 1024 * 1024
# everything the student's code needs from the environment; nothing of the grader's reaches it
ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
       "OPENBLAS_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}


def _address_space() -> int:
    """Bytes of address space the child already has (torch, inherited from the zygote)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return 0


def confine(limits: dict, scratch: str, scratch_fd: int) -> None:
    """Limits, no new privileges, the student's uid (when the grader is root), the scratch dir as cwd, HOME, TMPDIR.

    The scratch directory is entered through a descriptor opened before the uid changed: without bubblewrap it may
    lie under folders the student's uid cannot traverse (a private TMPDIR), and it need not reach them."""
    hard = {
        "RLIMIT_AS": _address_space() + limits["memory_mb"] * MB,
        "RLIMIT_CPU": limits["cpu_seconds"] + 1,    # the soft limit sends SIGXCPU first, the hard one SIGKILL
        "RLIMIT_NPROC": limits["processes"],
        "RLIMIT_NOFILE": limits["open_files"],
        "RLIMIT_FSIZE": limits["file_mb"] * MB,     # Python ignores SIGXFSZ: a write past it raises OSError
        "RLIMIT_CORE": 0,
        "RLIMIT_MEMLOCK": 0,
    }
    soft = {**hard, "RLIMIT_CPU": limits["cpu_seconds"]}
    for name, value in hard.items():
        try:
            resource.setrlimit(getattr(resource, name), (soft[name], value))
        except (ValueError, OSError):
            pass
    prctl(PR_SET_NO_NEW_PRIVS, 1)                   # no setuid binary or file capability can lift it back up
    uid = limits.get("uid")
    if os.getuid() == 0 and uid:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)         # after setuid, which clears it: dies with its grader
    os.umask(0o077)
    os.fchdir(scratch_fd)
    os.close(scratch_fd)
    os.environ.clear()
    os.environ.update({**ENV, "HOME": scratch, "TMPDIR": scratch})
