"""convolve2d(X, K): true convolution, i.e. cross-correlation with K flipped on both axes."""
from __future__ import annotations

import torch

from ..judge import expect, oracle
from ..judge.check import Part, Trial, call, grad
from ..judge.expect import Fail

part = Part("convolve2d", uses=("corr2d",))


def _diagnose(Y: torch.Tensor, X: torch.Tensor, K: torch.Tensor) -> None:
    """Name the usual mistakes: no flip at all, or a flip on one axis only."""
    if tuple(Y.shape) != tuple(oracle.convolve2d(X, K).shape):
        return
    for label, candidate, diagnosis in (
            ("cross-correlation: the kernel is not flipped", oracle.corr2d(X, K), "no flip"),
            ("the kernel flipped on its rows only", oracle.corr2d(X, torch.flip(K, (0,))), "flipped on one axis"),
            ("the kernel flipped on its columns only", oracle.corr2d(X, torch.flip(K, (1,))), "flipped on one axis")):
        if torch.allclose(Y.double(), candidate, atol=1e-5):
            raise Fail(f"convolve2d's output is {label}; convolution flips K on both axes.", diagnosis)


def _compare(pairs, *, visible: bool) -> Trial:
    def verify(*answers):
        for (X, K), a in zip(pairs, answers):
            Y = expect.tensor(a.value, "convolve2d(X, K)")
            want = oracle.convolve2d(X, K)
            if not torch.allclose(Y.double(), want, atol=1e-4) if Y.shape == want.shape else False:
                _diagnose(Y, X, K)
            expect.close(Y, want, what=f"convolve2d(X, K) for K of shape {tuple(K.shape)}", show=visible, atol=1e-4)
    return Trial(tuple(call("convolve2d", X, K) for X, K in pairs), verify)


@part.check("flips the kernel on both axes (the chapter's example)", points=4, visible=True)
def chapter_example(g):
    X = torch.tensor([[0.0, 1, 2], [3, 4, 5], [6, 7, 8]])
    K = torch.tensor([[0.0, 1], [2, 3]])
    return _compare([(X, K)], visible=True)


@part.check("the kernel [[1, -1]] on the edge image", points=2, visible=True)
def edge_image(g):
    return _compare([(oracle.edge_image(), oracle.EDGE_KERNEL)], visible=True)


@part.check("seeded random inputs and non-square kernels", points=5, visible=False)
def random_inputs(g):
    pairs = [(torch.randn(6, 7, generator=g), torch.randn(h, w, generator=g)) for h, w in ((2, 3), (3, 2), (3, 3))]
    return _compare(pairs, visible=False)


@part.check("gradients reach X and K", points=2, visible=False)
def gradients(g):
    X, K = torch.randn(5, 5, generator=g, dtype=torch.float64), torch.randn(2, 3, generator=g, dtype=torch.float64)
    G = torch.randn(4, 3, generator=g, dtype=torch.float64)
    Xg, Kg = X.clone().requires_grad_(True), K.clone().requires_grad_(True)
    want = torch.autograd.grad((oracle.convolve2d(Xg, Kg) * G).sum(), (Xg, Kg))

    def verify(a):
        _diagnose(expect.tensor(a.value, "convolve2d(X, K)"), X, K)    # gradients of the wrong function, if any
        if len(a.grads) != 2 or any(g_ is None for g_ in a.grads):
            raise Fail("No gradient reaches X or K through convolve2d.", "no gradient reaches the kernel")
        for name, got, w in zip("XK", a.grads, want):
            expect.close(expect.tensor(got, f"the gradient for {name}"), w, what=f"the gradient for {name}",
                         show=False, atol=1e-4)
    return Trial((grad("convolve2d", X, K, upstream=G, wrt=(0, 1)),), verify)


@part.check("does not modify its inputs", points=2, visible=False)
def inputs_unchanged(g):
    X, K = torch.randn(4, 6, generator=g), torch.randn(2, 2, generator=g)

    def verify(a):
        if len(a.args_after) != 2:
            raise Fail("The grader could not see the inputs after the call.")
        expect.unchanged(X, a.args_after[0], what="X")
        expect.unchanged(K, a.args_after[1], what="K")
        # leaving the inputs alone earns nothing on its own: a function that ignores them would pass
        _diagnose(expect.tensor(a.value, "convolve2d(X, K)"), X, K)
        expect.close(expect.tensor(a.value, "convolve2d(X, K)"), oracle.convolve2d(X, K), what="convolve2d(X, K)",
                     show=False, atol=1e-4)
    return Trial((call("convolve2d", X, K),), verify)
