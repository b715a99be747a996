// Linux syslog(2) (busybox dmesg's klogctl): reading and clearing the kernel
// log buffer and the console level. The buffer is klog's; its readers are
// core/kmsg's. Everyone runs as root, so the CAP_SYSLOG checks of Linux
// (reading with dmesg_restrict, clearing, the console level) always pass.

#include "abi/linux/syslog.h"
#include "core/kmsg/syslog.h"
#include "core/syscall/bounce_pool.h"
#include "core/syscall/sys_common.h"
#include "core/syscall/sys_credentials.h"
#include "klog/log_buffer.h"

namespace core::syscall {
namespace {

// SYSLOG_ACTION_READ: waits until something is unread, then consumes as much
// as fits (at most one bounce buffer per call).
kstd::Result<uint64_t> ReadConsuming(UserPtr<char> buf, size_t length) {
  uint8_t stack_buf[1024];
  BounceBuffer bounce(length, stack_buf, sizeof stack_buf);
  size_t n = kstd::Min(length, bounce.size());
  kmsg::LogCursor& cursor = kmsg::SyslogCursor();
  for (;;) {
    auto r = cursor.ReadSyslog(kstd::Span<char>(reinterpret_cast<char*>(bounce.data()), n));
    if (r.ok()) {
      TRY(UserPtr<void>(buf.address()).CopyOut(bounce.data(), r.value()));
      return r.value();
    }
    if (r.error() != kstd::Error::kAgain) return r.error();
    kstd::RefPtr<KernelObject> object = kstd::RefPtr<KernelObject>::FromRaw(&cursor);
    Signals wanted = kSignalReadable;
    auto waited = WaitForSignals(&object, &wanted, 1,
                                 sched::DeadlineAfterNanos(kmsg::kRecheckNanos), nullptr);
    if (waited.is_error() && waited.error() != kstd::Error::kTimedOut) return waited.error();
  }
}

}  // namespace

kstd::Result<uint64_t> SysLinuxSyslog(int32_t type, UserPtr<char> buf, int32_t length) {
  // Linux's check_syslog_permissions with kernel.dmesg_restrict = 0: anyone
  // may read the whole ring (READ_ALL) and its size; everything else needs
  // CAP_SYSLOG (or CAP_SYS_ADMIN), checked before the arguments.
  const bool open_to_all =
      type == linux_abi::kSyslogActionReadAll || type == linux_abi::kSyslogActionSizeBuffer;
  if (!open_to_all && !Capable(linux_abi::kCapSyslog) && !Capable(linux_abi::kCapSysAdmin)) {
    return kstd::Error::kPermission;
  }
  switch (type) {
    case linux_abi::kSyslogActionClose:
    case linux_abi::kSyslogActionOpen: return 0;
    case linux_abi::kSyslogActionRead:
      if (buf.is_null() || length < 0) return kstd::Error::kInvalid;
      if (length == 0) return 0;
      return ReadConsuming(buf, static_cast<size_t>(length));
    case linux_abi::kSyslogActionReadAll:
    case linux_abi::kSyslogActionReadClear:
      if (buf.is_null() || length < 0) return kstd::Error::kInvalid;
      if (length == 0) return 0;
      return TRY(kmsg::ReadAll(buf, static_cast<size_t>(length),
                               type == linux_abi::kSyslogActionReadClear));
    case linux_abi::kSyslogActionClear: klog::ClearBuffer(); return 0;
    case linux_abi::kSyslogActionConsoleOff: klog::ConsoleOff(); return 0;
    case linux_abi::kSyslogActionConsoleOn: klog::ConsoleOn(); return 0;
    case linux_abi::kSyslogActionConsoleLevel:
      if (length < 1 || length > 8) return kstd::Error::kInvalid;
      klog::SetConsoleLevel(length);
      return 0;
    case linux_abi::kSyslogActionSizeUnread: return kmsg::SyslogCursor().UnreadBytes();
    case linux_abi::kSyslogActionSizeBuffer: return klog::kBufferBytes;
    default: return kstd::Error::kInvalid;
  }
}

}  // namespace core::syscall
