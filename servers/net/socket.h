#pragma once

// The network server's sockets: Linux socket semantics on top of lwIP's raw
// API (tcp_socket.cc, udp_socket.cc, raw_socket.cc), as MINIX's lwip service
// layers its tcpsock/udpsock on lwIP, plus NETLINK_ROUTE over the netifs
// (netlink_socket.cc) and packet sockets over the link tap
// (packet_socket.cc).
//
// Every operation answers at once from the socket's state (netproto never
// lets the server hold a call); a caller that must wait does so in the
// kernel on the readiness this server pushes. So each state change marks
// the socket dirty, and the dispatcher sends the new readiness of every
// dirty socket with the next batch of replies (events first, so a caller
// woken by its reply already sees the readiness that came with it).
//
// Lifetime: a socket the kernel closed (Close) may live on while lwIP still
// owns its connection (a close that has to be retried); it deletes itself
// when lwIP is done with it. Single-threaded: all of this runs on the
// server's one thread, with lwIP (NO_SYS).

#include <stddef.h>
#include <stdint.h>

#include "abi/tessera/netproto.h"
#include "kstd/intrusive_list.h"
#include "lwip/ip_addr.h"

namespace netserver {

/// What one operation answers besides its result.
struct Reply {
  uint64_t value = 0;
  uint32_t length = 0;  // bytes written into the request's slot
  uint32_t address_length = 0;
  uint8_t address[netproto::kMaxAddress] = {};
};

class Sockets;

/// A bit of Send's flags that only the dispatcher sets (the caller's copy
/// is cleared): the sender holds CAP_NET_ADMIN (netproto::kSendFromNetAdmin).
inline constexpr int kMsgFromNetAdmin = 0x10000000;

class Socket {
 public:
  Socket(Sockets* sockets, int family, int type, int protocol)
      : sockets_(sockets), family_(family), type_(type), protocol_(protocol) {}
  virtual ~Socket() = default;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  int family() const { return family_; }
  int type() const { return type_; }
  int protocol() const { return protocol_; }

  // Each returns >= 0 or -errno, as the Linux call would.
  virtual int Bind(const uint8_t* address, uint32_t length) = 0;
  virtual int Listen(int backlog);
  /// Hands the next connection over under the kernel's id `new_id`.
  virtual int Accept(uint64_t new_id, Reply* reply);
  virtual int Connect(const uint8_t* address, uint32_t length) = 0;
  /// Connect for a caller that waits for the outcome itself (netproto
  /// kConnect with arg[0] 1): a later connect then reports EISCONN at once.
  virtual int ConnectBlocking(const uint8_t* address, uint32_t length) {
    return Connect(address, length);
  }
  virtual int Shutdown(int how) = 0;
  virtual int Send(const uint8_t* data, uint32_t length, int flags, const uint8_t* address,
                   uint32_t address_length) = 0;
  virtual int Receive(uint8_t* out, uint32_t room, int flags, Reply* reply) = 0;
  virtual int LocalName(Reply* reply) = 0;
  virtual int PeerName(Reply* reply) = 0;
  virtual int GetOption(int level, int name, uint8_t* out, uint32_t room, Reply* reply);
  virtual int SetOption(int level, int name, const uint8_t* value, uint32_t length);
  virtual int BytesQueued(int unsent, Reply* reply) = 0;
  /// netproto::Readiness bits now.
  virtual uint64_t Readiness() const = 0;
  /// The kernel closed the socket: finish as close(2) would. May delete this.
  virtual void Close() = 0;
  /// An ICMP port unreachable answered a datagram from local port `sport`
  /// to `to`:`dport` (icmp_errors.h). Default: not this family's business.
  virtual void OnPortUnreachable(const ip_addr_t& to, uint16_t sport, uint16_t dport) {
    (void)to;
    (void)sport;
    (void)dport;
  }

  /// The kernel's id (0 while a connection waits in a listener's queue).
  uint64_t id = 0;
  kstd::ListNode all_node;
  kstd::ListNode dirty_node;
  bool dirty = false;
  bool arrival = false;             // new data since the last event (EPOLLET's edge)
  uint64_t last_readiness = ~0ull;  // what the kernel was last told

 protected:
  /// Something changed: the next batch tells the kernel. `new_arrival`:
  /// data or a connection came in.
  void Changed(bool new_arrival = false);
  /// Common SOL_SOCKET options (SO_ERROR is the family's).
  int error_ = 0;  // SO_ERROR: pending, cleared when read
  bool reuse_address_ = false;
  bool keepalive_ = false;
  bool broadcast_ = false;
  int linger_on_ = 0;
  int linger_seconds_ = 0;
  Sockets* sockets_;

 private:
  const int family_;
  const int type_;
  const int protocol_;
};

/// The server's sockets by kernel id, and the dirty list.
class Sockets {
 public:
  Socket* Find(uint64_t id) const {
    if (id == 0) return nullptr;
    return all_.FindIf([id](Socket* s) { return s->id == id; });
  }
  void Add(Socket* s) { all_.PushBack(s); }
  Socket* First() const { return all_.Front(); }
  template <typename Fn>
  void ForEach(Fn fn) const {
    all_.ForEach(fn);
  }
  /// Forgets `s` (closed by the kernel, or deleted).
  void Remove(Socket* s) {
    if (s->id != 0) all_.Remove(s);
    if (s->dirty) dirty_.Remove(s);
    s->dirty = false;
    s->id = 0;
  }
  void MarkDirty(Socket* s, bool new_arrival) {
    if (new_arrival) s->arrival = true;
    if (s->dirty || s->id == 0) return;
    s->dirty = true;
    dirty_.PushBack(s);
  }
  /// Calls emit(id, readiness) for each dirty socket whose readiness changed
  /// (or that had an arrival) and clears the dirty list.
  template <typename Fn>
  void DrainEvents(Fn emit) {
    while (Socket* s = dirty_.PopFront()) {
      s->dirty = false;
      uint64_t r = s->Readiness();
      if (r != s->last_readiness || s->arrival) {
        s->last_readiness = r;
        s->arrival = false;
        emit(s->id, r);
      }
    }
  }
  size_t count() const {
    size_t n = 0;
    all_.ForEach([&n](Socket*) { ++n; });
    return n;
  }

 private:
  kstd::IntrusiveList<Socket, &Socket::all_node> all_;
  kstd::IntrusiveList<Socket, &Socket::dirty_node> dirty_;
};

/// New sockets; nullptr with *error set (-EPROTONOSUPPORT, -ESOCKTNOSUPPORT,
/// -ENOMEM, -EPERM).
Socket* CreateTcpSocket(Sockets* sockets, int family, int protocol, int* error);
Socket* CreateUdpSocket(Sockets* sockets, int family, int protocol, int* error);
Socket* CreateRawSocket(Sockets* sockets, int family, int protocol, int* error);
/// AF_NETLINK (netlink_socket.cc): SOCK_RAW or SOCK_DGRAM, NETLINK_ROUTE only.
Socket* CreateNetlinkSocket(Sockets* sockets, int type, int protocol, int* error);
/// AF_PACKET (packet_socket.cc): SOCK_RAW or SOCK_DGRAM; `protocol` is
/// htons(ETH_P_*) or 0. The kernel lets only root make these.
Socket* CreatePacketSocket(Sockets* sockets, int type, int protocol, int* error);

}  // namespace netserver
