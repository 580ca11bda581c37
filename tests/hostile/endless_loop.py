# on top of the reference: receptive_field_region never returns (a CPU-bound endless loop).


def receptive_field_region(kernel_sizes, i, j):
    n = 0
    while True:
        n += 1
