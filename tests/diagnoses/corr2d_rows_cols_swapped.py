"""corr2d stacks columns where it should stack rows: the output is the right one transposed."""


def corr2d(X, K):
    dtype = torch.promote_types(torch.result_type(X, K), torch.get_default_dtype())
    X, K = X.to(dtype), K.to(dtype)
    h, w = K.shape
    columns = [torch.stack([(X[i:i + h, j:j + w] * K).sum() for i in range(X.shape[0] - h + 1)])
               for j in range(X.shape[1] - w + 1)]
    return torch.stack(columns)
