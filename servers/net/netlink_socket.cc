// NETLINK_ROUTE sockets (netlink(7)): SOCK_RAW or SOCK_DGRAM, each send one
// or more requests, each answer a datagram in the receive queue.
//
// A send is split into messages as Linux splits it; every nlmsg_len and
// every attribute is checked, and a malformed message is answered with
// NLMSG_ERROR -EINVAL (the rest of the send, which cannot be found past a
// bad length, is dropped). The requests themselves are rtnetlink.cc's.
// Answers: dumps packed into datagrams of up to kDumpDatagram bytes, ended
// by NLMSG_DONE; errors and acks (NLM_F_ACK) one datagram each, the
// request echoed unless NETLINK_CAP_ACK. The source of every datagram is
// the kernel (nl_pid 0). A request's answers go in whole or not at all: past
// the receive limit they are dropped and the next recv fails with ENOBUFS,
// as Linux reports an overrun.
//
// Port ids: bind with nl_pid 0 (or the first send) assigns one, counting
// down from -4096 as Linux does for a process's second socket (the server
// does not know the caller's pid); an explicit one must be unused.
//
// Not here: multicast groups are accepted and kept, but no notifications
// are sent (ip monitor sees nothing); sends to user ports or groups are
// EOPNOTSUPP; NETLINK_PKTINFO (control messages) is ENOPROTOOPT.

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "kstd/new.h"
#include "servers/net/netlink_abi.h"
#include "servers/net/rtnetlink.h"
#include "servers/net/socket.h"

namespace netserver {
namespace {

constexpr uint32_t kReceiveLimit = 212992;  // Linux's default rmem
constexpr uint32_t kDumpDatagram = 4096;    // about NLMSG_GOODSIZE

struct Datagram {
  kstd::ListNode node;
  uint8_t* data = nullptr;
  uint32_t length = 0;
  uint32_t capacity = 0;
  ~Datagram() { delete[] data; }
};
using DatagramList = kstd::IntrusiveList<Datagram, &Datagram::node>;

void FreeAll(DatagramList& list) {
  while (Datagram* d = list.PopFront()) delete d;
}

// One request's answers, before they are queued.
class Answers final : public NetlinkOutput {
 public:
  explicit Answers(bool pack) : pack_(pack) {}
  ~Answers() { FreeAll(list_); }

  bool Put(const uint8_t* message, uint32_t length) override {
    uint8_t* at = Reserve(length);
    if (at == nullptr) return false;
    memcpy(at, message, length);
    return true;
  }

  // Room for a message of `length` bytes: at the end of the last datagram
  // when packing and it fits, else in a new one.
  uint8_t* Reserve(uint32_t length) {
    if (bytes_ + length > kReceiveLimit) return nullptr;
    Datagram* last = list_.empty() ? nullptr : Last();
    if (!pack_ || last == nullptr || last->length + length > last->capacity) {
      uint32_t capacity = pack_ && length < kDumpDatagram ? kDumpDatagram : length;
      last = new (kstd::nothrow) Datagram;
      if (last == nullptr) return nullptr;
      last->data = new (kstd::nothrow) uint8_t[capacity];
      if (last->data == nullptr) {
        delete last;
        return nullptr;
      }
      last->capacity = capacity;
      list_.PushBack(last);
    }
    uint8_t* at = last->data + last->length;
    last->length += length;
    bytes_ += length;
    return at;
  }

  uint32_t bytes() const { return bytes_; }
  DatagramList& list() { return list_; }

 private:
  Datagram* Last() {
    Datagram* d = list_.Front();
    while (Datagram* next = list_.Next(d)) d = next;
    return d;
  }
  bool pack_;
  uint32_t bytes_ = 0;
  DatagramList list_;
};

// Every netlink socket's port id, for uniqueness.
struct PortEntry {
  kstd::ListNode node;
  uint32_t port = 0;
};
kstd::IntrusiveList<PortEntry, &PortEntry::node> g_ports;
uint32_t g_rover = static_cast<uint32_t>(-4096);

class NetlinkSocket final : public Socket {
 public:
  NetlinkSocket(Sockets* sockets, int type) : Socket(sockets, nl::kAfNetlink, type, 0) {
    g_ports.PushBack(&entry_);
  }
  ~NetlinkSocket() override {
    g_ports.Remove(&entry_);
    FreeAll(queue_);
  }

  int Bind(const uint8_t* address, uint32_t length) override {
    nl::SockaddrNl a;
    if (int e = ParseName(address, length, &a); e < 0) return e;
    if (entry_.port != 0) {
      if (a.pid != 0 && a.pid != entry_.port) return -EINVAL;
    } else if (a.pid != 0) {
      if (PortInUse(a.pid)) return -EADDRINUSE;
      entry_.port = a.pid;
    } else {
      AutoBind();
    }
    groups_ = a.groups;
    return 0;
  }

  int Connect(const uint8_t* address, uint32_t length) override {
    if (length >= 2 && address[0] == 0 && address[1] == 0) return 0;  // AF_UNSPEC: nothing kept
    nl::SockaddrNl a;
    if (int e = ParseName(address, length, &a); e < 0) return e;
    if (a.pid != 0 || a.groups != 0) return -EOPNOTSUPP;  // user ports and groups
    if (entry_.port == 0) AutoBind();
    return 0;
  }

  int Shutdown(int) override { return -EOPNOTSUPP; }

  int Send(const uint8_t* data, uint32_t length, int flags, const uint8_t* address,
           uint32_t address_length) override {
    const bool net_admin = (flags & kMsgFromNetAdmin) != 0;
    if (address_length != 0) {
      nl::SockaddrNl a;
      if (int e = ParseName(address, address_length, &a); e < 0) return e;
      if (a.pid != 0 || a.groups != 0) return -EOPNOTSUPP;
    }
    if (entry_.port == 0) AutoBind();
    uint32_t at = 0;
    while (at < length) {
      const uint32_t left = length - at;
      nl::Header h{};
      memcpy(&h, data + at, left < sizeof h ? left : sizeof h);
      if (left < sizeof h || h.length < sizeof h || h.length > left) {
        // No way to find what follows a bad length: answer it and stop.
        Error(h, nullptr, 0, -EINVAL);
        break;
      }
      Handle(h, data + at, h.length, net_admin);
      uint32_t step = nl::Align(h.length);
      at += step < left ? step : left;
    }
    return static_cast<int>(length);
  }

  int Receive(uint8_t* out, uint32_t room, int flags, Reply* reply) override {
    Datagram* d = queue_.Front();
    if (d == nullptr) {
      if (error_ != 0) {
        int e = error_;
        error_ = 0;
        Changed();
        return -e;
      }
      return -EAGAIN;
    }
    uint32_t n = d->length < room ? d->length : room;
    memcpy(out, d->data, n);
    reply->length = n;
    reply->value = d->length;
    reply->address_length = Name(0, 0, reply->address);
    if ((flags & MSG_PEEK) == 0) {
      queue_.Remove(d);
      queued_ -= d->length;
      delete d;
      Changed();
    }
    return static_cast<int>(n);
  }

  int LocalName(Reply* reply) override {
    reply->address_length = Name(entry_.port, groups_, reply->address);
    return 0;
  }

  int PeerName(Reply* reply) override {
    reply->address_length = Name(0, 0, reply->address);  // the kernel
    return 0;
  }

  int GetOption(int level, int name, uint8_t* out, uint32_t room, Reply* reply) override {
    if (level != nl::kSolNetlink) return Socket::GetOption(level, name, out, room, reply);
    int v;
    switch (name) {
      case nl::kCapAck: v = cap_ack_; break;
      case nl::kExtAck: v = ext_ack_; break;
      case nl::kNoEnobufs: v = no_enobufs_; break;
      case nl::kBroadcastError: v = broadcast_error_; break;
      default: return -ENOPROTOOPT;
    }
    uint32_t n = room < sizeof v ? room : sizeof v;
    memcpy(out, &v, n);
    reply->length = n;
    return 0;
  }

  int SetOption(int level, int name, const uint8_t* value, uint32_t length) override {
    if (level != nl::kSolNetlink) return Socket::SetOption(level, name, value, length);
    int v;
    if (length < sizeof v) return -EINVAL;
    memcpy(&v, value, sizeof v);
    switch (name) {
      case nl::kAddMembership:
      case nl::kDropMembership:
        // Kept (getsockname shows groups 1..32); nothing is multicast yet.
        if (v <= 0) return -EINVAL;
        if (v <= 32) {
          uint32_t bit = 1u << (v - 1);
          groups_ = name == nl::kAddMembership ? groups_ | bit : groups_ & ~bit;
        }
        if (entry_.port == 0) AutoBind();
        return 0;
      case nl::kCapAck: cap_ack_ = v != 0; return 0;
      case nl::kExtAck: ext_ack_ = v != 0; return 0;  // no extended TLVs are sent
      case nl::kNoEnobufs: no_enobufs_ = v != 0; return 0;
      case nl::kBroadcastError: broadcast_error_ = v != 0; return 0;
      default: return -ENOPROTOOPT;
    }
  }

  int BytesQueued(int unsent, Reply* reply) override {
    Datagram* d = queue_.Front();
    reply->value = unsent != 0 || d == nullptr ? 0 : d->length;
    return 0;
  }

  uint64_t Readiness() const override {
    uint64_t r = netproto::kWritable;
    if (!queue_.empty() || error_ != 0) r |= netproto::kReadable;
    if (error_ != 0) r |= netproto::kError;
    return r;
  }

  void Close() override {
    sockets_->Remove(this);
    delete this;
  }

 private:
  static int ParseName(const uint8_t* address, uint32_t length, nl::SockaddrNl* out) {
    if (length < sizeof *out) return -EINVAL;
    memcpy(out, address, sizeof *out);
    return out->family == nl::kAfNetlink ? 0 : -EINVAL;
  }

  static uint32_t Name(uint32_t pid, uint32_t groups, uint8_t* out) {
    nl::SockaddrNl a{static_cast<uint16_t>(nl::kAfNetlink), 0, pid, groups};
    memcpy(out, &a, sizeof a);
    return sizeof a;
  }

  static bool PortInUse(uint32_t port) {
    return g_ports.FindIf([port](PortEntry* e) { return e->port == port; }) != nullptr;
  }

  void AutoBind() {
    while (PortInUse(g_rover) || g_rover == 0) --g_rover;
    entry_.port = g_rover--;
  }

  // One whole message (header checked).
  void Handle(const nl::Header& h, const uint8_t* message, uint32_t length, bool net_admin) {
    int result = 0;
    bool dumped = false;
    Answers answers(/*pack=*/true);
    if ((h.flags & nl::kFRequest) != 0 && h.type >= nl::kMinType) {
      // Linux's rtnetlink_rcv_msg: every kind but RTM_GET* (the third of
      // each group of four from RTM_BASE) needs CAP_NET_ADMIN.
      const bool get = h.type >= nl::kRtmBase && ((h.type - nl::kRtmBase) & 3) == 2;
      if (!get && !net_admin) {
        result = -EPERM;
      } else {
        result = HandleRouteRequest(message, length, entry_.port, &answers, &dumped);
      }
    }
    // Control messages and non-requests: nothing to do but an ack if asked.
    if (result == 0 && dumped) {
      nl::Header done{sizeof(nl::Header) + sizeof(int32_t), nl::kDone, nl::kFMulti, h.seq,
                      entry_.port};
      uint8_t* at = answers.Reserve(done.length);
      if (at == nullptr) {
        result = -ENOBUFS;
      } else {
        memcpy(at, &done, sizeof done);
        memset(at + sizeof done, 0, sizeof(int32_t));
      }
    }
    if (result < 0) {
      Error(h, message + sizeof h, length - uint32_t{sizeof h}, result);
      return;
    }
    Commit(answers);
    if (!dumped && (h.flags & nl::kFAck) != 0) Error(h, nullptr, 0, 0);  // dumps end with DONE
  }

  // NLMSG_ERROR for request `h` (an ack when `error` is 0), with the
  // request's payload unless capped.
  void Error(const nl::Header& h, const uint8_t* payload, uint32_t payload_length, int error) {
    if (error == 0 || cap_ack_) payload_length = 0;
    Answers answers(/*pack=*/false);
    nl::Header reply{};
    reply.length = static_cast<uint32_t>(sizeof reply + sizeof(nl::ErrorBody) + payload_length);
    reply.type = nl::kError;
    reply.flags = payload_length == 0 && (error == 0 || cap_ack_) ? nl::kFCapped : 0;
    reply.seq = h.seq;
    reply.pid = entry_.port;
    nl::ErrorBody body{error, h};
    uint8_t* at = answers.Reserve(nl::Align(reply.length));
    if (at == nullptr) {
      Overrun();
      return;
    }
    memset(at, 0, nl::Align(reply.length));
    memcpy(at, &reply, sizeof reply);
    memcpy(at + sizeof reply, &body, sizeof body);
    if (payload_length != 0) memcpy(at + sizeof reply + sizeof body, payload, payload_length);
    Commit(answers);
  }

  void Commit(Answers& answers) {
    if (answers.bytes() == 0) return;
    if (queued_ + answers.bytes() > kReceiveLimit) {
      Overrun();
      return;
    }
    queued_ += answers.bytes();
    while (Datagram* d = answers.list().PopFront()) queue_.PushBack(d);
    Changed(true);
  }

  void Overrun() {
    if (!no_enobufs_) error_ = ENOBUFS;
    Changed();
  }

  PortEntry entry_;  // entry_.port: 0 until bound
  uint32_t groups_ = 0;
  uint32_t queued_ = 0;
  bool cap_ack_ = false;
  bool ext_ack_ = false;
  bool no_enobufs_ = false;
  bool broadcast_error_ = false;
  DatagramList queue_;
};

}  // namespace

Socket* CreateNetlinkSocket(Sockets* sockets, int type, int protocol, int* error) {
  if (type != SOCK_RAW && type != SOCK_DGRAM) {
    *error = -ESOCKTNOSUPPORT;
    return nullptr;
  }
  if (protocol != nl::kNetlinkRoute) {
    *error = -EPROTONOSUPPORT;
    return nullptr;
  }
  auto* s = new (kstd::nothrow) NetlinkSocket(sockets, type);
  if (s == nullptr) *error = -ENOMEM;
  return s;
}

}  // namespace netserver
