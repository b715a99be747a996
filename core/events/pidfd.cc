#include "core/events/pidfd.h"

#include "abi/linux/event_fds.h"
#include "abi/linux/poll.h"
#include "core/proc/process.h"
#include "kstd/new.h"

namespace core::events {
namespace {

class PidFd final : public fd::FileDescription, private SignalObserver {
 public:
  PidFd(kstd::RefPtr<Process> process, uint32_t flags)
      : FileDescription(linux_abi::kORdWr | (flags & linux_abi::kPidfdNonblock)),
        process_(kstd::Move(process)) {}
  ~PidFd() override { process_->RemoveObserver(this); }

  // After construction (the observer may fire at once).
  void Watch() {
    Signals now = process_->AddObserver(this);
    OnSignalsChanged(now);
  }

  kstd::Result<size_t> Read(kstd::Span<uint8_t>) override { return kstd::Error::kInvalid; }
  kstd::Result<size_t> Write(kstd::Span<const uint8_t>) override { return kstd::Error::kInvalid; }

  int16_t PollEvents() override {
    if (!process_->terminated()) return 0;
    int16_t ev = linux_abi::kPollIn | linux_abi::kPollRdNorm;
    // Reaped: the pid no longer names it.
    if (Process::FindByPid(process_->pid()).get() != process_.get()) ev |= linux_abi::kPollHup;
    return ev;
  }

  fd::FileKind kind() const override { return fd::FileKind::kPidfd; }
  const char* Describe() const override { return "anon_inode:[pidfd]"; }
  const kstd::RefPtr<Process>& process() const { return process_; }

 private:
  // Under the process's lock: the end of the process makes the file readable.
  void OnSignalsChanged(Signals signals) override {
    if ((signals & kSignalTerminated) == 0) return;
    SpinLockGuard guard(lock_);
    SyncSignalsLocked(linux_abi::kPollIn);
  }

  kstd::RefPtr<Process> process_;
};

}  // namespace

kstd::Result<kstd::RefPtr<fd::FileDescription>> OpenPidFd(int32_t pid, uint32_t flags) {
  if ((flags & ~linux_abi::kPidfdNonblock) != 0 || pid <= 0) return kstd::Error::kInvalid;
  kstd::RefPtr<Process> p = Process::FindByPid(static_cast<uint64_t>(pid));
  if (!p) {
    // A thread's tid that is not its process's pid.
    if (Process::FindByTid(static_cast<uint64_t>(pid))) return kstd::Error::kInvalid;
    return kstd::Error::kSearch;
  }
  PidFd* raw = new (kstd::nothrow) PidFd(kstd::Move(p), flags);
  if (raw == nullptr) return kstd::Error::kNoMemory;
  kstd::RefPtr<fd::FileDescription> f = kstd::AdoptRef(raw);
  raw->Watch();
  return f;
}

kstd::Result<kstd::RefPtr<Process>> ProcessOfPidFd(fd::FileDescription* file) {
  if (file->kind() != fd::FileKind::kPidfd) return kstd::Error::kBadHandle;
  return static_cast<PidFd*>(file)->process();
}

}  // namespace core::events
