"""corr2d loops over range(H - h) and range(W - w): the output is one row and one column short."""


def corr2d(X, K):
    dtype = torch.promote_types(torch.result_type(X, K), torch.get_default_dtype())
    X, K = X.to(dtype), K.to(dtype)
    h, w = K.shape
    return torch.stack([torch.stack([(X[i:i + h, j:j + w] * K).sum() for j in range(X.shape[1] - w)])
                        for i in range(X.shape[0] - h)])
