"""receptive_field(kernel_sizes) -> (height, width) and receptive_field_region(kernel_sizes, i, j) -> (rows, cols).

Each stride-1 layer with an h×w kernel widens what one output element sees by h - 1 rows and w - 1 columns.
Expected answers come from autograd: the input cells with a nonzero gradient for one output element.
"""
from __future__ import annotations

import torch

from ..judge import expect, oracle
from ..judge.check import Part, Trial, call
from ..judge.expect import Fail

part = Part("receptive_field")


def _size(value, what: str) -> tuple[int, int]:
    if not isinstance(value, (tuple, list)) or len(value) != 2 or not all(type(v) is int for v in value):
        raise Fail(f"{what} should be a pair of ints (height, width), got {expect.describe(value)}.")
    return tuple(value)


def _region(value, what: str) -> tuple[tuple[int, int], tuple[int, int]]:
    if not isinstance(value, (tuple, list)) or len(value) != 2 or not all(isinstance(v, slice) for v in value):
        raise Fail(f"{what} should be a pair of slices (rows, columns), got {expect.describe(value)}.")
    for s in value:
        if s.step not in (None, 1) or s.start is None or s.stop is None:
            raise Fail(f"{what} should be slices with a start, a stop and no step, got {s}.")
    return tuple((s.start, s.stop) for s in value)


def _diagnose_size(got: tuple[int, int], stack) -> None:
    product = (int(torch.tensor([h for h, _ in stack]).prod()), int(torch.tensor([w for _, w in stack]).prod()))
    if got == product and got != oracle_size(stack):
        raise Fail(f"receptive_field({stack}) returned {got}, the product of the kernel sizes; each layer adds "
                   "k - 1 to the size instead.", "sizes multiplied instead of growing by k - 1")


def oracle_size(stack) -> tuple[int, int]:
    shape = (1 + sum(h - 1 for h, _ in stack) + 2, 1 + sum(w - 1 for _, w in stack) + 2)
    rows, cols = oracle.footprint(stack, 0, 0, shape)
    return rows.stop - rows.start, cols.stop - cols.start


def _size_trial(stacks, *, visible: bool) -> Trial:
    def verify(*answers):
        for stack, a in zip(stacks, answers):
            got = _size(a.value, "receptive_field(...)")
            _diagnose_size(got, stack)
            expect.equal(got, oracle_size(stack), what=f"receptive_field({stack})" if visible else
                         f"receptive_field of a stack of {len(stack)} layers", show=visible)
    return Trial(tuple(call("receptive_field", stack) for stack in stacks), verify)


@part.check("one 2×2 layer sees 4 cells", points=3, visible=True)
def one_layer(g):
    return _size_trial([[(2, 2)]], visible=True)


@part.check("two 2×2 layers see the chapter's 9 cells", points=3, visible=True)
def two_layers(g):
    return _size_trial([[(2, 2), (2, 2)]], visible=True)


def _random_stack(g) -> list[tuple[int, int]]:
    depth = int(torch.randint(1, 5, (1,), generator=g))
    return [tuple(int(v) for v in torch.randint(1, 5, (2,), generator=g)) for _ in range(depth)]


def _region_trial(cases, *, visible: bool) -> Trial:
    def verify(*answers):
        for (stack, i, j), a in zip(cases, answers):
            got = _region(a.value, "receptive_field_region(...)")
            size = oracle_size(stack)
            rows, cols = oracle.footprint(stack, i, j, (i + size[0] + 1, j + size[1] + 1))
            want = ((rows.start, rows.stop), (cols.start, cols.stop))
            if got != want:
                shown = f": expected rows {want[0][0]}:{want[0][1]}, columns {want[1][0]}:{want[1][1]}; got rows " \
                        f"{got[0][0]}:{got[0][1]}, columns {got[1][0]}:{got[1][1]}" if visible else ""
                raise Fail(f"The region of output element ({i}, {j}) is misplaced{shown}. Output (i, j) of a "
                           "stride-1 stack starts at input (i, j).", "region misplaced")
    return Trial(tuple(call("receptive_field_region", stack, i, j) for stack, i, j in cases), verify)


@part.check("region of output (0, 0) after two 2×2 layers is the 3×3 corner", points=2, visible=True)
def chapter_region(g):
    return _region_trial([([(2, 2), (2, 2)], 0, 0)], visible=True)


@part.check("random stacks match autograd's footprint", points=4, visible=False)
def random_stacks(g):
    return _size_trial([_random_stack(g) for _ in range(3)], visible=False)


@part.check("regions of random output elements match autograd's footprint", points=3, visible=False)
def random_regions(g):
    cases = [(_random_stack(g), int(torch.randint(0, 5, (1,), generator=g)),
              int(torch.randint(0, 5, (1,), generator=g))) for _ in range(3)]
    return _region_trial(cases, visible=False)
