# on top of the reference: corr2d returns its result with an extra leading dimension, edge_kernel is transposed.
_corr2d = corr2d


def corr2d(X, K):
    return _corr2d(X, K)[None]


def edge_kernel():
    return torch.tensor([[1.0], [-1.0]])
