#pragma once

// printf-style formatting into a caller's buffer, for the kernel log and panic
// messages. Freestanding (no libc) and host-testable.
//
// Supported: %s %c %d %i %u %x %X %p %% with flags '0' and '-', a width, and
// the length modifiers l, ll, z. A null %s prints "(null)". Anything else is
// printed literally, so a bad format string cannot read arbitrary arguments.

#include <stdarg.h>
#include <stddef.h>

namespace klog {

/// Formats into buf (always NUL-terminated when size > 0). Returns the number
/// of characters the full result needs, excluding the NUL (like vsnprintf).
size_t FormatV(char* buf, size_t size, const char* fmt, va_list args);
size_t Format(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

}  // namespace klog
