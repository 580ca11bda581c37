"""corr2d(X, K): 2-D cross-correlation, X (H, W) and K (h, w) -> (H - h + 1, W - w + 1), floating point."""
from __future__ import annotations

import torch

from ..judge import expect, oracle
from ..judge.check import Part, Trial, call, jacobian
from ..judge.expect import Fail

part = Part("corr2d")
SIZE_HINT = "The output of corr2d has shape (H - h + 1, W - w + 1)."


def _randn(g: torch.Generator, *shape: int, dtype=torch.float32) -> torch.Tensor:
    return torch.randn(*shape, generator=g, dtype=dtype)


def _shape(g: torch.Generator, low: int, high: int) -> int:
    return int(torch.randint(low, high + 1, (1,), generator=g))


def _compare_many(pairs, *, what: str = "corr2d", visible: bool = False, atol: float = 1e-4) -> Trial:
    """Call corr2d on each (X, K) and compare every result with conv2d's."""
    def verify(*answers):
        for (X, K), a in zip(pairs, answers):
            Y = expect.tensor(a.value, f"{what}(X, K)")
            h, w = K.shape
            label = f"{what}(X, K) for X of shape {tuple(X.shape)} and K of shape {(h, w)}"
            expect.close(Y, oracle.corr2d(X, K), what=label, show=visible, atol=atol, hint=SIZE_HINT)
    return Trial(tuple(call("corr2d", X, K) for X, K in pairs), verify)


@part.check("matches the chapter's example", points=4, visible=True)
def chapter_example(g):
    X = torch.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    K = torch.tensor([[0, 1], [2, 3]])

    def verify(a):
        Y = expect.tensor(a.value, "corr2d(X, K)")
        expect.close(Y, torch.tensor([[19.0, 25.0], [37.0, 43.0]]), what="corr2d(X, K)", show=True, hint=SIZE_HINT)
        expect.floating(Y, "corr2d(X, K)")
    return Trial((call("corr2d", X, K),), verify)


@part.check("output shape is (H - h + 1, W - w + 1) on the edge image", points=2, visible=True)
def edge_shape(g):
    X, K = oracle.edge_image(), oracle.EDGE_KERNEL

    def verify(a):
        Y = expect.tensor(a.value, "corr2d(edge image, [[1, -1]])")
        if tuple(Y.shape) != (6, 7):
            raise Fail(f"corr2d of a 6×8 image with a 1×2 kernel has shape {tuple(Y.shape)}, expected (6, 7). "
                       + SIZE_HINT, "output size off by one")
    return Trial((call("corr2d", X, K),), verify)


@part.check("seeded random inputs of several shapes", points=4, visible=False)
def random_shapes(g):
    pairs = []
    for _ in range(4):
        H, W = _shape(g, 3, 9), _shape(g, 3, 9)
        pairs.append((_randn(g, H, W), _randn(g, _shape(g, 1, H), _shape(g, 1, W))))
    return _compare_many(pairs)


@part.check("non-square and 1×1 kernels", points=2, visible=False)
def odd_kernels(g):
    X = _randn(g, _shape(g, 5, 8), _shape(g, 5, 8))
    kernels = [_randn(g, 1, 1), _randn(g, 1, 3), _randn(g, 3, 1), _randn(g, 2, 4)]
    return _compare_many([(X, K) for K in kernels])


@part.check("a kernel as large as the input gives a 1×1 output", points=2, visible=False)
def full_kernel(g):
    H, W = _shape(g, 2, 6), _shape(g, 2, 6)
    return _compare_many([(_randn(g, H, W), _randn(g, H, W))])


@part.check("integer inputs give a floating-point result", points=2, visible=False)
def integer_inputs(g):
    X = torch.randint(-5, 6, (_shape(g, 4, 7), _shape(g, 4, 7)), generator=g)
    K = torch.randint(-3, 4, (2, 3), generator=g)

    def verify(a):
        Y = expect.tensor(a.value, "corr2d(X, K) on integer tensors")
        expect.floating(Y, "corr2d(X, K) on integer tensors")
        expect.close(Y, oracle.corr2d(X, K), what="corr2d(X, K) on integer tensors", show=False, hint=SIZE_HINT)
    return Trial((call("corr2d", X, K),), verify)


@part.check("float64 inputs keep float64 precision", points=2, visible=False)
def float64_inputs(g):
    # values near 1e4 with small fractional parts: float32 arithmetic loses them, float64 keeps them
    X = 1e4 + _randn(g, 5, 6, dtype=torch.float64) * 1e-3
    K = _randn(g, 2, 2, dtype=torch.float64)

    def verify(a):
        Y = expect.tensor(a.value, "corr2d(X, K) on float64 tensors")
        if Y.dtype != torch.float64:
            raise Fail(f"corr2d of float64 tensors returned {Y.dtype}; it should keep float64 (create the output "
                       "with the inputs' dtype, not torch.zeros' default float32).", "precision lost to float32")
        expect.close(Y, oracle.corr2d(X, K), what="corr2d(X, K) on float64 tensors", show=False, atol=1e-9,
                     rtol=1e-12)
    return Trial((call("corr2d", X, K),), verify)


@part.check("agrees with torch.nn.functional.conv2d", points=2, visible=False)
def agrees_with_conv2d(g):
    pairs = [(_randn(g, 12, 10) * 10, _randn(g, 3, 3)), (_randn(g, 7, 16), _randn(g, 5, 2))]
    return _compare_many(pairs, atol=1e-3)


@part.check("gradients reach X and K (gradcheck)", points=3, visible=False)
def gradients(g):
    X, K = _randn(g, 4, 5, dtype=torch.float64), _randn(g, 2, 3, dtype=torch.float64)

    def verify(a):
        expect.tensor(a.value, "corr2d(X, K)")
        JX, JK = a.jacobians if len(a.jacobians) == 2 else (None, None)
        if JX is None or JK is None:
            missing = " and ".join(n for n, J in (("X", JX), ("K", JK)) if J is None) or "X and K"
            raise Fail(f"No gradient reaches {missing} through corr2d: build the output from tensor operations "
                       "(no .item(), .numpy() or torch.tensor(...) around results).", "no gradient reaches the kernel")
        JX, JK = expect.tensor(JX, "the Jacobian"), expect.tensor(JK, "the Jacobian")
        rows = oracle.corr2d(X, K).numel()
        if JX.shape != (rows, X.numel()) or JK.shape != (rows, K.numel()):
            raise Fail("corr2d's gradients have the wrong shape: is its output (H - h + 1, W - w + 1)?")
        if not _gradcheck(X, K, JX.double(), JK.double()):
            raise Fail("The gradients of corr2d with respect to X or K do not match the numerical derivative "
                       "(torch.autograd.gradcheck).", "wrong gradients")
    return Trial((jacobian("corr2d", X, K, wrt=(0, 1)),), verify)


def _gradcheck(X, K, JX, JK) -> bool:
    """gradcheck on a function whose values are the oracle's and whose backward is the student's Jacobian.

    gradcheck compares the analytical Jacobian (here: the student's, measured by autograd in the sandbox) with
    finite differences of the true function, so it passes exactly when the student's gradients are right.
    """
    class StudentGradient(torch.autograd.Function):
        @staticmethod
        def forward(ctx, X_, K_):
            return oracle.corr2d(X_, K_)

        @staticmethod
        def backward(ctx, G):
            g = G.reshape(-1)
            return (g @ JX).reshape(X.shape), (g @ JK).reshape(K.shape)

    inputs = (X.clone().requires_grad_(True), K.clone().requires_grad_(True))
    return torch.autograd.gradcheck(StudentGradient.apply, inputs, raise_exception=False, atol=1e-5, rtol=1e-3)


@part.check("does not modify its inputs", points=2, visible=False)
def inputs_unchanged(g):
    X, K = _randn(g, 5, 5), _randn(g, 2, 2)

    def verify(a):
        if len(a.args_after) != 2:
            raise Fail("The grader could not see the inputs after the call.")
        expect.unchanged(X, a.args_after[0], what="X")
        expect.unchanged(K, a.args_after[1], what="K")
        expect.close(expect.tensor(a.value, "corr2d(X, K)"), oracle.corr2d(X, K), what="corr2d(X, K)", show=False)
    return Trial((call("corr2d", X, K),), verify)
