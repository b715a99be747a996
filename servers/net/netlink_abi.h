#pragma once

// Linux's netlink and rtnetlink layouts (uapi/linux/netlink.h, rtnetlink.h,
// if_link.h, if_addr.h, if.h; netlink(7), rtnetlink(7)) as the server's
// NETLINK_ROUTE sockets speak them. The server is built against musl, which
// has none of these headers; netlink_abi_test.cc checks every value and
// layout here against the host's Linux headers.

#include <stdint.h>

namespace netserver::nl {

inline constexpr int kAfNetlink = 16;
inline constexpr int kNetlinkRoute = 0;
inline constexpr int kSolNetlink = 270;

/// struct sockaddr_nl (netlink(7)).
struct SockaddrNl {
  uint16_t family;
  uint16_t pad;
  uint32_t pid;
  uint32_t groups;
};
static_assert(sizeof(SockaddrNl) == 12);

/// struct nlmsghdr.
struct Header {
  uint32_t length;  // header included
  uint16_t type;
  uint16_t flags;
  uint32_t seq;
  uint32_t pid;
};
static_assert(sizeof(Header) == 16);

/// NLMSG_ALIGN / RTA_ALIGN: messages and attributes start on 4 bytes.
constexpr uint32_t Align(uint32_t n) { return (n + 3u) & ~3u; }

// nlmsg_flags.
inline constexpr uint16_t kFRequest = 0x01;
inline constexpr uint16_t kFMulti = 0x02;
inline constexpr uint16_t kFAck = 0x04;
inline constexpr uint16_t kFEcho = 0x08;
inline constexpr uint16_t kFRoot = 0x100;   // GET
inline constexpr uint16_t kFMatch = 0x200;  // GET
inline constexpr uint16_t kFDump = kFRoot | kFMatch;
inline constexpr uint16_t kFReplace = 0x100;  // NEW
inline constexpr uint16_t kFExcl = 0x200;     // NEW
inline constexpr uint16_t kFCreate = 0x400;   // NEW
inline constexpr uint16_t kFCapped = 0x100;   // NLMSG_ERROR: the request is not echoed

// Control messages (types below kMinType).
inline constexpr uint16_t kNoop = 1;
inline constexpr uint16_t kError = 2;
inline constexpr uint16_t kDone = 3;
inline constexpr uint16_t kMinType = 0x10;

/// struct nlmsgerr: the error (0 for an ack) and the request's header (its
/// payload follows for errors unless NETLINK_CAP_ACK).
struct ErrorBody {
  int32_t error;
  Header request;
};
static_assert(sizeof(ErrorBody) == 20);

// SOL_NETLINK options.
inline constexpr int kAddMembership = 1;
inline constexpr int kDropMembership = 2;
inline constexpr int kPktInfo = 3;
inline constexpr int kBroadcastError = 4;
inline constexpr int kNoEnobufs = 5;
inline constexpr int kCapAck = 10;
inline constexpr int kExtAck = 11;

// rtnetlink message types.
inline constexpr uint16_t kRtmBase = 16;  // RTM_BASE: kinds NEW, DEL, GET, SET in fours
inline constexpr uint16_t kNewLink = 16;
inline constexpr uint16_t kDelLink = 17;
inline constexpr uint16_t kGetLink = 18;
inline constexpr uint16_t kSetLink = 19;
inline constexpr uint16_t kNewAddr = 20;
inline constexpr uint16_t kDelAddr = 21;
inline constexpr uint16_t kGetAddr = 22;
inline constexpr uint16_t kNewRoute = 24;
inline constexpr uint16_t kDelRoute = 25;
inline constexpr uint16_t kGetRoute = 26;

/// struct rtattr (and nlattr: the same header).
struct Attr {
  uint16_t length;  // header included
  uint16_t type;
};
static_assert(sizeof(Attr) == 4);

/// struct ifinfomsg (RTM_*LINK).
struct IfInfo {
  uint8_t family;
  uint8_t pad;
  uint16_t type;  // ARPHRD_*
  int32_t index;
  uint32_t flags;  // IFF_*
  uint32_t change;
};
static_assert(sizeof(IfInfo) == 16);

// IFLA_* attributes.
inline constexpr uint16_t kIflaAddress = 1;
inline constexpr uint16_t kIflaBroadcast = 2;
inline constexpr uint16_t kIflaIfname = 3;
inline constexpr uint16_t kIflaMtu = 4;
inline constexpr uint16_t kIflaQdisc = 6;
inline constexpr uint16_t kIflaTxqlen = 13;
inline constexpr uint16_t kIflaOperstate = 16;
inline constexpr uint16_t kIflaLinkmode = 17;
inline constexpr uint16_t kIflaExtMask = 29;

// IF_OPER_* (RFC 2863 operational states).
inline constexpr uint8_t kOperUnknown = 0;
inline constexpr uint8_t kOperDown = 2;
inline constexpr uint8_t kOperUp = 6;

// IFF_* (uapi/linux/if.h).
inline constexpr uint32_t kIffUp = 0x1;
inline constexpr uint32_t kIffBroadcast = 0x2;
inline constexpr uint32_t kIffLoopback = 0x8;
inline constexpr uint32_t kIffRunning = 0x40;
inline constexpr uint32_t kIffMulticast = 0x1000;
inline constexpr uint32_t kIffLowerUp = 0x10000;

// ARPHRD_*.
inline constexpr uint16_t kArphrdEther = 1;
inline constexpr uint16_t kArphrdLoopback = 772;

/// struct ifaddrmsg (RTM_*ADDR).
struct IfAddr {
  uint8_t family;
  uint8_t prefix_length;
  uint8_t flags;  // IFA_F_* (the low 8 bits; IFA_FLAGS has all 32)
  uint8_t scope;  // RT_SCOPE_*
  uint32_t index;
};
static_assert(sizeof(IfAddr) == 8);

// IFA_* attributes.
inline constexpr uint16_t kIfaAddress = 1;
inline constexpr uint16_t kIfaLocal = 2;
inline constexpr uint16_t kIfaLabel = 3;
inline constexpr uint16_t kIfaBroadcast = 4;
inline constexpr uint16_t kIfaCacheinfo = 6;
inline constexpr uint16_t kIfaFlags = 8;

// IFA_F_*.
inline constexpr uint32_t kIfaFDeprecated = 0x20;
inline constexpr uint32_t kIfaFTentative = 0x40;
inline constexpr uint32_t kIfaFPermanent = 0x80;

/// struct ifa_cacheinfo (seconds; 0xffffffff: forever).
struct IfaCacheinfo {
  uint32_t preferred;
  uint32_t valid;
  uint32_t created;  // hundredths of a second since boot
  uint32_t updated;
};
static_assert(sizeof(IfaCacheinfo) == 16);

/// struct rtmsg (RTM_*ROUTE).
struct RtMsg {
  uint8_t family;
  uint8_t dst_length;
  uint8_t src_length;
  uint8_t tos;
  uint8_t table;     // RT_TABLE_*
  uint8_t protocol;  // RTPROT_*
  uint8_t scope;     // RT_SCOPE_*
  uint8_t type;      // RTN_*
  uint32_t flags;
};
static_assert(sizeof(RtMsg) == 12);

// RTA_* attributes.
inline constexpr uint16_t kRtaDst = 1;
inline constexpr uint16_t kRtaOif = 4;
inline constexpr uint16_t kRtaGateway = 5;
inline constexpr uint16_t kRtaPriority = 6;
inline constexpr uint16_t kRtaPrefsrc = 7;
inline constexpr uint16_t kRtaTable = 15;

inline constexpr uint8_t kTableUnspec = 0;
inline constexpr uint8_t kTableMain = 254;

inline constexpr uint8_t kProtKernel = 2;  // made by the stack from an address
inline constexpr uint8_t kProtBoot = 3;    // set at boot or by a tool (ip, route)
inline constexpr uint8_t kProtRa = 9;      // learned from a router advertisement

inline constexpr uint8_t kScopeUniverse = 0;
inline constexpr uint8_t kScopeLink = 253;
inline constexpr uint8_t kScopeHost = 254;

inline constexpr uint8_t kRtnUnspec = 0;
inline constexpr uint8_t kRtnUnicast = 1;

}  // namespace netserver::nl
