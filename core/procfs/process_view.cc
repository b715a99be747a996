// Snapshots of a process for /proc/<pid>/...: its state, memory and signal
// sets (ProcessView), its maps, its argv/envp strings and Tessera's
// accounting. Every read takes its own reference and the process's own locks
// briefly; a process that exits meanwhile shows as a zombie or not at all.

#include "abi/linux/signal.h"
#include "core/fd/fd_table.h"
#include "core/posix/signals.h"
#include "core/proc/linux_thread.h"
#include "core/procfs/internal.h"
#include "core/vm/pinned_quota.h"
#include "core/vm/vm_aspace.h"
#include "klog/format.h"
#include "kstd/string.h"

namespace core::procfs {

using kstd::RefPtr;
using kstd::Result;
using vfs::Name;

namespace {

constexpr uint64_t kPfExiting = 0x4;  // PF_EXITING: set on zombies
/// Regions shown per process at most (maps; VmSize and friends).
constexpr size_t kMaxRegions = 16384;
/// Bytes of argv (or envp) /proc/<pid>/{cmdline,environ} show at most
/// (execve's limit for both together).
constexpr uint64_t kMaxArgBytes = 128 * 1024;

struct HeapRange {
  uint64_t start = 0;  // page-aligned [start, end): the brk heap
  uint64_t end = 0;
};

HeapRange BrkRange(Process* p, uint64_t* brk_start) {
  const Process::BrkRange brk = p->brk();
  *brk_start = brk.start;
  constexpr uint64_t kPageMask = kPageSize - 1;
  return HeapRange{(brk.start + kPageMask) & ~kPageMask, (brk.current + kPageMask) & ~kPageMask};
}

// Calls fn(const vm::RegionInfo&) for each region in address order.
template <typename Fn>
void ForEachRegion(vm::VmAspace* aspace, Fn fn) {
  uint64_t at = 0;
  for (size_t n = 0; n < kMaxRegions; ++n) {
    auto r = aspace->NextRegion(at);
    if (r.is_error()) return;
    fn(r.value());
    at = r.value().base + r.value().size;
    if (at == 0) return;  // wrapped
  }
}

// The signal sets of status and stat: the process's actions and pending
// signals, and its first thread's mask and own pending signals (the main
// thread's, as Linux shows for /proc/<pid>).
void FillSignals(Process* p, ProcessView* v) {
  SpinLockGuard guard(p->signal_lock());  // before the process lock (ForEachThread)
  struct First {
    bool seen = false;
    posix::SigSet blocked = 0;
    posix::SigSet pending = 0;
  } first;
  p->ForEachThread(
      [](sched::Thread* t, void* c) {
        auto* f = static_cast<First*>(c);
        if (f->seen || SignalsOf(t) == nullptr) return;
        auto* ts = SignalsOf(t);
        f->seen = true;
        f->blocked = ts->blocked();
        f->pending = ts->own_pending();
      },
      &first);
  v->sig_blocked = first.blocked;
  v->sig_pending = first.pending;
  v->sig_shared_pending = p->signals().shared_pending();
  for (int signo = 1; signo <= 64; ++signo) {
    uint64_t handler = p->signals().action(signo).handler;
    if (handler == linux_abi::kSigIgn) v->sig_ignored |= posix::SigMask(signo);
    if (handler > linux_abi::kSigIgn) v->sig_caught |= posix::SigMask(signo);
  }
  // Queued signals: one per pending signal (a realtime signal queued twice
  // counts once here).
  v->sig_queued =
      static_cast<uint64_t>(__builtin_popcountll(v->sig_pending | v->sig_shared_pending));
  v->sig_queue_limit = posix::kMaxQueuedSignals;
}

}  // namespace

Result<uint64_t> ParseNumber(Name name) {
  if (name.size() == 0 || name.size() > 19) return kstd::Error::kNotFound;
  uint64_t v = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name.data()[i];
    if (c < '0' || c > '9') return kstd::Error::kNotFound;
    if (i == 0 && c == '0' && name.size() > 1) return kstd::Error::kNotFound;  // "01" is not "1"
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

size_t FormatNumber(char* out, uint64_t v) { return klog::Format(out, 24, "%lu", v); }

bool EmitDotEntries(uint64_t self, uint64_t parent, uint64_t* cursor, vfs::DirSink& sink) {
  if (*cursor < 1) {
    if (!sink.Emit(vfs::DirEntry{self, vfs::VnodeType::kDirectory, Name("."), 1})) return false;
    *cursor = 1;
  }
  if (*cursor < 2) {
    if (!sink.Emit(vfs::DirEntry{parent, vfs::VnodeType::kDirectory, Name(".."), 2})) return false;
    *cursor = 2;
  }
  return true;
}

ProcessDir::ProcessDir(RefPtr<vfs::FileSystem> fs, uint64_t ino, uint32_t mode, uint32_t nlink,
                       uint64_t pid, RefPtr<vfs::Vnode> parent)
    : Vnode(kstd::Move(fs), vfs::VnodeType::kDirectory, ino, mode, 0, 0, 0),
      pid_(pid),
      parent_(kstd::Move(parent)) {
  attr_.nlink = nlink;
  vfs::Timestamp now = vfs::Now();
  attr_.atime = attr_.mtime = attr_.ctime = attr_.btime = now;
}

Result<RefPtr<vfs::Vnode>> ProcessDir::Lookup(Name name) {
  if (name.size() > vfs::kMaxNameLength) return kstd::Error::kNameTooLong;
  if (name.IsDot()) return RefPtr<vfs::Vnode>::FromRaw(this);
  if (name.IsDotDot()) return parent_;
  return LookupEntry(name);
}

size_t CopyTarget(const char* text, size_t length, kstd::Span<char> out) {
  __builtin_memcpy(out.data(), text, kstd::Min(length, out.size()));
  return length;
}

// ---- What a process looks like.

// R if a thread can run, S if all wait, T while stopped by a job-control
// signal, Z once the process has exited (or its last thread is on its way
// out). Tessera's waits are all interruptible: no D.
char ProcessState(Process* p) {
  if (p->terminated()) return 'Z';
  {
    SpinLockGuard guard(p->signal_lock());
    if (p->signals().stopped()) return 'T';
  }
  struct Seen {
    bool any = false;
    bool runnable = false;
  } seen;
  p->ForEachThread(
      [](sched::Thread* t, void* c) {
        auto* s = static_cast<Seen*>(c);
        switch (t->state()) {
          case sched::ThreadState::kNew:
          case sched::ThreadState::kRunnable:
          case sched::ThreadState::kRunning:
            s->any = true;
            s->runnable = true;
            break;
          case sched::ThreadState::kBlocked: s->any = true; break;
          case sched::ThreadState::kDead: break;
        }
      },
      &seen);
  if (!seen.any) return 'Z';
  return seen.runnable ? 'R' : 'S';
}

void FillNsIds(Process* p, uint64_t tid, const PidNamespace* view, ProcessView* v) {
  // The process's namespaces below `view`, innermost first, then shown
  // outermost first.
  const PidNamespace* chain[kMaxNsLevelsShown];
  uint32_t n = 0;
  for (const PidNamespace* ns = p->pid_namespace();
       ns != nullptr && ns != view && n < kMaxNsLevelsShown; ns = ns->parent()) {
    chain[n++] = ns;
  }
  v->ns_levels = n;
  for (uint32_t i = 0; i < n; ++i) {
    const PidNamespace* ns = chain[n - 1 - i];
    v->ns_ids[i] = ProcessView::NsIds{ns->ToLocal(p->pid()), ns->ToLocal(tid != 0 ? tid : p->pid()),
                                      ns->ToLocal(p->pgid()), ns->ToLocal(p->sid())};
  }
}

void FillView(Process* p, const PidNamespace* view, ProcessView* v) {
  v->pid = view->ToLocal(p->pid());
  v->ppid = view->ToLocal(p->parent_pid());
  v->pgid = view->ToLocal(p->pgid());
  v->sid = view->ToLocal(p->sid());
  FillNsIds(p, 0, view, v);
  SetComm(v, p->name());
  v->state = ProcessState(p);
  v->threads = p->live_threads();
  {
    ResourceUsage own = p->Usage(), children = p->ChildrenUsage();
    v->utime = own.user_ticks / kKernelTicksPerUserTick;
    v->stime = own.system_ticks / kKernelTicksPerUserTick;
    v->cutime = children.user_ticks / kKernelTicksPerUserTick;
    v->cstime = children.system_ticks / kKernelTicksPerUserTick;
  }
  v->start_time = p->start_nanos() / kNanosPerUserTick;
  if (v->state == 'Z') {
    v->flags = kPfExiting;
    if (p->terminated()) v->exit_code = p->wait_status();
  }
  v->umask = p->umask();
  const posix::Credentials c = p->credentials();
  const uint32_t uids[4] = {c.ruid, c.euid, c.suid, c.fsuid};
  const uint32_t gids[4] = {c.rgid, c.egid, c.sgid, c.fsgid};
  for (int i = 0; i < 4; ++i) {
    v->uid[i] = uids[i];
    v->gid[i] = gids[i];
  }
  v->ngroups = kstd::Min(c.ngroups, kMaxGroupsShown);
  for (uint32_t i = 0; i < v->ngroups; ++i) v->groups[i] = c.groups[i];
  v->cap_inheritable = c.inheritable;
  v->cap_permitted = c.permitted;
  v->cap_effective = c.effective;
  v->cap_bounding = c.bounding;
  v->cap_ambient = c.ambient;
  v->no_new_privs = p->no_new_privs();
  FillSignals(p, v);
  v->fd_slots = static_cast<uint64_t>(p->fds()->capacity());

  RefPtr<vm::VmAspace> aspace = p->aspace_ref();
  if (!aspace) return;  // exited: no memory
  v->has_memory = true;
  Process::ImageInfo image = p->image_info();
  uint64_t brk_start = 0;
  HeapRange heap = BrkRange(p, &brk_start);
  v->rss = aspace->resident_pages();
  v->page_table_bytes = aspace->table_pages() * kPageSize;
  v->start_stack = image.stack_start;
  v->start_brk = brk_start;
  v->arg_start = image.arg_start;
  v->arg_end = image.arg_end;
  v->env_start = image.env_start;
  v->env_end = image.env_end;
  ForEachRegion(aspace.get(), [&](const vm::RegionInfo& r) {
    uint64_t end = r.base + r.size;
    v->vsize += r.size;
    if (r.guard) return;
    bool stack = image.stack_start >= r.base && image.stack_start < end;
    if (stack) {
      v->stack_bytes += r.size;
    } else if ((r.prot & vm::kProtExec) != 0) {
      v->exe_bytes += r.size;
      if (v->start_code == 0) {
        v->start_code = r.base;
        v->end_code = end;
      }
    } else if ((r.prot & vm::kProtWrite) != 0 && !r.shared) {
      v->data_bytes += r.size;
      // The program's data segment: the first writable region after its
      // code and below the heap.
      if (v->start_data == 0 && v->start_code != 0 && r.base >= v->end_code &&
          (heap.start == 0 || end <= heap.start)) {
        v->start_data = r.base;
        v->end_data = end;
      }
    }
  });
}

Result<RefPtr<Process>> FindProcess(uint64_t pid) {
  RefPtr<Process> p = Process::FindByPid(pid);
  if (!p) return kstd::Error::kNotFound;
  return p;
}

// Copies [start, end) of the process's memory (argv or envp strings).
void RenderUserRange(Process* p, uint64_t start, uint64_t end, TextBuffer& out) {
  RefPtr<vm::VmAspace> aspace = p->aspace_ref();
  if (!aspace || end <= start) return;
  if (end - start > kMaxArgBytes) end = start + kMaxArgBytes;
  char chunk[256];
  for (uint64_t at = start; at < end;) {
    size_t n = kstd::Min<uint64_t>(sizeof chunk, end - at);
    if (aspace->Peek(at, chunk, n).is_error()) return;  // unmapped since: what we have
    out.Append(chunk, n);
    at += n;
  }
}

void RenderMaps(Process* p, TextBuffer& out) {
  RefPtr<vm::VmAspace> aspace = p->aspace_ref();
  if (!aspace) return;
  Process::ImageInfo image = p->image_info();
  uint64_t brk_start = 0;
  HeapRange heap = BrkRange(p, &brk_start);
  // Adjacent regions with the same protection and label print as one line,
  // as Linux merges adjacent anonymous mappings (brk grows the heap one
  // region at a time here).
  MapsLine pending;
  bool have_pending = false;
  ForEachRegion(aspace.get(), [&](const vm::RegionInfo& r) {
    MapsLine line;
    line.start = r.base;
    line.end = r.base + r.size;
    line.read = !r.guard && (r.prot & vm::kProtRead) != 0;
    line.write = !r.guard && (r.prot & vm::kProtWrite) != 0;
    line.exec = !r.guard && (r.prot & vm::kProtExec) != 0;
    line.shared = r.shared;
    if (image.stack_start >= line.start && image.stack_start < line.end) {
      line.name = "[stack]";
    } else if (line.start >= heap.start && line.end <= heap.end && heap.end > heap.start) {
      line.name = "[heap]";
    }
    if (have_pending && pending.end == line.start && pending.read == line.read &&
        pending.write == line.write && pending.exec == line.exec && pending.shared == line.shared &&
        pending.name == line.name && !line.shared) {
      pending.end = line.end;
      return;
    }
    if (have_pending) RenderMapsLine(pending, out);
    pending = line;
    have_pending = true;
  });
  if (have_pending) RenderMapsLine(pending, out);
}

void RenderTessera(Process* p, TextBuffer& out) {
  ProcessCounters& c = p->counters();
  auto load = [](uint64_t& x) { return __atomic_load_n(&x, __ATOMIC_RELAXED); };
  RefPtr<vm::VmAspace> aspace = p->aspace_ref();
  size_t regions = 0;
  if (aspace) ForEachRegion(aspace.get(), [&](const vm::RegionInfo&) { ++regions; });
  out.Printf("pid: %lu\nname: %s\nstate: %c\nthreads: %zu\n", p->pid(), p->name(), ProcessState(p),
             p->live_threads());
  out.Printf("syscalls: %lu\n", load(c.syscalls));
  out.Printf("ipc_messages_sent: %lu\nipc_bytes_sent: %lu\n", load(c.ipc_messages_sent),
             load(c.ipc_bytes_sent));
  out.Printf("ipc_messages_received: %lu\nipc_bytes_received: %lu\n", load(c.ipc_messages_received),
             load(c.ipc_bytes_received));
  out.Printf("cpu_time_ns: %lu\n", p->cpu_ticks() * (kNanosPerSecond / sched::kTickHz));
  out.Printf("resident_pages: %lu\npage_table_pages: %zu\nregions: %zu\n",
             aspace ? aspace->resident_pages() : 0, aspace ? aspace->table_pages() : size_t{0},
             regions);
  out.Printf("handles: %zu\nfds: %d\n", p->handles().count(), p->fds()->count());
  const vm::PinnedQuota* pinned = p->pinned_quota().get();
  if (pinned != nullptr) {
    const vm::PinnedPool& pool = vm::SystemPinnedPool();
    out.Printf("pinned_pages: %lu\npinned_limit_pages: %lu\npinned_refused: %lu\n", pinned->pages(),
               pinned->limit(), pinned->refused());
    out.Printf("system_pinned_pages: %lu\nsystem_pinned_limit_pages: %lu\n", pool.pages(),
               pool.limit());
  }
  out.Printf("privilege_refused: %lu\n", load(c.privilege_refused));
}

}  // namespace core::procfs
