# on top of the reference (honest, for comparison): corr2d returns zeros of the right shape, and nothing else changes.


def corr2d(X, K):
    h, w = K.shape
    return torch.zeros(X.shape[0] - h + 1, X.shape[1] - w + 1)
