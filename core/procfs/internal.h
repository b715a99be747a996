#pragma once

// What procfs's files share (for core/procfs only): inode numbers, the
// namespace paths are shown in, the process table as a referenced list, and
// snapshots of one process (the data behind /proc/<pid>/...).

#include <stddef.h>
#include <stdint.h>

#include "core/proc/process.h"
#include "core/procfs/render.h"
#include "core/sched/scheduler.h"
#include "core/vfs/mount_table.h"
#include "core/vfs/vnode.h"
#include "kstd/new.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"
#include "kstd/utility.h"

namespace core::procfs {

inline constexpr uint64_t kNanosPerSecond = 1'000'000'000;
inline constexpr uint64_t kNanosPerUserTick = kNanosPerSecond / kUserHz;
inline constexpr uint64_t kKernelTicksPerUserTick = sched::kTickHz / kUserHz;
/// Processes one listing of /proc shows at most.
inline constexpr size_t kMaxListedProcesses = 1 << 16;

// Inode numbers are a function of what a vnode shows, so two lookups of the
// same file agree (find and ls -i rely on it): the fixed files count up from
// 1; /proc/<pid>/... take slots of their pid's block.
inline constexpr uint64_t kPidInoBase = uint64_t{1} << 24;
inline constexpr uint64_t kInosPerPid = 32768;
inline constexpr uint64_t kFdInoSlot = 64;  // /proc/<pid>/fd/<n> is slot kFdInoSlot + n
static_assert(kFdInoSlot + fd::kMaxFds <= kInosPerPid);
inline uint64_t PidIno(uint64_t pid, uint64_t slot) {
  return kPidInoBase + pid * kInosPerPid + slot;
}

/// /proc/<pid>/task/<tid>/...: the same slots in a block of the tid's,
/// apart from the processes' (a thread's tid may be its process's pid).
inline constexpr uint64_t kTaskInoFlag = uint64_t{1} << 60;
inline uint64_t TaskIno(uint64_t tid, uint64_t slot) { return PidIno(tid, slot) | kTaskInoFlag; }
/// Threads one listing of /proc/<pid>/task shows at most.
inline constexpr size_t kMaxTasksListed = 4096;

/// The reading process's mount namespace; null for a kernel thread (or an
/// exited process), for which TableOf gives the table InitProcFs was given.
kstd::RefPtr<vfs::MountNamespace> ReaderMounts();
/// The mount table of `ns` (null: InitProcFs's), with `ns` kept alive.
const vfs::MountTable& TableOf(const kstd::RefPtr<vfs::MountNamespace>& ns);
/// /proc/mounts (the reader's namespace) and /proc/<pid>/mounts (the
/// process's): every mount of `mounts`, root first, as "source path type
/// options 0 0" lines (render.h). Errors: kNoMemory, kAgain (the table kept
/// changing while it was copied).
kstd::Result<void> RenderMounts(const vfs::MountTable& mounts, TextBuffer& out);
/// The PID namespace a proc file system shows (its mounter's, as Linux):
/// /proc's numbered directories, self, thread-self and the ids in stat and
/// status are its numbers, and only its processes are there. `fs` is a
/// procfs instance (CreateProcFs); never null.
const PidNamespace* ViewOf(const vfs::FileSystem* fs);
/// The root directory the reading process sees paths from.
kstd::RefPtr<vfs::Vnode> ReaderRoot();

/// A decimal number as a file name ("42"); kNotFound for anything else (a
/// sign, a leading zero, more than 19 digits).
kstd::Result<uint64_t> ParseNumber(vfs::Name name);
/// Writes `v` in decimal into `out` (at least 24 bytes); returns the length.
size_t FormatNumber(char* out, uint64_t v);
/// A directory listing's first two entries, "." (`self`) at cursor 1 and
/// ".." (`parent`) at 2, from `*cursor` on (advanced past what was
/// emitted). False when the sink is full (the listing stops there).
bool EmitDotEntries(uint64_t self, uint64_t parent, uint64_t* cursor, vfs::DirSink& sink);
/// A directory under /proc/<pid>: names its process by pid, answers "."
/// and ".." (its `parent`), and is stamped with the time it was made.
class ProcessDir : public vfs::Vnode {
 public:
  kstd::Result<kstd::RefPtr<vfs::Vnode>> Lookup(vfs::Name name) final;

 protected:
  ProcessDir(kstd::RefPtr<vfs::FileSystem> fs, uint64_t ino, uint32_t mode, uint32_t nlink,
             uint64_t pid, kstd::RefPtr<vfs::Vnode> parent);
  /// Lookup of a name other than "." and ".." (at most kMaxNameLength).
  virtual kstd::Result<kstd::RefPtr<vfs::Vnode>> LookupEntry(vfs::Name name) = 0;
  /// ReadDir's first two entries (EmitDotEntries).
  bool EmitDots(uint64_t* cursor, vfs::DirSink& sink) {
    return EmitDotEntries(ino(), parent_->ino(), cursor, sink);
  }

  const uint64_t pid_;
  const kstd::RefPtr<vfs::Vnode> parent_;
};

/// Copies `text` as readlink answers: truncated to `out`, full length returned.
size_t CopyTarget(const char* text, size_t length, kstd::Span<char> out);

/// ptrace_may_access(PTRACE_MODE_READ_FSCREDS) for the calling process:
/// what /proc/<pid>/{environ,maps}, the cwd/root/exe links and ns/ need
/// beyond their mode bits (Linux's mm_access and proc_fd_access_allowed).
/// Errors: kAccess.
kstd::Result<void> CallerMayInspect(Process* target);
/// /proc/<pid> and its files belong to the process's effective user and
/// group, or to root once it is not dumpable (a set-ID program), as Linux.
void OwnByProcess(vfs::Vnode* v, uint64_t pid);

/// The live or zombie process `pid`, referenced. Errors: kNotFound.
kstd::Result<kstd::RefPtr<Process>> FindProcess(uint64_t pid);

// ---- The process table, referenced.

class ProcessList {
 public:
  ProcessList() = default;
  ProcessList(const ProcessList&) = delete;
  ProcessList& operator=(const ProcessList&) = delete;
  ~ProcessList() {
    ReleaseAll();
    delete[] items_;
  }

  /// Takes a reference to every process in the table, in pid order.
  /// Errors: kNoMemory.
  kstd::Result<void> Collect() {
    for (int attempt = 0; attempt < 4; ++attempt) {
      size_t count = 0;
      Process::ForEach([](Process*, void* c) { ++*static_cast<size_t*>(c); }, &count);
      Filler f;
      f.capacity = kstd::Min(count + 16, kMaxListedProcesses);
      f.items = new (kstd::nothrow) Process*[f.capacity];
      if (f.items == nullptr) return kstd::Error::kNoMemory;
      Process::ForEach(
          [](Process* p, void* c) {
            auto* fill = static_cast<Filler*>(c);
            ++fill->seen;
            if (fill->size == fill->capacity) return;
            p->AddRef();
            fill->items[fill->size++] = p;
          },
          &f);
      ReleaseAll();
      delete[] items_;
      items_ = f.items;
      size_ = f.size;
      if (f.seen <= f.capacity || f.capacity == kMaxListedProcesses) break;
    }
    for (size_t i = 1; i < size_; ++i) {  // the table is nearly sorted already
      Process* p = items_[i];
      size_t j = i;
      for (; j > 0 && items_[j - 1]->pid() > p->pid(); --j) items_[j] = items_[j - 1];
      items_[j] = p;
    }
    return kstd::Ok();
  }
  size_t size() const { return size_; }
  Process* operator[](size_t i) const { return items_[i]; }

 private:
  struct Filler {
    Process** items = nullptr;
    size_t capacity = 0;
    size_t size = 0;
    size_t seen = 0;
  };
  void ReleaseAll() {
    for (size_t i = 0; i < size_; ++i) {
      if (items_[i]->Release()) delete items_[i];
    }
    size_ = 0;
  }

  Process** items_ = nullptr;
  size_t size_ = 0;
};

// ---- One process (process_view.cc).

/// R, S, T or Z (see ProcessView::state).
char ProcessState(Process* p);
/// Everything /proc/<pid>/{stat,status,statm} show.
/// Ids are `view`'s numbers (0 for a parent, group or session it does
/// not see).
void FillView(Process* p, const PidNamespace* view, ProcessView* v);
/// The numbers of process `p` (and of its thread `tid`; 0: the process) in
/// each PID namespace below `view` down to its own (status's NS* lines).
void FillNsIds(Process* p, uint64_t tid, const PidNamespace* view, ProcessView* v);
/// Appends the bytes at [start, end) of the process's memory (its argv or
/// envp strings), at most 128 KiB; stops early where memory is unmapped.
void RenderUserRange(Process* p, uint64_t start, uint64_t end, TextBuffer& out);
/// /proc/<pid>/maps.
void RenderMaps(Process* p, TextBuffer& out);
/// /proc/<pid>/tessera: "key: value" lines of Tessera's accounting.
void RenderTessera(Process* p, TextBuffer& out);

// ---- One thread (task_dir.cc).

/// Whether `p` has a live thread whose Linux tid is `tid`.
bool HasThread(Process* p, uint64_t tid);
/// The process's view as its thread `tid` sees it: the tid, the thread's
/// state, CPU time and signal mask. Errors: kNotFound (no such thread).
kstd::Result<void> FillThreadView(Process* p, uint64_t tid, const PidNamespace* view,
                                  ProcessView* v);
/// A vnode for /proc/<pid>/task. Errors: kNoMemory.
kstd::Result<kstd::RefPtr<vfs::Vnode>> MakeTaskListDir(kstd::RefPtr<vfs::FileSystem> fs,
                                                       uint64_t ino, uint64_t pid,
                                                       kstd::RefPtr<vfs::Vnode> parent);

// ---- Namespaces (ns_dir.cc).

/// A vnode for /proc/<pid>/ns. Errors: kNoMemory.
kstd::Result<kstd::RefPtr<vfs::Vnode>> MakeNsDir(kstd::RefPtr<vfs::FileSystem> fs, uint64_t ino,
                                                 uint64_t pid, kstd::RefPtr<vfs::Vnode> parent);

// ---- Directories (pid_dir.cc).

/// A vnode for /proc/<pid> whose ".." is `parent`. Errors: kNoMemory.
kstd::Result<kstd::RefPtr<vfs::Vnode>> MakePidDir(kstd::RefPtr<vfs::FileSystem> fs, uint64_t pid,
                                                  kstd::RefPtr<vfs::Vnode> parent);
/// A vnode for /proc/<pid>/task/<tid> (the thread's files: pid_dir.cc's
/// minus task/) whose ".." is `parent`. Errors: kNoMemory.
kstd::Result<kstd::RefPtr<vfs::Vnode>> MakeTaskDir(kstd::RefPtr<vfs::FileSystem> fs, uint64_t pid,
                                                   uint64_t tid, kstd::RefPtr<vfs::Vnode> parent);

}  // namespace core::procfs
