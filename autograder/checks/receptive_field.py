"""receptive_field(kernel_sizes) -> (height, width) and receptive_field_region(kernel_sizes, i, j) -> (rows, cols).

Each stride-1 layer with an h×w kernel widens what one output element sees by h - 1 rows and w - 1 columns.
Expected answers come from autograd: the input cells with a nonzero gradient for one output element.
"""
from __future__ import annotations

import torch

from ..judge import expect, observe, oracle
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
        if s.step not in (None, 1) or type(s.start) is not int or type(s.stop) is not int:
            raise Fail(f"{what} should be slices with a start, a stop and no step, got {s}.")
    return tuple((s.start, s.stop) for s in value)


def _diagnose_size(got: tuple[int, int], stack, *, visible: bool) -> None:
    product = (int(torch.tensor([h for h, _ in stack]).prod()), int(torch.tensor([w for _, w in stack]).prod()))
    if got == product and got != oracle_size(stack):
        said = f"receptive_field({stack}) returned {got}, the product" if visible else \
            "For a seeded stack of layers, receptive_field returned the product"
        raise Fail(f"{said} of the kernel sizes; each layer adds k - 1 to the size instead: two 2×2 "
                   "layers see 1 + 1 + 1 = 3 rows and columns (the chapter's 9 cells), not 2 × 2 = 4.",
                   "sizes multiplied instead of growing by k - 1")


def oracle_size(stack) -> tuple[int, int]:
    shape = (1 + sum(h - 1 for h, _ in stack) + 2, 1 + sum(w - 1 for _, w in stack) + 2)
    rows, cols = oracle.footprint(stack, 0, 0, shape)
    return rows.stop - rows.start, cols.stop - cols.start


def _size_trial(stacks, *, visible: bool) -> Trial:
    def verify(*answers):
        for stack, a in zip(stacks, answers):
            got = _size(a.value, "receptive_field(...)")
            _diagnose_size(got, stack, visible=visible)
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


def expected_region(stack, i: int, j: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """((first row, stop), (first column, stop)) of the input cells output (i, j) depends on, by autograd."""
    size = oracle_size(stack)
    rows, cols = oracle.footprint(stack, i, j, (i + size[0] + 1, j + size[1] + 1))
    return (rows.start, rows.stop), (cols.start, cols.stop)


def _span(region) -> str:
    (r0, r1), (c0, c1) = region
    return f"rows {r0}:{r1}, columns {c0}:{c1}"


def _region_failure(stack, i: int, j: int, got, want, *, visible: bool) -> Fail:
    """What is wrong with a region, naming the mistake; hidden stacks and elements are never quoted."""
    size = tuple(b - a for a, b in got)
    product = (int(torch.tensor([h for h, _ in stack]).prod()), int(torch.tensor([w for _, w in stack]).prod()))
    if size == product and size != oracle_size(stack):
        diagnosis, why = ("sizes multiplied instead of growing by k - 1",
                          "Its size is the product of the kernel sizes; each layer adds k - 1 instead.")
    elif size == tuple(b - a for a, b in want):
        diagnosis, why = "region misplaced", "It has the right size but starts in the wrong place."
    else:
        diagnosis, why = "", "Its size is not the receptive field's."
    example = expected_region([(2, 2), (2, 2)], 1, 2)
    where = (f"The region of output element ({i}, {j}) after layers {stack} should be {_span(want)}; yours is "
             f"{_span(got)}." if visible else "The region of an output element of a seeded stack of layers is wrong.")
    return Fail(f"{where} {why} Output (i, j) of a stride-1 stack sees X[i:i + rh, j:j + rw], with (rh, rw) from "
                f"receptive_field: after two 2×2 layers, output (1, 2) sees {_span(example)}.", diagnosis)


def _region_trial(cases, *, visible: bool, keep=None) -> Trial:
    def verify(*answers):
        for (stack, i, j), a in zip(cases, answers):
            got = _region(a.value, "receptive_field_region(...)")
            want = expected_region(stack, i, j)
            if got != want:
                raise _region_failure(stack, i, j, got, want, visible=visible)
    return Trial(tuple(call("receptive_field_region", stack, i, j) for stack, i, j in cases), verify, keep)


@part.check("regions after two 2×2 layers: the 3×3 corner for output (0, 0), X[1:4, 2:5] for (1, 2)", points=2,
            visible=True)
def chapter_region(g):
    stack = [(2, 2), (2, 2)]

    def keep(corner, a):        # drawn on the input grid in the feedback page
        try:
            got = [list(pair) for pair in _region(a.value, "")]
        except Fail:
            got = None
        return {"receptive_field": {"kernel_sizes": stack, "element": [1, 2], "input_shape": [5, 6], "region": got,
                                    "expected": [list(pair) for pair in expected_region(stack, 1, 2)]}}
    return _region_trial([(stack, 0, 0), (stack, 1, 2)], visible=True, keep=keep)


@part.check("random stacks match autograd's footprint", points=4, visible=False)
def random_stacks(g):
    return _size_trial([_random_stack(g) for _ in range(3)], visible=False)


@part.check("regions of random output elements match autograd's footprint", points=3, visible=False)
def random_regions(g):
    cases = [(_random_stack(g), int(torch.randint(0, 5, (1,), generator=g)),
              int(torch.randint(0, 5, (1,), generator=g))) for _ in range(3)]
    return _region_trial(cases, visible=False)
