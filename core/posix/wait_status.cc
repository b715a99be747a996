#include "core/posix/wait_status.h"

#include "abi/linux/signal.h"
#include "abi/linux/wait.h"

namespace core::posix {
namespace {

constexpr uint32_t kWait4Options = linux_abi::kWNoHang | linux_abi::kWUntraced |
                                   linux_abi::kWContinued | linux_abi::kWNoThread |
                                   linux_abi::kWClone | linux_abi::kWAll;
constexpr uint32_t kWaitidOptions =
    linux_abi::kWNoHang | linux_abi::kWNoWait | linux_abi::kWExited | linux_abi::kWStopped |
    linux_abi::kWContinued | linux_abi::kWNoThread | linux_abi::kWClone | linux_abi::kWAll;
constexpr int32_t kIntMin = -2147483647 - 1;

bool Matches(const WaitRequest& request, const WaitChild& child) {
  switch (request.select) {
    case WaitRequest::Select::kAny: break;
    case WaitRequest::Select::kPid:
      if (child.pid != request.id) return false;
      break;
    case WaitRequest::Select::kPgid:
      if (child.pgid != request.id) return false;
      break;
  }
  // __WALL sees every child; otherwise __WCLONE picks exactly the clone children.
  if (request.options & linux_abi::kWAll) return true;
  return child.clone_child == ((request.options & linux_abi::kWClone) != 0);
}

}  // namespace

linux_abi::SigInfo ChildSigInfo(int32_t pid, uint32_t uid, int32_t status, int64_t utime,
                                int64_t stime) {
  linux_abi::SigInfo info;
  info.signo = linux_abi::kSigChld;
  info.child.pid = pid;
  info.child.uid = uid;
  info.child.utime = utime;
  info.child.stime = stime;
  if (status == kWaitStatusContinued) {
    info.code = linux_abi::kCldContinued;
    info.child.status = linux_abi::kSigCont;
  } else if ((status & 0xff) == 0x7f) {
    info.code = linux_abi::kCldStopped;
    info.child.status = (status >> 8) & 0xff;
  } else if ((status & 0x7f) == 0) {
    info.code = linux_abi::kCldExited;
    info.child.status = (status >> 8) & 0xff;
  } else {
    info.code = (status & 0x80) ? linux_abi::kCldDumped : linux_abi::kCldKilled;
    info.child.status = status & 0x7f;
  }
  return info;
}

kstd::Result<WaitRequest> DecodeWait4(int32_t pid, uint32_t options, int32_t caller_pgid) {
  if (options & ~kWait4Options) return kstd::Error::kInvalid;
  if (pid == kIntMin) return kstd::Error::kSearch;
  WaitRequest request;
  request.options = options | linux_abi::kWExited;
  if (pid == -1) {
    request.select = WaitRequest::Select::kAny;
  } else if (pid < 0) {
    request.select = WaitRequest::Select::kPgid;
    request.id = -pid;
  } else if (pid == 0) {
    request.select = WaitRequest::Select::kPgid;
    request.id = caller_pgid;
  } else {
    request.select = WaitRequest::Select::kPid;
    request.id = pid;
  }
  return request;
}

kstd::Result<WaitRequest> DecodeWaitid(int32_t idtype, int32_t id, uint32_t options,
                                       int32_t caller_pgid) {
  if (options & ~kWaitidOptions) return kstd::Error::kInvalid;
  if (!(options & (linux_abi::kWExited | linux_abi::kWStopped | linux_abi::kWContinued))) {
    return kstd::Error::kInvalid;
  }
  WaitRequest request;
  request.options = options;
  request.waitid = true;
  switch (idtype) {
    case linux_abi::kPAll: request.select = WaitRequest::Select::kAny; break;
    case linux_abi::kPPid:
      if (id <= 0) return kstd::Error::kInvalid;
      request.select = WaitRequest::Select::kPid;
      request.id = id;
      break;
    case linux_abi::kPPgid:
      if (id < 0) return kstd::Error::kInvalid;
      request.select = WaitRequest::Select::kPgid;
      request.id = id == 0 ? caller_pgid : id;
      break;
    case linux_abi::kPPidfd:
      if (id < 0) return kstd::Error::kInvalid;
      return kstd::Error::kBadHandle;
    default: return kstd::Error::kInvalid;
  }
  return request;
}

kstd::Result<WaitOutcome> SelectChild(const WaitRequest& request,
                                      kstd::Span<const WaitChild> children) {
  const uint32_t options = request.options;
  const bool no_wait = (options & linux_abi::kWNoWait) != 0;
  bool something_to_wait_for = false;
  for (size_t i = 0; i < children.size(); ++i) {
    const WaitChild& child = children[i];
    if (!Matches(request, child)) continue;
    WaitOutcome out;
    out.index = i;
    out.pid = child.pid;
    if (child.zombie) {
      // A zombie is only waitable by WEXITED; otherwise it does not even
      // count as a child to wait for (Linux returns ECHILD then).
      if (!(options & linux_abi::kWExited)) continue;
      out.kind = WaitOutcome::Kind::kReport;
      out.status = child.exit_status;
      out.consume = no_wait ? WaitOutcome::Consume::kNone : WaitOutcome::Consume::kReap;
      out.info = ChildSigInfo(child.pid, child.uid, child.exit_status, child.utime, child.stime);
      return out;
    }
    // A live child will stop, continue or exit: there is something to wait for.
    something_to_wait_for = true;
    if ((options & linux_abi::kWStopped) && child.stop_unreported) {
      out.kind = WaitOutcome::Kind::kReport;
      out.status = WaitStatusStopped(child.stop_signo);
      out.consume = no_wait ? WaitOutcome::Consume::kNone : WaitOutcome::Consume::kClearStop;
      out.info = ChildSigInfo(child.pid, child.uid, out.status, child.utime, child.stime);
      return out;
    }
    if ((options & linux_abi::kWContinued) && child.continue_unreported) {
      out.kind = WaitOutcome::Kind::kReport;
      out.status = kWaitStatusContinued;
      out.consume = no_wait ? WaitOutcome::Consume::kNone : WaitOutcome::Consume::kClearContinue;
      out.info = ChildSigInfo(child.pid, child.uid, out.status, child.utime, child.stime);
      return out;
    }
  }
  if (!something_to_wait_for) return kstd::Error::kNoChild;
  WaitOutcome out;
  out.kind =
      (options & linux_abi::kWNoHang) ? WaitOutcome::Kind::kNoneReady : WaitOutcome::Kind::kBlock;
  out.info = linux_abi::SigInfo();
  return out;
}

}  // namespace core::posix
