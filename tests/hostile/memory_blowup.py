# on top of the reference: edge_image allocates until memory runs out; edge_kernel asks torch for 16 GB.


def edge_image():
    blocks = []
    while True:
        blocks.append(bytearray(64 * 1024 * 1024))


def edge_kernel():
    return torch.ones(1 << 32)
