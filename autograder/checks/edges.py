"""Edge detection: the chapter's 6×8 image, the kernel [[1, -1]], and the edge map corr2d makes of them."""
from __future__ import annotations

import torch

from ..judge import expect, oracle
from ..judge.check import Part, Trial, call
from ..judge.expect import Fail

part = Part("edges")

# printed by the chapter: 1 where white turns black (column 1), -1 where black turns white (column 5)
CHAPTER_EDGE_MAP = torch.tensor([[0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0]] * 6)


@part.check("edge_image is the chapter's 6×8 image", points=3, visible=True)
def image(g):
    def verify(a):
        X = expect.tensor(a.value, "edge_image()")
        expect.close(X, oracle.edge_image(), what="edge_image()", show=True)
    return Trial((call("edge_image"),), verify)


@part.check("edge_kernel is [[1, -1]]", points=3, visible=True)
def kernel(g):
    def verify(a):
        K = expect.tensor(a.value, "edge_kernel()")
        expect.close(K, oracle.EDGE_KERNEL, what="edge_kernel()", show=True)
    return Trial((call("edge_kernel"),), verify)


@part.check("corr2d of the image with the kernel is the chapter's edge map", points=2, visible=True)
def edge_map(g):
    def verify(a):
        Y = expect.tensor(a.value, "corr2d(X, K)")
        expect.close(Y, CHAPTER_EDGE_MAP, what="corr2d(X, K) on the edge image", show=True)
    return Trial((call("corr2d", oracle.edge_image(), oracle.EDGE_KERNEL),), verify)


@part.check("the kernel marks vertical edges and ignores horizontal ones", points=2, visible=False)
def finds_edges(g):
    # seeded stripe images: random column boundaries (vertical edges) and their transpose (horizontal edges)
    H, W = 6, 10
    columns = (torch.rand(W, generator=g) > 0.5).float()
    vertical = columns.expand(H, W).clone()
    horizontal = torch.rand(H, 1, generator=g).round().expand(H, W).clone()

    def verify(a):
        K = expect.tensor(a.value, "edge_kernel()")
        if tuple(K.shape) != (1, 2):
            raise Fail(f"edge_kernel() has shape {tuple(K.shape)}, expected (1, 2).")
        found = oracle.corr2d(vertical, K)
        want = (vertical[:, :-1] - vertical[:, 1:]).double()
        if not torch.allclose(found, want, atol=1e-6):
            raise Fail("Your kernel does not mark the vertical edges of a striped image with +1 (white to black) "
                       "and -1 (black to white).")
        if not torch.allclose(oracle.corr2d(horizontal, K), torch.zeros(H, W - 1, dtype=torch.float64)):
            raise Fail("Your kernel responds to horizontal edges; [[1, -1]] compares horizontal neighbours only.")
    return Trial((call("edge_kernel"),), verify)
