"""Code that runs inside the sandbox: the fork server (zygote), the probe server (child) and the wire format.

This package is copied on its own into each sandbox; it must never import from the rest of `autograder`, and
nothing in it may know a hidden check or a reference answer.
"""
