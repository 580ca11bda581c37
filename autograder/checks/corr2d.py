"""corr2d(X, K): 2-D cross-correlation, X (H, W) and K (h, w) -> (H - h + 1, W - w + 1), floating point."""
from __future__ import annotations

import torch

from ..judge import expect, observe, oracle
from ..judge.check import Part, Trial, call, jacobian
from ..judge.expect import Fail
from ..sandbox.wire import Tensor

part = Part("corr2d")
SIZE_HINT = "The output of corr2d has shape (H - h + 1, W - w + 1)."
CHAPTER_X = torch.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]])     # the chapter's example, shown in messages
CHAPTER_K = torch.tensor([[0, 1], [2, 3]])


def _same(Y: torch.Tensor, want: torch.Tensor) -> bool:
    """Equal up to float32 rounding; tight enough to tell candidates apart on values near 1e4 too."""
    return (tuple(Y.shape) == tuple(want.shape) and bool(torch.isfinite(Y.double()).all())
            and torch.allclose(Y.double(), want.double(), atol=1e-4, rtol=1e-6))


def _rows_cols(t: torch.Tensor) -> str:
    return f"{t.shape[0]} row{'s' * (t.shape[0] != 1)} and {t.shape[1]} column{'s' * (t.shape[1] != 1)}"


def _example(t: torch.Tensor) -> str:
    """The chapter's integer-valued example as the chapter prints it, without the trailing '.0's."""
    return str([[int(v) for v in row] for row in t.tolist()])


def mistake(Y: torch.Tensor, X: torch.Tensor, K: torch.Tensor, args_after=()) -> tuple[str, str] | None:
    """(diagnosis, explanation) of the usual mistake that turns corr2d(X, K) into Y, or None if none fits.

    Explanations quote only the chapter's example, never X or K: they may be hidden inputs.
    """
    for after, before, name in zip(args_after, (X, K), "XK"):
        if isinstance(after, Tensor) and (after.data.shape != before.shape
                                          or not torch.equal(after.data.to(before.dtype), before)):
            return ("inputs modified in place",
                    f"corr2d changed its input {name} in place (a slice such as X[i:i + h, j:j + w] is a view: "
                    "`window *= K` writes into X). Compute on new tensors and leave X and K as they were.")
    want = oracle.corr2d(X, K)
    if Y.dim() != 2:
        return None
    chapter = oracle.corr2d(CHAPTER_X, CHAPTER_K)
    transposed = not _same(want, want.T) and _same(Y, want.T)
    if transposed:
        return ("rows and columns swapped",
                "Your output is the right one transposed: rows and columns are swapped. Y has H - h + 1 rows "
                "and W - w + 1 columns, and Y[i, j] = (X[i:i + h, j:j + w] * K).sum() with i counting rows; "
                "for the chapter's 6×8 edge image and the 1×2 kernel that is 6 rows and 7 columns.")
    if tuple(Y.shape) != tuple(want.shape):
        if all(abs(a - b) <= 1 for a, b in zip(Y.shape, want.shape)):
            longer = "long" if Y.numel() > want.numel() else "short"
            return ("output size off by one",
                    f"The output is one row or column too {longer}: it has {_rows_cols(Y)} where corr2d gives "
                    f"{_rows_cols(want)}. The size is (H - h + 1, W - w + 1): the window fits at positions 0 to "
                    "H - h, so loop over range(H - h + 1). In the chapter's example a 3×3 X and a 2×2 K give a "
                    "2×2 output.")
        return None
    flipped = ("kernel flipped: convolution, not cross-correlation",
               "Your output matches the kernel flipped on both axes: that is convolution, not cross-correlation. "
               f"corr2d multiplies each window by K as it is: the chapter's X and K give {_example(chapter)}; "
               f"flipping K first gives {_example(oracle.convolve2d(CHAPTER_X, CHAPTER_K))}.")
    truncated = ("values truncated to integers",
                 f"Your values are the right ones cut to whole numbers (the output has dtype {Y.dtype}). An integer "
                 "output tensor (torch.zeros(..., dtype=torch.int64), or zeros_like of an integer X) or int(...) "
                 "around the sums drops the fractions; the output must be floating point, as the chapter's "
                 "19., 25., ... are.")
    candidates = [(flipped, oracle.convolve2d(X, K))] + [(truncated, cut(want))
                                                        for cut in (torch.trunc, torch.round, torch.floor)]
    fits = [(float((Y.double() - c).abs().max()), n) for n, (_, c) in enumerate(candidates) if _same(Y, c)]
    return candidates[min(fits)[1]][0] if fits else None        # the closest, should two fit


def checked(Y: torch.Tensor, want: torch.Tensor, X: torch.Tensor, K: torch.Tensor, args_after=(), *, what: str,
            visible: bool, atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """expect.close(Y, want), with the usual mistake named (see `mistake`) when Y is wrong."""
    try:
        expect.close(Y, want, what=what, show=visible, atol=atol, rtol=rtol, hint=SIZE_HINT)
    except Fail as failure:
        found = mistake(Y, X, K, args_after)
        if found is None:
            raise
        raise Fail(f"{failure.message}\n{found[1]}", found[0]) from None


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
            checked(Y, oracle.corr2d(X, K), X, K, a.args_after, what=label, visible=visible, atol=atol)
    return Trial(tuple(call("corr2d", X, K) for X, K in pairs), verify)


@part.check("matches the chapter's example", points=4, visible=True)
def chapter_example(g):
    X, K = CHAPTER_X, CHAPTER_K

    def verify(a):
        Y = expect.tensor(a.value, "corr2d(X, K)")
        checked(Y, torch.tensor([[19.0, 25.0], [37.0, 43.0]]), X, K, a.args_after, what="corr2d(X, K)", visible=True)
        expect.floating(Y, "corr2d(X, K)")
    return Trial((call("corr2d", X, K),), verify)


@part.check("output shape is (H - h + 1, W - w + 1) on the edge image", points=2, visible=True)
def edge_shape(g):
    X, K = oracle.edge_image(), oracle.EDGE_KERNEL

    def verify(a):
        Y = expect.tensor(a.value, "corr2d(edge image, [[1, -1]])")
        if tuple(Y.shape) != (6, 7):
            found = mistake(Y, X, K, a.args_after)
            raise Fail(f"corr2d of a 6×8 image with a 1×2 kernel has shape {tuple(Y.shape)}, expected (6, 7). "
                       + (found[1] if found else SIZE_HINT), found[0] if found else "")

    def keep(a):        # the student's edge map, drawn beside the chapter's in the feedback page
        return {"corr2d_edge_map": observe.matrix(a.value)}
    return Trial((call("corr2d", X, K),), verify, keep)


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
        checked(Y, oracle.corr2d(X, K), X, K, a.args_after, what="corr2d(X, K) on integer tensors", visible=False)
        expect.floating(Y, "corr2d(X, K) on integer tensors")
    return Trial((call("corr2d", X, K),), verify)


@part.check("float64 inputs keep float64 precision", points=2, visible=False)
def float64_inputs(g):
    # values near 1e4 with small fractional parts: float32 arithmetic loses them, float64 keeps them
    X = 1e4 + _randn(g, 5, 6, dtype=torch.float64) * 1e-3
    K = _randn(g, 2, 2, dtype=torch.float64)

    def verify(a):
        Y = expect.tensor(a.value, "corr2d(X, K) on float64 tensors")
        if Y.is_floating_point() and Y.dtype != torch.float64:
            raise Fail(f"corr2d of float64 tensors returned {Y.dtype}; it should keep float64 (create the output "
                       "with the inputs' dtype, not torch.zeros' default float32).", "precision lost to float32")
        checked(Y, oracle.corr2d(X, K), X, K, a.args_after, what="corr2d(X, K) on float64 tensors", visible=False,
                atol=1e-9, rtol=1e-12)
    return Trial((call("corr2d", X, K),), verify)


@part.check("agrees with torch.nn.functional.conv2d", points=2, visible=False)
def agrees_with_conv2d(g):
    pairs = [(_randn(g, 12, 10) * 10, _randn(g, 3, 3)), (_randn(g, 7, 16), _randn(g, 5, 2))]
    return _compare_many(pairs, atol=1e-3)


@part.check("gradients reach X and K (gradcheck)", points=3, visible=False)
def gradients(g):
    X, K = _randn(g, 4, 5, dtype=torch.float64), _randn(g, 2, 3, dtype=torch.float64)

    def verify(a):
        Y = expect.tensor(a.value, "corr2d(X, K)")
        if not _same(Y, oracle.corr2d(X, K)):       # gradients of the wrong function: name the mistake in the values
            found = mistake(Y, X, K, a.args_after)
            raise Fail("corr2d's values are wrong here, so its gradients cannot be right."
                       + (f" {found[1]}" if found else ""), found[0] if found else "")
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
        checked(expect.tensor(a.value, "corr2d(X, K)"), oracle.corr2d(X, K), X, K, what="corr2d(X, K)", visible=False)
    return Trial((call("corr2d", X, K),), verify)
