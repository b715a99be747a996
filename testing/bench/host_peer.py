"""The host's side of benchsuite's network benchmarks (net_bench.h has the
protocol): a TCP server on 127.0.0.1 only, which the guest reaches through
QEMU's user network as 10.0.2.2:PORT. Each connection starts with one
command line:

  echo                 every byte back (TCP_NODELAY), until EOF
  sink N               read N bytes, answer one byte; again until EOF
  source N             N bytes for every byte read, until EOF
  http COUNT WARMUP    WARMUP + COUNT sequential HTTP/1.0 GETs of /1KiB, each
                       on a new connection, from 127.0.0.1:http_port (the
                       port QEMU forwards to the guest's server); answers
                       "ok NS NS ..." (the COUNT times) or "error TEXT"

bench_runner.py starts one HostPeer for a whole run and sets http_port for
each boot. `python3 host_peer.py HTTP_PORT` runs one alone (prints its port).
"""

import socket
import socketserver
import sys
import threading
import time

HTTP_PATH = "/1KiB"
HTTP_BODY_BYTES = 1024


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        line = b""
        while not line.endswith(b"\n"):
            c = sock.recv(1)
            if not c:
                return
            line += c
            if len(line) > 200:
                return
        words = line.decode("ascii", "replace").split()
        try:
            if words[0] == "echo":
                self.echo(sock)
            elif words[0] == "sink":
                self.sink(sock, int(words[1]))
            elif words[0] == "source":
                self.source(sock, int(words[1]))
            elif words[0] == "http":
                sock.sendall(self.server.peer.http_gets(int(words[1]), int(words[2])).encode() + b"\n")
        except (OSError, IndexError, ValueError):
            pass

    @staticmethod
    def echo(sock):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = sock.recv(65536)
            if not data:
                return
            sock.sendall(data)

    @staticmethod
    def sink(sock, n):
        left = n
        while True:
            data = sock.recv(min(left, 1 << 20))
            if not data:
                return
            left -= len(data)
            if left == 0:
                sock.sendall(b"k")
                left = n

    @staticmethod
    def source(sock, n):
        block = b"\xa5" * n
        while True:
            go = sock.recv(1)
            if not go:
                return
            sock.sendall(block)


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class HostPeer:
    """The peer, serving in a thread from start() to stop()."""

    def __init__(self):
        self.http_port = None
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.peer = self
        self.port = self.server.server_address[1]

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def http_gets(self, count, warmup):
        if self.http_port is None:
            return "error the runner forwarded no host port to the guest's HTTP server"
        times = []
        for i in range(warmup + count):
            try:
                ns = http_get(self.http_port)
            except (OSError, ValueError) as e:
                return f"error GET {i + 1} of {warmup + count}: {e}"
            if i >= warmup:
                times.append(ns)
        return "ok " + " ".join(str(t) for t in times)


def http_get(port, timeout=30.0):
    """One GET of HTTP_PATH from 127.0.0.1:port on a new connection: the
    nanoseconds from connect to the body's last byte. Checks the status and
    the body's length."""
    request = f"GET {HTTP_PATH} HTTP/1.0\r\nHost: 10.0.2.15\r\n\r\n".encode()
    t0 = time.perf_counter_ns()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(request)
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    ns = time.perf_counter_ns() - t0
    response = b"".join(chunks)
    head, _, body = response.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.") or b" 200 " not in head.split(b"\r\n")[0] + b" ":
        raise ValueError("status line " + repr(head.split(b"\r\n")[0][:60]))
    if len(body) != HTTP_BODY_BYTES:
        raise ValueError(f"body of {len(body)} bytes, not {HTTP_BODY_BYTES}")
    return ns


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    peer = HostPeer()
    peer.http_port = int(sys.argv[1])
    print(peer.port, flush=True)
    peer.server.serve_forever()
