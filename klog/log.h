#pragma once

// The kernel log: formatted lines to the HAL console. Every line starts with a
// subsystem tag, e.g. Log("mm", "%zu MiB free", n) prints "[mm] 12 MiB free".
// Used by the HAL's backends and (as core::Log, core/kernel/log.h) by core.

namespace klog {

/// Formats and writes one log line (a newline is appended). Lines longer than
/// 512 bytes are truncated. Safe with interrupts disabled.
void Log(const char* tag, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

/// Writes formatted text with no tag and no newline (for tables and dumps).
void Print(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

/// Stops the kernel: prints "KERNEL PANIC: <message>" and then, by default,
/// ends the machine (QEMU exits with status 3 via isa-debug-exit; real
/// hardware halts). With SetPanicHalts(true) (kernel option `panic=halt`) the
/// CPU halts instead, so a debugger can inspect the machine.
[[noreturn]] void Panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void SetPanicHalts(bool halt);

/// Exit status the machine ends with after a panic.
inline constexpr int kPanicExitCode = 3;

}  // namespace klog
