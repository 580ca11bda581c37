# on top of the reference: at import it tries to write a file into every folder it can think of outside its scratch
# directory, then fills its scratch directory: one file past the size limit and many 8 MB files; edge_kernel
# reports which writes succeeded.
import errno
import os
import sys

MARK = "convkit-hostile-escape.txt"
WROTE, ERRORS = [], []
_scratch = os.getcwd()
_places = {"/", "/tmp", "/var/tmp", "/dev/shm", "/usr", "/convkit", "/root", "/home", "/etc", "/opt", "/srv", "/mnt",
           sys.prefix, sys.base_prefix, os.path.dirname(_scratch), os.path.dirname(os.path.dirname(_scratch))}
for _dir, _dirs, _files in os.walk("/"):
    _dirs[:] = [d for d in _dirs if os.path.join(_dir, d) not in ("/proc", "/sys", "/usr", "/dev")]
    if os.access(_dir, os.W_OK):
        _places.add(_dir)
for _place in sorted(_places):
    if os.path.realpath(_place).startswith(os.path.realpath(_scratch)):
        continue
    try:
        with open(os.path.join(_place, MARK), "w") as _f:
            _f.write("escaped")
        WROTE.append(_place)
    except OSError:
        pass

try:                                            # one file beyond the per-file limit
    with open("big.bin", "wb") as _f:
        for _ in range(64):
            _f.write(b"\0" * (1 << 20))
except OSError as _error:
    ERRORS.append(f"big file: {errno.errorcode.get(_error.errno, _error.errno)}")
for _n in range(20):                            # at most 160 MB in all: more than the private /tmp holds
    try:
        with open(f"fill{_n}.bin", "wb") as _f:
            _f.write(b"\0" * (8 << 20))
    except OSError as _error:
        ERRORS.append(f"fill {_n}: {errno.errorcode.get(_error.errno, _error.errno)}")
        break


def edge_kernel():
    raise RuntimeError(f"wrote outside: {WROTE}; errors: {ERRORS}")
