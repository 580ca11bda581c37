# on top of the reference: the process ignores SIGTERM, and edge_kernel never returns, so only SIGKILL ends it.
import signal
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)


def edge_kernel():
    while True:
        time.sleep(1)
