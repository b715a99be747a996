#include "core/fd/file.h"

#include "abi/linux/poll.h"
#include "abi/linux/signal.h"
#include "core/fd/epoll.h"
#include "core/fd/file_lock.h"
#include "core/fd/lease.h"
#include "core/vfs/vnode.h"

namespace core::fd {
namespace {

AsyncSignalSender g_async_sender = nullptr;  // atomic

}  // namespace

void SetAsyncSignalSender(AsyncSignalSender sender) {
  __atomic_store_n(&g_async_sender, sender, __ATOMIC_RELEASE);
}

FileDescription::FileDescription(uint32_t flags) : KernelObject(ObjectType::kFile), flags_(flags) {}

FileDescription::~FileDescription() {
  EpollInstance::ReleaseWatches(this);
  ReleaseDescriptionLocks(this);
  ReleaseLeases(this);
}

kstd::Result<size_t> FileDescription::ReadAt(uint64_t, kstd::Span<uint8_t>) {
  return kstd::Error::kIllegalSeek;
}

kstd::Result<size_t> FileDescription::WriteAt(uint64_t, kstd::Span<const uint8_t>) {
  return kstd::Error::kIllegalSeek;
}

kstd::Result<int64_t> FileDescription::Seek(int64_t, int) { return kstd::Error::kIllegalSeek; }

kstd::Result<int64_t> FileDescription::Ioctl(uint32_t, uint64_t) { return kstd::Error::kNotTty; }

kstd::Result<void> FileDescription::Sync() {
  vfs::Vnode* v = vnode();
  if (v == nullptr) return kstd::Error::kInvalid;
  return v->Sync();
}

void FileDescription::SyncSignalsLocked(int16_t events, bool new_arrival) {
  Signals set = 0;
  if (events & (linux_abi::kPollIn | linux_abi::kPollHup | linux_abi::kPollErr)) {
    set |= kSignalReadable;
  }
  if (events & (linux_abi::kPollOut | linux_abi::kPollErr)) set |= kSignalWritable;
  if (events & linux_abi::kPollHup) set |= kSignalPeerClosed;
  Signals all = kSignalReadable | kSignalWritable | kSignalPeerClosed;
  if (new_arrival) {
    PulseSignalsLocked(all, set);
  } else {
    UpdateSignalsLocked(all, set);
  }
  // O_ASYNC, as Linux's pipes and sockets: POLL_IN for every arrival (and
  // for becoming readable: a hang-up), POLL_OUT when room comes back.
  const int16_t before = last_events_;
  last_events_ = events;
  if ((status_flags() & linux_abi::kOAsync) == 0 || !SupportsAsync()) return;
  const int16_t in = linux_abi::kPollIn | linux_abi::kPollHup | linux_abi::kPollErr;
  const int16_t out = linux_abi::kPollOut | linux_abi::kPollErr;
  if ((events & in) && (new_arrival || !(before & in))) SignalAsync(linux_abi::kPollInCode);
  if ((events & out) && !(before & out)) SignalAsync(linux_abi::kPollOutCode);
}

void FileDescription::SignalAsync(int32_t code) {
  AsyncOwner owner = async_owner();
  AsyncSignalSender send = __atomic_load_n(&g_async_sender, __ATOMIC_ACQUIRE);
  if (owner.id == 0 || send == nullptr) return;
  // Linux's band_table: what si_band says for each reason.
  int64_t band = code == linux_abi::kPollInCode
                     ? linux_abi::kPollIn | linux_abi::kPollRdNorm
                     : linux_abi::kPollOut | linux_abi::kPollWrNorm | linux_abi::kPollWrBand;
  send(owner, async_signal(), code, __atomic_load_n(&async_fd_, __ATOMIC_RELAXED), band);
}

void FileDescription::SignalLeaseBreak(int fd) {
  AsyncOwner owner = async_owner();
  AsyncSignalSender send = __atomic_load_n(&g_async_sender, __ATOMIC_ACQUIRE);
  if (owner.id == 0 || send == nullptr) return;
  constexpr int64_t kPollMsg = 0x400;  // Linux's band for POLL_MSG: POLLIN | POLLRDNORM | POLLMSG
  send(owner, async_signal(), linux_abi::kPollMsgCode, fd,
       linux_abi::kPollIn | linux_abi::kPollRdNorm | kPollMsg);
}

}  // namespace core::fd
