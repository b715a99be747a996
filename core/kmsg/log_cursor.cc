#include "core/kmsg/log_cursor.h"

#include "core/kmsg/record_format.h"
#include "core/sync/spin_lock.h"
#include "klog/log_buffer.h"
#include "kstd/new.h"

namespace core::kmsg {
namespace {

SpinLock g_cursors_lock;
kstd::IntrusiveList<LogCursor, &LogCursor::cursor_node> g_cursors GUARDED_BY(g_cursors_lock);

// klog's append hook: a record arrived.
void OnRecordStored() {
  SpinLockGuard guard(g_cursors_lock);
  g_cursors.ForEach([](LogCursor* cursor) { cursor->Refresh(); });
}

}  // namespace

void InitLogCursors() { klog::SetAppendHook(OnRecordStored); }

LogCursor::LogCursor(uint64_t seq, char* text, char* formatted)
    : KernelObject(ObjectType::kNotification), seq_(seq), text_(text), formatted_(formatted) {}

kstd::Result<kstd::RefPtr<LogCursor>> LogCursor::Create(uint64_t seq) {
  char* text = new (kstd::nothrow) char[klog::RecordRing::kMaxText + kMaxSyslogRecord];
  if (text == nullptr) return kstd::Error::kNoMemory;
  kstd::RefPtr<LogCursor> cursor =
      kstd::AdoptRef(new (kstd::nothrow) LogCursor(seq, text, text + klog::RecordRing::kMaxText));
  if (!cursor) {
    delete[] text;
    return kstd::Error::kNoMemory;
  }
  {
    SpinLockGuard guard(g_cursors_lock);
    g_cursors.PushBack(cursor.get());
  }
  cursor->Refresh();
  return cursor;
}

LogCursor::~LogCursor() {
  {
    SpinLockGuard guard(g_cursors_lock);
    g_cursors.Remove(this);
  }
  delete[] text_;
}

void LogCursor::Refresh() {
  SpinLockGuard guard(lock_);
  RefreshLocked();
}

void LogCursor::RefreshLocked() {
  bool readable = seq_ < klog::NextSeq();
  UpdateSignalsLocked(kSignalReadable, readable ? kSignalReadable : 0);
}

bool LogCursor::LoadLocked(klog::RecordInfo* info) {
  if (!klog::ReadRecord(seq_, info, text_, klog::RecordRing::kMaxText)) return false;
  if (info->seq != seq_) {
    seq_ = info->seq;
    partial_ = 0;
  }
  return true;
}

void LogCursor::SeekTo(uint64_t seq) {
  SpinLockGuard guard(lock_);
  seq_ = seq;
  partial_ = 0;
  RefreshLocked();
}

kstd::Result<size_t> LogCursor::ReadKmsg(kstd::Span<char> out) {
  SpinLockGuard guard(lock_);
  klog::RecordInfo info;
  if (!klog::ReadRecord(seq_, &info, text_, klog::RecordRing::kMaxText)) {
    RefreshLocked();
    return kstd::Error::kAgain;
  }
  if (info.seq != seq_) {
    // Overwritten while this reader was behind: say so once (EPIPE), then
    // go on from the oldest record, as Linux does.
    seq_ = info.seq;
    RefreshLocked();
    return kstd::Error::kPipe;
  }
  size_t n = FormatKmsgRecord(info, text_, out);
  if (n > out.size()) return kstd::Error::kInvalid;
  ++seq_;
  RefreshLocked();
  return n;
}

kstd::Result<size_t> LogCursor::ReadSyslog(kstd::Span<char> out) {
  SpinLockGuard guard(lock_);
  size_t done = 0;
  klog::RecordInfo info;
  while (done < out.size() && LoadLocked(&info)) {
    size_t whole = FormatSyslogRecord(info, text_, kstd::Span<char>(formatted_, kMaxSyslogRecord));
    size_t left = whole - partial_;
    size_t room = out.size() - done;
    size_t n;
    if (left <= room) {
      n = left;
    } else if (done == 0) {
      n = room;  // not even the first record fits: a piece of it
    } else {
      break;
    }
    __builtin_memcpy(out.data() + done, formatted_ + partial_, n);
    done += n;
    if (n == left) {
      ++seq_;
      partial_ = 0;
    } else {
      partial_ += n;
    }
  }
  RefreshLocked();
  if (done == 0) return kstd::Error::kAgain;
  return done;
}

size_t LogCursor::UnreadBytes() {
  SpinLockGuard guard(lock_);
  size_t total = 0;
  klog::RecordInfo info;
  if (!LoadLocked(&info)) return 0;
  for (uint64_t seq = seq_; klog::ReadRecord(seq, &info, text_, 0); seq = info.seq + 1) {
    total += FormatSyslogRecord(info, text_, kstd::Span<char>());
  }
  return total - partial_;
}

uint64_t LogCursor::UnreadRecords() {
  SpinLockGuard guard(lock_);
  klog::RecordInfo info;
  if (!LoadLocked(&info)) return 0;
  return klog::NextSeq() - seq_;
}

}  // namespace core::kmsg
