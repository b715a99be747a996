// /proc/<pid>/ns/: one link per namespace kind Linux shows, "kind:[id]",
// the id being the namespace's inode number. Tessera has its own UTS, mount
// and PID namespaces (core/proc/uts_namespace.h, core/vfs/mount_namespace.h,
// core/proc/pid_namespace.h: pid is the process's, pid_for_children where
// its later children go, which names none, ENOENT, until a process is in
// it, as Linux); every other kind has one namespace, shown with Linux's id
// for its initial one (net, which Linux numbers dynamically, with the first
// dynamic id; the initial mount namespace has the next one). Following a link
// finds the namespace file: the link's target is a name the same directory
// resolves (Linux's are magic links; the name is also reachable directly
// here), a file whose inode number is the id; an open one keeps its UTS
// or mount namespace alive and is what setns(2) takes.

#include "core/proc/pid_namespace.h"
#include "core/proc/uts_namespace.h"
#include "core/procfs/internal.h"
#include "core/sync/spin_lock.h"
#include "core/vfs/mount_namespace.h"
#include "core/vfs/synthetic.h"
#include "klog/format.h"
#include "kstd/intrusive_list.h"
#include "kstd/new.h"
#include "kstd/string.h"

namespace core::procfs {
namespace {

using kstd::RefPtr;
using kstd::Result;
using vfs::Name;
using vfs::Vnode;
using vfs::VnodeType;

struct NsEntry {
  const char* name;   // the link's name
  const char* type;   // the target's prefix
  uint64_t fixed_id;  // 0: the process's own (UTS, mount, PID: NsId)
};
constexpr size_t kMntEntry = 2;  // kNsEntries[kMntEntry] is "mnt"

// Linux's first dynamic /proc inode (PROC_DYNAMIC_FIRST): its initial
// network and mount namespaces usually get it and the next one.
constexpr uint64_t kFirstDynamicIno = 0xF0000000u;
static_assert(UtsNamespace::kFirstDynamicId > kFirstDynamicIno + 1);
static_assert(vfs::MountNamespace::kInitialId == kFirstDynamicIno + 1);

// In ls's order. Linux's PROC_*_INIT_INO values.
constexpr NsEntry kNsEntries[] = {
    {"cgroup", "cgroup", 0xEFFFFFFBu},
    {"ipc", "ipc", 0xEFFFFFFFu},
    {"mnt", "mnt", 0},
    {"net", "net", kFirstDynamicIno},
    {"pid", "pid", 0},
    {"pid_for_children", "pid", 0},
    {"time", "time", 0xEFFFFFFAu},
    {"time_for_children", "time", 0xEFFFFFFAu},
    {"user", "user", 0xEFFFFFFDu},
    {"uts", "uts", 0},
};
constexpr size_t kNsEntryCount = sizeof(kNsEntries) / sizeof(kNsEntries[0]);
// /proc/<pid>/ns/<kind> is slot kNsInoSlot + kind of the pid's block.
constexpr uint64_t kNsInoSlot = 32;
static_assert(kNsInoSlot + kNsEntryCount <= kFdInoSlot);

constexpr size_t kPidEntry = 4, kPidForChildrenEntry = 5;
static_assert(PidNamespace::kRootId == 0xEFFFFFFCu);  // PROC_PID_INIT_INO

// The id `p` is in for entry `i`; 0: none (an exited process has no mount
// namespace; pid_for_children before the namespace has a process).
uint64_t NsId(Process* p, size_t i) {
  if (kNsEntries[i].fixed_id != 0) return kNsEntries[i].fixed_id;
  if (i == kMntEntry) {
    RefPtr<vfs::MountNamespace> mnt = p->mount_namespace();
    return mnt ? mnt->id() : 0;
  }
  if (i == kPidEntry) return p->pid_namespace()->id();
  if (i == kPidForChildrenEntry) {
    RefPtr<PidNamespace> ns = p->pid_namespace_for_children();
    return ns->init_global() != 0 ? ns->id() : 0;
  }
  return p->uts_namespace()->id();
}

// "type:[id]" into out (at least 48 bytes); returns the length.
size_t FormatTarget(size_t i, uint64_t id, char* out) {
  return klog::Format(out, 48, "%s:[%lu]", kNsEntries[i].type, id);
}

// A namespace file: what a link leads to. Reads give EINVAL (as nsfs).
// Every live one is registered, so setns can tell one from any other vnode.
class NsFile final : public Vnode {
 public:
  NsFile(RefPtr<vfs::FileSystem> fs, uint64_t id, RefPtr<UtsNamespace> uts,
         RefPtr<vfs::MountNamespace> mnt = nullptr, RefPtr<PidNamespace> pid = nullptr);
  ~NsFile() override;
  const RefPtr<UtsNamespace>& uts() const { return uts_; }
  const RefPtr<vfs::MountNamespace>& mnt() const { return mnt_; }
  const RefPtr<PidNamespace>& pid() const { return pid_; }

  kstd::ListNode registry_node;

 private:
  const RefPtr<UtsNamespace> uts_;         // null: not a UTS namespace
  const RefPtr<vfs::MountNamespace> mnt_;  // null: not a mount namespace
  const RefPtr<PidNamespace> pid_;         // null: not a PID namespace
};

SpinLock g_ns_files_lock;
kstd::IntrusiveList<NsFile, &NsFile::registry_node> g_ns_files GUARDED_BY(g_ns_files_lock);

NsFile::NsFile(RefPtr<vfs::FileSystem> fs, uint64_t id, RefPtr<UtsNamespace> uts,
               RefPtr<vfs::MountNamespace> mnt, RefPtr<PidNamespace> pid)
    : Vnode(kstd::Move(fs), VnodeType::kRegular, id, 0444, 0, 0, 0),
      uts_(kstd::Move(uts)),
      mnt_(kstd::Move(mnt)),
      pid_(kstd::Move(pid)) {
  SpinLockGuard guard(g_ns_files_lock);
  g_ns_files.PushBack(this);
}

NsFile::~NsFile() {
  SpinLockGuard guard(g_ns_files_lock);
  g_ns_files.Remove(this);
}

class NsLink final : public vfs::SyntheticSymlink {
 public:
  NsLink(RefPtr<vfs::FileSystem> fs, uint64_t ino, uint64_t pid, size_t index)
      : SyntheticSymlink(kstd::Move(fs), ino), pid_(pid), index_(index) {}

  Result<size_t> Target(kstd::Span<char> out) override {
    RefPtr<Process> p = TRY(FindProcess(pid_));
    TRY(CallerMayInspect(p.get()));
    char text[48];
    const uint64_t id = NsId(p.get(), index_);
    if (id == 0) return kstd::Error::kNotFound;  // exited, or no process yet
    return CopyTarget(text, FormatTarget(index_, id, text), out);
  }

 private:
  const uint64_t pid_;
  const size_t index_;
};

class NsDir final : public ProcessDir {
 public:
  NsDir(RefPtr<vfs::FileSystem> fs, uint64_t ino, uint64_t pid, RefPtr<Vnode> parent)
      : ProcessDir(kstd::Move(fs), ino, 0511, 2, pid, kstd::Move(parent)) {}

  Result<RefPtr<Vnode>> LookupEntry(Name name) override {
    RefPtr<Process> p = TRY(FindProcess(pid_));
    RefPtr<vfs::FileSystem> fs = RefPtr<vfs::FileSystem>::FromRaw(this->fs());
    for (size_t i = 0; i < kNsEntryCount; ++i) {
      if (Name(kNsEntries[i].name, kstd::StringLength(kNsEntries[i].name)) == name) {
        RefPtr<Vnode> link = kstd::AdoptRef<Vnode>(
            new (kstd::nothrow) NsLink(kstd::Move(fs), PidIno(pid_, kNsInoSlot + i), pid_, i));
        if (!link) return kstd::Error::kNoMemory;
        OwnByProcess(link.get(), pid_);
        return link;
      }
    }
    // A link's target: the namespace the process is in now.
    for (size_t i = 0; i < kNsEntryCount; ++i) {
      char text[48];
      uint64_t id = NsId(p.get(), i);
      if (id == 0 || !(Name(text, FormatTarget(i, id, text)) == name)) continue;
      TRY(CallerMayInspect(p.get()));
      RefPtr<UtsNamespace> uts;
      RefPtr<vfs::MountNamespace> mnt;
      RefPtr<PidNamespace> pid_ns;
      if (i == kMntEntry) {
        mnt = p->mount_namespace();
        if (!mnt || mnt->id() != id) return kstd::Error::kNotFound;  // it moved meanwhile
      } else if (i == kPidEntry) {
        pid_ns = RefPtr<PidNamespace>::FromRaw(p->pid_namespace());
      } else if (i == kPidForChildrenEntry) {
        pid_ns = p->pid_namespace_for_children();
        if (pid_ns->id() != id) return kstd::Error::kNotFound;  // it moved meanwhile
      } else if (kNsEntries[i].fixed_id == 0) {
        uts = p->uts_namespace();
        if (uts->id() != id) return kstd::Error::kNotFound;  // it moved meanwhile
      }
      RefPtr<Vnode> file = kstd::AdoptRef<Vnode>(new (kstd::nothrow) NsFile(
          kstd::Move(fs), id, kstd::Move(uts), kstd::Move(mnt), kstd::Move(pid_ns)));
      if (!file) return kstd::Error::kNoMemory;
      return file;
    }
    return kstd::Error::kNotFound;
  }

  // Cursor: 1 ".", 2 "..", 3 + i after the i-th entry.
  Result<void> ReadDir(uint64_t* cursor, vfs::DirSink& sink) override {
    if (!EmitDots(cursor, sink)) return kstd::Ok();
    if (!Process::FindByPid(pid_)) return kstd::Ok();
    for (size_t i = *cursor - 2; i < kNsEntryCount; ++i) {
      const NsEntry& e = kNsEntries[i];
      if (!sink.Emit(vfs::DirEntry{PidIno(pid_, kNsInoSlot + i), VnodeType::kSymlink,
                                   Name(e.name, kstd::StringLength(e.name)), i + 3})) {
        return kstd::Ok();
      }
      *cursor = i + 3;
    }
    return kstd::Ok();
  }
};

}  // namespace

Result<RefPtr<Vnode>> MakeNsDir(RefPtr<vfs::FileSystem> fs, uint64_t ino, uint64_t pid,
                                RefPtr<Vnode> parent) {
  RefPtr<Vnode> dir = kstd::AdoptRef<Vnode>(
      new (kstd::nothrow) NsDir(kstd::Move(fs), ino, pid, kstd::Move(parent)));
  if (!dir) return kstd::Error::kNoMemory;
  OwnByProcess(dir.get(), pid);
  return dir;
}

Result<RefPtr<PidNamespace>> PidNamespaceOfFile(Vnode* v) {
  SpinLockGuard guard(g_ns_files_lock);
  NsFile* file = g_ns_files.FindIf([v](NsFile* f) { return static_cast<Vnode*>(f) == v; });
  if (file == nullptr || !file->pid()) return kstd::Error::kInvalid;
  return file->pid();
}

Result<RefPtr<UtsNamespace>> NamespaceOfFile(Vnode* v) {
  SpinLockGuard guard(g_ns_files_lock);
  NsFile* file = g_ns_files.FindIf([v](NsFile* f) { return static_cast<Vnode*>(f) == v; });
  if (file == nullptr) return kstd::Error::kInvalid;    // not a namespace file
  if (!file->uts()) return kstd::Error::kNotSupported;  // a kind Tessera has one of
  return file->uts();
}

Result<RefPtr<vfs::MountNamespace>> MountNamespaceOfFile(Vnode* v) {
  SpinLockGuard guard(g_ns_files_lock);
  NsFile* file = g_ns_files.FindIf([v](NsFile* f) { return static_cast<Vnode*>(f) == v; });
  if (file == nullptr || !file->mnt()) return kstd::Error::kInvalid;  // not a mount one
  return file->mnt();
}

}  // namespace core::procfs
