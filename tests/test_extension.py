"""The `extension` part (autograder/checks/extension.py): the chapter's end-of-section exercises, graded on demand.

Submissions are graded for real: one sandboxed worker answers every probe, the judge decides. A wrong submission is
the reference with one function redefined at its end (a later `def` replaces the earlier one in the module).
"""
from __future__ import annotations

import json

import pytest

from autograder import checks as registry
from autograder import paths
from autograder.checks import extension
from autograder.judge import grade
from autograder.runner import sandbox
from autograder.runner.limits import Limits
from autograder.runner.worker import Worker
from autograder.sandbox import wire
from conftest import reference_module_text, run_convkit

SEEDS = (7, 2021)
TITLES = [c.title for c in extension.part.checks]

# check title -> a wrong version of the function that check is about (appended to the reference)
WRONG = {
    "diagonal_image is ones on and below the diagonal, zeros above": '''
def diagonal_image(n):
    return torch.triu(torch.ones(n, n))        # the edge on the wrong side: ones on and above the diagonal
''',
    "the edge kernel on the 6×6 diagonal image, on its transpose, and transposed": '''
def diagonal_edge_responses(n):
    X, K = diagonal_image(n), edge_kernel()
    return corr2d(X, K), corr2d(X, K.T), corr2d(X.T, K)   # the last two swapped
''',
    "the three edge responses on diagonal images of seeded sizes": '''
def diagonal_edge_responses(n):
    X, K = diagonal_image(n), edge_kernel()
    if n == 6:                                  # right for the visible size only
        return corr2d(X, K), corr2d(X.T, K), corr2d(X, K.T)
    return corr2d(X, K), corr2d(X, K), corr2d(X, K.T)
''',
    "corr2d_matmul gives the chapter's example": '''
def corr2d_matmul(X, K):
    h, w = K.shape
    windows = X.unfold(0, h, 1).unfold(1, w, 1)
    rows, cols = windows.shape[:2]
    return (windows.reshape(rows * cols, h * w) @ torch.flip(K, (0, 1)).reshape(h * w, 1)).reshape(rows, cols)
''',
    "corr2d_matmul agrees with conv2d on seeded shapes": '''
def corr2d_matmul(X, K):
    h, w = K.shape
    windows = X.unfold(0, h, 1).unfold(1, h, 1)  # square windows: right only when h == w
    rows, cols = windows.shape[:2]
    return (windows.reshape(rows * cols, h * h) @ K[:, :h].reshape(h * h, 1)).reshape(rows, cols)
''',
    "corr2d_matmul is one matrix multiplication of two 2-D tensors": '''
def corr2d_matmul(X, K):
    h, w = K.shape
    windows = X.unfold(0, h, 1).unfold(1, w, 1)
    return (windows * K).sum((2, 3))           # elementwise products and sums: right values, no matmul
''',
    "second_derivative_kernel is ∂²/∂j² on quadratic images": '''
def second_derivative_kernel():
    return torch.tensor([[1.0, -1.0]])         # a first derivative
''',
    "laplacian_kernel is ∂²/∂i² + ∂²/∂j² on quadratic images": '''
def laplacian_kernel():
    return torch.tensor([[1.0, 1.0, 1.0], [1.0, -8.0, 1.0], [1.0, 1.0, 1.0]])   # 3 times the Laplacian
''',
    "blur_kernel is non-negative, sums to 1 and halves the variance of noise": '''
def blur_kernel(k):
    return torch.ones(k, k)                    # a window sum, not a mean
''',
    "directional_edge_kernel ignores edges parallel to v, responds most to edges orthogonal to v": '''
def directional_edge_kernel(v):
    return torch.tensor([[1.0, -1.0]])         # the chapter's kernel whatever v is: right for v = (0, 1) only
''',
    "min_kernel_size_for_derivative for first and second derivatives": '''
def min_kernel_size_for_derivative(d):
    return d
''',
    "min_kernel_size_for_derivative for seeded orders": '''
def min_kernel_size_for_derivative(d):
    return {1: 2, 2: 3}.get(d, 2 * d + 1)       # right for the visible orders only
''',
    "autograd differentiates the chapter's Conv2D through its in-place writes": '''
def conv2d_gradient_facts():
    return True, False, "CopySlices", False, "in-place operations"   # claims backward raises
''',
    ".item() cuts the graph; the original error was about in-place operations": '''
def conv2d_gradient_facts():
    return False, True, "CopySlices", True, "a dtype mismatch"
''',
}

# more wrong versions, each with the diagnosis the judge should name
DIAGNOSED = {
    "matrix times vector": ("corr2d_matmul is one matrix multiplication of two 2-D tensors", '''
def corr2d_matmul(X, K):
    h, w = K.shape
    windows = X.unfold(0, h, 1).unfold(1, w, 1)
    rows, cols = windows.shape[:2]
    return (windows.reshape(rows * cols, h * w) @ K.reshape(h * w)).reshape(rows, cols)
'''),
    "several matrix multiplications": ("corr2d_matmul is one matrix multiplication of two 2-D tensors", '''
def corr2d_matmul(X, K):
    h, w = K.shape
    windows = X.unfold(0, h, 1).unfold(1, w, 1)
    return torch.stack([row.reshape(-1, h * w) @ K.reshape(h * w, 1) for row in windows]).reshape(windows.shape[:2])
'''),
    "arithmetic outside the matmul": ("corr2d_matmul is one matrix multiplication of two 2-D tensors", '''
def corr2d_matmul(X, K):
    h, w = K.shape
    windows = X.unfold(0, h, 1).unfold(1, w, 1)
    rows, cols = windows.shape[:2]
    products = windows.reshape(rows * cols, h * w) * K.reshape(1, h * w)
    return (products @ torch.ones(h * w, 1, dtype=X.dtype)).reshape(rows, cols)   # the @ only sums
'''),
    "batched product": ("corr2d_matmul is one matrix multiplication of two 2-D tensors", '''
def corr2d_matmul(X, K):
    return torch.einsum("ijab,ab->ij", X.unfold(0, K.shape[0], 1).unfold(1, K.shape[1], 1), K)
'''),
    "results out of order": ("the edge kernel on the 6×6 diagonal image, on its transpose, and transposed",
                             WRONG["the edge kernel on the 6×6 diagonal image, on its transpose, and transposed"]),
    "transposed the output": ("the edge kernel on the 6×6 diagonal image, on its transpose, and transposed", '''
def diagonal_edge_responses(n):
    X, K = diagonal_image(n), edge_kernel()
    return corr2d(X, K), corr2d(X.T, K), corr2d(X, K).T
'''),
    "no diagonal edge": ("the edge kernel on the 6×6 diagonal image, on its transpose, and transposed", '''
def diagonal_image(n):
    return torch.ones(n, n)                    # no edge at all: every response is 0, consistently
'''),
    "no matrix multiplication": ("corr2d_matmul is one matrix multiplication of two 2-D tensors", '''
class MmBackward0(torch.autograd.Function):    # a Python node dressed up with the name of the real one
    @staticmethod
    def forward(ctx, X, K):
        return torch.nn.functional.conv2d(X[None, None], K[None, None])[0, 0]

    @staticmethod
    def backward(ctx, G):
        return None, None


def corr2d_matmul(X, K):
    return MmBackward0.apply(X, K)
'''),
    "responds to slopes": ("second_derivative_kernel is ∂²/∂j² on quadratic images",
                           WRONG["second_derivative_kernel is ∂²/∂j² on quadratic images"]),
    "wrong direction": ("second_derivative_kernel is ∂²/∂j² on quadratic images", '''
def second_derivative_kernel():
    return torch.tensor([[1.0], [-2.0], [1.0]])   # down the rows: ∂²/∂i²
'''),
    "wrong scale": ("laplacian_kernel is ∂²/∂i² + ∂²/∂j² on quadratic images",
                    WRONG["laplacian_kernel is ∂²/∂i² + ∂²/∂j² on quadratic images"]),
    "weights do not sum to 1": ("blur_kernel is non-negative, sums to 1 and halves the variance of noise",
                                WRONG["blur_kernel is non-negative, sums to 1 and halves the variance of noise"]),
    "negative weights": ("blur_kernel is non-negative, sums to 1 and halves the variance of noise", '''
def blur_kernel(k):
    K = torch.full((k, k), 2.0 / (k * k - 1))
    K[0, 0] = -1.0                             # sums to 1, but subtracts a neighbour
    return K
'''),
    "does not smooth": ("blur_kernel is non-negative, sums to 1 and halves the variance of noise", '''
def blur_kernel(k):
    K = torch.zeros(k, k)
    K[k // 2, k // 2] = 1.0                    # the identity: no smoothing at all
    return K
'''),
    "derivative along the orthogonal direction": (
        "directional_edge_kernel ignores edges parallel to v, responds most to edges orthogonal to v", '''
def directional_edge_kernel(v):
    v_i, v_j = v
    K = torch.zeros(3, 3)
    K[2, 1], K[0, 1] = -v_j / 2, v_j / 2       # differentiates along (-v_j, v_i), orthogonal to v
    K[1, 2], K[1, 0] = v_i / 2, -v_i / 2
    return K
'''),
    "too small": ("min_kernel_size_for_derivative for first and second derivatives",
                  WRONG["min_kernel_size_for_derivative for first and second derivatives"]),
}


@pytest.fixture(scope="module")
def worker():
    with Worker(sandbox.detect(), Limits()) as w:
        yield w


def _grade(worker: Worker, source: str, seed: int = SEEDS[0]) -> dict:
    """title -> CheckResult of every extension check for this source."""
    planned = grade.plan(extension.part.checks, seed)
    reply = worker.grade(source, grade.wire_probes(planned, seed))
    return {p.check.title: r for p, r in zip(planned, grade.judge(planned, reply))}


# The switch


def test_extension_is_off_by_default():
    """Without the switch, are the checks the core ones only, worth 100?"""
    assert not any(c.part == "extension" for c in registry.all_checks())
    assert registry.max_score() == 100


def test_extension_checks_come_after_the_core_ones():
    """With the switch, is the list every core check, then every extension check, worth 100 + 20?"""
    core, everything = registry.all_checks(), registry.all_checks(extension=True)
    assert everything[: len(core)] == core
    assert everything[len(core):] == extension.part.checks
    assert {c.part for c in extension.part.checks} == {"extension"}
    assert sum(c.points for c in extension.part.checks) == 20
    assert registry.max_score(extension=True) == 120


def test_visible_only_keeps_the_visible_extension_checks():
    """Does the self-check with --extension add exactly the visible extension checks?"""
    added = registry.all_checks(visible_only=True, extension=True)[len(registry.all_checks(visible_only=True)):]
    assert added == [c for c in extension.part.checks if c.visible]
    assert added and len(added) < len(extension.part.checks)


def test_every_extension_check_has_a_wrong_version():
    """Is there a wrong implementation for every extension check (so none can pass everything by accident)?"""
    assert sorted(WRONG) == sorted(TITLES)
    assert {title for title, _ in DIAGNOSED.values()} <= set(TITLES)


# Grading in the sandbox


@pytest.mark.parametrize("seed", SEEDS)
def test_reference_passes_every_extension_check(worker, seed):
    """Does the reference pass every extension check, for more than one seed?"""
    results = _grade(worker, reference_module_text(), seed)
    failed = {title: r.message for title, r in results.items() if not r.passed}
    assert not failed
    assert sum(r.score for r in results.values()) == 20


def test_stubs_fail_every_extension_check(worker):
    """Does the generated exercise module (every body a raise) score zero on every extension check?"""
    results = _grade(worker, (paths.EXERCISES / "conv_layer.py").read_text(encoding="utf-8"))
    assert [title for title, r in results.items() if r.passed] == []
    assert all(r.diagnosis == "not implemented" for r in results.values())


@pytest.mark.parametrize("title", TITLES)
def test_wrong_version_fails_its_check(worker, title):
    """Does each check fail the wrong version written for it, with a message for the student?"""
    results = _grade(worker, reference_module_text() + WRONG[title])
    assert not results[title].passed
    assert results[title].message.strip() and "Traceback" not in results[title].message


@pytest.mark.parametrize("diagnosis", sorted(DIAGNOSED))
def test_wrong_version_is_diagnosed(worker, diagnosis):
    """Does the judge name the likely mistake of each typical wrong version?"""
    title, wrong = DIAGNOSED[diagnosis]
    result = _grade(worker, reference_module_text() + wrong)[title]
    assert not result.passed
    assert result.diagnosis == diagnosis, result.message


def test_hidden_checks_do_not_show_seeded_inputs(worker):
    """When a hidden check fails, does its message keep the seeded arguments (sizes, orders) to itself?"""
    wrong = ["the three edge responses on diagonal images of seeded sizes",
             "blur_kernel is non-negative, sums to 1 and halves the variance of noise",
             "min_kernel_size_for_derivative for seeded orders"]
    results = _grade(worker, reference_module_text() + "".join(WRONG[title] for title in wrong))
    for check in extension.part.checks:
        if check.title in wrong:
            assert not check.visible and not results[check.title].passed
            message = results[check.title].message
            for probe in check.trial(SEEDS[0]).probes:
                for arg in probe.payload["args"]:
                    value = wire.decode_input(arg)
                    assert f"({value})" not in message and f"{value} ×" not in message, (value, message)


# The command line


def test_extension_flags_default_to_off():
    """Do `convkit grade` and `convkit check` leave the extension out unless --extension is given?"""
    from autograder.batch import Settings
    from autograder.cli import parser

    assert Settings().extension is False
    assert parser().parse_args(["grade", "x.py", "--out", "out"]).extension is False
    assert parser().parse_args(["check", "x.py"]).extension is False
    assert parser().parse_args(["grade", "x.py", "--out", "out", "--extension"]).extension is True


def test_grade_with_extension(tmp_path):
    """Does `convkit grade --extension` grade out of 120, the reference 120 and the stubs 0, extension last?"""
    reference = tmp_path / "reference.py"
    reference.write_text(reference_module_text(), encoding="utf-8")
    run = run_convkit("grade", str(reference), str(paths.EXERCISES / "conv_layer.py"), "--extension",
                      "--out", str(tmp_path / "out"), "--jobs", "1", "--no-progress")
    assert run.returncode == 0, run.stderr
    reports = {p.parent.name: json.loads(p.read_text()) for p in (tmp_path / "out").glob("*/report.json")}
    assert {name: (r["score"], r["max_score"]) for name, r in reports.items()} == {"reference": (120, 120),
                                                                                    "exercises": (0, 120)}
    parts = [r["part"] for r in reports["reference"]["results"]]
    assert parts[-len(TITLES):] == ["extension"] * len(TITLES) and parts.count("extension") == len(TITLES)
    assert "extension" in run.stdout        # the class summary has a column for the part


def test_check_with_extension(tmp_path):
    """Does `convkit check --extension` run the visible extension checks and pass the reference?"""
    reference = tmp_path / "reference.py"
    reference.write_text(reference_module_text(), encoding="utf-8")
    run = run_convkit("check", str(reference), "--extension")
    assert run.returncode == 0, run.stdout + run.stderr
    shown = [line for line in run.stdout.splitlines() if line.startswith("extension: ")]
    assert len(shown) == sum(c.visible for c in extension.part.checks)


BROKEN_CORR2D = '''

def corr2d(X, K):          # convolution by mistake: the kernel is flipped
    import torch
    K = torch.flip(K, (0, 1))
    h, w = K.shape
    return torch.stack([torch.stack([(X[i:i + h, j:j + w] * K).sum() for j in range(X.shape[1] - w + 1)])
                        for i in range(X.shape[0] - h + 1)]).float()
'''


def test_a_broken_corr2d_is_charged_to_corr2d_only(worker):
    """With substitution (the default), does a flipped corr2d leave the diagonal-edge checks, which call it, at
    full marks — and without substitution, does it cost them?"""
    source = reference_module_text() + BROKEN_CORR2D
    diagonal = [c for c in extension.part.checks if "diagonal" in c.title and "responses" in c.title]
    assert diagonal

    def scores(substitute: bool) -> list[bool]:
        planned = grade.plan(diagonal, SEEDS[0], substitute=substitute)
        reply = worker.grade(source, grade.wire_probes(planned, SEEDS[0]))
        return [r.passed for r in grade.judge(planned, reply)]

    assert all(scores(substitute=True))
    assert not any(scores(substitute=False))
