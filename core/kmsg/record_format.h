#pragma once

// The two text forms Linux gives a kernel log record (pure; host-tested):
//
//   syslog(2), /proc/kmsg:  "<6>[    1.234567] [boot] text\n"
//       "<" (facility << 3 | level) ">", the time since boot as
//       "[%5lu.%06lu] ", the text, a newline.
//   /dev/kmsg:              "6,42,1234567,-;[boot] text\n"
//       priority, sequence number, microseconds, "-" (no continuation),
//       ";", the text with bytes below ' ', above '~' and '\' written as
//       "\xNN", a newline.
//
// Both write at most out.size() bytes and return the full length, so a
// caller can size a buffer or count bytes with an empty span.

#include <stddef.h>
#include <stdint.h>

#include "klog/record_ring.h"
#include "kstd/span.h"

namespace core::kmsg {

/// Longest syslog-form record: a prefix of at most 40 bytes, the text, "\n".
inline constexpr size_t kMaxSyslogRecord = klog::RecordRing::kMaxText + 48;
/// Longest /dev/kmsg-form record: every text byte escaped to 4.
inline constexpr size_t kMaxKmsgRecord = 4 * klog::RecordRing::kMaxText + 64;

/// The syslog form reads `text` only for the bytes it writes: with an empty
/// `out`, it counts and `text` may be null.
size_t FormatSyslogRecord(const klog::RecordInfo& info, const char* text, kstd::Span<char> out);
size_t FormatKmsgRecord(const klog::RecordInfo& info, const char* text, kstd::Span<char> out);

/// A message written to /dev/kmsg: an optional "<N>" prefix (N decimal)
/// sets the level (N & 7) and, when N >> 3 is not 0, the facility; the
/// defaults are Linux's, LOG_USER and KERN_WARNING (a message with no prefix
/// shows as "<12>"). One trailing newline is dropped.
struct KmsgMessage {
  uint8_t facility = klog::kFacilityUser;
  uint8_t level = klog::kLevelWarning;
  size_t text_offset = 0;  // the text starts here in the written bytes
  size_t text_length = 0;
};
KmsgMessage ParseKmsgWrite(kstd::Span<const char> in);

}  // namespace core::kmsg
