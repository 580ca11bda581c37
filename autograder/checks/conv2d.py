"""Conv2D(kernel_size): weight (kernel_size) and bias (1,) as nn.Parameter; forward = corr2d(x, weight) + bias."""
from __future__ import annotations

import torch

from ..judge import expect, oracle
from ..judge.check import Part, Trial, module
from ..judge.expect import Fail
from ..sandbox.wire import ModuleValue

part = Part("Conv2D", uses=("corr2d",))


def parameters(value, kernel_size: tuple[int, int]) -> dict[str, torch.Tensor]:
    """weight and bias of a decoded Conv2D, checked for name, registration and shape."""
    if not isinstance(value, ModuleValue):
        raise Fail(f"Conv2D({kernel_size}) should build an nn.Module, got {expect.describe(value)}.")
    found = {name: (registered, v) for name, registered, v in value.parameters}
    params = {}
    for name, shape in (("weight", kernel_size), ("bias", (1,))):
        if name not in found:
            raise Fail(f"Conv2D has no `{name}` parameter: the chapter's layer has a weight of shape "
                       f"kernel_size and a bias of shape (1,).", f"{name} missing")
        registered, v = found[name]
        if not registered:
            raise Fail(f"Conv2D.{name} is a plain tensor, not an nn.Parameter, so the layer does not register it "
                       "and nothing would train it.", "parameters not registered as nn.Parameter")
        t = expect.tensor(v, f"Conv2D.{name}")
        if tuple(t.shape) != tuple(shape):
            raise Fail(f"Conv2D({kernel_size}).{name} has shape {tuple(t.shape)}, expected {tuple(shape)}.",
                       f"{name} of the wrong shape")
        params[name] = t
    return params


@part.check("weight and bias are parameters of the chapter's shapes", points=4, visible=True)
def registered(g):
    def verify(a):
        if not a.instances:
            raise Fail("Conv2D((1, 2)) could not be built.")
        parameters(a.instances[0], (1, 2))
    return Trial((module("Conv2D", (1, 2)),), verify)


def _forward_trial(X, weight, bias, *, visible: bool) -> Trial:
    kernel_size = tuple(weight.shape)

    def verify(a):
        parameters(a.instances[0] if a.instances else None, kernel_size)
        Y = expect.tensor(a.output, "Conv2D's forward")
        want = oracle.corr2d(X, weight) + bias
        try:
            expect.close(Y, want, what="Conv2D's forward", show=visible)
        except Fail as failure:
            if Y.shape == want.shape and torch.allclose(Y.double(), want - bias, atol=1e-5):
                raise Fail("Conv2D's forward returns corr2d(x, weight) without adding the bias.",
                           "bias missing") from None
            raise failure
    return Trial((module("Conv2D", kernel_size, params={"weight": weight, "bias": bias}, input=X),), verify)


@part.check("forward is corr2d(x, weight) + bias", points=4, visible=True)
def forward(g):
    return _forward_trial(oracle.edge_image(), oracle.EDGE_KERNEL, torch.tensor([0.5]), visible=True)


@part.check("other kernel sizes and seeded inputs", points=3, visible=False)
def other_sizes(g):
    X = torch.randn(6, 7, generator=g)
    return _forward_trial(X, torch.randn(3, 2, generator=g), torch.randn(1, generator=g), visible=False)


@part.check("gradients reach weight and bias", points=2, visible=False)
def gradients(g):
    X, weight, bias = torch.randn(5, 6, generator=g), torch.randn(2, 2, generator=g), torch.randn(1, generator=g)
    G = torch.randn(4, 5, generator=g)

    def verify(a):
        parameters(a.instances[0] if a.instances else None, (2, 2))     # names the mistake if they are wrong
        grads = a.param_grads or {}
        for name, want in (("weight", oracle.corr2d(X, G)), ("bias", G.double().sum().reshape(1))):
            got = grads.get(name)
            if got is None:
                raise Fail(f"No gradient reaches Conv2D.{name}: is forward built from corr2d(x, self.weight) "
                           "+ self.bias with tensor operations?",
                           "no gradient reaches the kernel" if name == "weight" else "bias missing")
            expect.close(expect.tensor(got, f"the gradient of Conv2D.{name}"), want,
                         what=f"the gradient of Conv2D.{name}", show=False, atol=1e-4)
    return Trial((module("Conv2D", (2, 2), params={"weight": weight, "bias": bias}, input=X, upstream=G),),
                 verify)


@part.check("weights start random", points=2, visible=False)
def random_init(g):
    def verify(a):
        if len(a.instances) != 2:
            raise Fail("Two Conv2D layers could not be built.")
        first, second = (parameters(m, (2, 3))["weight"] for m in a.instances)
        if torch.equal(first, second) or float(first.std()) == 0.0:
            raise Fail("Two fresh Conv2D((2, 3)) layers start with the same, or constant, weights; the chapter "
                       "initialises the kernel randomly (torch.randn).", "weights not random")
    return Trial((module("Conv2D", (2, 3), instances=2),), verify)
