# on top of the reference (correct): a well-meaning but noisy student. It prints a lot, warns, starts threads, uses
# several torch threads and tries the network at import; edge_image prints and warns too. Full marks.
import socket
import threading
import time
import warnings

print("hello from conv_layer\n" * 20000)
warnings.warn("this is a warning at import")
threading.Thread(target=lambda: [time.sleep(0.01) for _ in range(100)], daemon=True).start()
try:
    socket.create_connection(("pypi.org", 443), timeout=2).close()
    print("online")
except OSError:
    print("offline")

torch.set_num_threads(4)
_A = torch.randn(256, 256)
_B = (_A @ _A).sum()
_worker = threading.Thread(target=lambda: (_A @ _A).sum())
_worker.start()
_worker.join()

_edge_image = edge_image


def edge_image():
    print("making the edge image " * 1000)
    warnings.warn("edge_image warns")
    t = threading.Thread(target=time.sleep, args=(0.01,))
    t.start()
    t.join()
    return _edge_image()
