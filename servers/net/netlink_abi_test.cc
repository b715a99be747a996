// netlink_abi.h and packet_abi.h against the host's Linux headers: every
// value and layout the server defines for itself (musl has none of them).
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>

#include "servers/net/netlink_abi.h"
#include "servers/net/packet_abi.h"

namespace netserver {
namespace {

TEST(NetlinkAbiTest, MatchesLinux) {
  static_assert(sizeof(nl::SockaddrNl) == sizeof(sockaddr_nl));
  static_assert(offsetof(sockaddr_nl, nl_pid) == offsetof(nl::SockaddrNl, pid));
  static_assert(sizeof(nl::Header) == sizeof(nlmsghdr));
  static_assert(sizeof(nl::ErrorBody) == sizeof(nlmsgerr));
  static_assert(sizeof(nl::IfInfo) == sizeof(ifinfomsg));
  static_assert(offsetof(ifinfomsg, ifi_flags) == offsetof(nl::IfInfo, flags));
  static_assert(sizeof(nl::IfAddr) == sizeof(ifaddrmsg));
  static_assert(offsetof(ifaddrmsg, ifa_scope) == offsetof(nl::IfAddr, scope));
  static_assert(sizeof(nl::IfaCacheinfo) == sizeof(ifa_cacheinfo));
  static_assert(sizeof(nl::RtMsg) == sizeof(rtmsg));
  static_assert(offsetof(rtmsg, rtm_type) == offsetof(nl::RtMsg, type));
  EXPECT_EQ(nl::kAfNetlink, AF_NETLINK);
  EXPECT_EQ(nl::kNetlinkRoute, NETLINK_ROUTE);
  EXPECT_EQ(nl::kSolNetlink, SOL_NETLINK);
  EXPECT_EQ(nl::kFRequest, NLM_F_REQUEST);
  EXPECT_EQ(nl::kFMulti, NLM_F_MULTI);
  EXPECT_EQ(nl::kFAck, NLM_F_ACK);
  EXPECT_EQ(nl::kFEcho, NLM_F_ECHO);
  EXPECT_EQ(nl::kFDump, NLM_F_DUMP);
  EXPECT_EQ(nl::kFReplace, NLM_F_REPLACE);
  EXPECT_EQ(nl::kFExcl, NLM_F_EXCL);
  EXPECT_EQ(nl::kFCreate, NLM_F_CREATE);
  EXPECT_EQ(nl::kFCapped, NLM_F_CAPPED);
  EXPECT_EQ(nl::kNoop, NLMSG_NOOP);
  EXPECT_EQ(nl::kError, NLMSG_ERROR);
  EXPECT_EQ(nl::kDone, NLMSG_DONE);
  EXPECT_EQ(nl::kMinType, NLMSG_MIN_TYPE);
  EXPECT_EQ(nl::kAddMembership, NETLINK_ADD_MEMBERSHIP);
  EXPECT_EQ(nl::kDropMembership, NETLINK_DROP_MEMBERSHIP);
  EXPECT_EQ(nl::kPktInfo, NETLINK_PKTINFO);
  EXPECT_EQ(nl::kBroadcastError, NETLINK_BROADCAST_ERROR);
  EXPECT_EQ(nl::kNoEnobufs, NETLINK_NO_ENOBUFS);
  EXPECT_EQ(nl::kCapAck, NETLINK_CAP_ACK);
  EXPECT_EQ(nl::kExtAck, NETLINK_EXT_ACK);
  EXPECT_EQ(nl::kNewLink, RTM_NEWLINK);
  EXPECT_EQ(nl::kDelLink, RTM_DELLINK);
  EXPECT_EQ(nl::kGetLink, RTM_GETLINK);
  EXPECT_EQ(nl::kSetLink, RTM_SETLINK);
  EXPECT_EQ(nl::kNewAddr, RTM_NEWADDR);
  EXPECT_EQ(nl::kDelAddr, RTM_DELADDR);
  EXPECT_EQ(nl::kGetAddr, RTM_GETADDR);
  EXPECT_EQ(nl::kNewRoute, RTM_NEWROUTE);
  EXPECT_EQ(nl::kDelRoute, RTM_DELROUTE);
  EXPECT_EQ(nl::kGetRoute, RTM_GETROUTE);
  EXPECT_EQ(nl::kIflaAddress, IFLA_ADDRESS);
  EXPECT_EQ(nl::kIflaBroadcast, IFLA_BROADCAST);
  EXPECT_EQ(nl::kIflaIfname, IFLA_IFNAME);
  EXPECT_EQ(nl::kIflaMtu, IFLA_MTU);
  EXPECT_EQ(nl::kIflaQdisc, IFLA_QDISC);
  EXPECT_EQ(nl::kIflaTxqlen, IFLA_TXQLEN);
  EXPECT_EQ(nl::kIflaOperstate, IFLA_OPERSTATE);
  EXPECT_EQ(nl::kIflaLinkmode, IFLA_LINKMODE);
  EXPECT_EQ(nl::kIflaExtMask, IFLA_EXT_MASK);
  EXPECT_EQ(nl::kOperUnknown, IF_OPER_UNKNOWN);
  EXPECT_EQ(nl::kOperDown, IF_OPER_DOWN);
  EXPECT_EQ(nl::kOperUp, IF_OPER_UP);
  EXPECT_EQ(nl::kIffUp, unsigned(IFF_UP));
  EXPECT_EQ(nl::kIffBroadcast, unsigned(IFF_BROADCAST));
  EXPECT_EQ(nl::kIffLoopback, unsigned(IFF_LOOPBACK));
  EXPECT_EQ(nl::kIffRunning, unsigned(IFF_RUNNING));
  EXPECT_EQ(nl::kIffMulticast, unsigned(IFF_MULTICAST));
  EXPECT_EQ(nl::kIffLowerUp, unsigned(IFF_LOWER_UP));
  EXPECT_EQ(nl::kArphrdEther, ARPHRD_ETHER);
  EXPECT_EQ(nl::kArphrdLoopback, ARPHRD_LOOPBACK);
  EXPECT_EQ(nl::kIfaAddress, IFA_ADDRESS);
  EXPECT_EQ(nl::kIfaLocal, IFA_LOCAL);
  EXPECT_EQ(nl::kIfaLabel, IFA_LABEL);
  EXPECT_EQ(nl::kIfaBroadcast, IFA_BROADCAST);
  EXPECT_EQ(nl::kIfaCacheinfo, IFA_CACHEINFO);
  EXPECT_EQ(nl::kIfaFlags, IFA_FLAGS);
  EXPECT_EQ(nl::kIfaFDeprecated, unsigned(IFA_F_DEPRECATED));
  EXPECT_EQ(nl::kIfaFTentative, unsigned(IFA_F_TENTATIVE));
  EXPECT_EQ(nl::kIfaFPermanent, unsigned(IFA_F_PERMANENT));
  EXPECT_EQ(nl::kRtaDst, RTA_DST);
  EXPECT_EQ(nl::kRtaOif, RTA_OIF);
  EXPECT_EQ(nl::kRtaGateway, RTA_GATEWAY);
  EXPECT_EQ(nl::kRtaPriority, RTA_PRIORITY);
  EXPECT_EQ(nl::kRtaPrefsrc, RTA_PREFSRC);
  EXPECT_EQ(nl::kRtaTable, RTA_TABLE);
  EXPECT_EQ(nl::kTableUnspec, RT_TABLE_UNSPEC);
  EXPECT_EQ(nl::kTableMain, RT_TABLE_MAIN);
  EXPECT_EQ(nl::kProtKernel, RTPROT_KERNEL);
  EXPECT_EQ(nl::kProtBoot, RTPROT_BOOT);
  EXPECT_EQ(nl::kProtRa, RTPROT_RA);
  EXPECT_EQ(nl::kScopeUniverse, RT_SCOPE_UNIVERSE);
  EXPECT_EQ(nl::kScopeLink, RT_SCOPE_LINK);
  EXPECT_EQ(nl::kScopeHost, RT_SCOPE_HOST);
  EXPECT_EQ(nl::kRtnUnspec, RTN_UNSPEC);
  EXPECT_EQ(nl::kRtnUnicast, RTN_UNICAST);
}

TEST(PacketAbiTest, MatchesLinux) {
  static_assert(sizeof(packet::SockaddrLl) == sizeof(sockaddr_ll));
  static_assert(offsetof(sockaddr_ll, sll_addr) == packet::kSockaddrLlAddrOffset);
  static_assert(offsetof(sockaddr_ll, sll_pkttype) == offsetof(packet::SockaddrLl, pkttype));
  static_assert(sizeof(packet::Mreq) == sizeof(packet_mreq));
  static_assert(sizeof(packet::Stats) == sizeof(tpacket_stats));
  static_assert(sizeof(packet::BpfInsn) == sizeof(sock_filter));
  static_assert(sizeof(sock_fprog) == packet::kSockFprogSize);
  EXPECT_EQ(packet::kAfPacket, AF_PACKET);
  EXPECT_EQ(packet::kSolPacket, SOL_PACKET);
  EXPECT_EQ(packet::kHost, PACKET_HOST);
  EXPECT_EQ(packet::kBroadcast, PACKET_BROADCAST);
  EXPECT_EQ(packet::kMulticast, PACKET_MULTICAST);
  EXPECT_EQ(packet::kOtherHost, PACKET_OTHERHOST);
  EXPECT_EQ(packet::kOutgoing, PACKET_OUTGOING);
  EXPECT_EQ(packet::kEthPAll, ETH_P_ALL);
  EXPECT_EQ(packet::kEthHeader, unsigned(ETH_HLEN));
  EXPECT_EQ(packet::kEthAlen, unsigned(ETH_ALEN));
  EXPECT_EQ(packet::kAddMembership, PACKET_ADD_MEMBERSHIP);
  EXPECT_EQ(packet::kDropMembership, PACKET_DROP_MEMBERSHIP);
  EXPECT_EQ(packet::kStatistics, PACKET_STATISTICS);
  EXPECT_EQ(packet::kAuxdata, PACKET_AUXDATA);
  EXPECT_EQ(packet::kMrMulticast, PACKET_MR_MULTICAST);
  EXPECT_EQ(packet::kMrUnicast, PACKET_MR_UNICAST);
  EXPECT_EQ(packet::kSoAttachFilter, SO_ATTACH_FILTER);
  EXPECT_EQ(packet::kSoDetachFilter, SO_DETACH_FILTER);
  EXPECT_EQ(packet::kSoLockFilter, SO_LOCK_FILTER);
  EXPECT_EQ(packet::kBpfMaxInsns, unsigned(BPF_MAXINSNS));
  EXPECT_EQ(packet::kBpfMemWords, unsigned(BPF_MEMWORDS));
}

}  // namespace
}  // namespace netserver
