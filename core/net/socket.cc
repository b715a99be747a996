#include "core/net/socket.h"

#include "core/net/inet_socket.h"

#include "abi/linux/stat.h"
#include "abi/linux/time.h"
#include "core/sched/scheduler.h"
#include "core/user/user_ptr.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::net {

// ---- credentials ----

namespace {
Credentials (*g_credentials_source)() = nullptr;
}  // namespace

void SetCredentialsSource(Credentials (*source)()) { g_credentials_source = source; }

Credentials CurrentCredentials() {
  return g_credentials_source != nullptr ? g_credentials_source() : Credentials{};
}

// ---- FileRights ----

kstd::Result<void> FileRights::Append(kstd::RefPtr<fd::FileDescription> file) {
  if (count_ >= static_cast<size_t>(linux_abi::kScmMaxFd)) return kstd::Error::kTooManyReferences;
  if (count_ == capacity_) {
    size_t next = capacity_ == 0 ? 4 : kstd::Min<size_t>(capacity_ * 2, linux_abi::kScmMaxFd);
    auto** grown = new (kstd::nothrow) fd::FileDescription*[next];
    if (grown == nullptr) return kstd::Error::kNoMemory;
    for (size_t i = 0; i < count_; ++i) grown[i] = files_[i];
    delete[] files_;
    files_ = grown;
    capacity_ = next;
  }
  files_[count_++] = file.leak_ref();
  return kstd::Ok();
}

void FileRights::TakeFrom(FileRights& other) {
  Clear();
  delete[] files_;
  files_ = other.files_;
  count_ = other.count_;
  capacity_ = other.capacity_;
  other.files_ = nullptr;
  other.count_ = 0;
  other.capacity_ = 0;
}

void FileRights::Clear() {
  // Dropping a passed socket may close more sockets (and their queues):
  // take the array out first so that never re-enters this one.
  fd::FileDescription** files = files_;
  size_t count = count_;
  files_ = nullptr;
  count_ = 0;
  capacity_ = 0;
  for (size_t i = 0; i < count; ++i) {
    kstd::RefPtr<fd::FileDescription> drop = kstd::AdoptRef(files[i]);
  }
  delete[] files;
}

// ---- Socket ----

Socket::Socket(int family, int type, int protocol, uint32_t status_flags)
    : fd::FileDescription(status_flags | linux_abi::kORdWr),
      family_(family),
      type_(type),
      protocol_(protocol),
      sndbuf_(kDefaultSocketBuffer),
      rcvbuf_(kDefaultSocketBuffer) {}

kstd::Result<void> Socket::Bind(const SocketAddress&, const Caller&) {
  return kstd::Error::kOperationNotSupported;
}
kstd::Result<void> Socket::Listen(int) { return kstd::Error::kOperationNotSupported; }
kstd::Result<kstd::RefPtr<Socket>> Socket::Accept(uint32_t) {
  return kstd::Error::kOperationNotSupported;
}
kstd::Result<void> Socket::Connect(const SocketAddress&, const Caller&) {
  return kstd::Error::kOperationNotSupported;
}
kstd::Result<void> Socket::Shutdown(int) { return kstd::Error::kOperationNotSupported; }
kstd::Result<size_t> Socket::Send(SendRequest&) { return kstd::Error::kOperationNotSupported; }
kstd::Result<size_t> Socket::Receive(kstd::Span<uint8_t>, int, ReceiveResult*) {
  return kstd::Error::kOperationNotSupported;
}
kstd::Result<void> Socket::LocalName(SocketAddress*) { return kstd::Error::kOperationNotSupported; }
kstd::Result<void> Socket::PeerName(SocketAddress*) { return kstd::Error::kOperationNotSupported; }

kstd::Result<size_t> Socket::GetFamilyOption(int, int, kstd::Span<uint8_t>) {
  return kstd::Error::kNoProtocolOption;
}
kstd::Result<void> Socket::SetFamilyOption(int, int, kstd::Span<const uint8_t>) {
  return kstd::Error::kNoProtocolOption;
}

kstd::Result<size_t> Socket::Read(kstd::Span<uint8_t> out) {
  ReceiveResult ignored;  // read(2) drops passed files, as Linux does
  return Receive(out, 0, &ignored);
}

kstd::Result<size_t> Socket::Write(kstd::Span<const uint8_t> in) {
  SendRequest request;
  request.data = in;
  request.credentials = CurrentCredentials();
  return Send(request);
}

kstd::Result<int64_t> Socket::Ioctl(uint32_t request, uint64_t arg) {
  if (IsInterfaceIoctl(request)) return InterfaceIoctl(request, arg);
  int value = 0;
  if (request == linux_abi::kSiocInq) {
    value = TRY(BytesToRead());
  } else if (request == linux_abi::kSiocOutq) {
    value = TRY(BytesUnsent());
  } else {
    return kstd::Error::kNotTty;
  }
  TRY(UserPtr<int>(arg).CopyOut(&value));
  return int64_t{0};
}

uint32_t Socket::StatMode() const { return linux_abi::kModeSocket | 0777; }

namespace {

uint64_t DeadlineFor(uint64_t timeout_ns) {
  return timeout_ns == 0 ? sched::kNoDeadline : sched::DeadlineAfterNanos(timeout_ns);
}

// Writes an option value of type T, truncated to the caller's length as
// Linux does; returns the option's full length.
template <typename T>
size_t PutOption(kstd::Span<uint8_t> out, const T& value) {
  size_t n = kstd::Min(out.size(), sizeof(T));
  __builtin_memcpy(out.data(), &value, n);
  return n;
}

// An int option value (Linux reads sizeof(int); shorter is EINVAL).
kstd::Result<int> IntValue(kstd::Span<const uint8_t> value) {
  if (value.size() < sizeof(int)) return kstd::Error::kInvalid;
  int v;
  __builtin_memcpy(&v, value.data(), sizeof v);
  return v;
}

// SO_RCVTIMEO/SO_SNDTIMEO take a struct timeval.
kstd::Result<uint64_t> TimeoutValue(kstd::Span<const uint8_t> value) {
  linux_abi::Timeval tv;
  if (value.size() < sizeof tv) return kstd::Error::kInvalid;
  __builtin_memcpy(&tv, value.data(), sizeof tv);
  if (tv.tv_usec < 0 || tv.tv_usec >= 1'000'000) return kstd::Error::kDomain;
  if (tv.tv_sec < 0) return uint64_t{0};            // Linux: a negative time means no timeout
  if (tv.tv_sec > 100'000'000) return uint64_t{0};  // beyond reach: none
  return static_cast<uint64_t>(tv.tv_sec) * 1'000'000'000 +
         static_cast<uint64_t>(tv.tv_usec) * 1000;
}

linux_abi::Timeval TimevalOf(uint64_t ns) {
  linux_abi::Timeval tv{};
  tv.tv_sec = static_cast<int64_t>(ns / 1'000'000'000);
  tv.tv_usec = static_cast<int64_t>((ns % 1'000'000'000) / 1000);
  return tv;
}

uint32_t BufferValue(int requested, uint32_t minimum) {
  uint64_t v = requested < 0 ? 0 : static_cast<uint64_t>(requested) * 2;
  if (v > kMaxSocketBuffer) v = kMaxSocketBuffer;
  if (v < minimum) v = minimum;
  return static_cast<uint32_t>(v);
}

}  // namespace

uint64_t Socket::SendDeadline() const { return DeadlineFor(send_timeout_ns()); }
uint64_t Socket::ReceiveDeadline() const { return DeadlineFor(receive_timeout_ns()); }

kstd::Result<size_t> Socket::GetOption(int level, int name, kstd::Span<uint8_t> out) {
  if (level != linux_abi::kSolSocket) return GetFamilyOption(level, name, out);
  auto flag = [&](bool b) { return PutOption(out, static_cast<int>(b ? 1 : 0)); };
  switch (name) {
    case linux_abi::kSoType: return PutOption(out, type_);
    case linux_abi::kSoDomain: return PutOption(out, family_);
    case linux_abi::kSoProtocol: return PutOption(out, protocol_);
    case linux_abi::kSoError: return PutOption(out, TakeError());
    case linux_abi::kSoAcceptConn: return flag(IsListening());
    case linux_abi::kSoReuseAddr: return flag(__atomic_load_n(&reuseaddr_, __ATOMIC_RELAXED));
    case linux_abi::kSoKeepAlive: return flag(__atomic_load_n(&keepalive_, __ATOMIC_RELAXED));
    case linux_abi::kSoPassCred: return flag(pass_credentials());
    case linux_abi::kSoSndBuf: return PutOption(out, static_cast<int>(send_buffer()));
    case linux_abi::kSoRcvBuf: return PutOption(out, static_cast<int>(receive_buffer()));
    case linux_abi::kSoRcvTimeoOld: return PutOption(out, TimevalOf(receive_timeout_ns()));
    case linux_abi::kSoSndTimeoOld: return PutOption(out, TimevalOf(send_timeout_ns()));
    case linux_abi::kSoLinger: {
      linux_abi::Linger l{__atomic_load_n(&linger_on_, __ATOMIC_RELAXED),
                          __atomic_load_n(&linger_seconds_, __ATOMIC_RELAXED)};
      return PutOption(out, l);
    }
    case linux_abi::kSoPeerCred: {
      Credentials c = TRY(PeerCredentials());
      linux_abi::UCred u{c.pid, c.uid, c.gid};
      return PutOption(out, u);
    }
    default: return GetFamilyOption(level, name, out);
  }
}

kstd::Result<void> Socket::SetOption(int level, int name, kstd::Span<const uint8_t> value) {
  if (level != linux_abi::kSolSocket) return SetFamilyOption(level, name, value);
  switch (name) {
    case linux_abi::kSoReuseAddr:
      __atomic_store_n(&reuseaddr_, TRY(IntValue(value)) != 0, __ATOMIC_RELAXED);
      return SharedOptionChanged(name, value);
    case linux_abi::kSoKeepAlive:
      __atomic_store_n(&keepalive_, TRY(IntValue(value)) != 0, __ATOMIC_RELAXED);
      return SharedOptionChanged(name, value);
    case linux_abi::kSoPassCred:
      __atomic_store_n(&passcred_, TRY(IntValue(value)) != 0, __ATOMIC_RELAXED);
      return kstd::Ok();
    case linux_abi::kSoSndBuf:
    case linux_abi::kSoSndBufForce:
      __atomic_store_n(&sndbuf_, BufferValue(TRY(IntValue(value)), kMinSendBuffer),
                       __ATOMIC_RELAXED);
      return SharedOptionChanged(linux_abi::kSoSndBuf, value);
    case linux_abi::kSoRcvBuf:
    case linux_abi::kSoRcvBufForce:
      __atomic_store_n(&rcvbuf_, BufferValue(TRY(IntValue(value)), kMinReceiveBuffer),
                       __ATOMIC_RELAXED);
      return SharedOptionChanged(linux_abi::kSoRcvBuf, value);
    case linux_abi::kSoRcvTimeoOld:
      __atomic_store_n(&rcv_timeout_ns_, TRY(TimeoutValue(value)), __ATOMIC_RELAXED);
      return kstd::Ok();
    case linux_abi::kSoSndTimeoOld:
      __atomic_store_n(&snd_timeout_ns_, TRY(TimeoutValue(value)), __ATOMIC_RELAXED);
      return kstd::Ok();
    case linux_abi::kSoLinger: {
      linux_abi::Linger l;
      if (value.size() < sizeof l) return kstd::Error::kInvalid;
      __builtin_memcpy(&l, value.data(), sizeof l);
      __atomic_store_n(&linger_on_, l.l_onoff, __ATOMIC_RELAXED);
      __atomic_store_n(&linger_seconds_, l.l_linger, __ATOMIC_RELAXED);
      return SharedOptionChanged(name, value);
    }
    // Read-only ones: Linux answers ENOPROTOOPT.
    default: return SetFamilyOption(level, name, value);
  }
}

}  // namespace core::net
