// mount(2) (Linux 165): new mounts of the in-kernel types (core/fs/fs_types.h:
// tmpfs, ramfs, proc, devtmpfs), ext2 on a virtio-blk disk's node (/dev/vdX)
// through init's mount agent (mount_agent.h: init starts a driver and an
// ext2 server that mounts itself at the target), remounts (the mount flags, and the options a
// file system can change), MS_MOVE, and MS_PRIVATE (nothing to do: every
// mount is private). umount2 is in sys_fs_mount.cc.
//
// Decode, then invoke: the strings are copied in (type, source, data, then
// the target, in Linux's order), the target resolved, the flags decoded
// (core/vfs/mount_options.h) and a new file system made before the mount
// table changes. Rights: none are checked (everything runs as root).

#include "core/fs/block_devices.h"
#include "core/fs/block_file.h"
#include "core/fs/fs_types.h"
#include "core/fs/loop_devices.h"
#include "core/fs/remote_mounts.h"
#include "core/fs/root.h"
#include "core/kernel/log.h"
#include "core/syscall/mount_agent.h"
#include "core/syscall/sys_common.h"
#include "core/syscall/sys_credentials.h"
#include "core/unsupported/refusals.h"
#include "core/vfs/mount_options.h"
#include "core/vfs/ops.h"
#include "kstd/new.h"

namespace core::syscall {

using fs::SyncRemoteFileSystem;

namespace {

// A string argument of mount(2): absent (a null pointer) or at most
// PATH_MAX - 1 bytes, as Linux's copy_mount_string.
class MountString {
 public:
  MountString() = default;
  MountString(const MountString&) = delete;
  MountString& operator=(const MountString&) = delete;
  ~MountString() { delete[] buf_; }

  /// Errors: kFault, kInvalid (longer: Linux's strndup_user), kNoMemory.
  kstd::Result<void> CopyIn(uint64_t user) {
    if (user == 0) return kstd::Ok();
    buf_ = new (kstd::nothrow) char[vfs::kMaxPathLength + 1];
    if (buf_ == nullptr) return kstd::Error::kNoMemory;
    auto length = CopyStringIn(user, buf_, vfs::kMaxPathLength);
    if (length.is_error()) {
      return length.error() == kstd::Error::kNameTooLong ? kstd::Error::kInvalid : length.error();
    }
    length_ = length.value();
    return kstd::Ok();
  }

  bool present() const { return buf_ != nullptr; }
  vfs::Name name() const { return present() ? vfs::Name(buf_, length_) : vfs::Name(); }

 private:
  char* buf_ = nullptr;
  size_t length_ = 0;
};

// Where paths resolve for the caller: its root, cwd and mount namespace
// (whose table every change below is made in).
struct Caller {
  kstd::RefPtr<vfs::Vnode> root;
  kstd::RefPtr<vfs::Vnode> cwd;
  kstd::RefPtr<vfs::MountNamespace> ns;
  vfs::MountTable& mounts() const { return ns->mounts(); }
  vfs::PathContext ctx() const { return vfs::PathContext{&mounts(), root.get(), cwd.get()}; }
};

Caller CurrentCaller() {
  Process* self = CurrentProcess();
  Process::FsRoots roots = self->fs_roots();
  return Caller{kstd::Move(roots.root), kstd::Move(roots.cwd), kstd::Move(roots.mounts)};
}

// Whether `v` is the root of a mount in the caller's namespace (the root
// mount included).
bool IsMountRoot(const Caller& caller, vfs::Vnode* v) {
  if (caller.mounts().MountIdOf(v->fs()) == 0) return false;
  kstd::RefPtr<vfs::Vnode> root = v->fs()->Root();
  return root.get() == v;
}

// The canonical path of directory `dir` for the mount table: as the caller
// sees it from its root (the path as written if that fails).
struct CanonicalPath {
  char* buf = new (kstd::nothrow) char[vfs::kMaxPathLength + 1];
  size_t length = 0;
  ~CanonicalPath() { delete[] buf; }
  kstd::Result<vfs::Name> Of(const Caller& caller, vfs::Vnode* dir, vfs::Name written) {
    if (buf == nullptr) return kstd::Error::kNoMemory;
    auto n = vfs::PathOf(caller.mounts(), dir, caller.root.get(),
                         kstd::Span<char>(buf, vfs::kMaxPathLength + 1));
    if (n.is_error()) return written;
    length = n.value();
    return vfs::Name(buf, length);
  }
};

// ext2: `source` must name a virtio-blk disk's node or a bound loop device
// (served by a kernel thread, core/fs/loop_server.h); the agent does the rest.
// Errors: kInvalid (no source, or options: ext2 takes none here), kNotBlock
// (not a block device node), kNoDeviceOrAddress (no such disk),
// kNotDirectory, and those of MountThroughAgent (kNoDevice without an agent,
// kBusy for a disk mounted already or being mounted).
kstd::Result<void> MountExt2(const Caller& caller, const MountString& type,
                             const MountString& source, const MountString& data,
                             const MountString& target, kstd::RefPtr<vfs::Vnode> dir,
                             uint32_t flags) {
  if (!source.present() || source.name().empty()) return kstd::Error::kInvalid;
  if (data.present() && !data.name().empty()) {
    Log("vfs", "mount: ext2 takes no options here (only the mount flags, e.g. ro): EINVAL");
    return kstd::Error::kInvalid;
  }
  kstd::RefPtr<vfs::Vnode> node = TRY(vfs::LookupPath(caller.ctx(), source.name(), true));
  if (node->type() != vfs::VnodeType::kBlockDevice) return kstd::Error::kNotBlock;
  if (node->fs()->mount_flags() & vfs::kMountNoDev) return kstd::Error::kAccess;
  uint64_t rdev = node->GetAttr().rdev;
  if (!dir->IsDirectory()) return kstd::Error::kNotDirectory;
  AgentMount mount;
  if (fs::IsLoopDevice(rdev) || fs::IsDiskPartition(rdev)) {
    // The kernel serves the disk itself: from the loop's file, or from the
    // partition's range of its disk.
    bool read_only = (flags & vfs::kMountReadOnly) != 0;
    auto served = fs::IsLoopDevice(rdev) ? fs::ServeLoopForMount(rdev, read_only)
                                         : fs::ServePartitionForMount(node, read_only);
    node.reset();
    if (served.is_error()) return served.error();
    mount.loop_channel = kstd::Move(served.value().channel);
    mount.loop_identity = served.value().identity;
  } else {
    node.reset();
    mount.function = TRY(fs::VirtioBlockFunction(rdev));
  }
  CanonicalPath canonical;
  vfs::Name path = TRY(canonical.Of(caller, dir.get(), target.name()));
  mount.dir = kstd::Move(dir);
  mount.ns = caller.ns;
  mount.path = path;
  mount.source = source.name();
  mount.fstype = type.name();
  mount.flags = flags;
  return MountThroughAgent(mount);
}

kstd::Result<void> NewMount(const Caller& caller, const MountString& type,
                            const MountString& source, const MountString& data,
                            const MountString& target, kstd::RefPtr<vfs::Vnode> dir,
                            uint32_t flags) {
  if (!type.present()) return kstd::Error::kInvalid;
  // ext3 and ext4 are ext2 with a journal and more features: the same
  // server mounts all three (it refuses an image with features it does not
  // know).
  if (type.name() == vfs::Name("ext2") || type.name() == vfs::Name("ext3") ||
      type.name() == vfs::Name("ext4")) {
    return MountExt2(caller, type, source, data, target, kstd::Move(dir), flags);
  }
  kstd::RefPtr<vfs::FileSystem> fs = TRY(fs::CreateFileSystem(type.name(), data.name(), &flags));
  // Made but not mounted: a new file system is shut down again (the
  // devtmpfs instance is the kernel's and stays).
  auto discard = [&](kstd::Error e) {
    if (!fs->retained()) fs->Shutdown();
    return e;
  };
  if (!dir->IsDirectory()) return discard(kstd::Error::kNotDirectory);
  CanonicalPath canonical;
  auto path = canonical.Of(caller, dir.get(), target.name());
  if (path.is_error()) return discard(path.error());
  vfs::MountOptions options;
  options.source = source.present() ? source.name() : vfs::Name("none");
  options.flags = flags;
  auto mounted = caller.mounts().Mount(fs, kstd::Move(dir), path.value(), options);
  if (mounted.is_error()) return discard(mounted.error());
  return kstd::Ok();
}

kstd::Result<void> Remount(const Caller& caller, const vfs::MountRequest& request,
                           const MountString& data, vfs::Vnode* dir) {
  if (!IsMountRoot(caller, dir)) return kstd::Error::kInvalid;
  vfs::FileSystem* fs = dir->fs();
  uint32_t old_flags = fs->mount_flags();
  uint32_t flags = vfs::RemountFlags(request, old_flags);
  // MS_REMOUNT | MS_BIND changes the mount's flags only; a plain remount
  // also hands the options to the file system first (Linux: the superblock,
  // then the mount).
  if (request.operation == vfs::MountOperation::kRemount) {
    TRY(fs->Remount(data.name(), &flags));
  } else {
    constexpr uint32_t kSuperblockFlags =
        vfs::kMountSync | vfs::kMountDirSync | vfs::kMountLazyTime;
    flags = (flags & ~kSuperblockFlags) | (old_flags & kSuperblockFlags);
  }
  TRY(caller.mounts().Remount(dir, flags));
  bool now_read_only = (flags & vfs::kMountReadOnly) && !(old_flags & vfs::kMountReadOnly);
  if (now_read_only) {
    // A user-space file system writes back what it cached (Linux syncs the
    // file system on a remount read-only); no new writer can start now.
    auto synced = SyncRemoteFileSystem(fs);
    if (synced.is_error() && synced.error() == kstd::Error::kInterrupted) return synced.error();
    if (synced.is_error()) return kstd::Error::kIo;
  }
  return kstd::Ok();
}

kstd::Result<void> Move(const Caller& caller, const MountString& source, const MountString& target,
                        kstd::RefPtr<vfs::Vnode> dir) {
  if (!source.present() || source.name().empty()) return kstd::Error::kInvalid;
  kstd::RefPtr<vfs::Vnode> moved = TRY(vfs::LookupPath(caller.ctx(), source.name(), true));
  if (!IsMountRoot(caller, moved.get())) return kstd::Error::kInvalid;
  if (!dir->IsDirectory()) return kstd::Error::kNotDirectory;
  CanonicalPath canonical;
  vfs::Name path = TRY(canonical.Of(caller, dir.get(), target.name()));
  return caller.mounts().MoveMount(moved.get(), kstd::Move(dir), path);
}

kstd::Result<void> Mount(uint64_t user_source, uint64_t user_target, uint64_t user_type,
                         uint64_t ms_flags, uint64_t user_data) {
  MountString type, source, data, target;
  TRY(type.CopyIn(user_type));
  TRY(source.CopyIn(user_source));
  TRY(data.CopyIn(user_data));
  if (user_target == 0) return kstd::Error::kFault;
  auto copied = target.CopyIn(user_target);
  if (copied.is_error()) {
    return copied.error() == kstd::Error::kInvalid ? kstd::Error::kNameTooLong : copied.error();
  }
  if (target.name().empty()) return kstd::Error::kNotFound;
  Caller caller = CurrentCaller();
  if (!caller.root || !caller.ns) return kstd::Error::kNotFound;
  kstd::RefPtr<vfs::Vnode> dir = TRY(vfs::LookupPath(caller.ctx(), target.name(), true));

  uint64_t refused = 0;
  auto decoded = vfs::DecodeMountFlags(ms_flags, &refused);
  if (decoded.is_error()) {
    (void)Refuse("mount", "flags", refused);  // listed in /proc/tessera/unsupported
    return decoded.error();
  }
  vfs::MountRequest request = decoded.value();
  switch (request.operation) {
    case vfs::MountOperation::kNew:
      return NewMount(caller, type, source, data, target, kstd::Move(dir), request.flags);
    case vfs::MountOperation::kRemount:
    case vfs::MountOperation::kRemountBind: return Remount(caller, request, data, dir.get());
    case vfs::MountOperation::kMove: return Move(caller, source, target, kstd::Move(dir));
    case vfs::MountOperation::kPrivate:
      // Tessera has no mount propagation: every mount is private already.
      return IsMountRoot(caller, dir.get()) ? kstd::Result<void>(kstd::Ok())
                                            : kstd::Result<void>(kstd::Error::kInvalid);
  }
  return kstd::Error::kInvalid;
}

}  // namespace

kstd::Result<uint64_t> SysLinuxMount(UserPtr<const char> source, UserPtr<const char> target,
                                     UserPtr<const char> type, uint64_t flags,
                                     UserPtr<const void> data) {
  if (!Capable(linux_abi::kCapSysAdmin)) return kstd::Error::kPermission;
  TRY(Mount(source.address(), target.address(), type.address(), flags, data.address()));
  return 0;
}

}  // namespace core::syscall
