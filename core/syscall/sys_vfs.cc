// Linux file-system calls: open/openat/creat, the stat family, getdents64,
// mkdir/rmdir/unlink/rename/link/symlink/readlink/mknod (and their *at forms),
// chmod/chown/utimensat, access, truncate, sync, cwd/chdir, umask, statfs.
// Paths are copied in (at most 4095 bytes) and resolved by the VFS against
// the process's root and cwd (or the dirfd's directory).

#include "abi/linux/fcntl.h"
#include "abi/linux/stat.h"
#include "abi/linux/statfs.h"
#include "abi/linux/time.h"
#include "core/fd/vnode_file.h"
#include "core/fs/root.h"
#include "core/syscall/sys_common.h"
#include "core/vfs/dirent.h"
#include "core/vfs/name.h"
#include "core/vfs/ops.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

constexpr size_t kPathBuffer = vfs::kMaxPathLength + 1;

// A path copied from user space.
class UserPath {
 public:
  ~UserPath() { delete[] buf_; }
  kstd::Result<void> CopyIn(uint64_t user) {
    buf_ = new (kstd::nothrow) char[kPathBuffer];
    if (buf_ == nullptr) return kstd::Error::kNoMemory;
    auto len = CopyStringIn(user, buf_, kPathBuffer - 1);
    if (len.is_error()) return len.error();
    len_ = len.value();
    return kstd::Ok();
  }
  vfs::Name name() const { return vfs::Name(buf_, len_); }
  bool empty() const { return len_ == 0; }
  const char* c_str() const { return buf_; }

 private:
  char* buf_ = nullptr;
  size_t len_ = 0;
};

// The resolution context for a *at call: root, and the start directory
// (cwd for AT_FDCWD, else the directory dirfd refers to).
class Context {
 public:
  kstd::Result<void> Init(int32_t dirfd, bool path_is_relative) {
    Process* p = CurrentProcess();
    {
      SpinLockGuard guard(p->fs_lock_);
      root_ = p->root_.ref();
      start_ = p->cwd_.ref();
    }
    if (dirfd != linux_abi::kAtFdCwd && path_is_relative) {
      auto file = p->fds()->Get(dirfd);
      if (file.is_error()) return kstd::Error::kBadHandle;
      vfs::Vnode* v = VnodeOf(file.value().get());
      if (v == nullptr) return kstd::Error::kNotDirectory;
      start_ = kstd::RefPtr<vfs::Vnode>::FromRaw(v);
    }
    if (!root_) return kstd::Error::kNotFound;
    return kstd::Ok();
  }
  vfs::PathContext get() const { return vfs::PathContext{&fs::Mounts(), root_.get(), start_.get()}; }
  vfs::Vnode* start() const { return start_.get(); }

  static vfs::Vnode* VnodeOf(fd::FileDescription* f) { return f->vnode(); }

 private:
  kstd::RefPtr<vfs::Vnode> root_;
  kstd::RefPtr<vfs::Vnode> start_;
};

bool IsRelative(const UserPath& p) { return p.empty() || p.c_str()[0] != '/'; }

// A path argument of a *at call, copied in and resolved against dirfd.
// An empty path is ENOENT.
struct PathArg {
  UserPath path;
  Context ctx;
  kstd::Result<void> Init(int32_t dirfd, uint64_t user) {
    TRY(path.CopyIn(user));
    if (path.empty()) return kstd::Error::kNotFound;
    return ctx.Init(dirfd, IsRelative(path));
  }
  vfs::Name name() const { return path.name(); }
  vfs::PathContext get() const { return ctx.get(); }
};

// The vnode for (dirfd, path, flags) of the stat-like calls, honouring
// AT_EMPTY_PATH (the dirfd itself) and AT_SYMLINK_NOFOLLOW.
kstd::Result<kstd::RefPtr<vfs::Vnode>> LookupAt(int32_t dirfd, uint64_t user_path, int32_t flags,
                                                bool follow_default) {
  UserPath path;
  TRY(path.CopyIn(user_path));
  if (path.empty()) {
    if ((flags & linux_abi::kAtEmptyPath) == 0) return kstd::Error::kNotFound;
    if (dirfd == linux_abi::kAtFdCwd) {
      Context ctx;
      TRY(ctx.Init(linux_abi::kAtFdCwd, true));
      return kstd::RefPtr<vfs::Vnode>::FromRaw(ctx.start());
    }
    auto file = TRY(CurrentProcess()->fds()->Get(dirfd));
    vfs::Vnode* v = Context::VnodeOf(file.get());
    if (v == nullptr) return kstd::Error::kNotSupported;  // a pipe or console without a vnode
    return kstd::RefPtr<vfs::Vnode>::FromRaw(v);
  }
  Context ctx;
  TRY(ctx.Init(dirfd, IsRelative(path)));
  bool follow = follow_default && (flags & linux_abi::kAtSymlinkNoFollow) == 0;
  if (flags & linux_abi::kAtSymlinkFollow) follow = true;
  return vfs::LookupPath(ctx.get(), path.name(), follow);
}

int64_t Result0(const kstd::Result<void>& r) { return r.ok() ? 0 : Errno(r.error()); }

// A namespace operation a file system cannot do is EPERM for the caller.
int64_t NamespaceResult(const kstd::Result<void>& r) {
  if (r.ok()) return 0;
  return Errno(r.error() == kstd::Error::kNotSupported ? kstd::Error::kPermission : r.error());
}

uint32_t Umask() {
  Process* p = CurrentProcess();
  SpinLockGuard guard(p->fs_lock_);
  return p->umask_;
}

int64_t DoOpen(int32_t dirfd, uint64_t user_path, uint32_t flags, uint32_t mode) {
  UserPath path;
  auto copied = path.CopyIn(user_path);
  if (copied.is_error()) return Errno(copied.error());
  if (path.empty()) return Errno(kstd::Error::kNotFound);
  if ((flags & linux_abi::kOPath) != 0) {
    return Errno(kstd::Error::kNotSupported);  // O_PATH: not yet
  }
  if ((flags & linux_abi::kOTmpFile) == linux_abi::kOTmpFile) {
    return Errno(kstd::Error::kNotSupported);
  }
  if ((flags & linux_abi::kOAccMode) == linux_abi::kOAccMode) return Errno(kstd::Error::kInvalid);
  Context ctx;
  auto init = ctx.Init(dirfd, IsRelative(path));
  if (init.is_error()) return Errno(init.error());
  auto file = vfs::OpenPath(ctx.get(), path.name(), flags, (mode & 07777) & ~Umask());
  if (file.is_error()) return Errno(file.error());
  uint32_t status = flags & (linux_abi::kOAccMode | linux_abi::kOAppend | linux_abi::kONonBlock |
                             linux_abi::kODirect | linux_abi::kONoAtime | linux_abi::kODsync |
                             linux_abi::kOLargeFile);
  kstd::RefPtr<fd::FileDescription> d =
      kstd::AdoptRef<fd::FileDescription>(new (kstd::nothrow) fd::VnodeFile(file.release_value(), status));
  if (!d) return Errno(kstd::Error::kNoMemory);
  auto n = CurrentProcess()->fds()->Install(kstd::Move(d), (flags & linux_abi::kOCloExec) != 0);
  return n.ok() ? n.value() : Errno(n.error());
}

int64_t CopyStatOut(vfs::Vnode* v, uint64_t user_buf) {
  linux_abi::Stat st;
  v->Stat(&st);
  return UserPtr<linux_abi::Stat>(user_buf).CopyOut(&st).ok() ? 0 : Errno(kstd::Error::kFault);
}

}  // namespace

// ---- open ----

int64_t SysLinuxOpen(UserPtr<const char> path, int32_t flags, uint32_t mode) {
  return DoOpen(linux_abi::kAtFdCwd, path.address(), static_cast<uint32_t>(flags), mode);
}

int64_t SysLinuxOpenat(int32_t dirfd, UserPtr<const char> path, int32_t flags, uint32_t mode) {
  return DoOpen(dirfd, path.address(), static_cast<uint32_t>(flags), mode);
}

int64_t SysLinuxCreat(UserPtr<const char> path, uint32_t mode) {
  return DoOpen(linux_abi::kAtFdCwd, path.address(),
                linux_abi::kOCreat | linux_abi::kOWrOnly | linux_abi::kOTrunc, mode);
}

// ---- stat ----

int64_t SysLinuxStat(UserPtr<const char> path, UserPtr<void> buf) {
  auto v = LookupAt(linux_abi::kAtFdCwd, path.address(), 0, true);
  return v.ok() ? CopyStatOut(v.value().get(), buf.address()) : Errno(v.error());
}

int64_t SysLinuxLstat(UserPtr<const char> path, UserPtr<void> buf) {
  auto v = LookupAt(linux_abi::kAtFdCwd, path.address(), linux_abi::kAtSymlinkNoFollow, true);
  return v.ok() ? CopyStatOut(v.value().get(), buf.address()) : Errno(v.error());
}

int64_t SysLinuxNewfstatat(int32_t dirfd, UserPtr<const char> path, UserPtr<void> buf, int32_t flags) {
  if ((flags & ~(linux_abi::kAtSymlinkNoFollow | linux_abi::kAtEmptyPath |
                 linux_abi::kAtNoAutomount)) != 0) {
    return Errno(kstd::Error::kInvalid);
  }
  auto v = LookupAt(dirfd, path.address(), flags, true);
  return v.ok() ? CopyStatOut(v.value().get(), buf.address()) : Errno(v.error());
}

int64_t SysLinuxFstat(int32_t fd, UserPtr<void> buf) {
  auto file = CurrentProcess()->fds()->Get(fd);
  if (file.is_error()) return Errno(file.error());
  vfs::Vnode* v = Context::VnodeOf(file.value().get());
  if (v == nullptr) {
    // A pipe: Linux reports a FIFO with no size.
    linux_abi::Stat st{};
    st.st_mode = linux_abi::kModeFifo | 0600;
    st.st_nlink = 1;
    st.st_blksize = 4096;
    return UserPtr<linux_abi::Stat>(buf.address()).CopyOut(&st).ok() ? 0
                                                                     : Errno(kstd::Error::kFault);
  }
  return CopyStatOut(v, buf.address());
}

int64_t SysLinuxStatx(int32_t dirfd, UserPtr<const char> path, int32_t flags, uint32_t mask,
                      UserPtr<void> buf) {
  (void)mask;  // every basic field is always filled (allowed by statx(2))
  if ((flags & ~(linux_abi::kAtSymlinkNoFollow | linux_abi::kAtEmptyPath |
                 linux_abi::kAtNoAutomount | linux_abi::kAtStatxSyncMask)) != 0) {
    return Errno(kstd::Error::kInvalid);
  }
  auto v = LookupAt(dirfd, path.address(), flags, true);
  if (v.is_error()) return Errno(v.error());
  linux_abi::Statx sx;
  vfs::FillLinuxStatx(v.value()->GetAttr(), fs::Mounts().MountIdOf(v.value()->fs()), &sx);
  return UserPtr<linux_abi::Statx>(buf.address()).CopyOut(&sx).ok() ? 0
                                                                    : Errno(kstd::Error::kFault);
}

// ---- directories ----

int64_t SysLinuxGetdents64(int32_t fd, UserPtr<void> dirp, uint32_t count) {
  auto file = CurrentProcess()->fds()->Get(fd);
  if (file.is_error()) return Errno(file.error());
  vfs::Vnode* v = Context::VnodeOf(file.value().get());
  if (v == nullptr || !v->IsDirectory()) return Errno(kstd::Error::kNotDirectory);
  auto* vf = static_cast<fd::VnodeFile*>(file.value().get());
  size_t size = kstd::Min<size_t>(count, 64 * 1024);
  uint8_t* buf = new (kstd::nothrow) uint8_t[size == 0 ? 1 : size];
  if (buf == nullptr) return Errno(kstd::Error::kNoMemory);
  vfs::Dirent64Writer writer(kstd::Span<uint8_t>(buf, size));
  uint64_t cursor = vf->offset();
  auto r = v->ReadDir(&cursor, writer);
  int64_t result;
  if (r.is_error()) {
    result = Errno(r.error());
  } else if (writer.bytes() == 0 && writer.overflowed()) {
    result = Errno(kstd::Error::kInvalid);  // the buffer cannot hold one entry
  } else if (!dirp.CopyOut(buf, writer.bytes()).ok()) {
    result = Errno(kstd::Error::kFault);
  } else {
    vf->set_offset(cursor);
    result = static_cast<int64_t>(writer.bytes());
  }
  delete[] buf;
  return result;
}

int64_t SysLinuxMkdirat(int32_t dirfd, UserPtr<const char> user_path, uint32_t mode) {
  PathArg path;
  auto init = path.Init(dirfd, user_path.address());
  if (init.is_error()) return Errno(init.error());
  return NamespaceResult(vfs::MakeDirectory(path.get(), path.name(), (mode & 07777) & ~Umask()));
}

int64_t SysLinuxMkdir(UserPtr<const char> path, uint32_t mode) {
  return SysLinuxMkdirat(linux_abi::kAtFdCwd, path, mode);
}

int64_t SysLinuxMknodat(int32_t dirfd, UserPtr<const char> user_path, uint32_t mode, uint64_t dev) {
  PathArg path;
  auto init = path.Init(dirfd, user_path.address());
  if (init.is_error()) return Errno(init.error());
  auto type = vfs::TypeFromMode(mode == (mode & 07777) ? (mode | linux_abi::kModeRegular) : mode);
  if (type.is_error()) return Errno(kstd::Error::kInvalid);
  return NamespaceResult(vfs::MakeNode(path.get(), path.name(), type.value(), (mode & 07777) & ~Umask(), dev));
}

int64_t SysLinuxMknod(UserPtr<const char> path, uint32_t mode, uint64_t dev) {
  return SysLinuxMknodat(linux_abi::kAtFdCwd, path, mode, dev);
}

int64_t SysLinuxUnlinkat(int32_t dirfd, UserPtr<const char> user_path, int32_t flags) {
  if ((flags & ~linux_abi::kAtRemoveDir) != 0) return Errno(kstd::Error::kInvalid);
  PathArg path;
  auto init = path.Init(dirfd, user_path.address());
  if (init.is_error()) return Errno(init.error());
  if (flags & linux_abi::kAtRemoveDir) {
    return NamespaceResult(vfs::RemoveDirectory(path.get(), path.name()));
  }
  return NamespaceResult(vfs::UnlinkPath(path.get(), path.name()));
}

int64_t SysLinuxUnlink(UserPtr<const char> path) {
  return SysLinuxUnlinkat(linux_abi::kAtFdCwd, path, 0);
}
int64_t SysLinuxRmdir(UserPtr<const char> path) {
  return SysLinuxUnlinkat(linux_abi::kAtFdCwd, path, linux_abi::kAtRemoveDir);
}

// The two paths of rename and link, copied in and resolved against their
// directory fds (old first, as Linux reports errors).
struct PathPair {
  UserPath a, b;
  Context ca_ctx, cb_ctx;

  kstd::Result<void> Load(int32_t olddirfd, UserPtr<const char> oldpath, int32_t newdirfd,
                          UserPtr<const char> newpath) {
    TRY(a.CopyIn(oldpath.address()));
    TRY(b.CopyIn(newpath.address()));
    if (a.empty() || b.empty()) return kstd::Error::kNotFound;
    TRY(ca_ctx.Init(olddirfd, IsRelative(a)));
    TRY(cb_ctx.Init(newdirfd, IsRelative(b)));
    return kstd::Ok();
  }
};

int64_t SysLinuxRenameat2(int32_t olddirfd, UserPtr<const char> oldpath, int32_t newdirfd,
                          UserPtr<const char> newpath, uint32_t flags) {
  // RENAME_NOREPLACE/EXCHANGE/WHITEOUT need atomic support in the VFS: refused.
  if (flags != 0) return Errno(kstd::Error::kInvalid);
  PathPair paths;
  auto loaded = paths.Load(olddirfd, oldpath, newdirfd, newpath);
  if (loaded.is_error()) return Errno(loaded.error());
  return NamespaceResult(
      vfs::RenamePath(paths.ca_ctx.get(), paths.a.name(), paths.cb_ctx.get(), paths.b.name()));
}

int64_t SysLinuxRenameat(int32_t olddirfd, UserPtr<const char> oldpath, int32_t newdirfd,
                         UserPtr<const char> newpath) {
  return SysLinuxRenameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}

int64_t SysLinuxRename(UserPtr<const char> oldpath, UserPtr<const char> newpath) {
  return SysLinuxRenameat2(linux_abi::kAtFdCwd, oldpath, linux_abi::kAtFdCwd, newpath, 0);
}

int64_t SysLinuxLinkat(int32_t olddirfd, UserPtr<const char> oldpath, int32_t newdirfd,
                       UserPtr<const char> newpath, int32_t flags) {
  if ((flags & ~(linux_abi::kAtSymlinkFollow | linux_abi::kAtEmptyPath)) != 0) {
    return Errno(kstd::Error::kInvalid);
  }
  PathPair paths;
  auto loaded = paths.Load(olddirfd, oldpath, newdirfd, newpath);
  if (loaded.is_error()) return Errno(loaded.error());
  return NamespaceResult(vfs::LinkPath(paths.ca_ctx.get(), paths.a.name(), paths.cb_ctx.get(),
                                       paths.b.name(), (flags & linux_abi::kAtSymlinkFollow) != 0));
}

int64_t SysLinuxLink(UserPtr<const char> oldpath, UserPtr<const char> newpath) {
  return SysLinuxLinkat(linux_abi::kAtFdCwd, oldpath, linux_abi::kAtFdCwd, newpath, 0);
}

int64_t SysLinuxSymlinkat(UserPtr<const char> target, int32_t newdirfd, UserPtr<const char> linkpath) {
  UserPath t, l;
  auto ct = t.CopyIn(target.address());
  if (ct.is_error()) return Errno(ct.error());
  auto cl = l.CopyIn(linkpath.address());
  if (cl.is_error()) return Errno(cl.error());
  if (t.empty() || l.empty()) return Errno(kstd::Error::kNotFound);
  Context ctx;
  auto init = ctx.Init(newdirfd, IsRelative(l));
  if (init.is_error()) return Errno(init.error());
  return NamespaceResult(vfs::MakeSymlink(ctx.get(), t.name(), l.name()));
}

int64_t SysLinuxSymlink(UserPtr<const char> target, UserPtr<const char> linkpath) {
  return SysLinuxSymlinkat(target, linux_abi::kAtFdCwd, linkpath);
}

int64_t SysLinuxReadlinkat(int32_t dirfd, UserPtr<const char> user_path, UserPtr<void> buf, int32_t size) {
  if (size <= 0) return Errno(kstd::Error::kInvalid);
  PathArg path;
  auto init = path.Init(dirfd, user_path.address());
  if (init.is_error()) return Errno(init.error());
  char target[vfs::kMaxPathLength];
  size_t cap = kstd::Min<size_t>(static_cast<size_t>(size), sizeof target);
  auto n = vfs::ReadLinkPath(path.get(), path.name(), kstd::Span<char>(target, cap));
  if (n.is_error()) return Errno(n.error());
  return buf.CopyOut(target, n.value()).ok() ? static_cast<int64_t>(n.value()) : Errno(kstd::Error::kFault);
}

int64_t SysLinuxReadlink(UserPtr<const char> path, UserPtr<void> buf, int32_t size) {
  return SysLinuxReadlinkat(linux_abi::kAtFdCwd, path, buf, size);
}

// ---- attributes ----

namespace {

// chmod/chown/utimensat: EROFS on a read-only mount (Linux's mnt_want_write).
int64_t SetAttrOn(vfs::Vnode* v, const vfs::SetAttrRequest& req) {
  if (auto writable = vfs::CheckWritable(*v); writable.is_error()) return Errno(writable.error());
  return NamespaceResult(v->SetAttr(req));
}

vfs::SetAttrRequest ModeRequest(uint32_t mode) {
  vfs::SetAttrRequest req;
  req.mask = vfs::SetAttrRequest::kMode;
  req.mode = mode & 07777;
  return req;
}

vfs::SetAttrRequest OwnerRequest(uint32_t uid, uint32_t gid) {
  vfs::SetAttrRequest req;
  if (uid != 0xFFFFFFFFu) {
    req.mask |= vfs::SetAttrRequest::kUid;
    req.uid = uid;
  }
  if (gid != 0xFFFFFFFFu) {
    req.mask |= vfs::SetAttrRequest::kGid;
    req.gid = gid;
  }
  return req;
}

kstd::Result<kstd::RefPtr<vfs::Vnode>> VnodeOfFd(int32_t fd) {
  auto file = TRY(CurrentProcess()->fds()->Get(fd));
  vfs::Vnode* v = Context::VnodeOf(file.get());
  if (v == nullptr) return kstd::Error::kNotSupported;
  return kstd::RefPtr<vfs::Vnode>::FromRaw(v);
}

}  // namespace

int64_t SysLinuxFchmodat(int32_t dirfd, UserPtr<const char> path, uint32_t mode) {
  auto v = LookupAt(dirfd, path.address(), 0, true);
  return v.ok() ? SetAttrOn(v.value().get(), ModeRequest(mode)) : Errno(v.error());
}

int64_t SysLinuxChmod(UserPtr<const char> path, uint32_t mode) {
  return SysLinuxFchmodat(linux_abi::kAtFdCwd, path, mode);
}

int64_t SysLinuxFchmod(int32_t fd, uint32_t mode) {
  auto v = VnodeOfFd(fd);
  return v.ok() ? SetAttrOn(v.value().get(), ModeRequest(mode)) : Errno(v.error());
}

int64_t SysLinuxFchownat(int32_t dirfd, UserPtr<const char> path, uint32_t uid, uint32_t gid, int32_t flags) {
  if ((flags & ~(linux_abi::kAtSymlinkNoFollow | linux_abi::kAtEmptyPath)) != 0) {
    return Errno(kstd::Error::kInvalid);
  }
  auto v = LookupAt(dirfd, path.address(), flags, true);
  return v.ok() ? SetAttrOn(v.value().get(), OwnerRequest(uid, gid)) : Errno(v.error());
}

int64_t SysLinuxChown(UserPtr<const char> path, uint32_t uid, uint32_t gid) {
  return SysLinuxFchownat(linux_abi::kAtFdCwd, path, uid, gid, 0);
}

int64_t SysLinuxLchown(UserPtr<const char> path, uint32_t uid, uint32_t gid) {
  return SysLinuxFchownat(linux_abi::kAtFdCwd, path, uid, gid, linux_abi::kAtSymlinkNoFollow);
}

int64_t SysLinuxFchown(int32_t fd, uint32_t uid, uint32_t gid) {
  auto v = VnodeOfFd(fd);
  return v.ok() ? SetAttrOn(v.value().get(), OwnerRequest(uid, gid)) : Errno(v.error());
}

int64_t SysLinuxUtimensat(int32_t dirfd, UserPtr<const char> path,
                          UserPtr<const linux_abi::Timespec> times, int32_t flags) {
  if ((flags & ~(linux_abi::kAtSymlinkNoFollow | linux_abi::kAtEmptyPath)) != 0) {
    return Errno(kstd::Error::kInvalid);
  }
  vfs::SetAttrRequest req;
  if (times.address() == 0) {
    req.mask = vfs::SetAttrRequest::kAtimeNow | vfs::SetAttrRequest::kMtimeNow;
  } else {
    linux_abi::Timespec ts[2];
    if (times.CopyIn(ts, 2).is_error()) return Errno(kstd::Error::kFault);
    for (int i = 0; i < 2; ++i) {
      if (ts[i].tv_nsec == linux_abi::kUtimeOmit) continue;
      if (ts[i].tv_nsec == linux_abi::kUtimeNow) {
        req.mask |= i == 0 ? vfs::SetAttrRequest::kAtimeNow : vfs::SetAttrRequest::kMtimeNow;
        continue;
      }
      if (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1'000'000'000) return Errno(kstd::Error::kInvalid);
      vfs::Timestamp t = vfs::FromTimespec(ts[i].tv_sec, ts[i].tv_nsec);
      if (i == 0) {
        req.mask |= vfs::SetAttrRequest::kAtime;
        req.atime = t;
      } else {
        req.mask |= vfs::SetAttrRequest::kMtime;
        req.mtime = t;
      }
    }
  }
  kstd::Result<kstd::RefPtr<vfs::Vnode>> v = kstd::Error::kNotFound;
  if (path.address() == 0) {
    // utimensat(fd, NULL, ...): futimens.
    if (dirfd == linux_abi::kAtFdCwd) return Errno(kstd::Error::kFault);
    v = VnodeOfFd(dirfd);
  } else {
    v = LookupAt(dirfd, path.address(), flags, true);
  }
  if (v.is_error()) return Errno(v.error());
  if (req.mask == 0) return 0;
  return SetAttrOn(v.value().get(), req);
}

int64_t SysLinuxFaccessat2(int32_t dirfd, UserPtr<const char> path, int32_t mode, int32_t flags) {
  if ((mode & ~7) != 0) return Errno(kstd::Error::kInvalid);
  if ((flags &
       ~(linux_abi::kAtSymlinkNoFollow | linux_abi::kAtEAccess | linux_abi::kAtEmptyPath)) != 0) {
    return Errno(kstd::Error::kInvalid);
  }
  auto v = LookupAt(dirfd, path.address(), flags, true);
  if (v.is_error()) return Errno(v.error());
  // Everything runs as root: read and write are granted; execute needs an x bit.
  if ((mode & linux_abi::kXOk) != 0 && !v.value()->IsDirectory() &&
      (v.value()->GetAttr().mode & 0111) == 0) {
    return Errno(kstd::Error::kAccess);
  }
  // "SuS v2 requires we report a read only fs too" (Linux): not for devices,
  // fifos and sockets, which are written elsewhere.
  vfs::VnodeType type = v.value()->type();
  bool special = type == vfs::VnodeType::kCharDevice || type == vfs::VnodeType::kBlockDevice ||
                 type == vfs::VnodeType::kFifo || type == vfs::VnodeType::kSocket;
  if ((mode & linux_abi::kWOk) != 0 && !special) return Result0(vfs::CheckWritable(*v.value()));
  return 0;
}

int64_t SysLinuxFaccessat(int32_t dirfd, UserPtr<const char> path, int32_t mode) {
  return SysLinuxFaccessat2(dirfd, path, mode, 0);
}

int64_t SysLinuxAccess(UserPtr<const char> path, int32_t mode) {
  return SysLinuxFaccessat2(linux_abi::kAtFdCwd, path, mode, 0);
}

int64_t SysLinuxTruncate(UserPtr<const char> path, int64_t length) {
  if (length < 0) return Errno(kstd::Error::kInvalid);
  auto v = LookupAt(linux_abi::kAtFdCwd, path.address(), 0, true);
  if (v.is_error()) return Errno(v.error());
  if (v.value()->IsDirectory()) return Errno(kstd::Error::kIsDirectory);
  if (v.value()->type() != vfs::VnodeType::kRegular) return Errno(kstd::Error::kInvalid);
  if (auto writable = vfs::CheckWritable(*v.value()); writable.is_error()) {
    return Errno(writable.error());
  }
  kstd::Result<void> truncated = v.value()->Truncate(static_cast<uint64_t>(length));
  v.value()->NoteContentChanged();
  return Result0(truncated);
}

int64_t SysLinuxFtruncate(int32_t fd, int64_t length) {
  if (length < 0) return Errno(kstd::Error::kInvalid);
  auto file = CurrentProcess()->fds()->Get(fd);
  if (file.is_error()) return Errno(file.error());
  vfs::Vnode* v = Context::VnodeOf(file.value().get());
  if (v == nullptr || !file.value()->writable()) return Errno(kstd::Error::kInvalid);
  if (v->IsDirectory()) return Errno(kstd::Error::kInvalid);
  kstd::Result<void> truncated = v->Truncate(static_cast<uint64_t>(length));
  v->NoteContentChanged();
  return Result0(truncated);
}

int64_t SysLinuxFsync(int32_t fd) {
  auto file = CurrentProcess()->fds()->Get(fd);
  if (file.is_error()) return Errno(file.error());
  vfs::Vnode* v = Context::VnodeOf(file.value().get());
  if (v == nullptr) return Errno(kstd::Error::kInvalid);
  return Result0(v->Sync());
}

int64_t SysLinuxFdatasync(int32_t fd) { return SysLinuxFsync(fd); }

int64_t SysLinuxSync() {
  // The memory file systems have nothing to write back; user-space file
  // systems (sys_fs_mount.cc) are asked to flush.
  SyncRemoteFileSystems();
  return 0;
}

// ---- cwd, umask, statfs ----

int64_t SysLinuxGetcwd(UserPtr<void> buf, uint64_t size) {
  Context ctx;
  auto init = ctx.Init(linux_abi::kAtFdCwd, true);
  if (init.is_error()) return Errno(init.error());
  char* path = new (kstd::nothrow) char[kPathBuffer];
  if (path == nullptr) return Errno(kstd::Error::kNoMemory);
  auto n = vfs::PathOf(fs::Mounts(), ctx.start(), ctx.get().root, kstd::Span<char>(path, kPathBuffer));
  int64_t r;
  if (n.is_error()) {
    r = Errno(n.error());
  } else if (n.value() + 1 > size) {
    r = Errno(kstd::Error::kRange);
  } else {
    r = buf.CopyOut(path, n.value() + 1).ok() ? static_cast<int64_t>(n.value() + 1) : Errno(kstd::Error::kFault);
  }
  delete[] path;
  return r;
}

int64_t SysLinuxChdir(UserPtr<const char> path) {
  auto v = LookupAt(linux_abi::kAtFdCwd, path.address(), 0, true);
  if (v.is_error()) return Errno(v.error());
  if (!v.value()->IsDirectory()) return Errno(kstd::Error::kNotDirectory);
  Process* p = CurrentProcess();
  vfs::PinnedVnode pinned(v.release_value());
  SpinLockGuard guard(p->fs_lock_);
  p->cwd_ = kstd::Move(pinned);
  return 0;
}

int64_t SysLinuxFchdir(int32_t fd) {
  auto v = VnodeOfFd(fd);
  if (v.is_error()) return Errno(v.error() == kstd::Error::kNotSupported ? kstd::Error::kNotDirectory : v.error());
  if (!v.value()->IsDirectory()) return Errno(kstd::Error::kNotDirectory);
  Process* p = CurrentProcess();
  vfs::PinnedVnode pinned(v.release_value());
  SpinLockGuard guard(p->fs_lock_);
  p->cwd_ = kstd::Move(pinned);
  return 0;
}

int64_t SysLinuxUmask(uint32_t mask) {
  Process* p = CurrentProcess();
  SpinLockGuard guard(p->fs_lock_);
  uint32_t old = p->umask_;
  p->umask_ = mask & 0777;
  return old;
}

int64_t SysLinuxStatfs(UserPtr<const char> path, UserPtr<void> buf) {
  auto v = LookupAt(linux_abi::kAtFdCwd, path.address(), 0, true);
  if (v.is_error()) return Errno(v.error());
  linux_abi::Statfs s;
  vfs::FillLinuxStatfs(v.value()->fs()->StatFs(), v.value()->fs()->device(),
                       v.value()->fs()->mount_flags(), &s);
  return UserPtr<linux_abi::Statfs>(buf.address()).CopyOut(&s).ok() ? 0
                                                                    : Errno(kstd::Error::kFault);
}

int64_t SysLinuxFstatfs(int32_t fd, UserPtr<void> buf) {
  auto v = VnodeOfFd(fd);
  if (v.is_error()) return Errno(v.error() == kstd::Error::kNotSupported ? kstd::Error::kInvalid : v.error());
  linux_abi::Statfs s;
  vfs::FillLinuxStatfs(v.value()->fs()->StatFs(), v.value()->fs()->device(),
                       v.value()->fs()->mount_flags(), &s);
  return UserPtr<linux_abi::Statfs>(buf.address()).CopyOut(&s).ok() ? 0
                                                                    : Errno(kstd::Error::kFault);
}

}  // namespace core::syscall
