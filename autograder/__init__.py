"""convkit: exercises and a sandboxed autograder for the chapter "Convolutions for images"."""
