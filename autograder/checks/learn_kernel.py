"""learn_kernel(X, Y, kernel_size, steps, lr, log_every): the chapter's training loop, returning (model, losses)."""
from __future__ import annotations

import re

import torch

from ..judge import expect, observe, oracle
from ..judge.check import Part, Trial, call
from ..judge.expect import Fail
from ..sandbox.wire import Tensor
from .conv2d import parameters

part = Part("learn_kernel", uses=("corr2d", "Conv2D"))
LOG_LINE = re.compile(r"^Step (\d+), loss (-?\d+\.\d{3})$")
DEFAULT_LR = 0.01
SHORT_STEPS = 3         # a run short enough to replay backwards exactly from where it ended

# The usual mistakes in a training loop, named by their diagnosis; `_run` can replay each of them exactly.
NOT_CLEARED, WRONG_WAY, MEAN, LR_IGNORED = ("gradients never cleared", "step in the wrong direction",
                                            "mean instead of sum", "arguments ignored")
EXPLAIN = {
    NOT_CLEARED: "backward() adds to .grad, so without model.weight.grad.zero_() and model.bias.grad.zero_() after "
                 "each update every step repeats all the earlier gradients as well.",
    WRONG_WAY: "the update adds lr times the gradient, which climbs the loss; gradient descent subtracts it: "
               "model.weight.data -= lr * model.weight.grad.",
    MEAN: "the loss is the mean of the squared errors, i.e. the chapter's loss divided by the number of outputs; "
          "the chapter's loss is the sum, ((Y_hat - Y) ** 2).sum(), and its steps are that many times larger.",
    LR_IGNORED: f"the run is gradient descent with lr={DEFAULT_LR}, not with the lr it was given.",
}


def _run(A: torch.Tensor, y: torch.Tensor, theta: torch.Tensor, lr: float, steps: int, mistake: str = ""):
    """(losses, final θ) of `steps` steps of the training loop on |Aθ - y|², with one of the mistakes above.

    θ = (weight flattened, bias); every mistake keeps the map θ₀ -> θ_end affine, which `replay` relies on.
    """
    scale = 1.0 / A.shape[0] if mistake == MEAN else 1.0
    sign = -1.0 if mistake == WRONG_WAY else 1.0
    lr = DEFAULT_LR if mistake == LR_IGNORED else lr
    accumulated, losses = torch.zeros_like(theta), []
    for _ in range(steps):
        residual = A @ theta - y
        losses.append(scale * residual @ residual)
        gradient = 2 * scale * A.T @ residual
        accumulated = accumulated + gradient if mistake == NOT_CLEARED else gradient
        theta = theta - sign * lr * accumulated
    return torch.stack(losses), theta


def replay(A: torch.Tensor, y: torch.Tensor, theta_end: torch.Tensor, lr: float, steps: int,
           mistake: str = "", *, max_condition: float = 1e8) -> torch.Tensor | None:
    """The losses a loop with `mistake` (none: plain gradient descent) must have reported, given where it ended;
    None when Q is too close to singular (condition number above `max_condition`) to recover the start.

    θ_end = Qθ₀ + r is affine in the start: r is the run from 0, Q's columns the runs from each unit vector
    (for plain gradient descent, Q = Mⁿ with M = I - 2·lr·AᵀA).
    """
    n = A.shape[1]
    r = _run(A, y, torch.zeros(n, dtype=torch.float64), lr, steps, mistake)[1]
    Q = torch.stack([_run(A, y, e, lr, steps, mistake)[1] - r for e in torch.eye(n, dtype=torch.float64)], dim=1)
    if not bool(torch.isfinite(Q).all()) or torch.linalg.cond(Q) > max_condition:
        return None
    start = torch.linalg.solve(Q, theta_end.double() - r)
    return _run(A, y, start, lr, steps, mistake)[0]


def mistake_of(A, y, params: dict, losses: list[float], lr: float) -> str:
    """The one mistake whose replay reproduces these losses exactly, or ''."""
    theta = torch.cat([params["weight"].double().reshape(-1), params["bias"].double().reshape(-1)])
    got = torch.tensor(losses, dtype=torch.float64)
    for mistake in (NOT_CLEARED, WRONG_WAY, MEAN) + ((LR_IGNORED,) if lr != DEFAULT_LR else ()):
        expected = replay(A, y, theta, lr, len(losses), mistake)
        if expected is not None and bool(torch.isfinite(got).all()) \
                and torch.allclose(got, expected, rtol=2e-3, atol=1e-4):
            return mistake
    return ""


def _short_run(X, Y, kernel_size, lr):
    """A probe for diagnosis only: SHORT_STEPS steps of the same problem."""
    return call("learn_kernel", X, Y.float(), kernel_size=kernel_size, steps=SHORT_STEPS, lr=lr, log_every=5)


def _diagnosed(failure: Fail, short, X, Y, kernel_size, lr, *, visible: bool) -> Fail:
    """failure, with the training mistake named when the short run replays as one of them."""
    try:
        params, losses = result(short.value, kernel_size, SHORT_STEPS)
    except Fail:
        return failure
    mistake = mistake_of(oracle.design(X, kernel_size), Y.double().reshape(-1), params, losses, lr)
    if not mistake:
        return failure
    shown = (f" With the chapter's X and Y, lr={lr} and steps={SHORT_STEPS} your losses were "
             f"{[round(v, 3) for v in losses]}: exactly what a run with this mistake gives." if visible else "")
    return Fail(f"{failure.message}\nLikely cause: {EXPLAIN[mistake]}{shown}", mistake)


def result(value, kernel_size: tuple[int, int], steps: int, *, finite: bool = True) -> tuple[dict, list[float]]:
    """(model, losses) as returned, validated: parameters of the right shapes, one (finite) number per step."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise Fail(f"learn_kernel should return (model, losses), got {expect.describe(value)}.")
    model, losses = value
    params = parameters(model, kernel_size)
    if not isinstance(losses, (list, tuple)):
        raise Fail(f"The losses should be a list of numbers, got {expect.describe(losses)}.")
    numbers = []
    for item in losses:
        if isinstance(item, Tensor) and item.data.numel() == 1:
            item = float(item.data.reshape(()))
        numbers.append(expect.number(item, "Each loss") if finite or type(item) is not float else item)
    if len(numbers) != steps:
        raise Fail(f"learn_kernel returned {len(numbers)} losses for {steps} steps; return the loss of every step.",
                   "arguments ignored")
    return params, numbers


def _learns(X, K, b, *, kernel_size, steps, lr, visible: bool, label: str, keep=None) -> Trial:
    Y = (oracle.corr2d(X, K) + b).float()

    def verify(a, short):
        try:
            converged(a)
        except Fail as failure:
            raise _diagnosed(failure, short, X, Y, kernel_size, lr, visible=visible) from None

    def converged(a):
        params, losses = result(a.value, kernel_size, steps)
        w, bias = params["weight"].double(), params["bias"].double()
        if not torch.allclose(w, K.double(), atol=1e-2) or not torch.allclose(bias, torch.tensor([b]).double(),
                                                                              atol=1e-2):
            learned = f" It learned weight {w.numpy().round(3).tolist()}, bias {bias.numpy().round(3).tolist()}." \
                if visible else ""
            raise Fail(f"After {steps} steps the learned kernel is not {label}.{learned} Check the update "
                       "(minus the gradient times lr), that gradients are cleared every step, and that the loss is "
                       "the summed squared error.", "did not converge")
        if losses[-1] >= 1e-3:
            raise Fail(f"The loss of the last step is {losses[-1]:.4g}; it should be below 0.001.", "did not converge")
    return Trial((call("learn_kernel", X, Y.float(), kernel_size=kernel_size, steps=steps, lr=lr, log_every=5),
                  _short_run(X, Y, kernel_size, lr)), verify, keep)


def reference_losses(g: torch.Generator, steps: int = 100, lr: float = DEFAULT_LR) -> list[float]:
    """Plain gradient descent on the chapter's problem from a seeded start (weight, bias ~ randn), for pictures."""
    X = oracle.edge_image()
    A, y = oracle.design(X, (1, 2)), oracle.corr2d(X, oracle.EDGE_KERNEL).reshape(-1)
    return _run(A, y, torch.randn(3, generator=g, dtype=torch.float64), lr, steps)[0].tolist()


@part.check("learns the chapter's kernel [[1, -1]]", points=6, visible=True)
def chapter_kernel(g):
    reference = reference_losses(g)

    def keep(a, short):         # the student's loss curve, drawn beside the reference in the feedback page
        losses = a.value[1] if isinstance(a.value, (tuple, list)) and len(a.value) == 2 else None
        return {"losses": observe.numbers(losses), "reference_losses": reference}
    return _learns(oracle.edge_image(), oracle.EDGE_KERNEL, 0.0, kernel_size=(1, 2), steps=100, lr=DEFAULT_LR,
                   visible=True, label="close to [[1, -1]] with bias 0", keep=keep)


@part.check("prints 'Step %d, loss %.3f' every 5 steps", points=3, visible=True)
def log_lines(g):
    X = oracle.edge_image()
    Y = oracle.corr2d(X, oracle.EDGE_KERNEL).float()

    def verify(a):
        _, losses = result(a.value, (1, 2), 100, finite=False)     # the format is checked here, not the training
        expected = ["Step %d, loss %.3f" % (i, losses[i - 1]) for i in range(5, 101, 5)]
        printed = [line.rstrip() for line in a.stdout.splitlines() if line.lstrip().startswith("Step")]
        if printed != expected:
            first = next((f"line {n + 1}: expected {e!r}, got {p!r}" for n, (e, p) in enumerate(zip(expected, printed))
                          if e != p), f"expected {len(expected)} lines, got {len(printed)}")
            if not printed and a.stdout.strip():
                first += f"; the first line printed was {a.stdout.strip().splitlines()[0][:80]!r}"
            raise Fail("The training log should print 'Step %d, loss %.3f' after steps 5, 10, ..., 100, with the "
                       f"loss of that step: {first}.", "log lines in the wrong format or interval")
    return Trial((call("learn_kernel", X, Y),), verify)


@part.check("returns one loss per step, decreasing", points=2, visible=True)
def losses_per_step(g):
    X = oracle.edge_image()
    Y = oracle.corr2d(X, oracle.EDGE_KERNEL).float()

    def verify(a, short):
        try:
            _, losses = result(a.value, (1, 2), 100)
            if not losses[-1] < losses[0]:
                raise Fail(f"The loss went from {losses[0]:.4g} to {losses[-1]:.4g}; training should reduce it.")
        except Fail as failure:
            raise _diagnosed(failure, short, X, Y, (1, 2), DEFAULT_LR, visible=True) from None
    return Trial((call("learn_kernel", X, Y), _short_run(X, Y, (1, 2), DEFAULT_LR)), verify)


def _replay_problem(g):
    """A small seeded problem with a learning rate at which gradient descent is stable and invertible."""
    X = torch.randn(5, 6, generator=g)
    Y = torch.randn(4, 5, generator=g)
    A = oracle.design(X, (2, 2))
    lr = float(f"{0.2 / oracle.largest_curvature(A):.3g}")
    return X, Y, A, lr


@part.check("each step is plain gradient descent on the summed squared error", points=4, visible=False)
def gradient_descent(g):
    X, Y, A, lr = _replay_problem(g)
    steps = 4

    def verify(a):
        params, losses = result(a.value, (2, 2), steps)
        theta = torch.cat([params["weight"].double().reshape(-1), params["bias"].double().reshape(-1)])
        expected = replay(A, Y.double().reshape(-1), theta, lr, steps, max_condition=1e6)
        if expected is None:
            raise Fail("The grader could not replay this training run.")
        got = torch.tensor(losses, dtype=torch.float64)
        if not torch.allclose(got, expected, rtol=2e-3, atol=1e-4):
            message = ("The losses and the final parameters are not those of plain gradient descent on "
                       "((Y_hat - Y) ** 2).sum() with the given lr")
            mistake = mistake_of(A, Y.double().reshape(-1), params, losses, lr)
            if mistake:
                raise Fail(f"{message}: replaying your run backwards from where it ended, {EXPLAIN[mistake]}", mistake)
            raise Fail(f"{message}: check the sign of the step, that gradients are cleared each step, and that the "
                       "loss is a sum, not a mean.", "not plain gradient descent")
    return Trial((call("learn_kernel", X, Y, kernel_size=(2, 2), steps=steps, lr=lr, log_every=2),), verify)


@part.check("learns other kernels and sizes", points=3, visible=False)
def other_kernels(g):
    kernel_size = ((2, 2), (1, 3))[int(torch.randint(0, 2, (1,), generator=g))]
    for _ in range(50):                     # a seeded input whose problem converges in a few hundred steps
        X = torch.randn(7, 7, generator=g)
        A = oracle.design(X, kernel_size)
        lr = float(f"{0.45 / oracle.largest_curvature(A):.3g}")
        steps = oracle.steps_to_converge(A, lr)
        if steps <= 300:
            break
    K = torch.randn(*kernel_size, generator=g)
    b = float(torch.randn(1, generator=g))
    return _learns(X, K, b, kernel_size=kernel_size, steps=steps + 20, lr=lr, visible=False,
                   label="the kernel that made Y")


@part.check("honours steps, lr and log_every", points=2, visible=False)
def arguments(g):
    X = oracle.edge_image()
    Y = oracle.corr2d(X, oracle.EDGE_KERNEL).float()
    steps, log_every = 12, 4

    def verify(a):
        _, losses = result(a.value, (1, 2), steps)
        if max(losses) - min(losses) > 1e-6 * max(1.0, abs(losses[0])):
            raise Fail("With lr=0 the parameters must not move, so every loss should be the same; learn_kernel "
                       "seems to ignore its lr argument.", "arguments ignored")
        printed = [m.group(1) for line in a.stdout.splitlines() if (m := LOG_LINE.match(line.strip()))]
        if printed != ["4", "8", "12"]:
            raise Fail("With steps=12 and log_every=4 the log should show steps 4, 8 and 12.",
                       "log lines in the wrong format or interval")
    return Trial((call("learn_kernel", X, Y, kernel_size=(1, 2), steps=steps, lr=0.0, log_every=log_every),),
                 verify)
