#include "core/proc/process.h"

#include "core/proc/signals.h"

#include "abi/tessera/native.h"
#include "core/kernel/log.h"
#include "core/kernel/memory.h"
#include "core/proc/interval_timers.h"
#include "core/proc/linux_thread.h"
#include "core/proc/pid_allocator.h"
#include "core/proc/program_image.h"
#include "core/proc/signal_delivery.h"
#include "core/proc/signals.h"
#include "core/proc/thread_exit.h"
#include "core/sched/scheduler.h"
#include "core/vfs/exe_path.h"
#include "core/vfs/kernel_mounts.h"
#include "core/vm/vm_aspace.h"
#include "hal/page_table.h"
#include "hal/thread.h"
#include "hal/timer.h"
#include "hal/tlb.h"
#include "hal/traps.h"
#include "kstd/new.h"
#include "kstd/string.h"

namespace core {
namespace {

// The process table: every process from creation until the kernel forgets it
// (zombies stay until reaped by wait4 in the POSIX personality).
SpinLock g_table_lock;
kstd::IntrusiveList<Process, &Process::table_node_> g_table;
PidAllocator g_pids;                          // kernel.pid_max; ids in use are found in g_table
SessionEndHook g_session_end_hook = nullptr;  // set once at boot
ProcessEndHook g_process_end_hook = nullptr;  // set once at boot

// Whether `id` is a pid, process group, session or thread id of a process
// in the table (zombies included), as Linux keeps a struct pid alive.
// Lock order: the allocator's lock, the table lock, a process's lock.
bool IdInUse(uint64_t id, void*) {
  SpinLockGuard guard(g_table_lock);
  return g_table.FindIf([id](Process* p) {
    if (p->pid() == id || p->pgid() == id || p->sid() == id) return true;
    return p->HasThreadId(id);
  }) != nullptr;
}

// A new id, in flight until this goes out of scope: by then the process or
// thread that holds it is in the table (or was never made).
class NewId {
 public:
  kstd::Result<uint64_t> Take() {
    id_ = TRY(g_pids.Allocate(IdInUse, nullptr));
    return id_;
  }
  ~NewId() {
    if (id_ != 0) g_pids.Commit(id_);
  }

 private:
  uint64_t id_ = 0;
};

// Invalidates user translations after the VM changed an active page table.
void FlushTlb(void*, uint64_t root, const hal::TlbFlush& flush) { hal::FlushTlb(root, flush); }

uint32_t HandleSecret(uint64_t pid) {
  // Mix the TSC and the pid: handle values differ between processes and boots.
  uint64_t x = hal::MonotonicNanos() ^ (pid * 0x9E3779B97F4A7C15ULL);
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 29;
  return static_cast<uint32_t>(x) | 1;
}

// Kernel entry of every user thread: build the user frame at the top of the
// kernel stack and leave for user mode.
void UserThreadStart(void* arg) {
  auto* t = static_cast<sched::Thread*>(arg);
  hal::ThreadContext* c = t->context();
  auto* frame =
      reinterpret_cast<hal::UserFrame*>(c->stack_base + c->stack_size - sizeof(hal::UserFrame));
  if (t->initial_frame_ != nullptr) {
    auto* copy = static_cast<hal::UserFrame*>(t->initial_frame_);
    *frame = *copy;
    t->initial_frame_ = nullptr;
    delete copy;
  } else {
    hal::InitUserFrame(frame, t->user_entry_, t->user_sp_, t->user_arg_);
  }
  // Killed before it first ran (exit_group, execve in another thread): it
  // never reaches user mode.
  if (t->kill_pending_) ExitCurrentThread();
  hal::EnterUserMode(frame);
}

// What /proc/<pid>/exe will show for the program execve ran from `path`:
// its canonical path (null if out of memory or it no longer resolves: then
// there is no exe link).
char* MakeExePath(Process* self, const char* path) {
  Process::FsRoots roots = self->fs_roots();
  if (!roots.mounts) return nullptr;  // exited
  return vfs::ResolveExePath(roots.mounts->mounts(), roots.root.get(), roots.cwd.get(), path);
}

// A new process's pinned-memory budget (abi/tessera/native.h's limits).
kstd::Result<kstd::RefPtr<vm::PinnedQuota>> NewPinnedQuota() {
  return vm::PinnedQuota::Create(&vm::SystemPinnedPool(),
                                 tessera::kPinnedProcessLimitBytes / vm::kPageSize);
}

}  // namespace

void SetSessionEndHook(SessionEndHook hook) { g_session_end_hook = hook; }
void SetProcessEndHook(ProcessEndHook hook) { g_process_end_hook = hook; }

Process::FsRoots Process::fs_roots() const {
  SpinLockGuard guard(fs_lock_);
  return FsRoots{root_.ref(), cwd_.ref(), mnt_ns_};
}

kstd::RefPtr<UtsNamespace> Process::uts_namespace() const {
  SpinLockGuard guard(fs_lock_);
  if (!uts_ns_) return kstd::RefPtr<UtsNamespace>::FromRaw(UtsNamespace::Root());
  return uts_ns_;
}

void Process::SetUtsNamespace(kstd::RefPtr<UtsNamespace> ns) {
  kstd::RefPtr<UtsNamespace> old;
  {
    SpinLockGuard guard(fs_lock_);
    old = kstd::Move(uts_ns_);
    uts_ns_ = kstd::Move(ns);
  }
  // The old one is released here, outside the lock.
}

kstd::RefPtr<vfs::MountNamespace> Process::mount_namespace() const {
  SpinLockGuard guard(fs_lock_);
  return mnt_ns_;
}

void Process::SetMountNamespace(kstd::RefPtr<vfs::MountNamespace> ns) {
  kstd::RefPtr<vfs::MountNamespace> old;
  {
    SpinLockGuard guard(fs_lock_);
    if (!mnt_ns_) return;  // exited
    old = kstd::Move(mnt_ns_);
    mnt_ns_ = kstd::Move(ns);
  }
  // The old one is released here, outside the lock (its death may stop
  // file-system servers).
}

kstd::Result<void> Process::EnterMountNamespace(kstd::RefPtr<vfs::MountNamespace> ns) {
  kstd::RefPtr<vfs::Vnode> root = ns->mounts().Root();
  if (!root) return kstd::Error::kInvalid;
  vfs::PinnedVnode pinned_root(root), pinned_cwd(root);
  kstd::RefPtr<vfs::MountNamespace> old;
  {
    SpinLockGuard guard(fs_lock_);
    if (!mnt_ns_) return kstd::Error::kNotFound;  // exited
    old = kstd::Move(mnt_ns_);
    mnt_ns_ = kstd::Move(ns);
    vfs::PinnedVnode old_root = kstd::Move(root_);
    vfs::PinnedVnode old_cwd = kstd::Move(cwd_);
    root_ = kstd::Move(pinned_root);
    cwd_ = kstd::Move(pinned_cwd);
    pinned_root = kstd::Move(old_root);
    pinned_cwd = kstd::Move(old_cwd);
  }
  // The old root, cwd and namespace are released here, outside the lock.
  return kstd::Ok();
}

kstd::RefPtr<PidNamespace> Process::pid_namespace_for_children() const {
  SpinLockGuard guard(fs_lock_);
  if (!pid_ns_for_children_) return pid_ns_;
  return pid_ns_for_children_;
}

void Process::SetPidNamespaceForChildren(kstd::RefPtr<PidNamespace> ns) {
  kstd::RefPtr<PidNamespace> old;
  {
    SpinLockGuard guard(fs_lock_);
    old = kstd::Move(pid_ns_for_children_);
    if (ns.get() != pid_ns_.get()) pid_ns_for_children_ = kstd::Move(ns);
  }
  // The old one is released here, outside the lock.
}

kstd::RefPtr<vfs::Vnode> Process::cwd() const {
  SpinLockGuard guard(fs_lock_);
  return cwd_.ref();
}

kstd::RefPtr<vfs::Vnode> Process::root() const {
  SpinLockGuard guard(fs_lock_);
  return root_.ref();
}

void Process::SetCwd(vfs::PinnedVnode dir) {
  SpinLockGuard guard(fs_lock_);
  cwd_ = kstd::Move(dir);
}

void Process::SetRootAndCwd(const kstd::RefPtr<vfs::Vnode>& dir) {
  SpinLockGuard guard(fs_lock_);
  cwd_ = vfs::PinnedVnode(dir);
  root_ = vfs::PinnedVnode(dir);
}

void Process::MoveRoot(const vfs::Vnode* old_root, const kstd::RefPtr<vfs::Vnode>& new_root) {
  SpinLockGuard guard(fs_lock_);
  if (root_.get() == old_root) root_ = vfs::PinnedVnode(new_root);
  if (cwd_.get() == old_root) cwd_ = vfs::PinnedVnode(new_root);
}

Process::BrkRange Process::brk() const {
  SpinLockGuard guard(brk_lock_);
  return BrkRange{brk_start_, brk_current_};
}

void Process::ResetBrk(uint64_t start) {
  SpinLockGuard guard(brk_lock_);
  brk_start_ = brk_current_ = start;
}

uint64_t Process::MoveBrk(uint64_t requested) {
  const uint64_t as_limit = resource_limit(linux_abi::kRlimitAs).cur;
  SpinLockGuard guard(brk_lock_);
  uint64_t current = brk_current_;
  if (requested == 0 || requested < brk_start_) return current;
  constexpr uint64_t kMaxHeap = 1ULL << 32;  // 4 GiB of brk heap at most
  if (requested - brk_start_ > kMaxHeap) return current;
  uint64_t old_end = kstd::AlignUp(current, vm::kPageSize);
  uint64_t new_end = kstd::AlignUp(requested, vm::kPageSize);
  vm::VmAspace* aspace = this->aspace();
  if (new_end > old_end) {
    // RLIMIT_AS: the address space may not grow past the soft limit.
    uint64_t in_use = aspace->MappedBytes();
    if (as_limit != linux_abi::kRlimInfinity &&
        (in_use > as_limit || new_end - old_end > as_limit - in_use)) {
      return current;
    }
    auto vmo = vm::VmObject::CreateAnonymous(&Pmm(), new_end - old_end);
    if (vmo.is_error()) return current;
    auto mapped = aspace->Map(vmo.release_value(), 0, new_end - old_end,
                              vm::kProtRead | vm::kProtWrite, old_end, vm::kMapFixed);
    if (mapped.is_error()) return current;
  } else if (new_end < old_end) {
    if (aspace->Unmap(new_end, old_end - new_end).is_error()) return current;
  }
  brk_current_ = requested;
  return requested;
}

linux_abi::Rlimit DefaultResourceLimit(int resource) {
  constexpr uint64_t kInf = linux_abi::kRlimInfinity;
  switch (resource) {
    case linux_abi::kRlimitStack: return {8ULL << 20, kInf};
    case linux_abi::kRlimitCore: return {0, kInf};
    case linux_abi::kRlimitNproc: return {kDefaultProcessLimit, kDefaultProcessLimit};
    case linux_abi::kRlimitNofile:
      return {static_cast<uint64_t>(fd::kDefaultFdLimit), static_cast<uint64_t>(fd::kMaxFds)};
    case linux_abi::kRlimitMemlock: return {64 * 1024, 64 * 1024};
    case linux_abi::kRlimitSigpending: return {kDefaultProcessLimit, kDefaultProcessLimit};
    case linux_abi::kRlimitMsgqueue: return {819200, 819200};
    case linux_abi::kRlimitNice:
    case linux_abi::kRlimitRtprio: return {0, 0};
    default: return {kInf, kInf};
  }
}

linux_abi::Rlimit Process::resource_limit(int resource) const {
  SpinLockGuard guard(cred_lock_);
  return limits_[resource];
}

void Process::set_resource_limit(int resource, linux_abi::Rlimit limit) {
  {
    SpinLockGuard guard(cred_lock_);
    limits_[resource] = limit;
  }
  if (resource == linux_abi::kRlimitCpu) {
    // Seconds of CPU time to ticks (RLIM_INFINITY stays unlimited).
    auto ticks = [](uint64_t seconds) {
      constexpr uint64_t kHz = sched::kTickHz;
      return seconds >= posix::CpuTimers::kUnlimited / kHz ? posix::CpuTimers::kUnlimited
                                                           : seconds * kHz;
    };
    SpinLockGuard guard(cpu_timer_lock_);
    cpu_timers_.SetCpuLimit(ticks(limit.cur), ticks(limit.max), sched::kTickHz);
  }
}

posix::CpuTimerSetting Process::cpu_timer(posix::CpuTimers::Which which) const {
  SpinLockGuard guard(cpu_timer_lock_);
  return cpu_timers_.Get(which);
}

posix::CpuTimerSetting Process::SetCpuTimer(posix::CpuTimers::Which which,
                                            posix::CpuTimerSetting next) {
  SpinLockGuard guard(cpu_timer_lock_);
  return cpu_timers_.Set(which, next);
}

uint32_t Process::ChargeTick(bool user) {
  uint32_t fired;
  {
    SpinLockGuard guard(cpu_timer_lock_);
    fired = cpu_timers_.Tick(user);
  }
  if (fired != 0) __atomic_fetch_or(&cpu_timer_fired_, fired, __ATOMIC_ACQ_REL);
  return fired;
}

uint64_t Process::CountProcessesOf(uint32_t uid) {
  struct Count {
    uint32_t uid;
    uint64_t n = 0;
  } count{uid};
  ForEach(
      [](Process* p, void* c) {
        auto* count = static_cast<Count*>(c);
        if (!p->terminated() && p->credentials().ruid == count->uid) ++count->n;
      },
      &count);
  return count.n;
}

posix::Credentials Process::credentials() const {
  SpinLockGuard guard(cred_lock_);
  return creds_;
}

void Process::SetCredentials(const posix::Credentials& creds) {
  SpinLockGuard guard(cred_lock_);
  creds_ = creds;
}

bool Process::HasCapability(uint32_t cap) const {
  SpinLockGuard guard(cred_lock_);
  return creds_.Has(cap);
}

uint32_t Process::umask() const {
  SpinLockGuard guard(fs_lock_);
  return umask_;
}

uint32_t Process::ExchangeUmask(uint32_t mask) {
  SpinLockGuard guard(fs_lock_);
  uint32_t old = umask_;
  umask_ = mask & 0777;
  return old;
}

Process::Process(const char* name, uint64_t pid, uint64_t parent_pid, uint32_t handle_secret)
    : KernelObject(ObjectType::kProcess),
      pid_(pid),
      parent_pid_(parent_pid),
      handles_(handle_secret),
      start_nanos_(hal::MonotonicNanos()) {
  kstd::CopyString(name_, sizeof name_, name);
  for (int r = 0; r < linux_abi::kRlimitCount; ++r) limits_[r] = DefaultResourceLimit(r);
  // A process starts in its parent's group and session; init (no parent)
  // leads its own.
  kstd::RefPtr<Process> parent = parent_pid != 0 ? FindByPid(parent_pid) : kstd::RefPtr<Process>();
  pgid_ = parent ? parent->pgid() : pid;
  sid_ = parent ? parent->sid() : pid;
}

Process::~Process() {
  if (aspace_) DropAspace(kstd::Move(aspace_));
  delete fds_;
  delete[] exe_path_;
}

void Process::DropAspace(kstd::RefPtr<vm::VmAspace> aspace) {
  if (aspace && aspace->ref_count() == 1) aspace->Destroy();
}

void Process::ReleaseVforkParent() {
  bool was;
  {
    SpinLockGuard guard(lock_);
    was = vfork_released_;
    vfork_released_ = true;
  }
  if (!was) vfork_waiters_.WakeAll();
}

namespace {
bool VforkPending(void* process) {
  auto* p = static_cast<Process*>(process);
  return !p->vfork_released_for_wait();
}
}  // namespace

void Process::WaitForVforkRelease() {
  while (!vfork_released_for_wait()) {
    if (vfork_waiters_.WaitIf(sched::kNoDeadline, VforkPending, this) ==
        sched::WakeReason::kInterrupted) {
      return;
    }
  }
}

kstd::Result<kstd::RefPtr<Process>> Process::Create(const char* name, uint64_t parent_pid) {
  NewId new_id;
  const uint64_t pid = TRY(new_id.Take());
  kstd::RefPtr<Process> p =
      kstd::AdoptRef(new (kstd::nothrow) Process(name, pid, parent_pid, HandleSecret(pid)));
  if (!p) return kstd::Error::kNoMemory;
  p->pid_ns_ = kstd::RefPtr<PidNamespace>::FromRaw(PidNamespace::Root());
  p->pinned_quota_ = TRY(NewPinnedQuota());
  vm::TlbHook hook{FlushTlb, nullptr};
  p->aspace_ = TRY(vm::VmAspace::Create(&Pmm(), hal::KernelPageTable(), hook));
  p->fds_ = new (kstd::nothrow) fd::FdTable();
  if (p->fds_ == nullptr) return kstd::Error::kNoMemory;
  {
    SpinLockGuard guard(g_table_lock);
    p->AddRef();  // the table's reference
    g_table.PushBack(p.get());
  }
  return p;
}

kstd::Result<kstd::RefPtr<Process>> Process::Fork(const void* frame,
                                                  const hal::ThreadContext& cpu) {
  return Clone(frame, cpu, CloneOptions{});
}

bool IsUserTlsBase(uint64_t base) { return base < hal::UserAddressLimit(); }

kstd::Result<kstd::RefPtr<Process>> Process::Clone(const void* frame, const hal::ThreadContext& cpu,
                                                   const CloneOptions& options) {
  if (options.set_tls && !IsUserTlsBase(options.tls)) return kstd::Error::kPermission;
  // RLIMIT_NPROC: a user other than root without CAP_SYS_RESOURCE or
  // CAP_SYS_ADMIN may not have more processes (EAGAIN), as Linux.
  {
    const posix::Credentials c = credentials();
    const bool exempt =
        c.ruid == 0 || c.Has(linux_abi::kCapSysResource) || c.Has(linux_abi::kCapSysAdmin);
    if (!exempt && CountProcessesOf(c.ruid) >= resource_limit(linux_abi::kRlimitNproc).cur) {
      return kstd::Error::kAgain;
    }
  }
  // The child's PID namespace: a new one (CLONE_NEWPID) or where this
  // process's children go; it has a number there and in every ancestor.
  kstd::RefPtr<PidNamespace> ns = options.pid_namespace != nullptr
                                      ? kstd::RefPtr<PidNamespace>::FromRaw(options.pid_namespace)
                                      : pid_namespace_for_children();
  NewId new_id;
  const uint64_t pid = TRY(new_id.Take());  // kAgain: no free pid (EAGAIN)
  // kNoMemory: the namespace's init is gone (Linux's ENOMEM); kAgain.
  const uint64_t local_pid = TRY(ns->Enter(pid, PidMax()));
  // Until the child is in the table (whose Reap takes the numbers back).
  struct LeaveUnlessKept {
    PidNamespace* ns;
    uint64_t pid;
    bool kept = false;
    ~LeaveUnlessKept() {
      if (!kept) ns->Leave(pid);
    }
  } numbers{ns.get(), pid};
  kstd::RefPtr<Process> child =
      kstd::AdoptRef(new (kstd::nothrow) Process(name_, pid, pid_, HandleSecret(pid)));
  if (!child) return kstd::Error::kNoMemory;
  child->pid_ns_ = ns;
  child->pinned_quota_ = TRY(NewPinnedQuota());
  if (options.share_address_space) {
    child->aspace_ = aspace_;
    child->vfork_released_ = false;
  } else {
    child->aspace_ = TRY(aspace_->Fork());
  }
  child->fds_ = new (kstd::nothrow) fd::FdTable();
  if (child->fds_ == nullptr) return kstd::Error::kNoMemory;
  TRY(child->fds_->CopyFrom(*fds_));
  {
    SpinLockGuard guard(brk_lock_);
    SpinLockGuard child_guard(child->brk_lock_);  // uncontended: the child is not visible yet
    child->brk_start_ = brk_start_;
    child->brk_current_ = brk_current_;
  }
  {
    SpinLockGuard guard(fs_lock_);
    SpinLockGuard child_guard(child->fs_lock_);  // uncontended: the child is not visible yet
    child->cwd_ = cwd_;
    child->root_ = root_;
    child->umask_ = umask_;
    child->uts_ns_ = options.uts_namespace != nullptr
                         ? kstd::RefPtr<UtsNamespace>::FromRaw(options.uts_namespace)
                         : uts_ns_;
    child->mnt_ns_ = options.mount_namespace != nullptr
                         ? kstd::RefPtr<vfs::MountNamespace>::FromRaw(options.mount_namespace)
                         : mnt_ns_;
  }
  child->SetCredentials(credentials());
  for (int r = 0; r < linux_abi::kRlimitCount; ++r) child->set_resource_limit(r, resource_limit(r));
  child->set_dumpable(dumpable());
  if (no_new_privs()) child->set_no_new_privs();
  child->pgid_ = pgid();
  child->sid_ = sid();
  {
    char* exe = nullptr;
    SpinLockGuard guard(lock_);
    if (exe_path_ != nullptr) {
      size_t n = kstd::StringLength(exe_path_) + 1;
      exe = new (kstd::nothrow) char[n];
      if (exe != nullptr) __builtin_memcpy(exe, exe_path_, n);
    }
    SpinLockGuard child_guard(child->lock_);  // uncontended: the child is not visible yet
    child->image_info_ = image_info_;
    child->exe_path_ = exe;
  }

  auto* frame_copy = new (kstd::nothrow) hal::UserFrame(*static_cast<const hal::UserFrame*>(frame));
  if (frame_copy == nullptr) return kstd::Error::kNoMemory;
  hal::SetForkChildResult(frame_copy);
  if (options.stack != 0) hal::SetUserStack(frame_copy, options.stack);
  auto* linux_state = new (kstd::nothrow) LinuxThread();
  if (linux_state == nullptr) {
    delete frame_copy;
    return kstd::Error::kNoMemory;
  }
  if (sched::Current()->owner_state() != nullptr)
    linux_state->InheritFrom(LinuxOf(sched::Current()));
  auto created = sched::Thread::Create(name_, child.get(), UserThreadStart, nullptr);
  if (created.is_error()) {
    delete linux_state;
    delete frame_copy;
    return created.error();
  }
  kstd::RefPtr<sched::Thread> t = created.release_value();
  t->set_owner_state(linux_state);
  t->set_entry_arg(t.get());
  t->initial_frame_ = frame_copy;
  t->page_table_root_ = child->aspace_->root();
  LinuxOf(t).tid = pid;  // a process's first thread id is its pid
  LinuxOf(t).clear_child_tid = options.clear_child_tid;
  __builtin_memcpy(t->context()->fpu_state, cpu.fpu_state, sizeof cpu.fpu_state);
  t->context()->fs_base = options.set_tls ? options.tls : cpu.fs_base;
  if (local_pid == 1 && ns->parent() != nullptr) {
    // A namespace's init gets only the signals it has handlers for (and,
    // from an ancestor namespace, SIGKILL and SIGSTOP).
    SpinLockGuard child_signals(child->signal_lock());
    child->signals().set_unkillable(true);
  }
  {
    SpinLockGuard guard(g_table_lock);
    // An exiting parent hands its children on under this lock, so this
    // process's parent read here and the child's entry are consistent.
    if (options.parent_is_callers_parent) {
      __atomic_store_n(&child->parent_pid_, parent_pid(), __ATOMIC_RELAXED);
    }
    child->AddRef();  // the table's reference, dropped by Reap
    g_table.PushBack(child.get());
    numbers.kept = true;
  }
  {
    // The child's signal state: the parent's actions and this thread's mask
    // and alternate stack.
    SpinLockGuard parent_signals(signal_lock_);
    SpinLockGuard child_signals(child->signal_lock());
    child->signals().InheritFrom(signals_);
    auto* ts = new (kstd::nothrow) posix::ThreadSignals(child->signals());
    if (ts == nullptr) return kstd::Error::kNoMemory;
    sched::Thread* self = sched::Current();
    if (SignalsOf(self) != nullptr) {
      ts->InheritFrom(*SignalsOf(self), true);
    }
    LinuxOf(t).signals = ts;
  }
  {
    SpinLockGuard guard(child->lock_);
    child->threads_.PushBack(t.get());
    t->AddRef();
  }
  child->AddRef();  // held by its thread
  if (options.child_set_tid != 0) {
    // Before the child runs: it may read the word at once, or even exit (and
    // tear its address space down) before the parent would get to it.
    int32_t tid = static_cast<int32_t>(local_pid);  // as the child sees itself
    (void)child->aspace_->Poke(options.child_set_tid, &tid, sizeof tid);
  }
  sched::Start(t.get());
  return child;
}

kstd::Result<kstd::RefPtr<sched::Thread>> Process::CloneThread(const void* frame,
                                                               const hal::ThreadContext& cpu,
                                                               const ThreadOptions& options) {
  if (options.clone.set_tls && !IsUserTlsBase(options.clone.tls)) return kstd::Error::kPermission;
  auto* frame_copy = new (kstd::nothrow) hal::UserFrame(*static_cast<const hal::UserFrame*>(frame));
  if (frame_copy == nullptr) return kstd::Error::kNoMemory;
  hal::SetForkChildResult(frame_copy);
  if (options.clone.stack != 0) hal::SetUserStack(frame_copy, options.clone.stack);
  auto* linux_state = new (kstd::nothrow) LinuxThread();
  if (linux_state == nullptr) {
    delete frame_copy;
    return kstd::Error::kNoMemory;
  }
  if (sched::Current()->owner_state() != nullptr)
    linux_state->InheritFrom(LinuxOf(sched::Current()));
  auto created = sched::Thread::Create(name_, this, UserThreadStart, nullptr);
  if (created.is_error()) {
    delete linux_state;
    delete frame_copy;
    return created.error();
  }
  kstd::RefPtr<sched::Thread> t = created.release_value();
  t->set_owner_state(linux_state);
  t->set_entry_arg(t.get());
  t->initial_frame_ = frame_copy;  // freed by the thread on its first kernel entry
  // Undoes the above when the thread is not started after all.
  auto abandon = [&t, frame_copy](kstd::Error why) {
    t->initial_frame_ = nullptr;
    delete frame_copy;
    return why;
  };
  __builtin_memcpy(t->context()->fpu_state, cpu.fpu_state, sizeof cpu.fpu_state);
  t->context()->fs_base = options.clone.set_tls ? options.clone.tls : cpu.fs_base;
  LinuxOf(t).clear_child_tid = options.clone.clear_child_tid;
  {
    SpinLockGuard signals(signal_lock_);
    auto* ts = new (kstd::nothrow) posix::ThreadSignals(signals_);
    if (ts == nullptr) return abandon(kstd::Error::kNoMemory);
    sched::Thread* self = sched::Current();
    if (SignalsOf(self) != nullptr) {
      ts->InheritFrom(*SignalsOf(self), false);
    }
    LinuxOf(t).signals = ts;
  }
  // The tid comes from the pid space: no process gets it while the thread lives.
  NewId new_id;
  auto taken = new_id.Take();
  if (taken.is_error()) return abandon(taken.error());
  const uint64_t tid = taken.value();
  // Its number in the process's PID namespace (and the ancestors'), taken
  // back when it ends (OnThreadExit).
  auto local_tid = pid_ns_->Enter(tid, PidMax());
  if (local_tid.is_error()) return abandon(local_tid.error());
  LinuxOf(t).tid = tid;
  int32_t tid32 = static_cast<int32_t>(local_tid.value());
  // Written before the thread exists for anyone (the same address space).
  if (options.parent_tid != 0) (void)aspace_->Poke(options.parent_tid, &tid32, sizeof tid32);
  if (options.child_tid != 0) (void)aspace_->Poke(options.child_tid, &tid32, sizeof tid32);
  bool added = false;
  {
    SpinLockGuard guard(lock_);
    // Not while the process ends, nor from a thread that execve or
    // exit_group in another thread is ending (it would outlive it).
    if (!dying_ && !sched::Current()->kill_pending_) {
      t->page_table_root_ = aspace_->root();
      threads_.PushBack(t.get());
      t->AddRef();  // the process's reference, dropped in OnThreadExit
      added = true;
    }
  }
  if (!added) {
    pid_ns_->Leave(tid);
    SpinLockGuard signals(signal_lock_);
    delete LinuxOf(t).signals;
    LinuxOf(t).signals = nullptr;
    return abandon(kstd::Error::kInterrupted);
  }
  AddRef();  // each thread keeps its process alive
  sched::Start(t.get());
  return t;
}

kstd::RefPtr<sched::Thread> Process::FindThread(uint64_t tid) {
  SpinLockGuard guard(lock_);
  sched::Thread* t = threads_.FindIf(
      [tid](sched::Thread* x) { return LinuxOf(x).tid == tid && !x->kill_pending_; });
  return kstd::RefPtr<sched::Thread>::FromRaw(t);
}

kstd::RefPtr<Process> Process::FindByTid(uint64_t tid) {
  if (tid == 0) return {};
  // Lock order: the table lock, then a process's lock.
  SpinLockGuard guard(g_table_lock);
  Process* p = g_table.FindIf([tid](Process* x) {
    SpinLockGuard process(x->lock_);
    return x->threads_.FindIf([tid](sched::Thread* t) {
      return LinuxOf(t).tid == tid && !t->kill_pending_;
    }) != nullptr;
  });
  return kstd::RefPtr<Process>::FromRaw(p);
}

void Process::NoteThreadExit(int status) {
  SpinLockGuard guard(lock_);
  thread_exit_status_ = status;
}

namespace {
bool OtherThreadsLive(void* process) { return static_cast<Process*>(process)->live_threads() > 1; }
}  // namespace

kstd::Result<void> Process::EndOtherThreads(sched::Thread* caller) {
  {
    SpinLockGuard guard(lock_);
    // Also when another thread's execve got here first and is ending this one.
    if (dying_ || caller->kill_pending_) return kstd::Error::kInterrupted;
    threads_.ForEach([&](sched::Thread* t) {
      if (t == caller) return;
      t->kill_pending_ = true;
      sched::Wake(t, sched::WakeReason::kInterrupted);
    });
  }
  while (OtherThreadsLive(this)) {
    if (thread_exits_.WaitIf(sched::kNoDeadline, OtherThreadsLive, this) ==
        sched::WakeReason::kInterrupted) {
      if (caller->kill_pending_) return kstd::Error::kInterrupted;
      // A signal is pending for the caller: only a fatal one (kill_pending_)
      // stops execve, so let the dying threads run and look again.
      sched::Yield();
    }
  }
  return kstd::Ok();
}

kstd::Result<void> Process::Exec(sched::Thread* caller, void* frame, kstd::ByteSpan file,
                                 const ProgramArgs& args, const char* name, const char** why,
                                 const ExecImage* cached) {
  vm::TlbHook hook{FlushTlb, nullptr};
  kstd::RefPtr<vm::VmAspace> fresh =
      TRY(vm::VmAspace::Create(&Pmm(), hal::KernelPageTable(), hook));
  auto image = LoadProgram(fresh.get(), file, args, why, cached);
  if (image.is_error()) {
    fresh->Destroy();
    return image.error();
  }
  // The other threads end first, on the old image (Linux's de_thread): none
  // is left running, or in the middle of a syscall, on memory about to go.
  if (auto ended = EndOtherThreads(caller); ended.is_error()) {
    fresh->Destroy();
    return ended.error();
  }
  char* exe_path = MakeExePath(this, args.execfn);  // null if out of memory: no /proc/<pid>/exe
  // Point of no return.
  kstd::RefPtr<vm::VmAspace> old = aspace_;
  // A thread other than the main one takes the pid as its tid: its own
  // number is given back.
  if (LinuxOf(caller).tid != pid_ && LinuxOf(caller).tid != 0) pid_ns_->Leave(LinuxOf(caller).tid);
  {
    SpinLockGuard guard(lock_);
    caller->page_table_root_ = fresh->root();
    LinuxOf(caller).tid = pid_;  // the caller becomes the main thread, whatever its tid was
    thread_exit_status_ = 0;
    aspace_ = fresh;
  }
  hal::SwitchAddressSpace(fresh->root());
  DropAspace(kstd::Move(old));
  ReleaseVforkParent();
  {
    SpinLockGuard signals(signal_lock_);
    signals_.ResetForExec();
    if (SignalsOf(caller) != nullptr) SignalsOf(caller)->ResetForExec();
  }
  // Before close-on-exec: a parent that learns of the exec from a
  // close-on-exec pipe must already see it (setpgid gives EACCES).
  __atomic_store_n(&did_exec_, true, __ATOMIC_RELEASE);
  // The old image's robust list and clear-tid word are gone with its memory.
  LinuxOf(caller).robust_list = 0;
  LinuxOf(caller).clear_child_tid = 0;
  fds_->CloseOnExec();
  kstd::CopyString(name_, sizeof name_, name);
  SetImageInfo(ImageInfo{image.value().arg_start, image.value().arg_end, image.value().env_start,
                         image.value().env_end, image.value().sp},
               exe_path);
  ResetBrk(image.value().brk);
  hal::ThreadContext* cpu = caller->context();
  hal::ResetFpuState(cpu);
  cpu->fs_base = 0;
  hal::LoadFsBase(0);
  NoteResidentSet();  // exec filled pages without faults (stack, data)
  hal::InitUserFrame(static_cast<hal::UserFrame*>(frame), image.value().entry, image.value().sp, 0);
  return kstd::Ok();
}

void Process::Reap() {
  bool in_table;
  {
    SpinLockGuard guard(g_table_lock);
    in_table = decltype(g_table)::Contains(this);
    if (in_table) g_table.Remove(this);
  }
  if (in_table) LeavePidNamespace();
  if (in_table && Release()) delete this;
}

void Process::LeavePidNamespace() {
  pid_ns_->Leave(pid_);
  FinishNamespaceEnds(pid_ns_.get());
}

void Process::FinishNamespaceEnds(PidNamespace* ns) {
  for (; ns != nullptr && ns->parent() != nullptr; ns = ns->parent()) {
    if (!ns->dead() || ns->size() > 1) continue;  // the init's own number is left
    kstd::RefPtr<Process> init = FindByPid(ns->init_global());
    if (!init || !__atomic_exchange_n(&init->exit_report_deferred_, false, __ATOMIC_ACQ_REL))
      continue;
    init->ReportExit();  // its reap may end the namespace above (the loop goes on)
  }
}

void Process::ReapWhenEnded(Process* child) {
  // Ordered with the child's TearDown by the child's lock: either it sees
  // auto_reap_ after setting terminated_, or terminated() below sees it ended.
  __atomic_store_n(&child->auto_reap_, true, __ATOMIC_SEQ_CST);
  if (child->terminated()) child->Reap();  // a second Reap does nothing
}

kstd::Result<kstd::RefPtr<sched::Thread>> Process::StartUserThread(const char* name, uint64_t entry,
                                                                   uint64_t sp, uint64_t arg) {
  kstd::RefPtr<sched::Thread> t;
  {
    auto* linux_state = new (kstd::nothrow) LinuxThread();
    if (linux_state == nullptr) return kstd::Error::kNoMemory;
    auto created = sched::Thread::Create(name, this, UserThreadStart, nullptr);
    if (created.is_error()) {
      delete linux_state;
      return created.error();
    }
    t = created.release_value();
    t->set_owner_state(linux_state);
  }
  t->user_entry_ = entry;
  t->user_sp_ = sp;
  t->user_arg_ = arg;
  t->page_table_root_ = aspace_->root();
  t->set_entry_arg(t.get());
  {
    SpinLockGuard signals(signal_lock_);
    auto* ts = new (kstd::nothrow) posix::ThreadSignals(signals_);
    if (ts == nullptr) return kstd::Error::kNoMemory;
    LinuxOf(t).signals = ts;
  }
  {
    SpinLockGuard guard(lock_);
    if (dying_) return kstd::Error::kBadHandle;
    if (threads_.empty())
      LinuxOf(t).tid = pid_;  // the main thread (later native threads have none)
    threads_.PushBack(t.get());
    t->AddRef();  // the process's reference, dropped in OnThreadExit
  }
  AddRef();  // each thread keeps its process alive
  sched::Start(t.get());
  return t;
}

void Process::Kill(int wait_status) {
  SpinLockGuard guard(lock_);
  if (dying_) return;
  dying_ = true;
  wait_status_ = wait_status;
  threads_.ForEach([](sched::Thread* t) {
    t->kill_pending_ = true;
    sched::Wake(t, sched::WakeReason::kInterrupted);
  });
}

void Process::OnThreadExit(sched::Thread* thread) {
  // Off the process's address space before leaving its thread list: once
  // that list is empty, the last thread's TearDown destroys the address
  // space, and this thread may still be switched to (to finish exiting)
  // after that. A switch to a destroyed page table, whose kernel half is
  // gone, made the next interrupt triple-fault the machine.
  if (thread == sched::Current()) {
    thread->page_table_root_ = 0;
    hal::SwitchAddressSpace(0);
  }
  {
    SpinLockGuard signals(signal_lock_);
    delete LinuxOf(thread).signals;
    LinuxOf(thread).signals = nullptr;
  }
  bool last;
  {
    SpinLockGuard guard(lock_);
    threads_.Remove(thread);
    last = threads_.empty();
    counters_.cpu_ticks_of_exited_threads += thread->cpu_ticks();
    counters_.system_ticks_of_exited_threads += thread->system_ticks();
    if (last && !dying_) {
      // The last thread ended without exit_group: the process reports the
      // status of the latest exit(2) (0 if there was none).
      dying_ = true;
      wait_status_ = thread_exit_status_;
    }
  }
  thread_exits_.WakeAll();
  // A thread's own id (not the pid, which lasts until the process is reaped).
  const uint64_t tid = LinuxOf(thread).tid;
  if (tid != pid_ && tid != 0) pid_ns_->Leave(tid);
  if (last) TearDown();
  thread->Release();  // the process's reference (the scheduler still holds one)
  if (Release()) delete this;
}

void Process::TearDown() {
  // We may be running on this address space: move to the kernel's first.
  sched::Thread* self = sched::Current();
  if (self->process() == this) {
    self->page_table_root_ = 0;
    hal::SwitchAddressSpace(0);
  }
  handles_.CloseAll();
  fds_->CloseAll();
  if (g_process_end_hook != nullptr) g_process_end_hook(pid_);
  kstd::RefPtr<vm::VmAspace> aspace;
  {
    SpinLockGuard guard(lock_);  // procfs reads it (aspace_ref)
    aspace = kstd::Move(aspace_);
  }
  DropAspace(kstd::Move(aspace));
  ReleaseVforkParent();
  kstd::RefPtr<vfs::MountNamespace> mounts;
  {
    SpinLockGuard guard(fs_lock_);
    cwd_.reset();
    root_.reset();
    mounts = kstd::Move(mnt_ns_);
  }
  // Its last process gone, a mount namespace unmounts what it has (after
  // the cwd and root above, which pinned its file systems).
  mounts.reset();
  {
    SpinLockGuard guard(lock_);
    terminated_ = true;
    UpdateSignalsLocked(0, kSignalTerminated);
  }
  if (sid() == pid_ && g_session_end_hook != nullptr) g_session_end_hook(pid_);
  CancelRealTimer(pid_);
  if (IsNamespaceInit()) {
    // Its parent hears of it once its namespace is empty.
    __atomic_store_n(&exit_report_deferred_, true, __ATOMIC_RELEASE);
    EndNamespace();
    FinishNamespaceEnds(pid_ns_.get());
    return;
  }
  ReportExit();
}

void Process::ReportExit() {
  // The parent learns of the death (SIGCHLD); a parent that ignores SIGCHLD
  // does not collect zombies, so the kernel reaps this process now.
  if (!__atomic_load_n(&auto_reap_, __ATOMIC_SEQ_CST)) {
    NotifyParentOfExit(this);
    if (ParentAutoReaps(this)) __atomic_store_n(&auto_reap_, true, __ATOMIC_SEQ_CST);
  }
  // Orphans go to the nearest living ancestor that is a child subreaper, or
  // to init; whoever waits for this process's children is woken. Children
  // that asked for a parent-death signal get it. An ended namespace init
  // that waits for its namespace to empty takes them and reaps them as
  // they end.
  kstd::RefPtr<Process> heir = OrphanHeir();
  const uint64_t heir_pid = heir ? heir->pid() : 1;
  const bool heir_reaps = heir && heir->exit_report_deferred();
  // Signals are sent without the table lock: hand the children over in
  // batches, each batch's signals sent before the next is taken.
  constexpr size_t kBatch = 64;
  struct Notice {
    uint64_t pid;
    int signo;
  } notices[kBatch];
  for (bool more = true; more;) {
    size_t count = 0;
    more = false;
    {
      SpinLockGuard guard(g_table_lock);
      g_table.ForEach([&](Process* p) {
        if (p->parent_pid() != pid_) return;
        if (count == kBatch) {
          more = true;
          return;
        }
        __atomic_store_n(&p->parent_pid_, heir_pid, __ATOMIC_RELAXED);
        notices[count++] = {p->pid(), p->parent_death_signal()};
      });
    }
    for (size_t i = 0; i < count; ++i) {
      if (heir_reaps) {
        kstd::RefPtr<Process> orphan = FindByPid(notices[i].pid);
        if (orphan) ReapWhenEnded(orphan.get());
        continue;
      }
      if (notices[i].signo == 0) continue;
      (void)SendSignalToProcess(notices[i].pid, notices[i].signo,
                                linux_abi::SigInfo::FromKernel(notices[i].signo));
    }
  }
  if (heir) heir->NotifyChildEvent();
  kstd::RefPtr<Process> parent = FindByPid(parent_pid());
  if (parent) parent->NotifyChildEvent();
  if (__atomic_load_n(&auto_reap_, __ATOMIC_SEQ_CST)) Reap();
}

kstd::RefPtr<Process> Process::OrphanHeir() const {
  // The search stays in one namespace: this process's, or, for its init
  // (whose namespace is ending), the parent namespace.
  PidNamespace* ns = pid_ns_.get();
  if (IsNamespaceInit()) ns = ns->parent();
  for (; ns != nullptr; ns = ns->parent()) {
    const uint64_t reaper = ns->init_global();
    // Each step climbs one generation; a chain is never longer than the table.
    kstd::RefPtr<Process> p = FindByPid(parent_pid());
    for (int steps = 0; p && p->pid() != reaper && p->pid_namespace() == ns && steps < (1 << 22);
         ++steps) {
      if (p->child_subreaper() && !p->terminated()) return p;
      p = FindByPid(p->parent_pid());
    }
    kstd::RefPtr<Process> init = reaper != 0 ? FindByPid(reaper) : kstd::RefPtr<Process>();
    // An init that ended and waits for its namespace to empty still takes
    // orphans (and reaps them: ReportExit).
    if (init && (!init->terminated() || init->exit_report_deferred() || ns->parent() == nullptr))
      return init;
    // That namespace's init is gone: one namespace up.
  }
  return FindByPid(1);
}

void Process::EndNamespace() {
  PidNamespace* ns = pid_ns_.get();
  ns->MarkDead();  // no process enters it from now on
  // Its own children: nobody will wait for them (Linux's init reaps them
  // while it waits for the namespace to empty).
  struct Children {
    uint64_t pid;
    Process** list = nullptr;
    size_t capacity = 0;
    size_t count = 0;
  } children{pid_};
  ForEach(
      [](Process* p, void* c) {
        auto* k = static_cast<Children*>(c);
        if (p->parent_pid() == k->pid) ++k->capacity;
      },
      &children);
  if (children.capacity > 0) {
    children.list = new (kstd::nothrow) Process*[children.capacity];
    if (children.list != nullptr) {
      ForEach(
          [](Process* p, void* c) {
            auto* k = static_cast<Children*>(c);
            if (p->parent_pid() != k->pid || k->count == k->capacity) return;
            p->AddRef();
            k->list[k->count++] = p;
          },
          &children);
    }
  }
  for (size_t i = 0; i < children.count; ++i) {
    ReapWhenEnded(children.list[i]);
    if (children.list[i]->Release()) delete children.list[i];
  }
  delete[] children.list;
  // Collected under the table lock, signalled without it. Processes of
  // nested namespaces are made after this count only by their own inits,
  // which this kills (and whose end kills them).
  struct Victims {
    Process* self;
    PidNamespace* ns;
    Process** list = nullptr;
    size_t capacity = 0;
    size_t count = 0;
  } v{this, ns};
  ForEach(
      [](Process* p, void* c) {
        auto* v = static_cast<Victims*>(c);
        if (p != v->self && v->ns->Encloses(p->pid_namespace())) ++v->capacity;
      },
      &v);
  if (v.capacity == 0) return;
  v.list = new (kstd::nothrow) Process*[v.capacity];
  if (v.list == nullptr) {
    Log("proc", "pid %lu: no memory to end its PID namespace", pid_);
    return;
  }
  ForEach(
      [](Process* p, void* c) {
        auto* v = static_cast<Victims*>(c);
        if (p == v->self || !v->ns->Encloses(p->pid_namespace()) || v->count == v->capacity) return;
        p->AddRef();
        v->list[v->count++] = p;
      },
      &v);
  for (size_t i = 0; i < v.count; ++i) {
    // Forced: the init of a nested namespace dies too.
    SendSignal(v.list[i], linux_abi::kSigKill, linux_abi::SigInfo::FromKernel(linux_abi::kSigKill),
               true);
    if (v.list[i]->Release()) delete v.list[i];
  }
  delete[] v.list;
}

void Process::Abandon() {
  {
    SpinLockGuard guard(lock_);
    dying_ = true;
    wait_status_ = 127 << 8;
  }
  TearDown();
  bool in_table;
  {
    SpinLockGuard guard(g_table_lock);
    in_table = decltype(g_table)::Contains(this);
    if (in_table) g_table.Remove(this);
  }
  if (in_table) LeavePidNamespace();
  if (in_table && Release()) delete this;  // the table's reference (never the last here)
}

bool Process::terminated() const {
  SpinLockGuard guard(lock_);
  return terminated_;
}

int Process::wait_status() const {
  SpinLockGuard guard(lock_);
  return wait_status_;
}

size_t Process::live_threads() const {
  SpinLockGuard guard(lock_);
  return threads_.size();
}

void Process::ForEachThread(void (*fn)(sched::Thread*, void*), void* context) {
  SpinLockGuard guard(lock_);
  threads_.ForEach([&](sched::Thread* t) { fn(t, context); });
}

uint64_t Process::cpu_ticks() const {
  SpinLockGuard guard(lock_);
  uint64_t total = counters_.cpu_ticks_of_exited_threads;
  threads_.ForEach([&total](sched::Thread* t) { total += t->cpu_ticks(); });
  return total;
}

ResourceUsage Process::Usage() const {
  SpinLockGuard guard(lock_);
  uint64_t total = counters_.cpu_ticks_of_exited_threads;
  uint64_t system = counters_.system_ticks_of_exited_threads;
  threads_.ForEach([&](sched::Thread* t) {
    total += t->cpu_ticks();
    system += t->system_ticks();
  });
  ResourceUsage u;
  u.system_ticks = system < total ? system : total;
  u.user_ticks = total - u.system_ticks;
  u.max_rss_pages = __atomic_load_n(&max_rss_pages_, __ATOMIC_RELAXED);
  u.minor_faults = __atomic_load_n(&counters_.minor_faults, __ATOMIC_RELAXED);
  return u;
}

ResourceUsage Process::ChildrenUsage() const {
  SpinLockGuard guard(lock_);
  return children_usage_;
}

void Process::AddReapedChildUsage(const ResourceUsage& usage) {
  SpinLockGuard guard(lock_);
  children_usage_.Add(usage);
}

void Process::NoteResidentSet() {
  vm::VmAspace* aspace = this->aspace();  // only the process's own threads call this
  if (aspace == nullptr) return;
  uint64_t now = aspace->resident_pages();
  uint64_t peak = __atomic_load_n(&max_rss_pages_, __ATOMIC_RELAXED);
  while (now > peak && !__atomic_compare_exchange_n(&max_rss_pages_, &peak, now, true,
                                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

kstd::RefPtr<Process> Process::FindByPid(uint64_t pid) {
  SpinLockGuard guard(g_table_lock);
  Process* p = g_table.FindIf([pid](Process* x) { return x->pid() == pid; });
  return kstd::RefPtr<Process>::FromRaw(p);
}

void Process::SetName(const char* name) {
  char copy[16];
  kstd::CopyString(copy, sizeof copy, name);
  SpinLockGuard guard(lock_);
  kstd::CopyString(name_, sizeof name_ < sizeof copy ? sizeof name_ : sizeof copy, copy);
}

uint64_t Process::LastPid() { return g_pids.last(); }

uint64_t Process::IdsGiven() { return g_pids.given(); }

uint64_t Process::PidMax() { return g_pids.max(); }

kstd::Result<void> Process::SetPidMax(uint64_t max) { return g_pids.SetMax(max); }

bool Process::HasThreadId(uint64_t tid) const {
  SpinLockGuard guard(lock_);
  return threads_.FindIf([tid](sched::Thread* t) { return LinuxOf(t).tid == tid; }) != nullptr;
}

Process::ImageInfo Process::image_info() const {
  SpinLockGuard guard(lock_);
  return image_info_;
}

void Process::SetImageInfo(const ImageInfo& info, char* exe_path) {
  char* old;
  {
    SpinLockGuard guard(lock_);
    image_info_ = info;
    old = exe_path_;
    exe_path_ = exe_path;
  }
  delete[] old;
}

size_t Process::CopyExePath(char* out, size_t size) const {
  SpinLockGuard guard(lock_);
  if (exe_path_ == nullptr) {
    if (size > 0) out[0] = '\0';
    return 0;
  }
  kstd::CopyString(out, size, exe_path_);
  return kstd::StringLength(exe_path_);
}

kstd::RefPtr<vm::VmAspace> Process::aspace_ref() const {
  SpinLockGuard guard(lock_);
  return aspace_;
}

void Process::ForEach(void (*fn)(Process*, void*), void* context) {
  SpinLockGuard guard(g_table_lock);
  g_table.ForEach([&](Process* p) { fn(p, context); });
}

}  // namespace core
