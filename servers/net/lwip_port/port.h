// Tessera's lwIP port: what lwIP 2.1.3 needs from its host in NO_SYS mode
// (sys_now, LWIP_RAND, the assertion sink, the TCP ISN hook) and the knobs the
// net server and the tests turn. It owns the clock lwIP's timers run on and
// the secrets of the RFC 6528 ISNs and of LWIP_RAND; it does not own any
// netif, pcb or the event loop (the server's). Single-threaded, like lwIP
// itself under NO_SYS: call everything from the thread that runs lwIP.
#pragma once

#include <stdint.h>

#include "servers/net/lwip_port/siphash.h"

namespace lwip_port {

/// Nanoseconds of CLOCK_MONOTONIC, or of the test clock if one is set.
/// lwIP's sys_now() is this in milliseconds (wrapping at 2^32).
uint64_t MonotonicNanos();

using ClockSource = uint64_t (*)();

/// Replaces the clock that sys_now() and the ISN counter read (tests and
/// fuzzers drive lwIP's timers with a fake clock); nullptr restores
/// CLOCK_MONOTONIC.
void SetClockSourceForTesting(ClockSource source);

/// Draws the ISN secret and the LWIP_RAND key from getrandom(2). Call once at
/// start before the first connection; otherwise the first use draws them.
/// Returns false (errno set by getrandom) if the kernel gave no randomness;
/// the secrets stay unset and the next use tries again (and aborts on failure).
[[nodiscard]] bool InitSecrets();

/// Sets the ISN secret (tests: two secrets must give different ISNs; fuzzers:
/// reproducible runs).
void SetIsnSecretForTesting(const uint8_t (&key)[kSipHashKeyBytes]);

/// Keeps every cached IPv6 path MTU within [1280, link_mtu] (pmtu_guard.cc:
/// lwIP takes any value from an ICMPv6 Packet Too Big). Call after every
/// received frame, before lwIP sends anything else.
void ClampPathMtus(uint16_t link_mtu);

/// Sets the LWIP_RAND key and resets its counter (fuzzers: reproducible runs).
void SetRandomKeyForTesting(const uint8_t (&key)[kSipHashKeyBytes]);

}  // namespace lwip_port
