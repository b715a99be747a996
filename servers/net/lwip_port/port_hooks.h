// The C functions Tessera's lwIP port gives lwIP: the assertion and diagnostic
// sinks of arch/cc.h, LWIP_RAND and the LWIP_HOOK_TCP_ISN and
// LWIP_HOOK_TCP_INPACKET_PCB hooks (lwipopts.h).
// lwIP's own sys_now() is declared in lwip/sys.h; clock.cc defines it.
// The C++ interface for the server and tests is in port.h.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ip_addr;  // lwIP's ip_addr_t (lwip/ip_addr.h), dual-stack build
struct tcp_pcb;
struct tcp_hdr;
struct pbuf;

/// Writes "lwIP assertion failed: <message> at <file>:<line>" to stderr and
/// aborts the process. Never returns.
__attribute__((noreturn)) void lwip_port_assert_failed(const char* message, const char* file,
                                                       int line);

/// printf to stderr, for LWIP_PLATFORM_DIAG (LWIP_DEBUG builds).
__attribute__((format(printf, 1, 2))) void lwip_port_diag(const char* format, ...);

/// 32 unpredictable bits: SipHash-2-4 of a counter under a key from
/// getrandom(2) drawn at first use (aborts if getrandom fails).
uint32_t lwip_port_rand(void);

/// RFC 6528 initial sequence number for the connection (local, remote):
/// M + F(4-tuple, secret), M the monotonic clock in 4 us ticks, F SipHash-2-4
/// under a 128-bit secret drawn from getrandom(2) at first use.
uint32_t lwip_port_tcp_isn(const struct ip_addr* local_ip, uint16_t local_port,
                           const struct ip_addr* remote_ip, uint16_t remote_port);

/// LWIP_HOOK_TCP_INPACKET_PCB (tcp_guard.cc): 0 to let lwIP process the
/// segment for `pcb`, -1 to drop it. Drops segments of a synchronized
/// connection whose sequence number is more than 2^30 from rcv_nxt, which no
/// window covers and which lwIP's 32-bit sequence comparisons misjudge
/// (at exactly 2^31, tcp_receive trims by 2^31 bytes: an assertion). Stops
/// the persist timer before an ACK of new data (tcp_output restarts it if
/// still needed), as lwIP leaves it on when that ACK empties the send queue.
/// Turns a snd_wnd_max of 0 into 2 * mss, so tcp_write's segment size cannot
/// shrink below queued segments when a zero-window peer opens a little.
/// Overwrites MSS options of segments without SYN with NOPs (lwIP would
/// apply them mid-connection).
int8_t lwip_port_tcp_inpacket(struct tcp_pcb* pcb, struct tcp_hdr* hdr, uint16_t optlen,
                              uint16_t opt1len, uint8_t* opt2, const struct pbuf* p);

#ifdef __cplusplus
}
#endif
