#pragma once

// The kernel log: formatted lines to the HAL console. Every line starts with a
// subsystem tag, e.g. Log("mm", "%zu MiB free", n) prints "[mm] 12 MiB free".
// Every line is also kept in the kernel log buffer (log_buffer.h), which
// syslog(2), /dev/kmsg and /proc/kmsg read. Used by the HAL's backends and (as
// core::Log, core/kernel/log.h) by core.

#include <stdint.h>

namespace klog {

/// Formats and writes one log line (a newline is appended). Lines longer than
/// 512 bytes are truncated. Safe with interrupts disabled.
void Log(const char* tag, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

/// Log with a level (klog::kLevel*, record_ring.h; Log's is kLevelInfo): the
/// line is stored with it and reaches the console only if the level is below
/// the console level.
void LogAt(uint8_t level, const char* tag, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

/// Writes formatted text with no tag and no newline (for tables and dumps);
/// the buffer keeps each finished line as a record.
void Print(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

/// Stops the kernel: prints (and stores, if the buffer's lock can be had)
/// "KERNEL PANIC: <message>" and then, by default,
/// ends the machine (QEMU exits with status 3 via isa-debug-exit; real
/// hardware halts). With SetPanicHalts(true) (kernel option `panic=halt`) the
/// CPU halts instead, so a debugger can inspect the machine.
[[noreturn]] void Panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void SetPanicHalts(bool halt);

/// Exit status the machine ends with after a panic.
inline constexpr int kPanicExitCode = 3;

}  // namespace klog
