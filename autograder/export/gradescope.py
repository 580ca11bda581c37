"""`convkit export gradescope FILE.zip`: a Gradescope autograder, following Gradescope's autograder specification.

  setup.sh                 Gradescope runs it once to build the image: bubblewrap, Python >= 3.11, a virtualenv
                           with CPU torch first, then requirements.txt
  run_autograder           runs per submission: grades /autograder/submission into /autograder/results/results.json
  requirements.txt         the grader's other packages, pinned to the versions it was exported with
  convkit_gradescope.json  the export's settings: when students see hidden checks, whether the extension counts
  autograder/...           the grader package (checks, judge, sandbox); solutions/ is not in it: the judge's oracle
                           is PyTorch itself

The zip is deterministic: the same source and settings give the same bytes.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from .command import VISIBILITIES
from .files import RUNTIME, package_files, public_version, template
ZIP_TIME = (1980, 1, 1, 0, 0, 0)   # zip's earliest date, for every entry: no build time in the archive


def files(*, extension: bool = False, hidden_visibility: str = "after_published") -> dict[str, bytes]:
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}")
    config = {"hidden_visibility": hidden_visibility, "extension": extension}
    text = {
        "setup.sh": template("setup.sh", torch=public_version("torch")),
        "run_autograder": template("run_autograder"),
        "requirements.txt": "".join(f"{name}=={public_version(name)}\n" for name in RUNTIME),
        "convkit_gradescope.json": json.dumps(config, indent=2) + "\n",
    }
    return {**{name: body.encode("utf-8") for name, body in text.items()}, **package_files()}


def write_zip(dest: Path, *, extension: bool = False, hidden_visibility: str = "after_published") -> Path:
    """Write the autograder zip at dest (a new file); setup.sh and run_autograder are executable."""
    if dest.exists():
        raise FileExistsError(f"{dest} already exists; choose a new file name")
    content = files(extension=extension, hidden_visibility=hidden_visibility)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, body in sorted(content.items()):
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            entry.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o644) << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, body)
    return dest
