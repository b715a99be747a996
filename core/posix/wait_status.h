#pragma once

// What a parent learns about its children: the Linux wait status word that
// wait4 stores, the siginfo that waitid stores and SIGCHLD carries, and the
// selection logic of wait4/waitid (kernel/exit.c do_wait) over an abstract
// list of children the syscall layer supplies. Pure: no processes, no
// blocking; the caller applies the outcome (reap, mark reported, block,
// return).
//
// Status word (wait4, <sys/wait.h> decodes it):
//   exited(code)        (code & 0xff) << 8
//   killed(sig, core)   sig | 0x80 if a core dump was made
//   stopped(sig)        (sig << 8) | 0x7f
//   continued           0xffff

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/signal.h"
#include "abi/linux/wait.h"
#include "core/posix/signals.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::posix {

constexpr int32_t WaitStatusExited(int exit_code) { return (exit_code & 0xff) << 8; }
constexpr int32_t WaitStatusKilled(int signo, bool core_dumped) {
  return (signo & 0x7f) | (core_dumped ? 0x80 : 0);
}
constexpr int32_t WaitStatusStopped(int signo) { return ((signo & 0xff) << 8) | 0x7f; }
inline constexpr int32_t kWaitStatusContinued = 0xffff;

/// The status of a process killed by Delivery kind kTerminate/kCoreDump.
/// Linux sets the core flag only when a core file was actually written
/// (never under the usual RLIMIT_CORE of 0, so a shell then reports
/// "Segmentation fault", not "... (core dumped)"); Tessera writes none, so
/// the default is no flag.
constexpr int32_t WaitStatusForDelivery(const Delivery& d, bool core_file_written = false) {
  return WaitStatusKilled(d.signo, d.kind == Delivery::Kind::kCoreDump && core_file_written);
}

/// The siginfo for a child whose wait status is `status` (any of the four
/// encodings): si_signo SIGCHLD, si_code CLD_EXITED/KILLED/DUMPED/STOPPED/
/// CONTINUED, si_status the exit code or the signal (SIGCONT for
/// continued), si_pid, si_uid, si_utime/si_stime in clock ticks. This is
/// what SIGCHLD carries and what waitid reports (waitid leaves si_utime/
/// si_stime alone in Linux; writing the ticks there is harmless).
linux_abi::SigInfo ChildSigInfo(int32_t pid, uint32_t uid, int32_t status, int64_t utime = 0,
                                int64_t stime = 0);

/// One child, as the parent's wait sees it. The syscall layer keeps these
/// facts on its process objects and presents the children oldest first
/// (Linux's order, which decides who is reported when several are ready).
struct WaitChild {
  int32_t pid = 0;
  int32_t pgid = 0;
  uint32_t uid = 0;
  /// Its exit signal is not SIGCHLD (a clone() child): only __WCLONE or
  /// __WALL waits see it.
  bool clone_child = false;
  /// Dead and not yet reaped; `exit_status` is its status word.
  bool zombie = false;
  int32_t exit_status = 0;
  /// Stopped (by `stop_signo`) and the stop not yet reported to a
  /// WUNTRACED/WSTOPPED wait. Clear it when the child continues.
  bool stop_unreported = false;
  int stop_signo = 0;
  /// Continued by SIGCONT and not yet reported to a WCONTINUED wait.
  bool continue_unreported = false;
  int64_t utime = 0;  // clock ticks, for the siginfo
  int64_t stime = 0;
};

/// A decoded wait4/waitid request.
struct WaitRequest {
  enum class Select : uint8_t { kAny, kPid, kPgid };
  Select select = Select::kAny;
  int32_t id = 0;        // the pid or pgid
  uint32_t options = 0;  // normalized: wait4 requests carry linux_abi::kWExited
  bool waitid = false;
};

/// wait4(pid, status, options, rusage): pid > 0 that child; 0 the caller's
/// process group `caller_pgid`; -1 any child; < -1 the group -pid.
/// Errors: kInvalid (options outside WNOHANG, WUNTRACED, WCONTINUED,
/// __WNOTHREAD, __WCLONE, __WALL), kSearch (pid == INT_MIN).
kstd::Result<WaitRequest> DecodeWait4(int32_t pid, uint32_t options, int32_t caller_pgid);

/// waitid(idtype, id, infop, options, rusage). P_PGID with id 0 means the
/// caller's group. Errors: kInvalid (options outside WNOHANG, WNOWAIT,
/// WEXITED, WSTOPPED, WCONTINUED, __WNOTHREAD, __WCLONE, __WALL; none of
/// WEXITED/WSTOPPED/WCONTINUED; P_PID with id <= 0; P_PGID with id < 0; an
/// unknown idtype), kBadHandle (P_PIDFD: Tessera has no pidfds, so no fd
/// can be one, which is what Linux answers for a non-pidfd fd).
kstd::Result<WaitRequest> DecodeWaitid(int32_t idtype, int32_t id, uint32_t options,
                                       int32_t caller_pgid);

struct WaitOutcome {
  enum class Kind : uint8_t {
    kReport,     // return child `pid` with `status` / `info`
    kNoneReady,  // WNOHANG and nothing to report: wait4 returns 0; waitid
                 // returns 0 with si_signo = si_pid = 0 (info is all zeros)
    kBlock,      // wait for a child state change, then select again (or
                 // -ERESTARTSYS if a signal is pending)
  };
  /// What the caller must change in the reported child.
  enum class Consume : uint8_t {
    kNone,           // WNOWAIT: the child stays reportable
    kReap,           // the zombie is gone: free it, drop it from the list
    kClearStop,      // stop_unreported = false
    kClearContinue,  // continue_unreported = false
  };
  Kind kind = Kind::kBlock;
  Consume consume = Consume::kNone;
  size_t index = 0;  // into the children span
  int32_t pid = 0;
  int32_t status = 0;       // wait4's status word
  linux_abi::SigInfo info;  // waitid's siginfo
};

/// do_wait's choice for `request` among `children` (oldest first): the
/// first eligible child with something to report (a zombie if WEXITED, an
/// unreported stop if WSTOPPED, an unreported continue if WCONTINUED).
/// Errors: kNoChild (no child matches the selector and type, or the only
/// matching children are zombies and WEXITED was not asked, as in Linux).
kstd::Result<WaitOutcome> SelectChild(const WaitRequest& request,
                                      kstd::Span<const WaitChild> children);

}  // namespace core::posix
