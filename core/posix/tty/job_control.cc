#include "core/posix/tty/job_control.h"

#include "abi/linux/signal.h"
#include "core/posix/signals.h"

namespace core::posix::tty {

JobControlVerdict CheckJobControl(TtyAccess access, const JobControlFacts& facts) {
  JobControlVerdict verdict;
  if (access == TtyAccess::kWrite && !facts.tostop) return verdict;
  if (!facts.is_controlling_tty) return verdict;
  if (facts.foreground_pgid == 0 || facts.foreground_pgid == facts.caller_pgid) return verdict;
  const int signo = access == TtyAccess::kRead ? linux_abi::kSigTtin : linux_abi::kSigTtou;
  if (facts.signal_blocked_or_ignored) {
    // A background reader that cannot be stopped gets EIO; a writer or a
    // settings change that cannot be stopped just proceeds.
    if (signo == linux_abi::kSigTtin) verdict.kind = JobControlVerdict::Kind::kIoError;
    return verdict;
  }
  if (facts.pgrp_orphaned) {
    verdict.kind = JobControlVerdict::Kind::kIoError;
    return verdict;
  }
  verdict.kind = JobControlVerdict::Kind::kStopGroup;
  verdict.signal = signo;
  return verdict;
}

}  // namespace core::posix::tty
