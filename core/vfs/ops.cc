#include "core/vfs/ops.h"

#include "abi/linux/fcntl.h"
#include "abi/linux/stat.h"
#include "kstd/new.h"

namespace core::vfs {
namespace {

kstd::Result<Resolved> ResolveIn(const PathContext& ctx, Name path, bool follow, bool parent) {
  ResolveFlags flags;
  flags.follow_final_symlink = follow;
  flags.want_parent = parent;
  flags.cred = ctx.cred;
  return Resolve(*ctx.mounts, path, ctx.cwd, ctx.root, flags);
}

// may_create: write and search permission on the parent directory.
kstd::Result<void> MayCreateIn(const PathContext& ctx, const Vnode& parent) {
  if (ctx.cred == nullptr) return kstd::Ok();
  return posix::CheckAccess(*ctx.cred, parent.Ownership(), posix::kMayWrite | posix::kMayExec);
}

// may_delete: write and search permission on the parent, and the sticky
// bit's rule (kPermission).
kstd::Result<void> MayDeleteFrom(const PathContext& ctx, const Vnode& parent, const Vnode& victim) {
  if (ctx.cred == nullptr) return kstd::Ok();
  const posix::FileOwnership dir = parent.Ownership();
  TRY(posix::CheckAccess(*ctx.cred, dir, posix::kMayWrite | posix::kMayExec));
  if (!posix::MayDeleteFromSticky(*ctx.cred, dir.mode, dir.uid, victim.Ownership().uid)) {
    return kstd::Error::kPermission;
  }
  return kstd::Ok();
}

// Who owns a node the caller creates in `parent` (inode_init_owner): the fs
// uid, and the fs gid or, under a set-group-ID directory, the directory's
// group (a new directory inherits the bit). There a group-executable
// set-group-ID file loses the bit unless the caller is in the directory's
// group or has CAP_FSETID (Linux's mode_strip_sgid).
void SetNewOwner(const PathContext& ctx, const Vnode& parent, CreateRequest* request) {
  if (ctx.cred == nullptr) return;
  const posix::FileOwnership dir = parent.Ownership();
  request->uid = ctx.cred->fsuid;
  request->gid = ctx.cred->fsgid;
  if (dir.mode & linux_abi::kModeSetGid) {
    request->gid = dir.gid;
    if (request->type == VnodeType::kDirectory) request->mode |= linux_abi::kModeSetGid;
  }
  const bool strip = request->type != VnodeType::kDirectory &&
                     (dir.mode & linux_abi::kModeSetGid) &&
                     (request->mode & linux_abi::kModeSetGid) && (request->mode & 0010) &&
                     !ctx.cred->InGroup(dir.gid) && !ctx.cred->Has(linux_abi::kCapFsetid);
  if (strip) request->mode &= ~linux_abi::kModeSetGid;
}

// open(2)'s access check on an existing file (may_open): read and/or write
// as the access mode asks (O_TRUNC asks for write).
kstd::Result<void> MayOpen(const PathContext& ctx, const Vnode& v, uint32_t flags) {
  if (ctx.cred == nullptr) return kstd::Ok();
  uint32_t want = 0;
  switch (flags & linux_abi::kOAccMode) {
    case linux_abi::kORdOnly: want = posix::kMayRead; break;
    case linux_abi::kOWrOnly: want = posix::kMayWrite; break;
    default: want = posix::kMayRead | posix::kMayWrite; break;
  }
  if (flags & linux_abi::kOTrunc) want |= posix::kMayWrite;
  if (v.IsDirectory() && (want & posix::kMayWrite)) return kstd::Error::kIsDirectory;
  return posix::CheckAccess(*ctx.cred, v.Ownership(), want);
}

// protected_hardlinks (Linux's default 1): linking another user's file
// needs it to be a regular, non-set-ID file the caller may read and write.
kstd::Result<void> MayLink(const PathContext& ctx, const Vnode& target) {
  if (ctx.cred == nullptr) return kstd::Ok();
  const posix::FileOwnership f = target.Ownership();
  if (posix::OwnerOrCapable(*ctx.cred, f.uid)) return kstd::Ok();
  const bool setid =
      (f.mode & linux_abi::kModeSetUid) || ((f.mode & linux_abi::kModeSetGid) && (f.mode & 0010));
  if (target.type() != VnodeType::kRegular || setid ||
      posix::CheckAccess(*ctx.cred, f, posix::kMayRead | posix::kMayWrite).is_error()) {
    return kstd::Error::kPermission;
  }
  return kstd::Ok();
}

// The final component of a parent-mode resolution is not a plain name ("/",
// ".", "..").
bool IsSpecialName(const Resolved& r) {
  Name n = r.final_name();
  return n.empty() || n.IsDotOrDotDot();
}

kstd::Result<void> CreateIn(const PathContext& ctx, Name path, CreateRequest request) {
  Resolved r = TRY(ResolveIn(ctx, path, /*follow=*/false, /*parent=*/true));
  if (r.vnode) return kstd::Error::kExists;
  if (r.trailing_slash && request.type != VnodeType::kDirectory) return kstd::Error::kNotFound;
  TRY(CheckWritable(*r.parent));
  TRY(MayCreateIn(ctx, *r.parent));
  const bool device =
      request.type == VnodeType::kCharDevice || request.type == VnodeType::kBlockDevice;
  if (device && ctx.cred != nullptr && !ctx.cred->Has(linux_abi::kCapMknod)) {
    return kstd::Error::kPermission;
  }
  SetNewOwner(ctx, *r.parent, &request);
  TRY(r.parent->Create(r.final_name(), request));
  return kstd::Ok();
}

}  // namespace

kstd::Result<void> CheckWritable(const Vnode& v) {
  if (v.fs() != nullptr && v.fs()->read_only()) return kstd::Error::kReadOnlyFs;
  return kstd::Ok();
}

kstd::Result<kstd::RefPtr<Vnode>> LookupPath(const PathContext& ctx, Name path,
                                             bool follow_final_symlink) {
  Resolved r = TRY(ResolveIn(ctx, path, follow_final_symlink, /*parent=*/false));
  return r.vnode;
}

kstd::Result<kstd::RefPtr<OpenFile>> OpenPath(const PathContext& ctx, Name path, uint32_t flags,
                                              uint32_t mode, uint32_t uid, uint32_t gid) {
  const bool nofollow = (flags & linux_abi::kONoFollow) != 0;
  kstd::RefPtr<Vnode> vnode;
  bool created = false;
  if (flags & linux_abi::kOCreat) {
    const bool exclusive = (flags & linux_abi::kOExcl) != 0;
    Resolved r = TRY(ResolveIn(ctx, path, !exclusive && !nofollow, /*parent=*/true));
    if (IsSpecialName(r)) {  // "/", ".", "..": directories, never created
      return exclusive ? kstd::Error::kExists : kstd::Error::kIsDirectory;
    }
    if (r.trailing_slash) return kstd::Error::kIsDirectory;  // Linux: even O_EXCL on a dir
    if (r.vnode) {
      if (exclusive) return kstd::Error::kExists;
      if (r.vnode->IsDirectory()) return kstd::Error::kIsDirectory;
      vnode = kstd::Move(r.vnode);
    } else {
      TRY(CheckWritable(*r.parent));
      TRY(MayCreateIn(ctx, *r.parent));
      CreateRequest request;
      request.type = VnodeType::kRegular;
      request.mode = mode & linux_abi::kModePermissionMask;
      request.uid = uid;
      request.gid = gid;
      SetNewOwner(ctx, *r.parent, &request);
      kstd::Result<kstd::RefPtr<Vnode>> made = r.parent->Create(r.final_name(), request);
      if (made.is_error()) {
        // Lost a race with another creator: without O_EXCL, open theirs.
        if (made.error() != kstd::Error::kExists || exclusive) return made.error();
        made = r.parent->Lookup(r.final_name());
        if (made.is_error()) return made.error();
      } else {
        created = true;
      }
      vnode = made.release_value();
    }
  } else {
    vnode = TRY(LookupPath(ctx, path, !nofollow));
  }
  if ((flags & linux_abi::kODirectory) && !vnode->IsDirectory()) return kstd::Error::kNotDirectory;
  const bool regular = vnode->type() == VnodeType::kRegular;
  if (regular && ((flags & linux_abi::kOTrunc) || linux_abi::OpenWantsWrite(flags))) {
    TRY(CheckWritable(*vnode));
  }
  if (!created) TRY(MayOpen(ctx, *vnode, flags));
  const bool device =
      vnode->type() == VnodeType::kCharDevice || vnode->type() == VnodeType::kBlockDevice;
  if (device && (vnode->fs()->mount_flags() & kMountNoDev)) return kstd::Error::kAccess;
  if ((flags & linux_abi::kOTrunc) && !created && regular) {
    kstd::Result<void> truncated = vnode->Truncate(0);
    vnode->NoteContentChanged();
    TRY(truncated);
  }
  kstd::RefPtr<OpenFile> file = TRY(vnode->Open(flags));
  // Counted as a writer now, so a remount read-only that raced past the
  // check above is seen here (see FileSystem::SetMountFlags).
  if (regular && linux_abi::OpenWantsWrite(flags)) TRY(CheckWritable(*vnode));
  return file;
}

kstd::Result<void> MakeDirectory(const PathContext& ctx, Name path, uint32_t mode, uint32_t uid,
                                 uint32_t gid) {
  CreateRequest request;
  request.type = VnodeType::kDirectory;
  request.mode = mode & linux_abi::kModePermissionMask;
  request.uid = uid;
  request.gid = gid;
  return CreateIn(ctx, path, request);
}

kstd::Result<void> MakeNode(const PathContext& ctx, Name path, VnodeType type, uint32_t mode,
                            uint64_t rdev, uint32_t uid, uint32_t gid) {
  if (type == VnodeType::kDirectory || type == VnodeType::kSymlink) return kstd::Error::kInvalid;
  CreateRequest request;
  request.type = type;
  request.mode = mode & linux_abi::kModePermissionMask;
  request.rdev = rdev;
  request.uid = uid;
  request.gid = gid;
  return CreateIn(ctx, path, request);
}

kstd::Result<void> MakeSymlink(const PathContext& ctx, Name target, Name link_path, uint32_t uid,
                               uint32_t gid) {
  if (target.empty()) return kstd::Error::kNotFound;
  if (target.size() > kMaxPathLength) return kstd::Error::kNameTooLong;
  CreateRequest request;
  request.type = VnodeType::kSymlink;
  request.mode = 0777;
  request.symlink_target = target;
  request.uid = uid;
  request.gid = gid;
  return CreateIn(ctx, link_path, request);
}

kstd::Result<void> UnlinkPath(const PathContext& ctx, Name path) {
  Resolved r = TRY(ResolveIn(ctx, path, /*follow=*/false, /*parent=*/true));
  if (IsSpecialName(r)) return kstd::Error::kIsDirectory;
  TRY(CheckWritable(*r.parent));
  if (!r.vnode) return kstd::Error::kNotFound;
  TRY(MayDeleteFrom(ctx, *r.parent, *r.vnode));
  if (r.trailing_slash) {
    return r.vnode->IsDirectory() ? kstd::Error::kIsDirectory : kstd::Error::kNotDirectory;
  }
  // Let go of the victim first: a file system may release a node at once
  // when nobody else holds it (RemoteFs forgets it, so the server frees the
  // inode instead of leaving an orphan on disk).
  r.vnode.reset();
  return r.parent->Unlink(r.final_name());
}

kstd::Result<void> RemoveDirectory(const PathContext& ctx, Name path) {
  Resolved r = TRY(ResolveIn(ctx, path, /*follow=*/false, /*parent=*/true));
  Name name = r.final_name();
  if (name.empty()) return kstd::Error::kBusy;
  if (name.IsDot()) return kstd::Error::kInvalid;
  if (name.IsDotDot()) return kstd::Error::kNotEmpty;
  TRY(CheckWritable(*r.parent));
  if (!r.vnode) return kstd::Error::kNotFound;
  TRY(MayDeleteFrom(ctx, *r.parent, *r.vnode));
  if (r.vnode->fs()->Root().get() == r.vnode.get()) return kstd::Error::kBusy;  // a mount root
  r.vnode.reset();                                                              // as in UnlinkPath
  return r.parent->Rmdir(name);
}

kstd::Result<void> RenamePath(const PathContext& old_ctx, Name old_path, const PathContext& new_ctx,
                              Name new_path) {
  Resolved from = TRY(ResolveIn(old_ctx, old_path, /*follow=*/false, /*parent=*/true));
  Resolved to = TRY(ResolveIn(new_ctx, new_path, /*follow=*/false, /*parent=*/true));
  if (from.parent->fs() != to.parent->fs()) return kstd::Error::kCrossDevice;
  if (IsSpecialName(from) || IsSpecialName(to)) return kstd::Error::kBusy;
  TRY(CheckWritable(*from.parent));
  if (!from.vnode) return kstd::Error::kNotFound;
  if (!from.vnode->IsDirectory() && (from.trailing_slash || to.trailing_slash)) {
    return kstd::Error::kNotDirectory;
  }
  // may_delete on the source, may_create or may_delete on the target, and a
  // directory moving to another parent must be writable (its "..").
  TRY(MayDeleteFrom(old_ctx, *from.parent, *from.vnode));
  if (to.vnode) {
    TRY(MayDeleteFrom(new_ctx, *to.parent, *to.vnode));
  } else {
    TRY(MayCreateIn(new_ctx, *to.parent));
  }
  if (old_ctx.cred != nullptr && from.vnode->IsDirectory() &&
      from.parent.get() != to.parent.get()) {
    TRY(posix::CheckAccess(*old_ctx.cred, from.vnode->Ownership(), posix::kMayWrite));
  }
  // A mounted root sits in another file system than the directory holding
  // its mount point.
  if (from.vnode->fs() != from.parent->fs()) return kstd::Error::kBusy;
  if (to.vnode && to.vnode->fs() != to.parent->fs()) return kstd::Error::kBusy;
  from.vnode.reset();  // as in UnlinkPath: a replaced target can go at once
  to.vnode.reset();
  return from.parent->Rename(from.final_name(), to.parent.get(), to.final_name());
}

kstd::Result<void> LinkPath(const PathContext& old_ctx, Name old_path, const PathContext& new_ctx,
                            Name new_path, bool follow) {
  Resolved from = TRY(ResolveIn(old_ctx, old_path, follow, /*parent=*/false));
  Resolved to = TRY(ResolveIn(new_ctx, new_path, /*follow=*/false, /*parent=*/true));
  if (to.vnode) return kstd::Error::kExists;
  if (to.trailing_slash) return kstd::Error::kNotFound;
  TRY(CheckWritable(*to.parent));
  TRY(MayLink(new_ctx, *from.vnode));  // before may_create, as Linux's linkat
  TRY(MayCreateIn(new_ctx, *to.parent));
  return to.parent->Link(to.final_name(), from.vnode.get());
}

kstd::Result<size_t> ReadLinkPath(const PathContext& ctx, Name path, kstd::Span<char> out) {
  kstd::RefPtr<Vnode> v = TRY(LookupPath(ctx, path, /*follow_final_symlink=*/false));
  if (v->type() != VnodeType::kSymlink) return kstd::Error::kInvalid;
  return v->ReadLink(out);
}

// ---- PathOf

namespace {

// Finds the name under which `ino` is listed (not "." or "..").
class NameFinder final : public DirSink {
 public:
  explicit NameFinder(uint64_t ino) : ino_(ino) {}
  bool Emit(const DirEntry& e) override {
    if (found_ || e.name.IsDotOrDotDot() || e.ino != ino_) return true;
    if (e.name.size() > kMaxNameLength) return true;
    __builtin_memcpy(name_, e.name.data(), e.name.size());
    length_ = e.name.size();
    found_ = true;
    return false;  // stop
  }
  bool found() const { return found_; }
  Name name() const { return Name(name_, length_); }

 private:
  const uint64_t ino_;
  bool found_ = false;
  char name_[kMaxNameLength];
  size_t length_ = 0;
};

struct PathBuffer {
  char bytes[kMaxPathLength + 1];
};

}  // namespace

kstd::Result<size_t> PathOf(const MountTable& mounts, Vnode* dir, Vnode* root,
                            kstd::Span<char> out) {
  if (dir == nullptr || root == nullptr) return kstd::Error::kInvalid;
  if (!dir->IsDirectory()) return kstd::Error::kNotDirectory;
  PathBuffer* buffer = new (kstd::nothrow) PathBuffer;
  if (buffer == nullptr) return kstd::Error::kNoMemory;
  struct Freer {
    PathBuffer* p;
    ~Freer() { delete p; }
  } freer{buffer};

  constexpr size_t kEnd = sizeof(buffer->bytes);
  size_t pos = kEnd;
  kstd::RefPtr<Vnode> v = kstd::RefPtr<Vnode>::FromRaw(dir);
  // Each step either climbs a mount or a directory level; a path has at most
  // kMaxPathLength / 2 levels, and a deeper directory cannot be named anyway.
  for (size_t steps = 0; v.get() != root; ++steps) {
    if (steps > kMaxPathLength + mounts.size()) return kstd::Error::kNameTooLong;
    kstd::RefPtr<Vnode> covered = mounts.CoveredBy(v.get());
    if (covered) {
      v = kstd::Move(covered);
      continue;
    }
    kstd::RefPtr<Vnode> parent = TRY(v->Lookup(".."));
    if (parent.get() == v.get()) return kstd::Error::kNotFound;  // a root that is not `root`
    NameFinder finder(v->ino());
    uint64_t cursor = 0;
    while (!finder.found()) {
      uint64_t before = cursor;
      TRY(parent->ReadDir(&cursor, finder));
      if (cursor == before && !finder.found()) return kstd::Error::kNotFound;
    }
    Name name = finder.name();
    if (name.size() + 1 > pos) return kstd::Error::kNameTooLong;
    pos -= name.size();
    __builtin_memcpy(buffer->bytes + pos, name.data(), name.size());
    buffer->bytes[--pos] = '/';
    v = kstd::Move(parent);
  }
  if (pos == kEnd) buffer->bytes[--pos] = '/';
  size_t length = kEnd - pos;
  if (length + 1 > out.size()) return kstd::Error::kRange;
  __builtin_memcpy(out.data(), buffer->bytes + pos, length);
  out[length] = '\0';
  return length;
}

}  // namespace core::vfs
