# on top of the reference: edge_image has an infinite pixel, convolve2d a NaN in its result.
_convolve2d = convolve2d
_edge_image = edge_image


def edge_image():
    X = _edge_image()
    X[0, 0] = float("inf")
    return X


def convolve2d(X, K):
    Y = _convolve2d(X, K).clone()
    Y.view(-1)[0] = float("nan")
    return Y
