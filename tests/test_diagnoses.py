"""Each usual mistake, made on purpose, through the real grader: is it named, and charged to its own part only?

Every file in tests/diagnoses/ redefines one or two names of solutions/conv_layer.py with exactly one mistake; it
is appended to the reference (later definitions win, as in a notebook run top to bottom) and the whole class is
graded in one batch, through the sandbox, as `convkit grade` would.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from autograder import checks, paths
from autograder.batch import Settings, grade_all
from autograder.submission import discover

MISTAKES = Path(__file__).parent / "diagnoses"

# file -> (the part it breaks, the diagnosis that must be named there)
EXPECTED = {
    "corr2d_flipped_kernel": ("corr2d", "kernel flipped: convolution, not cross-correlation"),
    "corr2d_one_short": ("corr2d", "output size off by one"),
    "corr2d_one_long": ("corr2d", "output size off by one"),
    "corr2d_rows_cols_swapped": ("corr2d", "rows and columns swapped"),
    "corr2d_truncates": ("corr2d", "values truncated to integers"),
    "corr2d_no_gradient": ("corr2d", "no gradient reaches the kernel"),
    "corr2d_modifies_input": ("corr2d", "inputs modified in place"),
    "corr2d_float32_output": ("corr2d", "precision lost to float32"),
    "corr2d_wrong_gradient": ("corr2d", "wrong gradients"),
    "not_implemented": ("corr2d", "not implemented"),
    "conv2d_no_bias": ("Conv2D", "bias missing"),
    "conv2d_bias_not_added": ("Conv2D", "bias missing"),
    "conv2d_weight_shape": ("Conv2D", "weight of the wrong shape"),
    "conv2d_not_parameters": ("Conv2D", "parameters not registered as nn.Parameter"),
    "conv2d_detached_weight": ("Conv2D", "no gradient reaches the kernel"),
    "conv2d_zero_init": ("Conv2D", "weights not random"),
    "edges_colours_swapped": ("edges", "black and white swapped"),
    "edges_kernel_reversed": ("edges", "kernel reversed"),
    "learn_kernel_not_cleared": ("learn_kernel", "gradients never cleared"),
    "learn_kernel_wrong_direction": ("learn_kernel", "step in the wrong direction"),
    "learn_kernel_mean": ("learn_kernel", "mean instead of sum"),
    "learn_kernel_ignores_lr": ("learn_kernel", "arguments ignored"),
    "learn_kernel_ignores_steps": ("learn_kernel", "arguments ignored"),
    "learn_kernel_log_format": ("learn_kernel", "log lines in the wrong format or interval"),
    "learn_kernel_log_interval": ("learn_kernel", "log lines in the wrong format or interval"),
    "learn_kernel_bias_not_updated": ("learn_kernel", "did not converge"),
    "convolve2d_no_flip": ("convolve2d", "no flip"),
    "convolve2d_one_axis": ("convolve2d", "flipped on one axis"),
    "convolve2d_no_gradient": ("convolve2d", "no gradient reaches the kernel"),
    "receptive_field_multiplied": ("receptive_field", "sizes multiplied instead of growing by k - 1"),
    "receptive_field_region_at_origin": ("receptive_field", "region misplaced"),
    "import_fails": (None, "import failed"),
}
# diagnoses a file earns besides its main one, on checks that see the same mistake from another side
ALSO = {
    "edges_colours_swapped": {"edge map reversed"},
    "edges_kernel_reversed": {"edge map reversed"},
    "learn_kernel_bias_not_updated": {"not plain gradient descent"},
}
TENSOR_PRINT = re.compile(r"tensor\(\[|tensor\(-?\d")     # a printed tensor, not advice about torch.tensor(...)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """student -> Report, for every mistake file and the reference itself."""
    folder = tmp_path_factory.mktemp("mistakes")
    reference = paths.REFERENCE_MODULE.read_text(encoding="utf-8")
    files = [folder / "reference.py"]
    files[0].write_text(reference, encoding="utf-8")
    for mistake in sorted(MISTAKES.glob("*.py")):
        target = folder / mistake.name
        target.write_text(f"{reference}\n\n# ---- one mistake ----\n{mistake.read_text(encoding='utf-8')}",
                          encoding="utf-8")
        files.append(target)
    reports = grade_all(discover(files), settings=Settings(jobs=2))
    return {r.student: r for r in reports}


def test_every_mistake_file_is_in_the_table():
    """Does every file in tests/diagnoses/ say which diagnosis it must earn, and every entry have its file?"""
    assert {p.stem for p in MISTAKES.glob("*.py")} == set(EXPECTED)


def test_the_reference_earns_every_point(graded):
    """Is the control right: the unmodified reference scores full marks with no diagnosis?"""
    report = graded["reference"]
    assert report.score == report.max_score == checks.max_score()
    assert not any(r.diagnosis for r in report.results)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_mistake_is_named(graded, name):
    """Does a submission with exactly this mistake get it named on a failed check of the part it breaks?"""
    part, diagnosis = EXPECTED[name]
    report = graded[name]
    named = {r.diagnosis for r in report.results if not r.passed and (part is None or r.part == part)}
    assert diagnosis in named, [(r.name, r.diagnosis, r.message) for r in report.results if not r.passed]
    assert named - {""} <= {diagnosis} | ALSO.get(name, set()), named


@pytest.mark.parametrize("name", sorted(n for n, (part, _) in EXPECTED.items() if part is not None))
def test_the_mistake_is_charged_once(graded, name):
    """Does every other part keep all its points (the dependent parts run on the reference prerequisites)?"""
    part, _ = EXPECTED[name]
    lost = {p: (s, top) for p, (s, top) in graded[name].parts().items() if s < top}
    assert set(lost) == {part}, lost


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hidden_messages_show_no_tensor(graded, name):
    """Do the failed hidden checks keep their inputs to themselves (no tensor printed in the message)?"""
    for r in graded[name].results:
        if not r.visible and not r.passed:
            assert not TENSOR_PRINT.search(r.message), (r.name, r.message)


def test_visible_messages_say_what_was_expected_and_what_came_back(graded):
    """Does a visible failure show both values on the chapter's example, beside the named mistake?"""
    [result] = [r for r in graded["corr2d_flipped_kernel"].results if r.name == "corr2d: matches the chapter's example"]
    assert "expected:" in result.message and "got:" in result.message
    assert "[[19, 25], [37, 43]]" in result.message and "convolution" in result.message


def test_a_visible_training_diagnosis_shows_the_replayed_losses(graded):
    """Does the visible learn_kernel check quote the losses of the short replayed run on the chapter's data?"""
    [result] = [r for r in graded["learn_kernel_mean"].results
                if r.name == "learn_kernel: learns the chapter's kernel [[1, -1]]"]
    assert result.diagnosis == "mean instead of sum"
    assert "your losses were [" in result.message and "lr=0.01" in result.message


def test_hidden_receptive_field_messages_do_not_quote_the_stack(graded):
    """Does a hidden receptive-field failure explain with the chapter's example, not the seeded stack it used?"""
    hidden = [r for r in graded["receptive_field_multiplied"].results if not r.visible and not r.passed]
    assert hidden and all("receptive_field([" not in r.message for r in hidden)
    assert all("two 2×2 layers" in r.message for r in hidden)


def _fail_constants() -> set[str]:
    """Diagnoses written as a literal second argument of Fail(...) in the core parts' checks."""
    found = set()
    for part in checks.PARTS:
        tree = ast.parse(Path(checks.__file__).with_name(f"{part.checks[0].build.__module__.rsplit('.', 1)[1]}.py")
                         .read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Fail" and len(node.args) >= 2 \
                    and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                found.add(node.args[1].value)
    return found


def test_every_literal_diagnosis_has_a_mistake_file():
    """Is every diagnosis the core checks can raise by name earned by at least one file here?"""
    earned = {d for _, d in EXPECTED.values()} | set().union(*ALSO.values())
    assert _fail_constants() - earned == set()
