#include "core/fd/file.h"

#include "abi/linux/poll.h"
#include "core/fd/epoll.h"
#include "core/fd/file_lock.h"

namespace core::fd {

FileDescription::FileDescription(uint32_t flags) : KernelObject(ObjectType::kFile), flags_(flags) {}

FileDescription::~FileDescription() {
  EpollInstance::ReleaseWatches(this);
  ReleaseDescriptionLocks(this);
}

kstd::Result<size_t> FileDescription::ReadAt(uint64_t, kstd::Span<uint8_t>) {
  return kstd::Error::kIllegalSeek;
}

kstd::Result<size_t> FileDescription::WriteAt(uint64_t, kstd::Span<const uint8_t>) {
  return kstd::Error::kIllegalSeek;
}

kstd::Result<int64_t> FileDescription::Seek(int64_t, int) { return kstd::Error::kIllegalSeek; }

kstd::Result<int64_t> FileDescription::Ioctl(uint32_t, uint64_t) { return kstd::Error::kNotTty; }

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
}

}  // namespace core::fd
