# on top of the reference: edge_kernel dereferences a null pointer (a segmentation fault).
import ctypes


def edge_kernel():
    return ctypes.string_at(0)
