// /proc/<pid>/: the directory of a process, its files (stat, status,
// cmdline, ...), its symbolic links (exe, cwd, root), fd/ with one link
// per open file descriptor and task/ (task_dir.cc). The same directory made
// with a tid is /proc/<pid>/task/<tid>/: stat and status show that thread.
// Every vnode names its process by pid and looks it up on each use, so one
// that outlives its process fails with kNotFound.

#include "core/fd/fd_table.h"
#include "core/fd/file.h"
#include "core/fd/memfd.h"
#include "core/procfs/internal.h"
#include "core/vfs/ops.h"
#include "core/vfs/synthetic.h"
#include "klog/format.h"
#include "kstd/new.h"
#include "kstd/string.h"

namespace core::procfs {
namespace {

using kstd::RefPtr;
using kstd::Result;
using vfs::Name;
using vfs::Vnode;
using vfs::VnodeType;

struct PathBuffer {
  char* data = new (kstd::nothrow) char[vfs::kMaxPathLength + 1];
  ~PathBuffer() { delete[] data; }
  kstd::Span<char> span() { return kstd::Span<char>(data, vfs::kMaxPathLength + 1); }
};

enum class PidFileKind : uint8_t {
  kStat,
  kStatus,
  kStatm,
  kCmdline,
  kComm,
  kEnviron,
  kMaps,
  kMounts,
  kTessera,
  kLimits
};

class PidFile final : public vfs::SyntheticFile {
 public:
  PidFile(RefPtr<vfs::FileSystem> fs, uint64_t ino, uint32_t mode, uint64_t pid, uint64_t tid,
          PidFileKind kind)
      : SyntheticFile(kstd::Move(fs), ino, mode), pid_(pid), tid_(tid), kind_(kind) {}

  Result<void> Render(TextBuffer& out) override {
    RefPtr<Process> p = TRY(FindProcess(pid_));
    switch (kind_) {
      case PidFileKind::kStat:
      case PidFileKind::kStatus:
      case PidFileKind::kStatm: {
        ProcessView view;
        if (tid_ != 0) {
          TRY(FillThreadView(p.get(), tid_, ViewOf(fs()), &view));
        } else {
          FillView(p.get(), ViewOf(fs()), &view);
        }
        if (kind_ == PidFileKind::kStat) RenderStat(view, out);
        if (kind_ == PidFileKind::kStatus) RenderStatus(view, out);
        if (kind_ == PidFileKind::kStatm) RenderStatm(view, out);
        break;
      }
      case PidFileKind::kCmdline: {
        Process::ImageInfo image = p->image_info();
        RenderUserRange(p.get(), image.arg_start, image.arg_end, out);
        break;
      }
      case PidFileKind::kEnviron: {
        TRY(CallerMayInspect(p.get()));
        Process::ImageInfo image = p->image_info();
        RenderUserRange(p.get(), image.env_start, image.env_end, out);
        break;
      }
      case PidFileKind::kComm: {
        ProcessView view;
        SetComm(&view, p->name());
        out.Printf("%s\n", view.comm);
        break;
      }
      case PidFileKind::kMaps:
        TRY(CallerMayInspect(p.get()));
        RenderMaps(p.get(), out);
        break;
      case PidFileKind::kMounts: {  // its namespace's (no chroot view)
        RefPtr<vfs::MountNamespace> ns = p->mount_namespace();
        if (!ns) return kstd::Error::kNotFound;  // exited
        return RenderMounts(ns->mounts(), out);
      }
      case PidFileKind::kTessera: RenderTessera(p.get(), out); break;
      case PidFileKind::kLimits: {
        linux_abi::Rlimit limits[linux_abi::kRlimitCount];
        for (int r = 0; r < linux_abi::kRlimitCount; ++r) limits[r] = p->resource_limit(r);
        // The soft limit on open files is the fd table's.
        if (p->fds() != nullptr) {
          limits[linux_abi::kRlimitNofile].cur = static_cast<uint64_t>(p->fds()->limit());
        }
        RenderLimits(limits, out);
        break;
      }
    }
    return kstd::Ok();
  }

 private:
  const uint64_t pid_;
  const uint64_t tid_;  // 0: the process
  const PidFileKind kind_;
};

enum class PidLinkKind : uint8_t { kExe, kCwd, kRoot };

class PidLink final : public vfs::SyntheticSymlink {
 public:
  PidLink(RefPtr<vfs::FileSystem> fs, uint64_t ino, uint64_t pid, PidLinkKind kind)
      : SyntheticSymlink(kstd::Move(fs), ino), pid_(pid), kind_(kind) {}

  Result<size_t> Target(kstd::Span<char> out) override {
    RefPtr<Process> p = TRY(FindProcess(pid_));
    TRY(CallerMayInspect(p.get()));
    PathBuffer path;
    if (path.data == nullptr) return kstd::Error::kNoMemory;
    if (kind_ == PidLinkKind::kExe) {
      size_t length = p->CopyExePath(path.data, vfs::kMaxPathLength + 1);
      if (length == 0) return kstd::Error::kNotFound;  // started from a boot module
      return CopyTarget(path.data, kstd::Min(length, vfs::kMaxPathLength), out);
    }
    RefPtr<Vnode> dir;
    dir = kind_ == PidLinkKind::kCwd ? p->cwd() : p->root();
    if (!dir) return kstd::Error::kNotFound;  // exited
    RefPtr<Vnode> root = ReaderRoot();
    RefPtr<vfs::MountNamespace> ns = ReaderMounts();
    size_t length = TRY(vfs::PathOf(TableOf(ns), dir.get(), root.get(), path.span()));
    return CopyTarget(path.data, length, out);
  }

 private:
  const uint64_t pid_;
  const PidLinkKind kind_;
};

// Finding a path for a file that is not a directory (vnodes know no parent):
// a breadth-first search of its file system's mount for the inode, through
// at most kMaxSearchedDirs directories.
constexpr size_t kMaxSearchedDirs = 64;
constexpr size_t kMaxSubdirsPerDir = 32;

class InodeSearchSink final : public vfs::DirSink {
 public:
  explicit InodeSearchSink(uint64_t ino, VnodeType type) : ino_(ino), type_(type) {}
  bool Emit(const vfs::DirEntry& e) override {
    if (e.name.IsDotOrDotDot()) return true;
    if (!found_ && e.ino == ino_ && e.type == type_) {
      found_ = true;
      found_length_ = e.name.size();
      __builtin_memcpy(found_name_, e.name.data(), e.name.size());
    }
    if (e.type == VnodeType::kDirectory && subdir_count_ < kMaxSubdirsPerDir) {
      Subdir& s = subdirs_[subdir_count_++];
      s.length = e.name.size();
      __builtin_memcpy(s.name, e.name.data(), e.name.size());
    }
    return true;
  }
  bool found() const { return found_; }
  Name found_name() const { return Name(found_name_, found_length_); }
  size_t subdir_count() const { return subdir_count_; }
  Name subdir(size_t i) const { return Name(subdirs_[i].name, subdirs_[i].length); }
  void ResetSubdirs() { subdir_count_ = 0; }

 private:
  struct Subdir {
    char name[vfs::kMaxNameLength];
    size_t length = 0;
  };
  const uint64_t ino_;
  const VnodeType type_;
  bool found_ = false;
  char found_name_[vfs::kMaxNameLength];
  size_t found_length_ = 0;
  Subdir subdirs_[kMaxSubdirsPerDir];
  size_t subdir_count_ = 0;
};

// The path of `target` (not a directory) as seen from `root`, into out.
// Errors: kNotFound (not found within the search's bounds), kNoMemory.
Result<size_t> FindPathOfFile(Vnode* target, Vnode* root, kstd::Span<char> out) {
  RefPtr<vfs::MountNamespace> ns = ReaderMounts();
  const vfs::MountTable& mounts = TableOf(ns);
  RefPtr<Vnode> fs_root;
  mounts.ForEach([&](const vfs::MountView& m) {
    if (!fs_root && m.fs == target->fs()) fs_root = RefPtr<Vnode>::FromRaw(m.root);
  });
  if (!fs_root) return kstd::Error::kNotFound;
  auto* queue = new (kstd::nothrow) RefPtr<Vnode>[kMaxSearchedDirs];
  auto* sink = new (kstd::nothrow) InodeSearchSink(target->ino(), target->type());
  struct Free {
    RefPtr<Vnode>* q;
    InodeSearchSink* s;
    ~Free() {
      delete[] q;
      delete s;
    }
  } free{queue, sink};
  if (queue == nullptr || sink == nullptr) return kstd::Error::kNoMemory;
  size_t head = 0, tail = 0;
  queue[tail++] = fs_root;
  while (head < tail) {
    RefPtr<Vnode> dir = queue[head++];
    sink->ResetSubdirs();
    uint64_t cursor = 0;
    for (int reads = 0; reads < 1024; ++reads) {
      uint64_t before = cursor;
      if (dir->ReadDir(&cursor, *sink).is_error() || cursor == before) break;
    }
    if (sink->found()) {
      size_t length = TRY(vfs::PathOf(mounts, dir.get(), root, out));
      Name name = sink->found_name();
      if (length > 1) ++length;  // "/" between, unless dir is "/"
      if (length + name.size() + 1 > out.size()) return kstd::Error::kNameTooLong;
      out[length - 1] = '/';
      __builtin_memcpy(out.data() + length, name.data(), name.size());
      out[length + name.size()] = '\0';
      return length + name.size();
    }
    for (size_t i = 0; i < sink->subdir_count() && tail < kMaxSearchedDirs; ++i) {
      auto child = dir->Lookup(sink->subdir(i));
      if (child.ok() && child.value()->IsDirectory() && !child.value()->is_mount_point()) {
        queue[tail++] = child.release_value();
      }
    }
  }
  return kstd::Error::kNotFound;
}

class FdLink final : public vfs::SyntheticSymlink {
 public:
  FdLink(RefPtr<vfs::FileSystem> fs, uint64_t ino, uint64_t pid, int fd, bool readable,
         bool writable)
      : SyntheticSymlink(kstd::Move(fs), ino), pid_(pid), fd_(fd) {
    // Linux: lr-x for a read-only fd, l-wx write-only, lrwx both.
    uint32_t perms = (readable ? 0500 : 0) | (writable ? 0300 : 0);
    attr_.mode = (attr_.mode & ~07777u) | perms;
  }

  Result<size_t> Target(kstd::Span<char> out) override {
    RefPtr<Process> p = TRY(FindProcess(pid_));
    auto file = p->fds()->Get(fd_);
    if (file.is_error()) return kstd::Error::kNotFound;  // closed since
    fd::FileDescription* d = file.value().get();
    Vnode* v = d->vnode();
    char text[64];
    if (v == nullptr) {  // a pipe: "pipe:[id]", as Linux names it
      return CopyTarget(text, klog::Format(text, sizeof text, "%s:[%lu]", d->Describe(), d->koid()),
                        out);
    }
    PathBuffer path;
    if (path.data == nullptr) return kstd::Error::kNoMemory;
    if (const fd::MemfdVnode* memfd = fd::MemfdVnode::From(v); memfd != nullptr) {
      // Linux: "/memfd:NAME (deleted)".
      size_t n = klog::Format(path.data, vfs::kMaxPathLength + 1, "/%s (deleted)", memfd->name());
      return CopyTarget(path.data, n, out);
    }
    RefPtr<Vnode> root = ReaderRoot();
    RefPtr<vfs::MountNamespace> ns = ReaderMounts();
    auto length = v->IsDirectory() ? vfs::PathOf(TableOf(ns), v, root.get(), path.span())
                                   : FindPathOfFile(v, root.get(), path.span());
    if (length.ok()) return CopyTarget(path.data, length.value(), out);
    // Unlinked, or beyond the search: name it by inode.
    return CopyTarget(text, klog::Format(text, sizeof text, "%s:[%lu]", d->Describe(), v->ino()),
                      out);
  }

 private:
  const uint64_t pid_;
  const int fd_;
};

// ---- Directories.

// The open fds of a process, as a bitmap.
struct FdSet {
  uint64_t words[fd::kMaxFds / 64] = {};
  bool Has(int fd) const {
    return fd >= 0 && fd < fd::kMaxFds && ((words[fd / 64] >> (fd % 64)) & 1);
  }
};

void CollectFds(Process* p, FdSet* set) {
  p->fds()->ForEach(
      [](int fd, fd::FileDescription*, void* c) {
        auto* s = static_cast<FdSet*>(c);
        if (fd >= 0 && fd < fd::kMaxFds) s->words[fd / 64] |= uint64_t{1} << (fd % 64);
      },
      set);
}

class FdDir final : public ProcessDir {
 public:
  FdDir(RefPtr<vfs::FileSystem> fs, uint64_t ino, uint64_t pid, RefPtr<Vnode> parent)
      : ProcessDir(kstd::Move(fs), ino, 0500, 2, pid, kstd::Move(parent)) {}

  Result<RefPtr<Vnode>> LookupEntry(Name name) override {
    uint64_t n = TRY(ParseNumber(name));
    if (n >= static_cast<uint64_t>(fd::kMaxFds)) return kstd::Error::kNotFound;
    RefPtr<Process> p = TRY(FindProcess(pid_));
    auto file = p->fds()->Get(static_cast<int>(n));
    if (file.is_error()) return kstd::Error::kNotFound;
    RefPtr<Vnode> link = kstd::AdoptRef<Vnode>(new (kstd::nothrow) FdLink(
        RefPtr<vfs::FileSystem>::FromRaw(fs()), PidIno(pid_, kFdInoSlot + n), pid_,
        static_cast<int>(n), file.value()->readable(), file.value()->writable()));
    if (!link) return kstd::Error::kNoMemory;
    return link;
  }

  // Cursor: 1 ".", 2 "..", 3 + fd after that fd.
  Result<void> ReadDir(uint64_t* cursor, vfs::DirSink& sink) override {
    if (!EmitDots(cursor, sink)) return kstd::Ok();
    RefPtr<Process> p = Process::FindByPid(pid_);
    if (!p) return kstd::Ok();
    // 2 KiB: on the heap, not the kernel stack.
    FdSet* set = new (kstd::nothrow) FdSet();
    if (set == nullptr) return kstd::Error::kNoMemory;
    struct Free {
      FdSet* s;
      ~Free() { delete s; }
    } free_set{set};
    CollectFds(p.get(), set);
    for (uint64_t fd = *cursor - 2; fd < static_cast<uint64_t>(fd::kMaxFds); ++fd) {
      if (!set->Has(static_cast<int>(fd))) continue;
      char name[24];
      size_t length = FormatNumber(name, fd);
      if (!sink.Emit(vfs::DirEntry{PidIno(pid_, kFdInoSlot + fd), VnodeType::kSymlink,
                                   Name(name, length), fd + 3})) {
        return kstd::Ok();
      }
      *cursor = fd + 3;
    }
    return kstd::Ok();
  }
};

enum class PidDirKind : uint8_t { kFd, kNs, kTask };

struct PidEntry {
  const char* name;
  VnodeType type;
  uint32_t mode;
  // One of these, by type:
  PidFileKind file;
  PidLinkKind link;
  PidDirKind dir;
  // Whether /proc/<pid>/task/<tid>/ has it too (Linux's has no task/).
  bool per_thread;
};

constexpr PidEntry kPidEntries[] = {
    {"cmdline", VnodeType::kRegular, 0444, PidFileKind::kCmdline, {}, {}, true},
    {"comm", VnodeType::kRegular, 0444, PidFileKind::kComm, {}, {}, true},
    {"cwd", VnodeType::kSymlink, 0777, {}, PidLinkKind::kCwd, {}, true},
    {"environ", VnodeType::kRegular, 0400, PidFileKind::kEnviron, {}, {}, true},
    {"exe", VnodeType::kSymlink, 0777, {}, PidLinkKind::kExe, {}, true},
    {"fd", VnodeType::kDirectory, 0500, {}, {}, PidDirKind::kFd, true},
    {"limits", VnodeType::kRegular, 0444, PidFileKind::kLimits, {}, {}, true},
    {"maps", VnodeType::kRegular, 0444, PidFileKind::kMaps, {}, {}, true},
    {"mounts", VnodeType::kRegular, 0444, PidFileKind::kMounts, {}, {}, true},
    {"ns", VnodeType::kDirectory, 0511, {}, {}, PidDirKind::kNs, true},
    {"root", VnodeType::kSymlink, 0777, {}, PidLinkKind::kRoot, {}, true},
    {"stat", VnodeType::kRegular, 0444, PidFileKind::kStat, {}, {}, true},
    {"statm", VnodeType::kRegular, 0444, PidFileKind::kStatm, {}, {}, true},
    {"status", VnodeType::kRegular, 0444, PidFileKind::kStatus, {}, {}, true},
    {"task", VnodeType::kDirectory, 0555, {}, {}, PidDirKind::kTask, false},
    {"tessera", VnodeType::kRegular, 0444, PidFileKind::kTessera, {}, {}, false},
};
constexpr size_t kPidEntryCount = sizeof(kPidEntries) / sizeof(kPidEntries[0]);

class PidDir final : public ProcessDir {
 public:
  // nlink: ".", its entry in /proc, fd/.., ns/.. (and task/..).
  PidDir(RefPtr<vfs::FileSystem> fs, uint64_t pid, uint64_t tid, RefPtr<Vnode> parent)
      : ProcessDir(kstd::Move(fs), tid != 0 ? TaskIno(tid, 0) : PidIno(pid, 0), 0555,
                   tid != 0 ? 4 : 5, pid, kstd::Move(parent)),
        tid_(tid) {
    OwnByProcess(this, pid);
  }

  Result<RefPtr<Vnode>> LookupEntry(Name name) override {
    for (size_t i = 0; i < kPidEntryCount; ++i) {
      const PidEntry& e = kPidEntries[i];
      if (!Shown(e) || !(Name(e.name, kstd::StringLength(e.name)) == name)) continue;
      RefPtr<Process> p = Process::FindByPid(pid_);
      if (!p || (tid_ != 0 && !HasThread(p.get(), tid_))) return kstd::Error::kNotFound;  // gone
      RefPtr<vfs::FileSystem> fs = RefPtr<vfs::FileSystem>::FromRaw(this->fs());
      uint64_t ino = Ino(1 + i);
      Vnode* v = nullptr;
      switch (e.type) {
        case VnodeType::kRegular:
          v = new (kstd::nothrow) PidFile(kstd::Move(fs), ino, e.mode, pid_, tid_, e.file);
          break;
        case VnodeType::kSymlink:
          v = new (kstd::nothrow) PidLink(kstd::Move(fs), ino, pid_, e.link);
          break;
        default:
          if (e.dir == PidDirKind::kTask) {
            return MakeTaskListDir(kstd::Move(fs), ino, pid_, RefPtr<Vnode>::FromRaw(this));
          }
          if (e.dir == PidDirKind::kNs) {
            return MakeNsDir(kstd::Move(fs), ino, pid_, RefPtr<Vnode>::FromRaw(this));
          }
          v = new (kstd::nothrow) FdDir(kstd::Move(fs), ino, pid_, RefPtr<Vnode>::FromRaw(this));
          break;
      }
      RefPtr<Vnode> ref = kstd::AdoptRef(v);
      if (!ref) return kstd::Error::kNoMemory;
      OwnByProcess(ref.get(), pid_);
      return ref;
    }
    return kstd::Error::kNotFound;
  }

  // Cursor: 1 ".", 2 "..", 3 + i after the i-th entry.
  Result<void> ReadDir(uint64_t* cursor, vfs::DirSink& sink) override {
    if (!EmitDots(cursor, sink)) return kstd::Ok();
    if (!Process::FindByPid(pid_)) return kstd::Ok();
    for (size_t i = *cursor - 2; i < kPidEntryCount; ++i) {
      const PidEntry& e = kPidEntries[i];
      if (!Shown(e)) continue;
      if (!sink.Emit(
              vfs::DirEntry{Ino(1 + i), e.type, Name(e.name, kstd::StringLength(e.name)), i + 3})) {
        return kstd::Ok();
      }
      *cursor = i + 3;
    }
    return kstd::Ok();
  }

 private:
  bool Shown(const PidEntry& e) const { return tid_ == 0 || e.per_thread; }
  uint64_t Ino(uint64_t slot) const { return tid_ != 0 ? TaskIno(tid_, slot) : PidIno(pid_, slot); }

  const uint64_t tid_;  // 0: the process
};

// /proc itself: the fixed entries (StaticDir), then one directory per
// process. Cursor: the StaticDir's, then kPidCursorBase + pid after a pid.

}  // namespace

Result<void> CallerMayInspect(Process* target) {
  Process* self = sched::Current()->process();
  if (self == nullptr || self == target) return kstd::Ok();
  if (!posix::MayInspect(self->credentials(), target->credentials(), target->dumpable())) {
    return kstd::Error::kAccess;
  }
  return kstd::Ok();
}

void OwnByProcess(Vnode* v, uint64_t pid) {
  RefPtr<Process> p = Process::FindByPid(pid);
  if (!p || !p->dumpable()) return;
  const posix::Credentials c = p->credentials();
  v->SetSyntheticOwner(c.euid, c.egid);
}

kstd::Result<kstd::RefPtr<vfs::Vnode>> MakePidDir(kstd::RefPtr<vfs::FileSystem> fs, uint64_t pid,
                                                  kstd::RefPtr<vfs::Vnode> parent) {
  RefPtr<Vnode> dir =
      kstd::AdoptRef<Vnode>(new (kstd::nothrow) PidDir(kstd::Move(fs), pid, 0, kstd::Move(parent)));
  if (!dir) return kstd::Error::kNoMemory;
  return dir;
}

kstd::Result<kstd::RefPtr<vfs::Vnode>> MakeTaskDir(kstd::RefPtr<vfs::FileSystem> fs, uint64_t pid,
                                                   uint64_t tid, kstd::RefPtr<vfs::Vnode> parent) {
  RefPtr<Vnode> dir = kstd::AdoptRef<Vnode>(
      new (kstd::nothrow) PidDir(kstd::Move(fs), pid, tid, kstd::Move(parent)));
  if (!dir) return kstd::Error::kNoMemory;
  return dir;
}

}  // namespace core::procfs
