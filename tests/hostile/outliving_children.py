# on top of the reference (correct): edge_image starts a `sleep` subprocess, a double-forked daemon in a session of
# its own that ignores SIGTERM, and a thread, and returns the right image while they all keep running.
import os
import signal
import subprocess
import threading
import time

_edge_image = edge_image


def _daemon():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            while True:
                time.sleep(1)
        os._exit(0)


def edge_image():
    subprocess.Popen(["sleep", "3600"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _daemon()
    threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
    return _edge_image()
