"""Code that runs inside the sandbox: the fork server (zygote), the probe server (child) and the wire format.

This package is copied on its own into each sandbox; it must never import from the rest of `autograder`, and
nothing in it may know a hidden check. The one piece of reference code it carries is prerequisites.py: corr2d and
Conv2D written with torch.nn.functional.conv2d, lent to the parts that build on them (student code can read it,
and gains nothing it could not get from conv2d itself).
"""
