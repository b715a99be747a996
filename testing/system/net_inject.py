#!/usr/bin/env python3
"""The host's end of net_inject_test (issue 12): a wire to one Tessera guest
that sends it malformed frames and checks it stays alive.

The harness listens on a unix stream socket that the guest's virtio-net NIC
connects to (run_qemu.sh --net stream:PATH; QEMU's -netdev stream puts each
frame behind its length as a 4-byte big-endian integer). It plays 10.0.9.1
with its own MAC; the guest is 10.0.9.2 (the test types the ifconfig).

  net_inject.py --socket PATH --serial RAW --console FIFO --ready FILE
                --out DIR [--frames N] [--probe-every N] [--burst N]
                [--seed N] [--dhcp-frames N]

  - Until FILE exists (the guest's shell has run ifconfig and httpd), DHCP
    replies with the transaction id the guest's own DHCP client uses and
    options that run past the packet (at most --dhcp-frames of them).
  - Then N frames (default 1,000,000) in bursts, a seeded mix of the kinds
    in GENERATORS (runts, oversize frames, random EtherTypes, 802.1Q, bad
    ARP, bad IPv4 headers and options, fragments, TCP and UDP with bad
    lengths and options, every TCP flag combination, SYN floods, ICMP of
    every type, IPv6 with bad lengths, extension-header chains, ND options
    of length 0, IGMP) and some well-formed frames; most carry correct
    checksums so they reach deep into the stack.
  - Every --probe-every frames the liveness probes (ARP, ICMP echo, TCP SYN
    to port 80, answered with RST): each needs nothing from the guest but
    its stack. After every burst the serial log is read: an lwIP assertion,
    a crash or a restart of net_server or virtio_net is recorded, the last
    bursts are saved as a pcap in DIR, and after a restart of the server
    (which forgets the static address) the harness types the ifconfig and
    httpd again at the console.
  - At the end (after up to 90 s for half-open connections to time out),
    five rounds of all three probes; every one must succeed.

What the runs showed (December 2026, 1,000,000 frames, ~7 min): no crash,
no assertion, no restart; the guest keeps up with what this script sends
(~60,000 frames/s between probe rounds; ARP answers within a few ms right
after a 20,000-frame burst). The TCP probe misses about half its first tries:
lwIP 2.1.3 counts half-open connections against the listener's backlog
(tcp_in.c, tcp_listen_input: accepts_pending), busybox httpd's listen(9)
gives 10, and the SYNs among the mix's flag combinations fill it until
lwIP drops them (SYN_RCVD, 20 s); the probe rounds then wait. Frames of
length 0 are not sent: QEMU 7.2 wedges the NIC's receive path on one
(--empty-frame-check shows it).

DIR gets summary.txt (key=value lines the test checks) and, for each
incident, incident-K.pcap (the bursts before it) and incident-K.txt (the
serial lines). Exit status 0 when the final probes all succeeded.
"""
import argparse
import collections
import os
import random
import re
import socket
import struct
import sys
import threading
import time

GUEST_IP = bytes([10, 0, 9, 2])
HOST_IP = bytes([10, 0, 9, 1])
HOST_MAC = bytes([0x02, 0x00, 0x00, 0x00, 0x09, 0x01])
BROADCAST = b"\xff" * 6
DEFAULT_GUEST_MAC = bytes([0x52, 0x54, 0x00, 0x12, 0x34, 0x57])
ETH_IPV4, ETH_ARP, ETH_IPV6, ETH_VLAN, ETH_QINQ = 0x0800, 0x0806, 0x86DD, 0x8100, 0x88A8
HTTP_PORT = 80
# The driver's receive buffers are 2048 bytes with the 12-byte virtio header
# in front (drivers/virtio_net/README.md); QEMU's stream netdev takes
# frames up to 69,632 bytes and closes the connection for longer ones.
DRIVER_FRAME_ROOM = 2048 - 12
STREAM_LIMIT = 65535
RECONFIGURE = "ifconfig eth0 10.0.9.2 netmask 255.255.255.0 up; killall httpd 2>/dev/null; httpd -p 80 -h /www; echo @@reconfigured@@"


# ---- Checksums (RFC 1071) ---------------------------------------------------
def csum(data):
    """The Internet checksum of data: the one's complement of the one's
    complement sum of its 16-bit big-endian words (odd length: padded)."""
    if len(data) & 1:
        data += b"\0"
    value = int.from_bytes(data, "big")
    total = value % 0xFFFF
    if total == 0 and value != 0:
        total = 0xFFFF
    return (~total) & 0xFFFF


def pseudo4(src, dst, proto, length):
    return src + dst + struct.pack("!BBH", 0, proto, length)


def pseudo6(src, dst, proto, length):
    return src + dst + struct.pack("!IxxxB", length, proto)


# ---- Builders -----------------------------------------------------------------
def eth(dst, src, ethertype, payload):
    return dst + src + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, ident=0, frag=0, ttl=64, options=b"", tos=0,
         version=4, ihl=None, total=None, good_sum=True):
    """An IPv4 header (RFC 791 §3.1) before payload; ihl/total override the
    computed fields, good_sum=False spoils the header checksum."""
    hlen = 20 + len(options)
    if ihl is None:
        ihl = hlen // 4
    if total is None:
        total = hlen + len(payload)
    header = struct.pack("!BBHHHBBH4s4s", (version << 4) | (ihl & 15), tos, total & 0xFFFF,
                         ident, frag, ttl, proto, 0, src, dst) + options
    s = csum(header[:max(20, min(len(header), (ihl & 15) * 4))])
    if not good_sum:
        s ^= 1 + random.getrandbits(15)
    return header[:10] + struct.pack("!H", s) + header[12:] + payload


def tcp(src, dst, sport, dport, seq, ack, flags, window=8192, options=b"", payload=b"",
        offset=None, good_sum=True, urg=0):
    """A TCP segment (RFC 9293 §3.1) with its checksum over the IPv4 pseudo-header."""
    if offset is None:
        offset = (20 + len(options)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      (offset & 15) << 4, flags & 0xFF, window, 0, urg) + options + payload
    s = csum(pseudo4(src, dst, 6, len(seg)) + seg)
    if not good_sum:
        s ^= 0x5A5A
    return seg[:16] + struct.pack("!H", s) + seg[18:]


def udp(src, dst, sport, dport, payload, length=None, good_sum=True, pseudo=pseudo4):
    if length is None:
        length = 8 + len(payload)
    dgram = struct.pack("!HHHH", sport, dport, length & 0xFFFF, 0) + payload
    s = csum(pseudo(src, dst, 17, len(dgram)) + dgram) or 0xFFFF
    if not good_sum:
        s ^= 0x0F0F
    return dgram[:6] + struct.pack("!H", s) + dgram[8:]


def icmp(kind, code, rest, good_sum=True):
    msg = struct.pack("!BBH", kind, code, 0) + rest
    s = csum(msg)
    if not good_sum:
        s ^= 0x1111
    return msg[:2] + struct.pack("!H", s) + msg[4:]


def icmp6(src, dst, kind, code, rest, good_sum=True):
    msg = struct.pack("!BBH", kind, code, 0) + rest
    s = csum(pseudo6(src, dst, 58, len(msg)) + msg)
    if not good_sum:
        s ^= 0x2222
    return msg[:2] + struct.pack("!H", s) + msg[4:]


def ipv6(src, dst, next_header, payload, hop=255, plen=None):
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB", 6 << 28, plen & 0xFFFF, next_header, hop) + src + dst + payload


def arp(op, sha, spa, tha, tpa, htype=1, ptype=ETH_IPV4, hlen=6, plen=4):
    return struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + sha + spa + tha + tpa


# ---- The wire -------------------------------------------------------------------
class Wire:
    """The accepted stream connection: frames out from one thread (the
    caller's), frames in on a reader thread that hands the ones a probe
    waits for to it, answers ARP for HOST_IP (through `pending`, sent by the
    sending thread) and learns the guest's MAC and DHCP transaction id."""

    def __init__(self, conn):
        self.conn = conn
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.waiters = []  # (predicate, list to append the match to)
        self.pending = collections.deque()
        self.guest_mac = None
        self.dhcp_xid = None
        self.rx_frames = 0
        self.closed = False
        threading.Thread(target=self._reader, daemon=True).start()

    def send(self, frames):
        while self.pending:
            frames.append(self.pending.popleft())
        out = b"".join(struct.pack("!I", len(f)) + f for f in frames)
        if self.closed:
            return
        try:
            self.conn.sendall(out)
        except OSError:
            with self.lock:
                self.closed = True
                self.cond.notify_all()

    def _reader(self):
        buf = b""
        try:
            while True:
                chunk = self.conn.recv(1 << 20)
                if not chunk:
                    break
                buf += chunk
                at = 0
                while len(buf) - at >= 4:
                    (n,) = struct.unpack_from("!I", buf, at)
                    if len(buf) - at - 4 < n:
                        break
                    self._frame(buf[at + 4:at + 4 + n])
                    at += 4 + n
                buf = buf[at:]
        except OSError:
            pass
        with self.lock:
            self.closed = True
            self.cond.notify_all()

    def _frame(self, f):
        self.rx_frames += 1
        if len(f) < 14:
            return
        (ethertype,) = struct.unpack_from("!H", f, 12)
        if self.guest_mac is None and f[6] & 1 == 0:
            self.guest_mac = f[6:12]
        if ethertype == ETH_ARP and len(f) >= 42:
            op = struct.unpack_from("!H", f, 20)[0]
            if op == 1 and f[38:42] == HOST_IP:
                self.pending.append(eth(f[22:28], HOST_MAC, ETH_ARP,
                                        arp(2, HOST_MAC, HOST_IP, f[22:28], f[28:32])))
        elif ethertype == ETH_IPV4 and len(f) >= 14 + 28 + 240 and f[23] == 17:
            ihl = (f[14] & 15) * 4
            sport, dport = struct.unpack_from("!HH", f, 14 + ihl)
            if sport == 68 and dport == 67:
                self.dhcp_xid = f[14 + ihl + 8 + 4:14 + ihl + 8 + 8]
        if self.waiters:
            with self.lock:
                for predicate, got in self.waiters:
                    if not got and predicate(f):
                        got.append(f)
                        self.cond.notify_all()

    def exchange(self, frame, predicate, timeout):
        """Sends frame and waits up to timeout seconds for a received frame
        that satisfies predicate; returns it or None."""
        got = []
        with self.lock:
            self.waiters.append((predicate, got))
        try:
            self.send([frame])
            deadline = time.monotonic() + timeout
            with self.lock:
                while not got and not self.closed:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self.cond.wait(min(left, 0.05))
                    if self.pending:
                        self.lock.release()
                        try:
                            self.send([])
                        finally:
                            self.lock.acquire()
            return got[0] if got else None
        finally:
            with self.lock:
                self.waiters.remove((predicate, got))


# ---- Liveness probes -------------------------------------------------------------
def probe_arp(wire, guest_mac, timeout=2.0):
    """ARP request for GUEST_IP from HOST_IP: a reply with the guest's MAC."""
    req = eth(BROADCAST, HOST_MAC, ETH_ARP, arp(1, HOST_MAC, HOST_IP, b"\0" * 6, GUEST_IP))

    def is_reply(f):
        return (len(f) >= 42 and f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02" and
                f[28:32] == GUEST_IP and f[38:42] == HOST_IP and f[22:28] == guest_mac)

    return wire.exchange(req, is_reply, timeout) is not None


def probe_icmp(wire, guest_mac, seq, timeout=2.0):
    """ICMP echo request: an echo reply with the same id, sequence and data
    whose IPv4 and ICMP checksums are right."""
    ident = 0x7E55
    data = b"tessera-inject-" + struct.pack("!I", seq) + bytes(range(32))
    req = eth(guest_mac, HOST_MAC, ETH_IPV4,
              ipv4(HOST_IP, GUEST_IP, 1, icmp(8, 0, struct.pack("!HH", ident, seq & 0xFFFF) + data),
                   ident=seq & 0xFFFF))

    def is_reply(f):
        if len(f) < 34 or f[12:14] != b"\x08\x00" or f[23] != 1 or f[26:30] != GUEST_IP:
            return False
        ihl = (f[14] & 15) * 4
        total = struct.unpack_from("!H", f, 16)[0]
        msg = f[14 + ihl:14 + total]
        return (csum(f[14:14 + ihl]) == 0 and csum(msg) == 0 and msg[:1] == b"\0" and
                msg[4:8] == struct.pack("!HH", ident, seq & 0xFFFF) and msg[8:] == data)

    return wire.exchange(req, is_reply, timeout) is not None


def probe_tcp(wire, guest_mac, sport, timeout=2.0):
    """SYN to port 80: a SYN|ACK acknowledging it (right checksum), then RST."""
    isn = random.getrandbits(32)
    syn = eth(guest_mac, HOST_MAC, ETH_IPV4,
              ipv4(HOST_IP, GUEST_IP, 6, tcp(HOST_IP, GUEST_IP, sport, HTTP_PORT, isn, 0, 0x02,
                                             options=b"\x02\x04\x05\xb4")))

    def is_synack(f):
        if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6 or f[26:30] != GUEST_IP:
            return False
        ihl = (f[14] & 15) * 4
        total = struct.unpack_from("!H", f, 16)[0]
        seg = f[14 + ihl:14 + total]
        if len(seg) < 20 or struct.unpack_from("!HH", seg) != (HTTP_PORT, sport):
            return False
        ack = struct.unpack_from("!I", seg, 8)[0]
        return (seg[13] & 0x3F) == 0x12 and ack == (isn + 1) & 0xFFFFFFFF and \
            csum(pseudo4(GUEST_IP, HOST_IP, 6, len(seg)) + seg) == 0

    got = wire.exchange(syn, is_synack, timeout)
    if got is None:
        return False
    ihl = (got[14] & 15) * 4
    their = struct.unpack_from("!I", got, 14 + ihl + 4)[0]
    rst = eth(guest_mac, HOST_MAC, ETH_IPV4,
              ipv4(HOST_IP, GUEST_IP, 6, tcp(HOST_IP, GUEST_IP, sport, HTTP_PORT, isn + 1, their + 1,
                                             0x14, window=0)))
    wire.send([rst])
    return True


# ---- Malformed frames ---------------------------------------------------------------
class Forge:
    """The frame generators: each takes nothing and returns a list of frames
    (usually one) addressed to the guest, drawn from self.rng."""

    def __init__(self, rng, guest_mac, wire):
        self.rng = rng
        self.mac = guest_mac
        self.wire = wire
        self.flags = 0  # walks every TCP flag combination in turn
        self.icmp_type = 0
        self.frag_id = 0x4000
        self.flood_port = 1024
        self.half_open = []  # RSTs for flood SYNs left half-open until the next probes
        self.guest_ll = bytes.fromhex("fe80000000000000") + bytes(
            [guest_mac[0] ^ 2, guest_mac[1], guest_mac[2], 0xFF, 0xFE, guest_mac[3], guest_mac[4],
             guest_mac[5]])
        self.host_ll = bytes.fromhex("fe80000000000000") + bytes.fromhex("0000000000000901")

    # helpers
    def rb(self, n):
        return self.rng.randbytes(n)

    def good(self, p=0.75):
        return self.rng.random() < p

    def dst(self):
        return BROADCAST if self.rng.random() < 0.05 else self.mac

    def peer_ip(self):
        r = self.rng.random()
        if r < 0.6:
            return HOST_IP
        if r < 0.9:
            return bytes([10, 0, 9, self.rng.choice([0, 3, 4, 5, 100, 200, 254, 255])])
        return self.rb(4)

    def peer_mac(self):
        return HOST_MAC if self.rng.random() < 0.7 else bytes([2]) + self.rb(5)

    def v4(self, proto, payload, **kw):
        return eth(self.dst(), self.peer_mac(), ETH_IPV4,
                   ipv4(kw.pop("src", None) or self.peer_ip(), kw.pop("to", GUEST_IP), proto,
                        payload, ident=self.rng.getrandbits(16), **kw))

    # link layer
    def runt(self):
        # Not 0 bytes: QEMU 7.2 takes virtio-net's "0 bytes received" for
        # "no room" and retries that frame forever; the NIC then never gets
        # another one (see --empty-frame-check).
        n = self.rng.randrange(1, 14) if self.good(0.5) else self.rng.randrange(14, 60)
        f = (self.mac + self.peer_mac() + struct.pack(
            "!H", self.rng.choice([ETH_IPV4, ETH_ARP, ETH_IPV6, ETH_VLAN, self.rng.getrandbits(16)]))
             + self.rb(46))
        return [f[:n]]

    def oversize(self):
        r = self.rng.random()
        if r < 0.4:
            n = self.rng.randrange(1515, DRIVER_FRAME_ROOM + 1)
        elif r < 0.8:
            n = self.rng.randrange(DRIVER_FRAME_ROOM + 1, 9300)
        elif r < 0.98:
            n = self.rng.choice([1514, 1518, 1522, DRIVER_FRAME_ROOM, DRIVER_FRAME_ROOM + 1, 4096])
        else:
            n = self.rng.randrange(9300, STREAM_LIMIT + 1)
        # An IPv4 header that claims the whole frame (or a plausible 1500).
        payload = bytes(n - 34)
        total = self.rng.choice([n - 14, 1500, 0xFFFF])
        f = eth(self.mac, self.peer_mac(), ETH_IPV4,
                ipv4(self.peer_ip(), GUEST_IP, self.rng.choice([1, 6, 17]), payload, total=total))
        return [f[:n]]

    def random_ethertype(self):
        t = self.rng.getrandbits(16)
        return [eth(self.dst(), self.peer_mac(), t, self.rb(self.rng.randrange(0, 1500)))]

    def vlan(self):
        inner = self.rng.choice([self.echo_request, self.arp_bad, self.ipv4_header, self.tcp_bad])()[0]
        tag = struct.pack("!HH", self.rng.getrandbits(16), struct.unpack_from("!H", inner, 12)[0])
        outer = self.rng.choice([ETH_VLAN, ETH_VLAN, ETH_QINQ])
        f = inner[:12] + struct.pack("!H", outer) + tag + inner[14:]
        if self.good(0.2):  # double tagged
            f = f[:12] + struct.pack("!HH", ETH_QINQ, self.rng.getrandbits(16)) + f[12:]
        if self.good(0.2):
            f = f[:self.rng.randrange(14, len(f) + 1)]
        return [f]

    def arp_bad(self):
        hlen = 6 if self.good(0.5) else self.rng.randrange(0, 256)
        plen = 4 if self.good(0.5) else self.rng.randrange(0, 256)
        op = self.rng.choice([1, 2, 0, 3, 4, 8, 9, 0xFFFF, self.rng.getrandbits(16)])
        htype = 1 if self.good(0.7) else self.rng.getrandbits(16)
        ptype = ETH_IPV4 if self.good(0.7) else self.rng.choice([ETH_IPV6, 0, self.rng.getrandbits(16)])
        sha = self.peer_mac() if hlen == 6 else self.rb(min(hlen, 64))
        spa = bytes([10, 0, 9, self.rng.choice([3, 7, 50, 250, 0, 255])]) if plen == 4 else self.rb(min(plen, 64))
        tpa = GUEST_IP if plen == 4 else self.rb(min(plen, 64))
        body = arp(op, sha, spa, self.rb(len(sha)), tpa, htype, ptype, hlen, plen)
        if self.good(0.3):
            body = body[:self.rng.randrange(0, len(body) + 1)]
        return [eth(self.dst(), self.peer_mac(), ETH_ARP, body)]

    # IPv4
    def ipv4_options(self):
        kind = self.rng.choice([0, 1, 7, 68, 130, 131, 137, 148, self.rng.getrandbits(8)])
        r = self.rng.random()
        if r < 0.3:
            opt = bytes([kind, 0])  # length 0
        elif r < 0.5:
            opt = bytes([kind, 1])  # length 1
        elif r < 0.7:
            opt = bytes([kind, self.rng.randrange(3, 255)])  # past the end
        elif r < 0.85:
            opt = bytes([kind])
        else:
            opt = bytes([kind, 4, 0, 0])  # a plausible one
        opt += self.rb(self.rng.randrange(0, 10))
        return (opt + b"\0" * 3)[:(len(opt) + 3) // 4 * 4][:40]

    def ipv4_header(self):
        proto = self.rng.choice([1, 6, 17, 2, 0, 41, 58, 255])
        payload = self.transport_for(proto)
        kw = {"good_sum": self.good(0.6)}
        r = self.rng.random()
        if r < 0.15:
            kw["version"] = self.rng.choice([0, 5, 6, 15])
        elif r < 0.3:
            kw["ihl"] = self.rng.randrange(0, 5)
        elif r < 0.45:
            kw["ihl"] = 15  # 60 bytes: often past the frame
            payload = payload[:self.rng.randrange(0, 40)]
        elif r < 0.6:
            kw["total"] = self.rng.randrange(0, 20)
        elif r < 0.75:
            kw["total"] = self.rng.randrange(20 + len(payload) + 1, 0x10000)
        else:
            kw["options"] = self.ipv4_options()
        if self.good(0.15):
            kw["to"] = self.rng.choice([b"\xff\xff\xff\xff", bytes([10, 0, 9, 255]),
                                        bytes([224, 0, 0, 1]), bytes([127, 0, 0, 1]), self.rb(4)])
        if self.good(0.1):
            kw["ttl"] = 0
        return [self.v4(proto, payload, **kw)]

    def transport_for(self, proto):
        if proto == 6:
            return tcp(HOST_IP, GUEST_IP, self.rng.getrandbits(16), HTTP_PORT, self.rng.getrandbits(32),
                       0, self.rng.getrandbits(8))
        if proto == 17:
            return udp(HOST_IP, GUEST_IP, self.rng.getrandbits(16), self.rng.getrandbits(16),
                       self.rb(self.rng.randrange(0, 64)))
        if proto == 1:
            return icmp(8, 0, self.rb(self.rng.randrange(0, 64)))
        return self.rb(self.rng.randrange(0, 64))

    def fragments(self):
        """Fragments: overlapping, zero-length, huge offsets, trains of first
        fragments with fresh ids (reassembly's pools), and whole datagrams
        cut in pieces (well-formed echo requests)."""
        self.frag_id = (self.frag_id + 1) & 0xFFFF
        ident = self.frag_id
        src = self.peer_ip() if self.good(0.5) else HOST_IP
        proto = self.rng.choice([1, 17, 6])
        r = self.rng.random()
        frames = []

        def frag(offset8, more, data, p=proto, total=None):
            return eth(self.mac, HOST_MAC, ETH_IPV4,
                       ipv4(src, GUEST_IP, p, data, ident=ident,
                            frag=(0x2000 if more else 0) | (offset8 & 0x1FFF), total=total,
                            good_sum=self.good(0.9)))

        if r < 0.3:  # a train of first fragments, each of a new datagram
            for _ in range(self.rng.randrange(4, 40)):
                self.frag_id = (self.frag_id + 1) & 0xFFFF
                ident = self.frag_id
                frames.append(frag(0, True, self.rb(8 * self.rng.randrange(1, 180))))
        elif r < 0.5:  # a whole echo request in pieces, maybe with overlaps
            body = icmp(8, 0, struct.pack("!HH", 0x1234, ident) + self.rb(self.rng.randrange(16, 3000)))
            step = 8 * self.rng.randrange(1, 100)
            at = 0
            while at < len(body):
                piece = body[at:at + step]
                frames.append(frag(at // 8, at + step < len(body), piece, p=1))
                if self.good(0.2):  # an overlapping copy, shifted
                    back = min(at, 8 * self.rng.randrange(0, 4))
                    frames.append(frag((at - back) // 8, True, body[at - back:at - back + step], p=1))
                at += step
            self.rng.shuffle(frames)
        elif r < 0.65:  # zero-length and tiny fragments
            for _ in range(self.rng.randrange(1, 6)):
                frames.append(frag(self.rng.randrange(0, 0x2000), self.good(), b""))
        elif r < 0.8:  # huge offsets: the datagram would end past 65,535
            frames.append(frag(self.rng.randrange(8100, 0x2000), self.good(0.5), self.rb(self.rng.randrange(8, 1400))))
        else:  # random overlapping pieces of one datagram
            for _ in range(self.rng.randrange(2, 12)):
                frames.append(frag(self.rng.randrange(0, 200), self.good(0.7),
                                   self.rb(self.rng.randrange(0, 1400)),
                                   total=None if self.good(0.8) else self.rng.randrange(0, 0x10000)))
        return frames

    # TCP
    def tcp_options(self):
        r = self.rng.random()
        kinds = [0, 1, 2, 3, 4, 5, 8, 19, 28, 29, 30, 34, 254, self.rng.getrandbits(8)]
        opt = b""
        for _ in range(self.rng.randrange(1, 5)):
            k = self.rng.choice(kinds)
            if r < 0.25:
                opt += bytes([k, 0])
            elif r < 0.45:
                opt += bytes([k, 1])
            elif r < 0.6:
                opt += bytes([k, self.rng.randrange(2, 255)])
            elif k == 2:
                opt += b"\x02\x04" + struct.pack("!H", self.rng.choice([0, 1, 88, 536, 1460, 65535]))
            elif k == 3:
                opt += bytes([3, 3, self.rng.choice([0, 7, 14, 15, 255])])
            elif k == 5:
                opt += bytes([5, 2 + 8 * self.rng.randrange(0, 5)]) + self.rb(8 * self.rng.randrange(0, 5))
            else:
                opt += bytes([k])
        return (opt + b"\0" * 3)[:(len(opt) + 3) // 4 * 4][:40]

    def tcp_bad(self):
        src = self.peer_ip()
        flags = self.flags
        self.flags = (self.flags + 1) & 0xFF
        dport = HTTP_PORT if self.good(0.7) else self.rng.getrandbits(16)
        payload = self.rb(self.rng.choice([0, 0, 1, 10, 100, 1400]))
        options = self.tcp_options() if self.good(0.5) else b""
        offset = None
        r = self.rng.random()
        if r < 0.2:
            offset = self.rng.randrange(0, 5)
        elif r < 0.4:
            offset = min(15, (20 + len(options) + len(payload)) // 4 + self.rng.randrange(1, 8))
        seg = tcp(src, GUEST_IP, self.rng.getrandbits(16), dport, self.rng.getrandbits(32),
                  self.rng.getrandbits(32), flags, self.rng.getrandbits(16), options, payload,
                  offset=offset, good_sum=self.good(0.8), urg=self.rng.getrandbits(16))
        if self.good(0.1):
            seg = seg[:self.rng.randrange(0, 20)]
        return [self.v4(6, seg, src=src)]

    def syn_flood(self):
        frames, rsts = [], []
        for _ in range(self.rng.randrange(10, 60)):
            src = bytes([10, 0, 9, self.rng.randrange(3, 255)]) if self.good(0.5) else self.rb(4)
            self.flood_port = 1024 + (self.flood_port - 1024 + 1) % 60000
            isn = self.rng.getrandbits(32)
            opts = self.tcp_options() if self.good(0.3) else b"\x02\x04\x05\xb4"
            frames.append(eth(self.mac, self.peer_mac(), ETH_IPV4,
                              ipv4(src, GUEST_IP, 6, tcp(src, GUEST_IP, self.flood_port, HTTP_PORT, isn, 0,
                                                         0x02, options=opts))))
            # Every one is reset again (seq = isn + 1 is in the window): most
            # in the same burst, the rest just before the next probes, so
            # half-open connections pile up in between (the listener's
            # backlog is busybox httpd's 9) and the probes still find room.
            rst = eth(self.mac, self.peer_mac(), ETH_IPV4,
                      ipv4(src, GUEST_IP, 6, tcp(src, GUEST_IP, self.flood_port, HTTP_PORT,
                                                 isn + 1, 0, 0x04, window=0)))
            (rsts if self.good(0.7) else self.half_open).append(rst)
        return frames + rsts

    def tcp_unknown(self):
        flags = self.rng.choice([0x10, 0x18, 0x11, 0x19, 0x04, 0x14, 0x01, 0x12, 0x20, 0x30])
        src = self.peer_ip()
        seg = tcp(src, GUEST_IP, self.rng.getrandbits(16), self.rng.choice([HTTP_PORT, 22, 1, 65535]),
                  self.rng.getrandbits(32), self.rng.getrandbits(32), flags, self.rng.getrandbits(16),
                  payload=self.rb(self.rng.choice([0, 1, 500])))
        return [self.v4(6, seg, src=src)]

    # UDP
    def udp_bad(self):
        src = self.peer_ip()
        payload = self.rb(self.rng.randrange(0, 200))
        r = self.rng.random()
        length = None
        if r < 0.25:
            length = self.rng.randrange(0, 8)
        elif r < 0.5:
            length = 8 + len(payload) + self.rng.randrange(1, 2000)
        elif r < 0.6:
            length = 8 + max(0, len(payload) - self.rng.randrange(1, 9))
        dport = self.rng.choice([68, 67, 53, 7, 123, 137, 5353, self.rng.getrandbits(16)])
        seg = udp(src, GUEST_IP, self.rng.getrandbits(16), dport, payload, length=length,
                  good_sum=self.good(0.8))
        if self.good(0.1):
            seg = seg[:self.rng.randrange(0, 8)]
        return [self.v4(17, seg, src=src)]

    def dhcp_reply(self):
        """A BOOTREPLY to port 68 (RFC 2131 §2) for the guest's chaddr and,
        when known, its client's transaction id; options run past the end."""
        xid = self.wire.dhcp_xid or self.rb(4)
        fixed = struct.pack("!BBBB4sHH4s4s4s4s16s64s128s", 2, 1, 6, 0, xid, 0, 0, b"\0" * 4,
                            bytes([10, 0, 9, 50]), HOST_IP, b"\0" * 4, self.mac + bytes(10),
                            b"\0" * 64, b"\0" * 128)
        opts = b"\x63\x82\x53\x63"
        for _ in range(self.rng.randrange(0, 12)):
            code = self.rng.choice([53, 54, 51, 1, 3, 6, 12, 15, 52, 58, 59, 255, 0, 43, 119, 121,
                                    self.rng.getrandbits(8)])
            if code == 53 and self.good(0.6):
                opts += bytes([53, 1, self.rng.choice([2, 5, 6, 1, 0, 255])])
            elif code in (0, 255):
                opts += bytes([code])
            else:
                n = self.rng.choice([0, 1, 4, self.rng.randrange(0, 256)])
                opts += bytes([code, n]) + self.rb(self.rng.randrange(0, min(n, 40) + 1))
        if self.good(0.3):  # an overload option pointing into file/sname
            opts += bytes([52, 1, self.rng.randrange(0, 4)])
        body = fixed + opts
        if self.good(0.3):
            body = body[:self.rng.randrange(200, len(body) + 1)]
        src = HOST_IP if self.good(0.5) else bytes([10, 0, 9, 254])
        to = self.rng.choice([b"\xff\xff\xff\xff", bytes([10, 0, 9, 50]), GUEST_IP])
        return [eth(self.dst(), HOST_MAC, ETH_IPV4,
                    ipv4(src, to, 17, udp(src, to, 67, 68, body, good_sum=self.good(0.9)),
                         ident=self.rng.getrandbits(16)))]

    # ICMP
    def icmp_any(self):
        kind = self.icmp_type
        self.icmp_type = (self.icmp_type + 1) & 0xFF
        if kind in (3, 4, 5, 11, 12) and self.good(0.7):
            # An error quoting a datagram "from" the guest; often truncated.
            quoted = ipv4(GUEST_IP, self.peer_ip(), self.rng.choice([6, 17, 1]),
                          struct.pack("!HHI", HTTP_PORT, self.rng.getrandbits(16), self.rng.getrandbits(32)))
            quoted = quoted[:self.rng.randrange(0, len(quoted) + 1)]
            rest = struct.pack("!I", self.rng.getrandbits(32)) + quoted
        else:
            rest = self.rb(self.rng.choice([0, 1, 3, 4, 8, 20, 100]))
        msg = icmp(kind, self.rng.choice([0, 0, 1, 3, 4, self.rng.getrandbits(8)]), rest,
                   good_sum=self.good(0.8))
        if self.good(0.2):
            msg = msg[:self.rng.randrange(0, 4)]
        to = GUEST_IP if self.good(0.9) else bytes([10, 0, 9, 255])
        return [self.v4(1, msg, to=to)]

    def echo_request(self):
        ident = self.rng.getrandbits(16)
        msg = icmp(8, 0, struct.pack("!HH", ident, 1) + self.rb(self.rng.randrange(0, 1400)))
        return [eth(self.mac, HOST_MAC, ETH_IPV4, ipv4(HOST_IP, GUEST_IP, 1, msg, ident=ident))]

    def igmp(self):
        body = bytes([self.rng.choice([0x11, 0x12, 0x16, 0x17, 0x22, self.rng.getrandbits(8)]),
                      self.rng.getrandbits(8), 0, 0]) + self.rb(self.rng.choice([0, 4, 8, 12]))
        msg = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        if self.good(0.3):
            msg = msg[:self.rng.randrange(0, len(msg) + 1)]
        return [eth(self.dst(), HOST_MAC, ETH_IPV4,
                    ipv4(HOST_IP, self.rng.choice([bytes([224, 0, 0, 1]), GUEST_IP]), 2, msg, ttl=1,
                         options=b"\x94\x04\x00\x00" if self.good() else b""))]

    # IPv6
    def ipv6_any(self):
        src = self.host_ll if self.good(0.6) else self.rb(16)
        mcast = self.good(0.3)
        dst = bytes.fromhex("ff020000000000000000000000000001") if mcast else self.guest_ll
        dmac = bytes.fromhex("333300000001") if mcast else self.mac
        r = self.rng.random()
        if r < 0.35:
            nh, payload = 58, self.nd_message(src, dst)
        elif r < 0.55:
            nh, payload = self.ext_chain(src, dst)
        elif r < 0.7:  # fragment header
            inner = icmp6(src, dst, 128, 0, struct.pack("!HH", 1, 2) + self.rb(self.rng.randrange(0, 200)))
            off = self.rng.choice([0, 0, 1, 8190, self.rng.randrange(0, 8192)])
            more = self.good()
            frag = struct.pack("!BBHI", 58, 0, (off << 3) | (1 if more else 0), self.rng.getrandbits(32))
            nh, payload = 44, frag + inner[:self.rng.randrange(0, len(inner) + 1)]
        elif r < 0.85:  # echo request, well-formed
            nh, payload = 58, icmp6(src, dst, 128, 0, struct.pack("!HH", 7, 7) + self.rb(self.rng.randrange(0, 500)))
        else:
            nh = self.rng.choice([6, 17, 58, 59, 0, 43, 60, self.rng.getrandbits(8)])
            payload = self.rb(self.rng.randrange(0, 300))
        plen = None
        if self.good(0.3):
            plen = self.rng.choice([0, 1, len(payload) + self.rng.randrange(1, 3000), 0xFFFF,
                                    max(0, len(payload) - 1)])
        return [eth(dmac, HOST_MAC, ETH_IPV6, ipv6(src, dst, nh, payload, plen=plen))]

    def nd_option(self):
        kind = self.rng.choice([1, 2, 3, 4, 5, 25, 31, 0, self.rng.getrandbits(8)])
        r = self.rng.random()
        if r < 0.3:
            return bytes([kind, 0]) + self.rb(6)  # length 0
        if r < 0.5:
            n = self.rng.randrange(1, 255)
            return bytes([kind, n]) + self.rb(self.rng.randrange(0, 40))  # past the end
        if kind == 3:  # prefix information
            return struct.pack("!BBBBIII16s", 3, 4, 64, self.rng.choice([0xC0, 0x40, 0x80, 0]),
                               self.rng.getrandbits(32), self.rng.getrandbits(32), 0,
                               bytes.fromhex("fd00000000000009") + bytes(8))
        if kind == 5:  # MTU
            return struct.pack("!BBHI", 5, 1, 0, self.rng.choice([0, 68, 1279, 1280, 1500, 9000, 0xFFFFFFFF]))
        if kind in (1, 2):
            return bytes([kind, 1]) + bytes([2]) + self.rb(5)
        return bytes([kind, 1]) + self.rb(6)

    def nd_message(self, src, dst):
        kind = self.rng.choice([133, 134, 135, 136, 137, 130, 131, 132, 143, 1, 2, 3, 4, 128, 129,
                                self.rng.getrandbits(8)])
        opts = b"".join(self.nd_option() for _ in range(self.rng.randrange(0, 4)))
        if kind == 134:  # router advertisement
            body = struct.pack("!BBHII", 64, 0, self.rng.choice([0, 1800, 65535]), 0, 0) + opts
        elif kind in (135, 136):
            body = struct.pack("!I", 0x60000000 if kind == 136 else 0) + self.guest_ll + opts
        elif kind == 137:
            body = bytes(4) + self.rb(16) + self.rb(16) + opts
        elif kind in (130, 131, 132, 143):  # MLD
            body = self.rb(self.rng.choice([0, 4, 20, 24, 28]))
        else:
            body = self.rb(self.rng.choice([0, 4, 8, 40, 48]))
        if self.good(0.2):
            body = body[:self.rng.randrange(0, len(body) + 1)]
        return icmp6(src, dst, kind, 0, body, good_sum=self.good(0.85))

    def ext_chain(self, src, dst):
        """Hop-by-hop / routing / destination-options headers chained, some
        with lengths past the packet, ending in ICMPv6 or nothing."""
        headers = []
        for _ in range(self.rng.randrange(1, 8)):
            headers.append(self.rng.choice([0, 43, 60, 60, 44, 51, 135]))
        last = self.rng.choice([58, 59, 17, 6])
        out = b""
        for i, h in enumerate(headers):
            nxt = headers[i + 1] if i + 1 < len(headers) else last
            if h == 44:
                out += struct.pack("!BBHI", nxt, 0, self.rng.getrandbits(16), self.rng.getrandbits(32))
                continue
            n = self.rng.choice([0, 0, 1, self.rng.randrange(0, 256)])
            opts = self.rb(6 + 8 * min(n, 3))
            if self.good(0.5):  # PadN / router alert / jumbo / unknown with odd lengths
                o = self.rng.choice([1, 5, 0xC2, 0x80, 0xC0, 0])
                opts = bytes([o, self.rng.choice([0, 2, 4, 200, 255])]) + opts[2:]
            out += bytes([nxt, n]) + opts
        if last == 58:
            out += icmp6(src, dst, 128, 0, b"\0\1\0\1")
        else:
            out += self.rb(self.rng.randrange(0, 16))
        return headers[0], out[:self.rng.randrange(0, len(out) + 1)] if self.good(0.2) else out

    def well_formed(self):
        return self.rng.choice([self.echo_request, self.arp_request])()

    def arp_request(self):
        spa = bytes([10, 0, 9, self.rng.randrange(3, 255)])
        sha = bytes([2]) + self.rb(5)
        return [eth(BROADCAST, sha, ETH_ARP, arp(1, sha, spa, b"\0" * 6, GUEST_IP))]


# (generator, weight): most frames are malformed; some well-formed ones.
def generators(forge):
    return [
        (forge.runt, 6),
        (forge.oversize, 3),
        (forge.random_ethertype, 4),
        (forge.vlan, 4),
        (forge.arp_bad, 8),
        (forge.ipv4_header, 12),
        (forge.fragments, 2),
        (forge.tcp_bad, 14),
        (forge.syn_flood, 0.25),
        (forge.tcp_unknown, 6),
        (forge.udp_bad, 8),
        (forge.dhcp_reply, 3),
        (forge.icmp_any, 8),
        (forge.igmp, 2),
        (forge.ipv6_any, 12),
        (forge.well_formed, 4),
    ]


# ---- The serial log ----------------------------------------------------------------
EVENTS = re.compile(
    r"lwIP assertion failed.*|init: net_server .*|init: virtio_net .*|KERNEL PANIC.*|KERNEL EXCEPTION.*"
    r"|net: (?:reattached|could not reattach).*|.*(?:crashed|abort).*")


class Serial:
    """Reads the guest's serial log as it grows: new lines matching EVENTS."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""
        self.tail = collections.deque(maxlen=60)

    def new_events(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return []
        self.offset += len(data)
        data = self.partial + data
        lines = data.split(b"\n")
        self.partial = lines.pop()
        out = []
        for raw in lines:
            line = raw.decode("utf-8", "replace").replace("\r", "")
            self.tail.append(line)
            if EVENTS.search(line):
                out.append(line)
        return out


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535 + 4, 1))
        t = time.time()
        for i, frame in enumerate(frames):
            sec, usec = int(t), i % 1000000
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)


# ---- The run -------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--serial", required=True)
    ap.add_argument("--console", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--frames", type=int, default=1000000)
    ap.add_argument("--probe-every", type=int, default=20000)
    ap.add_argument("--burst", type=int, default=256)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--dhcp-frames", type=int, default=20000)
    ap.add_argument("--keep-bursts", type=int, default=8)
    ap.add_argument("--empty-frame-check", action="store_true",
                    help="send one zero-length frame before the run (wedges QEMU 7.2)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    random.seed(a.seed + 1)
    summary = collections.OrderedDict()

    def say(msg):
        print("net_inject: " + msg, flush=True)

    try:
        os.unlink(a.socket)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(a.socket)
    listener.listen(1)
    listener.settimeout(300)
    conn, _ = listener.accept()
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 128 << 10)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    wire = Wire(conn)
    serial = Serial(a.serial)
    say("the guest's NIC connected")

    forge = Forge(rng, DEFAULT_GUEST_MAC, wire)
    incidents = []
    recent = collections.deque(maxlen=a.keep_bursts)
    server_restarts = driver_restarts = 0

    def note_events():
        """Reads new serial lines; on an incident saves the last bursts."""
        nonlocal server_restarts, driver_restarts
        events = serial.new_events()
        if not events:
            return []
        bad = [e for e in events if "assertion" in e or "crashed" in e or "did not answer" in e
               or "KERNEL" in e or "abort" in e]
        server_restarts += sum(1 for e in events if e.startswith("init: net_server restarted"))
        driver_restarts += sum(1 for e in events if e.startswith("init: virtio_net restarted"))
        for e in events:
            say("serial: " + e)
        if bad:
            k = len(incidents) + 1
            frames = [f for burst in recent for f in burst]
            write_pcap(os.path.join(a.out, "incident-%d.pcap" % k), frames)
            with open(os.path.join(a.out, "incident-%d.txt" % k), "w") as f:
                f.write("after %d frames; the pcap holds the last %d frames sent\n" % (sent, len(frames)))
                f.write("\n".join(serial.tail) + "\n")
            incidents.append(bad)
            say("incident %d saved (%d frames) in %s" % (k, len(frames), a.out))
        return events

    def type_at_console(line):
        with open(a.console, "w") as f:
            f.write(line + "\n")

    # Phase 1: until the shell has set the address, DHCP replies for the
    # guest's running DHCP client.
    sent = 0
    dhcp_sent = 0
    deadline = time.monotonic() + 900
    while not os.path.exists(a.ready) and time.monotonic() < deadline:
        if wire.dhcp_xid is not None and dhcp_sent < a.dhcp_frames:
            burst = [f for _ in range(64) for f in forge.dhcp_reply()]
            wire.send(burst)
            recent.append(burst)
            dhcp_sent += len(burst)
        else:
            time.sleep(0.2)
            wire.send([])
        note_events()
    if not os.path.exists(a.ready):
        say("the guest never became ready")
        return 1
    guest_mac = wire.guest_mac or DEFAULT_GUEST_MAC
    forge.mac = guest_mac
    summary["guest_mac"] = guest_mac.hex(":")
    summary["dhcp_frames"] = dhcp_sent
    say("guest MAC %s; %d DHCP replies sent while its client ran" % (guest_mac.hex(":"), dhcp_sent))

    probe_sport = [40000]
    probe_seq = [0]
    probes = collections.Counter()
    latency = collections.defaultdict(list)  # seconds to each probe's answer

    def probe_round(tries=3):
        """One probe of each kind, each retried up to `tries` times; returns
        how many of the three succeeded."""
        ok = 0
        wire.send(forge.half_open)
        forge.half_open = []
        for name in ("arp", "icmp", "tcp"):
            for _ in range(tries):
                probe_seq[0] += 1
                probe_sport[0] = 40000 + (probe_sport[0] - 40000 + 1) % 20000
                t0 = time.monotonic()
                if name == "arp":
                    good = probe_arp(wire, guest_mac)
                elif name == "icmp":
                    good = probe_icmp(wire, guest_mac, probe_seq[0])
                else:
                    good = probe_tcp(wire, guest_mac, probe_sport[0])
                if good:
                    latency[name].append(time.monotonic() - t0)
                    break
            probes[name + ("_ok" if good else "_failed")] += 1
            if not good:
                say("probe %s failed %d times (after %d frames)" % (name, tries, sent))
            ok += good
        return ok

    first = probe_round()
    say("probes before injection: %d of 3" % first)
    summary["probes_before"] = "%d/3" % first
    if a.empty_frame_check:
        # One frame of length 0 on the stream, then the probes again.
        wire.send([b""])
        after = probe_round()
        say("probes after one empty frame: %d of 3" % after)
        summary["probes_after_empty_frame"] = "%d/3" % after

    table = generators(forge)
    gens = [g for g, _ in table]
    weights = [w for _, w in table]
    kinds = collections.Counter()
    inject_time = 0.0
    probe_time = 0.0  # the probe rounds (each one waits for the guest to catch up)
    unrecovered = []  # probe points where 30 rounds in a row missed a probe
    failed_rounds = []
    start = time.monotonic()
    next_probe = a.probe_every
    reconfigured = 0
    while sent < a.frames and not wire.closed:
        burst = []
        while len(burst) < a.burst:
            gen = rng.choices(gens, weights)[0]
            out = gen()
            kinds[gen.__name__] += len(out)
            burst.extend(out)
        t0 = time.monotonic()
        wire.send(list(burst))
        inject_time += time.monotonic() - t0
        recent.append(burst)
        sent += len(burst)
        note_events()
        restarted = server_restarts > reconfigured
        if sent >= next_probe or restarted:
            next_probe = sent + a.probe_every
            probe_start = time.monotonic()
            ok = 0
            for _ in range(30):
                if server_restarts > reconfigured:
                    # The new server asks DHCP: give it the address and httpd again.
                    time.sleep(3)
                    type_at_console(RECONFIGURE)
                    reconfigured = server_restarts
                    time.sleep(3)
                ok = probe_round()
                if ok == 3:
                    break
                # Give the guest time (a restart on its way) before going on.
                failed_rounds.append(sent)
                time.sleep(1)
                note_events()
            else:
                unrecovered.append(sent)
            probe_time += time.monotonic() - probe_start
            rate = sent / max(1e-6, time.monotonic() - start)
            say("%d frames sent, %.0f frames/s overall, probes %d/3, server restarts %d, driver restarts %d"
                % (sent, rate, ok, server_restarts, driver_restarts))
    elapsed = time.monotonic() - start
    time.sleep(2)
    note_events()
    if server_restarts > reconfigured:
        type_at_console(RECONFIGURE)
        reconfigured = server_restarts
        time.sleep(5)

    # Half-open connections from the mix (SYNs among the flag combinations,
    # from addresses that never answer) fill the listener's backlog until
    # lwIP drops them (SYN_RCVD: 20 s): let them go before the last word.
    settle_start = time.monotonic()
    while time.monotonic() - settle_start < 90 and probe_round(tries=1) < 3:
        time.sleep(2)
    summary["settle_seconds"] = "%.0f" % (time.monotonic() - settle_start)
    final = [probe_round(tries=3) for _ in range(5)]
    note_events()
    summary["frames"] = sent
    summary["seconds"] = "%.1f" % elapsed
    summary["frames_per_second"] = "%.0f" % (sent / max(elapsed, 1e-6))
    summary["probe_seconds"] = "%.1f" % probe_time
    summary["frames_per_second_between_probes"] = "%.0f" % (sent / max(elapsed - probe_time, 1e-6))
    summary["frames_per_second_sending"] = "%.0f" % (sent / max(inject_time, 1e-6))
    summary["frames_from_guest"] = wire.rx_frames
    summary["probe_rounds_failed"] = len(failed_rounds)
    summary["probe_points_unrecovered"] = len(unrecovered)
    summary["probe_rounds_failed_at"] = ",".join(str(x) for x in failed_rounds) or "-"
    for key in sorted(probes):
        summary["probes_" + key] = probes[key]
    for name in sorted(latency):
        times = sorted(latency[name])
        summary["probe_%s_answer_ms_median_max" % name] = "%.0f/%.0f" % (
            1000 * times[len(times) // 2], 1000 * times[-1])
    summary["final_probes"] = "%d/%d" % (sum(final), 3 * len(final))
    summary["server_restarts"] = server_restarts
    summary["driver_restarts"] = driver_restarts
    summary["reconfigured"] = reconfigured
    summary["incidents"] = len(incidents)
    summary["wire_closed"] = int(wire.closed)
    summary["kinds"] = " ".join("%s:%d" % kv for kv in sorted(kinds.items()))
    with open(os.path.join(a.out, "summary.txt"), "w") as f:
        for k, v in summary.items():
            f.write("%s=%s\n" % (k, v))
    for k, v in summary.items():
        say("%s=%s" % (k, v))
    for k, bad in enumerate(incidents, 1):
        say("incident %d: %s" % (k, " | ".join(bad)))
    return 0 if sum(final) == 3 * len(final) else 1


if __name__ == "__main__":
    sys.exit(main())
