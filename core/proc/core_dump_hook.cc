#include "core/proc/core_dump_hook.h"

#include "core/sync/spin_lock.h"

namespace core {
namespace {

SpinLock g_lock;
char g_pattern[kCorePatternSize] GUARDED_BY(g_lock) = "core";
bool g_uses_pid = false;
CoreDumper g_dumper = nullptr;

}  // namespace

void GetCorePattern(char (&out)[kCorePatternSize]) {
  SpinLockGuard guard(g_lock);
  __builtin_memcpy(out, g_pattern, sizeof out);
}

void SetCorePattern(const char* pattern, size_t length) {
  if (length > 0 && pattern[length - 1] == '\n') --length;
  if (length >= kCorePatternSize) length = kCorePatternSize - 1;
  SpinLockGuard guard(g_lock);
  __builtin_memcpy(g_pattern, pattern, length);
  g_pattern[length] = '\0';
}

bool CoreUsesPid() { return __atomic_load_n(&g_uses_pid, __ATOMIC_RELAXED); }
void SetCoreUsesPid(bool on) { __atomic_store_n(&g_uses_pid, on, __ATOMIC_RELAXED); }

void SetCoreDumper(CoreDumper dumper) { __atomic_store_n(&g_dumper, dumper, __ATOMIC_RELEASE); }
CoreDumper GetCoreDumper() { return __atomic_load_n(&g_dumper, __ATOMIC_ACQUIRE); }

}  // namespace core
