"""A bug is charged once: parts that call corr2d or Conv2D are graded with the reference versions in their place.

The reference prerequisites live in the sandbox package (sandbox/prerequisites.py); a probe that names them in
"substitute" runs with them in the student module's globals and puts the student's own back afterwards.
"""
from __future__ import annotations

import json
import types

import pytest
import torch

from autograder import checks, cli, paths
from autograder.batch import Settings, grade_all
from autograder.checks import conv2d, corr2d
from autograder.judge import grade, oracle
from autograder.runner import sandbox
from autograder.runner.limits import Limits
from autograder.runner.worker import Worker
from autograder.sandbox import prerequisites, probe
from autograder.submission import discover

FLIPPED = '''

def corr2d(X, K):
    """convolution by mistake: the kernel flipped on both axes"""
    K = torch.flip(K, (0, 1))
    dtype = torch.promote_types(torch.result_type(X, K), torch.get_default_dtype())
    return torch.nn.functional.conv2d(X.to(dtype)[None, None], K.to(dtype)[None, None])[0, 0]
'''
NOTE = "Graded with the reference `corr2d` in place of yours"


@pytest.fixture(scope="module")
def flipped(tmp_path_factory):
    path = tmp_path_factory.mktemp("flipped") / "flipped.py"
    path.write_text(paths.REFERENCE_MODULE.read_text(encoding="utf-8") + FLIPPED, encoding="utf-8")
    return path


# the reference prerequisites themselves


@pytest.mark.parametrize("dtype", [torch.int64, torch.float32, torch.float64])
def test_reference_corr2d_matches_the_oracle_and_keeps_the_exercise_dtype(dtype):
    """Is prerequisites.corr2d conv2d's cross-correlation, with the dtype the exercise asks for?"""
    g = torch.Generator().manual_seed(0)
    X, K = (torch.randn(6, 7, generator=g) * 5).to(dtype), (torch.randn(2, 3, generator=g) * 3).to(dtype)
    Y = prerequisites.corr2d(X, K)
    assert Y.dtype == torch.promote_types(dtype, torch.get_default_dtype())
    assert torch.allclose(Y.double(), oracle.corr2d(X, K), atol=1e-4)


def test_reference_corr2d_passes_gradients_and_leaves_its_inputs():
    """Do gradients reach X and K (gradcheck), with X and K unchanged?"""
    g = torch.Generator().manual_seed(1)
    X = torch.randn(4, 5, generator=g, dtype=torch.float64, requires_grad=True)
    K = torch.randn(2, 2, generator=g, dtype=torch.float64, requires_grad=True)
    before = (X.detach().clone(), K.detach().clone())
    assert torch.autograd.gradcheck(prerequisites.corr2d, (X, K))
    assert torch.equal(X.detach(), before[0]) and torch.equal(K.detach(), before[1])


def test_reference_conv2d_is_the_chapters_layer():
    """weight (h, w) then bias (1,), both registered and drawn from randn; forward = corr2d + bias?"""
    torch.manual_seed(3)
    layer = prerequisites.Conv2D((2, 3))
    torch.manual_seed(3)
    assert torch.equal(layer.weight.detach(), torch.randn(2, 3))
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"] and layer.bias.shape == (1,)
    X = torch.randn(5, 6)
    assert torch.allclose(layer(X).detach().double(), oracle.corr2d(X, layer.weight.detach()) + float(layer.bias.detach()))


def test_substitution_restores_the_students_names():
    """After a substituted probe, are the student's own names back, and a missing one gone again?"""
    module = types.ModuleType("conv_layer")
    own = module.corr2d = lambda X, K: "the student's"
    with probe._substituted(module, ["corr2d", "Conv2D", "not a prerequisite"]):
        assert module.corr2d is prerequisites.corr2d and module.Conv2D is prerequisites.Conv2D
        assert not hasattr(module, "not a prerequisite")
    assert module.corr2d is own and not hasattr(module, "Conv2D")


def test_dependent_parts_declare_what_they_use():
    """Do exactly the parts that call corr2d or Conv2D ask for their reference?"""
    uses = {part.name: part.uses for part in checks.PARTS}
    assert uses == {"corr2d": (), "Conv2D": ("corr2d",), "edges": (), "learn_kernel": ("corr2d", "Conv2D"),
                    "convolve2d": ("corr2d",), "receptive_field": ()}
    assert all(name in prerequisites.NAMES for used in uses.values() for name in used)


def test_edges_no_longer_call_corr2d():
    """Is the edge-map check built from edge_image() and edge_kernel() alone, so corr2d is charged in its part?"""
    planned = grade.plan([c for c in checks.all_checks() if c.part == "edges"], seed=0)
    called = {probe_.payload.get("fn") for p in planned for probe_ in p.trial.probes}
    assert called == {"edge_image", "edge_kernel"}


# through the grader


def test_a_broken_corr2d_costs_only_corr2d_and_says_so(flipped):
    """With substitution (the default), do Conv2D, learn_kernel and convolve2d keep their points, saying why?"""
    [report] = grade_all(discover([flipped]), settings=Settings(jobs=1))
    parts = report.parts()
    assert parts["corr2d"][0] < parts["corr2d"][1]
    assert all(score == top for part, (score, top) in parts.items() if part != "corr2d")
    for r in report.results:
        assert (NOTE in r.message) == (r.part in ("Conv2D", "learn_kernel", "convolve2d")), (r.name, r.message)


def test_without_substitution_a_broken_corr2d_costs_every_part_that_calls_it(flipped):
    """With substitute=False, do the dependent parts run on the student's corr2d, lose points, and carry no note?"""
    [report] = grade_all(discover([flipped]), settings=Settings(jobs=1, substitute=False))
    parts = report.parts()
    for part in ("corr2d", "Conv2D", "learn_kernel", "convolve2d"):
        assert parts[part][0] < parts[part][1], part
    assert not any(NOTE in r.message for r in report.results)


def test_a_correct_prerequisite_gets_no_note():
    """Is the note only there when the student's own prerequisite fails?"""
    [report] = grade_all(discover([paths.REFERENCE_MODULE]), settings=Settings(jobs=1, visible_only=True))
    assert report.score == report.max_score
    assert not any("reference" in r.message for r in report.results)


def test_the_students_corr2d_is_back_for_the_probes_after(flipped):
    """In one sandbox child, does corr2d's own check, asked after a substituted Conv2D probe, see the student's?"""
    order = [conv2d.part.checks[1], corr2d.part.checks[0]]      # Conv2D forward first, then corr2d's example
    planned = grade.plan(order, seed=0)
    with Worker(sandbox.detect(), Limits()) as worker:
        reply = worker.grade(flipped.read_text(encoding="utf-8"), grade.wire_probes(planned, 0))
    forward, example = grade.judge(planned, reply)
    assert forward.passed and NOTE in forward.message
    assert not example.passed and example.diagnosis == "kernel flipped: convolution, not cross-correlation"


def test_no_substitute_flag_reaches_the_grader(flipped, tmp_path):
    """Does `convkit grade --no-substitute` grade Conv2D on the student's own corr2d?"""
    out = tmp_path / "out"
    code = cli.main(["grade", str(flipped), "--out", str(out), "--jobs", "1", "--no-progress", "--no-substitute"])
    assert code == 0
    data = json.loads((out / "flipped" / "report.json").read_text(encoding="utf-8"))
    forward = next(r for r in data["results"] if r["name"] == "Conv2D: forward is corr2d(x, weight) + bias")
    assert not forward["passed"]
