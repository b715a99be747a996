#include "klog/log_buffer.h"

#include "hal/cpu.h"

// klog sits below core/sync, so it has its own lock, annotated with the same
// clang attributes as core/sync/thread_annotations.h spells them.
#if defined(__clang__)
#define KLOG_TS(x) __attribute__((x))
#else
#define KLOG_TS(x)
#endif

namespace klog {
namespace {

// A spin lock taken with interrupts off (as core::SpinLock).
class KLOG_TS(capability("spinlock")) BufferLock {
 public:
  void Lock() KLOG_TS(acquire_capability()) {
    bool were_enabled = hal::SaveAndDisableInterrupts();
    while (__atomic_exchange_n(&locked_, true, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
    interrupts_were_enabled_ = were_enabled;
  }
  // For writers, who may run in an exception or panic report that
  // interrupted a holder on this very CPU: gives up after a while (far longer
  // than any holder keeps it) rather than deadlock. Interrupts stay as they
  // were when it fails.
  bool TryLockBounded() KLOG_TS(try_acquire_capability(true)) {
    bool were_enabled = hal::SaveAndDisableInterrupts();
    for (int i = 0; i < 1000000; ++i) {
      if (!__atomic_exchange_n(&locked_, true, __ATOMIC_ACQUIRE)) {
        interrupts_were_enabled_ = were_enabled;
        return true;
      }
      __builtin_ia32_pause();
    }
    hal::RestoreInterrupts(were_enabled);
    return false;
  }
  // Whether the holder took the lock with interrupts enabled (so it holds no
  // other spin lock and is no interrupt handler).
  bool interrupts_were_enabled() const { return interrupts_were_enabled_; }
  void Unlock() KLOG_TS(release_capability()) {
    bool were_enabled = interrupts_were_enabled_;
    __atomic_store_n(&locked_, false, __ATOMIC_RELEASE);
    hal::RestoreInterrupts(were_enabled);
  }

 private:
  bool locked_ = false;
  bool interrupts_were_enabled_ = false;
};

class KLOG_TS(scoped_lockable) Guard {
 public:
  explicit Guard(BufferLock& lock) KLOG_TS(acquire_capability(lock)) : lock_(lock) { lock_.Lock(); }
  ~Guard() KLOG_TS(release_capability()) { lock_.Unlock(); }

 private:
  BufferLock& lock_;
};

constexpr size_t kPendingMax = 512;

BufferLock g_lock;
RecordRing::Slot g_slots[kBufferRecords];
char g_text[kBufferBytes];
constinit RecordRing g_ring KLOG_TS(guarded_by(g_lock)){g_slots, kBufferRecords, g_text,
                                                        kBufferBytes};
// Print's unfinished line.
char g_pending[kPendingMax];
size_t g_pending_length KLOG_TS(guarded_by(g_lock)) = 0;

uint64_t (*g_clock)() = nullptr;
void (*g_hook)() = nullptr;
int g_console_level = kDefaultConsoleLevel;  // atomic
int g_saved_console_level = -1;              // atomic; -1: none saved

uint64_t NowMicros() {
  uint64_t (*clock)() = __atomic_load_n(&g_clock, __ATOMIC_ACQUIRE);
  return clock == nullptr ? 0 : clock() / 1000;
}

// Runs the append hook, but only for a caller that had interrupts enabled:
// one with them off may hold a spin lock (the scheduler's, an object's) or be
// an interrupt or exception handler, and the hook wakes threads. Readers see
// such records at their next read or wake-up (they re-check periodically).
void RunHook(bool interrupts_were_enabled) {
  if (!interrupts_were_enabled) return;
  void (*hook)() = __atomic_load_n(&g_hook, __ATOMIC_ACQUIRE);
  if (hook != nullptr) hook();
}

// Makes the unfinished Print line a record of its own.
void FlushPendingLocked(uint64_t usec) KLOG_TS(requires_capability(g_lock)) {
  if (g_pending_length == 0) return;
  g_ring.Append(usec, kFacilityKernel, kLevelInfo, g_pending, g_pending_length);
  g_pending_length = 0;
}

}  // namespace

uint64_t StoreRecord(uint8_t facility, uint8_t level, const char* text, size_t length,
                     bool from_panic) {
  uint64_t usec = NowMicros();
  if (!g_lock.TryLockBounded()) return 0;  // the line still reaches the console
  bool can_wake = g_lock.interrupts_were_enabled() && !from_panic;
  FlushPendingLocked(usec);
  uint64_t seq = g_ring.Append(usec, facility, level, text, length);
  g_lock.Unlock();
  RunHook(can_wake);
  return seq;
}

void StorePrintText(const char* text, size_t length) {
  uint64_t usec = NowMicros();
  if (!g_lock.TryLockBounded()) return;
  bool can_wake = g_lock.interrupts_were_enabled();
  bool stored = false;
  for (size_t i = 0; i < length; ++i) {
    if (text[i] == '\n' || g_pending_length == kPendingMax) {
      g_ring.Append(usec, kFacilityKernel, kLevelInfo, g_pending, g_pending_length);
      g_pending_length = 0;
      stored = true;
      if (text[i] == '\n') continue;
    }
    g_pending[g_pending_length++] = text[i];
  }
  g_lock.Unlock();
  if (stored) RunHook(can_wake);
}

bool ReadRecord(uint64_t seq, RecordInfo* info, char* text, size_t capacity) {
  Guard guard(g_lock);
  return g_ring.Read(seq, info, text, capacity);
}

uint64_t FirstSeq() {
  Guard guard(g_lock);
  return g_ring.first_seq();
}

uint64_t NextSeq() {
  Guard guard(g_lock);
  return g_ring.next_seq();
}

uint64_t ClearSeq() {
  Guard guard(g_lock);
  return g_ring.clear_seq();
}

void ClearBuffer(uint64_t seq) {
  Guard guard(g_lock);
  g_ring.ClearTo(seq);
}

bool ShouldPrint(uint8_t level) { return level < ConsoleLevel(); }

int ConsoleLevel() { return __atomic_load_n(&g_console_level, __ATOMIC_RELAXED); }

void SetConsoleLevel(int level) {
  if (level < kMinimumConsoleLevel) level = kMinimumConsoleLevel;
  if (level > 8) level = 8;
  __atomic_store_n(&g_console_level, level, __ATOMIC_RELAXED);
  __atomic_store_n(&g_saved_console_level, -1, __ATOMIC_RELAXED);
}

void ConsoleOff() {
  int none = -1;
  __atomic_compare_exchange_n(&g_saved_console_level, &none, ConsoleLevel(), false,
                              __ATOMIC_RELAXED, __ATOMIC_RELAXED);
  __atomic_store_n(&g_console_level, kMinimumConsoleLevel, __ATOMIC_RELAXED);
}

void ConsoleOn() {
  int saved = __atomic_exchange_n(&g_saved_console_level, -1, __ATOMIC_RELAXED);
  if (saved != -1) __atomic_store_n(&g_console_level, saved, __ATOMIC_RELAXED);
}

void SetClock(uint64_t (*nanos)()) { __atomic_store_n(&g_clock, nanos, __ATOMIC_RELEASE); }

void SetAppendHook(void (*hook)()) { __atomic_store_n(&g_hook, hook, __ATOMIC_RELEASE); }

void ResetBufferForTest() {
  {
    Guard guard(g_lock);
    g_ring.Reset();
    g_pending_length = 0;
  }
  __atomic_store_n(&g_console_level, kDefaultConsoleLevel, __ATOMIC_RELAXED);
  __atomic_store_n(&g_saved_console_level, -1, __ATOMIC_RELAXED);
}

}  // namespace klog
