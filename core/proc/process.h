#pragma once

// Process: an address space, a handle table, threads and accounting. The
// unit the kernel isolates, kills and reports. Reached from user space only
// through handles (kRightManage to kill, kRightRead for stats, kRightWait to
// wait for kSignalTerminated).

#include <stdint.h>

#include "abi/linux/resource.h"
#include "core/fd/fd_table.h"
#include "core/object/handle_table.h"
#include "core/object/kernel_object.h"
#include "core/posix/cpu_timers.h"
#include "core/posix/credentials.h"
#include "core/posix/signals.h"
#include "core/proc/linux_thread.h"
#include "core/proc/pid_namespace.h"
#include "core/proc/uts_namespace.h"
#include "core/sched/scheduler.h"
#include "core/sched/thread.h"
#include "core/vfs/mount_namespace.h"
#include "core/vfs/vnode.h"
#include "core/vm/pinned_quota.h"
#include "hal/thread.h"
#include "kstd/intrusive_list.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core {

namespace vm {
class VmAspace;
}

/// Accounting kept for every process from its start (atomic counters).
struct ProcessCounters {
  uint64_t syscalls = 0;
  uint64_t ipc_messages_sent = 0;
  uint64_t ipc_bytes_sent = 0;
  uint64_t ipc_messages_received = 0;
  uint64_t ipc_bytes_received = 0;
  uint64_t cpu_ticks_of_exited_threads = 0;
  uint64_t system_ticks_of_exited_threads = 0;
  uint64_t minor_faults = 0;
  /// Calls refused for want of a resource (DMA memory, physical addresses,
  /// high priority: core/object/resource.h).
  uint64_t privilege_refused = 0;
};

/// CPU time and peak memory, as getrusage/wait4/times/procfs report them.
struct ResourceUsage {
  uint64_t user_ticks = 0;     // scheduler ticks that interrupted user mode
  uint64_t system_ticks = 0;   // ticks spent in the kernel for the process
  uint64_t max_rss_pages = 0;  // peak resident set (updated at every page fault and exec)
  uint64_t minor_faults = 0;   // page faults resolved without I/O (all of Tessera's)

  void Add(const ResourceUsage& other) {
    user_ticks += other.user_ticks;
    system_ticks += other.system_ticks;
    if (other.max_rss_pages > max_rss_pages) max_rss_pages = other.max_rss_pages;
    minor_faults += other.minor_faults;
  }
};

/// Whether `base` may be a user thread's FS base (TLS): a user-half address.
/// A kernel-half or non-canonical one would fault in the kernel when the
/// context switch loads it (on hardware; TCG lets it pass). clone's
/// CLONE_SETTLS and arch_prctl(ARCH_SET_FS) refuse others with EPERM, as
/// Linux does.
bool IsUserTlsBase(uint64_t base);

/// Linux's limits for init, which every process inherits unless changed:
/// 8 MiB stack, no core files, 64 KiB locked memory, 1024 (hard 16384) open
/// files, kDefaultProcessLimit processes, 819200 bytes of message queues,
/// nice and realtime priority 0, the rest unlimited.
inline constexpr uint64_t kDefaultProcessLimit = 4096;
linux_abi::Rlimit DefaultResourceLimit(int resource);

class Process final : public KernelObject {
 public:
  static constexpr size_t kNameMax = 32;

  /// Creates an empty process (no threads, empty address space sharing the
  /// kernel half, empty handle table) with the next pid. Errors: kNoMemory.
  static kstd::Result<kstd::RefPtr<Process>> Create(const char* name, uint64_t parent_pid);

  ~Process() override;

  uint64_t pid() const { return pid_; }
  uint64_t parent_pid() const { return __atomic_load_n(&parent_pid_, __ATOMIC_RELAXED); }
  uint64_t pgid() const { return __atomic_load_n(&pgid_, __ATOMIC_RELAXED); }
  uint64_t sid() const { return __atomic_load_n(&sid_, __ATOMIC_RELAXED); }
  void set_pgid(uint64_t pgid) { __atomic_store_n(&pgid_, pgid, __ATOMIC_RELAXED); }
  void set_sid(uint64_t sid) { __atomic_store_n(&sid_, sid, __ATOMIC_RELAXED); }
  const char* name() const { return name_; }
  /// prctl(PR_SET_NAME): renames the process (truncated to 15 bytes, as the
  /// Linux comm). Readers may see either name, never a torn one longer than
  /// the buffer (it always stays NUL-terminated).
  void SetName(const char* name);
  vm::VmAspace* aspace() const { return aspace_.get(); }
  HandleTable& handles() { return handles_; }
  /// The POSIX file descriptors (never null after Create/Fork).
  fd::FdTable* fds() const { return fds_; }
  ProcessCounters& counters() { return counters_; }
  /// The process's pinned (contiguous) memory budget; never null once created.
  const kstd::RefPtr<vm::PinnedQuota>& pinned_quota() const { return pinned_quota_; }

  // POSIX signals: the process's actions and shared pending set, and (through
  // each user thread's LinuxThread::signals) the threads' masks and own
  // pending sets, all guarded by signal_lock() (taken before the object lock;
  // never held while blocking).
  posix::ProcessSignals& signals() REQUIRES(signal_lock_) { return signals_; }
  const posix::ProcessSignals& signals() const REQUIRES(signal_lock_) { return signals_; }
  SpinLock& signal_lock() const RETURN_CAPABILITY(signal_lock_) { return signal_lock_; }
  /// Job control, for the parent's wait4(WUNTRACED/WCONTINUED): the stop or
  /// continue not yet reported.
  struct JobControl {
    bool stop_unreported = false;
    bool continue_unreported = false;
    int stop_signo = 0;
  };
  JobControl& job_control() REQUIRES(signal_lock_) { return job_control_; }
  /// Where threads park while the process is stopped.
  sched::WaitQueue& stop_waiters() { return stop_waiters_; }

  /// Calls fn(thread, context) for every live thread (process lock held).
  void ForEachThread(void (*fn)(sched::Thread* thread, void* context), void* context);

  // POSIX file-system context: the current and root directories (pinned, so
  // umount of a busy file system fails) and the file mode creation mask.
  // Each call takes the process's fs lock; both directories are null once the
  // process has exited.

  /// The root and current directories and the mount namespace they are
  /// walked in, read together (all null once the process has exited).
  struct FsRoots {
    kstd::RefPtr<vfs::Vnode> root;
    kstd::RefPtr<vfs::Vnode> cwd;
    kstd::RefPtr<vfs::MountNamespace> mounts;
  };
  FsRoots fs_roots() const EXCLUDES(fs_lock_);
  kstd::RefPtr<vfs::Vnode> cwd() const EXCLUDES(fs_lock_);
  kstd::RefPtr<vfs::Vnode> root() const EXCLUDES(fs_lock_);
  /// chdir/fchdir: `dir` (already pinned by the caller) becomes the cwd.
  void SetCwd(vfs::PinnedVnode dir) EXCLUDES(fs_lock_);
  /// A new process's start: `dir` becomes both root and cwd.
  void SetRootAndCwd(const kstd::RefPtr<vfs::Vnode>& dir) EXCLUDES(fs_lock_);
  /// The root moved (core/fs's switch to a user-space root): a root or cwd
  /// that is `old_root` becomes `new_root`.
  void MoveRoot(const vfs::Vnode* old_root, const kstd::RefPtr<vfs::Vnode>& new_root)
      EXCLUDES(fs_lock_);
  /// The UTS namespace (uts_namespace.h) the process is in: its parent's
  /// (fork, clone) unless it moved (unshare, setns); the boot one for
  /// processes made otherwise (init, spawn). One per process: all its
  /// threads share it (Linux keeps one per thread).
  kstd::RefPtr<UtsNamespace> uts_namespace() const EXCLUDES(fs_lock_);
  void SetUtsNamespace(kstd::RefPtr<UtsNamespace> ns) EXCLUDES(fs_lock_);
  /// The mount namespace (core/vfs/mount_namespace.h) its paths resolve in:
  /// as for the UTS one (the initial one for processes the kernel starts);
  /// null once the process has exited (its reference is dropped there, so
  /// a namespace dies with its last process). One per process.
  kstd::RefPtr<vfs::MountNamespace> mount_namespace() const EXCLUDES(fs_lock_);
  /// unshare(CLONE_NEWNS): `ns` (a copy of the current one, so root and
  /// cwd stay as they are) replaces it.
  void SetMountNamespace(kstd::RefPtr<vfs::MountNamespace> ns) EXCLUDES(fs_lock_);
  /// setns(CLONE_NEWNS): moves into `ns`; root and cwd become its root (as
  /// Linux resets them). Errors: kInvalid (ns has no root), kNotFound (the
  /// process has exited).
  kstd::Result<void> EnterMountNamespace(kstd::RefPtr<vfs::MountNamespace> ns) EXCLUDES(fs_lock_);
  /// The PID namespace (pid_namespace.h) its pid and its threads' tids
  /// belong to, fixed at creation (the root one for init and spawned
  /// processes); never null. pid() and the tids are the kernel's ids (the
  /// root namespace's numbers): the syscall layer shows each caller the
  /// numbers of its own namespace.
  PidNamespace* pid_namespace() const { return pid_ns_.get(); }
  /// Its pid as `ns` numbers it (0: not visible there).
  uint64_t PidIn(const PidNamespace* ns) const { return ns->ToLocal(pid_); }
  /// Where its later children's pids go (Linux's pid_for_children): its
  /// own namespace unless unshare(CLONE_NEWPID) or setns changed it.
  kstd::RefPtr<PidNamespace> pid_namespace_for_children() const EXCLUDES(fs_lock_);
  void SetPidNamespaceForChildren(kstd::RefPtr<PidNamespace> ns) EXCLUDES(fs_lock_);
  /// Whether it is the init (number 1) of a namespace other than the root.
  bool IsNamespaceInit() const {
    return pid_ns_->parent() != nullptr && pid_ns_->init_global() == pid_;
  }
  /// A namespace's init that has ended while other processes of its
  /// namespace still hold their numbers: its parent hears of its end (and
  /// wait reports it) only once they are all gone, as Linux's init waits
  /// for them in zap_pid_ns_processes.
  bool exit_report_deferred() const {
    return __atomic_load_n(&exit_report_deferred_, __ATOMIC_ACQUIRE);
  }
  /// The credentials (core/posix/credentials.h), one set per process (all
  /// threads share it): a consistent copy. Fork copies them, execve
  /// recomputes them, the set*id calls replace them. init and every process
  /// the kernel starts from a boot module begin as root.
  posix::Credentials credentials() const EXCLUDES(cred_lock_);
  void SetCredentials(const posix::Credentials& creds) EXCLUDES(cred_lock_);
  /// Just the fs uid/gid and effective capabilities' answer for `cap`,
  /// without copying the groups.
  bool HasCapability(uint32_t cap) const EXCLUDES(cred_lock_);
  /// The resource limits (getrlimit/setrlimit/prlimit64): a new process
  /// has Linux's defaults for init (DefaultResourceLimit), fork copies them,
  /// execve keeps them. RLIMIT_NOFILE's soft limit is the fd table's own.
  /// Enforced: RLIMIT_NOFILE (the fd table), RLIMIT_NPROC (fork) and
  /// RLIMIT_CPU (cpu_time.h); the rest are kept and reported.
  linux_abi::Rlimit resource_limit(int resource) const EXCLUDES(cred_lock_);
  void set_resource_limit(int resource, linux_abi::Rlimit limit) EXCLUDES(cred_lock_);
  /// ITIMER_VIRTUAL / ITIMER_PROF (core/posix/cpu_timers.h), in ticks. A
  /// forked child starts without them; execve keeps them.
  posix::CpuTimerSetting cpu_timer(posix::CpuTimers::Which which) const EXCLUDES(cpu_timer_lock_);
  posix::CpuTimerSetting SetCpuTimer(posix::CpuTimers::Which which, posix::CpuTimerSetting next)
      EXCLUDES(cpu_timer_lock_);
  /// Charges one tick of CPU time (from the scheduler's tick, interrupts
  /// off): returns the CpuTimers::kFire* bits that fired, also kept for
  /// TakeCpuTimerFires.
  uint32_t ChargeTick(bool user) EXCLUDES(cpu_timer_lock_);
  /// The fired bits not yet turned into signals (and clears them).
  uint32_t TakeCpuTimerFires() {
    return __atomic_exchange_n(&cpu_timer_fired_, 0u, __ATOMIC_ACQ_REL);
  }

  /// How many live processes have real uid `uid` (RLIMIT_NPROC's count).
  static uint64_t CountProcessesOf(uint32_t uid);

  /// PR_GET_DUMPABLE: cleared by an execve that changed credentials, so the
  /// process's /proc files are no longer its user's to read.
  bool dumpable() const { return __atomic_load_n(&dumpable_, __ATOMIC_RELAXED); }
  void set_dumpable(bool d) { __atomic_store_n(&dumpable_, d, __ATOMIC_RELAXED); }
  /// PR_SET_NO_NEW_PRIVS: execve grants no privileges (set-ID bits are
  /// ignored). Inherited by fork and kept across execve; never cleared.
  bool no_new_privs() const { return __atomic_load_n(&no_new_privs_, __ATOMIC_RELAXED); }
  void set_no_new_privs() { __atomic_store_n(&no_new_privs_, true, __ATOMIC_RELAXED); }
  /// PR_SET_PDEATHSIG: the signal this process gets when its parent ends
  /// (0: none). Cleared in a forked child and by a set-ID execve.
  int parent_death_signal() const { return __atomic_load_n(&pdeathsig_, __ATOMIC_RELAXED); }
  void set_parent_death_signal(int signo) {
    __atomic_store_n(&pdeathsig_, signo, __ATOMIC_RELAXED);
  }
  /// PR_SET_CHILD_SUBREAPER: orphaned descendants come to this process
  /// instead of init.
  bool child_subreaper() const { return __atomic_load_n(&child_subreaper_, __ATOMIC_RELAXED); }
  void set_child_subreaper(bool on) { __atomic_store_n(&child_subreaper_, on, __ATOMIC_RELAXED); }

  uint32_t umask() const EXCLUDES(fs_lock_);
  /// umask(2): sets the mask (permission bits only) and returns the old one.
  uint32_t ExchangeUmask(uint32_t mask) EXCLUDES(fs_lock_);

  // The program break (brk(2)), set when an image is loaded.
  struct BrkRange {
    uint64_t start;
    uint64_t current;
  };
  BrkRange brk() const EXCLUDES(brk_lock_);
  /// A new image: the break starts (and is) at `start`.
  void ResetBrk(uint64_t start) EXCLUDES(brk_lock_);
  /// brk(2): moves the break to `requested`, mapping or unmapping whole pages
  /// of anonymous memory above the old end. Returns the new break, or the
  /// unchanged one if the request cannot be met (Linux's rule: brk never
  /// fails with an error code); 0 asks for the current break.
  uint64_t MoveBrk(uint64_t requested) EXCLUDES(brk_lock_);

  /// Starts a thread that enters user mode at `entry` with stack pointer `sp`
  /// and `arg` in the first argument register. Errors: kNoMemory, kBadHandle
  /// (the process is exiting: no new threads).
  kstd::Result<kstd::RefPtr<sched::Thread>> StartUserThread(const char* name, uint64_t entry,
                                                            uint64_t sp, uint64_t arg);

  /// fork(): a new process whose address space is a copy-on-write copy of
  /// this one's, with the same name, brk, process group and session, and one
  /// thread that resumes from `frame` (the caller's syscall frame) with the
  /// syscall returning 0. Native handles are not inherited. The child is
  /// reaped by wait4 (it stays a zombie until then).
  /// Errors: kNoMemory.
  kstd::Result<kstd::RefPtr<Process>> Fork(const void* frame, const hal::ThreadContext& cpu);

  /// How a clone()d child starts. share_address_space: the child runs in this
  /// process's address space (vfork, CLONE_VM) until it execs or exits;
  /// stack: a new user stack pointer for the child (0: the parent's).
  struct CloneOptions {
    bool share_address_space = false;
    uint64_t stack = 0;
    uint64_t tls = 0;  // CLONE_SETTLS: the child's FS base (0: inherit)
    bool set_tls = false;
    uint64_t clear_child_tid = 0;  // CLONE_CHILD_CLEARTID: the new thread's address (0: none)
    // CLONE_CHILD_SETTID (Clone only): the child's pid is written here, in
    // the child's memory, before the child first runs (0: none; a fault is
    // ignored, as Linux ignores it).
    uint64_t child_set_tid = 0;
    // CLONE_PARENT (Clone only): the child's parent is this process's
    // parent, read when the child joins the table (so a parent that is
    // handing its children on meanwhile hands this one on too).
    bool parent_is_callers_parent = false;
    // CLONE_NEWUTS (Clone only): the child's UTS namespace (null: the parent's).
    UtsNamespace* uts_namespace = nullptr;
    // CLONE_NEWNS (Clone only): the child's mount namespace (null: the parent's).
    vfs::MountNamespace* mount_namespace = nullptr;
    // CLONE_NEWPID (Clone only): a new, empty PID namespace the child is
    // the init of (null: the parent's pid_namespace_for_children()).
    PidNamespace* pid_namespace = nullptr;
  };
  kstd::Result<kstd::RefPtr<Process>> Clone(const void* frame, const hal::ThreadContext& cpu,
                                            const CloneOptions& options);

  /// How a CLONE_THREAD thread starts: `clone` as for Clone (stack, TLS,
  /// clear_child_tid; share_address_space is implied), plus the user
  /// addresses that get the new tid before the thread first runs
  /// (CLONE_PARENT_SETTID, CLONE_CHILD_SETTID; 0: none; faults are ignored,
  /// as Linux ignores them).
  struct ThreadOptions {
    CloneOptions clone;
    uint64_t parent_tid = 0;
    uint64_t child_tid = 0;
  };
  /// clone(CLONE_THREAD): a new thread of this process that resumes from
  /// `frame` (the caller's syscall frame) with the syscall returning 0, the
  /// caller's FPU state and blocked mask, and no alternate signal stack. Its
  /// Linux tid comes from the pid space (it never equals a pid).
  /// Errors: kNoMemory, kInterrupted (the process is ending).
  kstd::Result<kstd::RefPtr<sched::Thread>> CloneThread(const void* frame,
                                                        const hal::ThreadContext& cpu,
                                                        const ThreadOptions& options);

  /// The live thread whose Linux tid is `tid` (one that is not being
  /// killed), or an empty RefPtr.
  kstd::RefPtr<sched::Thread> FindThread(uint64_t tid);
  /// The process that has a live thread with Linux tid `tid` (its pid for a
  /// main thread), or an empty RefPtr.
  static kstd::RefPtr<Process> FindByTid(uint64_t tid);

  /// exit(2) with Linux wait status `status`: the process reports the status
  /// of the last thread to call it when its last thread ends without
  /// exit_group (as Linux does).
  void NoteThreadExit(int status);

  /// vfork: the parent sleeps here until the child execs or ends.
  void WaitForVforkRelease();
  bool vfork_released_for_wait() const {
    SpinLockGuard guard(lock_);
    return vfork_released_;
  }

  /// execve(): replaces the calling thread's process image with the static
  /// ELF `file`. Everything that can fail (loading, the new stack) happens in
  /// a fresh address space first, so on error the caller's image is intact.
  /// Then, at the point of no return: other threads are ended, the old
  /// address space is released, close-on-exec fds are closed, the name
  /// becomes `name`, and `frame` (the caller's syscall frame) is reset to
  /// start the new program with a clean FPU and TLS base.
  /// With `cached` (the file's exec image cache entry) the image maps the
  /// cached pages and `file` may be empty.
  /// Errors: kBadExecutable (with `*why`), kTooBig, kNoMemory.
  kstd::Result<void> Exec(sched::Thread* caller, void* frame, kstd::ByteSpan file,
                          const struct ProgramArgs& args, const char* name, const char** why,
                          const class ExecImage* cached = nullptr);
  /// Whether `thread` is the process's main thread (its Linux tid is the
  /// pid: the first thread, or the one that ran execve).
  bool IsMainThread(const sched::Thread* thread) const { return LinuxOf(thread).tid == pid_; }
  /// Whether the process has run execve since fork (setpgid on such a child
  /// fails with EACCES).
  bool did_exec() const { return __atomic_load_n(&did_exec_, __ATOMIC_ACQUIRE); }

  /// Ends the process with a Linux wait status (exit code << 8, or a signal
  /// number): every thread (all of a multi-threaded process's) exits at its next return to user
  /// mode or blocking point. Idempotent (the first status wins).
  void Kill(int wait_status);

  /// Called by each of its threads as it exits (`thread` is the caller); the
  /// last one tears the process down (handles closed, address space
  /// released, kSignalTerminated raised). Each moves to the kernel's address
  /// space first: it may run again after the last one's teardown.
  void OnThreadExit(sched::Thread* thread);

  /// Removes a terminated child from the process table (wait4 reaped it).
  void Reap();

  /// Processes started by the native spawn call are not waited for with
  /// wait4: they leave the table as soon as they end (handles keep the
  /// object, and its exit status, alive).
  void set_auto_reap(bool v) { __atomic_store_n(&auto_reap_, v, __ATOMIC_SEQ_CST); }

  /// Woken whenever a child of this process ends or is reparented to it
  /// (wait4 sleeps on it); child_event_count() changes first.
  sched::WaitQueue& child_events() { return child_events_; }
  uint64_t child_event_count() const {
    return __atomic_load_n(&child_event_count_, __ATOMIC_ACQUIRE);
  }
  void NotifyChildEvent() {
    __atomic_fetch_add(&child_event_count_, 1, __ATOMIC_ACQ_REL);
    child_events_.WakeAll();
  }

  /// Tears down a process that never started a thread (a failed spawn) and
  /// drops it from the process table.
  void Abandon();

  bool terminated() const;
  /// Linux wait status (valid once terminated).
  int wait_status() const;
  size_t live_threads() const;
  uint64_t cpu_ticks() const;
  /// This process's own usage: its threads, live and exited.
  ResourceUsage Usage() const;
  /// The usage of the children it waited for, and of theirs (RUSAGE_CHILDREN).
  ResourceUsage ChildrenUsage() const;
  /// A child was reaped by wait: its own and its children's usage count as
  /// this process's children's (Linux's cutime/cstime).
  void AddReapedChildUsage(const ResourceUsage& usage);
  /// Raises the peak resident set to the address space's current one.
  void NoteResidentSet();

  /// Looks a live or zombie process up by pid. Returns an empty RefPtr if none.
  static kstd::RefPtr<Process> FindByPid(uint64_t pid);
  /// The pid (or thread id) handed out last (/proc/loadavg).
  static uint64_t LastPid();
  /// Process and thread ids handed out since boot (/proc/stat's processes).
  static uint64_t IdsGiven();
  /// kernel.pid_max: pids and thread ids stay below it, and wrap to 300
  /// (core/proc/pid_allocator.h). SetPidMax errors: kInvalid (outside
  /// [301, 4194304]).
  static uint64_t PidMax();
  static kstd::Result<void> SetPidMax(uint64_t max);
  /// Whether one of this process's threads has the id `tid`.
  bool HasThreadId(uint64_t tid) const;
  /// Calls fn(process, context) for every process in the table, in creation order,
  /// with the table lock held (fn must not block or create processes).
  static void ForEach(void (*fn)(Process* process, void* context), void* context);

  kstd::ListNode table_node_;  // on the global process table (table lock)

  // ---- What /proc shows about the program (core/procfs). Set by spawn and
  // execve, copied by fork; guarded by lock_.
  struct ImageInfo {
    uint64_t arg_start = 0, arg_end = 0;  // the argv strings (with NULs) in user memory
    uint64_t env_start = 0, env_end = 0;  // the envp strings
    uint64_t stack_start = 0;             // the stack pointer at entry (argc)
  };
  /// A consistent copy.
  ImageInfo image_info() const;
  /// Copies the executable's absolute path into `out` (NUL-terminated,
  /// truncated to `size`) and returns its full length; 0 if there is none
  /// (programs started from boot modules).
  size_t CopyExePath(char* out, size_t size) const;
  /// The address space with a reference, for readers outside the process
  /// (procfs); null once the process has exited.
  kstd::RefPtr<vm::VmAspace> aspace_ref() const;
  /// Records a new program image (spawn, execve) and takes `exe_path` (an
  /// absolute path from new[], or null: none), freeing the previous one.
  void SetImageInfo(const ImageInfo& info, char* exe_path);
  /// When the process was created (hal::MonotonicNanos).
  uint64_t start_nanos() const { return start_nanos_; }

 private:
  mutable SpinLock signal_lock_;
  posix::ProcessSignals signals_ GUARDED_BY(signal_lock_);
  JobControl job_control_ GUARDED_BY(signal_lock_);
  sched::WaitQueue stop_waiters_;
  // One brk(2) at a time per process (the break and its mapping change together).
  mutable SpinLock brk_lock_;
  uint64_t brk_start_ GUARDED_BY(brk_lock_) = 0;
  uint64_t brk_current_ GUARDED_BY(brk_lock_) = 0;
  mutable SpinLock fs_lock_;
  vfs::PinnedVnode cwd_ GUARDED_BY(fs_lock_);
  vfs::PinnedVnode root_ GUARDED_BY(fs_lock_);
  uint32_t umask_ GUARDED_BY(fs_lock_) = 022;
  kstd::RefPtr<UtsNamespace> uts_ns_ GUARDED_BY(fs_lock_);  // null: the boot one
  kstd::RefPtr<vfs::MountNamespace> mnt_ns_ GUARDED_BY(fs_lock_) =
      kstd::RefPtr<vfs::MountNamespace>::FromRaw(vfs::MountNamespace::Initial());
  kstd::RefPtr<PidNamespace> pid_ns_;  // set before the process is visible, then constant
  kstd::RefPtr<PidNamespace> pid_ns_for_children_ GUARDED_BY(fs_lock_);  // null: pid_ns_
  mutable SpinLock cred_lock_;
  posix::Credentials creds_ GUARDED_BY(cred_lock_) = posix::Credentials::Root();
  linux_abi::Rlimit limits_[linux_abi::kRlimitCount] GUARDED_BY(cred_lock_);
  // A leaf lock, also taken at the tick (it disables interrupts).
  mutable SpinLock cpu_timer_lock_;
  posix::CpuTimers cpu_timers_ GUARDED_BY(cpu_timer_lock_);
  uint32_t cpu_timer_fired_ = 0;  // atomic
  bool dumpable_ = true;
  bool no_new_privs_ = false;
  int pdeathsig_ = 0;
  bool child_subreaper_ = false;

  Process(const char* name, uint64_t pid, uint64_t parent_pid, uint32_t handle_secret);
  void TearDown();
  /// Who adopts this process's children when it ends: the nearest living
  /// ancestor in its PID namespace that is a child subreaper, else the
  /// namespace's init (for a namespace's init, or when that init is gone:
  /// the same search one namespace up); null if none.
  kstd::RefPtr<Process> OrphanHeir() const;
  /// This process was its namespace's init: the namespace takes no new
  /// processes, and every other process in it (and in its descendants)
  /// gets SIGKILL (Linux's zap_pid_ns_processes); its own children are
  /// reaped as they end (nobody is left to wait for them), and its parent
  /// hears of its end once the namespace is empty (FinishNamespaceEnds).
  void EndNamespace();
  /// Tells the parent of this (ended) process's end: SIGCHLD, a wake of
  /// its waiters, the reap if the parent does not collect zombies.
  void ReportExit();
  /// Its pid and thread ids leave their PID namespaces (reaped).
  void LeavePidNamespace();
  /// After numbers left `ns` and its ancestors: an ended init whose
  /// namespace now holds only its own number is reported (ReportExit).
  static void FinishNamespaceEnds(PidNamespace* ns);
  /// Marks `child` (of an ended namespace init, or an orphan coming to
  /// one) to be reaped when it ends, and reaps it if it has already ended.
  static void ReapWhenEnded(Process* child);

  char name_[kNameMax] = {};
  const uint64_t pid_;
  uint64_t parent_pid_;
  uint64_t pgid_ = 0;
  uint64_t sid_ = 0;
  bool auto_reap_ = false;             // atomic (ReapWhenEnded sets it from another thread)
  bool exit_report_deferred_ = false;  // atomic
  sched::WaitQueue child_events_;
  // vfork: set when the child released its parent (exec or exit).
  bool vfork_released_ = true;
  bool did_exec_ = false;  // set by Exec (a fork child starts without it)
  // Woken whenever one of its threads ends (execve waits for the others).
  sched::WaitQueue thread_exits_;
  // The status of the latest exit(2) (guarded by lock_).
  int thread_exit_status_ = 0;
  // execve from a multi-threaded process: kills the other threads and waits
  // until they are gone. Errors: kInterrupted (the process is being killed).
  kstd::Result<void> EndOtherThreads(sched::Thread* caller);
  sched::WaitQueue vfork_waiters_;
  void ReleaseVforkParent();
  // Drops a reference to an address space, destroying it if it was the last
  // user (a vfork child shares its parent's).
  static void DropAspace(kstd::RefPtr<vm::VmAspace> aspace);
  uint64_t child_event_count_ = 0;
  kstd::RefPtr<vm::VmAspace> aspace_;
  fd::FdTable* fds_ = nullptr;  // owned
  HandleTable handles_;
  ProcessCounters counters_;
  kstd::RefPtr<vm::PinnedQuota> pinned_quota_;  // set by Create/Clone, then constant
  uint64_t max_rss_pages_ = 0;                  // atomic (a maximum)
  // Guarded by lock_ (KernelObject's).
  ResourceUsage children_usage_ GUARDED_BY(lock_);
  kstd::IntrusiveList<sched::Thread, &sched::Thread::process_node_> threads_ GUARDED_BY(lock_);
  bool dying_ GUARDED_BY(lock_) = false;
  bool terminated_ GUARDED_BY(lock_) = false;
  int wait_status_ GUARDED_BY(lock_) = 0;
  // procfs (see ImageInfo).
  ImageInfo image_info_ GUARDED_BY(lock_);
  char* exe_path_ GUARDED_BY(lock_) = nullptr;  // owned (new[]), or null
  const uint64_t start_nanos_;
};

/// What the terminal layer (core/console) wants to hear of process exits: a
/// session leader with session id `sid` ended, so a terminal controlled by
/// that session is free. Set once at boot, before the first process; the hook
/// runs in the exiting thread without locks held.
using SessionEndHook = void (*)(uint64_t sid);
void SetSessionEndHook(SessionEndHook hook);

/// Called with the pid when a process ends (after its files are closed,
/// before its parent hears of it): System V semaphores give back what the
/// process took with SEM_UNDO (core/sysv, above proc). Set once at boot.
using ProcessEndHook = void (*)(uint64_t pid);
void SetProcessEndHook(ProcessEndHook hook);

}  // namespace core
