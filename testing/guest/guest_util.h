#pragma once

// Small helpers shared by the in-guest test and benchmark programs
// (coretest, corebench, the helper modules): raw Linux system calls that
// return -errno instead of touching errno, sleeping, and extra user threads.
//
// Threads started here begin with no TLS (fs_base 0), so their code must not
// call into musl (no printf, no errno-setting wrappers): only the raw calls
// below and tessera::sys::*.

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/errno.h"
#include "abi/linux/mman.h"
#include "abi/linux/time.h"
#include "abi/tessera/linux_syscalls.h"
#include "abi/tessera/native.h"
#include "lib/tessera/syscalls.h"

namespace guest {

/// One raw `syscall` instruction: the result register as is (-errno on error).
inline int64_t Syscall(uint64_t n, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0, uint64_t d = 0,
                       uint64_t e = 0, uint64_t f = 0) {
  return tessera::sys::internal::Raw(n, a, b, c, d, e, f);
}

template <typename T>
inline uint64_t Addr(T* p) {
  return reinterpret_cast<uint64_t>(p);
}

/// nanosleep for `ns` nanoseconds; returns the raw result.
inline int64_t SleepNs(int64_t ns) {
  linux_abi::Timespec ts{ns / 1000000000, ns % 1000000000};
  return Syscall(tessera::kNrLinuxNanosleep, Addr(&ts), 0);
}

/// Anonymous private read-write memory, or nullptr.
inline void* MapAnon(size_t bytes) {
  int64_t r =
      Syscall(tessera::kNrLinuxMmap, 0, bytes, linux_abi::kProtRead | linux_abi::kProtWrite,
              linux_abi::kMapPrivate | linux_abi::kMapAnonymous, static_cast<uint64_t>(-1), 0);
  return r < 0 ? nullptr : reinterpret_cast<void*>(r);
}

inline int64_t Unmap(void* p, size_t bytes) {
  return Syscall(tessera::kNrLinuxMunmap, Addr(p), bytes);
}

/// The entry of a thread started by StartThread: called with `arg`; it must
/// end with tessera::sys::ThreadExit() (there is no caller to return to).
using ThreadEntry = void (*)(uint64_t arg);

inline constexpr size_t kThreadStackBytes = 64 * 1024;

/// Starts `entry(arg)` on a new thread of this process with a fresh
/// kThreadStackBytes stack (returned in *stack; unmap it once the thread is
/// gone). Returns the thread id or -errno.
inline int64_t StartThread(ThreadEntry entry, uint64_t arg, void** stack) {
  void* s = MapAnon(kThreadStackBytes);
  if (s == nullptr) return -linux_abi::kENOMEM;
  *stack = s;
  uint64_t top = Addr(s) + kThreadStackBytes;
  int64_t r = tessera::sys::ThreadCreate(reinterpret_cast<uint64_t>(entry), top, arg);
  if (r < 0) {
    Unmap(s, kThreadStackBytes);
    *stack = nullptr;
  }
  return r;
}

/// Ends the calling thread.
[[noreturn]] inline void ExitThread() {
  tessera::sys::ThreadExit();
  __builtin_unreachable();
}

/// A deadline `ns` nanoseconds from now (absolute CLOCK_MONOTONIC ns).
inline int64_t DeadlineIn(int64_t ns) { return tessera::sys::ClockMonotonic() + ns; }

}  // namespace guest
