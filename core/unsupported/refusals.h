#pragma once

// Refusals: the features a system call exists for but Tessera does not
// implement (an unknown flag bit, an unsupported operation or timer), as
// opposed to unknown system calls (counted below, for the dispatcher). Each refusal
// is counted by (call, what, value) since boot and listed in
// /proc/tessera/unsupported, so a program that misbehaves on Tessera shows
// what it asked for. Portable; safe from any thread (not from IRQs).

#include <stddef.h>
#include <stdint.h>

#include "kstd/result.h"

namespace core {

struct Refusal {
  const char* call = nullptr;  // "mmap"; a string literal
  const char* what = nullptr;  // "flags", "op", "which", "cmd": one word, a string literal
  uint64_t value = 0;          // the bits or code refused
  uint64_t count = 0;
};

/// Records one refusal and returns `error` (EINVAL unless told): the handler
/// writes `return Refuse("mremap", "flags", bits);`. When the table is full
/// (kMaxRefusals distinct kinds), the rest are counted as one overflow row.
[[nodiscard]] kstd::Error Refuse(const char* call, const char* what, uint64_t value,
                                 kstd::Error error = kstd::Error::kInvalid);

inline constexpr size_t kMaxRefusals = 64;

/// Copies up to `max` rows (in first-seen order) to `out`; returns how many.
/// `overflow` gets the count that did not fit in the table.
size_t ListRefusals(Refusal* out, size_t max, uint64_t* overflow);

/// For tests: forgets every refusal.
void ResetRefusalsForTest();

// Unknown system calls (no handler in either table: ENOSYS), counted by
// number since boot by the dispatcher (core/syscall).

/// Numbers 0..kTrackedNumbers-1 are counted one by one; all others share the
/// last slot (UnknownSyscallCount(kTrackedNumbers)).
inline constexpr uint64_t kTrackedNumbers = 512;

/// Counts one attempt of the unknown system call `number`.
void NoteUnknownSyscall(uint64_t number);

/// How many times the unknown system call `number` was attempted since boot.
uint64_t UnsupportedCount(uint64_t number);

}  // namespace core
