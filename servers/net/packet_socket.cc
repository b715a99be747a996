// Packet sockets (packet(7)): Ethernet frames of the server's netifs, as
// the link tap (link_tap.h) shows them.
//
// SOCK_RAW reads and writes whole frames; SOCK_DGRAM the payload, with the
// link-level header in the sockaddr_ll (a send builds the Ethernet header
// from sll_addr, the netif's MAC and the protocol). The socket's protocol
// (network order, ETH_P_ALL or an EtherType; 0: nothing until bind gives
// one) and bound ifindex (0: every netif) select what is received: a copy
// of each frame the NIC received, and for ETH_P_ALL each frame the server
// sent (PACKET_OUTGOING) except the socket's own. Received frames wait in a
// queue bounded by Linux's default receive buffer; beyond it they are
// dropped and counted (PACKET_STATISTICS).
//
// SO_ATTACH_FILTER runs classic BPF (bpf.h) when the value holds the
// program itself: a struct sock_fprog whose instructions follow it (16 +
// 8 * len bytes). Today's kernel forwards only the 16-byte sock_fprog, whose
// pointer is into the caller's memory; the server cannot read that, so it
// accepts the filter and delivers unfiltered (busybox udhcpc checks every
// packet itself). PACKET_AUXDATA is accepted and kept, but netproto carries
// no control messages, so no tpacket_auxdata comes with a read.
// PACKET_ADD_MEMBERSHIP is checked and accepted; the NIC delivers what it
// delivers (no multicast or promiscuous filter to change).
//
// Not here: SOCK_PACKET (ESOCKTNOSUPPORT), the loopback netif (binding or
// sending to lo is EOPNOTSUPP), packet rings (PACKET_RX_RING etc.:
// ENOPROTOOPT).

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "kstd/new.h"
#include "lwip/def.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "servers/net/bpf.h"
#include "servers/net/interfaces.h"
#include "servers/net/link_tap.h"
#include "servers/net/packet_abi.h"
#include "servers/net/socket.h"

namespace netserver {
namespace {

using packet::SockaddrLl;

constexpr uint32_t kReceiveLimit = 212992;
constexpr uint32_t kLargestFrame = 2048;  // what the outgoing tap copies at most
constexpr uint16_t kArphrdEther = 1;
constexpr uint16_t kMrPromisc = 1;
constexpr uint16_t kMrAllmulti = 2;

struct Frame {
  kstd::ListNode node;
  pbuf* data = nullptr;
  SockaddrLl from{};
};

struct netif* EthernetByIndex(int32_t index) {
  if (index <= 0 || index > 255) return nullptr;
  return netif_get_by_index(static_cast<u8_t>(index));
}

uint16_t EtherTypeOf(const uint8_t* frame) {  // network order, as sockets keep it
  uint16_t t;
  memcpy(&t, frame + 12, 2);
  return t;
}

uint8_t PacketTypeOf(const struct netif* n, const uint8_t* frame) {
  static const uint8_t kBroadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  if (memcmp(frame, kBroadcast, 6) == 0) return packet::kBroadcast;
  if ((frame[0] & 1) != 0) return packet::kMulticast;
  return memcmp(frame, n->hwaddr, 6) == 0 ? packet::kHost : packet::kOtherHost;
}

class PacketSocket;
PacketSocket* g_sender = nullptr;  // the socket whose frame is being sent

// Every packet socket, for the tap.
struct TapEntry {
  kstd::ListNode node;
  PacketSocket* socket = nullptr;
};
kstd::IntrusiveList<TapEntry, &TapEntry::node> g_taps;

class PacketSocket final : public Socket {
 public:
  PacketSocket(Sockets* sockets, int type, int protocol)
      : Socket(sockets, packet::kAfPacket, type, protocol),
        protocol_(static_cast<uint16_t>(protocol)) {
    tap_.socket = this;
    g_taps.PushBack(&tap_);
  }

  ~PacketSocket() override {
    g_taps.Remove(&tap_);
    while (Frame* f = queue_.PopFront()) Free(f);
    delete[] filter_;
  }

  int Bind(const uint8_t* address, uint32_t length) override {
    SockaddrLl a;
    if (length < sizeof a) return -EINVAL;
    memcpy(&a, address, sizeof a);
    if (a.family != packet::kAfPacket) return -EINVAL;
    if (a.ifindex != 0) {
      struct netif* n = EthernetByIndex(a.ifindex);
      if (n == nullptr) return -ENODEV;
      if (IsLoopbackInterface(n)) return -EOPNOTSUPP;
    }
    ifindex_ = a.ifindex;
    if (a.protocol != 0) protocol_ = a.protocol;
    return 0;
  }

  int Connect(const uint8_t*, uint32_t) override { return -EOPNOTSUPP; }
  int Shutdown(int) override { return -EOPNOTSUPP; }

  int Send(const uint8_t* data, uint32_t length, int, const uint8_t* address,
           uint32_t address_length) override {
    int32_t ifindex = ifindex_;
    uint16_t protocol = protocol_;
    const uint8_t* destination = nullptr;
    SockaddrLl a;
    if (address_length != 0) {
      if (address_length < sizeof a) return -EINVAL;
      memcpy(&a, address, sizeof a);
      if (a.family != packet::kAfPacket) return -EINVAL;
      ifindex = a.ifindex;
      protocol = a.protocol;
      if (type() == SOCK_DGRAM) {
        if (a.halen < packet::kEthAlen) return -EINVAL;
        destination = a.addr;
      }
    }
    struct netif* n = EthernetByIndex(ifindex);
    if (n == nullptr) return -ENXIO;
    if (IsLoopbackInterface(n)) return -EOPNOTSUPP;
    if (!netif_is_up(n)) return -ENETDOWN;
    uint32_t size = length;
    if (type() == SOCK_DGRAM) {
      if (destination == nullptr) return -EDESTADDRREQ;
      if (length > n->mtu) return -EMSGSIZE;
      size += packet::kEthHeader;
    } else {
      if (length < packet::kEthHeader) return -EINVAL;
      if (length > n->mtu + packet::kEthHeader) return -EMSGSIZE;
    }
    pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(size), PBUF_RAM);
    if (p == nullptr) return -ENOBUFS;
    uint8_t* at = static_cast<uint8_t*>(p->payload);
    if (type() == SOCK_DGRAM) {
      memcpy(at, destination, packet::kEthAlen);
      memcpy(at + 6, n->hwaddr, packet::kEthAlen);
      memcpy(at + 12, &protocol, 2);
      at += packet::kEthHeader;
    }
    if (length != 0) memcpy(at, data, length);
    g_sender = this;
    err_t err = n->linkoutput != nullptr ? n->linkoutput(n, p) : ERR_IF;
    g_sender = nullptr;
    pbuf_free(p);
    if (err == ERR_MEM || err == ERR_BUF) return -ENOBUFS;
    if (err == ERR_IF) return -ENETDOWN;
    if (err != ERR_OK) return -EIO;
    return static_cast<int>(length);
  }

  int Receive(uint8_t* out, uint32_t room, int flags, Reply* reply) override {
    Frame* f = queue_.Front();
    if (f == nullptr) return -EAGAIN;
    uint32_t size = f->data->tot_len;
    uint32_t n = size < room ? size : room;
    if (n != 0) pbuf_copy_partial(f->data, out, static_cast<u16_t>(n), 0);
    reply->length = n;
    reply->value = size;
    memcpy(reply->address, &f->from, sizeof f->from);
    reply->address_length = sizeof f->from;  // Linux: never less than a sockaddr_ll
    if ((flags & MSG_PEEK) == 0) {
      queue_.Remove(f);
      queued_ -= size;
      Free(f);
      Changed();
    }
    return static_cast<int>(n);
  }

  int LocalName(Reply* reply) override {
    SockaddrLl a{};
    a.family = packet::kAfPacket;
    a.protocol = protocol_;
    a.ifindex = ifindex_;
    if (struct netif* n = EthernetByIndex(ifindex_)) {
      a.hatype = kArphrdEther;
      a.halen = packet::kEthAlen;
      memcpy(a.addr, n->hwaddr, packet::kEthAlen);
    }
    memcpy(reply->address, &a, sizeof a);
    reply->address_length = packet::kSockaddrLlAddrOffset + a.halen;
    return 0;
  }

  int PeerName(Reply*) override { return -EOPNOTSUPP; }

  int GetOption(int level, int name, uint8_t* out, uint32_t room, Reply* reply) override {
    if (level == packet::kSolPacket && name == packet::kStatistics) {
      packet::Stats st{packets_ + drops_, drops_};  // Linux counts drops in both
      packets_ = drops_ = 0;
      return Put(&st, sizeof st, out, room, reply);
    }
    if (level == packet::kSolPacket && name == packet::kAuxdata) {
      int v = auxdata_;
      return Put(&v, sizeof v, out, room, reply);
    }
    if (level == SOL_SOCKET && name == packet::kSoLockFilter) {
      int v = filter_locked_;
      return Put(&v, sizeof v, out, room, reply);
    }
    if (level == packet::kSolPacket) return -ENOPROTOOPT;
    return Socket::GetOption(level, name, out, room, reply);
  }

  int SetOption(int level, int name, const uint8_t* value, uint32_t length) override {
    if (level == SOL_SOCKET && name == packet::kSoAttachFilter) return AttachFilter(value, length);
    if (level == SOL_SOCKET && name == packet::kSoDetachFilter) {
      if (filter_locked_) return -EPERM;
      if (filter_ == nullptr && !unread_filter_) return -ENOENT;
      DropFilter();
      return 0;
    }
    if (level == SOL_SOCKET && name == packet::kSoLockFilter) {
      int v;
      if (length < sizeof v) return -EINVAL;
      memcpy(&v, value, sizeof v);
      if (filter_locked_ && v == 0) return -EPERM;
      filter_locked_ = v != 0;
      return 0;
    }
    if (level != packet::kSolPacket) return Socket::SetOption(level, name, value, length);
    switch (name) {
      case packet::kAddMembership:
      case packet::kDropMembership: {
        packet::Mreq m;
        if (length < sizeof m) return -EINVAL;
        memcpy(&m, value, sizeof m);
        if (EthernetByIndex(m.ifindex) == nullptr) return -ENODEV;
        if (m.type != packet::kMrMulticast && m.type != kMrPromisc && m.type != kMrAllmulti &&
            m.type != packet::kMrUnicast)
          return -EINVAL;
        if (m.alen > sizeof m.address) return -EINVAL;
        return 0;
      }
      case packet::kAuxdata: {
        int v;
        if (length < sizeof v) return -EINVAL;
        memcpy(&v, value, sizeof v);
        auxdata_ = v != 0;
        return 0;
      }
      default: return -ENOPROTOOPT;
    }
  }

  int BytesQueued(int unsent, Reply* reply) override {
    Frame* f = queue_.Front();
    reply->value = unsent != 0 || f == nullptr ? 0 : f->data->tot_len;
    return 0;
  }

  uint64_t Readiness() const override {
    uint64_t r = netproto::kWritable;
    if (!queue_.empty()) r |= netproto::kReadable;
    return r;
  }

  void Close() override {
    sockets_->Remove(this);
    delete this;
  }

  /// A copy of `frame` if this socket wants it.
  void Offer(struct netif* n, const uint8_t* frame, uint32_t length, uint8_t pkttype) {
    const uint16_t all = lwip_htons(packet::kEthPAll);
    const uint16_t ether_type = EtherTypeOf(frame);
    if (protocol_ == 0 || (protocol_ != all && protocol_ != ether_type)) return;
    if (pkttype == packet::kOutgoing && (protocol_ != all || g_sender == this)) return;
    const int32_t index = netif_get_index(n);
    if (ifindex_ != 0 && ifindex_ != index) return;
    const uint32_t offset = type() == SOCK_DGRAM ? packet::kEthHeader : 0;
    uint32_t size = length - offset;
    if (filter_ != nullptr) {
      BpfPacket bp;
      bp.frame = frame;
      bp.frame_length = length;
      bp.data_offset = offset;
      bp.protocol = lwip_ntohs(ether_type);
      bp.pkttype = pkttype;
      bp.ifindex = index;
      bp.hatype = kArphrdEther;
      uint32_t keep = RunBpf(filter_, filter_count_, bp);
      if (keep == 0) return;
      if (keep < size) size = keep;
    }
    pbuf* copy = queued_ + size > kReceiveLimit
                     ? nullptr
                     : pbuf_alloc(PBUF_RAW, static_cast<u16_t>(size), PBUF_RAM);
    Frame* f = copy == nullptr ? nullptr : new (kstd::nothrow) Frame;
    if (f == nullptr) {
      if (copy != nullptr) pbuf_free(copy);
      ++drops_;
      return;
    }
    if (size != 0) memcpy(copy->payload, frame + offset, size);
    f->data = copy;
    f->from.family = packet::kAfPacket;
    f->from.protocol = ether_type;
    f->from.ifindex = index;
    f->from.hatype = kArphrdEther;
    f->from.pkttype = pkttype;
    f->from.halen = packet::kEthAlen;
    memcpy(f->from.addr, frame + 6, packet::kEthAlen);  // the sender's MAC
    queue_.PushBack(f);
    queued_ += size;
    ++packets_;
    Changed(true);
  }

 private:
  static int Put(const void* v, uint32_t size, uint8_t* out, uint32_t room, Reply* reply) {
    uint32_t n = room < size ? room : size;
    memcpy(out, v, n);
    reply->length = n;
    return 0;
  }

  static void Free(Frame* f) {
    pbuf_free(f->data);
    delete f;
  }

  void DropFilter() {
    delete[] filter_;
    filter_ = nullptr;
    filter_count_ = 0;
    unread_filter_ = false;
  }

  int AttachFilter(const uint8_t* value, uint32_t length) {
    if (filter_locked_) return -EPERM;
    if (length < packet::kSockFprogSize) return -EINVAL;
    uint16_t count;
    memcpy(&count, value, sizeof count);
    if (count == 0 || count > packet::kBpfMaxInsns) return -EINVAL;
    if (length == packet::kSockFprogSize) {
      // Only the pointer into the caller's memory: accepted, not run.
      DropFilter();
      unread_filter_ = true;
      return 0;
    }
    if (length != packet::kSockFprogSize + uint32_t{count} * sizeof(packet::BpfInsn))
      return -EINVAL;
    auto* code = new (kstd::nothrow) packet::BpfInsn[count];
    if (code == nullptr) return -ENOMEM;
    memcpy(code, value + packet::kSockFprogSize, count * sizeof(packet::BpfInsn));
    if (int e = CheckBpf(code, count); e < 0) {
      delete[] code;
      return e;
    }
    DropFilter();
    filter_ = code;
    filter_count_ = count;
    return 0;
  }

  TapEntry tap_;
  uint16_t protocol_;  // network order
  int32_t ifindex_ = 0;
  packet::BpfInsn* filter_ = nullptr;
  uint32_t filter_count_ = 0;
  bool unread_filter_ = false;  // attached by pointer: delivered unfiltered
  bool filter_locked_ = false;
  bool auxdata_ = false;
  uint32_t queued_ = 0;
  uint32_t packets_ = 0;
  uint32_t drops_ = 0;
  kstd::IntrusiveList<Frame, &Frame::node> queue_;
};

void OfferToAll(struct netif* n, const uint8_t* frame, uint32_t length, uint8_t pkttype) {
  for (TapEntry* t = g_taps.Front(); t != nullptr; t = g_taps.Next(t))
    t->socket->Offer(n, frame, length, pkttype);
}

}  // namespace

void LinkFrameIn(struct netif* n, const uint8_t* frame, size_t length) {
  if (g_taps.empty() || length < packet::kEthHeader || length > 0xffff) return;
  OfferToAll(n, frame, static_cast<uint32_t>(length), PacketTypeOf(n, frame));
}

void LinkFrameOut(struct netif* n, const struct pbuf* frame) {
  if (g_taps.empty() || frame->tot_len < packet::kEthHeader || frame->tot_len > kLargestFrame)
    return;
  uint8_t flat[kLargestFrame];
  uint16_t length = pbuf_copy_partial(frame, flat, frame->tot_len, 0);
  OfferToAll(n, flat, length, packet::kOutgoing);
}

Socket* CreatePacketSocket(Sockets* sockets, int type, int protocol, int* error) {
  if (type != SOCK_RAW && type != SOCK_DGRAM) {
    *error = -ESOCKTNOSUPPORT;  // SOCK_PACKET, Linux's obsolete kind, too
    return nullptr;
  }
  auto* s = new (kstd::nothrow) PacketSocket(sockets, type, protocol);
  if (s == nullptr) *error = -ENOMEM;
  return s;
}

}  // namespace netserver
