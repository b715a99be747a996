#pragma once

// LogCursor: a reading position in the kernel log buffer (klog/log_buffer.h)
// and the object readers wait on. Its kSignalReadable is set while a record
// exists at or after the position: every new record updates every cursor
// (InitLogCursors installs klog's append hook), and every read re-evaluates
// its own. One cursor per /dev/kmsg open; one for syslog(2) and /proc/kmsg
// (SyslogCursor, syslog.h).
//
// Locks: the cursor's lock_ (KernelObject's) guards the position; inside it
// only klog's buffer lock (a leaf) and the scheduler (waking waiters) are
// taken. The list of cursors has its own lock, taken before a cursor's.

#include <stddef.h>
#include <stdint.h>

#include "core/object/kernel_object.h"
#include "core/sync/thread_annotations.h"
#include "klog/record_ring.h"
#include "kstd/intrusive_list.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::kmsg {

/// How long a reader waits on a cursor before it looks at the buffer again:
/// records stored with interrupts disabled wake nobody (klog/log_buffer.h).
inline constexpr uint64_t kRecheckNanos = 250'000'000;

class LogCursor final : public KernelObject {
 public:
  /// A cursor at `seq` (clamped to the oldest record kept). Errors: kNoMemory.
  static kstd::Result<kstd::RefPtr<LogCursor>> Create(uint64_t seq);
  ~LogCursor() override;

  /// /dev/kmsg's read: the next record in the /dev/kmsg form
  /// (record_format.h), and the cursor moves past it. Errors: kAgain (no
  /// record yet), kPipe (records at the position were overwritten: the cursor
  /// moves to the oldest, the next read returns it), kInvalid (`out` is
  /// smaller than the record; the cursor stays).
  kstd::Result<size_t> ReadKmsg(kstd::Span<char> out);

  /// syslog(2)'s SYSLOG_ACTION_READ: as many whole records in the syslog
  /// form as fit in `out`, or, when not even the first one fits, its first
  /// out.size() bytes (the rest come next time). Consumes what it returns;
  /// overwritten records are skipped. Errors: kAgain (nothing unread).
  kstd::Result<size_t> ReadSyslog(kstd::Span<char> out);

  /// Bytes of syslog form not read yet (SYSLOG_ACTION_SIZE_UNREAD).
  size_t UnreadBytes();
  /// Records not read yet (/proc/kmsg's poll).
  uint64_t UnreadRecords();

  /// Moves the cursor (lseek of /dev/kmsg).
  void SeekTo(uint64_t seq);

  /// Re-evaluates kSignalReadable against the buffer.
  void Refresh();

  kstd::ListNode cursor_node;

 private:
  LogCursor(uint64_t seq, char* text, char* formatted);
  void RefreshLocked() REQUIRES(lock_);
  // Copies the record at seq_ into text_; an overwritten position first moves
  // to the oldest record (partial_ reset). False if there is no record.
  bool LoadLocked(klog::RecordInfo* info) REQUIRES(lock_);

  uint64_t seq_ GUARDED_BY(lock_);
  size_t partial_ GUARDED_BY(lock_) = 0;  // syslog: bytes of record seq_ already read
  char* const text_;                      // one record's text; used under lock_
  char* const formatted_;                 // its syslog form; used under lock_
};

/// Installs klog's append hook that refreshes every cursor. Call once at boot,
/// before any cursor is read.
void InitLogCursors();

}  // namespace core::kmsg
