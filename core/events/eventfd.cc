#include "core/events/eventfd.h"

#include "abi/linux/event_fds.h"
#include "abi/linux/poll.h"
#include "core/events/event_counter.h"
#include "core/events/file_wait.h"
#include "kstd/new.h"
#include "kstd/string.h"

namespace core::events {
namespace {

class EventFd final : public fd::FileDescription {
 public:
  EventFd(uint32_t initial, uint32_t flags)
      : FileDescription(linux_abi::kORdWr | (flags & linux_abi::kEfdNonblock)),
        counter_(initial, (flags & linux_abi::kEfdSemaphore) != 0) {
    SpinLockGuard guard(lock_);
    SyncSignalsLocked(EventsLocked());
  }

  kstd::Result<size_t> Read(kstd::Span<uint8_t> out) override {
    if (out.size() < sizeof(uint64_t)) return kstd::Error::kInvalid;
    for (;;) {
      {
        SpinLockGuard guard(lock_);
        auto taken = counter_.Take();
        if (taken.ok()) {
          uint64_t v = taken.value();
          __builtin_memcpy(out.data(), &v, sizeof v);
          SyncSignalsLocked(EventsLocked());
          return sizeof v;
        }
        if (nonblocking()) return kstd::Error::kAgain;
      }
      TRY(WaitForFile(this, kSignalReadable));
    }
  }

  kstd::Result<size_t> Write(kstd::Span<const uint8_t> in) override {
    if (in.size() < sizeof(uint64_t)) return kstd::Error::kInvalid;
    uint64_t v;
    __builtin_memcpy(&v, in.data(), sizeof v);
    for (;;) {
      {
        SpinLockGuard guard(lock_);
        auto added = counter_.Add(v);
        if (added.ok()) {
          SyncSignalsLocked(EventsLocked(), /*new_arrival=*/v > 0);
          return sizeof v;
        }
        if (added.error() != kstd::Error::kAgain || nonblocking()) return added.error();
      }
      TRY(WaitForFile(this, kSignalWritable));
    }
  }

  int16_t PollEvents() override {
    SpinLockGuard guard(lock_);
    return EventsLocked();
  }

  fd::FileKind kind() const override { return fd::FileKind::kEventfd; }
  const char* Describe() const override { return "anon_inode:[eventfd]"; }

 private:
  int16_t EventsLocked() const REQUIRES(lock_) {
    int16_t ev = 0;
    if (counter_.readable()) ev |= linux_abi::kPollIn;
    if (counter_.writable()) ev |= linux_abi::kPollOut;
    return ev;
  }

  EventCounter counter_ GUARDED_BY(lock_);
};

}  // namespace

kstd::Result<kstd::RefPtr<fd::FileDescription>> CreateEventFd(uint32_t initial, uint32_t flags) {
  constexpr uint32_t kKnown =
      linux_abi::kEfdSemaphore | linux_abi::kEfdNonblock | linux_abi::kEfdCloexec;
  if ((flags & ~kKnown) != 0) return kstd::Error::kInvalid;
  kstd::RefPtr<fd::FileDescription> f = kstd::AdoptRef(new (kstd::nothrow) EventFd(initial, flags));
  if (!f) return kstd::Error::kNoMemory;
  return f;
}

}  // namespace core::events
