#!/usr/bin/env python3
"""Writes the seed corpus of frame_input_fuzz (frame_input_corpus/*).

Each seed is a sequence of records `u8 control | u16 length | frame` (see
frame_input_fuzz.cc); control bit 7 makes the fuzzer fill in the checksums,
so the frames here leave them zero; with bit 6 the TCP sequence and
acknowledgement numbers are offsets from what lwIP last sent (0, 0: the exact
reply), which is how the seeds complete handshakes. The peers are QEMU user networking's:
the gateway 10.0.2.2 (MAC 52:55:0a:00:02:02) and fe80::2, towards Tessera's
10.0.2.15 / 52:54:00:12:34:56 on the fuzzer's netif.

  servers/net/lwip_port/testdata/make_frame_corpus.py   (rewrites the seeds)
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "frame_input_corpus")

US_MAC = bytes.fromhex("525400123456")
GW_MAC = bytes.fromhex("52550a000202")
BCAST = b"\xff" * 6
US4 = bytes([10, 0, 2, 15])
GW4 = bytes([10, 0, 2, 2])
US6_LL = bytes.fromhex("fe80000000000000505400fffe123456")
GW6_LL = bytes.fromhex("fe800000000000000000000000000002")
ALL_NODES6 = bytes.fromhex("ff020000000000000000000000000001")
FIX = 0x80
RELATIVE_TCP = 0x40


def record(frame, steps=0, fix=True, rel=False):
    control = (FIX if fix else 0) | (RELATIVE_TCP if rel else 0) | steps
    return bytes([control]) + struct.pack(">H", len(frame)) + frame


def eth(dst, typ, payload, src=GW_MAC):
    return dst + src + struct.pack(">H", typ) + payload


def ipv4(proto, payload, src=GW4, dst=US4, ident=1, frag=0, ttl=64):
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, ttl, proto, 0,
                       src, dst) + payload


def ipv6(nh, payload, src=GW6_LL, dst=US6_LL, hops=255):
    return struct.pack(">IHBB16s16s", 6 << 28, len(payload), nh, hops, src, dst) + payload


def tcp(sport, dport, seq, ack, flags, options=b"", data=b"", window=65535):
    off = (20 + len(options)) // 4
    return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, window, 0, 0) + \
        options + data


def udp(sport, dport, data):
    return struct.pack(">HHHH", sport, dport, 8 + len(data), 0) + data


def arp(op, sha, spa, tha, tpa):
    return struct.pack(">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, spa, tha, tpa)


SYN_OPTIONS = (b"\x02\x04\x05\xb4"      # MSS 1460
               b"\x04\x02"              # SACK permitted
               b"\x01\x03\x03\x07"      # NOP, window scale 7
               b"\x01\x01\x01\x01")      # padding


def dhcp(op_type, xid, yiaddr=US4):
    bootp = struct.pack(">BBBBIHH4s4s4s4s16s64s128s", 2, 1, 6, 0, xid, 0, 0, b"\0" * 4, yiaddr,
                        GW4, b"\0" * 4, US_MAC + b"\0" * 10, b"", b"")
    opts = (b"\x63\x82\x53\x63" + bytes([53, 1, op_type]) + bytes([54, 4]) + GW4 +
            bytes([51, 4]) + struct.pack(">I", 86400) + bytes([1, 4, 255, 255, 255, 0]) +
            bytes([3, 4]) + GW4 + bytes([6, 4]) + bytes([10, 0, 2, 3]) + b"\xff")
    return bootp + opts


def icmp6_ns(target):
    # Neighbor Solicitation with a source link-layer address option.
    return struct.pack(">BBHI16s", 135, 0, 0, 0, target) + bytes([1, 1]) + GW_MAC


def icmp6_ra():
    prefix = struct.pack(">BBBBIII16s", 3, 4, 64, 0xc0, 86400, 14400, 0,
                         bytes.fromhex("fec00000000000000000000000000000"))
    mtu = struct.pack(">BBHI", 5, 1, 0, 1500)
    sll = bytes([1, 1]) + GW_MAC
    return struct.pack(">BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0) + prefix + mtu + sll


SEEDS = {
    "arp_request": [record(eth(BCAST, 0x0806, arp(1, GW_MAC, GW4, b"\0" * 6, US4)), fix=False)],
    "arp_reply_then_icmp_echo": [
        record(eth(US_MAC, 0x0806, arp(2, GW_MAC, GW4, US_MAC, US4)), fix=False),
        record(eth(US_MAC, 0x0800, ipv4(1, struct.pack(">BBHHH", 8, 0, 0, 0x1234, 1) + b"ping"))),
    ],
    "tcp_syn": [record(eth(US_MAC, 0x0800, ipv4(6, tcp(40000, 80, 1000, 0, 0x02, SYN_OPTIONS,
                                                         window=64240))), steps=1)],
    "tcp_handshake_data_fin": [
        # The gateway's MAC first: lwIP learns neighbours only from ARP.
        record(eth(US_MAC, 0x0806, arp(2, GW_MAC, GW4, US_MAC, US4)), fix=False),
        record(eth(US_MAC, 0x0800, ipv4(6, tcp(40001, 80, 5000, 0, 0x02, SYN_OPTIONS)))),
        record(eth(US_MAC, 0x0800, ipv4(6, tcp(40001, 80, 0, 0, 0x10))), rel=True),
        record(eth(US_MAC, 0x0800, ipv4(6, tcp(40001, 80, 0, 0, 0x18,
                                                data=b"GET / HTTP/1.0\r\n\r\n"))), rel=True),
        record(eth(US_MAC, 0x0800, ipv4(6, tcp(40001, 80, 0, 0, 0x11))), rel=True, steps=5),
        record(eth(US_MAC, 0x0800, ipv4(6, tcp(40001, 80, 0, 0, 0x10))), rel=True, steps=10),
    ],
    "tcp_rst_closed_port": [record(eth(US_MAC, 0x0800, ipv4(6, tcp(40002, 81, 1, 0, 0x02))))],
    "udp_echo": [record(eth(US_MAC, 0x0800, ipv4(17, udp(5000, 7, b"hello lwip"))))],
    "udp_closed_port": [record(eth(US_MAC, 0x0800, ipv4(17, udp(5000, 9999, b"x"))))],
    "ipv4_fragments": [
        record(eth(US_MAC, 0x0800, ipv4(17, udp(5001, 7, b"A" * 24)[:16], ident=77, frag=0x2000))),
        record(eth(US_MAC, 0x0800, ipv4(17, udp(5001, 7, b"A" * 24)[16:], ident=77, frag=2)),
               steps=2),
    ],
    "dhcp_offer_ack": [
        record(eth(BCAST, 0x0800, ipv4(17, udp(67, 68, dhcp(2, 0)), dst=b"\xff" * 4)), steps=3),
        record(eth(BCAST, 0x0800, ipv4(17, udp(67, 68, dhcp(5, 0)), dst=b"\xff" * 4)), steps=10),
    ],
    "igmp_query": [record(eth(bytes.fromhex("01005e000001"), 0x0800,
                              ipv4(2, struct.pack(">BBH4s", 0x11, 100, 0, b"\0" * 4),
                                   dst=bytes([224, 0, 0, 1]), ttl=1)), steps=20)],
    "ipv6_ns_then_echo": [
        record(eth(bytes.fromhex("3333ff123456"), 0x86DD,
                   ipv6(58, icmp6_ns(US6_LL),
                        dst=bytes.fromhex("ff0200000000000000000001ff123456")))),
        record(eth(US_MAC, 0x86DD, ipv6(58, struct.pack(">BBHHH", 128, 0, 0, 7, 1) + b"ping6"))),
    ],
    "ipv6_router_advertisement": [
        record(eth(bytes.fromhex("333300000001"), 0x86DD, ipv6(58, icmp6_ra(), dst=ALL_NODES6)),
               steps=20),
    ],
    "ipv6_tcp_syn": [record(eth(US_MAC, 0x86DD, ipv6(6, tcp(40003, 80, 9, 0, 0x02, SYN_OPTIONS),
                                                      hops=64)), steps=1)],
    "ipv6_tcp_handshake_data": [
        # A neighbour solicitation tells lwIP the gateway's MAC.
        record(eth(bytes.fromhex("3333ff123456"), 0x86DD,
                   ipv6(58, icmp6_ns(US6_LL), dst=bytes.fromhex("ff0200000000000000000001ff123456")))),
        record(eth(US_MAC, 0x86DD, ipv6(6, tcp(40004, 80, 77, 0, 0x02, SYN_OPTIONS), hops=64))),
        record(eth(US_MAC, 0x86DD, ipv6(6, tcp(40004, 80, 0, 0, 0x10), hops=64)), rel=True),
        record(eth(US_MAC, 0x86DD, ipv6(6, tcp(40004, 80, 0, 0, 0x18, data=b"x" * 1000),
                                        hops=64)), rel=True, steps=3),
        record(eth(US_MAC, 0x86DD, ipv6(6, tcp(40004, 80, 0, 0, 0x04), hops=64)), rel=True),
    ],
    "ipv6_udp_echo": [record(eth(US_MAC, 0x86DD, ipv6(17, udp(5002, 7, b"hello6"), hops=64)))],
    "timers_only": [record(b"", steps=63)] * 4,
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, records in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(b"".join(records))
    print(f"make_frame_corpus: {len(SEEDS)} seeds in {OUT}")


if __name__ == "__main__":
    main()
