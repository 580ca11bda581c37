"""Host side of running student code: the sandbox command line, the workers, the pool."""
