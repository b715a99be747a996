#include "servers/net/address.h"

#include <errno.h>
#include <string.h>

#include "lwip/def.h"

namespace netserver {
namespace {

constexpr uint16_t kAfUnspec = 0;
constexpr uint16_t kAfInet = 2;
constexpr uint16_t kAfInet6 = 10;

uint16_t Load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

uint16_t PortOf(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

bool IsV4Mapped(const uint8_t* a) {
  static const uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return memcmp(a, kPrefix, sizeof kPrefix) == 0;
}

}  // namespace

int ParseAddress(int family, const uint8_t* bytes, uint32_t length, Endpoint* out, bool* unspec) {
  if (unspec != nullptr) *unspec = false;
  if (length < 2) return -EINVAL;
  uint16_t given = Load16(bytes);
  if (given == kAfUnspec && unspec != nullptr) {
    *unspec = true;
    return 0;
  }
  if (family == kAfInet) {
    if (length < kSockaddrIn) return -EINVAL;
    if (given != kAfInet) return -EAFNOSUPPORT;
    uint32_t addr;
    memcpy(&addr, bytes + 4, 4);  // network order, as lwIP keeps it
    ip_addr_set_ip4_u32(&out->ip, addr);
    out->port = PortOf(bytes + 2);
    return 0;
  }
  if (length < kSockaddrIn6Min) return -EINVAL;
  if (given != kAfInet6) return -EAFNOSUPPORT;
  const uint8_t* a = bytes + 8;
  out->port = PortOf(bytes + 2);
  if (IsV4Mapped(a)) {
    uint32_t addr;
    memcpy(&addr, a + 12, 4);
    ip_addr_set_ip4_u32(&out->ip, addr);
    return 0;
  }
  uint32_t words[4];
  memcpy(words, a, 16);
  IP_ADDR6(&out->ip, words[0], words[1], words[2], words[3]);
  ip6_addr_clear_zone(ip_2_ip6(&out->ip));
  return 0;
}

uint32_t FormatAddress(int family, const ip_addr_t& ip, uint16_t port, uint8_t* out) {
  if (family == kAfInet) {
    memset(out, 0, kSockaddrIn);
    out[0] = kAfInet;
    out[2] = static_cast<uint8_t>(port >> 8);
    out[3] = static_cast<uint8_t>(port);
    if (IP_IS_V4(&ip)) {
      uint32_t a = ip4_addr_get_u32(ip_2_ip4(&ip));
      memcpy(out + 4, &a, 4);
    }
    return kSockaddrIn;
  }
  memset(out, 0, kSockaddrIn6);
  out[0] = kAfInet6;
  out[2] = static_cast<uint8_t>(port >> 8);
  out[3] = static_cast<uint8_t>(port);
  if (IP_IS_ANY_TYPE_VAL(ip)) return kSockaddrIn6;
  if (IP_IS_V4(&ip)) {
    uint32_t a = ip4_addr_get_u32(ip_2_ip4(&ip));
    if (a != 0) {  // 0.0.0.0 is reported as "::"
      out[8 + 10] = 0xff;
      out[8 + 11] = 0xff;
      memcpy(out + 8 + 12, &a, 4);
    }
  } else {
    memcpy(out + 8, ip_2_ip6(&ip)->addr, 16);
  }
  return kSockaddrIn6;
}

}  // namespace netserver
