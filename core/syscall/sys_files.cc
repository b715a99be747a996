// Linux file-system calls: open/openat/creat, the stat family, getdents64,
// mkdir/rmdir/unlink/rename/link/symlink/readlink/mknod (and their *at forms),
// chmod/chown/utimensat, access, truncate, sync, cwd/chdir, umask, statfs.
// Paths are copied in (at most 4095 bytes) and resolved by the VFS against
// the process's root and cwd (or the dirfd's directory).

#include "abi/linux/fcntl.h"
#include "abi/linux/stat.h"
#include "abi/linux/statfs.h"
#include "abi/linux/time.h"
#include "core/fd/lease.h"
#include "core/fd/lease_break.h"
#include "core/fd/vnode_file.h"
#include "core/fs/remote_mounts.h"
#include "core/fs/root.h"
#include "core/syscall/file_size_limit.h"
#include "core/syscall/sys_common.h"
#include "core/vfs/dirent.h"
#include "core/vfs/name.h"
#include "core/vfs/ops.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::syscall {

using fs::SyncRemoteFileSystems;

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
    cred_ = p->credentials();
    {
      Process::FsRoots roots = p->fs_roots();
      root_ = kstd::Move(roots.root);
      start_ = kstd::Move(roots.cwd);
      mounts_ = kstd::Move(roots.mounts);
    }
    if (dirfd != linux_abi::kAtFdCwd && path_is_relative) {
      auto file = p->fds()->Get(dirfd);
      if (file.is_error()) return kstd::Error::kBadHandle;
      vfs::Vnode* v = VnodeOf(file.value().get());
      if (v == nullptr) return kstd::Error::kNotDirectory;
      start_ = kstd::RefPtr<vfs::Vnode>::FromRaw(v);
    }
    if (!root_ || !mounts_) return kstd::Error::kNotFound;
    return kstd::Ok();
  }
  vfs::PathContext get() const {
    return vfs::PathContext{&mounts_->mounts(), root_.get(), start_.get(), &cred_};
  }
  /// The caller's mount table (its namespace's).
  const vfs::MountTable& mounts() const { return mounts_->mounts(); }
  vfs::Vnode* start() const { return start_.get(); }
  const posix::Credentials& cred() const { return cred_; }
  /// Checks with other credentials (access(2)'s real ids).
  void set_cred(const posix::Credentials& cred) { cred_ = cred; }

  static vfs::Vnode* VnodeOf(fd::FileDescription* f) { return f->vnode(); }

 private:
  kstd::RefPtr<vfs::Vnode> root_;
  kstd::RefPtr<vfs::Vnode> start_;
  kstd::RefPtr<vfs::MountNamespace> mounts_;
  posix::Credentials cred_;
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
                                                bool follow_default,
                                                const posix::Credentials* as = nullptr) {
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
  if (as != nullptr) ctx.set_cred(*as);
  bool follow = follow_default && (flags & linux_abi::kAtSymlinkNoFollow) == 0;
  if (flags & linux_abi::kAtSymlinkFollow) follow = true;
  return vfs::LookupPath(ctx.get(), path.name(), follow);
}

// 0, or the error of `r`.
kstd::Result<uint64_t> Result0(const kstd::Result<void>& r) {
  TRY(r);
  return 0;
}

// A namespace operation a file system cannot do is EPERM for the caller.
kstd::Result<uint64_t> NamespaceResult(const kstd::Result<void>& r) {
  if (r.ok()) return 0;
  return r.error() == kstd::Error::kNotSupported ? kstd::Error::kPermission : r.error();
}

uint32_t Umask() {
  Process* p = CurrentProcess();
  return p->umask();
}

kstd::Result<uint64_t> DoOpen(int32_t dirfd, uint64_t user_path, uint32_t flags, uint32_t mode) {
  UserPath path;
  TRY(path.CopyIn(user_path));
  if (path.empty()) return kstd::Error::kNotFound;
  if ((flags & linux_abi::kOPath) != 0) return kstd::Error::kNotSupported;  // O_PATH: not yet
  if ((flags & linux_abi::kOTmpFile) == linux_abi::kOTmpFile) return kstd::Error::kNotSupported;
  if ((flags & linux_abi::kOAccMode) == linux_abi::kOAccMode) return kstd::Error::kInvalid;
  Context ctx;
  TRY(ctx.Init(dirfd, IsRelative(path)));
  // Leases: an open for writing (or truncating) breaks every lease on the
  // file, an open for reading the write leases, before O_TRUNC truncates
  // (so the path walk opens without it when a lease may be in the way).
  const bool trunc_after_break =
      fd::AnyLeases() && (flags & linux_abi::kOTrunc) != 0 && linux_abi::OpenWantsWrite(flags);
  const uint32_t walk_flags = trunc_after_break ? flags & ~linux_abi::kOTrunc : flags;
  auto file = TRY(vfs::OpenPath(ctx.get(), path.name(), walk_flags, (mode & 07777) & ~Umask()));
  vfs::Vnode* v = file->vnode();
  if (fd::AnyLeases() && v != nullptr) {
    const bool want_write = linux_abi::OpenWantsWrite(flags) || (flags & linux_abi::kOTrunc) != 0;
    TRY(fd::BreakLeases(*v, want_write, (flags & linux_abi::kONonBlock) != 0));
  }
  if (trunc_after_break && v != nullptr && v->type() == vfs::VnodeType::kRegular &&
      v->GetAttr().size != 0) {
    kstd::Result<void> truncated = v->Truncate(0);
    v->NoteContentChanged();
    TRY(truncated);
  }
  uint32_t status = flags & (linux_abi::kOAccMode | linux_abi::kOAppend | linux_abi::kONonBlock |
                             linux_abi::kODirect | linux_abi::kONoAtime | linux_abi::kODsync |
                             linux_abi::kOLargeFile);
  kstd::RefPtr<fd::FileDescription> d = kstd::AdoptRef<fd::FileDescription>(
      new (kstd::nothrow) fd::VnodeFile(kstd::Move(file), status));
  if (!d) return kstd::Error::kNoMemory;
  return TRY(CurrentProcess()->fds()->Install(kstd::Move(d), (flags & linux_abi::kOCloExec) != 0));
}

kstd::Result<uint64_t> CopyStatOut(vfs::Vnode* v, uint64_t user_buf) {
  linux_abi::Stat st;
  v->Stat(&st);
  TRY(UserPtr<linux_abi::Stat>(user_buf).CopyOut(&st));
  return 0;
}

}  // namespace

// ---- open ----

kstd::Result<uint64_t> SysLinuxOpen(UserPtr<const char> path, int32_t flags, uint32_t mode) {
  return DoOpen(linux_abi::kAtFdCwd, path.address(), static_cast<uint32_t>(flags), mode);
}

kstd::Result<uint64_t> SysLinuxOpenat(int32_t dirfd, UserPtr<const char> path, int32_t flags,
                                      uint32_t mode) {
  return DoOpen(dirfd, path.address(), static_cast<uint32_t>(flags), mode);
}

kstd::Result<uint64_t> SysLinuxCreat(UserPtr<const char> path, uint32_t mode) {
  return DoOpen(linux_abi::kAtFdCwd, path.address(),
                linux_abi::kOCreat | linux_abi::kOWrOnly | linux_abi::kOTrunc, mode);
}

// ---- stat ----

kstd::Result<uint64_t> SysLinuxStat(UserPtr<const char> path, UserPtr<void> buf) {
  auto v = TRY(LookupAt(linux_abi::kAtFdCwd, path.address(), 0, true));
  return CopyStatOut(v.get(), buf.address());
}

kstd::Result<uint64_t> SysLinuxLstat(UserPtr<const char> path, UserPtr<void> buf) {
  auto v = TRY(LookupAt(linux_abi::kAtFdCwd, path.address(), linux_abi::kAtSymlinkNoFollow, true));
  return CopyStatOut(v.get(), buf.address());
}

kstd::Result<uint64_t> SysLinuxNewfstatat(int32_t dirfd, UserPtr<const char> path,
                                          UserPtr<void> buf, int32_t flags) {
  if ((flags &
       ~(linux_abi::kAtSymlinkNoFollow | linux_abi::kAtEmptyPath | linux_abi::kAtNoAutomount)) != 0)
    return kstd::Error::kInvalid;
  auto v = TRY(LookupAt(dirfd, path.address(), flags, true));
  return CopyStatOut(v.get(), buf.address());
}

kstd::Result<uint64_t> SysLinuxFstat(int32_t fd, UserPtr<void> buf) {
  auto file = TRY(CurrentProcess()->fds()->Get(fd));
  vfs::Vnode* v = Context::VnodeOf(file.get());
  if (v == nullptr) {
    // A pipe, a socket or an event file: Linux reports the type with no
    // size; the event files (epoll, eventfd, timerfd, signalfd, pidfd) are
    // its anonymous inodes: mode 0600 with no file type.
    linux_abi::Stat st{};
    bool anon = file->kind() != fd::FileKind::kOther;
    st.st_mode = anon ? 0600 : file->StatMode();
    st.st_ino = file->koid();
    st.st_nlink = 1;
    st.st_blksize = 4096;
    TRY(UserPtr<linux_abi::Stat>(buf.address()).CopyOut(&st));
    return 0;
  }
  return CopyStatOut(v, buf.address());
}

kstd::Result<uint64_t> SysLinuxStatx(int32_t dirfd, UserPtr<const char> path, int32_t flags,
                                     uint32_t mask, UserPtr<void> buf) {
  (void)mask;  // every basic field is always filled (allowed by statx(2))
  if ((flags & ~(linux_abi::kAtSymlinkNoFollow | linux_abi::kAtEmptyPath |
                 linux_abi::kAtNoAutomount | linux_abi::kAtStatxSyncMask)) != 0) {
    return kstd::Error::kInvalid;
  }
  auto v = TRY(LookupAt(dirfd, path.address(), flags, true));
  linux_abi::Statx sx;
  kstd::RefPtr<vfs::MountNamespace> ns = CurrentProcess()->mount_namespace();
  if (!ns) return kstd::Error::kNotFound;
  vfs::FillLinuxStatx(v->GetAttr(), ns->mounts().MountIdOf(v->fs()), &sx);
  TRY(UserPtr<linux_abi::Statx>(buf.address()).CopyOut(&sx));
  return 0;
}

// ---- directories ----

kstd::Result<uint64_t> SysLinuxGetdents64(int32_t fd, UserPtr<void> dirp, uint32_t count) {
  auto file = TRY(CurrentProcess()->fds()->Get(fd));
  vfs::Vnode* v = Context::VnodeOf(file.get());
  if (v == nullptr || !v->IsDirectory()) return kstd::Error::kNotDirectory;
  auto* vf = static_cast<fd::VnodeFile*>(file.get());
  size_t size = kstd::Min<size_t>(count, 64 * 1024);
  uint8_t* buf = new (kstd::nothrow) uint8_t[size == 0 ? 1 : size];
  if (buf == nullptr) return kstd::Error::kNoMemory;
  vfs::Dirent64Writer writer(kstd::Span<uint8_t>(buf, size));
  uint64_t cursor = vf->offset();
  auto r = v->ReadDir(&cursor, writer);
  kstd::Result<uint64_t> result = kstd::Error::kInvalid;
  if (r.is_error()) {
    result = r.error();
  } else if (writer.bytes() == 0 && writer.overflowed()) {
    result = kstd::Error::kInvalid;  // the buffer cannot hold one entry
  } else if (!dirp.CopyOut(buf, writer.bytes()).ok()) {
    result = kstd::Error::kFault;
  } else {
    vf->set_offset(cursor);
    result = writer.bytes();
  }
  delete[] buf;
  return result;
}

kstd::Result<uint64_t> SysLinuxMkdirat(int32_t dirfd, UserPtr<const char> user_path,
                                       uint32_t mode) {
  PathArg path;
  TRY(path.Init(dirfd, user_path.address()));
  return NamespaceResult(vfs::MakeDirectory(path.get(), path.name(), (mode & 07777) & ~Umask()));
}

kstd::Result<uint64_t> SysLinuxMkdir(UserPtr<const char> path, uint32_t mode) {
  return SysLinuxMkdirat(linux_abi::kAtFdCwd, path, mode);
}

kstd::Result<uint64_t> SysLinuxMknodat(int32_t dirfd, UserPtr<const char> user_path, uint32_t mode,
                                       uint64_t dev) {
  PathArg path;
  TRY(path.Init(dirfd, user_path.address()));
  auto type = vfs::TypeFromMode(mode == (mode & 07777) ? (mode | linux_abi::kModeRegular) : mode);
  if (type.is_error()) return kstd::Error::kInvalid;
  return NamespaceResult(
      vfs::MakeNode(path.get(), path.name(), type.value(), (mode & 07777) & ~Umask(), dev));
}

kstd::Result<uint64_t> SysLinuxMknod(UserPtr<const char> path, uint32_t mode, uint64_t dev) {
  return SysLinuxMknodat(linux_abi::kAtFdCwd, path, mode, dev);
}

kstd::Result<uint64_t> SysLinuxUnlinkat(int32_t dirfd, UserPtr<const char> user_path,
                                        int32_t flags) {
  if ((flags & ~linux_abi::kAtRemoveDir) != 0) return kstd::Error::kInvalid;
  PathArg path;
  TRY(path.Init(dirfd, user_path.address()));
  if (flags & linux_abi::kAtRemoveDir)
    return NamespaceResult(vfs::RemoveDirectory(path.get(), path.name()));
  return NamespaceResult(vfs::UnlinkPath(path.get(), path.name()));
}

kstd::Result<uint64_t> SysLinuxUnlink(UserPtr<const char> path) {
  return SysLinuxUnlinkat(linux_abi::kAtFdCwd, path, 0);
}
kstd::Result<uint64_t> SysLinuxRmdir(UserPtr<const char> path) {
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

kstd::Result<uint64_t> SysLinuxRenameat2(int32_t olddirfd, UserPtr<const char> oldpath,
                                         int32_t newdirfd, UserPtr<const char> newpath,
                                         uint32_t flags) {
  // RENAME_NOREPLACE/EXCHANGE/WHITEOUT need atomic support in the VFS: refused.
  if (flags != 0) return kstd::Error::kInvalid;
  PathPair paths;
  TRY(paths.Load(olddirfd, oldpath, newdirfd, newpath));
  return NamespaceResult(
      vfs::RenamePath(paths.ca_ctx.get(), paths.a.name(), paths.cb_ctx.get(), paths.b.name()));
}

kstd::Result<uint64_t> SysLinuxRenameat(int32_t olddirfd, UserPtr<const char> oldpath,
                                        int32_t newdirfd, UserPtr<const char> newpath) {
  return SysLinuxRenameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}

kstd::Result<uint64_t> SysLinuxRename(UserPtr<const char> oldpath, UserPtr<const char> newpath) {
  return SysLinuxRenameat2(linux_abi::kAtFdCwd, oldpath, linux_abi::kAtFdCwd, newpath, 0);
}

kstd::Result<uint64_t> SysLinuxLinkat(int32_t olddirfd, UserPtr<const char> oldpath,
                                      int32_t newdirfd, UserPtr<const char> newpath,
                                      int32_t flags) {
  if ((flags & ~(linux_abi::kAtSymlinkFollow | linux_abi::kAtEmptyPath)) != 0)
    return kstd::Error::kInvalid;
  PathPair paths;
  TRY(paths.Load(olddirfd, oldpath, newdirfd, newpath));
  return NamespaceResult(vfs::LinkPath(paths.ca_ctx.get(), paths.a.name(), paths.cb_ctx.get(),
                                       paths.b.name(), (flags & linux_abi::kAtSymlinkFollow) != 0));
}

kstd::Result<uint64_t> SysLinuxLink(UserPtr<const char> oldpath, UserPtr<const char> newpath) {
  return SysLinuxLinkat(linux_abi::kAtFdCwd, oldpath, linux_abi::kAtFdCwd, newpath, 0);
}

kstd::Result<uint64_t> SysLinuxSymlinkat(UserPtr<const char> target, int32_t newdirfd,
                                         UserPtr<const char> linkpath) {
  UserPath t, l;
  TRY(t.CopyIn(target.address()));
  TRY(l.CopyIn(linkpath.address()));
  if (t.empty() || l.empty()) return kstd::Error::kNotFound;
  Context ctx;
  TRY(ctx.Init(newdirfd, IsRelative(l)));
  return NamespaceResult(vfs::MakeSymlink(ctx.get(), t.name(), l.name()));
}

kstd::Result<uint64_t> SysLinuxSymlink(UserPtr<const char> target, UserPtr<const char> linkpath) {
  return SysLinuxSymlinkat(target, linux_abi::kAtFdCwd, linkpath);
}

kstd::Result<uint64_t> SysLinuxReadlinkat(int32_t dirfd, UserPtr<const char> user_path,
                                          UserPtr<void> buf, int32_t size) {
  if (size <= 0) return kstd::Error::kInvalid;
  PathArg path;
  TRY(path.Init(dirfd, user_path.address()));
  char target[vfs::kMaxPathLength];
  size_t cap = kstd::Min<size_t>(static_cast<size_t>(size), sizeof target);
  auto n = TRY(vfs::ReadLinkPath(path.get(), path.name(), kstd::Span<char>(target, cap)));
  TRY(buf.CopyOut(target, n));
  return n;
}

kstd::Result<uint64_t> SysLinuxReadlink(UserPtr<const char> path, UserPtr<void> buf, int32_t size) {
  return SysLinuxReadlinkat(linux_abi::kAtFdCwd, path, buf, size);
}

// ---- attributes ----

namespace {

// setattr_prepare's rules for the caller: chmod by the owner (or
// CAP_FOWNER), dropping set-group-ID for a group the caller is not in;
// chown only with CAP_CHOWN, except the owner giving the file to a group
// it is in; explicit times by the owner; "now" also by a writer.
kstd::Result<void> MaySetAttr(const posix::Credentials& c, const vfs::Vnode& v,
                              vfs::SetAttrRequest* req) {
  using R = vfs::SetAttrRequest;
  const posix::FileOwnership own = v.Ownership();
  if (req->mask & R::kUid) {
    const bool same = c.fsuid == own.uid && req->uid == own.uid;
    if (!same && !c.Has(linux_abi::kCapChown)) return kstd::Error::kPermission;
  }
  if (req->mask & R::kGid) {
    const bool owner_ok = c.fsuid == own.uid && (req->gid == own.gid || c.InGroup(req->gid));
    if (!owner_ok && !c.Has(linux_abi::kCapChown)) return kstd::Error::kPermission;
  }
  if (req->mask & R::kMode) {
    if (!posix::OwnerOrCapable(c, own.uid)) return kstd::Error::kPermission;
    const uint32_t gid = (req->mask & R::kGid) ? req->gid : own.gid;
    if (!c.InGroup(gid) && !c.Has(linux_abi::kCapFsetid)) req->mode &= ~linux_abi::kModeSetGid;
  }
  const bool explicit_times = (req->mask & (R::kAtime | R::kMtime)) != 0;
  const bool touch = (req->mask & R::kAtimeNow) && (req->mask & R::kMtimeNow) && !explicit_times;
  if (explicit_times && !posix::OwnerOrCapable(c, own.uid)) return kstd::Error::kPermission;
  if (touch && !posix::OwnerOrCapable(c, own.uid)) {
    TRY(posix::CheckAccess(c, own, posix::kMayWrite));
  }
  return kstd::Ok();
}

// chmod/chown/utimensat: EROFS on a read-only mount (Linux's mnt_want_write),
// then the caller's permission.
kstd::Result<uint64_t> SetAttrOn(vfs::Vnode* v, vfs::SetAttrRequest req) {
  if (auto writable = vfs::CheckWritable(*v); writable.is_error()) return writable.error();
  if (auto allowed = MaySetAttr(CurrentProcess()->credentials(), *v, &req); allowed.is_error()) {
    return allowed.error();
  }
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

kstd::Result<uint64_t> SysLinuxFchmodat(int32_t dirfd, UserPtr<const char> path, uint32_t mode) {
  auto v = TRY(LookupAt(dirfd, path.address(), 0, true));
  return SetAttrOn(v.get(), ModeRequest(mode));
}

kstd::Result<uint64_t> SysLinuxChmod(UserPtr<const char> path, uint32_t mode) {
  return SysLinuxFchmodat(linux_abi::kAtFdCwd, path, mode);
}

kstd::Result<uint64_t> SysLinuxFchmod(int32_t fd, uint32_t mode) {
  auto v = TRY(VnodeOfFd(fd));
  return SetAttrOn(v.get(), ModeRequest(mode));
}

kstd::Result<uint64_t> SysLinuxFchownat(int32_t dirfd, UserPtr<const char> path, uint32_t uid,
                                        uint32_t gid, int32_t flags) {
  if ((flags & ~(linux_abi::kAtSymlinkNoFollow | linux_abi::kAtEmptyPath)) != 0)
    return kstd::Error::kInvalid;
  auto v = TRY(LookupAt(dirfd, path.address(), flags, true));
  return SetAttrOn(v.get(), OwnerRequest(uid, gid));
}

kstd::Result<uint64_t> SysLinuxChown(UserPtr<const char> path, uint32_t uid, uint32_t gid) {
  return SysLinuxFchownat(linux_abi::kAtFdCwd, path, uid, gid, 0);
}

kstd::Result<uint64_t> SysLinuxLchown(UserPtr<const char> path, uint32_t uid, uint32_t gid) {
  return SysLinuxFchownat(linux_abi::kAtFdCwd, path, uid, gid, linux_abi::kAtSymlinkNoFollow);
}

kstd::Result<uint64_t> SysLinuxFchown(int32_t fd, uint32_t uid, uint32_t gid) {
  auto v = TRY(VnodeOfFd(fd));
  return SetAttrOn(v.get(), OwnerRequest(uid, gid));
}

kstd::Result<uint64_t> SysLinuxUtimensat(int32_t dirfd, UserPtr<const char> path,
                                         UserPtr<const linux_abi::Timespec> times, int32_t flags) {
  if ((flags & ~(linux_abi::kAtSymlinkNoFollow | linux_abi::kAtEmptyPath)) != 0)
    return kstd::Error::kInvalid;
  vfs::SetAttrRequest req;
  if (times.address() == 0) {
    req.mask = vfs::SetAttrRequest::kAtimeNow | vfs::SetAttrRequest::kMtimeNow;
  } else {
    linux_abi::Timespec ts[2];
    TRY(times.CopyIn(ts, 2));
    for (int i = 0; i < 2; ++i) {
      if (ts[i].tv_nsec == linux_abi::kUtimeOmit) continue;
      if (ts[i].tv_nsec == linux_abi::kUtimeNow) {
        req.mask |= i == 0 ? vfs::SetAttrRequest::kAtimeNow : vfs::SetAttrRequest::kMtimeNow;
        continue;
      }
      if (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1'000'000'000) return kstd::Error::kInvalid;
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
    if (dirfd == linux_abi::kAtFdCwd) return kstd::Error::kFault;
    v = VnodeOfFd(dirfd);
  } else {
    v = LookupAt(dirfd, path.address(), flags, true);
  }
  if (v.is_error()) return v.error();
  if (req.mask == 0) return 0;
  return SetAttrOn(v.value().get(), req);
}

kstd::Result<uint64_t> SysLinuxFaccessat2(int32_t dirfd, UserPtr<const char> path, int32_t mode,
                                          int32_t flags) {
  if ((mode & ~7) != 0) return kstd::Error::kInvalid;
  if ((flags &
       ~(linux_abi::kAtSymlinkNoFollow | linux_abi::kAtEAccess | linux_abi::kAtEmptyPath)) != 0)
    return kstd::Error::kInvalid;
  // access(2) asks for the real ids (AT_EACCESS: the effective ones); a
  // real uid other than 0 has no capabilities for it, real root all it
  // may have.
  posix::Credentials as = CurrentProcess()->credentials();
  if ((flags & linux_abi::kAtEAccess) == 0) {
    as.fsuid = as.ruid;
    as.fsgid = as.rgid;
    as.effective = as.ruid == 0 ? as.permitted : 0;
  }
  auto v = TRY(LookupAt(dirfd, path.address(), flags, true, &as));
  if (mode != 0) TRY(posix::CheckAccess(as, v->Ownership(), static_cast<uint32_t>(mode)));
  // "SuS v2 requires we report a read only fs too" (Linux): not for devices,
  // fifos and sockets, which are written elsewhere.
  vfs::VnodeType type = v->type();
  bool special = type == vfs::VnodeType::kCharDevice || type == vfs::VnodeType::kBlockDevice ||
                 type == vfs::VnodeType::kFifo || type == vfs::VnodeType::kSocket;
  if ((mode & linux_abi::kWOk) != 0 && !special) return Result0(vfs::CheckWritable(*v));
  return 0;
}

kstd::Result<uint64_t> SysLinuxFaccessat(int32_t dirfd, UserPtr<const char> path, int32_t mode) {
  return SysLinuxFaccessat2(dirfd, path, mode, 0);
}

kstd::Result<uint64_t> SysLinuxAccess(UserPtr<const char> path, int32_t mode) {
  return SysLinuxFaccessat2(linux_abi::kAtFdCwd, path, mode, 0);
}

kstd::Result<uint64_t> SysLinuxTruncate(UserPtr<const char> path, int64_t length) {
  if (length < 0) return kstd::Error::kInvalid;
  auto v = TRY(LookupAt(linux_abi::kAtFdCwd, path.address(), 0, true));
  if (v->IsDirectory()) return kstd::Error::kIsDirectory;
  if (v->type() != vfs::VnodeType::kRegular) return kstd::Error::kInvalid;
  if (auto writable = vfs::CheckWritable(*v); writable.is_error()) {
    return writable.error();
  }
  TRY(posix::CheckAccess(CurrentProcess()->credentials(), v->Ownership(), posix::kMayWrite));
  TRY(CheckNewFileSize(static_cast<uint64_t>(length)));
  TRY(fd::BreakLeases(*v, true, false));
  kstd::Result<void> truncated = v->Truncate(static_cast<uint64_t>(length));
  v->NoteContentChanged();
  return Result0(truncated);
}

kstd::Result<uint64_t> SysLinuxFtruncate(int32_t fd, int64_t length) {
  if (length < 0) return kstd::Error::kInvalid;
  auto file = TRY(CurrentProcess()->fds()->Get(fd));
  vfs::Vnode* v = Context::VnodeOf(file.get());
  if (v == nullptr || !file->writable()) return kstd::Error::kInvalid;
  if (v->IsDirectory()) return kstd::Error::kInvalid;
  if (v->type() == vfs::VnodeType::kRegular) TRY(CheckNewFileSize(static_cast<uint64_t>(length)));
  kstd::Result<void> truncated = v->Truncate(static_cast<uint64_t>(length));
  v->NoteContentChanged();
  return Result0(truncated);
}

kstd::Result<uint64_t> SysLinuxFsync(int32_t fd) {
  auto file = TRY(CurrentProcess()->fds()->Get(fd));
  return Result0(file->Sync());
}

kstd::Result<uint64_t> SysLinuxFdatasync(int32_t fd) { return SysLinuxFsync(fd); }

kstd::Result<uint64_t> SysLinuxSync() {
  // The memory file systems have nothing to write back; user-space file
  // systems (sys_fs_mount.cc) are asked to flush.
  SyncRemoteFileSystems();
  return 0;
}

// ---- cwd, umask, statfs ----

kstd::Result<uint64_t> SysLinuxGetcwd(UserPtr<void> buf, uint64_t size) {
  Context ctx;
  TRY(ctx.Init(linux_abi::kAtFdCwd, true));
  char* path = new (kstd::nothrow) char[kPathBuffer];
  if (path == nullptr) return kstd::Error::kNoMemory;
  auto n =
      vfs::PathOf(ctx.mounts(), ctx.start(), ctx.get().root, kstd::Span<char>(path, kPathBuffer));
  kstd::Result<uint64_t> r = kstd::Error::kRange;
  if (n.is_error()) {
    r = n.error();
  } else if (n.value() + 1 > size) {
    r = kstd::Error::kRange;
  } else if (buf.CopyOut(path, n.value() + 1).is_error()) {
    r = kstd::Error::kFault;
  } else {
    r = n.value() + 1;
  }
  delete[] path;
  return r;
}

kstd::Result<uint64_t> SysLinuxChdir(UserPtr<const char> path) {
  auto v = TRY(LookupAt(linux_abi::kAtFdCwd, path.address(), 0, true));
  if (!v->IsDirectory()) return kstd::Error::kNotDirectory;
  Process* p = CurrentProcess();
  TRY(posix::CheckAccess(p->credentials(), v->Ownership(), posix::kMayExec));
  vfs::PinnedVnode pinned(kstd::Move(v));
  p->SetCwd(kstd::Move(pinned));
  return 0;
}

kstd::Result<uint64_t> SysLinuxFchdir(int32_t fd) {
  auto v = VnodeOfFd(fd);
  if (v.is_error())
    return v.error() == kstd::Error::kNotSupported ? kstd::Error::kNotDirectory : v.error();
  if (!v.value()->IsDirectory()) return kstd::Error::kNotDirectory;
  Process* p = CurrentProcess();
  TRY(posix::CheckAccess(p->credentials(), v.value()->Ownership(), posix::kMayExec));
  vfs::PinnedVnode pinned(v.release_value());
  p->SetCwd(kstd::Move(pinned));
  return 0;
}

kstd::Result<uint64_t> SysLinuxUmask(uint32_t mask) {
  Process* p = CurrentProcess();
  return p->ExchangeUmask(mask);
}

kstd::Result<uint64_t> SysLinuxStatfs(UserPtr<const char> path, UserPtr<void> buf) {
  auto v = TRY(LookupAt(linux_abi::kAtFdCwd, path.address(), 0, true));
  linux_abi::Statfs s;
  vfs::FillLinuxStatfs(v->fs()->StatFs(), v->fs()->device(), v->fs()->mount_flags(), &s);
  TRY(UserPtr<linux_abi::Statfs>(buf.address()).CopyOut(&s));
  return 0;
}

kstd::Result<uint64_t> SysLinuxFstatfs(int32_t fd, UserPtr<void> buf) {
  auto v = VnodeOfFd(fd);
  if (v.is_error())
    return v.error() == kstd::Error::kNotSupported ? kstd::Error::kInvalid : v.error();
  linux_abi::Statfs s;
  vfs::FillLinuxStatfs(v.value()->fs()->StatFs(), v.value()->fs()->device(),
                       v.value()->fs()->mount_flags(), &s);
  TRY(UserPtr<linux_abi::Statfs>(buf.address()).CopyOut(&s));
  return 0;
}

}  // namespace core::syscall
