# on top of the reference: edge_image recurses without end.


def edge_image():
    return edge_image() + 1
