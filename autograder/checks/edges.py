"""Edge detection: the chapter's 6×8 image, the kernel [[1, -1]], and the edge map they make.

The edge map is computed here, by the oracle, from the image and kernel the student returns: corr2d itself is
graded in its own part, so a wrong corr2d is not charged again.
"""
from __future__ import annotations

import torch

from ..judge import expect, observe, oracle
from ..judge.check import Part, Trial, call
from ..judge.expect import Fail

part = Part("edges")

# printed by the chapter: 1 where white turns black (column 1), -1 where black turns white (column 5)
CHAPTER_EDGE_MAP = torch.tensor([[0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0]] * 6)


@part.check("edge_image is the chapter's 6×8 image", points=3, visible=True)
def image(g):
    def verify(a):
        X = expect.tensor(a.value, "edge_image()")
        if X.shape == (6, 8) and torch.equal(X.double(), 1 - oracle.edge_image().double()):
            raise Fail("edge_image() has black and white swapped: the chapter's image is white (1) with black (0) "
                       "columns 2 to 5, i.e. torch.ones(6, 8) with X[:, 2:6] = 0.", "black and white swapped")
        expect.close(X, oracle.edge_image(), what="edge_image()", show=True)

    def keep(a):
        return {"edge_image": observe.matrix(a.value)}
    return Trial((call("edge_image"),), verify, keep)


@part.check("edge_kernel is [[1, -1]]", points=3, visible=True)
def kernel(g):
    def verify(a):
        K = expect.tensor(a.value, "edge_kernel()")
        if K.shape == (1, 2) and torch.equal(K.double(), -oracle.EDGE_KERNEL.double()):
            raise Fail("edge_kernel() is [[-1, 1]], the chapter's kernel reversed: it marks white-to-black edges "
                       "with -1. The chapter's kernel is [[1, -1]].", "kernel reversed")
        expect.close(K, oracle.EDGE_KERNEL, what="edge_kernel()", show=True)
    return Trial((call("edge_kernel"),), verify)


@part.check("your image and kernel give the chapter's edge map", points=2, visible=True)
def edge_map(g):
    def verify(image, kernel):
        X = expect.tensor(image.value, "edge_image()")
        K = expect.tensor(kernel.value, "edge_kernel()")
        if X.dim() != 2 or K.dim() != 2 or any(k > x for k, x in zip(K.shape, X.shape)):
            raise Fail(f"No edge map: edge_image() has shape {tuple(X.shape)} and edge_kernel() has shape "
                       f"{tuple(K.shape)}; expected (6, 8) and (1, 2).")
        Y = oracle.corr2d(X, K)
        if Y.shape == CHAPTER_EDGE_MAP.shape and torch.allclose(Y, -CHAPTER_EDGE_MAP.double()):
            raise Fail("Cross-correlating your image with your kernel gives the chapter's edge map with the signs "
                       "reversed (-1 where white turns black): the image's colours or the kernel are reversed.",
                       "edge map reversed")
        expect.close(Y, CHAPTER_EDGE_MAP, what="the edge map of your edge_image() and edge_kernel() (cross-"
                     "correlated by the grader)", show=True)

    def keep(image, kernel):
        return {"edge_map_expected": CHAPTER_EDGE_MAP.tolist()}
    return Trial((call("edge_image"), call("edge_kernel")), verify, keep)


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
        if torch.equal(K.double(), -oracle.EDGE_KERNEL.double()):
            raise Fail("edge_kernel() is [[-1, 1]]: it marks white-to-black edges with -1 and black-to-white ones "
                       "with +1, the opposite of the chapter's [[1, -1]].", "kernel reversed")
        found = oracle.corr2d(vertical, K)
        want = (vertical[:, :-1] - vertical[:, 1:]).double()
        if not torch.allclose(found, want, atol=1e-6):
            raise Fail("Your kernel does not mark the vertical edges of a striped image with +1 (white to black) "
                       "and -1 (black to white).")
        if not torch.allclose(oracle.corr2d(horizontal, K), torch.zeros(H, W - 1, dtype=torch.float64)):
            raise Fail("Your kernel responds to horizontal edges; [[1, -1]] compares horizontal neighbours only.")
    return Trial((call("edge_kernel"),), verify)
