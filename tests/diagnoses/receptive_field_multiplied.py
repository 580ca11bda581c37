"""receptive_field multiplies the kernel sizes instead of adding k - 1 per layer."""


def receptive_field(kernel_sizes):
    rh, rw = 1, 1
    for h, w in kernel_sizes:
        rh, rw = rh * h, rw * w
    return rh, rw
