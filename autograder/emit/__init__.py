"""Output formats. Each is a pure function of one Report (or a list of them) returning text or plain data."""
