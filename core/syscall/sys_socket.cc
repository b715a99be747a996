// Linux socket calls: socket, socketpair, bind, listen, accept/accept4,
// connect, shutdown, send/recv in all their forms (sendto/recvfrom,
// sendmsg/recvmsg with control messages, sendmmsg/recvmmsg),
// getsockname/getpeername, setsockopt/getsockopt. This file decodes user
// memory (addresses, iovecs, msghdrs, SCM_RIGHTS and SCM_CREDENTIALS) and
// leaves the protocol to core/net; families the kernel does not serve answer
// EAFNOSUPPORT and are counted in /proc/tessera/unsupported.

#include "core/syscall/sys_socket.h"
#include "abi/linux/signal.h"
#include "abi/linux/socket.h"
#include "abi/linux/uio.h"
#include "core/fd/fd_table.h"
#include "core/net/inet_socket.h"
#include "core/net/socket.h"
#include "core/net/unix_socket.h"
#include "core/proc/signals.h"
#include "core/syscall/deadline.h"
#include "core/syscall/pid_view.h"
#include "core/syscall/sys_common.h"
#include "core/unsupported/refusals.h"
#include "core/vfs/kernel_mounts.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

using net::Socket;
using net::SocketAddress;

constexpr uint64_t kMaxIo = 0x7FFFF000;     // Linux MAX_RW_COUNT
constexpr size_t kStreamChunk = 64 * 1024;  // bytes moved per step of a stream
constexpr uint64_t kMaxControl = 20480;     // net.core.optmem_max
constexpr uint32_t kMaxMmsg = 1024;         // UIO_MAXIOV
constexpr size_t kMaxOptionBytes = 256;

fd::FdTable& Fds() { return *CurrentProcess()->fds(); }

// The socket behind `fd`. Errors: kBadHandle, kNotSocket.
kstd::Result<kstd::RefPtr<Socket>> GetSocket(int32_t fd) {
  kstd::RefPtr<fd::FileDescription> file = TRY(Fds().Get(fd));
  if (!file->IsSocket()) return kstd::Error::kNotSocket;
  return kstd::RefPtr<Socket>(kstd::StaticRefCast<Socket>(kstd::Move(file)));
}

net::Credentials CallerCredentials() {
  net::Credentials c;
  c.pid = static_cast<int32_t>(CurrentProcess()->pid());
  const posix::Credentials me = CurrentProcess()->credentials();
  c.uid = me.ruid;  // what SCM_CREDENTIALS carries by default (Linux: the real ids)
  c.gid = me.rgid;
  c.capabilities = me.effective;
  return c;
}

// The calling process's view for names in the file system. Holds the
// references the PathContext points at. Fill() takes them (the fs lock):
// only calls that may meet a path name do.
struct CallerContext {
  Process::FsRoots roots;
  posix::Credentials cred;
  net::Caller caller;
  const net::Caller& Fill() {
    roots = CurrentProcess()->fs_roots();
    cred = CurrentProcess()->credentials();
    caller.credentials = CallerCredentials();
    // An exited process makes no calls: its namespace is there.
    caller.paths =
        vfs::PathContext{&roots.mounts->mounts(), roots.root.get(), roots.cwd.get(), &cred};
    caller.umask = CurrentProcess()->umask();
    return caller;
  }
};

// A sockaddr from user space. Errors: kInvalid (length < 0 or > 128), kFault.
kstd::Result<void> CopyAddressIn(uint64_t user, int32_t length, SocketAddress* out) {
  if (length < 0 || static_cast<size_t>(length) > sizeof out->bytes) return kstd::Error::kInvalid;
  *out = SocketAddress{};
  out->size = static_cast<uint32_t>(length);
  if (length > 0) TRY(UserPtr<const void>(user).CopyIn(out->bytes, out->size));
  return kstd::Ok();
}

// Writes an address to (user, *user_length) as Linux's move_addr_to_user:
// at most the caller's length, and the real length into *user_length.
kstd::Result<void> CopyAddressOut(const SocketAddress& address, uint64_t user,
                                  uint64_t user_length) {
  if (user == 0 || user_length == 0) return kstd::Ok();
  int32_t length;
  TRY(UserPtr<int32_t>(user_length).CopyIn(&length));
  if (length < 0) return kstd::Error::kInvalid;
  uint32_t n = kstd::Min<uint32_t>(static_cast<uint32_t>(length), address.size);
  if (n > 0) TRY(UserPtr<void>(user).CopyOut(address.bytes, n));
  int32_t real = static_cast<int32_t>(address.size);
  TRY(UserPtr<int32_t>(user_length).CopyOut(&real));
  return kstd::Ok();
}

// A blocking call a signal interrupted restarts under SA_RESTART, unless
// the socket has a timeout for it (then EINTR), as Linux's sock_intr_errno.
kstd::Error Interrupted(kstd::Error e, uint64_t timeout_ns) {
  if (e == kstd::Error::kInterrupted && timeout_ns == 0) return kstd::Error::kRestartSys;
  return e;
}

// ---- iovecs ----

// Walks a kernel copy of a user iovec array, moving bytes to or from user
// memory in order.
class IovCursor {
 public:
  ~IovCursor() { delete[] iov_; }

  // Copies the array in. Errors: kInvalid (count > IOV_MAX, a total
  // beyond MAX_RW_COUNT is clamped), kFault, kNoMemory.
  kstd::Result<void> Init(uint64_t user_iov, uint64_t count) {
    if (count > static_cast<uint64_t>(linux_abi::kIovMax)) return kstd::Error::kMessageSize;
    count_ = count;
    if (count == 0) return kstd::Ok();
    iov_ = new (kstd::nothrow) linux_abi::Iovec[count];
    if (iov_ == nullptr) return kstd::Error::kNoMemory;
    TRY(UserPtr<linux_abi::Iovec>(user_iov).CopyIn(iov_, count));
    for (uint64_t i = 0; i < count; ++i) {
      if (iov_[i].iov_len > kMaxIo) return kstd::Error::kInvalid;
      uint64_t room = kMaxIo - total_;
      if (iov_[i].iov_len > room) iov_[i].iov_len = room;
      total_ += iov_[i].iov_len;
    }
    return kstd::Ok();
  }
  // A single buffer (send/recv).
  void InitSingle(uint64_t base, uint64_t length) {
    single_.iov_base = base;
    single_.iov_len = kstd::Min(length, kMaxIo);
    count_ = 1;
    total_ = single_.iov_len;
  }

  uint64_t total() const { return total_; }
  uint64_t left() const { return total_ - done_; }

  kstd::Result<void> Gather(uint8_t* out, size_t n) { return Move(out, n, true); }
  kstd::Result<void> Scatter(const uint8_t* in, size_t n) {
    return Move(const_cast<uint8_t*>(in), n, false);
  }

 private:
  const linux_abi::Iovec& at(uint64_t i) const { return iov_ != nullptr ? iov_[i] : single_; }

  kstd::Result<void> Move(uint8_t* buf, size_t n, bool in) {
    while (n > 0) {
      while (index_ < count_ && offset_ == at(index_).iov_len) {
        ++index_;
        offset_ = 0;
      }
      if (index_ >= count_) return kstd::Error::kFault;
      const linux_abi::Iovec& v = at(index_);
      size_t step = static_cast<size_t>(kstd::Min<uint64_t>(n, v.iov_len - offset_));
      bool ok = in ? hal::CopyFromUser(buf, v.iov_base + offset_, step)
                   : hal::CopyToUser(v.iov_base + offset_, buf, step);
      if (!ok) return kstd::Error::kFault;
      buf += step;
      n -= step;
      offset_ += step;
      done_ += step;
    }
    return kstd::Ok();
  }

  linux_abi::Iovec* iov_ = nullptr;
  linux_abi::Iovec single_{};
  uint64_t count_ = 0;
  uint64_t index_ = 0;
  uint64_t offset_ = 0;
  uint64_t total_ = 0;
  uint64_t done_ = 0;
};

// An owned kernel buffer.
struct Buffer {
  uint8_t* data = nullptr;
  explicit Buffer(size_t n) : data(new (kstd::nothrow) uint8_t[n > 0 ? n : 1]) {}
  ~Buffer() { delete[] data; }
};

// ---- control messages ----

// Parses sendmsg's control buffer: SCM_RIGHTS (files, at most SCM_MAX_FD in
// all) and SCM_CREDENTIALS. Errors: kInvalid (a malformed header, an unknown
// type, too many files), kBadHandle, kNoBuffers (beyond optmem_max), kFault.
kstd::Result<void> ParseControl(uint64_t user, uint64_t length, net::FileRights* rights,
                                net::Credentials* credentials) {
  if (length == 0) return kstd::Ok();
  if (length > kMaxControl) return kstd::Error::kNoBuffers;
  Buffer control(length);
  if (control.data == nullptr) return kstd::Error::kNoMemory;
  TRY(UserPtr<const void>(user).CopyIn(control.data, length));
  uint64_t at = 0;
  while (length - at >= sizeof(linux_abi::CmsgHdr)) {
    linux_abi::CmsgHdr h;
    __builtin_memcpy(&h, control.data + at, sizeof h);
    if (h.cmsg_len < sizeof h || h.cmsg_len > length - at) return kstd::Error::kInvalid;
    const uint8_t* data = control.data + at + sizeof h;
    uint64_t data_len = h.cmsg_len - sizeof h;
    if (h.cmsg_level != linux_abi::kSolSocket) return kstd::Error::kInvalid;
    if (h.cmsg_type == linux_abi::kScmRights) {
      uint64_t n = data_len / sizeof(int32_t);
      if (n == 0 || rights->size() + n > static_cast<uint64_t>(linux_abi::kScmMaxFd)) {
        return kstd::Error::kInvalid;
      }
      for (uint64_t i = 0; i < n; ++i) {
        int32_t fd;
        __builtin_memcpy(&fd, data + i * sizeof fd, sizeof fd);
        TRY(rights->Append(TRY(Fds().Get(fd))));
      }
    } else if (h.cmsg_type == linux_abi::kScmCredentials) {
      linux_abi::UCred u;
      if (data_len != sizeof u) return kstd::Error::kInvalid;
      __builtin_memcpy(&u, data, sizeof u);
      // scm_check_creds: one's own pid (or CAP_SYS_ADMIN), one of one's
      // uids (or CAP_SETUID) and gids (or CAP_SETGID).
      const posix::Credentials me = CurrentProcess()->credentials();
      // The pid is the caller's PID namespace's number; kept as a kernel id
      // (0 for one the caller cannot see).
      const uint64_t pid = PidFromUser(u.pid);
      const bool pid_ok =
          (pid != 0 && pid == CurrentProcess()->pid()) || me.Has(linux_abi::kCapSysAdmin);
      const bool uid_ok =
          u.uid == me.ruid || u.uid == me.euid || u.uid == me.suid || me.Has(linux_abi::kCapSetuid);
      const bool gid_ok =
          u.gid == me.rgid || u.gid == me.egid || u.gid == me.sgid || me.Has(linux_abi::kCapSetgid);
      if (!pid_ok || !uid_ok || !gid_ok) return kstd::Error::kPermission;
      credentials->pid = static_cast<int32_t>(pid);
      credentials->uid = u.uid;
      credentials->gid = u.gid;
    } else {
      return kstd::Error::kInvalid;
    }
    at += linux_abi::CmsgAlign(h.cmsg_len);
  }
  return kstd::Ok();
}

// Writes recvmsg's control messages (credentials, then files installed as
// new fds) into (user, capacity); returns the bytes used and sets
// MSG_CTRUNC in *msg_flags when something did not fit (files that do not
// fit are closed, as Linux's).
kstd::Result<uint64_t> WriteControl(net::ReceiveResult& r, uint64_t user, uint64_t capacity,
                                    int flags, int* msg_flags) {
  uint64_t used = 0;
  if (user == 0) capacity = 0;
  if (r.has_credentials) {
    uint64_t need = linux_abi::CmsgSpace(sizeof(linux_abi::UCred));
    if (capacity - used < linux_abi::CmsgLen(sizeof(linux_abi::UCred))) {
      *msg_flags |= linux_abi::kMsgCtrunc;
    } else {
      uint8_t tmp[linux_abi::CmsgSpace(sizeof(linux_abi::UCred))] = {};
      linux_abi::CmsgHdr h{linux_abi::CmsgLen(sizeof(linux_abi::UCred)), linux_abi::kSolSocket,
                           linux_abi::kScmCredentials};
      // The sender's pid as the receiver's PID namespace numbers it.
      const int32_t pid =
          r.credentials.pid > 0
              ? static_cast<int32_t>(PidToUser(static_cast<uint64_t>(r.credentials.pid)))
              : r.credentials.pid;
      linux_abi::UCred u{pid, r.credentials.uid, r.credentials.gid};
      __builtin_memcpy(tmp, &h, sizeof h);
      __builtin_memcpy(tmp + sizeof h, &u, sizeof u);
      uint64_t n = kstd::Min(need, capacity - used);
      TRY(UserPtr<void>(user + used).CopyOut(tmp, n));
      used += n;
    }
  }
  if (r.rights.size() > 0) {
    uint64_t room = capacity - used;
    uint64_t fit = room < sizeof(linux_abi::CmsgHdr)
                       ? 0
                       : (room - sizeof(linux_abi::CmsgHdr)) / sizeof(int32_t);
    if (fit > r.rights.size()) fit = r.rights.size();
    if (fit < r.rights.size()) *msg_flags |= linux_abi::kMsgCtrunc;
    if (fit > 0) {
      bool cloexec = (flags & linux_abi::kMsgCmsgCloExec) != 0;
      int32_t fds[linux_abi::kScmMaxFd];
      uint64_t installed = 0;
      for (; installed < fit; ++installed) {
        auto fd = Fds().Install(kstd::RefPtr<fd::FileDescription>::FromRaw(r.rights.at(installed)),
                                cloexec);
        if (fd.is_error()) {
          *msg_flags |= linux_abi::kMsgCtrunc;
          break;
        }
        fds[installed] = fd.value();
      }
      if (installed > 0) {
        linux_abi::CmsgHdr h{linux_abi::CmsgLen(installed * sizeof(int32_t)), linux_abi::kSolSocket,
                             linux_abi::kScmRights};
        auto wrote = UserPtr<void>(user + used).CopyOut(&h, sizeof h);
        if (wrote.ok()) wrote = UserPtr<void>(user + used + sizeof h).CopyOut(fds, installed * 4);
        if (wrote.is_error()) {
          for (uint64_t i = 0; i < installed; ++i) (void)Fds().Close(fds[i]);
          return kstd::Error::kFault;
        }
        used += kstd::Min(capacity - used, linux_abi::CmsgSpace(installed * sizeof(int32_t)));
      }
    }
    r.rights.Clear();  // what was not installed is closed
  }
  return used;
}

// ---- the send and receive paths ----

// Sends what `data` walks over. Streams move in chunks (the first carries
// the files); datagrams are one piece. SIGPIPE for EPIPE unless MSG_NOSIGNAL.
kstd::Result<uint64_t> SendFrom(Socket* socket, IovCursor& data, const SocketAddress* to,
                                net::FileRights* rights, const net::Credentials& credentials,
                                int flags) {
  CallerContext context;
  net::SendRequest request;
  request.to = to;
  request.rights = rights;
  request.credentials = credentials;
  request.flags = flags;
  if (to != nullptr) request.caller = &context.Fill();  // a name to look up
  const bool stream = socket->type() == linux_abi::kSockStream;
  kstd::Result<uint64_t> outcome = uint64_t{0};
  if (!stream) {
    if (data.total() > net::kMaxSocketBuffer) {
      outcome = kstd::Error::kMessageSize;
    } else {
      Buffer buf(data.total());
      if (buf.data == nullptr) return kstd::Error::kNoMemory;
      TRY(data.Gather(buf.data, data.total()));
      request.data = kstd::Span<const uint8_t>(buf.data, data.total());
      auto sent = socket->Send(request);
      outcome = sent.is_error() ? kstd::Result<uint64_t>(sent.error())
                                : kstd::Result<uint64_t>(uint64_t{sent.value()});
    }
  } else {
    size_t chunk = static_cast<size_t>(kstd::Min<uint64_t>(data.total(), kStreamChunk));
    Buffer buf(chunk);
    if (buf.data == nullptr) return kstd::Error::kNoMemory;
    uint64_t done = 0;
    bool first = true;
    while (first || data.left() > 0) {
      size_t n = static_cast<size_t>(kstd::Min<uint64_t>(data.left(), chunk));
      auto gathered = data.Gather(buf.data, n);
      if (gathered.is_error()) {
        outcome =
            done > 0 ? kstd::Result<uint64_t>(done) : kstd::Result<uint64_t>(kstd::Error::kFault);
        break;
      }
      request.data = kstd::Span<const uint8_t>(buf.data, n);
      auto sent = socket->Send(request);
      request.rights = nullptr;  // files go with the first piece
      if (sent.is_error()) {
        outcome = done > 0 ? kstd::Result<uint64_t>(done) : kstd::Result<uint64_t>(sent.error());
        break;
      }
      done += sent.value();
      outcome = done;
      first = false;
      if (sent.value() < n) break;
    }
  }
  if (outcome.is_error()) {
    if (outcome.error() == kstd::Error::kPipe && (flags & linux_abi::kMsgNoSignal) == 0) {
      SendSignal(CurrentProcess(), linux_abi::kSigPipe,
                 linux_abi::SigInfo::FromKernel(linux_abi::kSigPipe));
    }
    return Interrupted(outcome.error(), socket->send_timeout_ns());
  }
  return outcome;
}

// Receives into what `data` walks over; fills `result` (sender, files,
// credentials, MSG_TRUNC). Returns the byte count the call reports.
kstd::Result<uint64_t> ReceiveInto(Socket* socket, IovCursor& data, int flags,
                                   net::ReceiveResult* result) {
  const bool stream = socket->type() == linux_abi::kSockStream;
  const bool peek = (flags & linux_abi::kMsgPeek) != 0;
  uint64_t cap = data.total();
  if (!stream) cap = kstd::Min<uint64_t>(cap, net::kMaxSocketBuffer);
  if (stream) cap = kstd::Min<uint64_t>(cap, kStreamChunk);
  Buffer buf(static_cast<size_t>(cap));
  if (buf.data == nullptr) return kstd::Error::kNoMemory;
  if (!stream) {
    auto got = socket->Receive(kstd::Span<uint8_t>(buf.data, cap), flags, result);
    if (got.is_error()) return Interrupted(got.error(), socket->receive_timeout_ns());
    TRY(data.Scatter(buf.data, result->bytes));
    return uint64_t{got.value()};
  }
  uint64_t done = 0;
  int step_flags = flags;
  for (;;) {
    size_t n = static_cast<size_t>(kstd::Min<uint64_t>(data.left(), cap));
    net::ReceiveResult step;
    auto got = socket->Receive(kstd::Span<uint8_t>(buf.data, n), step_flags, &step);
    if (got.is_error()) {
      if (done > 0) return done;
      return Interrupted(got.error(), socket->receive_timeout_ns());
    }
    if (done == 0) {
      result->from = step.from;
      result->has_credentials = step.has_credentials;
      result->credentials = step.credentials;
      result->rights.TakeFrom(step.rights);
    }
    if (got.value() > 0 && data.Scatter(buf.data, got.value()).is_error()) {
      if (done > 0) return done;
      return kstd::Error::kFault;
    }
    done += got.value();
    // One chunk for a peek, a short read, files, or a full buffer.
    if (peek || got.value() < n || result->rights.size() > 0 || data.left() == 0) return done;
    if ((flags & linux_abi::kMsgWaitAll) == 0) step_flags = flags | linux_abi::kMsgDontWait;
  }
}

// sendmsg on a kernel copy of the msghdr.
kstd::Result<uint64_t> SendMessage(Socket* socket, const linux_abi::MsgHdr& msg, int flags) {
  SocketAddress to;
  bool has_to = msg.msg_name != 0 && msg.msg_namelen > 0;
  if (has_to) {
    if (msg.msg_namelen > sizeof to.bytes) return kstd::Error::kInvalid;
    TRY(CopyAddressIn(msg.msg_name, static_cast<int32_t>(msg.msg_namelen), &to));
  }
  IovCursor data;
  TRY(data.Init(msg.msg_iov, msg.msg_iovlen));
  net::FileRights rights;
  net::Credentials credentials = CallerCredentials();
  TRY(ParseControl(msg.msg_control, msg.msg_controllen, &rights, &credentials));
  return SendFrom(socket, data, has_to ? &to : nullptr, &rights, credentials, flags);
}

// recvmsg on a user msghdr at `user_msg` (its kernel copy in `msg`):
// writes back msg_namelen, msg_controllen and msg_flags.
kstd::Result<uint64_t> ReceiveMessage(Socket* socket, uint64_t user_msg, linux_abi::MsgHdr& msg,
                                      int flags) {
  IovCursor data;
  TRY(data.Init(msg.msg_iov, msg.msg_iovlen));
  net::ReceiveResult r;
  const uint64_t n = TRY(ReceiveInto(socket, data, flags, &r));
  int msg_flags = r.msg_flags;
  uint32_t namelen = 0;
  if (msg.msg_name != 0 && r.from.size > 0) {
    namelen = kstd::Min<uint32_t>(msg.msg_namelen, r.from.size);
    TRY(UserPtr<void>(msg.msg_name).CopyOut(r.from.bytes, namelen));
    namelen = r.from.size;
  }
  uint64_t control = TRY(WriteControl(r, msg.msg_control, msg.msg_controllen, flags, &msg_flags));
  msg.msg_namelen = namelen;
  msg.msg_controllen = control;
  msg.msg_flags = msg_flags;
  TRY(UserPtr<linux_abi::MsgHdr>(user_msg).CopyOut(&msg));
  return n;
}

kstd::Result<uint64_t> DoAccept(int32_t fd, uint64_t addr, uint64_t addrlen, int32_t flags) {
  if ((flags & ~(linux_abi::kSockNonBlock | linux_abi::kSockCloExec)) != 0) {
    return kstd::Error::kInvalid;
  }
  auto socket = TRY(GetSocket(fd));
  auto accepted = socket->Accept(static_cast<uint32_t>(flags & linux_abi::kSockNonBlock));
  if (accepted.is_error()) return Interrupted(accepted.error(), socket->receive_timeout_ns());
  SocketAddress peer;
  (void)accepted.value()->PeerName(&peer);
  // The address is written before the fd exists, so a bad pointer loses
  // no fd (Linux: the connection is gone either way).
  TRY(CopyAddressOut(peer, addr, addrlen));
  int newfd = TRY(Fds().Install(kstd::RefPtr<fd::FileDescription>(kstd::Move(accepted.value())),
                                (flags & linux_abi::kSockCloExec) != 0));
  return static_cast<uint64_t>(newfd);
}

// The type word's flags and the family's refusal rules, shared by socket
// and socketpair. Returns the bare type.
kstd::Result<int> CheckSocketArgs(const char* call, int32_t family, int32_t type, bool pair) {
  if ((type & ~(linux_abi::kSockTypeMask | linux_abi::kSockNonBlock | linux_abi::kSockCloExec)) !=
      0) {
    return kstd::Error::kInvalid;
  }
  if (family < 0 || family >= linux_abi::kAfMax) return kstd::Error::kFamilyNotSupported;
  // The network server's families (core/net/inet_socket.h).
  const bool inet = family == linux_abi::kAfInet || family == linux_abi::kAfInet6 ||
                    family == linux_abi::kAfNetlink || family == linux_abi::kAfPacket;
  if (inet && net::NetworkServerPresent()) {
    // Linux: socketpair of an internet family is EOPNOTSUPP.
    if (pair) return kstd::Error::kOperationNotSupported;
  } else if (family != linux_abi::kAfUnix) {
    return Refuse(call, "family", static_cast<uint64_t>(family), kstd::Error::kFamilyNotSupported);
  }
  return type & linux_abi::kSockTypeMask;
}

// An option no family knows: ENOPROTOOPT, counted as (level << 32 | name).
kstd::Error RefuseOption(const char* call, int32_t level, int32_t name) {
  return Refuse(
      call, "option",
      (static_cast<uint64_t>(static_cast<uint32_t>(level)) << 32) | static_cast<uint32_t>(name),
      kstd::Error::kNoProtocolOption);
}

}  // namespace

void InitSocketCalls() { net::SetCredentialsSource(CallerCredentials); }

kstd::Result<uint64_t> SysLinuxSocket(int32_t family, int32_t type, int32_t protocol) {
  int bare = TRY(CheckSocketArgs("socket", family, type, false));
  uint32_t status = (type & linux_abi::kSockNonBlock) != 0 ? linux_abi::kONonBlock : 0;
  auto socket = family == linux_abi::kAfUnix
                    ? TRY(net::CreateUnixSocket(bare, protocol, status, CallerCredentials()))
                    : TRY(net::CreateInetSocket(family, bare, protocol, status));
  int fd = TRY(Fds().Install(kstd::RefPtr<fd::FileDescription>(kstd::Move(socket)),
                             (type & linux_abi::kSockCloExec) != 0));
  return static_cast<uint64_t>(fd);
}

kstd::Result<uint64_t> SysLinuxSocketpair(int32_t family, int32_t type, int32_t protocol,
                                          UserPtr<int32_t> sv) {
  int bare = TRY(CheckSocketArgs("socketpair", family, type, true));
  uint32_t status = (type & linux_abi::kSockNonBlock) != 0 ? linux_abi::kONonBlock : 0;
  auto pair = TRY(net::CreateUnixSocketPair(bare, protocol, status, CallerCredentials()));
  bool cloexec = (type & linux_abi::kSockCloExec) != 0;
  int a = TRY(Fds().Install(kstd::RefPtr<fd::FileDescription>(pair.first), cloexec));
  auto b = Fds().Install(kstd::RefPtr<fd::FileDescription>(pair.second), cloexec);
  if (b.is_error()) {
    (void)Fds().Close(a);
    return b.error();
  }
  int32_t out[2] = {a, b.value()};
  if (sv.CopyOut(out, 2).is_error()) {
    (void)Fds().Close(out[0]);
    (void)Fds().Close(out[1]);
    return kstd::Error::kFault;
  }
  return 0;
}

kstd::Result<uint64_t> SysLinuxBind(int32_t fd, UserPtr<const void> addr, int32_t addrlen) {
  auto socket = TRY(GetSocket(fd));
  SocketAddress a;
  TRY(CopyAddressIn(addr.address(), addrlen, &a));
  CallerContext context;
  TRY(socket->Bind(a, context.Fill()));
  return 0;
}

kstd::Result<uint64_t> SysLinuxListen(int32_t fd, int32_t backlog) {
  auto socket = TRY(GetSocket(fd));
  TRY(socket->Listen(backlog));
  return 0;
}

kstd::Result<uint64_t> SysLinuxAccept(int32_t fd, UserPtr<void> addr, UserPtr<int32_t> addrlen) {
  return DoAccept(fd, addr.address(), addrlen.address(), 0);
}

kstd::Result<uint64_t> SysLinuxAccept4(int32_t fd, UserPtr<void> addr, UserPtr<int32_t> addrlen,
                                       int32_t flags) {
  return DoAccept(fd, addr.address(), addrlen.address(), flags);
}

kstd::Result<uint64_t> SysLinuxConnect(int32_t fd, UserPtr<const void> addr, int32_t addrlen) {
  auto socket = TRY(GetSocket(fd));
  SocketAddress a;
  TRY(CopyAddressIn(addr.address(), addrlen, &a));
  CallerContext context;
  auto r = socket->Connect(a, context.Fill());
  if (r.is_error()) return Interrupted(r.error(), socket->send_timeout_ns());
  return 0;
}

kstd::Result<uint64_t> SysLinuxShutdown(int32_t fd, int32_t how) {
  auto socket = TRY(GetSocket(fd));
  TRY(socket->Shutdown(how));
  return 0;
}

kstd::Result<uint64_t> SysLinuxSendto(int32_t fd, UserPtr<const void> buf, uint64_t len,
                                      int32_t flags, UserPtr<const void> addr, int32_t addrlen) {
  auto socket = TRY(GetSocket(fd));
  SocketAddress to;
  bool has_to = addr.address() != 0 && addrlen != 0;
  if (has_to) TRY(CopyAddressIn(addr.address(), addrlen, &to));
  IovCursor data;
  data.InitSingle(buf.address(), len);
  return SendFrom(socket.get(), data, has_to ? &to : nullptr, nullptr, CallerCredentials(), flags);
}

kstd::Result<uint64_t> SysLinuxRecvfrom(int32_t fd, UserPtr<void> buf, uint64_t len, int32_t flags,
                                        UserPtr<void> addr, UserPtr<int32_t> addrlen) {
  auto socket = TRY(GetSocket(fd));
  IovCursor data;
  data.InitSingle(buf.address(), len);
  net::ReceiveResult r;
  const uint64_t n = TRY(ReceiveInto(socket.get(), data, flags, &r));
  TRY(CopyAddressOut(r.from, addr.address(), addrlen.address()));
  return n;
}

kstd::Result<uint64_t> SysLinuxSendmsg(int32_t fd, UserPtr<const void> msg, int32_t flags) {
  auto socket = TRY(GetSocket(fd));
  linux_abi::MsgHdr m;
  TRY(UserPtr<linux_abi::MsgHdr>(msg.address()).CopyIn(&m));
  return SendMessage(socket.get(), m, flags);
}

kstd::Result<uint64_t> SysLinuxRecvmsg(int32_t fd, UserPtr<void> msg, int32_t flags) {
  auto socket = TRY(GetSocket(fd));
  linux_abi::MsgHdr m;
  TRY(UserPtr<linux_abi::MsgHdr>(msg.address()).CopyIn(&m));
  return ReceiveMessage(socket.get(), msg.address(), m, flags);
}

kstd::Result<uint64_t> SysLinuxSendmmsg(int32_t fd, UserPtr<void> msgvec, uint32_t vlen,
                                        int32_t flags) {
  auto socket = TRY(GetSocket(fd));
  vlen = kstd::Min(vlen, kMaxMmsg);
  uint32_t sent = 0;
  for (; sent < vlen; ++sent) {
    UserPtr<linux_abi::MMsgHdr> entry(msgvec.address() + sent * sizeof(linux_abi::MMsgHdr));
    linux_abi::MMsgHdr m;
    auto copied = entry.CopyIn(&m);
    if (copied.is_error()) {
      if (sent > 0) break;
      return kstd::Error::kFault;
    }
    auto n = SendMessage(socket.get(), m.msg_hdr, flags);
    if (n.is_error()) {
      if (sent > 0) break;
      return n.error();
    }
    m.msg_len = static_cast<uint32_t>(n.value());
    if (UserPtr<uint32_t>(entry.address() + offsetof(linux_abi::MMsgHdr, msg_len))
            .CopyOut(&m.msg_len)
            .is_error()) {
      if (sent > 0) break;
      return kstd::Error::kFault;
    }
  }
  return sent;
}

kstd::Result<uint64_t> SysLinuxRecvmmsg(int32_t fd, UserPtr<void> msgvec, uint32_t vlen,
                                        int32_t flags, UserPtr<const linux_abi::Timespec> timeout) {
  auto socket = TRY(GetSocket(fd));
  const uint64_t deadline = TRY(DeadlineAfterTimespec(timeout));
  vlen = kstd::Min(vlen, kMaxMmsg);
  uint32_t received = 0;
  int step_flags = flags & ~linux_abi::kMsgWaitForOne;
  for (; received < vlen; ++received) {
    uint64_t at = msgvec.address() + received * sizeof(linux_abi::MMsgHdr);
    linux_abi::MMsgHdr m;
    auto copied = UserPtr<linux_abi::MMsgHdr>(at).CopyIn(&m);
    if (copied.is_error()) {
      if (received > 0) break;
      return kstd::Error::kFault;
    }
    auto n = ReceiveMessage(socket.get(), at, m.msg_hdr, step_flags);
    if (n.is_error()) {
      if (received > 0) break;
      return n.error();
    }
    m.msg_len = static_cast<uint32_t>(n.value());
    if (UserPtr<uint32_t>(at + offsetof(linux_abi::MMsgHdr, msg_len))
            .CopyOut(&m.msg_len)
            .is_error()) {
      if (received > 0) break;
      return kstd::Error::kFault;
    }
    if ((flags & linux_abi::kMsgWaitForOne) != 0) step_flags |= linux_abi::kMsgDontWait;
    // Linux checks the timeout only between messages.
    if (deadline != sched::kNoDeadline && sched::Now() >= deadline) {
      ++received;
      break;
    }
  }
  return received;
}

kstd::Result<uint64_t> SysLinuxGetsockname(int32_t fd, UserPtr<void> addr,
                                           UserPtr<int32_t> addrlen) {
  auto socket = TRY(GetSocket(fd));
  SocketAddress a;
  TRY(socket->LocalName(&a));
  if (addrlen.address() == 0) return kstd::Error::kFault;
  TRY(CopyAddressOut(a, addr.address(), addrlen.address()));
  return 0;
}

kstd::Result<uint64_t> SysLinuxGetpeername(int32_t fd, UserPtr<void> addr,
                                           UserPtr<int32_t> addrlen) {
  auto socket = TRY(GetSocket(fd));
  SocketAddress a;
  TRY(socket->PeerName(&a));
  if (addrlen.address() == 0) return kstd::Error::kFault;
  TRY(CopyAddressOut(a, addr.address(), addrlen.address()));
  return 0;
}

kstd::Result<uint64_t> SysLinuxSetsockopt(int32_t fd, int32_t level, int32_t name,
                                          UserPtr<const void> value, int32_t length) {
  auto socket = TRY(GetSocket(fd));
  if (length < 0) return kstd::Error::kInvalid;
  uint8_t buf[kMaxOptionBytes] = {};
  size_t n = kstd::Min<size_t>(static_cast<size_t>(length), sizeof buf);
  if (n > 0) TRY(value.CopyIn(buf, n));
  auto r = socket->SetOption(level, name, kstd::Span<const uint8_t>(buf, n));
  if (r.is_error() && r.error() == kstd::Error::kNoProtocolOption) {
    return RefuseOption("setsockopt", level, name);
  }
  TRY(r);
  return 0;
}

kstd::Result<uint64_t> SysLinuxGetsockopt(int32_t fd, int32_t level, int32_t name,
                                          UserPtr<void> value, UserPtr<int32_t> length) {
  auto socket = TRY(GetSocket(fd));
  int32_t len;
  TRY(length.CopyIn(&len));
  if (len < 0) return kstd::Error::kInvalid;
  uint8_t buf[kMaxOptionBytes] = {};
  size_t cap = kstd::Min<size_t>(static_cast<size_t>(len), sizeof buf);
  auto r = socket->GetOption(level, name, kstd::Span<uint8_t>(buf, cap));
  if (r.is_error() && r.error() == kstd::Error::kNoProtocolOption) {
    return RefuseOption("getsockopt", level, name);
  }
  size_t n = TRY(r);
  if (level == linux_abi::kSolSocket && name == linux_abi::kSoPeerCred && n >= sizeof(int32_t)) {
    // The peer's pid (a kernel id, the first field of ucred) as the
    // caller's PID namespace numbers it (0: not visible).
    int32_t pid;
    __builtin_memcpy(&pid, buf, sizeof pid);
    pid = pid > 0 ? static_cast<int32_t>(PidToUser(static_cast<uint64_t>(pid))) : pid;
    __builtin_memcpy(buf, &pid, sizeof pid);
  }
  if (n > 0) TRY(value.CopyOut(buf, n));
  int32_t written = static_cast<int32_t>(n);
  TRY(length.CopyOut(&written));
  return 0;
}

}  // namespace core::syscall
