#pragma once

// Socket addresses between Linux's layouts (sockaddr_in, sockaddr_in6, as
// netproto carries them) and lwIP's ip_addr_t + port.
//
// An AF_INET6 socket is dual-stack: "::" binds both families, an IPv4-mapped
// address (::ffff:a.b.c.d) means that IPv4 address, and IPv4 peers are
// reported as IPv4-mapped, as Linux does.

#include <stdint.h>

#include "lwip/ip_addr.h"

namespace netserver {

struct Endpoint {
  ip_addr_t ip;
  uint16_t port = 0;  // host order
};

inline constexpr uint32_t kSockaddrIn = 16;
inline constexpr uint32_t kSockaddrIn6 = 28;
inline constexpr uint32_t kSockaddrIn6Min = 24;  // without sin6_scope_id (RFC 2133)

/// Parses `length` bytes of a sockaddr for a socket of `family`.
/// Returns 0, -EINVAL (too short, or a family an AF_INET6 socket refuses) or
/// -EAFNOSUPPORT (another family for an AF_INET socket). `unspec` is set for
/// AF_UNSPEC (connect's "dissolve the association") instead of failing.
int ParseAddress(int family, const uint8_t* bytes, uint32_t length, Endpoint* out,
                 bool* unspec = nullptr);

/// Writes the address as a socket of `family` reports it; returns its length.
uint32_t FormatAddress(int family, const ip_addr_t& ip, uint16_t port, uint8_t* out);

}  // namespace netserver
