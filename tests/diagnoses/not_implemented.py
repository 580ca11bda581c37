"""corr2d is still the exercise's stub."""


def corr2d(X, K):
    raise NotImplementedError("cast X and K to a floating dtype, then torch.stack the sums")
