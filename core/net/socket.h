#pragma once

// Socket: the file description behind socket(2), shared by every address
// family. A family is served either in the kernel (AF_UNIX: unix_socket.h)
// or, later, by a server process over IPC (AF_INET); either way the family
// keeps the socket's readiness in the description's signals (readable,
// writable, peer-closed), so poll/select/epoll and blocking calls wait on
// the socket itself and never ask a server.
//
// The syscall layer (core/syscall/sys_socket.cc) decodes user memory; the
// calls here take kernel copies: addresses as raw sockaddr bytes, data as
// spans, passed files (SCM_RIGHTS) as references. Calls a family does not
// serve answer EOPNOTSUPP (the defaults below).
//
// Options at SOL_SOCKET that mean the same for every family are kept here
// (timeouts, buffer sizes, SO_REUSEADDR, SO_KEEPALIVE, SO_LINGER,
// SO_PASSCRED); a family answers the rest through GetFamilyOption /
// SetFamilyOption.

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/socket.h"
#include "core/fd/file.h"
#include "core/net/socket_address.h"
#include "core/vfs/ops.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::net {

/// Who is calling (SO_PEERCRED, SCM_CREDENTIALS).
struct Credentials {
  int32_t pid = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  /// The effective capabilities (posix::CapSet), for the checks of raw
  /// sockets and privileged ports. Never sent to a peer.
  uint64_t capabilities = 0;
};

/// The calling thread's credentials, for sends that do not say whom they
/// come from (write(2) on a socket). The syscall layer sets the source once
/// at boot (core/net sits below the processes); until then {0, 0, 0}.
void SetCredentialsSource(Credentials (*source)());
Credentials CurrentCredentials();

/// Files attached to a message (SCM_RIGHTS): an owning, growable array.
class FileRights {
 public:
  FileRights() = default;
  ~FileRights() { Clear(); }
  FileRights(const FileRights&) = delete;
  FileRights& operator=(const FileRights&) = delete;

  /// Appends a reference. Errors: kNoMemory, kTooManyReferences (more than
  /// SCM_MAX_FD files).
  kstd::Result<void> Append(kstd::RefPtr<fd::FileDescription> file);
  /// Moves every file of `other` here (other ends empty).
  void TakeFrom(FileRights& other);
  void Clear();
  size_t size() const { return count_; }
  fd::FileDescription* at(size_t i) const { return files_[i]; }

 private:
  fd::FileDescription** files_ = nullptr;  // each holds one reference
  size_t count_ = 0;
  size_t capacity_ = 0;
};

/// The caller's view a family needs for names in the file system.
struct Caller {
  Credentials credentials;
  vfs::PathContext paths;  // root and cwd of the calling process
  uint32_t umask = 022;
};

/// One send (sendto/sendmsg/write).
struct SendRequest {
  kstd::Span<const uint8_t> data;
  const SocketAddress* to = nullptr;  // sendto/sendmsg with a name; else null
  FileRights* rights = nullptr;       // emptied once the data is queued
  Credentials credentials;            // the sender's (SCM_CREDENTIALS)
  int flags = 0;                      // MSG_*
  const Caller* caller = nullptr;     // for a path name in `to`
};

/// What one receive produced besides the bytes.
struct ReceiveResult {
  size_t bytes = 0;         // copied into the caller's buffer
  size_t message_size = 0;  // the whole datagram (reported with MSG_TRUNC)
  int msg_flags = 0;        // MSG_TRUNC; the syscall adds MSG_CTRUNC
  SocketAddress from;       // the sender's name (size 0: none)
  FileRights rights;        // files passed with the data
  bool has_credentials = false;
  Credentials credentials;
};

class Socket : public fd::FileDescription {
 public:
  int family() const { return family_; }
  int type() const { return type_; }
  int protocol() const { return protocol_; }

  // The calls. Each returns the Linux error a family gives for a wrong
  // state; these defaults answer EOPNOTSUPP.
  virtual kstd::Result<void> Bind(const SocketAddress& address, const Caller& caller);
  virtual kstd::Result<void> Listen(int backlog);
  /// The next connection as a new socket (flags: O_NONBLOCK for it).
  virtual kstd::Result<kstd::RefPtr<Socket>> Accept(uint32_t flags);
  virtual kstd::Result<void> Connect(const SocketAddress& address, const Caller& caller);
  virtual kstd::Result<void> Shutdown(int how);
  /// Queues data (blocking per O_NONBLOCK / MSG_DONTWAIT and SO_SNDTIMEO).
  /// Streams may accept less than all only when they would block after
  /// some progress. Errors as Linux's: kPipe (the caller raises SIGPIPE
  /// unless MSG_NOSIGNAL), kAgain, kNotConnected, kMessageSize, ...
  virtual kstd::Result<size_t> Send(SendRequest& request);
  /// Takes data into `out` (blocking per flags, O_NONBLOCK, SO_RCVTIMEO).
  virtual kstd::Result<size_t> Receive(kstd::Span<uint8_t> out, int flags, ReceiveResult* result);
  virtual kstd::Result<void> LocalName(SocketAddress* out);
  virtual kstd::Result<void> PeerName(SocketAddress* out);

  /// getsockopt: writes at most out.size() bytes and returns how many it
  /// wrote (Linux truncates silently). Errors: kNoProtocolOption.
  kstd::Result<size_t> GetOption(int level, int name, kstd::Span<uint8_t> out);
  /// setsockopt. Errors: kNoProtocolOption, kInvalid (short value).
  kstd::Result<void> SetOption(int level, int name, kstd::Span<const uint8_t> value);

  // FileDescription: read/write are recv/send without flags.
  kstd::Result<size_t> Read(kstd::Span<uint8_t> out) override;
  kstd::Result<size_t> Write(kstd::Span<const uint8_t> in) override;
  kstd::Result<int64_t> Ioctl(uint32_t request, uint64_t arg) override;
  uint32_t StatMode() const override;
  bool IsSocket() const override { return true; }
  const char* Describe() const override { return "socket"; }

  // Options every family shares.
  uint64_t receive_timeout_ns() const {
    return __atomic_load_n(&rcv_timeout_ns_, __ATOMIC_RELAXED);
  }
  uint64_t send_timeout_ns() const { return __atomic_load_n(&snd_timeout_ns_, __ATOMIC_RELAXED); }
  uint32_t send_buffer() const { return __atomic_load_n(&sndbuf_, __ATOMIC_RELAXED); }
  uint32_t receive_buffer() const { return __atomic_load_n(&rcvbuf_, __ATOMIC_RELAXED); }
  bool pass_credentials() const { return __atomic_load_n(&passcred_, __ATOMIC_RELAXED); }

  /// The scheduler deadline for a blocking send or receive (kNoDeadline
  /// without SO_SNDTIMEO / SO_RCVTIMEO).
  uint64_t SendDeadline() const;
  uint64_t ReceiveDeadline() const;

 protected:
  Socket(int family, int type, int protocol, uint32_t status_flags);

  /// Family options (SOL_SOCKET ones not kept here, and other levels).
  /// Defaults: kNoProtocolOption.
  virtual kstd::Result<size_t> GetFamilyOption(int level, int name, kstd::Span<uint8_t> out);
  virtual kstd::Result<void> SetFamilyOption(int level, int name, kstd::Span<const uint8_t> value);
  /// A shared SOL_SOCKET option was set here (SO_REUSEADDR, SO_KEEPALIVE,
  /// SO_LINGER, SO_SNDBUF, SO_RCVBUF): a family served elsewhere passes it
  /// on. Default: nothing to do.
  virtual kstd::Result<void> SharedOptionChanged(int name, kstd::Span<const uint8_t> value) {
    (void)name;
    (void)value;
    return kstd::Ok();
  }
  /// SO_ERROR: the pending error, cleared by reading it (0: none).
  virtual int TakeError() { return 0; }
  /// SO_ACCEPTCONN.
  virtual bool IsListening() const { return false; }
  /// SO_PEERCRED. Errors: kNotConnected (Linux reports {0,-1,-1} instead
  /// for some families; AF_UNIX gives its peer's).
  virtual kstd::Result<Credentials> PeerCredentials() { return kstd::Error::kNotConnected; }
  /// FIONREAD/SIOCINQ and SIOCOUTQ.
  virtual kstd::Result<int> BytesToRead() { return kstd::Error::kNotTty; }
  virtual kstd::Result<int> BytesUnsent() { return kstd::Error::kNotTty; }

 private:
  const int family_;
  const int type_;
  const int protocol_;
  uint64_t rcv_timeout_ns_ = 0;  // 0: none
  uint64_t snd_timeout_ns_ = 0;
  uint32_t sndbuf_;
  uint32_t rcvbuf_;
  bool reuseaddr_ = false;
  bool keepalive_ = false;
  bool passcred_ = false;
  int32_t linger_on_ = 0;
  int32_t linger_seconds_ = 0;
};

/// Linux's default socket buffer size (net.core.wmem_default/rmem_default).
inline constexpr uint32_t kDefaultSocketBuffer = 212992;
/// setsockopt SO_SNDBUF/SO_RCVBUF: Linux doubles the value, bounded by
/// wmem_max/rmem_max (also 212992) times two, and at least these minima.
inline constexpr uint32_t kMaxSocketBuffer = 2 * 212992;
inline constexpr uint32_t kMinSendBuffer = 4608;
inline constexpr uint32_t kMinReceiveBuffer = 2304;

}  // namespace core::net
