# on top of the reference (correct): it prints 100 MB at import, and edge_image prints 100 MB more, half through
# print and half straight to file descriptors 1 and 2.
import os
import sys

_line = "all work and no play makes jack a dull boy " * 24 + "\n"     # ~1 kB
for _ in range(50 * 1024):
    sys.stdout.write(_line)
sys.stdout.flush()
for _ in range(50 * 1024):
    sys.stderr.write(_line)

_edge_image = edge_image


def edge_image():
    chunk = (_line * 1024).encode()                                  # ~1 MB
    for _ in range(25):
        print(_line * 1024)
        os.write(1, chunk)
        os.write(2, chunk)
    return _edge_image()
