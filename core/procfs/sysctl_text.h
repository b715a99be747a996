#pragma once

// The text of /proc/sys files, as Linux reads and writes it (pure, host-
// tested): integer vectors parsed as proc_dointvec_minmax parses a write
// (optional spaces, an optional '-', a number in C's bases (0x.., 0..,
// decimal), each followed by a space, tab, newline or the end; anything else
// is EINVAL, as is a value outside [min, max] or no value at all) and
// strings as proc_dostring takes them (up to the first newline or NUL,
// cut to the field's size).

#include <stddef.h>
#include <stdint.h>

#include "kstd/result.h"
#include "kstd/span.h"

namespace core::procfs {

/// Parses up to `out.size()` integers from `in`, each in [min, max]; the
/// values parsed go to out[0..n) and `*count` = n (at least 1). Returns the
/// bytes used (Linux's write count: trailing spaces included, anything
/// after the last value wanted left over). Errors: kInvalid.
kstd::Result<size_t> ParseIntVector(kstd::Span<const uint8_t> in, int64_t min, int64_t max,
                                    kstd::Span<int64_t> out, size_t* count);

/// A string write at `offset` into `field` (a NUL-terminated string of at
/// most field.size() - 1 bytes): the text up to the first newline or NUL
/// replaces the field from `offset` on (Linux's strict mode: a write past
/// the current end does nothing). Returns the bytes consumed (all of `in`).
size_t WriteString(kstd::Span<char> field, uint64_t offset, kstd::Span<const uint8_t> in);

/// A version 4 random UUID from 16 random bytes, as Linux's
/// /proc/sys/kernel/random/uuid shows it ("xxxxxxxx-xxxx-4xxx-yxxx-
/// xxxxxxxxxxxx", lowercase, no newline) into `out` (37 bytes with the NUL).
void FormatUuid(const uint8_t random[16], char out[37]);

}  // namespace core::procfs
