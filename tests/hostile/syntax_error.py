# a whole file that is not Python.
import torch

def corr2d(X, K)
    return X
