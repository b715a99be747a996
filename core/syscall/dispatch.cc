#include "core/syscall/dispatch.h"

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
uint64_t g_unsupported[kTrackedNumbers + 1];

constexpr int64_t kEnosys = -38;

}  // namespace

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
    __atomic_fetch_add(&g_unsupported[number < kTrackedNumbers ? number : kTrackedNumbers], 1,
                       __ATOMIC_RELAXED);
    hal::SetSyscallResult(frame, kEnosys);
    return;
  }
  hal::SetSyscallResult(frame, thunk(args));
}

uint64_t UnsupportedCount(uint64_t number) {
  return __atomic_load_n(&g_unsupported[number < kTrackedNumbers ? number : kTrackedNumbers],
                         __ATOMIC_RELAXED);
}

}  // namespace core::syscall
