"""corr2d allocates (H - h + 2, W - w + 2) outputs: one row and one column too many, left at zero."""


def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 2, X.shape[1] - w + 2),
                    dtype=torch.promote_types(torch.result_type(X, K), torch.get_default_dtype()))
    for i in range(X.shape[0] - h + 1):
        for j in range(X.shape[1] - w + 1):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
