"""Conv2D has no bias at all: forward is corr2d(x, weight)."""


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(kernel_size))

    def forward(self, x):
        return corr2d(x, self.weight)
