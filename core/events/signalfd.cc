#include "core/events/signalfd.h"

#include "abi/linux/event_fds.h"
#include "abi/linux/poll.h"
#include "core/events/file_wait.h"
#include "core/proc/linux_thread.h"
#include "core/proc/process.h"
#include "core/proc/signals.h"
#include "core/sched/scheduler.h"
#include "core/sync/spin_lock.h"
#include "kstd/intrusive_list.h"
#include "kstd/new.h"

namespace core::events {
namespace {

class SignalFd;

// Every signalfd, for the send hook. Lock order: g_signalfds_lock -> a
// SignalFd's lock_ -> its observers.
SpinLock g_signalfds_lock;

posix::SigSet Sanitize(posix::SigSet mask) {
  return mask & ~(posix::SigMask(linux_abi::kSigKill) | posix::SigMask(linux_abi::kSigStop));
}

class SignalFd final : public fd::FileDescription {
 public:
  SignalFd(posix::SigSet mask, uint32_t flags)
      : FileDescription(linux_abi::kORdWr | (flags & linux_abi::kSfdNonblock)), mask_(mask) {}
  ~SignalFd() override;

  kstd::Result<size_t> Read(kstd::Span<uint8_t> out) override {
    constexpr size_t kRecord = sizeof(linux_abi::SignalfdSiginfo);
    if (out.size() < kRecord) return kstd::Error::kInvalid;
    for (;;) {
      uint64_t seen = sends();  // before looking: a send after this is not lost
      size_t got = TakePending(out.data(), out.size() / kRecord);
      if (got > 0) {
        (void)PollEvents();  // readable while more is pending
        return got * kRecord;
      }
      if (nonblocking()) return kstd::Error::kAgain;
      SettleReadable(false, seen);
      TRY(WaitForFile(this, kSignalReadable));
    }
  }
  kstd::Result<size_t> Write(kstd::Span<const uint8_t>) override { return kstd::Error::kInvalid; }

  int16_t PollEvents() override {
    uint64_t seen = sends();
    bool pending = PendingForCaller() != 0;
    SettleReadable(pending, seen);
    return pending ? static_cast<int16_t>(linux_abi::kPollIn) : 0;
  }

  fd::FileKind kind() const override { return fd::FileKind::kSignalfd; }
  const char* Describe() const override { return "anon_inode:[signalfd]"; }

  posix::SigSet mask() const { return __atomic_load_n(&mask_, __ATOMIC_ACQUIRE); }
  void set_mask(posix::SigSet mask) { __atomic_store_n(&mask_, mask, __ATOMIC_RELEASE); }

  // The send hook's part: a signal of the mask was queued somewhere.
  void Notify() {
    SpinLockGuard guard(lock_);
    ++sends_;
    SyncSignalsLocked(linux_abi::kPollIn, /*new_arrival=*/true);
  }

  kstd::ListNode registry_node;  // g_signalfds_lock

 private:
  uint64_t sends() const {
    SpinLockGuard guard(lock_);
    return sends_;
  }

  // The readable signal after the calling thread looked at its signals:
  // what it found, unless a send came since `seen` (then it stays raised, so
  // no wake-up is lost). Changes only notify: a look is no new arrival.
  void SettleReadable(bool pending, uint64_t seen) {
    SpinLockGuard guard(lock_);
    bool raised = pending || sends_ != seen;
    SyncSignalsLocked(raised ? static_cast<int16_t>(linux_abi::kPollIn) : 0);
  }

  posix::SigSet PendingForCaller() const {
    sched::Thread* self = sched::Current();
    Process* p = self->process();
    posix::ThreadSignals* ts = SignalsOf(self);
    if (p == nullptr || ts == nullptr) return 0;
    SpinLockGuard guard(p->signal_lock());
    return ts->PendingIn(mask());
  }

  // Dequeues up to `max` signals of the mask into `out` as records.
  size_t TakePending(uint8_t* out, size_t max) {
    sched::Thread* self = sched::Current();
    Process* p = self->process();
    posix::ThreadSignals* ts = SignalsOf(self);
    if (p == nullptr || ts == nullptr) return 0;
    size_t got = 0;
    while (got < max) {
      linux_abi::SigInfo info;
      {
        SpinLockGuard guard(p->signal_lock());
        if (!ts->TakeFromMask(mask(), &info)) break;
      }
      linux_abi::SignalfdSiginfo record = ToSignalfdSiginfo(info);
      __builtin_memcpy(out + got * sizeof record, &record, sizeof record);
      ++got;
    }
    return got;
  }

  posix::SigSet mask_;                    // atomic
  uint64_t sends_ GUARDED_BY(lock_) = 0;  // Notify calls, to not lose one
};

kstd::IntrusiveList<SignalFd, &SignalFd::registry_node> g_signalfds GUARDED_BY(g_signalfds_lock);

SignalFd::~SignalFd() {
  SpinLockGuard guard(g_signalfds_lock);
  g_signalfds.Remove(this);
}

void OnSignalQueued(int signo) {
  SpinLockGuard guard(g_signalfds_lock);
  g_signalfds.ForEach([signo](SignalFd* s) {
    if (s->mask() & posix::SigMask(signo)) s->Notify();
  });
}

bool IsFaultSignal(int signo) {
  return signo == linux_abi::kSigSegv || signo == linux_abi::kSigBus ||
         signo == linux_abi::kSigIll || signo == linux_abi::kSigFpe || signo == linux_abi::kSigTrap;
}

}  // namespace

linux_abi::SignalfdSiginfo ToSignalfdSiginfo(const linux_abi::SigInfo& info) {
  linux_abi::SignalfdSiginfo out{};
  out.ssi_signo = static_cast<uint32_t>(info.signo);
  out.ssi_errno = info.err;
  out.ssi_code = info.code;
  if (info.code > 0 && info.code != linux_abi::kSiKernel) {
    // Kernel codes: the layout belongs to the signal.
    if (info.signo == linux_abi::kSigChld) {
      out.ssi_pid = static_cast<uint32_t>(info.child.pid);
      out.ssi_uid = info.child.uid;
      out.ssi_status = info.child.status;
      out.ssi_utime = static_cast<uint64_t>(info.child.utime);
      out.ssi_stime = static_cast<uint64_t>(info.child.stime);
    } else if (IsFaultSignal(info.signo)) {
      out.ssi_addr = info.fault.addr;
      out.ssi_addr_lsb = static_cast<uint16_t>(info.fault.addr_lsb);
    }
  } else if (info.code == linux_abi::kSiTimer) {
    out.ssi_tid = static_cast<uint32_t>(info.timer.tid);
    out.ssi_overrun = static_cast<uint32_t>(info.timer.overrun);
    out.ssi_int = static_cast<int32_t>(info.timer.value);
    out.ssi_ptr = info.timer.value;
  } else if (info.code < 0 && info.code != linux_abi::kSiTkill) {
    // sigqueue and the other user codes carry a value.
    out.ssi_pid = static_cast<uint32_t>(info.rt.pid);
    out.ssi_uid = info.rt.uid;
    out.ssi_int = static_cast<int32_t>(info.rt.value);
    out.ssi_ptr = info.rt.value;
  } else if (info.code != linux_abi::kSiKernel) {
    // kill() and tkill(): the sender.
    out.ssi_pid = static_cast<uint32_t>(info.kill.pid);
    out.ssi_uid = info.kill.uid;
  }
  return out;
}

kstd::Result<kstd::RefPtr<fd::FileDescription>> CreateSignalFd(posix::SigSet mask, uint32_t flags) {
  if ((flags & ~(linux_abi::kSfdNonblock | linux_abi::kSfdCloexec)) != 0)
    return kstd::Error::kInvalid;
  SignalFd* raw = new (kstd::nothrow) SignalFd(Sanitize(mask), flags);
  if (raw == nullptr) return kstd::Error::kNoMemory;
  kstd::RefPtr<fd::FileDescription> f = kstd::AdoptRef(raw);
  SetSignalQueuedHook(OnSignalQueued);
  {
    SpinLockGuard guard(g_signalfds_lock);
    g_signalfds.PushBack(raw);
  }
  return f;
}

kstd::Result<void> SetSignalFdMask(fd::FileDescription* file, posix::SigSet mask) {
  if (file->kind() != fd::FileKind::kSignalfd) return kstd::Error::kInvalid;
  auto* s = static_cast<SignalFd*>(file);
  s->set_mask(Sanitize(mask));
  s->Notify();  // a waiter re-checks against the new mask
  return kstd::Ok();
}

}  // namespace core::events
