#include "core/vfs/vnode.h"

#include "abi/linux/dirent.h"
#include "abi/linux/fcntl.h"
#include "abi/linux/poll.h"
#include "abi/linux/stat.h"
#include "abi/linux/statfs.h"
#include "abi/linux/time.h"
#include "core/vfs/mount_options.h"

#include "core/vfs/device.h"
#include "kstd/new.h"

namespace core::vfs {
namespace {

Timestamp ZeroClock() { return 0; }

ClockFn g_clock = ZeroClock;
uint64_t g_next_anonymous_minor = 0;

constexpr Timestamp kNanosPerSecond = 1000000000;
constexpr Timestamp kRelatimeWindow = 24 * 3600 * kNanosPerSecond;

}  // namespace

void SetClock(ClockFn clock) { g_clock = clock != nullptr ? clock : ZeroClock; }
Timestamp Now() { return g_clock(); }

linux_abi::Timespec ToTimespec(Timestamp t) {
  int64_t sec = t / kNanosPerSecond;
  int64_t nsec = t % kNanosPerSecond;
  if (nsec < 0) {  // floor division for times before 1970
    nsec += kNanosPerSecond;
    sec -= 1;
  }
  return linux_abi::Timespec{sec, nsec};
}

Timestamp FromTimespec(int64_t sec, int64_t nsec) {
  // Saturate instead of overflowing for absurd seconds.
  constexpr int64_t kMaxSec = INT64_MAX / kNanosPerSecond - 1;
  if (sec > kMaxSec) sec = kMaxSec;
  if (sec < -kMaxSec) sec = -kMaxSec;
  return sec * kNanosPerSecond + nsec;
}

uint32_t ModeTypeBits(VnodeType type) {
  switch (type) {
    case VnodeType::kRegular: return linux_abi::kModeRegular;
    case VnodeType::kDirectory: return linux_abi::kModeDirectory;
    case VnodeType::kSymlink: return linux_abi::kModeSymlink;
    case VnodeType::kCharDevice: return linux_abi::kModeCharDevice;
    case VnodeType::kBlockDevice: return linux_abi::kModeBlockDevice;
    case VnodeType::kFifo: return linux_abi::kModeFifo;
    case VnodeType::kSocket: return linux_abi::kModeSocket;
  }
  return 0;
}

uint8_t DirentType(VnodeType type) {
  switch (type) {
    case VnodeType::kRegular: return linux_abi::kDirentRegular;
    case VnodeType::kDirectory: return linux_abi::kDirentDirectory;
    case VnodeType::kSymlink: return linux_abi::kDirentSymlink;
    case VnodeType::kCharDevice: return linux_abi::kDirentCharDevice;
    case VnodeType::kBlockDevice: return linux_abi::kDirentBlockDevice;
    case VnodeType::kFifo: return linux_abi::kDirentFifo;
    case VnodeType::kSocket: return linux_abi::kDirentSocket;
  }
  return linux_abi::kDirentUnknown;
}

kstd::Result<VnodeType> TypeFromMode(uint32_t mode) {
  switch (mode & linux_abi::kModeTypeMask) {
    case linux_abi::kModeRegular: return VnodeType::kRegular;
    case linux_abi::kModeDirectory: return VnodeType::kDirectory;
    case linux_abi::kModeSymlink: return VnodeType::kSymlink;
    case linux_abi::kModeCharDevice: return VnodeType::kCharDevice;
    case linux_abi::kModeBlockDevice: return VnodeType::kBlockDevice;
    case linux_abi::kModeFifo: return VnodeType::kFifo;
    case linux_abi::kModeSocket: return VnodeType::kSocket;
    default: return kstd::Error::kInvalid;
  }
}

void FillLinuxStat(const Attributes& attr, linux_abi::Stat* out) {
  __builtin_memset(out, 0, sizeof(*out));
  out->st_dev = attr.dev;
  out->st_ino = attr.ino;
  out->st_nlink = attr.nlink;
  out->st_mode = attr.mode;
  out->st_uid = attr.uid;
  out->st_gid = attr.gid;
  out->st_rdev = attr.rdev;
  out->st_size = static_cast<int64_t>(attr.size);
  out->st_blksize = attr.block_size;
  out->st_blocks = static_cast<int64_t>(attr.blocks);
  out->st_atim = ToTimespec(attr.atime);
  out->st_mtim = ToTimespec(attr.mtime);
  out->st_ctim = ToTimespec(attr.ctime);
}

namespace {
linux_abi::StatxTimestamp ToStatxTime(Timestamp t) {
  linux_abi::Timespec ts = ToTimespec(t);
  return linux_abi::StatxTimestamp{ts.tv_sec, static_cast<uint32_t>(ts.tv_nsec), 0};
}
}  // namespace

void FillLinuxStatx(const Attributes& attr, uint64_t mount_id, linux_abi::Statx* out) {
  __builtin_memset(out, 0, sizeof(*out));
  out->stx_mask = linux_abi::kStatxBasicStats | linux_abi::kStatxBtime | linux_abi::kStatxMntId;
  out->stx_blksize = attr.block_size;
  out->stx_nlink = attr.nlink;
  out->stx_uid = attr.uid;
  out->stx_gid = attr.gid;
  out->stx_mode = static_cast<uint16_t>(attr.mode);
  out->stx_ino = attr.ino;
  out->stx_size = attr.size;
  out->stx_blocks = attr.blocks;
  out->stx_atime = ToStatxTime(attr.atime);
  out->stx_btime = ToStatxTime(attr.btime);
  out->stx_ctime = ToStatxTime(attr.ctime);
  out->stx_mtime = ToStatxTime(attr.mtime);
  out->stx_rdev_major = linux_abi::DevMajor(attr.rdev);
  out->stx_rdev_minor = linux_abi::DevMinor(attr.rdev);
  out->stx_dev_major = linux_abi::DevMajor(attr.dev);
  out->stx_dev_minor = linux_abi::DevMinor(attr.dev);
  out->stx_mnt_id = mount_id;
}

void FillLinuxStatfs(const FsStats& stats, uint64_t device, uint32_t mount_flags,
                     linux_abi::Statfs* out) {
  struct Bit {
    uint32_t mount;
    int64_t st;
  };
  static constexpr Bit kBits[] = {
      {kMountReadOnly, linux_abi::kStReadOnly},     {kMountNoSuid, linux_abi::kStNoSuid},
      {kMountNoDev, linux_abi::kStNoDev},           {kMountNoExec, linux_abi::kStNoExec},
      {kMountSync, linux_abi::kStSynchronous},      {kMountNoAtime, linux_abi::kStNoAtime},
      {kMountNoDirAtime, linux_abi::kStNoDirAtime},
  };
  __builtin_memset(out, 0, sizeof(*out));
  int64_t flags = linux_abi::kStValid;
  for (const Bit& b : kBits) {
    if (mount_flags & b.mount) flags |= b.st;
  }
  if ((mount_flags & (kMountNoAtime | kMountStrictAtime)) == 0) flags |= linux_abi::kStRelatime;
  out->f_flags = flags;
  out->f_type = stats.magic;
  out->f_bsize = static_cast<int64_t>(stats.block_size);
  out->f_blocks = stats.total_blocks;
  out->f_bfree = stats.free_blocks;
  out->f_bavail = stats.available_blocks;
  out->f_files = stats.total_files;
  out->f_ffree = stats.free_files;
  out->f_fsid[0] = static_cast<int32_t>(device & 0xffffffffu);
  out->f_fsid[1] = static_cast<int32_t>(device >> 32);
  out->f_namelen = static_cast<int64_t>(stats.max_name_length);
  out->f_frsize = static_cast<int64_t>(stats.block_size);
}

// ---- FileSystem

kstd::Result<void> FileSystem::SetMountFlags(uint32_t flags) {
  uint32_t old = __atomic_exchange_n(&mount_flags_, flags, __ATOMIC_SEQ_CST);
  if ((flags & kMountReadOnly) != 0 && (old & kMountReadOnly) == 0 && writers() != 0) {
    __atomic_store_n(&mount_flags_, old, __ATOMIC_SEQ_CST);
    return kstd::Error::kBusy;
  }
  return kstd::Ok();
}

void FileSystem::FormatOptions(kstd::Span<char> out) const {
  if (!out.empty()) out[0] = '\0';
}

kstd::Result<void> FileSystem::Remount(Name data, uint32_t* flags) {
  return ParseGenericOptions(data, flags);
}

uint64_t AllocateAnonymousDevice() {
  uint64_t minor = __atomic_add_fetch(&g_next_anonymous_minor, 1, __ATOMIC_RELAXED);
  return linux_abi::MakeDev(0, static_cast<uint32_t>(minor));
}

// ---- Vnode

Vnode::Vnode(kstd::RefPtr<FileSystem> fs, VnodeType type, uint64_t ino, uint32_t mode, uint32_t uid,
             uint32_t gid, uint64_t rdev)
    : fs_(kstd::Move(fs)), type_(type), ino_(ino) {
  Timestamp now = Now();
  attr_.mode = ModeTypeBits(type) | (mode & linux_abi::kModePermissionMask);
  attr_.nlink = 1;
  attr_.uid = uid;
  attr_.gid = gid;
  attr_.rdev = rdev;
  attr_.atime = attr_.mtime = attr_.ctime = attr_.btime = now;
}

Attributes Vnode::GetAttr() const {
  SpinLockGuard guard(attr_lock_);
  Attributes a = attr_;
  a.dev = fs_ ? fs_->device() : 0;
  a.ino = ino_;
  return a;
}

posix::FileOwnership Vnode::Ownership() const {
  SpinLockGuard guard(attr_lock_);
  return posix::FileOwnership{attr_.mode, attr_.uid, attr_.gid};
}

void Vnode::SetSyntheticOwner(uint32_t uid, uint32_t gid) {
  SpinLockGuard guard(attr_lock_);
  attr_.uid = uid;
  attr_.gid = gid;
}

kstd::Result<void> Vnode::SetAttr(const SetAttrRequest& request) {
  constexpr uint32_t kKnown = SetAttrRequest::kMode | SetAttrRequest::kUid | SetAttrRequest::kGid |
                              SetAttrRequest::kAtime | SetAttrRequest::kMtime |
                              SetAttrRequest::kAtimeNow | SetAttrRequest::kMtimeNow;
  if ((request.mask & ~kKnown) != 0) return kstd::Error::kInvalid;
  Timestamp now = Now();
  SpinLockGuard guard(attr_lock_);
  if (request.mask & SetAttrRequest::kMode) {
    attr_.mode =
        (attr_.mode & linux_abi::kModeTypeMask) | (request.mode & linux_abi::kModePermissionMask);
  }
  bool owner_changed = false;
  if (request.mask & SetAttrRequest::kUid) {
    attr_.uid = request.uid;
    owner_changed = true;
  }
  if (request.mask & SetAttrRequest::kGid) {
    attr_.gid = request.gid;
    owner_changed = true;
  }
  if (owner_changed && type_ != VnodeType::kDirectory) {
    // Linux (setattr_copy / notify_change): chown drops setuid, and setgid
    // when the group may execute (otherwise setgid marks mandatory locking).
    attr_.mode &= ~linux_abi::kModeSetUid;
    if (attr_.mode & 0010) attr_.mode &= ~linux_abi::kModeSetGid;
  }
  if (request.mask & SetAttrRequest::kAtimeNow) {
    attr_.atime = now;
  } else if (request.mask & SetAttrRequest::kAtime) {
    attr_.atime = request.atime;
  }
  if (request.mask & SetAttrRequest::kMtimeNow) {
    attr_.mtime = now;
  } else if (request.mask & SetAttrRequest::kMtime) {
    attr_.mtime = request.mtime;
  }
  attr_.ctime = now;
  return kstd::Ok();
}

void Vnode::TouchAccessedLocked() {
  uint32_t flags = fs_ ? fs_->mount_flags() : 0;
  if (flags & (kMountReadOnly | kMountNoAtime)) return;
  if ((flags & kMountNoDirAtime) && IsDirectory()) return;
  Timestamp now = Now();
  if ((flags & kMountStrictAtime) || attr_.atime <= attr_.mtime || attr_.atime <= attr_.ctime ||
      now - attr_.atime >= kRelatimeWindow) {
    attr_.atime = now;
  }
}

void Vnode::TouchModifiedLocked() { attr_.mtime = attr_.ctime = Now(); }
void Vnode::TouchChangedLocked() { attr_.ctime = Now(); }

namespace {
// The error a namespace operation gives on this vnode when the subclass does
// not implement it.
kstd::Error NamespaceDefault(const Vnode& v) {
  return v.IsDirectory() ? kstd::Error::kNotSupported : kstd::Error::kNotDirectory;
}
}  // namespace

kstd::Result<kstd::RefPtr<Vnode>> Vnode::Lookup(Name) { return NamespaceDefault(*this); }
kstd::Result<kstd::RefPtr<Vnode>> Vnode::Create(Name, const CreateRequest&) {
  return NamespaceDefault(*this);
}
kstd::Result<void> Vnode::Link(Name, Vnode*) { return NamespaceDefault(*this); }
kstd::Result<void> Vnode::Unlink(Name) { return NamespaceDefault(*this); }
kstd::Result<void> Vnode::Rmdir(Name) { return NamespaceDefault(*this); }
kstd::Result<void> Vnode::Rename(Name, Vnode*, Name) { return NamespaceDefault(*this); }
kstd::Result<void> Vnode::ReadDir(uint64_t*, DirSink&) { return NamespaceDefault(*this); }

kstd::Result<size_t> Vnode::ReadAt(uint64_t, kstd::Span<uint8_t>) {
  return IsDirectory() ? kstd::Error::kIsDirectory : kstd::Error::kInvalid;
}
kstd::Result<size_t> Vnode::WriteAt(uint64_t, kstd::Span<const uint8_t>) {
  return IsDirectory() ? kstd::Error::kIsDirectory : kstd::Error::kInvalid;
}
kstd::Result<size_t> Vnode::Append(kstd::Span<const uint8_t> in, uint64_t* end) {
  uint64_t size = GetAttr().size;
  size_t n = TRY(WriteAt(size, in));
  *end = size + n;
  return n;
}
kstd::Result<void> Vnode::Truncate(uint64_t) {
  return IsDirectory() ? kstd::Error::kIsDirectory : kstd::Error::kInvalid;
}
kstd::Result<size_t> Vnode::ReadLink(kstd::Span<char>) { return kstd::Error::kInvalid; }

namespace {
FifoOpener g_fifo_opener = nullptr;
BlockOpener g_block_opener = nullptr;
}  // namespace

void SetFifoOpener(FifoOpener opener) { g_fifo_opener = opener; }
void SetBlockOpener(BlockOpener opener) { g_block_opener = opener; }

kstd::Result<kstd::RefPtr<OpenFile>> Vnode::Open(uint32_t flags) {
  kstd::RefPtr<Vnode> self = kstd::RefPtr<Vnode>::FromRaw(this);
  switch (type_) {
    case VnodeType::kDirectory:
      if (linux_abi::OpenWantsWrite(flags)) return kstd::Error::kIsDirectory;
      [[fallthrough]];
    case VnodeType::kRegular: {
      kstd::RefPtr<OpenFile> file = kstd::AdoptRef(new (kstd::nothrow) OpenFile(self, flags));
      if (!file) return kstd::Error::kNoMemory;
      return file;
    }
    case VnodeType::kSymlink: return kstd::Error::kLoop;
    case VnodeType::kCharDevice: {
      kstd::RefPtr<CharDevice> device = CharDevices().Find(GetAttr().rdev);
      if (!device) return kstd::Error::kNoDeviceOrAddress;
      return device->MakeOpenFile(kstd::Move(self), flags);
    }
    case VnodeType::kFifo:
      if (g_fifo_opener == nullptr) return kstd::Error::kNotSupported;
      return g_fifo_opener(self, flags);
    case VnodeType::kBlockDevice:
      if (g_block_opener == nullptr) return kstd::Error::kNoDeviceOrAddress;
      return g_block_opener(self, flags);
    case VnodeType::kSocket: return kstd::Error::kNoDeviceOrAddress;
  }
  return kstd::Error::kInvalid;
}

// ---- OpenFile

namespace {
bool CountsAsWriter(const Vnode* v, uint32_t flags) {
  return v != nullptr && v->fs() != nullptr && v->type() == VnodeType::kRegular &&
         linux_abi::OpenWantsWrite(flags);
}
}  // namespace

OpenFile::OpenFile(kstd::RefPtr<Vnode> vnode, uint32_t flags)
    : vnode_(kstd::Move(vnode)), flags_(flags) {
  if (vnode_ && vnode_->fs() != nullptr) vnode_->fs()->Pin();
  if (CountsAsWriter(vnode_.get(), flags_)) vnode_->fs()->AddWriter();
  if (vnode_ && vnode_->type() == VnodeType::kRegular) {
    uint64_t* count =
        linux_abi::OpenWantsWrite(flags_) ? &vnode_->open_writers_ : &vnode_->open_readers_;
    __atomic_add_fetch(count, 1, __ATOMIC_SEQ_CST);
  }
}

OpenFile::~OpenFile() {
  if (vnode_ && vnode_->type() == VnodeType::kRegular) {
    uint64_t* count =
        linux_abi::OpenWantsWrite(flags_) ? &vnode_->open_writers_ : &vnode_->open_readers_;
    __atomic_sub_fetch(count, 1, __ATOMIC_SEQ_CST);
  }
  if (CountsAsWriter(vnode_.get(), flags_)) vnode_->fs()->RemoveWriter();
  if (vnode_ && vnode_->fs() != nullptr) vnode_->fs()->Unpin();
}

kstd::Result<size_t> OpenFile::Read(uint64_t offset, kstd::Span<uint8_t> out) {
  return vnode_->ReadAt(offset, out);
}
kstd::Result<size_t> OpenFile::ReadStream(kstd::Span<uint8_t> out, StreamRead*) {
  return Read(0, out);
}
kstd::Result<size_t> OpenFile::Write(uint64_t offset, kstd::Span<const uint8_t> in) {
  kstd::Result<size_t> written = vnode_->WriteAt(offset, in);
  vnode_->NoteContentChanged();  // after the bytes changed (even partly)
  return written;
}
kstd::Result<size_t> OpenFile::Append(kstd::Span<const uint8_t> in, uint64_t* end) {
  kstd::Result<size_t> written = vnode_->Append(in, end);
  vnode_->NoteContentChanged();
  return written;
}
kstd::Result<int64_t> OpenFile::Ioctl(uint32_t, uint64_t) { return kstd::Error::kNotTty; }

kstd::Result<void> OpenFile::Sync() { return vnode_->Sync(); }

uint64_t OpenFile::EndOffset() { return vnode_->GetAttr().size; }

kstd::Result<int64_t> OpenFile::SeekStream(int64_t, int) { return kstd::Error::kIllegalSeek; }
uint32_t OpenFile::Poll() {
  return linux_abi::kPollIn | linux_abi::kPollOut | linux_abi::kPollRdNorm | linux_abi::kPollWrNorm;
}

// ---- PinnedVnode

PinnedVnode::PinnedVnode(kstd::RefPtr<Vnode> vnode) : vnode_(kstd::Move(vnode)) {
  if (vnode_ && vnode_->fs() != nullptr) vnode_->fs()->Pin();
}
PinnedVnode::PinnedVnode(const PinnedVnode& other) : PinnedVnode(other.vnode_) {}
PinnedVnode::PinnedVnode(PinnedVnode&& other) : vnode_(kstd::Move(other.vnode_)) {}
PinnedVnode& PinnedVnode::operator=(const PinnedVnode& other) {
  if (this != &other) {
    PinnedVnode copy(other);
    *this = kstd::Move(copy);
  }
  return *this;
}
PinnedVnode& PinnedVnode::operator=(PinnedVnode&& other) {
  if (this != &other) {
    reset();
    vnode_ = kstd::Move(other.vnode_);
  }
  return *this;
}
PinnedVnode::~PinnedVnode() { reset(); }
void PinnedVnode::reset() {
  if (vnode_ && vnode_->fs() != nullptr) vnode_->fs()->Unpin();
  vnode_.reset();
}

}  // namespace core::vfs
