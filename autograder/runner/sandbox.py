"""How a zygote is started: inside bubblewrap where it works, else as a plain child process (with a warning).

bwrap view of the world: a read-only /usr and Python installation, the sandbox package (read-only, at /convkit),
a private size-capped /tmp, /proc of its own PID namespace, a minimal /dev, no network, no IPC or UTS shared with
the host, and nothing else: not the repository, not solutions/, not the checks, not other submissions, not the
output folder, not /etc or /home. When the grader is root, the zygote keeps only the capabilities it needs to hand
each child to an unprivileged uid and clean up after it; every other capability is dropped.
"""
from __future__ import annotations

import functools
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from ..sandbox.confine import ENV as CHILD_ENV
from .folder import Folder

SANDBOX_PACKAGE = Path(__file__).resolve().parent.parent / "sandbox"
STAGE_NAME = "convkit_sandbox"
INSIDE = "/convkit"
BOOT = f"import sys; sys.path.insert(0, {INSIDE!r}); from {STAGE_NAME}.zygote import main; main()"
# not -I: it would also ignore PYTHONHASHSEED; the environment is entirely ours, so nothing else needs ignoring
PYTHON_FLAGS = ("-s", "-P", "-B")
# the zygote's environment: the student child's (confine.ENV), plus what only the zygote's own start needs
ENV = {**CHILD_ENV, "PYTHONDONTWRITEBYTECODE": "1",
       "MALLOC_ARENA_MAX": "2"}   # glibc reserves 64 MB of address space per thread arena: RLIMIT_AS counts it
ZYGOTE_CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER")


@dataclass(frozen=True)
class Isolation:
    """Which sandbox the grader uses, and why."""
    kind: str          # "bwrap" | "process"
    reason: str = ""   # why bwrap is not used, for the one warning

    @property
    def warning(self) -> str:
        if self.kind == "bwrap":
            return ""
        root = os.geteuid() == 0
        hidden = [path for path in _python_roots() if _closed_to_others(path)] if root else []
        return ("convkit: WARNING: bubblewrap is not available (" + self.reason + "). Student code runs in a plain "
                "child process with resource limits" + (" as an unprivileged user" if root else "") +
                ", but NOT isolated: it can read every file that user can read (make solutions/ and the grader "
                "unreadable to others), write to world-writable folders, and use the network. Install bubblewrap "
                "(Debian/Ubuntu: apt-get install bubblewrap) for full isolation."
                + (f" The Python installation in {', '.join(hidden)} is closed to other users, so student code can "
                   "import only the modules the grader preloads (torch, numpy and what they use)." if hidden else ""))


def _closed_to_others(path: str) -> bool:
    """True when a user who is neither owner nor group cannot reach `path` (a folder on the way lacks o+x)."""
    target = Path(path).resolve()
    try:
        return any(not os.stat(folder).st_mode & 0o001 for folder in [*reversed(target.parents), target])
    except OSError:
        return True


def stage(into: Path) -> Path:
    """A private copy of the sandbox package under `into`: the only convkit code a sandbox can see."""
    root = into / "stage"
    target = root / STAGE_NAME
    target.mkdir(parents=True)
    for source in SANDBOX_PACKAGE.glob("*.py"):
        shutil.copyfile(source, target / source.name)
    for path in [root, target, *target.iterdir()]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return root


def _python_roots() -> list[str]:
    roots = {sys.prefix, sys.base_prefix, str(Path(sys.executable).resolve().parent.parent)}
    return sorted(r for r in roots if r and os.path.isdir(r))


def _masked_packages() -> list[str]:
    """Installed copies of convkit's own package inside site-packages (a non-editable install) are hidden."""
    paths = set()
    for directory in [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]:
        for name in ("autograder", "solutions"):
            candidate = Path(directory) / name
            if candidate.is_dir():
                paths.add(str(candidate))
    return sorted(paths)


def bwrap_argv(stage_dir: Path, *, root: bool, tmp_mb: int = 64) -> list[str]:
    argv = ["bwrap", "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid", "--unshare-net",
            "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox"]
    if root:
        # root keeps every capability unless told otherwise: drop them all, then take back just what the zygote
        # needs to hand each child to an unprivileged user and clean up after it
        argv += ["--cap-drop", "ALL"]
        for cap in ZYGOTE_CAPS:
            argv += ["--cap-add", cap]
    else:
        argv += ["--unshare-user"]
    argv += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    # the private /tmp first: a Python installation or virtualenv under /tmp (a checkout there) is bound on top of it
    argv += ["--size", str(tmp_mb * 1024 * 1024), "--tmpfs", "/tmp"]
    made: set[str] = set()
    for path in _python_roots():
        # bwrap would create the missing parents as 0700, which the unprivileged child could not traverse
        for parent in reversed(Path(path).parents[:-1]):
            if str(parent) not in made and not str(parent).startswith("/usr"):
                made.add(str(parent))
                argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", path, path]
    for path in _masked_packages():
        argv += ["--tmpfs", path, "--remount-ro", path]
    argv += ["--ro-bind", str(stage_dir), INSIDE, "--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp",
             "--clearenv"]
    for key, value in {**ENV, "CONVKIT_SCRATCH": "/tmp"}.items():
        argv += ["--setenv", key, value]
    return argv


@functools.lru_cache(maxsize=1)
def detect() -> Isolation:
    """bwrap if it is installed and can start a sandbox here; CONVKIT_SANDBOX=process forces the fallback."""
    if os.environ.get("CONVKIT_SANDBOX") == "process":
        return Isolation("process", "CONVKIT_SANDBOX=process")
    if sys.platform != "linux":
        return Isolation("process", f"not available on {sys.platform}")
    if shutil.which("bwrap") is None:
        return Isolation("process", "bwrap is not installed")
    folder = Folder()
    try:
        argv = bwrap_argv(stage(folder.path), root=os.geteuid() == 0) + [sys.executable, *PYTHON_FLAGS, "-c", "pass"]
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=60, env=ENV)
    except (OSError, subprocess.TimeoutExpired) as error:
        return Isolation("process", f"bwrap could not start: {error}")
    finally:
        folder.remove()
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        return Isolation("process", "bwrap could not start: " + (detail[-1] if detail else f"exit {done.returncode}"))
    return Isolation("bwrap")


def zygote_command(isolation: Isolation, stage_dir: Path, scratch: Path, *, tmp_mb: int = 64) -> tuple[list[str], dict]:
    """The argv and environment that start one zygote."""
    if isolation.kind == "bwrap":
        return (bwrap_argv(stage_dir, root=os.geteuid() == 0, tmp_mb=tmp_mb)
                + [sys.executable, *PYTHON_FLAGS, "-c", BOOT], dict(ENV))
    python = [sys.executable, *PYTHON_FLAGS, "-c", BOOT.replace(repr(INSIDE), repr(str(stage_dir)))]
    return python, {**ENV, "CONVKIT_SCRATCH": str(scratch)}
