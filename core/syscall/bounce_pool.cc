#include "core/syscall/bounce_pool.h"

#include "core/sync/spin_lock.h"
#include "kstd/new.h"

namespace core::syscall {
namespace {

SpinLock g_lock;
uint8_t* g_buffers[kBounceBuffers];  // guarded by g_lock; null until first lent
bool g_lent[kBounceBuffers];         // guarded by g_lock

}  // namespace

BounceBuffer::BounceBuffer(size_t wanted, uint8_t* fallback, size_t fallback_size)
    : data_(fallback), size_(fallback_size) {
  if (wanted <= fallback_size) return;
  int slot = -1;
  {
    SpinLockGuard guard(g_lock);
    for (size_t i = 0; i < kBounceBuffers; ++i) {
      if (!g_lent[i]) {
        g_lent[i] = true;
        slot = static_cast<int>(i);
        break;
      }
    }
  }
  if (slot < 0) return;
  // Allocated outside the lock (the heap may zero pages); only the holder of
  // the slot touches the pointer until it is set.
  uint8_t* buffer = __atomic_load_n(&g_buffers[slot], __ATOMIC_ACQUIRE);
  if (buffer == nullptr) {
    buffer = new (kstd::nothrow) uint8_t[kBounceBytes];
    if (buffer == nullptr) {
      SpinLockGuard guard(g_lock);
      g_lent[slot] = false;
      return;
    }
    __atomic_store_n(&g_buffers[slot], buffer, __ATOMIC_RELEASE);
  }
  data_ = buffer;
  size_ = kBounceBytes;
  slot_ = slot;
}

BounceBuffer::~BounceBuffer() {
  if (slot_ < 0) return;
  SpinLockGuard guard(g_lock);
  g_lent[slot_] = false;
}

size_t BounceBuffersInUse() {
  SpinLockGuard guard(g_lock);
  size_t n = 0;
  for (bool lent : g_lent) n += lent;
  return n;
}

}  // namespace core::syscall
