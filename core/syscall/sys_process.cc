// Native calls on processes and threads, and the monotonic clock.

#include "core/console/console.h"
#include "core/kernel/log.h"
#include "core/proc/spawn.h"
#include "core/syscall/sys_common.h"
#include "core/vm/vm_aspace.h"
#include "core/vm/vm_object.h"
#include "hal/timer.h"
#include "kstd/new.h"

namespace core::syscall {
namespace {

constexpr Rights kProcessRights = kRightsBasic | kRightRead | kRightManage;
constexpr size_t kMaxArgString = 4096;
constexpr size_t kMaxArgBytes = 128 * 1024;

// Kernel copies of a spawn's strings, in one buffer.
class StringArena {
 public:
  ~StringArena() { delete[] buffer_; }
  bool Init() {
    buffer_ = new (kstd::nothrow) char[kMaxArgBytes];
    return buffer_ != nullptr;
  }
  // Copies a user string; returns the kernel copy. Errors: kFault,
  // kNameTooLong, kTooBig.
  kstd::Result<const char*> Copy(uint64_t user) {
    size_t room = kMaxArgBytes - used_;
    if (room == 0) return kstd::Error::kTooBig;
    size_t max = kstd::Min(room - 1, kMaxArgString);
    size_t len = TRY(CopyStringIn(user, buffer_ + used_, max));
    const char* s = buffer_ + used_;
    used_ += len + 1;
    return s;
  }

 private:
  char* buffer_ = nullptr;
  size_t used_ = 0;
};

}  // namespace

kstd::Result<uint64_t> SysProcessSpawn(UserPtr<const tessera::SpawnArgs> user_args) {
  tessera::SpawnArgs args;
  TRY(user_args.CopyIn(&args));
  if (args.argc > tessera::kMaxSpawnArgs || args.num_handles > tessera::kMaxMessageHandles) {
    return kstd::Error::kInvalid;
  }
  Process* self = CurrentProcess();
  HandleTable& table = self->handles();
  auto exe = TRY(table.GetTyped<vm::VmObject>(args.executable, ObjectType::kVmObject,
                                              kRightRead | kRightExecute));

  StringArena arena;
  if (!arena.Init()) return kstd::Error::kNoMemory;
  const char* argv[tessera::kMaxSpawnArgs];
  for (uint32_t i = 0; i < args.argc; ++i) {
    uint64_t p;
    if (UserPtr<uint64_t>(reinterpret_cast<uint64_t>(args.argv) + 8 * i).CopyIn(&p).is_error()) {
      return kstd::Error::kFault;
    }
    auto s = TRY(arena.Copy(p));
    argv[i] = s;
  }
  char name[Process::kNameMax];
  if (args.name == nullptr) {
    name[0] = '\0';
  } else if (CopyStringIn(reinterpret_cast<uint64_t>(args.name), name, sizeof name - 1)
                 .is_error()) {
    return kstd::Error::kFault;
  }
  const char* names[tessera::kMaxMessageHandles];
  tessera::handle_t values[tessera::kMaxMessageHandles];
  if (args.num_handles > 0 &&
      UserPtr<const tessera::handle_t>(reinterpret_cast<uint64_t>(args.handles))
          .CopyIn(values, args.num_handles)
          .is_error()) {
    return kstd::Error::kFault;
  }
  for (uint32_t i = 0; i < args.num_handles; ++i) {
    names[i] = "";
    if (args.handle_names != nullptr) {
      uint64_t p;
      if (UserPtr<uint64_t>(reinterpret_cast<uint64_t>(args.handle_names) + 8 * i)
              .CopyIn(&p)
              .is_error()) {
        return kstd::Error::kFault;
      }
      auto s = TRY(arena.Copy(p));
      names[i] = s;
    }
    for (uint32_t j = 0; j < i; ++j) {
      if (values[j] == values[i]) return kstd::Error::kInvalid;
    }
    TRY(table.Get(values[i], kRightTransfer));
  }
  // Past validation: move the handles out of the caller's table.
  Handle moved[tessera::kMaxMessageHandles];
  for (uint32_t i = 0; i < args.num_handles; ++i) {
    auto removed = TRY(table.Remove(values[i], kRightTransfer));
    moved[i] = kstd::Move(removed);
  }

  auto console = TRY(console::OpenConsole());

  SpawnRequest request;
  request.name = name[0] != '\0' ? name : (args.argc > 0 ? argv[0] : "?");
  request.executable = exe;
  request.argv = kstd::Span<const char* const>(argv, args.argc);
  request.handles = kstd::Span<Handle>(moved, args.num_handles);
  request.handle_names = kstd::Span<const char* const>(names, args.num_handles);
  request.parent_pid = self->pid();
  request.credentials = self->credentials();
  request.stdio = kstd::Move(console);
  const char* why = nullptr;
  auto child = Spawn(request, &why);
  if (child.is_error()) {
    Log("proc", "pid %lu (%s): spawn of \"%s\" failed: %s%s%s", self->pid(), self->name(),
        request.name, kstd::ErrorName(child.error()), why ? ": " : "", why ? why : "");
    return child.error();
  }
  child.value()->set_auto_reap(true);
  if (child.value()->terminated()) child.value()->Reap();
  auto h = table.Add(child.value(), kProcessRights);
  if (h.is_error()) {
    child.value()->Kill(9);  // SIGKILL: nobody could ever manage it
    return h.error();
  }
  return h.value();
}

kstd::Result<uint64_t> SysProcessKill(tessera::handle_t process, int32_t code) {
  auto p = TRY(
      CurrentProcess()->handles().GetTyped<Process>(process, ObjectType::kProcess, kRightManage));
  // A kill from another process reads as "killed by SIGKILL" unless a code is given.
  p->Kill(code == 0 ? 9 : (code & 0xFF) << 8);
  return 0;
}

kstd::Result<uint64_t> SysProcessExitCode(tessera::handle_t process) {
  auto p =
      TRY(CurrentProcess()->handles().GetTyped<Process>(process, ObjectType::kProcess, kRightRead));
  if (!p->terminated()) return kstd::Error::kAgain;
  return p->wait_status();  // a wait status: >= 0
}

kstd::Result<uint64_t> SysProcessStats(tessera::handle_t process,
                                       UserPtr<tessera::ProcessStats> out) {
  kstd::RefPtr<Process> p;
  if (process == tessera::kInvalidHandle) {
    p = kstd::RefPtr<Process>::FromRaw(CurrentProcess());
  } else {
    auto got = TRY(
        CurrentProcess()->handles().GetTyped<Process>(process, ObjectType::kProcess, kRightRead));
    p = got;
  }
  ProcessCounters& c = p->counters();
  tessera::ProcessStats s{};
  s.pid = p->pid();
  s.cpu_time_ns = p->cpu_ticks() * (1'000'000'000ULL / sched::kTickHz);
  s.syscalls = __atomic_load_n(&c.syscalls, __ATOMIC_RELAXED);
  s.ipc_messages_sent = c.ipc_messages_sent;
  s.ipc_bytes_sent = c.ipc_bytes_sent;
  s.ipc_messages_received = c.ipc_messages_received;
  s.ipc_bytes_received = c.ipc_bytes_received;
  s.resident_pages = p->aspace() != nullptr ? p->aspace()->resident_pages() : 0;
  s.threads = p->live_threads();
  s.handles = p->handles().count();
  TRY(out.CopyOut(&s));
  return 0;
}

kstd::Result<uint64_t> SysThreadCreate(uint64_t entry, uint64_t stack_top, uint64_t arg) {
  if (entry >= hal::UserAddressLimit() || stack_top >= hal::UserAddressLimit() ||
      (stack_top & 15) != 0) {
    return kstd::Error::kInvalid;
  }
  Process* self = CurrentProcess();
  // The new thread starts as if called: rsp % 16 == 8 at its first instruction.
  auto t = TRY(self->StartUserThread(self->name(), entry, stack_top - 8, arg));
  return t->tid();
}

kstd::Result<uint64_t> SysThreadExit() { ExitCurrentThread(); }

kstd::Result<uint64_t> SysClockMonotonic() { return hal::MonotonicNanos(); }

}  // namespace core::syscall
