"""A stray line that cannot run: importing the file fails, so nothing can be checked."""

print(undefined_name)
