"""corr2d multiplies each window in place: the window is a view, so X itself is overwritten."""


def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1),
                    dtype=torch.promote_types(torch.result_type(X, K), torch.get_default_dtype()))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + h, j:j + w]
            window *= K
            Y[i, j] = window.sum()
    return Y
