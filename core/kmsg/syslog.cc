#include "core/kmsg/syslog.h"

#include "core/kmsg/record_format.h"
#include "klog/log_buffer.h"
#include "kstd/new.h"

namespace core::kmsg {
namespace {

LogCursor* g_syslog = nullptr;  // set once at boot, never freed

// One record's text and syslog form (heap: a kernel stack is small).
struct Scratch {
  char text[klog::RecordRing::kMaxText];
  char formatted[kMaxSyslogRecord];
};

size_t SyslogLength(const klog::RecordInfo& info) {
  return FormatSyslogRecord(info, nullptr, kstd::Span<char>());
}

}  // namespace

LogCursor& SyslogCursor() { return *g_syslog; }

kstd::Result<void> InitSyslog() {
  InitLogCursors();
  kstd::RefPtr<LogCursor> cursor = TRY(LogCursor::Create(0));
  g_syslog = cursor.leak_ref();
  return kstd::Ok();
}

kstd::Result<size_t> ReadAll(UserPtr<char> buf, size_t length, bool clear) {
  Scratch* scratch = new (kstd::nothrow) Scratch;
  if (scratch == nullptr) return kstd::Error::kNoMemory;
  struct Free {
    Scratch* s;
    ~Free() { delete s; }
  } free_later{scratch};

  // The total length from the clear mark, then drop the oldest records
  // until the rest fits (Linux's find_first_fitting_seq).
  uint64_t start = klog::ClearSeq();
  uint64_t end = klog::NextSeq();
  klog::RecordInfo info;
  size_t total = 0;
  for (uint64_t seq = start; seq < end && klog::ReadRecord(seq, &info, nullptr, 0);
       seq = info.seq + 1) {
    if (seq == start) start = info.seq;
    total += SyslogLength(info);
  }
  for (uint64_t seq = start;
       total > length && seq < end && klog::ReadRecord(seq, &info, nullptr, 0);
       seq = info.seq + 1) {
    total -= SyslogLength(info);
    start = info.seq + 1;
  }

  size_t done = 0;
  uint64_t seq = start;
  while (seq < end && klog::ReadRecord(seq, &info, scratch->text, sizeof scratch->text)) {
    size_t n = FormatSyslogRecord(info, scratch->text,
                                  kstd::Span<char>(scratch->formatted, sizeof scratch->formatted));
    if (done + n > length) break;
    if (buf.Offset(done).CopyOut(scratch->formatted, n).is_error()) {
      if (done == 0) return kstd::Error::kFault;
      break;
    }
    done += n;
    seq = info.seq + 1;
  }
  if (clear) {
    // Past what was copied (Linux's clear_seq = the next record).
    klog::ClearBuffer(seq);
  }
  return done;
}

}  // namespace core::kmsg
