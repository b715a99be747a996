// /proc/<pid>/task/: one directory per thread of the process, named by its
// tid (gettid's number), and what a single thread looks like for the
// stat/status files of /proc/<pid>/task/<tid>/ (those directories are
// pid_dir.cc's, made with a tid). Threads without a Linux tid (native
// threads started after the first) are not listed.

#include "core/posix/signals.h"
#include "core/proc/linux_thread.h"
#include "core/procfs/internal.h"
#include "core/vfs/synthetic.h"
#include "kstd/new.h"

namespace core::procfs {
namespace {

using kstd::RefPtr;
using kstd::Result;
using vfs::Name;
using vfs::Vnode;
using vfs::VnodeType;

// The tids of a process's live threads, ascending (at most kMaxTasksListed).
struct TidList {
  uint64_t* tids = new (kstd::nothrow) uint64_t[kMaxTasksListed];
  size_t count = 0;
  ~TidList() { delete[] tids; }
};

void CollectTids(Process* p, TidList* list) {
  p->ForEachThread(
      [](sched::Thread* t, void* c) {
        auto* l = static_cast<TidList*>(c);
        if (t->owner_state() == nullptr || t->state() == sched::ThreadState::kDead) return;
        uint64_t tid = LinuxOf(t).tid;
        if (tid == 0 || l->count == kMaxTasksListed) return;
        size_t j = l->count++;
        for (; j > 0 && l->tids[j - 1] > tid; --j) l->tids[j] = l->tids[j - 1];
        l->tids[j] = tid;
      },
      list);
}

class TaskListDir final : public ProcessDir {
 public:
  TaskListDir(RefPtr<vfs::FileSystem> fs, uint64_t ino, uint64_t pid, RefPtr<Vnode> parent)
      : ProcessDir(kstd::Move(fs), ino, 0555, 3, pid, kstd::Move(parent)) {}

  Result<RefPtr<Vnode>> LookupEntry(Name name) override {
    // Names are the mount's namespace's numbers.
    uint64_t tid = ViewOf(fs())->ToGlobal(TRY(ParseNumber(name)));
    if (tid == 0) return kstd::Error::kNotFound;
    RefPtr<Process> p = TRY(FindProcess(pid_));
    if (!HasThread(p.get(), tid)) return kstd::Error::kNotFound;
    return MakeTaskDir(RefPtr<vfs::FileSystem>::FromRaw(fs()), pid_, tid,
                       RefPtr<Vnode>::FromRaw(this));
  }

  // Cursor: 1 ".", 2 "..", 3 + tid after that tid.
  Result<void> ReadDir(uint64_t* cursor, vfs::DirSink& sink) override {
    if (!EmitDots(cursor, sink)) return kstd::Ok();
    RefPtr<Process> p = Process::FindByPid(pid_);
    if (!p) return kstd::Ok();
    TidList list;
    if (list.tids == nullptr) return kstd::Error::kNoMemory;
    CollectTids(p.get(), &list);
    const PidNamespace* view = ViewOf(fs());
    for (size_t i = 0; i < list.count; ++i) {
      uint64_t tid = view->ToLocal(list.tids[i]);
      if (tid == 0) continue;
      if (tid + 3 <= *cursor) continue;  // listed already
      char name[24];
      size_t length = FormatNumber(name, tid);
      if (!sink.Emit(vfs::DirEntry{TaskIno(list.tids[i], 0), VnodeType::kDirectory,
                                   Name(name, length), tid + 3})) {
        return kstd::Ok();
      }
      *cursor = tid + 3;
    }
    return kstd::Ok();
  }
};

// What one thread adds to its process's view.
struct ThreadFacts {
  uint64_t tid = 0;
  bool found = false;
  sched::ThreadState state = sched::ThreadState::kNew;
  uint64_t cpu_ticks = 0;
  uint64_t system_ticks = 0;
  posix::SigSet blocked = 0;
  posix::SigSet pending = 0;
};

}  // namespace

bool HasThread(Process* p, uint64_t tid) {
  ThreadFacts facts;
  facts.tid = tid;
  p->ForEachThread(
      [](sched::Thread* t, void* c) {
        auto* f = static_cast<ThreadFacts*>(c);
        if (t->owner_state() != nullptr && t->state() != sched::ThreadState::kDead &&
            LinuxOf(t).tid == f->tid) {
          f->found = true;
        }
      },
      &facts);
  return tid != 0 && facts.found;
}

Result<void> FillThreadView(Process* p, uint64_t tid, const PidNamespace* view, ProcessView* v) {
  FillView(p, view, v);
  ThreadFacts facts;
  facts.tid = tid;
  {
    SpinLockGuard guard(p->signal_lock());  // before the process lock (ForEachThread)
    p->ForEachThread(
        [](sched::Thread* t, void* c) {
          auto* f = static_cast<ThreadFacts*>(c);
          if (f->found || t->owner_state() == nullptr || LinuxOf(t).tid != f->tid) return;
          f->found = true;
          f->state = t->state();
          f->cpu_ticks = t->cpu_ticks();
          f->system_ticks = t->system_ticks();
          if (posix::ThreadSignals* ts = SignalsOf(t)) {
            f->blocked = ts->blocked();
            f->pending = ts->own_pending();
          }
        },
        &facts);
  }
  if (tid == 0 || !facts.found) return kstd::Error::kNotFound;
  v->tid = view->ToLocal(tid);
  FillNsIds(p, tid, view, v);
  // The process's Z and T stand; otherwise the thread's own state.
  if (v->state == 'R' || v->state == 'S') {
    v->state = facts.state == sched::ThreadState::kBlocked ? 'S'
               : facts.state == sched::ThreadState::kDead  ? 'Z'
                                                           : 'R';
  }
  uint64_t user = facts.cpu_ticks - kstd::Min(facts.system_ticks, facts.cpu_ticks);
  v->utime = user / kKernelTicksPerUserTick;
  v->stime = facts.system_ticks / kKernelTicksPerUserTick;
  v->cutime = v->cstime = 0;  // children are the process's, not a thread's
  v->sig_blocked = facts.blocked;
  v->sig_pending = facts.pending;
  v->sig_queued =
      static_cast<uint64_t>(__builtin_popcountll(v->sig_pending | v->sig_shared_pending));
  return kstd::Ok();
}

Result<RefPtr<Vnode>> MakeTaskListDir(RefPtr<vfs::FileSystem> fs, uint64_t ino, uint64_t pid,
                                      RefPtr<Vnode> parent) {
  RefPtr<Vnode> dir = kstd::AdoptRef<Vnode>(
      new (kstd::nothrow) TaskListDir(kstd::Move(fs), ino, pid, kstd::Move(parent)));
  if (!dir) return kstd::Error::kNoMemory;
  return dir;
}

}  // namespace core::procfs
