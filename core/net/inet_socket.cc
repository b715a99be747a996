#include "core/net/inet_socket.h"

#include "core/posix/credentials.h"

#include "abi/linux/poll.h"
#include "abi/tessera/netproto.h"
#include "core/ipc/wait.h"
#include "core/net/net_transport.h"
#include "core/posix/credentials.h"
#include "core/sched/scheduler.h"
#include "core/user/user_ptr.h"
#include "kstd/new.h"

namespace core::net {
namespace {

using netproto::Delivery;
using netproto::Request;

constexpr uint32_t kSiocGifconf = 0x8912;
constexpr int kSoAttachFilter = 26;
constexpr uint16_t kMaxFilterInstructions = 4096;  // Linux's BPF_MAXINSNS
constexpr uint32_t kSiocAddRt = 0x890B;
constexpr uint32_t kSiocDelRt = 0x890C;
constexpr size_t kRtentrySize = 120;  // struct rtentry on x86-64
constexpr uint32_t kSiocDArp = 0x8953;
constexpr uint32_t kSiocSArp = 0x8955;
constexpr uint32_t kSiocGArp = 0x8954;
constexpr size_t kArpreqSize = 68;  // struct arpreq on x86-64

// The interface ioctls that change the stack: CAP_NET_ADMIN, as Linux's
// dev_ioctl, devinet_ioctl, ip_rt_ioctl and arp_ioctl check before
// anything else.
bool ChangesTheStack(uint32_t request) {
  switch (request) {
    case kSiocAddRt:
    case kSiocDelRt:
    case 0x8914:  // SIOCSIFFLAGS
    case 0x8916:  // SIOCSIFADDR
    case 0x8918:  // SIOCSIFDSTADDR
    case 0x891A:  // SIOCSIFBRDADDR
    case 0x891C:  // SIOCSIFNETMASK
    case 0x891E:  // SIOCSIFMETRIC
    case 0x8920:  // SIOCSIFMEM
    case 0x8922:  // SIOCSIFMTU
    case 0x8923:  // SIOCSIFNAME
    case 0x8924:  // SIOCSIFHWADDR
    case 0x8931:  // SIOCADDMULTI
    case 0x8932:  // SIOCDELMULTI
    case 0x8934:  // SIOCSIFPFLAGS
    case 0x8936:  // SIOCDIFADDR
    case 0x8937:  // SIOCSIFHWBROADCAST
    case 0x8943:  // SIOCSIFTXQLEN
    case 0x8971:  // SIOCSIFMAP
    case kSiocDArp:
    case kSiocSArp: return true;
    default: return false;
  }
}

bool CallerIsNetAdmin() {
  return (CurrentCredentials().capabilities & posix::CapBit(linux_abi::kCapNetAdmin)) != 0;
}

}  // namespace

bool IsInterfaceIoctl(uint32_t request) {
  return request >= 0x8900 && request <= 0x89ff && request != 0x8901 /* FIOSETOWN */ &&
         request != 0x8903 /* FIOGETOWN */ && request != 0x8904 /* SIOCGPGRP */ &&
         request != 0x8902 /* SIOCSPGRP */;
}

namespace {

int16_t PollEventsOf(uint64_t readiness) {
  int16_t events = 0;
  if (readiness & netproto::kReadable) events |= linux_abi::kPollIn;
  if (readiness & netproto::kWritable) events |= linux_abi::kPollOut;
  if (readiness & netproto::kReadClosed) events |= linux_abi::kPollRdHup;
  if (readiness & netproto::kHangup) events |= linux_abi::kPollHup;
  if (readiness & netproto::kError) events |= linux_abi::kPollErr;
  return events;
}

// The bytes of a sockaddr a request carries: at most a sockaddr_in6.
void PutAddress(Request& r, const SocketAddress& address) {
  uint32_t n = address.size < netproto::kMaxAddress ? address.size : netproto::kMaxAddress;
  __builtin_memcpy(r.address, address.bytes, n);
  r.address_length = address.size;  // the server rejects lengths it cannot use
  if (r.address_length > netproto::kMaxAddress) r.address_length = netproto::kMaxAddress + 1;
}

void TakeAddress(const Delivery& d, SocketAddress* out) {
  uint32_t n = d.address_length <= netproto::kMaxAddress ? d.address_length : 0;
  __builtin_memcpy(out->bytes, d.address, n);
  out->size = n;
}

class InetSocket final : public Socket, public RemoteSocketLink {
 public:
  InetSocket(kstd::RefPtr<NetTransport> transport, int family, int type, int protocol,
             uint32_t status_flags)
      : Socket(family, type, protocol, status_flags), transport_(kstd::Move(transport)) {
    remote_id = transport_->NewSocketId();
  }

  ~InetSocket() override {
    transport_->Detach(this);
    if (opened_) {
      Request r{};
      r.op = netproto::kClose;
      r.socket = remote_id;
      transport_->Post(r);
    }
  }

  /// Registers for events and asks the server for the socket.
  kstd::Result<void> Open() {
    transport_->Attach(this);
    Request r{};
    r.arg[0] = static_cast<uint64_t>(family());
    r.arg[1] = static_cast<uint64_t>(type());
    r.arg[2] = static_cast<uint64_t>(protocol());
    TRY(Do(netproto::kSocket, r));
    opened_ = true;
    return kstd::Ok();
  }

  void OnReadiness(uint64_t readiness) override {
    int16_t events = PollEventsOf(readiness);
    __atomic_store_n(&events_, events, __ATOMIC_RELEASE);
    SpinLockGuard guard(lock_);
    SyncSignalsLocked(events, (readiness & netproto::kReadable) != 0);
  }

  int16_t PollEvents() override { return __atomic_load_n(&events_, __ATOMIC_ACQUIRE); }
  const char* Describe() const override {
    if (family() == linux_abi::kAfNetlink) return "NETLINK";
    if (family() == linux_abi::kAfPacket) return "PACKET";
    bool v6 = family() == linux_abi::kAfInet6;
    if (type() == linux_abi::kSockStream) return v6 ? "TCPv6" : "TCP";
    if (type() == linux_abi::kSockDgram) return v6 ? "UDPv6" : "UDP";
    return v6 ? "RAWv6" : "RAW";
  }

  kstd::Result<void> Bind(const SocketAddress& address, const Caller& caller) override {
    // Ports below 1024 need CAP_NET_BIND_SERVICE (EACCES), checked after
    // the address is known to be well-formed, as Linux's inet_bind.
    const bool inet = family() == linux_abi::kAfInet || family() == linux_abi::kAfInet6;
    const uint32_t min_size = family() == linux_abi::kAfInet ? 16 : 24;
    if (inet && type() != linux_abi::kSockRaw && address.size >= min_size) {
      uint16_t address_family;
      __builtin_memcpy(&address_family, address.bytes, 2);
      const uint32_t port = (uint32_t{address.bytes[2]} << 8) | address.bytes[3];
      const bool may =
          (caller.credentials.capabilities & posix::CapBit(linux_abi::kCapNetBindService)) != 0;
      if (address_family == family() && port != 0 && port < 1024 && !may) {
        return kstd::Error::kAccess;
      }
    }
    Request r{};
    PutAddress(r, address);
    TRY(Do(netproto::kBind, r));
    return kstd::Ok();
  }

  kstd::Result<void> Listen(int backlog) override {
    Request r{};
    r.arg[0] = static_cast<uint64_t>(static_cast<int64_t>(backlog));
    TRY(Do(netproto::kListen, r));
    __atomic_store_n(&listening_, true, __ATOMIC_RELAXED);
    return kstd::Ok();
  }

  kstd::Result<kstd::RefPtr<Socket>> Accept(uint32_t flags) override {
    kstd::RefPtr<InetSocket> fresh = kstd::AdoptRef(new (kstd::nothrow) InetSocket(
        transport_, family(), type(), protocol(), linux_abi::kORdWr | flags));
    if (!fresh) return kstd::Error::kNoMemory;
    transport_->Attach(fresh.get());
    if (!nonblocking() && !Ready(kReadableEvents)) TRY(WaitFor(kSignalReadable, ReceiveDeadline()));
    for (;;) {
      Request r{};
      r.arg[0] = fresh->remote_id;
      auto d = Do(netproto::kAccept, r);
      if (d.ok()) {
        fresh->opened_ = true;
        return kstd::RefPtr<Socket>(kstd::Move(fresh));
      }
      if (d.error() != kstd::Error::kAgain || nonblocking()) return d.error();
      TRY(WaitFor(kSignalReadable, ReceiveDeadline()));
    }
  }

  kstd::Result<void> Connect(const SocketAddress& address, const Caller&) override {
    Request r{};
    PutAddress(r, address);
    r.arg[0] = nonblocking() ? 0 : 1;  // a blocking caller waits for the outcome here
    auto d = Do(netproto::kConnect, r);
    if (d.ok()) return kstd::Ok();
    if (d.error() != kstd::Error::kInProgress || nonblocking()) return d.error();
    // Linux: a signal ends the wait with EINTR and the connection goes on;
    // SO_SNDTIMEO bounds it (EINPROGRESS then).
    for (;;) {
      int16_t ev = PollEvents();
      if (ev & (linux_abi::kPollOut | linux_abi::kPollErr | linux_abi::kPollHup)) break;
      auto waited = WaitFor(kSignalWritable, SendDeadline());
      if (waited.is_error()) {
        if (waited.error() == kstd::Error::kAgain) return kstd::Error::kInProgress;
        return waited.error() == kstd::Error::kInterrupted ? kstd::Error::kInterrupted
                                                           : waited.error();
      }
    }
    int error = TakeError();
    if (error != 0) return static_cast<kstd::Error>(error);
    return kstd::Ok();
  }

  kstd::Result<void> Shutdown(int how) override {
    Request r{};
    r.arg[0] = static_cast<uint64_t>(how);
    TRY(Do(netproto::kShutdown, r));
    return kstd::Ok();
  }

  kstd::Result<size_t> Send(SendRequest& request) override {
    const bool stream = type() == linux_abi::kSockStream;
    const bool dont_wait = nonblocking() || (request.flags & linux_abi::kMsgDontWait) != 0;
    if (!stream && request.data.size() > netproto::kSlotSize) return kstd::Error::kMessageSize;
    size_t sent = 0;
    const uint64_t deadline = SendDeadline();
    if (!dont_wait && !Ready(linux_abi::kPollOut | linux_abi::kPollErr | linux_abi::kPollHup)) {
      TRY(WaitFor(kSignalWritable, deadline));
    }
    do {
      size_t chunk = request.data.size() - sent;
      if (chunk > netproto::kSlotSize) chunk = netproto::kSlotSize;
      Request r{};
      r.flags = request.flags & ~linux_abi::kMsgDontWait;
      r.arg[0] = CallerIsNetAdmin() ? netproto::kSendFromNetAdmin : 0;
      if (request.to != nullptr) PutAddress(r, *request.to);
      auto d = Do(netproto::kSend, r, request.data.Subspan(sent, chunk));
      if (d.ok()) {
        size_t taken = static_cast<size_t>(d.value().result);
        if (taken > chunk) return kstd::Error::kIo;  // a server that claims too much
        sent += taken;
        if (!stream) return sent;
        continue;
      }
      if (d.error() != kstd::Error::kAgain || dont_wait) {
        if (sent != 0 && d.error() != kstd::Error::kPipe) return sent;
        if (sent != 0 && d.error() == kstd::Error::kPipe) return sent;
        return d.error();
      }
      auto waited = WaitFor(kSignalWritable, deadline);
      if (waited.is_error()) {
        if (sent != 0) return sent;
        return waited.error();
      }
    } while (sent < request.data.size());
    return sent;
  }

  kstd::Result<size_t> Receive(kstd::Span<uint8_t> out, int flags, ReceiveResult* result) override {
    const bool stream = type() == linux_abi::kSockStream;
    const bool dont_wait = nonblocking() || (flags & linux_abi::kMsgDontWait) != 0;
    const bool wait_all =
        stream && (flags & linux_abi::kMsgWaitAll) != 0 && (flags & linux_abi::kMsgPeek) == 0;
    const uint64_t deadline = ReceiveDeadline();
    // Nothing to read by the server's last word: wait before asking (a
    // request that could only answer EAGAIN costs a round trip).
    if (!dont_wait && !out.empty() && !Ready(kReadableEvents)) {
      TRY(WaitFor(kSignalReadable, deadline));
    }
    size_t got = 0;
    for (;;) {
      size_t room = out.size() - got;
      if (room > netproto::kSlotSize) room = netproto::kSlotSize;
      Request r{};
      r.flags = flags & (linux_abi::kMsgPeek | linux_abi::kMsgTrunc);
      auto d = Do(netproto::kReceive, r, {}, out.Subspan(got, room));
      if (d.ok()) {
        const Delivery& reply = d.value();
        got += reply.length;
        if (!stream) {
          TakeAddress(reply, &result->from);
          result->message_size = reply.value;
          if (reply.value > reply.length) result->msg_flags |= linux_abi::kMsgTrunc;
          result->bytes = reply.length;
          return (flags & linux_abi::kMsgTrunc) != 0 ? static_cast<size_t>(reply.value)
                                                     : size_t{reply.length};
        }
        if (reply.length == 0 || !wait_all || got == out.size()) {
          result->bytes = got;
          return got;
        }
        continue;
      }
      if (d.error() != kstd::Error::kAgain || dont_wait) {
        if (got != 0) return got;
        return d.error();
      }
      if (out.empty()) return size_t{0};
      auto waited = WaitFor(kSignalReadable, deadline);
      if (waited.is_error()) {
        if (got != 0) return got;
        return waited.error();
      }
    }
  }

  kstd::Result<void> LocalName(SocketAddress* out) override {
    Request r{};
    auto d = TRY(Do(netproto::kLocalName, r));
    TakeAddress(d, out);
    return kstd::Ok();
  }

  kstd::Result<void> PeerName(SocketAddress* out) override {
    Request r{};
    auto d = TRY(Do(netproto::kPeerName, r));
    TakeAddress(d, out);
    return kstd::Ok();
  }

 protected:
  kstd::Result<size_t> GetFamilyOption(int level, int name, kstd::Span<uint8_t> out) override {
    Request r{};
    r.arg[0] = static_cast<uint64_t>(level);
    r.arg[1] = static_cast<uint64_t>(name);
    uint8_t value[netproto::kMaxAddress * 4];
    size_t room = out.size() < sizeof value ? out.size() : sizeof value;
    auto d = TRY(Do(netproto::kGetOption, r, {}, kstd::Span<uint8_t>(value, sizeof value)));
    size_t n = d.length < room ? d.length : room;
    __builtin_memcpy(out.data(), value, n);
    return n;
  }

  kstd::Result<void> SetFamilyOption(int level, int name,
                                     kstd::Span<const uint8_t> value) override {
    if (value.size() > netproto::kSlotSize) return kstd::Error::kInvalid;
    if (level == linux_abi::kSolSocket && name == kSoAttachFilter) return AttachFilter(value);
    Request r{};
    r.arg[0] = static_cast<uint64_t>(level);
    r.arg[1] = static_cast<uint64_t>(name);
    TRY(Do(netproto::kSetOption, r, value));
    return kstd::Ok();
  }

  // SO_ATTACH_FILTER: struct sock_fprog { u16 len; ...; sock_filter* filter }
  // points into the caller's memory; the server gets the program itself:
  // the fprog followed by its len 8-byte instructions.
  kstd::Result<void> AttachFilter(kstd::Span<const uint8_t> value) {
    if (value.size() < 16) return kstd::Error::kInvalid;
    uint16_t count;
    uint64_t filter;
    __builtin_memcpy(&count, value.data(), sizeof count);
    __builtin_memcpy(&filter, value.data() + 8, sizeof filter);
    if (count == 0 || count > kMaxFilterInstructions) return kstd::Error::kInvalid;
    size_t size = 16 + size_t{count} * 8;
    uint8_t* program = new (kstd::nothrow) uint8_t[size];
    if (program == nullptr) return kstd::Error::kNoMemory;
    __builtin_memcpy(program, value.data(), 16);
    auto copied = UserPtr<uint8_t>(filter).CopyIn(program + 16, size - 16);
    kstd::Result<void> result = copied;
    if (copied.ok()) {
      Request r{};
      r.arg[0] = static_cast<uint64_t>(linux_abi::kSolSocket);
      r.arg[1] = static_cast<uint64_t>(kSoAttachFilter);
      auto d = Do(netproto::kSetOption, r, kstd::Span<const uint8_t>(program, size));
      result = d.is_error() ? kstd::Result<void>(d.error()) : kstd::Ok();
    }
    delete[] program;
    return result;
  }

  kstd::Result<void> SharedOptionChanged(int name, kstd::Span<const uint8_t> value) override {
    return SetFamilyOption(linux_abi::kSolSocket, name, value);
  }

  int TakeError() override {
    Request r{};
    r.arg[0] = static_cast<uint64_t>(linux_abi::kSolSocket);
    r.arg[1] = static_cast<uint64_t>(linux_abi::kSoError);
    int value = 0;
    auto d = Do(netproto::kGetOption, r, {},
                kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(&value), sizeof value));
    if (d.is_error()) return static_cast<int>(d.error());
    if (d.value().length != sizeof value || value < 0 ||
        NetTransport::ErrorOf(-value) == kstd::Error::kIo)
      return value == 0 ? 0 : linux_abi::kEIO;
    return value;
  }

  bool IsListening() const override { return __atomic_load_n(&listening_, __ATOMIC_RELAXED); }

  kstd::Result<int> BytesToRead() override { return Queued(0); }
  kstd::Result<int> BytesUnsent() override { return Queued(1); }

 private:
  kstd::Result<Delivery> Do(netproto::Op op, Request& r, kstd::Span<const uint8_t> in = {},
                            kstd::Span<uint8_t> out = {}) {
    r.op = op;
    r.socket = remote_id;
    Delivery d = TRY(transport_->Call(r, in, out));
    if (d.result < 0) return NetTransport::ErrorOf(d.result);
    return d;
  }

  kstd::Result<int> Queued(uint64_t which) {
    Request r{};
    r.arg[0] = which;
    auto d = TRY(Do(netproto::kBytesQueued, r));
    return d.value > 0x7fffffff ? 0x7fffffff : static_cast<int>(d.value);
  }

  bool Ready(int16_t events) const {
    return (__atomic_load_n(&events_, __ATOMIC_ACQUIRE) & events) != 0;
  }
  static constexpr int16_t kReadableEvents =
      linux_abi::kPollIn | linux_abi::kPollErr | linux_abi::kPollHup | linux_abi::kPollRdHup;

  // Waits for `wanted` (or an error or hang-up) on this socket.
  // SO_*TIMEO expiring gives kAgain, as Linux.
  kstd::Result<void> WaitFor(Signals wanted, uint64_t deadline) {
    kstd::RefPtr<KernelObject> self = kstd::RefPtr<KernelObject>::FromRaw(this);
    Signals w = wanted | kSignalPeerClosed;
    auto waited = ipc::WaitForSignals(&self, &w, 1, deadline, nullptr);
    if (waited.is_error()) {
      return waited.error() == kstd::Error::kTimedOut ? kstd::Error::kAgain : waited.error();
    }
    return kstd::Ok();
  }

  kstd::RefPtr<NetTransport> transport_;
  int16_t events_ = 0;
  bool opened_ = false;
  bool listening_ = false;
};

}  // namespace

bool NetworkServerPresent() {
  kstd::RefPtr<NetTransport> t = NetTransport::Current();
  return t && !t->dead();
}

namespace {

// One request about the stack rather than a socket (kIoctl).
kstd::Result<Delivery> CallServer(Request& r, kstd::Span<const uint8_t> in,
                                  kstd::Span<uint8_t> out) {
  kstd::RefPtr<NetTransport> transport = NetTransport::Current();
  if (!transport || transport->dead()) return kstd::Error::kNoDevice;
  r.op = netproto::kIoctl;
  Delivery d = TRY(transport->Call(r, in, out));
  if (d.result < 0) return NetTransport::ErrorOf(d.result);
  return d;
}

}  // namespace

kstd::Result<int64_t> InterfaceIoctl(uint32_t request, uint64_t arg) {
  if (!IsInterfaceIoctl(request)) return kstd::Error::kNotTty;
  if (ChangesTheStack(request) && !CallerIsNetAdmin()) return kstd::Error::kPermission;
  Request r{};
  r.arg[0] = request;
  if (request == kSiocGifconf) {
    // struct ifconf { int ifc_len; int pad; char* ifc_buf; }
    struct {
      int32_t len;
      int32_t pad;
      uint64_t buf;
    } conf;
    TRY(UserPtr<decltype(conf)>(arg).CopyIn(&conf));
    if (conf.len < 0) return kstd::Error::kInvalid;
    uint32_t room = static_cast<uint32_t>(conf.len) < netproto::kSlotSize
                        ? static_cast<uint32_t>(conf.len)
                        : netproto::kSlotSize;
    uint8_t* list = new (kstd::nothrow) uint8_t[netproto::kSlotSize];
    if (list == nullptr) return kstd::Error::kNoMemory;
    // With no buffer Linux reports the length every interface needs.
    r.arg[1] = conf.buf == 0 ? 1 : 0;
    auto d =
        CallServer(r, {}, kstd::Span<uint8_t>(list, conf.buf == 0 ? netproto::kSlotSize : room));
    if (d.is_error()) {
      delete[] list;
      return d.error();
    }
    kstd::Result<void> copied = kstd::Ok();
    if (conf.buf != 0 && d.value().length != 0)
      copied = UserPtr<uint8_t>(conf.buf).CopyOut(list, d.value().length);
    delete[] list;
    TRY(kstd::Move(copied));
    conf.len = static_cast<int32_t>(d.value().length);
    TRY(UserPtr<decltype(conf)>(arg).CopyOut(&conf));
    return int64_t{0};
  }
  // struct ifreq, struct rtentry for the route calls, struct arpreq for ARP.
  uint8_t request_bytes[kRtentrySize];
  static_assert(kArpreqSize <= sizeof request_bytes);
  const size_t size = request == kSiocAddRt || request == kSiocDelRt ? kRtentrySize
                      : request == kSiocSArp || request == kSiocDArp || request == kSiocGArp
                          ? kArpreqSize
                          : netproto::kIfreqSize;
  TRY(UserPtr<uint8_t>(arg).CopyIn(request_bytes, size));
  auto d = TRY(CallServer(r, kstd::Span<const uint8_t>(request_bytes, size),
                          kstd::Span<uint8_t>(request_bytes, size)));
  if (d.length != 0) TRY(UserPtr<uint8_t>(arg).CopyOut(request_bytes, d.length));
  return int64_t{0};
}

kstd::Result<size_t> ReadProcNet(uint32_t file, kstd::Span<uint8_t> out) {
  kstd::RefPtr<NetTransport> transport = NetTransport::Current();
  if (!transport || transport->dead()) return kstd::Error::kNoDevice;
  Request r{};
  r.op = netproto::kProcNet;
  r.arg[0] = file;
  if (out.size() > netproto::kSlotSize) out = out.Subspan(0, netproto::kSlotSize);
  Delivery d = TRY(transport->Call(r, {}, out));
  if (d.result < 0) return NetTransport::ErrorOf(d.result);
  return size_t{d.length};
}

kstd::Result<kstd::RefPtr<Socket>> CreateInetSocket(int family, int type, int protocol,
                                                    uint32_t status_flags) {
  // Raw sockets see every packet of their protocol: CAP_NET_RAW only, as
  // Linux, whether or not a network server runs.
  const bool privileged = family == linux_abi::kAfPacket ||
                          (type == linux_abi::kSockRaw && family != linux_abi::kAfNetlink);
  if (privileged &&
      (CurrentCredentials().capabilities & posix::CapBit(linux_abi::kCapNetRaw)) == 0) {
    return kstd::Error::kPermission;
  }
  kstd::RefPtr<NetTransport> transport = NetTransport::Current();
  if (!transport || transport->dead()) return kstd::Error::kFamilyNotSupported;
  kstd::RefPtr<InetSocket> s = kstd::AdoptRef(
      new (kstd::nothrow) InetSocket(kstd::Move(transport), family, type, protocol, status_flags));
  if (!s) return kstd::Error::kNoMemory;
  TRY(s->Open());
  return kstd::RefPtr<Socket>(kstd::Move(s));
}

}  // namespace core::net
