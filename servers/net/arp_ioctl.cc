#include "servers/net/arp_ioctl.h"

#include <errno.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "servers/net/interfaces.h"

namespace netserver {
namespace {

// struct arpreq: arp_pa (sockaddr), arp_ha (sockaddr), arp_flags (int),
// arp_netmask (sockaddr), arp_dev (char[16]).
constexpr uint32_t kPa = 0, kHa = 16, kFlags = 32, kDev = 52;
constexpr uint16_t kAfInet = 2;
constexpr uint16_t kArphrdEther = 1;

// The permanent entries set here (lwIP keeps them; it does not say which
// of its entries are static).
uint32_t g_permanent[ARP_TABLE_SIZE];
size_t g_permanent_count = 0;

void ForgetPermanent(uint32_t ip) {
  for (size_t i = 0; i < g_permanent_count; ++i) {
    if (g_permanent[i] == ip) {
      g_permanent[i] = g_permanent[--g_permanent_count];
      return;
    }
  }
}

// The interface the entry is for: arp_dev when named (it must exist), else
// the one lwIP routes the address through.
int DeviceFor(const uint8_t* req, const ip4_addr_t& ip, struct netif** out) {
  char dev[17] = {};
  memcpy(dev, req + kDev, 16);
  if (dev[0] != '\0') {
    *out = FindInterface(dev);
    if (*out == nullptr) return -ENODEV;
  } else {
    *out = ip4_route(&ip);
    if (*out == nullptr) return -ENETUNREACH;
  }
  if (IsLoopbackInterface(*out)) return -EINVAL;  // lo has no ARP
  return 0;
}

int Set(uint8_t* req, const ip4_addr_t& ip, int32_t flags) {
  if ((flags & kAtfPubl) != 0) return -EOPNOTSUPP;
  uint16_t hw_family;
  memcpy(&hw_family, req + kHa, 2);
  if (hw_family != kArphrdEther) return -EINVAL;
  struct netif* n = nullptr;
  if (int e = DeviceFor(req, ip, &n); e < 0) return e;
  struct eth_addr mac;
  memcpy(mac.addr, req + kHa + 2, 6);
  if ((mac.addr[0] & 1) != 0) return -EINVAL;  // multicast or broadcast
  ip4_addr_t on_link;
  ip4_addr_copy(on_link, ip);
  if (etharp_add_static_entry(&on_link, &mac) != ERR_OK) return -ENOMEM;
  const uint32_t raw = ip4_addr_get_u32(&ip);
  ForgetPermanent(raw);
  if (g_permanent_count < ARP_TABLE_SIZE) g_permanent[g_permanent_count++] = raw;
  return 0;
}

// The table index of `ip` on `n`, or -1.
ssize_t Find(struct netif* n, const ip4_addr_t& ip, struct eth_addr** mac) {
  const ip4_addr_t* found_ip = nullptr;
  return etharp_find_addr(n, &ip, mac, &found_ip);
}

int Delete(uint8_t* req, const ip4_addr_t& ip) {
  struct netif* n = nullptr;
  if (int e = DeviceFor(req, ip, &n); e < 0) return e;
  struct eth_addr* mac = nullptr;
  if (Find(n, ip, &mac) < 0) return -ENXIO;
  ip4_addr_t target;
  ip4_addr_copy(target, ip);
  err_t r = etharp_remove_static_entry(&target);
  if (r == ERR_ARG) {
    // A learnt entry: lwIP removes only static ones, so make it one first.
    struct eth_addr same = *mac;
    if (etharp_add_static_entry(&target, &same) != ERR_OK) return -ENXIO;
    r = etharp_remove_static_entry(&target);
  }
  ForgetPermanent(ip4_addr_get_u32(&ip));
  return r == ERR_OK ? 0 : -ENXIO;
}

int Get(uint8_t* req, const ip4_addr_t& ip, uint32_t* out_length) {
  struct netif* n = nullptr;
  if (int e = DeviceFor(req, ip, &n); e < 0) return e;
  struct eth_addr* mac = nullptr;
  if (Find(n, ip, &mac) < 0) return -ENXIO;
  memset(req + kHa, 0, 16);
  memcpy(req + kHa, &kArphrdEther, 2);
  memcpy(req + kHa + 2, mac->addr, 6);
  int32_t flags = kAtfCom | (IsPermanentArpEntry(ip4_addr_get_u32(&ip)) ? kAtfPerm : 0);
  memcpy(req + kFlags, &flags, sizeof flags);
  char name[16];
  InterfaceName(n, name);
  memcpy(req + kDev, name, sizeof name);
  *out_length = kArpreqSize;
  return 0;
}

}  // namespace

int ArpIoctl(uint32_t request, uint8_t* req, uint32_t length, uint32_t* out_length) {
  *out_length = 0;
  if (length < kArpreqSize) return -EINVAL;
  uint16_t family;
  memcpy(&family, req + kPa, 2);
  if (family != kAfInet) return -EPFNOSUPPORT;  // as Linux's arp_ioctl
  uint32_t raw;
  memcpy(&raw, req + kPa + 4, 4);
  ip4_addr_t ip;
  ip4_addr_set_u32(&ip, raw);
  int32_t flags;
  memcpy(&flags, req + kFlags, sizeof flags);
  switch (request) {
    case kSiocSArp: return Set(req, ip, flags);
    case kSiocDArp: return Delete(req, ip);
    case kSiocGArp: return Get(req, ip, out_length);
    default: return -ENOTTY;
  }
}

bool IsPermanentArpEntry(uint32_t ip) {
  for (size_t i = 0; i < g_permanent_count; ++i) {
    if (g_permanent[i] == ip) return true;
  }
  return false;
}

}  // namespace netserver
