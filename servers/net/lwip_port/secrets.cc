// The port's two secrets: the RFC 6528 ISN key and the LWIP_RAND key, both
// 128-bit SipHash-2-4 keys from getrandom(2).
#include <string.h>
#include <sys/random.h>

#include "lwip/ip_addr.h"
#include "servers/net/lwip_port/port.h"
#include "servers/net/lwip_port/port_hooks.h"

namespace lwip_port {
namespace {

struct Key {
  uint8_t bytes[kSipHashKeyBytes];
  bool set = false;
};

Key g_isn_key;
Key g_rand_key;
uint64_t g_rand_counter = 0;

bool Fill(Key& key) {
  size_t got = 0;
  while (got < sizeof(key.bytes)) {
    ssize_t n = getrandom(key.bytes + got, sizeof(key.bytes) - got, 0);
    if (n < 0) return false;  // EINTR included: the caller decides
    got += static_cast<size_t>(n);
  }
  key.set = true;
  return true;
}

void EnsureSet(Key& key) {
  if (!key.set && !Fill(key)) {
    lwip_port_assert_failed("getrandom(2) failed: no secret for TCP ISNs or LWIP_RAND", __FILE__,
                            __LINE__);
  }
}

// The bytes a 4-tuple hashes as: family, local and remote address (16 bytes
// each, IPv4 in the first 4), local and remote port.
size_t EncodeTuple(const ip_addr_t* local_ip, uint16_t local_port, const ip_addr_t* remote_ip,
                   uint16_t remote_port, uint8_t (&out)[37]) {
  memset(out, 0, sizeof(out));
  out[0] = IP_IS_V6(local_ip) ? 6 : 4;
  const ip_addr_t* addrs[2] = {local_ip, remote_ip};
  for (int i = 0; i < 2; ++i) {
    uint8_t* dst = out + 1 + 16 * i;
    if (IP_IS_V6(addrs[i])) {
      memcpy(dst, ip_2_ip6(addrs[i])->addr, 16);
    } else {
      memcpy(dst, &ip_2_ip4(addrs[i])->addr, 4);
    }
  }
  out[33] = static_cast<uint8_t>(local_port >> 8);
  out[34] = static_cast<uint8_t>(local_port);
  out[35] = static_cast<uint8_t>(remote_port >> 8);
  out[36] = static_cast<uint8_t>(remote_port);
  return sizeof(out);
}

}  // namespace

bool InitSecrets() {
  Key isn, rand;
  if (!Fill(isn) || !Fill(rand)) return false;
  g_isn_key = isn;
  g_rand_key = rand;
  g_rand_counter = 0;
  return true;
}

void SetIsnSecretForTesting(const uint8_t (&key)[kSipHashKeyBytes]) {
  memcpy(g_isn_key.bytes, key, sizeof(key));
  g_isn_key.set = true;
}

void SetRandomKeyForTesting(const uint8_t (&key)[kSipHashKeyBytes]) {
  memcpy(g_rand_key.bytes, key, sizeof(key));
  g_rand_key.set = true;
  g_rand_counter = 0;
}

}  // namespace lwip_port

// RFC 6528 section 3: ISN = M + F(localip, localport, remoteip, remoteport,
// secretkey), M a timer ticking every 4 microseconds.
extern "C" uint32_t lwip_port_tcp_isn(const ip_addr_t* local_ip, uint16_t local_port,
                                      const ip_addr_t* remote_ip, uint16_t remote_port) {
  using namespace lwip_port;
  EnsureSet(g_isn_key);
  uint8_t tuple[37];
  size_t len = EncodeTuple(local_ip, local_port, remote_ip, remote_port, tuple);
  uint64_t f = SipHash24(g_isn_key.bytes, tuple, len);
  uint64_t m = MonotonicNanos() / 4000;
  return static_cast<uint32_t>(m + f);
}

extern "C" uint32_t lwip_port_rand(void) {
  using namespace lwip_port;
  EnsureSet(g_rand_key);
  uint64_t counter = g_rand_counter++;
  return static_cast<uint32_t>(SipHash24(g_rand_key.bytes, &counter, sizeof(counter)));
}
