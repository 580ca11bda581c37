"""Resource limits for one submission, with the reason for each value."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Limits:
    probe_seconds: float = 10.0       # one call; the heaviest visible call (100 training steps) takes ~0.1 s
    import_seconds: float = 20.0      # importing the module, including top-level prints of 100+ MB
    submission_seconds: float = 60.0  # all probes of one submission, restarts included
    memory_mb: int = 1024             # address space above what the child inherits from the zygote
    cpu_seconds: int = 60             # CPU time of one child process (SIGXCPU, then SIGKILL a second later)
    processes: int = 64               # processes and threads of the student's user
    open_files: int = 256
    file_mb: int = 16                 # largest file the student may write in its scratch directory
    tmp_mb: int = 64                  # the whole private /tmp (bwrap only): the module is a few kB
    uid: int = 0                      # the unprivileged user the child runs as when the grader is root (0: none)

    def to_dict(self) -> dict:
        return asdict(self)
