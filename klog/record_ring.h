#pragma once

// RecordRing: the kernel log's storage, a ring of records in caller-provided
// memory (no allocation, no locks: the owner serializes; see log_buffer.h).
//
// Each record has a sequence number (0, 1, 2, ... in append order, never
// reused), a timestamp in microseconds since boot, Linux's facility and level
// (syslog(3) priorities) and up to kMaxText bytes of text (no newline). The
// text lives in one byte ring, the fixed-size facts in a slot array indexed by
// sequence number modulo its length; when either is full the oldest records
// are dropped first, so a reader holding an old sequence number learns that it
// was overwritten (Read reports the oldest one instead).
//
// Clearing (syslog's SYSLOG_ACTION_CLEAR) drops nothing: it moves the clear
// mark to the next sequence number, as Linux's clear_seq.

#include <stddef.h>
#include <stdint.h>

namespace klog {

// Linux's log levels (include/linux/kern_levels.h) and the two facilities the
// kernel writes with (syslog(3): LOG_KERN, LOG_USER).
inline constexpr uint8_t kLevelEmerg = 0;
inline constexpr uint8_t kLevelAlert = 1;
inline constexpr uint8_t kLevelCrit = 2;
inline constexpr uint8_t kLevelErr = 3;
inline constexpr uint8_t kLevelWarning = 4;
inline constexpr uint8_t kLevelNotice = 5;
inline constexpr uint8_t kLevelInfo = 6;
inline constexpr uint8_t kLevelDebug = 7;
inline constexpr uint8_t kFacilityKernel = 0;
inline constexpr uint8_t kFacilityUser = 1;

/// What a record is, apart from its text.
struct RecordInfo {
  uint64_t seq = 0;
  uint64_t usec = 0;
  uint8_t facility = 0;
  uint8_t level = 0;
  uint16_t length = 0;  // of the text, in bytes
};

class RecordRing {
 public:
  /// Longest text a record keeps (Linux's PRINTKRB_RECORD_MAX); longer text is cut.
  static constexpr size_t kMaxText = 1024;

  /// One record's facts (the slot array's element; its text is in the byte ring).
  struct Slot {
    uint64_t usec;
    uint32_t offset;  // of the text in the byte ring
    uint16_t length;
    uint8_t facility;
    uint8_t level;
  };

  /// `slots` and `text` must outlive the ring; slot_count >= 1, text_size >= 1
  /// and below 4 GiB. constexpr: the kernel's ring needs no constructor run.
  constexpr RecordRing(Slot* slots, size_t slot_count, char* text, size_t text_size)
      : slots_(slots), slot_count_(slot_count), text_(text), text_size_(text_size) {}
  RecordRing(const RecordRing&) = delete;
  RecordRing& operator=(const RecordRing&) = delete;

  /// Appends a record (text cut to kMaxText and to the byte ring's size),
  /// dropping the oldest records until it fits. Returns its sequence number.
  uint64_t Append(uint64_t usec, uint8_t facility, uint8_t level, const char* text, size_t length);

  /// Copies the record `seq` into *info and its text (up to `capacity` bytes;
  /// info->length is the whole length) into `text`. A `seq` already dropped
  /// gives the oldest record instead (info->seq tells which). Returns false if
  /// there is no record at or after `seq`.
  bool Read(uint64_t seq, RecordInfo* info, char* text, size_t capacity) const;

  /// The oldest record kept; equals next_seq() when the ring is empty.
  uint64_t first_seq() const { return first_seq_; }
  /// The sequence number the next record will get.
  uint64_t next_seq() const { return next_seq_; }
  /// The first record after the last Clear() that is still kept.
  uint64_t clear_seq() const { return clear_seq_ > first_seq_ ? clear_seq_ : first_seq_; }
  /// Moves the clear mark to `seq` (at most next_seq(): past every record).
  void ClearTo(uint64_t seq) { clear_seq_ = seq < next_seq_ ? seq : next_seq_; }
  void Clear() { ClearTo(next_seq_); }

  /// Drops every record and starts again at sequence number 0 (tests).
  void Reset() {
    text_head_ = text_used_ = 0;
    first_seq_ = next_seq_ = clear_seq_ = 0;
  }

  /// Bytes of text kept, and the byte ring's size.
  size_t text_used() const { return text_used_; }
  size_t text_size() const { return text_size_; }

 private:
  void DropOldest();

  Slot* const slots_;
  const size_t slot_count_;
  char* const text_;
  const size_t text_size_;
  size_t text_head_ = 0;  // where the next text goes
  size_t text_used_ = 0;  // bytes of the kept records, ending at text_head_
  uint64_t first_seq_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t clear_seq_ = 0;
};

}  // namespace klog
