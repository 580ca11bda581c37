"""The reference solution (solutions/conv_layer.py) against the chapter's printed outputs and PyTorch as oracle."""
from __future__ import annotations

import importlib.util
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder import paths

STEP_LINE = re.compile(r"^Step (\d+), loss (\d+\.\d{3})$")


@pytest.fixture(scope="module")
def ref():
    spec = importlib.util.spec_from_file_location("conv_layer_reference", paths.REFERENCE_MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _oracle_corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """PyTorch's conv2d is a cross-correlation: (H, W), (h, w) -> (H - h + 1, W - w + 1)."""
    return F.conv2d(X[None, None], K[None, None])[0, 0]


def _random_case(seed: int, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    H, W = (int(n) for n in torch.randint(3, 9, (2,), generator=g))
    h, w = (int(n) for n in torch.randint(1, 4, (2,), generator=g))
    return torch.randn(H, W, generator=g, dtype=dtype), torch.randn(h, w, generator=g, dtype=dtype)


# corr2d


def test_corr2d_chapter_example(ref):
    """Does corr2d give the chapter's printed [[19., 25.], [37., 43.]], as floats, for its integer example?"""
    X = torch.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    K = torch.tensor([[0, 1], [2, 3]])
    Y = ref.corr2d(X, K)
    assert Y.dtype == torch.float32
    assert torch.equal(Y, torch.tensor([[19.0, 25.0], [37.0, 43.0]]))


def test_corr2d_keeps_float64(ref):
    """Does float64 in give float64 out (no silent cast to float32)?"""
    X, K = _random_case(0, torch.float64)
    assert ref.corr2d(X, K).dtype == torch.float64


@pytest.mark.parametrize("seed", range(8))
def test_corr2d_shape_and_values_match_conv2d(ref, seed):
    """Is the output (H - h + 1, W - w + 1) and equal to torch.nn.functional.conv2d on random inputs?"""
    X, K = _random_case(seed)
    Y = ref.corr2d(X, K)
    assert Y.shape == (X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1)
    torch.testing.assert_close(Y, _oracle_corr2d(X, K))


def test_corr2d_gradients_reach_X_and_K(ref):
    """Do gradients flow to both X and K, and agree with finite differences (gradcheck, float64)?"""
    X, K = _random_case(1)
    X.requires_grad_()
    K.requires_grad_()
    assert torch.autograd.gradcheck(ref.corr2d, (X, K))


@pytest.mark.parametrize("dtype", [torch.int64, torch.float32, torch.float64])
def test_corr2d_does_not_modify_inputs(ref, dtype):
    """Are X and K left exactly as they were?"""
    X, K = ((5 * t).to(dtype) for t in _random_case(2, torch.float64))
    X_before, K_before = X.clone(), K.clone()
    ref.corr2d(X, K)
    assert torch.equal(X, X_before) and torch.equal(K, K_before)


# Conv2D


def test_conv2d_parameters(ref):
    """Does Conv2D hold exactly a weight of shape kernel_size and a bias of shape (1,), both nn.Parameter?"""
    layer = ref.Conv2D((2, 3))
    params = dict(layer.named_parameters())
    assert list(params) == ["weight", "bias"]
    assert isinstance(layer.weight, nn.Parameter) and isinstance(layer.bias, nn.Parameter)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (1,)


def test_conv2d_draws_weight_then_bias(ref):
    """Are weight and then bias drawn from torch.randn, in that order, like the chapter?"""
    torch.manual_seed(3)
    layer = ref.Conv2D((1, 2))
    torch.manual_seed(3)
    weight, bias = torch.randn(1, 2), torch.randn(1)
    assert torch.equal(layer.weight.data, weight) and torch.equal(layer.bias.data, bias)


def test_conv2d_forward_is_corr2d_plus_bias(ref):
    """Is forward(x) = corr2d(x, weight) + bias?"""
    torch.manual_seed(4)
    layer = ref.Conv2D((2, 2))
    x = torch.randn(5, 6)
    torch.testing.assert_close(layer(x), _oracle_corr2d(x, layer.weight.detach()) + layer.bias.detach())


# Edge detection


def test_edge_image(ref):
    """Is the chapter's image 6 x 8 float32 ones with columns 2..5 black?"""
    X = ref.edge_image()
    assert X.dtype == torch.float32 and X.shape == (6, 8)
    expected = torch.ones(6, 8)
    expected[:, 2:6] = 0
    assert torch.equal(X, expected)


def test_edge_kernel(ref):
    """Is the chapter's kernel [[1., -1.]]?"""
    assert torch.equal(ref.edge_kernel(), torch.tensor([[1.0, -1.0]]))


def test_edge_detection_matches_chapter(ref):
    """Does corr2d(image, kernel) print the chapter's (6, 7) matrix: 1 in column 1, -1 in column 5, else 0?"""
    Y = ref.corr2d(ref.edge_image(), ref.edge_kernel())
    row = [0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0]
    assert torch.equal(Y, torch.tensor([row] * 6))


# Learning a kernel


def _edge_data(ref):
    X = ref.edge_image()
    return X, ref.corr2d(X, ref.edge_kernel())


def test_learn_kernel_log_matches_losses(ref, capsys):
    """Does learn_kernel print the chapter's 20 'Step i, loss l' lines, each l the returned loss of step i?"""
    torch.manual_seed(0)
    _, losses = ref.learn_kernel(*_edge_data(ref))
    lines = capsys.readouterr().out.splitlines()
    assert len(losses) == 100 and all(type(loss) is float for loss in losses)
    assert len(lines) == 20
    for line, step in zip(lines, range(5, 101, 5)):
        match = STEP_LINE.match(line)
        assert match, line
        assert int(match.group(1)) == step
        assert match.group(2) == "%.3f" % losses[step - 1]


def test_learn_kernel_losses_are_before_each_update(ref, capsys):
    """Is losses[0] the loss of the freshly drawn layer, i.e. computed before the first update?"""
    X, Y = _edge_data(ref)
    torch.manual_seed(5)
    start = ref.Conv2D((1, 2))
    torch.manual_seed(5)
    _, losses = ref.learn_kernel(X, Y, steps=1)
    expected = ((_oracle_corr2d(X, start.weight.detach()) + start.bias.detach() - Y) ** 2).sum().item()
    assert losses == [pytest.approx(expected)]
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("seed", range(10))
def test_learn_kernel_recovers_edge_kernel(ref, seed, capsys):
    """From any random start, do 100 steps learn weight ~ [[1, -1]] and bias ~ 0, with loss below 1e-3?"""
    torch.manual_seed(seed)
    model, losses = ref.learn_kernel(*_edge_data(ref))
    torch.testing.assert_close(model.weight.detach(), torch.tensor([[1.0, -1.0]]), rtol=0, atol=1e-2)
    torch.testing.assert_close(model.bias.detach(), torch.zeros(1), rtol=0, atol=1e-2)
    assert losses[-1] < 1e-3


@pytest.mark.parametrize("seed", range(5))
def test_learn_kernel_other_kernel_size(ref, seed, capsys):
    """Does a (2, 2) kernel on a zero-mean 6 x 6 input converge too (lr 0.02: below 2 / the largest curvature)?"""
    g = torch.Generator().manual_seed(100)
    X, K = torch.randn(6, 6, generator=g), torch.randn(2, 2, generator=g)
    torch.manual_seed(seed)
    model, losses = ref.learn_kernel(X, _oracle_corr2d(X, K), kernel_size=(2, 2), steps=100, lr=0.02, log_every=50)
    torch.testing.assert_close(model.weight.detach(), K, rtol=0, atol=1e-2)
    assert abs(model.bias.item()) < 1e-2
    assert losses[-1] < 1e-3
    assert len(capsys.readouterr().out.splitlines()) == 2


# Convolution


@pytest.mark.parametrize("seed", range(5))
def test_convolve2d_is_corr2d_with_flipped_kernel(ref, seed):
    """Is convolve2d(X, K) = corr2d(X, K flipped on both axes)?"""
    X, K = _random_case(seed)
    torch.testing.assert_close(ref.convolve2d(X, K), ref.corr2d(X, torch.flip(K, (0, 1))))


@pytest.mark.parametrize("seed", range(5))
def test_convolve2d_matches_textbook_definition(ref, seed):
    """Does convolve2d give Y[i, j] = Σ_a Σ_b X[i + a, j + b] K[h - 1 - a, w - 1 - b] (conv2d on the flipped K)?"""
    X, K = _random_case(10 + seed)
    h, w = K.shape
    flipped = torch.stack([torch.stack([K[h - 1 - a, w - 1 - b] for b in range(w)]) for a in range(h)])
    torch.testing.assert_close(ref.convolve2d(X, K), _oracle_corr2d(X, flipped))


def test_convolve2d_flips_the_edge_detector(ref):
    """With the same asymmetric kernel [[1, -1]], does convolution find the chapter's edges with opposite signs?"""
    X = ref.edge_image()
    assert torch.equal(ref.convolve2d(X, ref.edge_kernel()), -ref.corr2d(X, ref.edge_kernel()))


# Receptive fields


def test_receptive_field_chapter_examples(ref):
    """Does one 2 x 2 layer see 4 input cells, two stacked 2 x 2 layers 9, and no layer 1?"""
    assert ref.receptive_field([(2, 2)]) == (2, 2)
    assert ref.receptive_field([(2, 2), (2, 2)]) == (3, 3)
    assert ref.receptive_field([]) == (1, 1)


def _autograd_footprint(kernel_sizes, shape, i, j) -> torch.Tensor:
    """Boolean mask (H, W) of the inputs with a nonzero gradient for output (i, j) of all-ones conv layers."""
    x = torch.ones(1, 1, *shape, dtype=torch.float64, requires_grad=True)
    out = x
    for h, w in kernel_sizes:
        out = F.conv2d(out, torch.ones(1, 1, h, w, dtype=torch.float64))
    out[0, 0, i, j].backward()
    return x.grad[0, 0] != 0


@pytest.mark.parametrize("seed", range(10))
def test_receptive_field_region_matches_autograd(ref, seed):
    """For a random stack, is receptive_field_region exactly the inputs autograd says output (i, j) depends on?"""
    g = torch.Generator().manual_seed(seed)
    depth = int(torch.randint(0, 4, (), generator=g))
    kernel_sizes = [tuple(int(n) for n in torch.randint(1, 4, (2,), generator=g)) for _ in range(depth)]
    rh, rw = ref.receptive_field(kernel_sizes)
    shape = (rh + 3, rw + 4)
    i, j = int(torch.randint(0, 4, (), generator=g)), int(torch.randint(0, 5, (), generator=g))
    expected = torch.zeros(shape, dtype=torch.bool)
    expected[ref.receptive_field_region(kernel_sizes, i, j)] = True
    assert ref.receptive_field_region(kernel_sizes, i, j) == (slice(i, i + rh), slice(j, j + rw))
    assert torch.equal(_autograd_footprint(kernel_sizes, shape, i, j), expected)
