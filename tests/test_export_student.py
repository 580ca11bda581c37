"""`convkit export student`: the bundle holds no solution and no hidden check, installs with pip, and its
`convkit check` works from that install alone."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import paths
from autograder.build.source import find_regions, split_cells
from autograder.export import parts
from conftest import run_convkit

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 900
# The grader's oracle, shipped unchanged because `convkit check` runs it: it writes the chapter's formulas
# (edge_image, convolve2d as a flipped corr2d, the chapter's Conv2D) the way the reference does.
ORACLE = ("autograder/judge/oracle.py", "autograder/sandbox/prerequisites.py")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("student") / "bundle"
    done = run_convkit("export", "student", str(dest), timeout=SECONDS)
    assert done.returncode == 0, done.stderr
    return dest


@pytest.fixture(scope="module")
def installed(bundle, tmp_path_factory) -> Path:
    """The bundle installed by pip (a wheel built from its pyproject, not editable) into a folder of its own."""
    target = tmp_path_factory.mktemp("installed")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "--target", str(target), str(bundle)], capture_output=True, text=True, timeout=SECONDS)
    assert done.returncode == 0, done.stdout + done.stderr
    return target


# This environment's interpreter without this checkout's editable-install hook (a finder its .pth file puts on
# sys.meta_path, which would quietly supply any module the bundle lacks): `autograder` can only come from the
# installed bundle, and torch from the environment, where the sandbox finds it. (A fresh virtualenv borrowing
# torch through a .pth file could not grade: the sandbox mounts only the running interpreter's own prefix.)
WITHOUT_CHECKOUT = ("import runpy, sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in "
                    "repr(f).lower()]; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")


def _student_python(installed: Path, script: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run `script` with the installed bundle first on the path and this checkout out of reach."""
    env = {**os.environ, "PYTHONPATH": str(installed)}
    return subprocess.run([sys.executable, "-c", WITHOUT_CHECKOUT, str(script), *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=SECONDS)


def _text_files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(root.rglob("*")) if p.is_file()}


def _code_lines(text: str) -> list[str]:
    """Lines of code, stripped, without comments or blank lines: the form a solution body is compared in."""
    lines = (line.split("  #")[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _solution_bodies() -> list[list[str]]:
    _, cells = split_cells(paths.REFERENCE_MODULE.read_text(encoding="utf-8"))
    return [_code_lines("\n".join(cell.lines[r.first + 2:r.last]))
            for cell in cells if cell.kind == "code" for r in find_regions(cell.lines)]


def test_bundle_has_exercises_convkit_and_a_pyproject(bundle):
    """Does the bundle hold the exercises (as `convkit build` renders them), the autograder package, a pyproject
    with the `convkit` script and a README, and no solutions folder?"""
    from autograder.build import render

    for name, text in render().items():
        assert (bundle / "exercises" / name).read_text(encoding="utf-8") == text
    assert (bundle / "autograder" / "cli.py").is_file() and (bundle / "README.md").is_file()
    assert 'convkit = "autograder.cli:main"' in (bundle / "pyproject.toml").read_text(encoding="utf-8")
    assert not (bundle / "solutions").exists()


def test_no_hidden_check_and_no_solution_in_any_file(bundle):
    """Walking every file: is there no hidden check's title, no solution marker, and no body of a reference
    solution region (outside the grader's oracle, shipped unchanged)?"""
    files = _text_files(bundle)
    checks = parts.all_checks(extension=True)
    hidden = {c.title for c in checks if not c.visible} - {c.title for c in checks if c.visible}
    assert hidden
    for name, text in files.items():
        assert not [t for t in hidden if t in text], name
        assert "### BEGIN SOLUTION" not in text and "### END SOLUTION" not in text, name
    for name in ORACLE:
        assert files[name] == (ROOT / name).read_text(encoding="utf-8", errors="replace")
    bodies = _solution_bodies()
    assert len(bodies) >= 8
    for name, text in files.items():
        if name in ORACLE:
            continue
        lines = _code_lines(text)
        for body in bodies:
            assert not any(lines[i:i + len(body)] == body for i in range(len(lines) - len(body) + 1)), \
                (name, body[:2])


def test_installed_bundle_has_exactly_the_visible_checks(installed, tmp_path):
    """From the pip-installed bundle alone, is every convkit module imported by `convkit check` the bundle's, and
    does its registry hold exactly this checkout's visible checks (names and points, with and without the
    extension)?"""
    script = tmp_path / "list_checks.py"
    switches = [False, True]
    script.write_text("import json, sys, autograder.cli, autograder.batch, autograder.export.run\n"
                      "from autograder.export.parts import all_checks\n"
                      "files = sorted(m.__file__ for n, m in sys.modules.items() if n.split('.')[0] == 'autograder')\n"
                      "print(json.dumps([files] + [[[c.name, c.points, c.visible] for c in all_checks(extension=e)]"
                      f" for e in {switches}]))\n", encoding="utf-8")
    done = _student_python(installed, script, cwd=tmp_path)      # not in the bundle, which has its own copy
    assert done.returncode == 0, done.stderr
    files, *registries = json.loads(done.stdout)
    assert files and all(Path(f).is_relative_to(installed) for f in files)
    for found, extension in zip(registries, switches, strict=True):
        assert found == [[c.name, c.points, True] for c in parts.all_checks(visible_only=True, extension=extension)]


def test_convkit_check_from_the_installed_bundle(bundle, installed):
    """With only the installed bundle, does `convkit check` fail the stubs as not implemented (exit 1, no
    points) and pass once the reference is copied in (exit 0)?"""
    check = (installed / "bin" / "convkit", "check", "exercises/conv_layer.py")    # the console script pip wrote
    stub = _student_python(installed, *check, cwd=bundle)
    assert stub.returncode == 1, stub.stdout + stub.stderr
    visible = sum(p.visible_points for p in parts.parts())
    assert f"0/{visible:g}" in stub.stdout.replace(" ", "")
    assert "not implemented" in stub.stdout and "import failed" not in stub.stdout
    shutil.copyfile(paths.REFERENCE_MODULE, bundle / "exercises" / "conv_layer.py")
    solved = _student_python(installed, *check, cwd=bundle)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert "All visible checks pass." in solved.stdout


def test_cutting_fails_closed_and_takes_what_only_hidden_checks_used():
    """Is a check whose `visible` is not literally True cut, with the helper, constant and import only hidden
    checks used, while what a visible check uses stays?"""
    from autograder.export.visible_only import visible_only

    module = ('import math\nimport torch\n\npart = Part("p")\nSHOWN = 1\n# only for the hidden check\nSECRET = 2\n\n\n'
              'def _helper():\n    return math.pi + SECRET\n\n\n@part.check("seen", points=1, visible=True)\n'
              'def seen(g):\n    return torch.ones(SHOWN)\n\n\n@part.check("unseen", points=1, visible=False)\n'
              'def unseen(g):\n    return _helper()\n\n\n@part.check("unclear", points=1, visible=SHOWN == 1)\n'
              'def unclear(g):\n    return 0\n')
    cut = visible_only({"p.py": module})["p.py"]
    assert '"seen"' in cut and "SHOWN = 1" in cut and "import torch" in cut
    for gone in ("unseen", "unclear", "_helper", "SECRET", "only for the hidden check", "import math"):
        assert gone not in cut, gone
