// UDP sockets: Linux's datagram-socket semantics over lwIP's raw UDP API.
//
// Received datagrams wait in a queue bounded by the receive buffer (Linux's
// default 212992 bytes, counted as payload); beyond it they are dropped and
// counted, as Linux drops them. A send builds one pbuf and hands it to lwIP
// at once, so a UDP socket is always writable. connect() fixes the peer
// (and filters what is received); AF_UNSPEC dissolves it.
//
// getsockname of a connected socket bound to the wildcard names the source
// address the route picks, as Linux does. SO_BINDTODEVICE binds the pcb to
// a netif (udp_bind_netif): it sends and receives through that one only.
//
// Not yet: ICMP errors (ECONNREFUSED on a connected socket after a port
// unreachable: lwIP's raw API does not report them to UDP pcbs), IP_PKTINFO
// and IP_RECVERR control messages (the options are accepted and kept).

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "kstd/new.h"
#include "lwip/ip.h"
#include "lwip/ip4.h"
#include "lwip/ip6.h"
#include "lwip/ip6_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/udp.h"
#include "servers/net/address.h"
#include "servers/net/datagram_queue.h"
#include "servers/net/interfaces.h"
#include "servers/net/socket.h"

namespace netserver {
namespace {

constexpr uint32_t kReceiveLimit = 212992;
constexpr uint32_t kMaxPayload = 65507;  // IPv4's largest UDP payload

class UdpSocket final : public Socket {
 public:
  UdpSocket(Sockets* sockets, int family, int protocol)
      : Socket(sockets, family, SOCK_DGRAM, protocol) {}

  ~UdpSocket() override {
    if (pcb_ != nullptr) udp_remove(pcb_);
  }

  int Open() {
    pcb_ = udp_new_ip_type(family() == AF_INET6 ? IPADDR_TYPE_ANY : IPADDR_TYPE_V4);
    if (pcb_ == nullptr) return -ENOMEM;
    udp_recv(pcb_, &UdpSocket::OnRecv, this);
    return 0;
  }

  int Bind(const uint8_t* address, uint32_t length) override {
    Endpoint ep;
    if (int e = ParseAddress(family(), address, length, &ep); e < 0) return e;
    if (bound_) return -EINVAL;
    if (reuse_address_) ip_set_option(pcb_, SOF_REUSEADDR);
    err_t err = udp_bind(pcb_, BindAddress(ep.ip), ep.port);
    if (err == ERR_USE) return -EADDRINUSE;
    if (err != ERR_OK) return -EINVAL;
    bound_ = true;
    return 0;
  }

  int Connect(const uint8_t* address, uint32_t length) override {
    Endpoint ep;
    bool unspec = false;
    if (int e = ParseAddress(family(), address, length, &ep, &unspec); e < 0) return e;
    if (unspec) {
      udp_disconnect(pcb_);
      connected_ = false;
      return 0;
    }
    if (ip_addr_isany(&ep.ip)) ip_addr_set_loopback(IP_IS_V6(&ep.ip), &ep.ip);
    err_t err = udp_connect(pcb_, &ep.ip, ep.port);
    if (err != ERR_OK) return err == ERR_USE ? -EADDRINUSE : -EINVAL;
    bound_ = true;
    connected_ = true;
    return 0;
  }

  int Shutdown(int how) override {
    if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
    if (!connected_) return -ENOTCONN;
    if (how != SHUT_WR) shut_rd_ = true;
    if (how != SHUT_RD) shut_wr_ = true;
    Changed();
    return 0;
  }

  void OnPortUnreachable(const ip_addr_t& to, uint16_t sport, uint16_t dport) override {
    if (!connected_ || pcb_->local_port != sport || pcb_->remote_port != dport ||
        !ip_addr_cmp(&pcb_->remote_ip, &to)) {
      return;
    }
    error_ = ECONNREFUSED;  // Linux: connected UDP sockets hear of it
    Changed(true);
  }

  int Send(const uint8_t* data, uint32_t length, int, const uint8_t* address,
           uint32_t address_length) override {
    if (shut_wr_) return -EPIPE;
    if (error_ != 0) {  // a pending error is reported by the next call
      int e = error_;
      error_ = 0;
      Changed();
      return -e;
    }
    Endpoint to;
    bool have_to = address_length != 0;
    if (have_to) {
      if (int e = ParseAddress(family(), address, address_length, &to); e < 0) return e;
      if (ip_addr_isany(&to.ip)) ip_addr_set_loopback(IP_IS_V6(&to.ip), &to.ip);
    } else if (!connected_) {
      return -EDESTADDRREQ;
    }
    if (length > kMaxPayload) return -EMSGSIZE;
    pbuf* p = pbuf_alloc(PBUF_TRANSPORT, static_cast<u16_t>(length), PBUF_RAM);
    if (p == nullptr) return -ENOBUFS;
    if (length != 0) pbuf_take(p, data, static_cast<u16_t>(length));
    if (broadcast_) {
      ip_set_option(pcb_, SOF_BROADCAST);
    } else {
      ip_reset_option(pcb_, SOF_BROADCAST);
    }
    err_t err = have_to ? udp_sendto(pcb_, p, &to.ip, to.port) : udp_send(pcb_, p);
    pbuf_free(p);
    if (err == ERR_RTE) return -ENETUNREACH;
    if (err == ERR_MEM || err == ERR_BUF) return -ENOBUFS;
    if (err == ERR_VAL) return (have_to && !broadcast_) ? -EACCES : -EINVAL;
    if (err != ERR_OK) return -EIO;
    return static_cast<int>(length);
  }

  int Receive(uint8_t* out, uint32_t room, int flags, Reply* reply) override {
    const bool peek = (flags & MSG_PEEK) != 0;
    int n = queue_.Take(family(), out, room, peek, reply);
    if (n < 0) {
      if (error_ != 0) {
        int e = error_;
        error_ = 0;
        Changed();
        return -e;
      }
      return shut_rd_ ? 0 : -EAGAIN;
    }
    if (!peek) Changed();
    return n;
  }

  int LocalName(Reply* reply) override {
    ip_addr_t local = pcb_->local_ip;
    if (connected_ && ip_addr_isany(&local)) {
      // Linux names the source address the route picks once connected
      // (arping finds its own address so); lwIP picks it per datagram.
      const ip_addr_t& remote = pcb_->remote_ip;
      if (IP_IS_V4(&remote)) {
        if (struct netif* n = ip4_route(ip_2_ip4(&remote)))
          ip_addr_copy_from_ip4(local, *netif_ip4_addr(n));
      } else if (struct netif* n = ip6_route(IP6_ADDR_ANY6, ip_2_ip6(&remote))) {
        if (const ip_addr_t* source = ip6_select_source_address(n, ip_2_ip6(&remote)))
          local = *source;
      }
    }
    reply->address_length = FormatAddress(family(), local, pcb_->local_port, reply->address);
    return 0;
  }

  int PeerName(Reply* reply) override {
    if (!connected_) return -ENOTCONN;
    reply->address_length =
        FormatAddress(family(), pcb_->remote_ip, pcb_->remote_port, reply->address);
    return 0;
  }

  int GetOption(int level, int name, uint8_t* out, uint32_t room, Reply* reply) override {
    int v;
    if (level == SOL_SOCKET && name == SO_BINDTODEVICE) {
      struct netif* n =
          pcb_->netif_idx == NETIF_NO_INDEX ? nullptr : netif_get_by_index(pcb_->netif_idx);
      char ifname[16] = {};
      if (n != nullptr) InterfaceName(n, ifname);
      uint32_t size = n == nullptr ? 0 : static_cast<uint32_t>(strlen(ifname) + 1);
      if (room < size) return -EINVAL;  // Linux: room for the whole name
      memcpy(out, ifname, size);
      reply->length = size;
      return 0;
    }
    if (level == IPPROTO_IP && name == IP_TTL) {
      v = pcb_->ttl;
    } else if (level == IPPROTO_IP && name == IP_TOS) {
      v = pcb_->tos;
    } else if (level == IPPROTO_IP && name == IP_RECVERR) {
      v = recverr_;
    } else if (level == IPPROTO_IP && name == IP_PKTINFO) {
      v = pktinfo_;
    } else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && family() == AF_INET6) {
      v = v6only_;
    } else {
      return Socket::GetOption(level, name, out, room, reply);
    }
    uint32_t n = room < sizeof v ? room : sizeof v;
    memcpy(out, &v, n);
    reply->length = n;
    return 0;
  }

  int SetOption(int level, int name, const uint8_t* value, uint32_t length) override {
    if (level == SOL_SOCKET && name == SO_BINDTODEVICE) {
      // An interface name (IFNAMSIZ at most); empty: unbound again.
      char ifname[17] = {};
      memcpy(ifname, value, length < 16 ? length : 16);
      if (ifname[0] == 0) {
        udp_bind_netif(pcb_, nullptr);
        return 0;
      }
      struct netif* n = FindInterface(ifname);
      if (n == nullptr) return -ENODEV;
      udp_bind_netif(pcb_, n);
      return 0;
    }
    if (level == IPPROTO_IP || level == IPPROTO_IPV6) {
      int v;
      if (length < sizeof v) return -EINVAL;
      memcpy(&v, value, sizeof v);
      if (level == IPPROTO_IP) {
        switch (name) {
          case IP_TTL:
            if (v < -1 || v == 0 || v > 255) return -EINVAL;
            pcb_->ttl = static_cast<u8_t>(v == -1 ? UDP_TTL : v);
            return 0;
          case IP_TOS: pcb_->tos = static_cast<u8_t>(v); return 0;
          case IP_RECVERR: recverr_ = v != 0; return 0;
          case IP_PKTINFO: pktinfo_ = v != 0; return 0;
          default: return -ENOPROTOOPT;
        }
      }
      if (name == IPV6_V6ONLY && family() == AF_INET6) {
        if (bound_) return -EINVAL;
        v6only_ = v != 0;
        return 0;
      }
      return -ENOPROTOOPT;
    }
    return Socket::SetOption(level, name, value, length);
  }

  int BytesQueued(int unsent, Reply* reply) override {
    // Linux's FIONREAD on UDP: the size of the next datagram.
    reply->value = unsent != 0 ? 0 : queue_.next_size();
    return 0;
  }

  uint64_t Readiness() const override {
    uint64_t r = netproto::kWritable;
    if (!queue_.empty() || error_ != 0 || shut_rd_) r |= netproto::kReadable;
    if (error_ != 0) r |= netproto::kError;
    if (shut_rd_ && shut_wr_) r |= netproto::kHangup;
    if (shut_rd_) r |= netproto::kReadClosed;
    return r;
  }

  void Close() override {
    sockets_->Remove(this);
    delete this;
  }

 private:
  const ip_addr_t* BindAddress(const ip_addr_t& ip) const {
    if (family() == AF_INET6 && !v6only_ && IP_IS_V6(&ip) && ip_addr_isany(&ip)) return IP_ANY_TYPE;
    return &ip;
  }

  static void OnRecv(void* arg, udp_pcb*, pbuf* p, const ip_addr_t* addr, u16_t port) {
    auto* s = static_cast<UdpSocket*>(arg);
    if (s->family() == AF_INET6 && s->v6only_ && IP_IS_V4(addr)) {
      pbuf_free(p);
      return;
    }
    if (s->shut_rd_ || !s->queue_.Push(p, *addr, port)) {
      ++s->dropped_;  // over the receive buffer (or out of memory): dropped, as Linux
      pbuf_free(p);
      return;
    }
    s->Changed(true);
  }

  udp_pcb* pcb_ = nullptr;
  bool bound_ = false;
  bool connected_ = false;
  bool shut_rd_ = false;
  bool shut_wr_ = false;
  bool recverr_ = false;
  bool pktinfo_ = false;
  bool v6only_ = false;
  uint64_t dropped_ = 0;
  DatagramQueue queue_{kReceiveLimit};
};

}  // namespace

Socket* CreateUdpSocket(Sockets* sockets, int family, int protocol, int* error) {
  if (protocol != 0 && protocol != IPPROTO_UDP) {
    *error = -EPROTONOSUPPORT;
    return nullptr;
  }
  UdpSocket* s = new (kstd::nothrow) UdpSocket(sockets, family, protocol);
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
