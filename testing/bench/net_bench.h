#pragma once
// benchsuite's network benchmarks (issue 12): TCP over the loopback inside
// the guest, TCP and HTTP between the guest and a peer on the host, and ICMP
// echo to the host's address. Each is a bench::Outcome (metric) function
// that suite.cc's driver runs in its own child process.
//
// Without AF_INET sockets (socket() fails: Tessera's tessera.test=suite
// boot starts no network server) every network metric is skipped with
// "no network (...)"; without --peer the host ones are skipped with
// "no host peer (--peer)".
//
// The host peer (host_peer.py, a thread of bench_runner.py) listens on
// the host's 127.0.0.1; the guest reaches it through QEMU's user network
// as 10.0.2.2:PORT. Each connection begins with one command line:
//
//   echo\n          the peer sends back every byte it reads, until EOF
//                   (TCP_NODELAY on its side too)
//   sink N\n        the peer reads N bytes and answers one byte; again
//                   until EOF
//   source N\n      for each byte it reads, the peer sends N bytes; until EOF
//   http COUNT WARMUP\n
//                   the peer makes WARMUP and then COUNT sequential
//                   HTTP/1.0 GETs of kHttpPath, each on a new connection,
//                   to its host port forwarded to the guest's
//                   kHttpGuestPort, where the suite serves 1 KiB; then
//                   answers one line: "ok NS NS ..." (COUNT times in
//                   nanoseconds, connect to the last byte of the body, on
//                   the host's clock) or "error TEXT"

#include "testing/bench/suite_util.h"

namespace bench {

/// The guest port of http_get_1KiB's server (the runner forwards a host
/// port to it) and the path the peer asks for.
constexpr int kHttpGuestPort = 8080;
constexpr const char kHttpPath[] = "/1KiB";

/// Sets the host peer from "A.B.C.D:PORT". Returns false when malformed.
bool SetPeer(const char* address);

/// 1-byte ping-pongs between two processes over TCP on 127.0.0.1
/// (TCP_NODELAY): a sample per round trip.
Outcome TcpLoopbackRoundTrip(const char* metric);
/// 64 MiB through a TCP connection on 127.0.0.1 in 64 KiB writes:
/// samples of 8 MiB, each acknowledged by the reader.
Outcome TcpLoopbackBandwidth(const char* metric);
/// 1,000 1-byte ping-pongs with the peer's echo (TCP_NODELAY): a sample per
/// round trip; the line's max shows any delayed-ACK or Nagle stall.
Outcome TcpHostRoundTrip(const char* metric);
/// 32 MiB to the peer's sink in 64 KiB writes: samples of 4 MiB.
Outcome TcpBandwidthToHost(const char* metric);
/// 32 MiB from the peer's source in 64 KiB reads: samples of 4 MiB.
Outcome TcpBandwidthFromHost(const char* metric);
/// The peer's sequential GETs of 1 KiB from a server in the suite.
Outcome HttpGet1KiB(const char* metric);
/// ICMP echo to the peer's address (a raw socket: needs root): a sample
/// per request and its reply.
Outcome IcmpPingHost(const char* metric);

}  // namespace bench
