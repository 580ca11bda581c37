"""learn_kernel updates the weight but never the bias."""


def learn_kernel(X, Y, kernel_size=(1, 2), steps=100, lr=0.01, log_every=5):
    model = Conv2D(kernel_size)
    losses = []
    for i in range(1, steps + 1):
        Y_hat = model(X)
        l = ((Y_hat - Y) ** 2).sum()
        l.backward()
        model.weight.data -= lr * model.weight.grad
        pass  # the bias is never updated
        model.weight.grad.zero_()
        model.bias.grad.zero_()
        losses.append(l.item())
        if i % log_every == 0:
            print('Step %d, loss %.3f' % (i, l.item()))
    return model, losses
