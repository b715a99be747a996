#include "core/console/console.h"

#include "abi/linux/fcntl.h"
#include "abi/linux/poll.h"
#include "abi/linux/signal.h"
#include "abi/linux/termios.h"
#include "core/fd/vnode_file.h"
#include "core/posix/signals.h"
#include "core/posix/tty/job_control.h"
#include "core/posix/tty/line_discipline.h"
#include "core/posix/tty/termios.h"
#include "core/proc/linux_thread.h"
#include "core/proc/process.h"
#include "core/proc/signals.h"
#include "core/sched/scheduler.h"
#include "core/user/user_ptr.h"
#include "core/vfs/devfs.h"
#include "core/vfs/device.h"
#include "core/vfs/kernel_mounts.h"
#include "core/vfs/ops.h"
#include "hal/console.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::console {
namespace {

namespace tty = posix::tty;
using fd::FileDescription;
using fd::VnodeFile;

// Echo and output go straight to the UART.
class UartSink final : public tty::OutputSink {
 public:
  void Write(const uint8_t* data, size_t size) override {
    hal::ConsoleWriteRaw(reinterpret_cast<const char*>(data), size);
  }
};
UartSink g_sink;

// A read waiting in the line discipline can make progress (any input in
// non-canonical mode, whatever MIN says): what blocked reads wait for.
// kSignalReadable follows poll(2) instead, which with MIN>0 and TIME=0 wants
// MIN bytes.
constexpr Signals kSignalReaderCanProgress = 1u << 8;

// The discipline's "no timer" is the read path's "no deadline".
static_assert(tty::kNoTimer == vfs::kNoReadDeadline);

// Readiness of the terminal, for waiters (poll, blocking reads).
class TtyReadiness final : public KernelObject {
 public:
  TtyReadiness() : KernelObject(ObjectType::kFile) {}
  void Set(bool readable, bool writable, bool reader_can_progress) {
    SpinLockGuard guard(lock_);
    UpdateSignalsLocked(kSignalReadable | kSignalWritable | kSignalReaderCanProgress,
                        (readable ? kSignalReadable : 0) | (writable ? kSignalWritable : 0) |
                            (reader_can_progress ? kSignalReaderCanProgress : 0));
  }
};

// The serial console as a terminal: the N_TTY line discipline, the session
// it controls and its foreground process group. lock_ guards all of it; the
// receive interrupt takes it too.
class ConsoleTty final : public vfs::CharDevice {
 public:
  bool Init() {
    ld_ = new (kstd::nothrow) tty::LineDiscipline(tty::DefaultSerialTermios());
    readiness_ = kstd::AdoptRef(new (kstd::nothrow) TtyReadiness());
    if (ld_ == nullptr || !readiness_) return false;
    readiness_->Set(false, true, false);
    return true;
  }

  kstd::Result<void> Open(uint32_t flags) override {
    // A session leader without a controlling terminal that opens this one
    // (without O_NOCTTY) acquires it, as on Linux.
    Process* p = Caller();
    if (p == nullptr || (flags & linux_abi::kONoCtty) != 0) return kstd::Ok();
    SpinLockGuard guard(lock_);
    if (session_ == 0 && p->sid() == p->pid()) {
      session_ = p->sid();
      foreground_ = p->pgid();
    }
    return kstd::Ok();
  }

  // One step of the line discipline's read per attempt; between attempts
  // the caller waits for input or the VTIME timer (read->deadline), and the
  // bytes taken so far stay in `out` (read->done).
  kstd::Result<size_t> ReadStream(kstd::Span<uint8_t> out, vfs::StreamRead* read) override {
    // Job control is checked once per read(2), when it starts (as Linux).
    if (!read->started) TRY(CheckJobControl(tty::TtyAccess::kRead));
    if (read->done > out.size()) return kstd::Error::kInvalid;
    tty::ReadCursor cursor;
    cursor.total = read->done;
    cursor.timer_expired = read->timed_out;
    cursor.started = read->started;
    SpinLockGuard guard(lock_);
    tty::ReadStep step = ld_->Read(out.Subspan(read->done), read->nonblocking, &cursor);
    UpdateReadinessLocked();
    read->started = true;
    read->done = cursor.total;
    switch (step.next) {
      case tty::ReadStep::Next::kReturn: return cursor.total;
      case tty::ReadStep::Next::kAgain: return kstd::Error::kAgain;  // O_NONBLOCK, nothing read
      case tty::ReadStep::Next::kWait: break;
    }
    read->deadline = tty::ReadTimerDeadline(step, sched::Now(), read->deadline, &cursor);
    read->timed_out = cursor.timer_expired;
    read->wake_on = kSignalReaderCanProgress;
    return kstd::Error::kAgain;
  }

  // A single attempt (no caller waits after it): never holds bytes back.
  kstd::Result<size_t> Read(kstd::Span<uint8_t> out) override {
    vfs::StreamRead once;
    once.nonblocking = true;
    return ReadStream(out, &once);
  }

  kstd::Result<size_t> Write(kstd::Span<const uint8_t> in) override {
    bool tostop;
    {
      SpinLockGuard guard(lock_);
      tostop = (ld_->termios().c_lflag & linux_abi::kTostop) != 0;
    }
    if (tostop) TRY(CheckJobControl(tty::TtyAccess::kWrite));
    SpinLockGuard guard(lock_);
    size_t n = ld_->Write(in, g_sink);
    if (n == 0 && in.size() > 0) return kstd::Error::kAgain;  // ^S stopped output
    return n;
  }

  kstd::Result<int64_t> Ioctl(uint32_t request, uint64_t arg) override;

  uint32_t Poll() override {
    SpinLockGuard guard(lock_);
    uint32_t ev = 0;
    if (ld_->Readable()) ev |= linux_abi::kPollIn | linux_abi::kPollRdNorm;
    if (ld_->Writable()) ev |= linux_abi::kPollOut | linux_abi::kPollWrNorm;
    return ev;
  }

  KernelObject* WaitObject() override { return readiness_.get(); }

  // Receive interrupt: one byte into the discipline.
  void OnInput(uint8_t byte) {
    int signal = 0;
    {
      SpinLockGuard guard(lock_);
      tty::InputEvents ev = ld_->Input(byte, g_sink);
      UpdateReadinessLocked();
      if (ev.signal != 0 && foreground_ != 0) {
        pending_signal_ = ev.signal;
        signal = ev.signal;
      }
    }
    // Sending a signal may allocate: a kernel thread does it, not this interrupt.
    if (signal != 0) signal_waiters_.WakeAll();
  }

  // The tty-signals kernel thread: sends ^C/^\\/^Z signals to the foreground group.
  void SignalLoop() {
    for (;;) {
      int signal;
      uint64_t group;
      {
        SpinLockGuard guard(lock_);
        signal = pending_signal_;
        group = foreground_;
        pending_signal_ = 0;
      }
      if (signal != 0 && group != 0) {
        (void)SendSignalToGroup(group, signal, linux_abi::SigInfo::FromKernel(signal));
        continue;
      }
      signal_waiters_.WaitIf(
          sched::kNoDeadline,
          [](void* c) {
            auto* t = static_cast<ConsoleTty*>(c);
            SpinLockGuard guard(t->lock_);
            return t->pending_signal_ == 0;
          },
          this);
    }
  }

  // A session leader ended: its terminal is free for the next session.
  void OnSessionLeaderExit(uint64_t sid) {
    SpinLockGuard guard(lock_);
    if (session_ == sid) {
      session_ = 0;
      foreground_ = 0;
    }
  }

 private:
  static Process* Caller() {
    sched::Thread* t = sched::Current();
    return t != nullptr ? t->process() : nullptr;
  }

  void UpdateReadinessLocked() {
    readiness_->Set(ld_->Readable(), ld_->Writable(), ld_->ReaderCanProgress());
  }

  // Job control for a background process group (SIGTTIN/SIGTTOU, or EIO).
  kstd::Result<void> CheckJobControl(tty::TtyAccess access) {
    Process* p = Caller();
    if (p == nullptr) return kstd::Ok();
    tty::JobControlFacts facts;
    {
      SpinLockGuard guard(lock_);
      facts.is_controlling_tty = session_ != 0 && session_ == p->sid();
      facts.foreground_pgid = static_cast<int32_t>(foreground_);
      facts.tostop = (ld_->termios().c_lflag & linux_abi::kTostop) != 0;
    }
    facts.caller_pgid = static_cast<int32_t>(p->pgid());
    int signal = access == tty::TtyAccess::kRead ? linux_abi::kSigTtin : linux_abi::kSigTtou;
    {
      SpinLockGuard guard(p->signal_lock());
      auto* ts = SignalsOf(sched::Current());
      facts.signal_blocked_or_ignored = p->signals().IsIgnored(signal) ||
                                        (ts != nullptr && posix::SigSetHas(ts->blocked(), signal));
    }
    tty::JobControlVerdict v = tty::CheckJobControl(access, facts);
    switch (v.kind) {
      case tty::JobControlVerdict::Kind::kAllow: return kstd::Ok();
      case tty::JobControlVerdict::Kind::kIoError: return kstd::Error::kIo;
      case tty::JobControlVerdict::Kind::kStopGroup:
        (void)SendSignalToGroup(p->pgid(), v.signal, linux_abi::SigInfo::FromKernel(v.signal));
        return kstd::Error::kInterrupted;  // restarted after SIGCONT (ERESTARTSYS)
    }
    return kstd::Ok();
  }

  SpinLock lock_;
  tty::LineDiscipline* ld_ = nullptr;  // ~8.7 KiB: on the heap
  uint64_t session_ = 0;               // the session this is the controlling tty of (0: none)
  uint64_t foreground_ = 0;            // its foreground process group
  linux_abi::WinSize winsize_ = {0, 0, 0, 0};
  int pending_signal_ = 0;
  kstd::RefPtr<TtyReadiness> readiness_;
  sched::WaitQueue signal_waiters_;

  friend class ConsoleIoctl;
};

class ConsoleIoctl {
 public:
  static kstd::Result<int64_t> Run(ConsoleTty* t, uint32_t request, uint64_t arg);
};

kstd::Result<int64_t> ConsoleTty::Ioctl(uint32_t request, uint64_t arg) {
  return ConsoleIoctl::Run(this, request, arg);
}

kstd::Result<int64_t> ConsoleIoctl::Run(ConsoleTty* t, uint32_t request, uint64_t arg) {
  Process* p = ConsoleTty::Caller();
  switch (request) {
    case linux_abi::kTcgets: {
      linux_abi::KernelTermios k;
      {
        SpinLockGuard guard(t->lock_);
        k = tty::ToKernelTermios(t->ld_->termios());
      }
      TRY(UserPtr<linux_abi::KernelTermios>(arg).CopyOut(&k));
      return int64_t{0};
    }
    case linux_abi::kTcsets:
    case linux_abi::kTcsetsw:
    case linux_abi::kTcsetsf: {
      linux_abi::KernelTermios k;
      TRY(UserPtr<const linux_abi::KernelTermios>(arg).CopyIn(&k));
      TRY(t->CheckJobControl(tty::TtyAccess::kChangeSettings));
      SpinLockGuard guard(t->lock_);
      if (request == linux_abi::kTcsetsf) {
        t->ld_->SetTermiosFlush(tty::FromKernelTermios(k), g_sink);
      } else {
        t->ld_->SetTermios(tty::FromKernelTermios(k), g_sink);
      }
      t->UpdateReadinessLocked();
      return int64_t{0};
    }
    case linux_abi::kTiocgwinsz: {
      // Linux answers 0 rows, 0 columns for a serial line nobody configured.
      linux_abi::WinSize ws = {0, 0, 0, 0};
      {
        SpinLockGuard guard(t->lock_);
        ws = t->winsize_;
      }
      TRY(UserPtr<linux_abi::WinSize>(arg).CopyOut(&ws));
      return int64_t{0};
    }
    case linux_abi::kTiocswinsz: {
      linux_abi::WinSize ws;
      TRY(UserPtr<const linux_abi::WinSize>(arg).CopyIn(&ws));
      uint64_t group;
      bool changed;
      {
        SpinLockGuard guard(t->lock_);
        changed = t->ld_->SetWindowSize(ws);
        t->winsize_ = ws;
        group = t->foreground_;
      }
      if (changed && group != 0) {
        (void)SendSignalToGroup(group, linux_abi::kSigWinch,
                                linux_abi::SigInfo::FromKernel(linux_abi::kSigWinch));
      }
      return int64_t{0};
    }
    case linux_abi::kTiocgpgrp: {
      int32_t fg;
      {
        SpinLockGuard guard(t->lock_);
        if (p == nullptr || t->session_ != p->sid()) return kstd::Error::kNotTty;
        // As the caller's PID namespace numbers it (0 if it cannot see it).
        fg = static_cast<int32_t>(p->pid_namespace()->ToLocal(t->foreground_));
      }
      TRY(UserPtr<int32_t>(arg).CopyOut(&fg));
      return int64_t{0};
    }
    case linux_abi::kTiocspgrp: {
      int32_t pgrp;
      TRY(UserPtr<const int32_t>(arg).CopyIn(&pgrp));
      if (pgrp < 0) return kstd::Error::kInvalid;
      TRY(t->CheckJobControl(tty::TtyAccess::kChangeSettings));
      // The caller's PID namespace's number for the group (none: ESRCH).
      const uint64_t group = p != nullptr ? p->pid_namespace()->ToGlobal(pgrp) : 0;
      if (group == 0) return kstd::Error::kSearch;
      {
        SpinLockGuard guard(t->lock_);
        if (p == nullptr || t->session_ != p->sid()) return kstd::Error::kNotTty;
      }
      // The group must exist in the caller's session.
      struct Find {
        uint64_t pgid, sid;
        bool found = false;
      } find{group, p->sid()};
      Process::ForEach(
          [](Process* q, void* c) {
            auto* f = static_cast<Find*>(c);
            if (q->pgid() == f->pgid && !q->terminated()) f->found = f->found || q->sid() == f->sid;
          },
          &find);
      if (!find.found) return kstd::Error::kPermission;
      SpinLockGuard guard(t->lock_);
      t->foreground_ = group;
      return int64_t{0};
    }
    case linux_abi::kTiocgsid: {
      int32_t sid;
      {
        SpinLockGuard guard(t->lock_);
        if (p == nullptr || t->session_ == 0 || t->session_ != p->sid())
          return kstd::Error::kNotTty;
        sid = static_cast<int32_t>(p->pid_namespace()->ToLocal(t->session_));
      }
      TRY(UserPtr<int32_t>(arg).CopyOut(&sid));
      return int64_t{0};
    }
    case linux_abi::kTiocsctty: {
      if (p == nullptr || p->sid() != p->pid()) return kstd::Error::kPermission;
      SpinLockGuard guard(t->lock_);
      if (t->session_ == p->sid()) return int64_t{0};
      if (t->session_ != 0 && arg != 1) return kstd::Error::kPermission;
      t->session_ = p->sid();
      t->foreground_ = p->pgid();
      return int64_t{0};
    }
    case linux_abi::kTiocnotty: {
      SpinLockGuard guard(t->lock_);
      if (p == nullptr || t->session_ != p->sid()) return kstd::Error::kNotTty;
      if (p->sid() == p->pid()) {
        t->session_ = 0;
        t->foreground_ = 0;
      }
      return int64_t{0};
    }
    case linux_abi::kFionread: {
      int32_t n;
      {
        SpinLockGuard guard(t->lock_);
        n = static_cast<int32_t>(t->ld_->InputAvailable());
      }
      TRY(UserPtr<int32_t>(arg).CopyOut(&n));
      return int64_t{0};
    }
    case linux_abi::kTcflsh: {
      SpinLockGuard guard(t->lock_);
      TRY(t->ld_->Flush(static_cast<int>(arg)));
      t->UpdateReadinessLocked();
      return int64_t{0};
    }
    case linux_abi::kTcxonc: {
      SpinLockGuard guard(t->lock_);
      TRY(t->ld_->FlowControl(static_cast<int>(arg), g_sink));
      t->UpdateReadinessLocked();
      return int64_t{0};
    }
    case linux_abi::kTcsbrk: return int64_t{0};  // tcdrain: console output is synchronous
    default: return kstd::Error::kNotTty;
  }
}

ConsoleTty* g_console = nullptr;

void OnInput(uint8_t byte) {
  if (g_console != nullptr) g_console->OnInput(byte);
}

void SignalThread(void*) { g_console->SignalLoop(); }

// A session leader ended: the console stops being that session's
// controlling terminal.
void OnSessionLeaderExit(uint64_t sid) {
  if (g_console != nullptr) g_console->OnSessionLeaderExit(sid);
}

}  // namespace

void InitConsole() {
  hal::SetConsoleInputHandler(OnInput);
  SetSessionEndHook(OnSessionLeaderExit);
}

kstd::Result<void> AddConsoleDevices(vfs::Vnode* dev_dir) {
  kstd::RefPtr<ConsoleTty> console = kstd::AdoptRef(new (kstd::nothrow) ConsoleTty());
  if (!console || !console->Init()) return kstd::Error::kNoMemory;
  g_console = console.get();  // kept alive by the registry
  auto thread =
      sched::Thread::Create("tty-signals", nullptr, SignalThread, nullptr, sched::kPriorityHigh);
  if (thread.is_error()) return thread.error();
  sched::Start(thread.value().get());
  TRY(vfs::DevFs::AddDevice(dev_dir, "console", vfs::kDevConsole, 0600, console));
  TRY(vfs::DevFs::AddDevice(dev_dir, "ttyS0", vfs::kDevTtyS0, 0660, console));
  TRY(vfs::DevFs::AddDevice(dev_dir, "tty", vfs::kDevTty, 0666, console));
  return kstd::Ok();
}

kstd::Result<kstd::RefPtr<FileDescription>> OpenConsole() {
  vfs::MountTable& mounts = vfs::Mounts();
  kstd::RefPtr<vfs::Vnode> root = mounts.Root();
  vfs::PathContext ctx{&mounts, root.get(), root.get()};
  // The kernel's own opens never make the console anyone's controlling tty.
  kstd::RefPtr<vfs::OpenFile> file =
      TRY(vfs::OpenPath(ctx, "/dev/console", linux_abi::kORdWr | linux_abi::kONoCtty, 0));
  kstd::RefPtr<FileDescription> d = kstd::AdoptRef<FileDescription>(
      new (kstd::nothrow) VnodeFile(kstd::Move(file), linux_abi::kORdWr));
  if (!d) return kstd::Error::kNoMemory;
  return d;
}

}  // namespace core::console
