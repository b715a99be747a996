#include "core/unsupported/refusals.h"

#include "core/sync/spin_lock.h"

namespace core {
namespace {

SpinLock g_lock;
Refusal g_rows[kMaxRefusals] GUARDED_BY(g_lock);
size_t g_used GUARDED_BY(g_lock) = 0;
uint64_t g_overflow GUARDED_BY(g_lock) = 0;
uint64_t g_unknown[kTrackedNumbers + 1];  // atomic counters

bool SameText(const char* a, const char* b) {
  if (a == b) return true;
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

}  // namespace

kstd::Error Refuse(const char* call, const char* what, uint64_t value, kstd::Error error) {
  SpinLockGuard guard(g_lock);
  for (size_t i = 0; i < g_used; ++i) {
    Refusal& row = g_rows[i];
    if (row.value == value && SameText(row.call, call) && SameText(row.what, what)) {
      ++row.count;
      return error;
    }
  }
  if (g_used < kMaxRefusals) {
    g_rows[g_used++] = Refusal{call, what, value, 1};
  } else {
    ++g_overflow;
  }
  return error;
}

size_t ListRefusals(Refusal* out, size_t max, uint64_t* overflow) {
  SpinLockGuard guard(g_lock);
  size_t n = g_used < max ? g_used : max;
  for (size_t i = 0; i < n; ++i) out[i] = g_rows[i];
  if (overflow != nullptr) *overflow = g_overflow;
  return n;
}

void ResetRefusalsForTest() {
  SpinLockGuard guard(g_lock);
  g_used = 0;
  g_overflow = 0;
}

void NoteUnknownSyscall(uint64_t number) {
  __atomic_fetch_add(&g_unknown[number < kTrackedNumbers ? number : kTrackedNumbers], 1,
                     __ATOMIC_RELAXED);
}

uint64_t UnsupportedCount(uint64_t number) {
  return __atomic_load_n(&g_unknown[number < kTrackedNumbers ? number : kTrackedNumbers],
                         __ATOMIC_RELAXED);
}

}  // namespace core
