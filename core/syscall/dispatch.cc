#include "core/syscall/dispatch.h"

#include "abi/linux/errno.h"
#include "core/kernel/log.h"
#include "core/proc/process.h"
#include "core/sched/scheduler.h"
#include "core/syscall/handlers.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

using Thunk = int64_t (*)(const uint64_t* args);

// Turns a raw register into a handler parameter.
template <typename T>
struct FromWord {
  static T Get(uint64_t w) { return static_cast<T>(w); }
};
template <typename T>
struct FromWord<UserPtr<T>> {
  static UserPtr<T> Get(uint64_t w) { return UserPtr<T>(w); }
};

template <typename... P, size_t... I>
int64_t Apply(int64_t (*fn)(P...), const uint64_t* a, kstd::IndexSequence<I...>) {
  return fn(FromWord<P>::Get(a[I])...);
}

template <auto Fn>
struct MakeThunk;
template <typename... P, int64_t (*Fn)(P...)>
struct MakeThunk<Fn> {
  static int64_t Call(const uint64_t* a) { return Apply(Fn, a, kstd::MakeIndexSequence<sizeof...(P)>()); }
};

constexpr uint64_t kNativeCount = tessera::kNativeEnd - tessera::kNativeBase;

struct Tables {
  Thunk linux_calls[kTrackedNumbers] = {};
  Thunk native_calls[kNativeCount] = {};
  constexpr Tables() {
#define TESSERA_LINUX_ENTRY(number, Name, params, args) \
  linux_calls[number] = &MakeThunk<&Sys##Name>::Call;
    TESSERA_LINUX_SYSCALLS(TESSERA_LINUX_ENTRY)
#undef TESSERA_LINUX_ENTRY
#define TESSERA_NATIVE_ENTRY(number, Name, params, args) \
  native_calls[(number) - tessera::kNativeBase] = &MakeThunk<&Sys##Name>::Call;
    TESSERA_NATIVE_SYSCALLS(TESSERA_NATIVE_ENTRY)
#undef TESSERA_NATIVE_ENTRY
  }
};

constexpr Tables kTables;

// Names for the trace, generated from the same tables.
const char* NameOf(uint64_t number) {
  switch (number) {
#define TESSERA_NAME(num, Name, params, args) \
  case num:                                   \
    return #Name;
    TESSERA_LINUX_SYSCALLS(TESSERA_NAME)
    TESSERA_NATIVE_SYSCALLS(TESSERA_NAME)
#undef TESSERA_NAME
    default:
      return "?";
  }
}

bool g_trace = false;
uint64_t g_unsupported[kTrackedNumbers + 1];

}  // namespace

// Linux's choice of what an interrupted blocking call returns (see
// core/posix/README.md): restarted under SA_RESTART (ERESTARTSYS), or
// restarted only when no handler runs (ERESTARTNOHAND). Others: EINTR.
int64_t RestartCodeFor(uint64_t number) {
  switch (number) {
    case 0:    // read
    case 1:    // write
    case 19:   // readv
    case 20:   // writev
    case 61:   // wait4
      return -512;  // ERESTARTSYS
    case 7:    // poll
    case 23:   // select
    case 35:   // nanosleep (restarted with its full time: see the README)
    case 230:  // clock_nanosleep
    case 270:  // pselect6
    case 271:  // ppoll
      return -514;  // ERESTARTNOHAND
    default:
      return 0;
  }
}

void Dispatch(hal::UserFrame* frame) {
  uint64_t number = hal::SyscallNumber(frame);
  uint64_t args[6];
  for (int i = 0; i < 6; ++i) args[i] = hal::SyscallArg(frame, i);
  Thunk thunk = nullptr;
  if (number < kTrackedNumbers) {
    thunk = kTables.linux_calls[number];
  } else if (number >= tessera::kNativeBase && number < tessera::kNativeEnd) {
    thunk = kTables.native_calls[number - tessera::kNativeBase];
  }
  if (thunk == nullptr) {
    if (g_trace) Log("strace", "unsupported syscall %lu = -ENOSYS", number);
    __atomic_fetch_add(&g_unsupported[number < kTrackedNumbers ? number : kTrackedNumbers], 1,
                       __ATOMIC_RELAXED);
    hal::SetSyscallResult(frame, -linux_abi::kENOSYS);
    return;
  }
  int64_t result = thunk(args);
  if (g_trace) {
    Process* p = sched::Current()->process();
    Log("strace", "%lu %s %s(%lx, %lx, %lx, %lx) = %ld", p != nullptr ? p->pid() : 0,
        p != nullptr ? p->name() : "?", NameOf(number), args[0], args[1], args[2], args[3], result);
  }
  if (result == -linux_abi::kEINTR) {
    int64_t restart = RestartCodeFor(number);
    if (restart != 0) result = restart;
  }
  hal::SetSyscallResult(frame, result);
}

void SetTrace(bool on) { g_trace = on; }

const char* SyscallName(uint64_t number) { return NameOf(number); }

uint64_t UnsupportedCount(uint64_t number) {
  return __atomic_load_n(&g_unsupported[number < kTrackedNumbers ? number : kTrackedNumbers],
                         __ATOMIC_RELAXED);
}

}  // namespace core::syscall
