#!/usr/bin/env python3
"""The host's side of the network system tests: peers on 127.0.0.1 only
(the guest reaches them as 10.0.2.2 through QEMU's user network).

  net_peer.py serve DIR STATE   an HTTP server for DIR, a TCP sink (one file
                                STATE/sink-N per connection: "SHA256 BYTES"),
                                a DNS stub (UDP: every A query is answered
                                with 192.0.2.7, AAAA with no address); their
                                ports are written to STATE/{http,sink,dns}_port;
                                runs until killed
  net_peer.py get URL           prints "SHA256 BYTES" of the body
"""
import functools
import hashlib
import http.server
import os
import socket
import socketserver
import sys
import threading
import urllib.request


def write_port(state, name, port):
    tmp = os.path.join(state, name + ".tmp")
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, os.path.join(state, name))


class Sink(socketserver.BaseRequestHandler):
    counter = 0
    lock = threading.Lock()

    def handle(self):
        with Sink.lock:
            Sink.counter += 1
            n = Sink.counter
        h = hashlib.sha256()
        total = 0
        while True:
            data = self.request.recv(65536)
            if not data:
                break
            h.update(data)
            total += len(data)
        path = os.path.join(self.server.state, "sink-%d" % n)
        with open(path + ".tmp", "w") as f:
            f.write("%s %d\n" % (h.hexdigest(), total))
        os.rename(path + ".tmp", path)


class ThreadingTcp(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def dns_reply(query):
    """One answer for a standard query: A -> 192.0.2.7, others: none."""
    if len(query) < 17:
        return None
    end = 12
    while end < len(query) and query[end] != 0:
        end += 1 + query[end]
    end += 1
    if end + 4 > len(query):
        return None
    qtype = int.from_bytes(query[end:end + 2], "big")
    question = query[12:end + 4]
    answers = b""
    if qtype == 1:
        answers = (b"\xc0\x0c" + (1).to_bytes(2, "big") + (1).to_bytes(2, "big") +
                   (60).to_bytes(4, "big") + (4).to_bytes(2, "big") + bytes([192, 0, 2, 7]))
    header = (query[0:2] + b"\x81\x80" + (1).to_bytes(2, "big") +
              (1 if answers else 0).to_bytes(2, "big") + b"\x00\x00\x00\x00")
    return header + question + answers


def serve(directory, state):
    handler = functools.partial(QuietHandler, directory=directory)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    sink = ThreadingTcp(("127.0.0.1", 0), Sink)
    sink.state = state
    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind(("127.0.0.1", 0))
    for server in (httpd, sink):
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def answer():
        while True:
            query, peer = dns.recvfrom(65536)
            reply = dns_reply(query)
            if reply is not None:
                dns.sendto(reply, peer)

    threading.Thread(target=answer, daemon=True).start()
    write_port(state, "http_port", httpd.server_address[1])
    write_port(state, "sink_port", sink.server_address[1])
    write_port(state, "dns_port", dns.getsockname()[1])
    threading.Event().wait()


def get(url):
    with urllib.request.urlopen(url, timeout=120) as r:
        h = hashlib.sha256()
        total = 0
        while True:
            data = r.read(65536)
            if not data:
                break
            h.update(data)
            total += len(data)
    print("%s %d" % (h.hexdigest(), total))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "get":
        get(sys.argv[2])
    else:
        sys.exit(__doc__)
