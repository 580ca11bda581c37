"""`convkit export gradescope`: the autograder zip, unpacked into a root laid out as Gradescope lays out
/autograder, with run_autograder run on sample submissions and results.json checked against Gradescope's format."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path

import jsonschema
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograder import paths
from autograder.export import parts
from autograder.export.gradescope import write_zip

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
SCHEMA = TESTS / "gradescope_results.schema.json"      # Gradescope's documented fields, shared with the emitter's tests
SECONDS = 900


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "export", "gradescope", str(dest),
                           "--hidden-visibility", "after_due_date"], cwd=ROOT, capture_output=True, text=True,
                          timeout=SECONDS)
    assert done.returncode == 0, done.stderr
    return dest


def _run_autograder(autograder_zip: Path, root: Path, upload: dict[str, bytes]) -> tuple[dict, str]:
    """Gradescope's steps: unpack to ROOT/source, copy run_autograder to ROOT, put the upload in ROOT/submission,
    run it (with this interpreter instead of the one setup.sh installs); results.json and the log."""
    source = root / "autograder" / "source"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(source)
        for info in archive.infolist():             # zipfile does not restore permissions; Gradescope does
            os.chmod(source / info.filename, info.external_attr >> 16)
    shutil.copy2(source / "run_autograder", root / "autograder" / "run_autograder")
    (root / "autograder" / "submission").mkdir()
    for name, body in upload.items():
        (root / "autograder" / "submission" / name).write_bytes(body)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root / "autograder"), "CONVKIT_PYTHON": sys.executable}
    done = subprocess.run([str(root / "autograder" / "run_autograder")], cwd=root / "autograder", env=env,
                          capture_output=True, text=True, timeout=SECONDS)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads((root / "autograder" / "results" / "results.json").read_text(encoding="utf-8")), done.stdout


@pytest.fixture(scope="module")
def graded(autograder_zip, tmp_path_factory):
    reference = paths.REFERENCE_MODULE.read_bytes()
    stub = (paths.EXERCISES / "conv_layer.py").read_bytes()
    return {name: _run_autograder(autograder_zip, tmp_path_factory.mktemp(name), upload)
            for name, upload in (("reference", {"conv_layer.py": reference}),
                                 ("stub", {"conv_layer.py": stub, "notes.txt": b"my notes"}))}


def test_zip_holds_the_grader_and_not_the_solution(autograder_zip):
    """Are setup.sh and run_autograder at the root of the zip and executable, the grader package present, and
    solutions/ absent?"""
    with zipfile.ZipFile(autograder_zip) as archive:
        names = archive.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        setup = archive.read("setup.sh").decode()
    assert {"setup.sh", "run_autograder", "requirements.txt", "autograder/checks/__init__.py"} <= set(names)
    assert all(modes[n] & stat.S_IXUSR for n in ("setup.sh", "run_autograder"))
    assert not [n for n in names if n.startswith("solutions/") or "__pycache__" in n]
    # CPU torch first, pinned, then the rest; bubblewrap from apt where there is apt
    assert 'TORCH_INDEX_URL="${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"' in setup
    assert setup.index('torch==2.13.0 --index-url "$TORCH_INDEX_URL"') < setup.index("-r \"$SOURCE/requirements.txt\"")
    assert "apt-get install -y -qq bubblewrap" in setup


def test_zip_is_deterministic(autograder_zip, tmp_path):
    """Does exporting twice give the same bytes?"""
    assert write_zip(tmp_path / "again.zip", hidden_visibility="after_due_date").read_bytes() == \
        autograder_zip.read_bytes()


def test_results_follow_gradescopes_format(graded):
    """Does every results.json validate against the schema of Gradescope's documented fields?"""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    for results, _ in graded.values():
        jsonschema.validate(results, schema)


def test_reference_scores_100_and_stub_0(graded):
    """Does the reference get every point and the stub none, out of the registry's maximum?"""
    reference, stub = graded["reference"][0], graded["stub"][0]
    total = sum(p.points for p in parts.parts())
    assert reference["score"] == reference["max_score"] == total == 100
    assert stub["score"] == 0 and stub["max_score"] == total
    assert all(t["status"] == "passed" for t in reference["tests"])


def test_hidden_checks_follow_the_configured_visibility(graded):
    """Are visible checks shown at once and hidden ones only as configured at export (after_due_date here)?"""
    visible = {c.name for c in parts.all_checks(visible_only=True)}
    for test in graded["stub"][0]["tests"]:
        assert test["visibility"] == ("visible" if test["name"] in visible else "after_due_date")


def test_the_zips_own_grader_ran_with_its_pinned_packages(graded, autograder_zip):
    """Did run_autograder grade with the package from the zip (not this checkout), and does requirements.txt
    (with torch's own dependencies) cover every distribution the run imported?"""
    log = graded["reference"][1]
    package = Path(log.split("graded with ")[1].splitlines()[0])
    assert package.parts[-3:] == ("autograder", "source", "autograder") and not package.is_relative_to(ROOT)
    used = {canonicalize_name(d) for d in log.split("distributions used: ")[1].splitlines()[0].split(", ")}
    with zipfile.ZipFile(autograder_zip) as archive:
        pinned = {canonicalize_name(line.split("==")[0]) for line in archive.read("requirements.txt").decode().split()}
    assert used <= pinned | _with_dependencies("torch")


def _with_dependencies(distribution: str) -> set[str]:
    """The distribution and everything it requires (without extras), transitively, as installed here."""
    found, todo = set(), [distribution]
    while todo:
        name = canonicalize_name(todo.pop())
        if name not in found:
            found.add(name)
            try:
                todo += [Requirement(r).name for r in requires(name) or [] if "extra ==" not in r]
            except PackageNotFoundError:        # required only on other platforms
                pass
    return found


def test_upload_without_the_module_scores_zero(autograder_zip, tmp_path):
    """Does an upload with no Python file score 0 of the maximum, with a message saying what to upload?"""
    results, _ = _run_autograder(autograder_zip, tmp_path, {"answers.txt": b"corr2d is a double loop"})
    assert results["score"] == 0 and results["max_score"] == 100
    assert "Upload conv_layer.py" in results["output"]
