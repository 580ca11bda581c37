"""convolve2d forgets the flip: it is just cross-correlation."""


def convolve2d(X, K):
    return corr2d(X, K)
