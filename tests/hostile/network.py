# on top of the reference: at import it tries the network — a TCP connection to a port on this machine (the test
# listens there), an outside address, a DNS lookup, UDP — and edge_kernel reports what got through.
import socket

PORT = 0                                        # replaced by the test with the port it listens on
REACHED = []
for _what, _try in (
        ("local tcp", lambda: socket.create_connection(("127.0.0.1", PORT), timeout=2).close()),
        ("outside tcp", lambda: socket.create_connection(("1.1.1.1", 53), timeout=2).close()),
        ("dns", lambda: socket.getaddrinfo("example.com", 80)),
        ("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("8.8.8.8", 53)))):
    try:
        _try()
        REACHED.append(_what)
    except OSError:
        pass


def edge_kernel():
    raise RuntimeError(f"network reached: {REACHED}")
