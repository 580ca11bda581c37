"""learn_kernel(X, Y, kernel_size, steps, lr, log_every): the chapter's training loop, returning (model, losses)."""
from __future__ import annotations

import re

import torch

from ..judge import expect, oracle
from ..judge.check import Part, Trial, call
from ..judge.expect import Fail
from ..sandbox.wire import Tensor
from .conv2d import parameters

part = Part("learn_kernel")
LOG_LINE = re.compile(r"^Step (\d+), loss (-?\d+\.\d{3})$")


def result(value, kernel_size: tuple[int, int], steps: int) -> tuple[dict, list[float]]:
    """(model, losses) as returned, validated: parameters of the right shapes, one finite number per step."""
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
        numbers.append(expect.number(item, "Each loss"))
    if len(numbers) != steps:
        raise Fail(f"learn_kernel returned {len(numbers)} losses for {steps} steps; return the loss of every step.",
                   "arguments ignored")
    return params, numbers


def _learns(X, K, b, *, kernel_size, steps, lr, visible: bool, label: str) -> Trial:
    Y = (oracle.corr2d(X, K) + b).float()

    def verify(a):
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
    return Trial((call("learn_kernel", X, Y.float(), kernel_size=kernel_size, steps=steps, lr=lr, log_every=5),),
                 verify)


@part.check("learns the chapter's kernel [[1, -1]]", points=6, visible=True)
def chapter_kernel(g):
    return _learns(oracle.edge_image(), oracle.EDGE_KERNEL, 0.0, kernel_size=(1, 2), steps=100, lr=0.01,
                   visible=True, label="close to [[1, -1]] with bias 0")


@part.check("prints 'Step %d, loss %.3f' every 5 steps", points=3, visible=True)
def log_lines(g):
    X = oracle.edge_image()
    Y = oracle.corr2d(X, oracle.EDGE_KERNEL).float()

    def verify(a):
        _, losses = result(a.value, (1, 2), 100)
        expected = ["Step %d, loss %.3f" % (i, losses[i - 1]) for i in range(5, 101, 5)]
        printed = [line.rstrip() for line in a.stdout.splitlines() if line.lstrip().startswith("Step")]
        if printed != expected:
            first = next((f"line {n + 1}: expected {e!r}, got {p!r}" for n, (e, p) in enumerate(zip(expected, printed))
                          if e != p), f"expected {len(expected)} lines, got {len(printed)}")
            raise Fail("The training log should print 'Step %d, loss %.3f' after steps 5, 10, ..., 100, with the "
                       f"loss of that step: {first}.", "log lines in the wrong format or interval")
    return Trial((call("learn_kernel", X, Y),), verify)


@part.check("returns one loss per step, decreasing", points=2, visible=True)
def losses_per_step(g):
    X = oracle.edge_image()
    Y = oracle.corr2d(X, oracle.EDGE_KERNEL).float()

    def verify(a):
        _, losses = result(a.value, (1, 2), 100)
        if not losses[-1] < losses[0]:
            raise Fail(f"The loss went from {losses[0]:.4g} to {losses[-1]:.4g}; training should reduce it.",
                       "step in the wrong direction")
    return Trial((call("learn_kernel", X, Y),), verify)


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
        expected = oracle.gradient_descent_losses(A, Y.double().reshape(-1), theta, lr, steps)
        if expected is None:
            raise Fail("The grader could not replay this training run.")
        got = torch.tensor(losses, dtype=torch.float64)
        if not torch.allclose(got, expected, rtol=2e-3, atol=1e-4):
            raise Fail("The losses and the final parameters are not those of plain gradient descent on "
                       "((Y_hat - Y) ** 2).sum() with the given lr: check the sign of the step, that gradients are "
                       "cleared each step, and that the loss is a sum, not a mean.", "not plain gradient descent")
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
