#include "core/sched/thread.h"

#include "core/kernel/memory.h"
#include "core/sched/scheduler.h"
#include "hal/memory.h"
#include "kstd/new.h"
#include "kstd/string.h"

namespace core::sched {
namespace {

uint64_t g_next_tid = 1;
constexpr uint64_t kStackPages = Thread::kKernelStackSize / 4096;

}  // namespace

void ThreadTrampoline(void* arg);

Thread::Thread(const char* name, Process* process, int priority)
    : KernelObject(ObjectType::kThread),
      tid_(__atomic_fetch_add(&g_next_tid, 1, __ATOMIC_RELAXED)),
      process_(process) {
  kstd::CopyString(name_, sizeof name_, name);
  entry_.priority = priority;
  slice_left_ = kTimeSliceTicks;
}

Thread::~Thread() {
  delete owner_state_;
  if (stack_ != 0) {
    uint64_t phys =
        reinterpret_cast<uint64_t>(stack_) - reinterpret_cast<uint64_t>(hal::PhysToVirt(0));
    (void)Pmm().FreeRun(phys, kStackPages);
  }
}

kstd::Result<kstd::RefPtr<Thread>> Thread::Create(const char* name, Process* process,
                                                  void (*entry)(void*), void* arg, int priority) {
  if (priority <= kPriorityIdle || priority >= kPriorityCount) return kstd::Error::kInvalid;
  kstd::RefPtr<Thread> t = kstd::AdoptRef(new (kstd::nothrow) Thread(name, process, priority));
  if (!t) return kstd::Error::kNoMemory;
  uint64_t phys = TRY(Pmm().AllocRun(kStackPages));
  t->stack_ = reinterpret_cast<uintptr_t>(hal::PhysToVirt(phys));
  // Cleared like every page the kernel hands out (see PmmPageSource).
  __builtin_memset(reinterpret_cast<void*>(t->stack_), 0, kKernelStackSize);
  t->entry_fn_ = entry;
  t->entry_arg_ = arg;
  hal::InitThreadContext(&t->context_, t->stack_, kKernelStackSize, ThreadTrampoline, t.get());
  return t;
}

kstd::Result<kstd::RefPtr<Thread>> Thread::CreateIdle(void (*loop)(void*)) {
  kstd::RefPtr<Thread> t = TRY(Create("idle", nullptr, loop, nullptr, kPriorityLow));
  t->entry_.priority = kPriorityIdle;
  return t;
}

Thread* Thread::AdoptBoot(const char* name, uintptr_t stack_base, size_t stack_size) {
  Thread* t = new (kstd::nothrow) Thread(name, nullptr, kPriorityDefault);
  if (t == nullptr) return nullptr;
  hal::AdoptBootThread(&t->context_, stack_base, stack_size);
  t->state_ = ThreadState::kRunning;
  return t;
}

}  // namespace core::sched
