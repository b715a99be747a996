#pragma once

// Linux's packet-socket and classic BPF layouts (uapi/linux/if_packet.h,
// if_ether.h, filter.h, bpf_common.h; packet(7)) as the server's AF_PACKET
// sockets speak them. Checked against the host's Linux headers in
// netlink_abi_test.cc.

#include <stdint.h>

namespace netserver::packet {

inline constexpr int kAfPacket = 17;
inline constexpr int kSolPacket = 263;

/// struct sockaddr_ll (packet(7)). `protocol` is in network order.
struct SockaddrLl {
  uint16_t family;
  uint16_t protocol;
  int32_t ifindex;
  uint16_t hatype;  // ARPHRD_*
  uint8_t pkttype;  // kHost ...
  uint8_t halen;
  uint8_t addr[8];
};
static_assert(sizeof(SockaddrLl) == 20);
/// offsetof(sockaddr_ll, sll_addr): a name's length is this plus halen.
inline constexpr uint32_t kSockaddrLlAddrOffset = 12;

// sll_pkttype.
inline constexpr uint8_t kHost = 0;
inline constexpr uint8_t kBroadcast = 1;
inline constexpr uint8_t kMulticast = 2;
inline constexpr uint8_t kOtherHost = 3;
inline constexpr uint8_t kOutgoing = 4;

// Ethernet (host order; sockets carry them in network order).
inline constexpr uint16_t kEthPAll = 0x0003;
inline constexpr uint32_t kEthHeader = 14;
inline constexpr uint32_t kEthAlen = 6;

// SOL_PACKET options.
inline constexpr int kAddMembership = 1;
inline constexpr int kDropMembership = 2;
inline constexpr int kStatistics = 6;
inline constexpr int kAuxdata = 8;

/// struct packet_mreq (PACKET_ADD_MEMBERSHIP).
struct Mreq {
  int32_t ifindex;
  uint16_t type;  // PACKET_MR_*
  uint16_t alen;
  uint8_t address[8];
};
static_assert(sizeof(Mreq) == 16);
inline constexpr uint16_t kMrMulticast = 0;
inline constexpr uint16_t kMrUnicast = 3;

/// struct tpacket_stats (PACKET_STATISTICS; reading resets them).
struct Stats {
  uint32_t packets;
  uint32_t drops;
};
static_assert(sizeof(Stats) == 8);

// SOL_SOCKET options for socket filters.
inline constexpr int kSoAttachFilter = 26;
inline constexpr int kSoDetachFilter = 27;
inline constexpr int kSoLockFilter = 44;

/// struct sock_filter: one classic BPF instruction.
struct BpfInsn {
  uint16_t code;
  uint8_t jt;
  uint8_t jf;
  uint32_t k;
};
static_assert(sizeof(BpfInsn) == 8);

/// struct sock_fprog on x86-64: a count and a pointer into the caller's
/// memory (8 bytes at offset 8).
inline constexpr uint32_t kSockFprogSize = 16;
inline constexpr uint32_t kBpfMaxInsns = 4096;  // BPF_MAXINSNS
inline constexpr uint32_t kBpfMemWords = 16;    // BPF_MEMWORDS

}  // namespace netserver::packet
