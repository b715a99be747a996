// Raw IP sockets (SOCK_RAW, for ping and ping6): Linux's semantics over
// lwIP's raw API. IPv4 raw sockets receive whole IP packets, header
// included (what busybox ping parses); IPv6 ones receive the payload only,
// and the stack fills in ICMPv6 checksums, as Linux does. Sends carry the
// payload (no IP_HDRINCL). A copy of every matching packet is queued; lwIP
// goes on handling it (echo requests still get their replies).
//
// The kernel lets only privileged callers make these (EPERM otherwise).

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "kstd/new.h"
#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/raw.h"
#include "servers/net/address.h"
#include "servers/net/datagram_queue.h"
#include "servers/net/socket.h"

namespace netserver {
namespace {

constexpr uint32_t kReceiveLimit = 212992;

class RawSocket final : public Socket {
 public:
  RawSocket(Sockets* sockets, int family, int protocol)
      : Socket(sockets, family, SOCK_RAW, protocol) {}

  ~RawSocket() override {
    if (pcb_ != nullptr) raw_remove(pcb_);
  }

  int Open() {
    pcb_ = raw_new_ip_type(family() == AF_INET6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4,
                           static_cast<u8_t>(protocol()));
    if (pcb_ == nullptr) return -ENOMEM;
    if (family() == AF_INET6 && protocol() == IPPROTO_ICMPV6) {
      pcb_->chksum_reqd = 1;  // Linux computes ICMPv6 checksums for raw sockets
      pcb_->chksum_offset = 2;
    }
    raw_recv(pcb_, &RawSocket::OnRecv, this);
    return 0;
  }

  int Bind(const uint8_t* address, uint32_t length) override {
    Endpoint ep;
    if (int e = ParseAddress(family(), address, length, &ep); e < 0) return e;
    return raw_bind(pcb_, &ep.ip) == ERR_OK ? 0 : -EADDRNOTAVAIL;
  }

  int Connect(const uint8_t* address, uint32_t length) override {
    Endpoint ep;
    bool unspec = false;
    if (int e = ParseAddress(family(), address, length, &ep, &unspec); e < 0) return e;
    if (unspec) {
      raw_disconnect(pcb_);
      connected_ = false;
      return 0;
    }
    if (raw_connect(pcb_, &ep.ip) != ERR_OK) return -EINVAL;
    connected_ = true;
    return 0;
  }

  int Shutdown(int how) override {
    if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
    return connected_ ? 0 : -ENOTCONN;
  }

  int Send(const uint8_t* data, uint32_t length, int, const uint8_t* address,
           uint32_t address_length) override {
    Endpoint to;
    if (address_length != 0) {
      if (int e = ParseAddress(family(), address, address_length, &to); e < 0) return e;
    } else if (connected_) {
      to.ip = pcb_->remote_ip;
    } else {
      return -EDESTADDRREQ;
    }
    if (length > 0xffff - 40) return -EMSGSIZE;
    pbuf* p = pbuf_alloc(PBUF_IP, static_cast<u16_t>(length), PBUF_RAM);
    if (p == nullptr) return -ENOBUFS;
    if (length != 0) pbuf_take(p, data, static_cast<u16_t>(length));
    if (broadcast_) {
      ip_set_option(pcb_, SOF_BROADCAST);
    } else {
      ip_reset_option(pcb_, SOF_BROADCAST);
    }
    err_t err = raw_sendto(pcb_, p, &to.ip);
    pbuf_free(p);
    if (err == ERR_RTE) return -ENETUNREACH;
    if (err == ERR_MEM || err == ERR_BUF) return -ENOBUFS;
    if (err == ERR_VAL) return -EACCES;  // broadcast without SO_BROADCAST
    if (err != ERR_OK) return -EIO;
    return static_cast<int>(length);
  }

  int Receive(uint8_t* out, uint32_t room, int flags, Reply* reply) override {
    const bool peek = (flags & MSG_PEEK) != 0;
    int n = queue_.Take(family(), out, room, peek, reply);
    if (n < 0) return -EAGAIN;
    if (!peek) Changed();
    return n;
  }

  int LocalName(Reply* reply) override {
    reply->address_length = FormatAddress(family(), pcb_->local_ip, 0, reply->address);
    return 0;
  }

  int PeerName(Reply* reply) override {
    if (!connected_) return -ENOTCONN;
    reply->address_length = FormatAddress(family(), pcb_->remote_ip, 0, reply->address);
    return 0;
  }

  int GetOption(int level, int name, uint8_t* out, uint32_t room, Reply* reply) override {
    int v;
    if (level == IPPROTO_IP && name == IP_TTL) {
      v = pcb_->ttl;
    } else {
      return Socket::GetOption(level, name, out, room, reply);
    }
    uint32_t n = room < sizeof v ? room : sizeof v;
    memcpy(out, &v, n);
    reply->length = n;
    return 0;
  }

  int SetOption(int level, int name, const uint8_t* value, uint32_t length) override {
    if (level == IPPROTO_IP || level == IPPROTO_IPV6 || level == IPPROTO_ICMPV6 ||
        level == SOL_RAW) {
      int v = 0;
      if (length >= sizeof v) memcpy(&v, value, sizeof v);
      if (level == IPPROTO_IP && name == IP_TTL) {
        if (length < sizeof v || v < 1 || v > 255) return -EINVAL;
        pcb_->ttl = static_cast<u8_t>(v);
        return 0;
      }
      // ping's filters and hop limits: ICMP_FILTER (SOL_RAW 1), ICMP6_FILTER
      // (IPPROTO_ICMPV6 1), IPV6_RECVHOPLIMIT, IPV6_UNICAST_HOPS, IP_RECVERR.
      // Accepted and kept: every packet is delivered unfiltered.
      if ((level == SOL_RAW && name == 1) || (level == IPPROTO_ICMPV6 && name == 1) ||
          (level == IPPROTO_IPV6 &&
           (name == IPV6_RECVHOPLIMIT || name == IPV6_UNICAST_HOPS || name == IPV6_CHECKSUM)) ||
          (level == IPPROTO_IP && name == IP_RECVERR)) {
        if (level == IPPROTO_IPV6 && name == IPV6_UNICAST_HOPS && v > 0 && v < 256)
          pcb_->ttl = static_cast<u8_t>(v);
        return 0;
      }
      return -ENOPROTOOPT;
    }
    return Socket::SetOption(level, name, value, length);
  }

  int BytesQueued(int unsent, Reply* reply) override {
    reply->value = unsent != 0 ? 0 : queue_.next_size();
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

 private:
  // A copy of the packet is queued; lwIP goes on with the original.
  static u8_t OnRecv(void* arg, raw_pcb*, pbuf* p, const ip_addr_t* addr) {
    auto* s = static_cast<RawSocket*>(arg);
    uint16_t skip = 0;
    if (s->family() == AF_INET6) skip = IP6_HLEN;  // Linux: IPv6 raw reads have no header
    if (p->tot_len <= skip) return 0;
    uint16_t size = static_cast<uint16_t>(p->tot_len - skip);
    if (!s->queue_.Fits(size)) return 0;
    pbuf* copy = pbuf_alloc(PBUF_RAW, size, PBUF_RAM);
    if (copy == nullptr) return 0;
    if (pbuf_copy_partial(p, copy->payload, size, skip) != size) {
      pbuf_free(copy);
      return 0;
    }
    if (!s->queue_.Push(copy, *addr, 0)) {
      pbuf_free(copy);
      return 0;
    }
    s->Changed(true);
    return 0;
  }

  raw_pcb* pcb_ = nullptr;
  bool connected_ = false;
  DatagramQueue queue_{kReceiveLimit};
};

}  // namespace

Socket* CreateRawSocket(Sockets* sockets, int family, int protocol, int* error) {
  if (protocol <= 0 || protocol > 255 || protocol == IPPROTO_TCP || protocol == IPPROTO_UDP) {
    // lwIP hands TCP and UDP to their own layers, never to raw pcbs.
    *error = -EPROTONOSUPPORT;
    return nullptr;
  }
  auto* s = new (kstd::nothrow) RawSocket(sockets, family, protocol);
  if (s == nullptr) {
    *error = -ENOMEM;
    return nullptr;
  }
  if (int e = s->Open(); e < 0) {
    delete s;
    *error = e;
    return nullptr;
  }
  return s;
}

}  // namespace netserver
