"""The chapter's end-of-section exercises: an optional part, graded only with `--extension` (20 points).

Diagonal edges, cross-correlation as one matrix multiplication, hand-designed kernels, and what autograd does with
the chapter's Conv2D. Every expected answer is derived here, never typed in: by the oracle applied to what the
student returned, by calculus on polynomial images, by solving the finite-difference conditions, or by running
the chapter's own code (the judge's copy, not the student's) and reading what PyTorch does.
"""
from __future__ import annotations

import functools
import math
import re

import torch

from ..judge import expect, oracle
from ..judge.check import Part, Trial, call, grad, graph
from ..judge.expect import Fail

part = Part("extension", uses=("corr2d",))   # diagonal_edge_responses calls corr2d

MAX_KERNEL = 7      # the hand-designed kernels are at most 7 × 7 ...
GRID = 16           # ... so the judge's test images, GRID × GRID, always leave a 10 × 10 output or more


def _size(g: torch.Generator, low: int, high: int) -> int:
    return int(torch.randint(low, high + 1, (1,), generator=g))


def _kernel(value, what: str) -> torch.Tensor:
    """A returned kernel as float64, or Fail: 2-D, floating point, finite, at most MAX_KERNEL × MAX_KERNEL."""
    K = expect.tensor(value, what)
    if K.dim() != 2 or K.numel() == 0:
        raise Fail(f"{what} should be a 2-D kernel, got a tensor of shape {tuple(K.shape)}.")
    if max(K.shape) > MAX_KERNEL:
        raise Fail(f"{what} has shape {tuple(K.shape)}; the kernels of this exercise are at most "
                   f"{MAX_KERNEL} × {MAX_KERNEL}.")
    if not K.is_floating_point():
        raise Fail(f"{what} has dtype {K.dtype}; a kernel should be floating point.", "integer kernel")
    if not bool(torch.isfinite(K).all()):
        raise Fail(f"{what} contains NaN or infinite values.")
    return K.double()


def _tolerance(K: torch.Tensor, X: torch.Tensor) -> float:
    """Room for float32 weights: relative rounding of each product, summed over the kernel."""
    return 1e-6 * float(K.abs().sum()) * float(X.abs().max()) + 1e-9


# ---------------------------------------------------------------- exercise 1: diagonal edges

RESPONSES = ("corr2d(X, K)", "corr2d(X.T, K)", "corr2d(X, K.T)")


def _responses_trial(sizes: tuple[int, ...], *, visible: bool) -> Trial:
    probes = tuple(p for n in sizes for p in (call("diagonal_image", n), call("diagonal_edge_responses", n)))

    def verify(*answers):
        for n, image, responses in zip(sizes, answers[0::2], answers[1::2]):
            size = f"{n}" if visible else "n"         # a seeded size is a hidden input: never shown
            X = expect.tensor(image.value, f"diagonal_image({size})")
            if tuple(X.shape) != (n, n):
                raise Fail(f"diagonal_image({size}) is not {size} × {size}" + (f": it has shape {tuple(X.shape)}."
                                                                            if visible else "."))
            # the expected outputs come from the student's own image, so only the responses are judged here
            K = oracle.EDGE_KERNEL
            want = (oracle.corr2d(X, K), oracle.corr2d(X.T, K), oracle.corr2d(X, K.T))
            got = responses.value
            if not isinstance(got, (tuple, list)) or len(got) != 3:
                raise Fail(f"diagonal_edge_responses({size}) should return a tuple of three tensors "
                           f"({', '.join(RESPONSES)}), got {expect.describe(got)}.")
            Ys = [expect.tensor(Y, f"diagonal_edge_responses({size})[{k}]") for k, Y in enumerate(got)]
            for k, Y in enumerate(Ys):
                if not _same(Y, want[k]):
                    raise Fail(*_explain_response(size, k, Y, want, show=visible))
            _diagonal_edge_found(size, n, *Ys)
    return Trial(probes, verify)


def _diagonal_edge_found(size: str, n: int, Y: torch.Tensor, Y_t: torch.Tensor, Y_kt: torch.Tensor) -> None:
    """What the exercise is about: [[1, -1]] marks the diagonal edge exactly on the diagonal, X.T moves the mark to
    the subdiagonal, and K.T on X gives the transpose of K on X.T."""
    i, j = torch.arange(n)[:, None], torch.arange(n - 1)[None, :]
    if not torch.equal(Y != 0, j == i):
        raise Fail(f"corr2d(X, K) should be non-zero exactly on the diagonal (i = j), where the edge of "
                   f"diagonal_image({size}) crosses each row; it is not: is the image ones on and below the diagonal "
                   "and zeros above it?", "no diagonal edge")
    if not torch.equal(Y_t != 0, j == i - 1) or not _same(Y_kt, Y_t.T.double()):
        raise Fail(f"With X = diagonal_image({size}), corr2d(X.T, K) should be non-zero exactly below the diagonal "
                   "and corr2d(X, K.T) should be its transpose; they are not.", "no diagonal edge")


def _same(got: torch.Tensor, want: torch.Tensor) -> bool:
    return tuple(got.shape) == tuple(want.shape) and torch.allclose(got.double(), want, atol=1e-5)


def _explain_response(size: str, k: int, Y: torch.Tensor, want: tuple, *, show: bool) -> tuple[str, str]:
    """Why result k differs from the oracle: another of the three, a transposed output, or the opposite sign."""
    what = f"diagonal_edge_responses({size})[{k}] should be {RESPONSES[k]} with X = diagonal_image({size})"
    # the likeliest slip first: corr2d(X, K.T) is corr2d(X.T, K).T, so a swapped result is also a transposed one
    for other, label in enumerate(RESPONSES):
        if other != k and _same(Y, want[other]):
            return f"{what}, but it is {label}: keep the order {', '.join(RESPONSES)}.", "results out of order"
    for other, label in enumerate(RESPONSES):
        if _same(Y, want[other].T):
            return (f"{what}, but it is {label} transposed: transpose the input or the kernel, not the result "
                    "(corr2d(X, K.T) equals corr2d(X.T, K).T, which is not corr2d(X, K).T).", "transposed the output")
    for other, label in enumerate(RESPONSES):
        if _same(-Y, want[other]):
            return (f"{what}, but it is {label} with every sign flipped: is the kernel [[-1, 1]], or flipped as in a "
                    "convolution?", "kernel flipped")
    if not show:
        return f"{what}; it is not.", ""
    return f"{what}; it has shape {tuple(Y.shape)} and different values.\nexpected:\n{_show(want[k])}\ngot:\n" \
           f"{_show(Y)}", ""


def _show(t: torch.Tensor) -> str:
    return "\n".join("  " + line for line in str(t.detach().double()).splitlines())


@part.check("diagonal_image is ones on and below the diagonal, zeros above", points=1, visible=True)
def diagonal_image(g):
    sizes = (2, 6)

    def verify(*answers):
        for n, a in zip(sizes, answers):
            X = expect.tensor(a.value, f"diagonal_image({n})")
            if not X.is_floating_point():
                raise Fail(f"diagonal_image({n}) has dtype {X.dtype}; the image should be float32, like the "
                           "chapter's.")
            # the definition X[i, j] = 1 when j <= i, written with torch.tril
            expect.close(X, torch.tril(torch.ones(n, n)), what=f"diagonal_image({n})", show=True)
    return Trial(tuple(call("diagonal_image", n) for n in sizes), verify)


@part.check("the edge kernel on the 6×6 diagonal image, on its transpose, and transposed", points=2, visible=True)
def diagonal_responses(g):
    return _responses_trial((6,), visible=True)


@part.check("the three edge responses on diagonal images of seeded sizes", points=1, visible=False)
def diagonal_responses_seeded(g):
    return _responses_trial((_size(g, 3, 5), _size(g, 7, 11)), visible=False)


# ---------------------------------------------------------------- exercise 2: one matrix multiplication

# autograd nodes that only move values (view, copy, index, stack, pad, cast); any other node is arithmetic
MOVES_VALUES = re.compile(
    r"(View|UnsafeView|Reshape\w*|Alias|Clone|Unfold|Im2Col|Permute|Transpose|T|Select|Slice|Narrow|Index|"
    r"IndexSelect|IndexPut|Gather|Unsqueeze|Squeeze|Expand|Repeat|Stack|Cat|Flip|ToCopy|AsStrided|Split\w*|"
    r"Unbind|ConstantPadNd|Diagonal)Backward\d*|CopySlices|AccumulateGrad")
ONE_MATMUL = "MmBackward0"


def _matmul_pairs(g: torch.Generator) -> list[tuple[torch.Tensor, torch.Tensor]]:
    pairs = []
    for dtype in (torch.float32, torch.float32, torch.float64):
        H, W = _size(g, 3, 9), _size(g, 3, 9)
        K = torch.randn(_size(g, 1, H), _size(g, 1, W), generator=g, dtype=dtype)
        pairs.append((torch.randn(H, W, generator=g, dtype=dtype), K))
    return pairs


@part.check("corr2d_matmul gives the chapter's example", points=1, visible=True)
def matmul_example(g):
    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])

    def verify(a):
        Y = expect.tensor(a.value, "corr2d_matmul(X, K)")
        expect.close(Y, torch.tensor([[19.0, 25.0], [37.0, 43.0]]), what="corr2d_matmul(X, K) on the chapter's "
                     "example", show=True, hint="The output has shape (H - h + 1, W - w + 1).")
    return Trial((call("corr2d_matmul", X, K),), verify)


@part.check("corr2d_matmul agrees with conv2d on seeded shapes", points=1, visible=False)
def matmul_seeded(g):
    pairs = _matmul_pairs(g)

    def verify(*answers):
        for (X, K), a in zip(pairs, answers):
            label = f"corr2d_matmul(X, K) for X of shape {tuple(X.shape)} and K of shape {tuple(K.shape)}"
            expect.close(expect.tensor(a.value, "corr2d_matmul(X, K)"), oracle.corr2d(X, K), what=label,
                         show=False, atol=1e-4, hint="The output has shape (H - h + 1, W - w + 1).")
    return Trial(tuple(call("corr2d_matmul", X, K) for X, K in pairs), verify)


@part.check("corr2d_matmul is one matrix multiplication of two 2-D tensors", points=2, visible=True)
def matmul_is_one_mm(g):
    X, K = torch.randn(5, 7, generator=g, dtype=torch.float64), torch.randn(2, 3, generator=g, dtype=torch.float64)
    upstream = torch.randn(4, 5, generator=g, dtype=torch.float64)

    def verify(seen, gradients):
        value = seen.value
        if not (isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], list)):
            raise Fail("The grader could not read the autograd graph of corr2d_matmul's result.")
        Y, names, complete = value
        Y = expect.tensor(Y, "corr2d_matmul(X, K)")
        expect.close(Y, oracle.corr2d(X, K), what="corr2d_matmul(X, K)", show=False)
        if complete is not True or not all(isinstance(n, str) for n in names):
            raise Fail("corr2d_matmul's autograd graph is too large to inspect; one matrix multiplication needs "
                       "only a few nodes.")
        _judge_graph(names)
        _judge_gradients(X, K, upstream, gradients)
    return Trial((graph("corr2d_matmul", X, K, wrt=(0, 1)),
                  grad("corr2d_matmul", X, K, upstream=upstream, wrt=(0, 1))), verify)


def _judge_graph(names: list[str]) -> None:
    """The node names of the result's autograd graph -> Fail unless they are one mm plus value-moving nodes."""
    if not names:
        raise Fail("corr2d_matmul's result has no autograd history: no gradient reaches X or K (no .item(), "
                   ".numpy(), torch.tensor(...) or .detach() on the way).", "no gradient reaches the inputs")
    mm = names.count(ONE_MATMUL)
    arithmetic = sorted({n for n in names if n != ONE_MATMUL and not MOVES_VALUES.fullmatch(n)})
    if mm == 0:
        if "MvBackward0" in names:
            raise Fail("corr2d_matmul multiplies a matrix by a vector (K flattened to 1-D): reshape the vector to a "
                       "column, (h * w, 1), so that the product is one matrix multiplication of two 2-D tensors.",
                       "matrix times vector")
        if "BmmBackward0" in names:
            raise Fail("corr2d_matmul uses a batched product (3-D tensors, or einsum): reshape both operands to 2-D "
                       "matrices and multiply them once with @.", "batched product")
        shown = ", ".join(arithmetic[:4]) or "none"
        raise Fail(f"corr2d_matmul's result does not come from a matrix multiplication (autograd recorded: {shown}). "
                   "Multiply one 2-D matrix built from X by one built from K with @.", "no matrix multiplication")
    if mm > 1:
        raise Fail(f"corr2d_matmul performs {mm} matrix multiplications; the exercise asks for exactly one, over "
                   "all output positions at once.", "several matrix multiplications")
    if arithmetic:
        raise Fail(f"Besides the one @, autograd recorded arithmetic on X or K ({', '.join(arithmetic[:4])}): "
                   "build the two matrices by moving values only (indexing, reshape, unfold, stack, cat, pad), so "
                   "that the @ does every multiplication and every sum.", "arithmetic outside the matmul")


def _judge_gradients(X, K, upstream, answer) -> None:
    """The student's d(sum(Y * upstream))/dX and /dK against autograd on the oracle."""
    X_, K_ = X.clone().requires_grad_(True), K.clone().requires_grad_(True)
    want = torch.autograd.grad((oracle.corr2d(X_, K_) * upstream).sum(), (X_, K_))
    got = answer.grads if len(answer.grads) == 2 else (None, None)
    for name, g, w in zip("XK", got, want):
        if g is None:
            raise Fail(f"No gradient reaches {name} through corr2d_matmul.", "no gradient reaches the inputs")
        expect.close(expect.tensor(g, f"the gradient with respect to {name}"), w,
                     what=f"corr2d_matmul's gradient with respect to {name}", show=False)


# ---------------------------------------------------------------- exercise 3: hand-designed kernels

def _grid() -> tuple[torch.Tensor, torch.Tensor]:
    """Row and column coordinates i, j of a GRID × GRID image, float64."""
    return torch.meshgrid(torch.arange(GRID, dtype=torch.float64), torch.arange(GRID, dtype=torch.float64),
                          indexing="ij")


MONOMIALS = {"1": lambda i, j: torch.ones_like(i), "i": lambda i, j: i, "j": lambda i, j: j,
             "i²": lambda i, j: i * i, "j²": lambda i, j: j * j, "i·j": lambda i, j: i * j}


def _polynomial(coefficients: dict[str, float]) -> torch.Tensor:
    i, j = _grid()
    return sum(c * MONOMIALS[m](i, j) for m, c in coefficients.items())


def _seeded_quadratic(g: torch.Generator) -> dict[str, float]:
    return {m: float(c) for m, c in zip(MONOMIALS, torch.rand(len(MONOMIALS), generator=g) * 2 - 1)}


def _second_derivative_trial(fn: str, g: torch.Generator, d2: dict[str, float], name: str) -> Trial:
    """fn() must respond to every quadratic image with its second derivative Σ d2[m] * coefficient of m."""
    images = [("a flat image (X = 1)", {"1": 1.0}), ("the ramp X[i, j] = i", {"i": 1.0}),
              ("the ramp X[i, j] = j", {"j": 1.0}), ("X[i, j] = j²", {"j²": 1.0}),
              ("X[i, j] = i²", {"i²": 1.0}), ("X[i, j] = i·j", {"i·j": 1.0}),
              ("a seeded quadratic image", _seeded_quadratic(g))]

    def verify(a):
        K = _kernel(a.value, f"{fn}()")
        for label, coefficients in images:
            X = _polynomial(coefficients)
            want = sum(d2.get(m, 0.0) * c for m, c in coefficients.items())
            Y = oracle.corr2d(X, K)
            if float((Y - want).abs().max()) > _tolerance(K, X):
                raise Fail(*_explain_derivative(fn, name, label, Y, want))
    return Trial((call(fn),), verify)


def _explain_derivative(fn: str, name: str, label: str, Y: torch.Tensor, want: float) -> tuple[str, str]:
    constant = float(Y.max() - Y.min()) <= 1e-6 * max(1.0, float(Y.abs().max()))
    mean = float(Y.mean())
    got = f"the constant {mean:.4g}" if constant else "a response that changes from place to place"
    message = f"On {label}, {fn}() gives {got}; {name} is {want:g} there."
    if label.startswith("a flat"):
        return message + " A derivative kernel's weights sum to 0.", "weights do not sum to 0"
    if "ramp" in label:
        return (message + " A second derivative ignores slopes: the weights times their row and column offsets "
                "must sum to 0, which a first difference such as [[1, -1]] does not do.", "responds to slopes")
    if constant and want != 0 and abs(mean) > 1e-9:
        return message + f" The kernel is right up to a factor {mean / want:g}: rescale it.", "wrong scale"
    if constant and label[-2:] in ("i²", "j²"):
        return (message + " Rows are i (downwards) and columns j (to the right): does the kernel take differences "
                "along the right direction(s)?", "wrong direction")
    return message, ""


@part.check("second_derivative_kernel is ∂²/∂j² on quadratic images", points=2, visible=False)
def second_derivative(g):
    return _second_derivative_trial("second_derivative_kernel", g, {"j²": 2.0}, "∂²X/∂j²")


@part.check("laplacian_kernel is ∂²/∂i² + ∂²/∂j² on quadratic images", points=2, visible=False)
def laplacian(g):
    return _second_derivative_trial("laplacian_kernel", g, {"i²": 2.0, "j²": 2.0}, "∂²X/∂i² + ∂²X/∂j²")


@part.check("blur_kernel is non-negative, sums to 1 and halves the variance of noise", points=2, visible=False)
def blur(g):
    sizes = (_size(g, 2, 3), _size(g, 4, 5))
    noise = torch.randn(48, 48, generator=g, dtype=torch.float64)

    def verify(*answers):
        for k, a in zip(sizes, answers):
            # k is a hidden input: the messages say "k", never its value
            K = _kernel(a.value, "blur_kernel(k) for a seeded size k")
            if tuple(K.shape) != (k, k):
                raise Fail("blur_kernel(k) is not k × k for a seeded size k.")
            if float(K.min()) < -1e-7:
                raise Fail("blur_kernel(k) has negative weights: a blur averages neighbours, while a negative "
                           "weight subtracts them (that sharpens or finds edges).", "negative weights")
            if abs(float(K.sum()) - 1) > 1e-5:
                raise Fail("The weights of blur_kernel(k) do not sum to 1: a flat image would change its "
                           "brightness by their sum.", "weights do not sum to 1")
            ratio = float(oracle.corr2d(noise, K).var() / noise.var())
            if ratio > 0.5:
                raise Fail(f"blur_kernel(k) leaves {ratio:.0%} of the variance of white noise; a blur should "
                           "remove at least half of it: spread the weight over the window.", "does not smooth")
    return Trial(tuple(call("blur_kernel", k) for k in sizes), verify)


def _ramp(u: tuple[float, float]) -> torch.Tensor:
    """The edge image X[i, j] = 3 + u_i i + u_j j: it changes along u, its level lines (edges) run orthogonal to u."""
    i, j = _grid()
    return 3.0 + u[0] * i + u[1] * j


@part.check("directional_edge_kernel ignores edges parallel to v, responds most to edges orthogonal to v",
            points=2, visible=False)
def directional(g):
    directions = [(0.0, 1.0)]
    for _ in range(2):
        angle, length = float(torch.rand(1, generator=g)) * 2 * math.pi, 0.5 + 2.5 * float(torch.rand(1, generator=g))
        directions.append((length * math.sin(angle), length * math.cos(angle)))
    units = [(math.sin(t), math.cos(t)) for t in (2 * math.pi * k / 24 for k in range(24))]

    def verify(*answers):
        for n, (v, a) in enumerate(zip(directions, answers)):
            which = "v = (0, 1)" if n == 0 else "a seeded direction v"
            K = _kernel(a.value, "directional_edge_kernel(v)")
            flat = oracle.corr2d(_ramp((0.0, 0.0)), K)
            if float(flat.abs().max()) > _tolerance(K, _ramp((0.0, 0.0))):
                raise Fail(f"For {which}, directional_edge_kernel(v) responds to a flat image: a derivative "
                           "kernel's weights sum to 0.", "weights do not sum to 0")
            norm = math.hypot(*v)
            along, across = (v[0] / norm, v[1] / norm), (-v[1] / norm, v[0] / norm)
            response = {u: oracle.corr2d(_ramp(u), K) for u in [along, across, *units]}
            tol = max(_tolerance(K, X) for X in (_ramp(along), _ramp(across)))
            strongest = max(float(Y.abs().max()) for Y in response.values())
            if float(response[along].abs().min()) <= 1e3 * tol:
                if float(response[across].abs().min()) > 1e3 * tol:
                    raise Fail(f"For {which}, your kernel responds to edges parallel to v and not to edges "
                               "orthogonal to it: it differentiates along the direction orthogonal to v.",
                               "derivative along the orthogonal direction")
                raise Fail(f"For {which}, your kernel does not respond to edges orthogonal to v (a ramp that "
                           "changes along v).")
            if float(response[across].abs().max()) > tol:
                raise Fail(f"For {which}, your kernel responds to edges parallel to v (a ramp that changes only "
                           "orthogonally to v); a derivative along v must give 0 there.", "not aligned with v")
            if strongest > float(response[along].abs().max()) + tol:
                raise Fail(f"For {which}, an edge at another angle gets a stronger response than the edge "
                           "orthogonal to v.", "not aligned with v")
    return Trial(tuple(call("directional_edge_kernel", v) for v in directions), verify)


@functools.lru_cache(maxsize=None)
def _min_width(d: int) -> int:
    """The smallest m for which a 1 × m kernel w exists with Σ_k w_k k^p = d! [p = d] for p = 0..d, i.e. one that
    maps the samples of every polynomial of degree <= d to its d-th derivative (found by least squares)."""
    for m in range(1, d + 4):
        k = torch.arange(m, dtype=torch.float64)
        V = torch.stack([k ** p for p in range(d + 1)])                 # (d + 1, m)
        b = torch.zeros(d + 1, dtype=torch.float64)
        b[d] = math.factorial(d)
        w = torch.linalg.lstsq(V, b[:, None], driver="gelsd").solution[:, 0]
        if float((V @ w - b).norm()) <= 1e-9 * float(b.norm()):
            return m
    raise ArithmeticError(f"no kernel width up to {d + 3} for order {d}")


def _min_size_trial(orders: tuple[int, ...], *, visible: bool) -> Trial:
    def verify(*answers):
        for d, a in zip(orders, answers):
            got, want = a.value, _min_width(d)
            # a seeded order is a hidden input: its message names neither d nor the answer
            call_ = f"min_kernel_size_for_derivative({d})" if visible else "min_kernel_size_for_derivative(d)"
            where = "" if visible else " for a seeded order d"
            if type(got) is not int:
                raise Fail(f"{call_} should return an int{where}, got {expect.describe(got)}.")
            if got == want:
                continue
            head = f"{call_} returned {got}, expected {want}" if visible else f"{call_}{where} is wrong"
            if got < want:
                raise Fail(f"{head}: too small. A kernel for derivatives of order d must cancel 1, j, ..., j^(d - 1) "
                           "and still measure j^d; count the conditions.", "too small")
            raise Fail(f"{head}: larger than needed.", "too large")
    return Trial(tuple(call("min_kernel_size_for_derivative", d) for d in orders), verify)


@part.check("min_kernel_size_for_derivative for first and second derivatives", points=1, visible=True)
def min_size(g):
    return _min_size_trial((1, 2), visible=True)


@part.check("min_kernel_size_for_derivative for seeded orders", points=1, visible=False)
def min_size_seeded(g):
    return _min_size_trial((0, _size(g, 3, 4), _size(g, 5, 6)), visible=False)


# ---------------------------------------------------------------- exercise 4: autograd and the chapter's Conv2D

FACTS = ("raises", "weight_gets_gradient", "node", "item_keeps_gradient", "original_error")
FACT_TYPES = (bool, bool, str, bool, str)


@functools.lru_cache(maxsize=None)
def _chapter_facts() -> tuple[bool, bool, str, bool]:
    """What the installed PyTorch does with the chapter's Conv2D, found by running the chapter's own code here:
    corr2d writes each Y[i, j] into Y = torch.zeros(...); (raises, weight gets a gradient, type(Y.grad_fn)
    name, weight still gets a gradient when the writes are .item() numbers)."""
    g = torch.Generator().manual_seed(0)
    X = oracle.edge_image()

    def corr2d_into_zeros(X, K, item):
        h, w = K.shape
        Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                total = (X[i:i + h, j:j + w] * K).sum()
                Y[i, j] = total.item() if item else total
        return Y

    def backward(item: bool) -> tuple[bool, bool, str]:
        weight = torch.nn.Parameter(torch.randn(1, 2, generator=g))
        bias = torch.nn.Parameter(torch.randn(1, generator=g))
        Y = corr2d_into_zeros(X, weight, item)
        try:
            ((Y + bias - oracle.corr2d(X, oracle.EDGE_KERNEL).float()) ** 2).sum().backward()
        except RuntimeError:
            return True, False, type(Y.grad_fn).__name__
        return False, weight.grad is not None, type(Y.grad_fn).__name__

    raises, gets_gradient, node = backward(item=False)
    return raises, gets_gradient, node, backward(item=True)[1]


def _facts(value) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != len(FACTS):
        raise Fail(f"conv2d_gradient_facts() should return the tuple ({', '.join(FACTS)}), got "
                   f"{expect.describe(value)}" + (f" of length {len(value)}." if isinstance(value, (tuple, list))
                                                 else "."))
    for name, kind, fact in zip(FACTS, FACT_TYPES, value):
        if type(fact) is not kind:
            raise Fail(f"In conv2d_gradient_facts(), `{name}` should be a {kind.__name__}, got "
                       f"{expect.describe(fact)}.")
    return tuple(value)


@part.check("autograd differentiates the chapter's Conv2D through its in-place writes", points=1, visible=True)
def gradient_facts(g):
    def verify(a):
        raises, gets_gradient, node, _, _ = _facts(a.value)
        true_raises, true_gets_gradient, true_node, _ = _chapter_facts()
        if raises != true_raises:
            raise Fail(f"`raises` is {raises}, but in PyTorch l.backward() "
                       f"{'raises' if true_raises else 'runs without an error'} for the chapter's Conv2D: run the "
                       "experiment.", "gradient question")
        if gets_gradient != true_gets_gradient:
            raise Fail(f"`weight_gets_gradient` is {gets_gradient}; after l.backward(), look at conv2d.weight.grad.",
                       "gradient question")
        if node != true_node:
            raise Fail(f"`node` is {node!r}, which is not the name of the autograd node PyTorch records for the "
                       "writes Y[i, j] = ...: print type(Y.grad_fn).__name__ for that corr2d's output.",
                       "gradient question")
    return Trial((call("conv2d_gradient_facts"),), verify)


IN_PLACE = re.compile(r"in[\s_-]*place|原地|就地", re.IGNORECASE)


@part.check(".item() cuts the graph; the original error was about in-place operations", points=1, visible=True)
def gradient_limits(g):
    def verify(a):
        _, _, _, keeps, original = _facts(a.value)
        if keeps != _chapter_facts()[3]:
            raise Fail(f"`item_keeps_gradient` is {keeps}: write Y[i, j] = (...).sum().item() and look at "
                       "weight.grad after l.backward() (.item() returns a Python number, outside autograd).",
                       "gradient question")
        if not IN_PLACE.search(original):
            raise Fail("`original_error` does not name the kind of operation MXNet's autograd refused: which "
                       "operation does corr2d perform on Y = zeros(...) for every output element?",
                       "gradient question")
    return Trial((call("conv2d_gradient_facts"),), verify)
