"""edge_kernel is [[-1, 1]]: the chapter's kernel reversed."""


def edge_kernel():
    return torch.tensor([[-1.0, 1.0]])
