#pragma once

// The kernel log buffer: every kernel log line (klog::Log, Print, Panic) and
// every message user space writes to /dev/kmsg is kept as a record in one
// RecordRing of kBufferBytes of text, besides going to the console. The
// readers (syslog(2), /dev/kmsg, /proc/kmsg in core/kmsg) copy records out
// by sequence number.
//
// Safe from every context klog::Log is called from (interrupts disabled, an
// interrupt handler, the panic path): one spin lock taken with interrupts
// off, no allocation. The lock is a leaf: nothing else is taken while it is
// held. After a record is stored (outside the lock) the append hook runs, so
// core can wake blocked readers, but only when the caller had interrupts
// enabled (one with them off may hold a spin lock or be an interrupt or
// exception handler, where waking threads could deadlock); never on the panic
// path. Readers that wait therefore re-check the buffer periodically.
//
// Levels: Log lines are KERN_INFO (6) unless LogAt names another level;
// Print text is KERN_INFO too, one record per line (an unfinished line waits
// for its end, or for the next Log line); the panic line is KERN_EMERG (0).
// A record reaches the console only if its level is below the console level
// (Linux's console_loglevel, default 7: everything but debug).

#include <stddef.h>
#include <stdint.h>

#include "klog/record_ring.h"

namespace klog {

/// Text bytes the buffer keeps (syslog's SYSLOG_ACTION_SIZE_BUFFER).
inline constexpr size_t kBufferBytes = 128 * 1024;
/// Records it keeps at most.
inline constexpr size_t kBufferRecords = 4096;

/// Linux's console levels: the default, and the lowest syslog(2) may set.
inline constexpr int kDefaultConsoleLevel = 7;
inline constexpr int kMinimumConsoleLevel = 1;

/// Stores a record stamped now (text cut to RecordRing::kMaxText); returns its
/// sequence number. Does not write the console (the caller decides: see
/// ShouldPrint). Runs the append hook unless `from_panic`. A writer that
/// cannot get the lock in a bounded time (an exception report that
/// interrupted a holder) drops the record and returns 0.
uint64_t StoreRecord(uint8_t facility, uint8_t level, const char* text, size_t length,
                     bool from_panic = false);

/// Print's text: complete lines become records; an unfinished one waits.
/// Dropped like StoreRecord's when the lock cannot be had.
void StorePrintText(const char* text, size_t length);

/// Copies record `seq`, or the oldest if it was dropped (see RecordRing::Read).
bool ReadRecord(uint64_t seq, RecordInfo* info, char* text, size_t capacity);

/// The ring's sequence numbers (see RecordRing) and the clear mark.
uint64_t FirstSeq();
uint64_t NextSeq();
uint64_t ClearSeq();
/// Moves the clear mark to `seq` (default: past every record).
void ClearBuffer(uint64_t seq = UINT64_MAX);

/// Whether a record of `level` goes to the console now.
bool ShouldPrint(uint8_t level);
/// The console level (1..8; records with a level below it are printed).
int ConsoleLevel();
/// syslog's CONSOLE_LEVEL (clamped to 1..8), CONSOLE_OFF (level 1, the old
/// one saved) and CONSOLE_ON (the saved level back).
void SetConsoleLevel(int level);
void ConsoleOff();
void ConsoleOn();

/// The clock records are stamped with (nanoseconds since boot); until it is
/// set, timestamps are 0. Set once at boot.
void SetClock(uint64_t (*nanos)());
/// Runs after each record stored by a caller that had interrupts enabled,
/// with no lock held: it must not log. Set once at boot.
void SetAppendHook(void (*hook)());

/// Empties the buffer and restores the defaults (host tests only).
void ResetBufferForTest();

}  // namespace klog
