"""Conv2D's weight has a leading channel axis: shape (1, h, w) instead of (h, w)."""


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1, *kernel_size))
        self.bias = nn.Parameter(torch.randn(1))

    def forward(self, x):
        return corr2d(x, self.weight[0]) + self.bias
