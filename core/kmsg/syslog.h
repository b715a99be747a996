#pragma once

// The syslog(2) side of the kernel log: the one consuming reading position
// that SYSLOG_ACTION_READ and /proc/kmsg share (as Linux's syslog_seq), and
// READ_ALL's "the newest records that fit" copy. The syscall layer decodes
// the call (core/syscall/sys_syslog.cc); this is the state and the text.

#include <stddef.h>
#include <stdint.h>

#include "core/kmsg/log_cursor.h"
#include "core/user/user_ptr.h"
#include "kstd/result.h"

namespace core::kmsg {

/// The shared consuming cursor (created at InitSyslog; starts at the oldest
/// record).
LogCursor& SyslogCursor();

/// Creates the shared cursor and installs the cursors' hook. Errors: kNoMemory.
kstd::Result<void> InitSyslog();

/// SYSLOG_ACTION_READ_ALL / READ_CLEAR: copies to `buf` the newest records
/// since the clear mark whose syslog form fits in `length` bytes, oldest
/// first; with `clear`, then moves the clear mark past what it copied.
/// Returns the bytes copied. Errors: kFault (nothing copied: `buf` is bad).
kstd::Result<size_t> ReadAll(UserPtr<char> buf, size_t length, bool clear);

}  // namespace core::kmsg
