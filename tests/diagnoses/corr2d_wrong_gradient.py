"""corr2d has the right values, but a hand-written backward that forgets to scale the input's gradient by K."""


class _Corr2d(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, K):
        ctx.save_for_backward(X, K)
        return torch.nn.functional.conv2d(X[None, None], K[None, None])[0, 0]

    @staticmethod
    def backward(ctx, G):
        X, K = ctx.saved_tensors
        dK = torch.nn.functional.conv2d(X[None, None], G[None, None])[0, 0]
        dX = torch.nn.functional.conv_transpose2d(G[None, None], torch.ones_like(K)[None, None])[0, 0]
        return dX, dK


def corr2d(X, K):
    dtype = torch.promote_types(torch.result_type(X, K), torch.get_default_dtype())
    return _Corr2d.apply(X.to(dtype), K.to(dtype))
