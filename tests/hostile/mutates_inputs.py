# on top of the reference: corr2d computes the right answer, then overwrites both of its inputs in place.
_corr2d = corr2d


def corr2d(X, K):
    Y = _corr2d(X, K).detach().clone()
    with torch.no_grad():
        X.zero_()
        K.mul_(2)
    return Y
