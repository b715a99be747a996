#include "core/syscall/dispatch.h"

#include "core/kernel/log.h"
#include "core/proc/process.h"
#include "core/sched/scheduler.h"
#include "core/syscall/handlers.h"
#include "core/unsupported/refusals.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

using Thunk = kstd::Result<uint64_t> (*)(const uint64_t* args);

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
kstd::Result<uint64_t> Apply(kstd::Result<uint64_t> (*fn)(P...), const uint64_t* a,
                             kstd::IndexSequence<I...>) {
  return fn(FromWord<P>::Get(a[I])...);
}

template <auto Fn>
struct MakeThunk;
template <typename... P, kstd::Result<uint64_t> (*Fn)(P...)>
struct MakeThunk<Fn> {
  static kstd::Result<uint64_t> Call(const uint64_t* a) {
    return Apply(Fn, a, kstd::MakeIndexSequence<sizeof...(P)>());
  }
};

// One row of the tables: the handler, its name for the trace, and what its
// EINTR becomes (the Linux table's `eintr` column; native calls keep EINTR).
struct Call {
  Thunk thunk = nullptr;
  const char* name = nullptr;
  kstd::Error eintr = kstd::Error::kInterrupted;
};

constexpr uint64_t kNativeCount = tessera::kNativeEnd - tessera::kNativeBase;

struct Tables {
  Call linux_calls[kTrackedNumbers] = {};
  Call native_calls[kNativeCount] = {};
  constexpr Tables() {
#define TESSERA_LINUX_ENTRY(number, Name, eintr, params, args) \
  linux_calls[number] = Call{&MakeThunk<&Sys##Name>::Call, #Name, kstd::Error::eintr};
    TESSERA_LINUX_SYSCALLS(TESSERA_LINUX_ENTRY)
#undef TESSERA_LINUX_ENTRY
#define TESSERA_NATIVE_ENTRY(number, Name, params, args) \
  native_calls[(number)-tessera::kNativeBase] =          \
      Call{&MakeThunk<&Sys##Name>::Call, #Name, kstd::Error::kInterrupted};
    TESSERA_NATIVE_SYSCALLS(TESSERA_NATIVE_ENTRY)
#undef TESSERA_NATIVE_ENTRY
  }
};

constexpr Tables kTables;

// The row of `number`, or null for a number neither table has.
const Call* Find(uint64_t number) {
  const Call* call = nullptr;
  if (number < kTrackedNumbers) {
    call = &kTables.linux_calls[number];
  } else if (number >= tessera::kNativeBase && number < tessera::kNativeEnd) {
    call = &kTables.native_calls[number - tessera::kNativeBase];
  }
  return call != nullptr && call->thunk != nullptr ? call : nullptr;
}

// The register value of a result: the value as it is, or -errno.
int64_t ToRegister(const kstd::Result<uint64_t>& r) {
  return r.is_error() ? -static_cast<int64_t>(r.error()) : static_cast<int64_t>(r.value());
}

bool g_trace = false;

constexpr int64_t kEnosys = -38;

}  // namespace

void Dispatch(hal::UserFrame* frame) {
  uint64_t number = hal::SyscallNumber(frame);
  uint64_t args[6];
  for (int i = 0; i < 6; ++i) args[i] = hal::SyscallArg(frame, i);
  const Call* call = Find(number);
  if (call == nullptr) {
    if (g_trace) Log("strace", "unsupported syscall %lu = -ENOSYS", number);
    NoteUnknownSyscall(number);
    hal::SetSyscallResult(frame, kEnosys);
    return;
  }
  kstd::Result<uint64_t> result = call->thunk(args);
  if (g_trace) {
    Process* p = sched::Current()->process();
    Log("strace", "%lu %s %s(%lx, %lx, %lx, %lx) = %ld", p != nullptr ? p->pid() : 0,
        p != nullptr ? p->name() : "?", call->name, args[0], args[1], args[2], args[3],
        ToRegister(result));
  }
  // An interrupted call becomes Linux's restart code for it (see the table).
  if (result.is_error() && result.error() == kstd::Error::kInterrupted) result = call->eintr;
  hal::SetSyscallResult(frame, ToRegister(result));
}

void SetTrace(bool on) { g_trace = on; }

const char* SyscallName(uint64_t number) {
  const Call* call = Find(number);
  return call != nullptr ? call->name : "?";
}

}  // namespace core::syscall
