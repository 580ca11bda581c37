"""corr2d flips the kernel on both axes first: that is convolution, not cross-correlation."""


def corr2d(X, K):
    K = torch.flip(K, (0, 1))
    dtype = torch.promote_types(torch.result_type(X, K), torch.get_default_dtype())
    X, K = X.to(dtype), K.to(dtype)
    h, w = K.shape
    return torch.stack([torch.stack([(X[i:i + h, j:j + w] * K).sum() for j in range(X.shape[1] - w + 1)])
                        for i in range(X.shape[0] - h + 1)])
