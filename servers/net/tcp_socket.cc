// TCP sockets: Linux's stream-socket semantics over lwIP's raw TCP API.
//
// States: fresh (no pcb, or a bound one), listening (a listen pcb and a queue
// of connections lwIP accepted that the kernel has not taken yet), connecting
// (tcp_connect sent the SYN), connected, and finished (lwIP freed the pcb:
// reset, timeout or both sides closed; error_ says why).
//
// Receive: lwIP's segments wait in rx_ (a queue of pbuf chains: a chain's
// tot_len is 16 bits, so chains are queued, never concatenated) until the kernel reads
// them; the window opens (tcp_recved) only as bytes are read, so a slow
// reader throttles its sender as on Linux. Send: bytes are copied into lwIP
// (TCP_WRITE_FLAG_COPY) as far as its send buffer and queue allow; the rest
// waits in the kernel for kWritable.
//
// Close: with unread data or SO_LINGER 0, the connection is reset (Linux);
// otherwise it closes gracefully and lwIP finishes it after the socket is
// gone (retried from the poll callback when lwIP is short of memory).

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "kstd/new.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "servers/net/address.h"
#include "servers/net/socket.h"

namespace netserver {
namespace {

constexpr uint32_t kWritableRoom = TCP_MSS;  // report writable once a segment fits

int ErrnoOf(err_t err) {
  switch (err) {
    case ERR_OK: return 0;
    case ERR_MEM: return -ENOBUFS;
    case ERR_BUF: return -ENOBUFS;
    case ERR_TIMEOUT: return -ETIMEDOUT;
    case ERR_RTE: return -ENETUNREACH;
    case ERR_INPROGRESS: return -EINPROGRESS;
    case ERR_VAL: return -EINVAL;
    case ERR_WOULDBLOCK: return -EAGAIN;
    case ERR_USE: return -EADDRINUSE;
    case ERR_ALREADY: return -EALREADY;
    case ERR_ISCONN: return -EISCONN;
    case ERR_CONN: return -ENOTCONN;
    case ERR_IF: return -ENETDOWN;
    case ERR_ABRT: return -ECONNABORTED;
    case ERR_RST: return -ECONNRESET;
    case ERR_CLSD: return -ENOTCONN;
    case ERR_ARG: return -EINVAL;
    default: return -EIO;
  }
}

// Whether `ip` may be bound: the unspecified address, a loopback address
// or an address of one of the interfaces (Linux: EADDRNOTAVAIL otherwise).
bool IsLocal(const ip_addr_t& ip) {
  if (ip_addr_isany(&ip)) return true;
  if (IP_IS_V4(&ip) && ip4_addr_isloopback(ip_2_ip4(&ip))) return true;
  if (IP_IS_V6(&ip) && ip6_addr_isloopback(ip_2_ip6(&ip))) return true;
  struct netif* n;
  NETIF_FOREACH(n) {
    if (IP_IS_V4(&ip) && ip4_addr_cmp(ip_2_ip4(&ip), netif_ip4_addr(n))) return true;
#if LWIP_IPV6
    if (IP_IS_V6(&ip) && netif_get_ip6_addr_match(n, ip_2_ip6(&ip)) >= 0) return true;
#endif
  }
  return false;
}

// Received bytes not read yet: pbuf chains in arrival order.
class ReceiveQueue {
 public:
  ~ReceiveQueue() { Clear(); }
  bool empty() const { return head_ == nullptr; }
  uint32_t bytes() const { return bytes_; }

  bool Push(pbuf* p) {
    auto* chunk = new (kstd::nothrow) Chunk{p, nullptr};
    if (chunk == nullptr) return false;
    if (tail_ == nullptr) {
      head_ = chunk;
    } else {
      tail_->next = chunk;
    }
    tail_ = chunk;
    bytes_ += p->tot_len;
    return true;
  }

  /// Copies up to `room` bytes into `out`, consuming them unless `peek`.
  uint32_t Take(uint8_t* out, uint32_t room, bool peek) {
    uint32_t done = 0;
    for (Chunk* c = head_; c != nullptr && done < room;) {
      uint32_t take = c->data->tot_len;
      if (take > room - done) take = room - done;
      pbuf_copy_partial(c->data, out + done, static_cast<u16_t>(take), 0);
      done += take;
      Chunk* next = c->next;
      if (!peek) {
        bytes_ -= take;
        c->data = pbuf_free_header(c->data, static_cast<u16_t>(take));
        if (c->data == nullptr) {
          head_ = next;
          if (head_ == nullptr) tail_ = nullptr;
          delete c;
        }
      }
      c = next;
    }
    return done;
  }

  void Clear() {
    while (head_ != nullptr) {
      Chunk* next = head_->next;
      pbuf_free(head_->data);
      delete head_;
      head_ = next;
    }
    tail_ = nullptr;
    bytes_ = 0;
  }

 private:
  struct Chunk {
    pbuf* data;
    Chunk* next;
  };
  Chunk* head_ = nullptr;
  Chunk* tail_ = nullptr;
  uint32_t bytes_ = 0;
};

class TcpSocket final : public Socket {
 public:
  TcpSocket(Sockets* sockets, int family, int protocol)
      : Socket(sockets, family, SOCK_STREAM, protocol) {}

  ~TcpSocket() override { rx_.Clear(); }

  /// A connection lwIP accepted on `listener`, waiting to be taken.
  static TcpSocket* ForAccepted(TcpSocket* listener, tcp_pcb* pcb) {
    TcpSocket* s = new (kstd::nothrow) TcpSocket(listener->sockets_, listener->family(), 0);
    if (s == nullptr) return nullptr;
    s->pcb_ = pcb;
    s->state_ = State::kConnected;
    s->listener_ = listener;
    s->nodelay_ = listener->nodelay_;
    s->keepalive_ = listener->keepalive_;
    s->Hook();
    return s;
  }

  int Bind(const uint8_t* address, uint32_t length) override {
    Endpoint ep;
    if (int e = ParseAddress(family(), address, length, &ep); e < 0) return e;
    if (bound_ || state_ != State::kFresh) return -EINVAL;
    if (!IsLocal(ep.ip)) return -EADDRNOTAVAIL;
    if (int e = MakePcb(ep.ip); e < 0) return e;
    if (reuse_address_) ip_set_option(pcb_, SOF_REUSEADDR);
    err_t err = tcp_bind(pcb_, BindAddress(ep.ip), ep.port);
    if (err != ERR_OK) return err == ERR_USE ? -EADDRINUSE : ErrnoOf(err);
    bound_ = true;
    return 0;
  }

  int Listen(int backlog) override {
    if (state_ == State::kListening) {
      accept_limit_ = AcceptLimit(backlog);
      return 0;
    }
    if (state_ != State::kFresh) return -EINVAL;
    if (pcb_ == nullptr) {
      ip_addr_t any = AnyAddress();
      if (int e = MakePcb(any); e < 0) return e;
    }
    if (!bound_) {
      if (reuse_address_) ip_set_option(pcb_, SOF_REUSEADDR);
      ip_addr_t any = AnyAddress();
      err_t err = tcp_bind(pcb_, BindAddress(any), 0);
      if (err != ERR_OK) return ErrnoOf(err);
      bound_ = true;
    }
    accept_limit_ = AcceptLimit(backlog);
    err_t err = ERR_OK;
    tcp_pcb* listener = tcp_listen_with_backlog_and_err(pcb_, kHalfOpenLimit, &err);
    if (listener == nullptr) return ErrnoOf(err);
    pcb_ = listener;  // tcp_listen freed the original pcb
    tcp_arg(pcb_, this);
    tcp_accept(pcb_, &TcpSocket::OnAccept);
    state_ = State::kListening;
    Changed();
    return 0;
  }

  int Accept(uint64_t new_id, Reply* reply) override {
    if (state_ != State::kListening) return -EINVAL;
    TcpSocket* child = queue_.PopFront();
    if (child == nullptr) return -EAGAIN;
    --queued_;
    child->listener_ = nullptr;
    child->id = new_id;
    sockets_->Add(child);
    if (child->pcb_ != nullptr) {
      tcp_backlog_accepted(child->pcb_);
      reply->address_length =
          FormatAddress(family(), child->pcb_->remote_ip, child->pcb_->remote_port, reply->address);
    } else {
      reply->address_length =
          FormatAddress(family(), child->peer_.ip, child->peer_.port, reply->address);
    }
    child->Changed();
    Changed();
    return 0;
  }

  int Connect(const uint8_t* address, uint32_t length) override {
    return ConnectAs(address, length, false);
  }

  int ConnectBlocking(const uint8_t* address, uint32_t length) override {
    return ConnectAs(address, length, true);
  }

  int ConnectAs(const uint8_t* address, uint32_t length, bool blocking_caller) {
    Endpoint ep;
    if (int e = ParseAddress(family(), address, length, &ep); e < 0) return e;
    switch (state_) {
      case State::kConnecting: return -EALREADY;
      case State::kConnected:
        // Linux: the first connect after a non-blocking one finished
        // completes that call (0); later ones are EISCONN.
        if (!connect_reported_ && was_connecting_) {
          connect_reported_ = true;
          return 0;
        }
        return -EISCONN;
      case State::kListening: return -EISCONN;
      case State::kFinished:
        if (was_connected_) return -EISCONN;
        state_ = State::kFresh;  // a failed connect may be tried again
        break;
      case State::kFresh: break;
    }
    if (family() == AF_INET6 && IP_IS_V4(&ep.ip) && v6only_) return -ENETUNREACH;
    if (pcb_ == nullptr) {
      ip_addr_t any;
      ip_addr_set_zero(&any);
      IP_SET_TYPE_VAL(any, IP_GET_TYPE(&ep.ip));
      if (int e = MakePcb(any); e < 0) return e;
    }
    if (ip_addr_isany(&ep.ip)) {
      // Linux connects to the local host for 0.0.0.0 / ::.
      if (IP_IS_V4(&ep.ip)) {
        ip_addr_set_loopback(false, &ep.ip);
      } else {
        ip_addr_set_loopback(true, &ep.ip);
      }
    }
    err_t err = tcp_connect(pcb_, &ep.ip, ep.port, &TcpSocket::OnConnected);
    if (err != ERR_OK) return ErrnoOf(err);
    peer_ = ep;
    was_connecting_ = true;
    connect_reported_ = blocking_caller;  // a blocking connect reports its own result
    state_ = State::kConnecting;
    Changed();
    return -EINPROGRESS;
  }

  int Shutdown(int how) override {
    if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
    if (state_ == State::kListening) {
      // Linux: shutting a listener down stops it (accept then fails).
      return -ENOTCONN;
    }
    if (state_ != State::kConnected && state_ != State::kConnecting) {
      // Linux marks the socket shut all the same (its reads then end at once).
      if (how != SHUT_WR) shut_rd_ = true;
      Changed();
      return -ENOTCONN;
    }
    if (how != SHUT_WR) shut_rd_ = true;
    if (how != SHUT_RD && !shut_wr_) {
      shut_wr_ = true;
      if (pcb_ != nullptr && state_ == State::kConnected) {
        tcp_shutdown(pcb_, 0, 1);
      }
    }
    Changed();
    return 0;
  }

  int Send(const uint8_t* data, uint32_t length, int flags, const uint8_t*, uint32_t) override {
    if (state_ == State::kFinished) {
      if (hard_error_ != 0) {
        int e = hard_error_;
        hard_error_ = 0;
        error_ = 0;
        Changed();
        return -e;
      }
      return was_connected_ ? -EPIPE : -ENOTCONN;
    }
    if (state_ == State::kConnecting) return -EAGAIN;
    if (state_ != State::kConnected) return -ENOTCONN;
    if (shut_wr_ || pcb_ == nullptr) return -EPIPE;
    if (length == 0) return 0;
    uint32_t room = tcp_sndbuf(pcb_);
    uint32_t n = length < room ? length : room;
    u8_t write_flags = TCP_WRITE_FLAG_COPY;
    if ((flags & MSG_MORE) != 0 || cork_) write_flags |= TCP_WRITE_FLAG_MORE;
    while (n > 0) {
      if (tcp_sndqueuelen(pcb_) >= TCP_SND_QUEUELEN - 1) {
        n = 0;
        break;
      }
      err_t err = tcp_write(pcb_, data, static_cast<u16_t>(n > 0xffff ? 0xffff : n), write_flags);
      if (err == ERR_OK) {
        if (n > 0xffff) n = 0xffff;
        break;
      }
      if (err != ERR_MEM) return ErrnoOf(err);
      n /= 2;  // the queue is short of segments: try a smaller piece
      if (n < TCP_MSS) {
        n = 0;
        break;
      }
    }
    if (n == 0) {
      Changed();
      return -EAGAIN;
    }
    if ((write_flags & TCP_WRITE_FLAG_MORE) == 0) tcp_output(pcb_);
    Changed();
    return static_cast<int>(n);
  }

  int Receive(uint8_t* out, uint32_t room, int flags, Reply* reply) override {
    if (state_ == State::kListening || (state_ == State::kFresh)) return -ENOTCONN;
    if (!rx_.empty() && room > 0) {
      const bool peek = (flags & MSG_PEEK) != 0;
      uint32_t n = rx_.Take(out, room, peek);
      reply->length = n;
      if (!peek) {
        for (uint32_t left = n; pcb_ != nullptr && left > 0;) {
          u16_t piece = static_cast<u16_t>(left > 0xffff ? 0xffff : left);
          tcp_recved(pcb_, piece);
          left -= piece;
        }
        Changed();
      }
      return static_cast<int>(n);
    }
    if (!rx_.empty()) return 0;  // room 0
    if (hard_error_ != 0) {
      int e = hard_error_;
      hard_error_ = 0;
      error_ = 0;
      Changed();
      return -e;
    }
    if (fin_received_ || shut_rd_ || state_ == State::kFinished) return 0;
    return -EAGAIN;
  }

  int LocalName(Reply* reply) override {
    ip_addr_t ip = AnyAddress();
    uint16_t port = 0;
    if (pcb_ != nullptr) {
      ip = pcb_->local_ip;
      port = pcb_->local_port;
    }
    reply->address_length = FormatAddress(family(), ip, port, reply->address);
    return 0;
  }

  int PeerName(Reply* reply) override {
    if (state_ != State::kConnected && !(state_ == State::kFinished && was_connected_))
      return -ENOTCONN;
    if (pcb_ != nullptr) {
      reply->address_length =
          FormatAddress(family(), pcb_->remote_ip, pcb_->remote_port, reply->address);
    } else {
      reply->address_length = FormatAddress(family(), peer_.ip, peer_.port, reply->address);
    }
    return 0;
  }

  int GetOption(int level, int name, uint8_t* out, uint32_t room, Reply* reply) override {
    int v;
    if (level == IPPROTO_TCP) {
      switch (name) {
        case TCP_NODELAY: v = nodelay_; break;
        case TCP_CORK: v = cork_; break;
        case TCP_MAXSEG: v = pcb_ != nullptr ? tcp_mss(pcb_) : TCP_MSS; break;
        case TCP_KEEPIDLE: v = static_cast<int>(keep_idle_ms_ / 1000); break;
        case TCP_KEEPINTVL: v = static_cast<int>(keep_interval_ms_ / 1000); break;
        case TCP_KEEPCNT: v = static_cast<int>(keep_count_); break;
        default: return -ENOPROTOOPT;
      }
    } else if (level == IPPROTO_IP && name == IP_TTL) {
      v = pcb_ != nullptr ? pcb_->ttl : TCP_TTL;
    } else if (level == IPPROTO_IP && name == IP_TOS) {
      v = pcb_ != nullptr ? pcb_->tos : 0;
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
    int v = 0;
    if (level == IPPROTO_TCP || level == IPPROTO_IP || level == IPPROTO_IPV6) {
      if (length < sizeof v) return -EINVAL;
      memcpy(&v, value, sizeof v);
    }
    if (level == IPPROTO_TCP) {
      switch (name) {
        case TCP_NODELAY: nodelay_ = v != 0; break;
        case TCP_CORK:
          cork_ = v != 0;
          if (!cork_ && pcb_ != nullptr && state_ == State::kConnected) tcp_output(pcb_);
          break;
        case TCP_MAXSEG: break;  // lwIP's MSS is negotiated; accepted as Linux accepts hints
        case TCP_KEEPIDLE:
          if (v < 1 || v > 32767) return -EINVAL;
          keep_idle_ms_ = static_cast<uint32_t>(v) * 1000;
          break;
        case TCP_KEEPINTVL:
          if (v < 1 || v > 32767) return -EINVAL;
          keep_interval_ms_ = static_cast<uint32_t>(v) * 1000;
          break;
        case TCP_KEEPCNT:
          if (v < 1 || v > 127) return -EINVAL;
          keep_count_ = static_cast<uint32_t>(v);
          break;
        default: return -ENOPROTOOPT;
      }
      Apply();
      return 0;
    }
    if (level == IPPROTO_IP && (name == IP_TTL || name == IP_TOS)) {
      if (name == IP_TTL && (v < -1 || v == 0 || v > 255)) return -EINVAL;
      if (name == IP_TTL) ttl_ = v == -1 ? TCP_TTL : v;
      if (name == IP_TOS) tos_ = v & 0xff;
      Apply();
      return 0;
    }
    if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && family() == AF_INET6) {
      if (bound_) return -EINVAL;
      v6only_ = v != 0;
      return 0;
    }
    int e = Socket::SetOption(level, name, value, length);
    if (e == 0) Apply();
    return e;
  }

  int BytesQueued(int unsent, Reply* reply) override {
    if (state_ == State::kListening) return -EINVAL;
    if (unsent != 0) {
      reply->value = pcb_ != nullptr ? TCP_SND_BUF - tcp_sndbuf(pcb_) : 0;
    } else {
      reply->value = rx_.bytes();
    }
    return 0;
  }

  uint64_t Readiness() const override {
    uint64_t r = error_ != 0 ? netproto::kError : 0;
    switch (state_) {
      case State::kFresh:
        return r | netproto::kWritable | netproto::kHangup | (shut_rd_ ? netproto::kReadable : 0);
      case State::kListening: return r | (queue_.empty() ? 0 : netproto::kReadable);
      case State::kConnecting: return r;
      case State::kFinished:
        return r | netproto::kReadable | netproto::kWritable | netproto::kHangup |
               netproto::kReadClosed;
      case State::kConnected: break;
    }
    if (!rx_.empty() || fin_received_ || shut_rd_) r |= netproto::kReadable;
    if (fin_received_) r |= netproto::kReadClosed;
    if (fin_received_ && shut_wr_) r |= netproto::kHangup;
    if (shut_wr_) {
      r |= netproto::kWritable;  // a send fails at once (EPIPE)
    } else if (pcb_ != nullptr && tcp_sndbuf(pcb_) >= kWritableRoom &&
               tcp_sndqueuelen(pcb_) < TCP_SND_QUEUELEN / 2) {
      r |= netproto::kWritable;
    }
    return r;
  }

  void Close() override {
    sockets_->Remove(this);
    closed_ = true;
    if (state_ == State::kListening) {
      while (TcpSocket* child = queue_.PopFront()) child->Abort();
      queued_ = 0;
      tcp_arg(pcb_, nullptr);
      tcp_accept(pcb_, nullptr);
      tcp_close(pcb_);  // a listen pcb closes at once
      pcb_ = nullptr;
      delete this;
      return;
    }
    if (pcb_ == nullptr) {
      delete this;
      return;
    }
    if (state_ != State::kConnected || !rx_.empty() || (linger_on_ != 0 && linger_seconds_ == 0)) {
      Abort();  // unread data or SO_LINGER 0: reset, as Linux
      return;
    }
    FinishClose();
  }

 private:
  enum class State { kFresh, kListening, kConnecting, kConnected, kFinished };

  // Linux keeps two queues per listener: connections still in their
  // handshake (the SYN queue, net.ipv4.tcp_max_syn_backlog) and finished
  // ones waiting for accept (at most backlog + 1). lwIP has one count for
  // both, so it gets the larger limit (half-open floods then cannot lock a
  // small listen(9) out, as they did in net_inject_test) and the server
  // enforces the accept queue's own.
  static constexpr uint8_t kHalfOpenLimit = 128;

  static uint32_t AcceptLimit(int backlog) {
    if (backlog < 0 || backlog > SOMAXCONN) backlog = SOMAXCONN;
    return static_cast<uint32_t>(backlog) + 1;
  }

  ip_addr_t AnyAddress() const {
    ip_addr_t any;
    if (family() == AF_INET6) {
      ip_addr_set_zero_ip6(&any);
    } else {
      ip_addr_set_zero_ip4(&any);
    }
    return any;
  }

  // The address to give tcp_bind: "::" on a dual-stack socket binds both
  // families (lwIP's IP_ANY_TYPE).
  const ip_addr_t* BindAddress(const ip_addr_t& ip) const {
    if (family() == AF_INET6 && !v6only_ && IP_IS_V6(&ip) && ip_addr_isany(&ip)) return IP_ANY_TYPE;
    return &ip;
  }

  int MakePcb(const ip_addr_t& like) {
    if (pcb_ != nullptr) return 0;
    u8_t type = IPADDR_TYPE_V4;
    if (family() == AF_INET6) {
      if (IP_IS_V4(&like)) {
        type = IPADDR_TYPE_V4;
      } else if (ip_addr_isany(&like) && !v6only_) {
        type = IPADDR_TYPE_ANY;
      } else {
        type = IPADDR_TYPE_V6;
      }
    }
    pcb_ = tcp_new_ip_type(type);
    if (pcb_ == nullptr) return -ENOBUFS;
    Hook();
    Apply();
    return 0;
  }

  void Hook() {
    tcp_arg(pcb_, this);
    tcp_recv(pcb_, &TcpSocket::OnRecv);
    tcp_sent(pcb_, &TcpSocket::OnSent);
    tcp_err(pcb_, &TcpSocket::OnErr);
    tcp_poll(pcb_, &TcpSocket::OnPoll, 4);
  }

  void Apply() {
    if (pcb_ == nullptr || state_ == State::kListening) return;
    if (nodelay_) {
      tcp_nagle_disable(pcb_);
    } else {
      tcp_nagle_enable(pcb_);
    }
    if (keepalive_) {
      ip_set_option(pcb_, SOF_KEEPALIVE);
    } else {
      ip_reset_option(pcb_, SOF_KEEPALIVE);
    }
    if (reuse_address_) ip_set_option(pcb_, SOF_REUSEADDR);
    pcb_->keep_idle = keep_idle_ms_;
    pcb_->keep_intvl = keep_interval_ms_;
    pcb_->keep_cnt = keep_count_;
    pcb_->ttl = static_cast<u8_t>(ttl_);
    pcb_->tos = static_cast<u8_t>(tos_);
  }

  void Unhook() {
    if (pcb_ == nullptr) return;
    tcp_arg(pcb_, nullptr);
    tcp_recv(pcb_, nullptr);
    tcp_sent(pcb_, nullptr);
    tcp_err(pcb_, nullptr);
    tcp_poll(pcb_, nullptr, 0);
  }

  // Resets the connection and deletes the socket.
  void Abort() {
    if (pcb_ != nullptr) {
      Unhook();
      tcp_abort(pcb_);
      pcb_ = nullptr;
    }
    delete this;
  }

  // A graceful close: FIN now, lwIP finishes the connection; retried from
  // the poll callback while lwIP is short of memory.
  void FinishClose() {
    tcp_recv(pcb_, nullptr);  // lwIP drops (and acknowledges) what still arrives
    tcp_sent(pcb_, nullptr);
    if (tcp_close(pcb_) == ERR_OK) {
      tcp_arg(pcb_, nullptr);
      tcp_err(pcb_, nullptr);
      tcp_poll(pcb_, nullptr, 0);
      pcb_ = nullptr;
      delete this;
    }
    // else: OnPoll tries again; OnErr deletes us if the peer resets first.
  }

  static err_t OnRecv(void* arg, tcp_pcb* pcb, pbuf* p, err_t err) {
    auto* s = static_cast<TcpSocket*>(arg);
    if (s == nullptr) {
      if (p != nullptr) {
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
      }
      return ERR_OK;
    }
    if (p == nullptr) {
      s->fin_received_ = true;
      s->Changed(true);
      return ERR_OK;
    }
    if (err != ERR_OK) {
      pbuf_free(p);
      return ERR_OK;
    }
    if (!s->rx_.Push(p)) return ERR_MEM;  // lwIP keeps the segment and offers it again
    s->Changed(true);
    return ERR_OK;
  }

  static err_t OnSent(void* arg, tcp_pcb*, u16_t) {
    if (auto* s = static_cast<TcpSocket*>(arg)) s->Changed();
    return ERR_OK;
  }

  static err_t OnPoll(void* arg, tcp_pcb* pcb) {
    auto* s = static_cast<TcpSocket*>(arg);
    if (s != nullptr && s->closed_) s->FinishClose();
    (void)pcb;
    return ERR_OK;
  }

  static err_t OnConnected(void* arg, tcp_pcb*, err_t err) {
    auto* s = static_cast<TcpSocket*>(arg);
    if (s == nullptr) return ERR_OK;
    if (err != ERR_OK) return ERR_OK;  // OnErr reports failures
    s->state_ = State::kConnected;
    s->was_connected_ = true;
    s->Apply();
    s->Changed();
    return ERR_OK;
  }

  // lwIP has freed the pcb (reset, abort, timeout).
  static void OnErr(void* arg, err_t err) {
    auto* s = static_cast<TcpSocket*>(arg);
    if (s == nullptr) return;
    s->pcb_ = nullptr;
    if (s->closed_) {
      delete s;
      return;
    }
    if (s->listener_ != nullptr) {
      // Reset before the kernel took it: Linux drops it from the queue too.
      s->listener_->queue_.Remove(s);
      --s->listener_->queued_;
      s->listener_->Changed();
      delete s;
      return;
    }
    int e;
    if (s->state_ == State::kConnecting) {
      e = err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
    } else {
      e = err == ERR_RST ? ECONNRESET : err == ERR_ABRT ? ETIMEDOUT : ECONNABORTED;
      if (err == ERR_CLSD) e = 0;
    }
    s->was_connected_ = s->was_connected_ || s->state_ == State::kConnected;
    s->state_ = State::kFinished;
    s->error_ = e;
    s->hard_error_ = e;
    s->Changed(true);
  }

  static err_t OnAccept(void* arg, tcp_pcb* pcb, err_t err) {
    auto* listener = static_cast<TcpSocket*>(arg);
    if (listener == nullptr || err != ERR_OK || pcb == nullptr) return ERR_VAL;
    if (listener->queued_ >= listener->accept_limit_) {
      // The accept queue is full: reset it (Linux with tcp_abort_on_overflow;
      // by default Linux drops the handshake's last ACK and lets the client
      // retry, which lwIP cannot do once it has called us).
      tcp_abort(pcb);
      return ERR_ABRT;
    }
    TcpSocket* child = ForAccepted(listener, pcb);
    if (child == nullptr) {
      tcp_abort(pcb);
      return ERR_ABRT;
    }
    child->was_connected_ = true;
    child->peer_.ip = pcb->remote_ip;
    child->peer_.port = pcb->remote_port;
    tcp_backlog_delayed(pcb);
    listener->queue_.PushBack(child);
    ++listener->queued_;
    listener->Changed(true);
    return ERR_OK;
  }

  tcp_pcb* pcb_ = nullptr;
  State state_ = State::kFresh;
  bool bound_ = false;
  bool closed_ = false;  // the kernel closed it; lwIP may still be finishing
  bool was_connected_ = false;
  bool was_connecting_ = false;    // a connect was started (SYN sent)
  bool connect_reported_ = false;  // its outcome was returned by a connect call
  bool fin_received_ = false;
  bool shut_rd_ = false;
  bool shut_wr_ = false;
  bool nodelay_ = false;
  bool cork_ = false;
  bool v6only_ = false;
  int hard_error_ = 0;  // returned once by the next send or receive
  int ttl_ = TCP_TTL;
  int tos_ = 0;
  uint32_t keep_idle_ms_ = TCP_KEEPIDLE_DEFAULT;
  uint32_t keep_interval_ms_ = TCP_KEEPINTVL_DEFAULT;
  uint32_t keep_count_ = TCP_KEEPCNT_DEFAULT;
  ReceiveQueue rx_;
  Endpoint peer_;
  // Listening: connections lwIP accepted, oldest first. Queued: the listener.
  uint32_t accept_limit_ = 0;  // listening: Linux's backlog + 1
  uint32_t queued_ = 0;        // connections in queue_
  kstd::ListNode queue_node;
  kstd::IntrusiveList<TcpSocket, &TcpSocket::queue_node> queue_;
  TcpSocket* listener_ = nullptr;
};

}  // namespace

Socket* CreateTcpSocket(Sockets* sockets, int family, int protocol, int* error) {
  if (protocol != 0 && protocol != IPPROTO_TCP) {
    *error = -EPROTONOSUPPORT;
    return nullptr;
  }
  TcpSocket* s = new (kstd::nothrow) TcpSocket(sockets, family, protocol);
  if (s == nullptr) *error = -ENOMEM;
  return s;
}

}  // namespace netserver
