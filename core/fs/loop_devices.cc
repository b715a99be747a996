#include "core/fs/loop_devices.h"

#include "abi/linux/block.h"
#include "abi/linux/fcntl.h"
#include "abi/linux/loop.h"
#include "abi/linux/stat.h"
#include "core/fd/fd_table.h"
#include "core/fd/file.h"
#include "core/fs/block_ioctl.h"
#include "core/fs/loop_server.h"
#include "core/proc/process.h"
#include "core/sched/scheduler.h"
#include "core/sync/spin_lock.h"
#include "core/unsupported/refusals.h"
#include "core/user/user_ptr.h"
#include "core/vfs/devfs.h"
#include "core/vfs/device.h"
#include "kstd/new.h"

namespace core::fs {
namespace {

using linux_abi::LoopInfo64;

struct Loop {
  bool node = false;  // /dev/loopN exists
  kstd::RefPtr<fd::FileDescription> backing;
  uint64_t offset = 0;
  uint64_t sizelimit = 0;
  uint32_t flags = 0;  // lo_flags
  uint32_t block_size = 512;
  uint8_t name[linux_abi::kLoNameSize] = {};
  uint64_t backing_dev = 0, backing_ino = 0;
  uint32_t users = 0;  // open files and mounts
};

SpinLock g_lock;
Loop g_loops[kMaxLoops] GUARDED_BY(g_lock);
vfs::Vnode* g_dev_dir = nullptr;  // devfs's root (set at boot)

uint64_t LoopRdev(uint32_t index) { return linux_abi::MakeDev(linux_abi::kLoopMajor, index); }

Process* Caller() {
  sched::Thread* t = sched::Current();
  return t != nullptr ? t->process() : nullptr;
}

// The bytes a bound device shows. Caller holds g_lock.
uint64_t CapacityLocked(const Loop& l) REQUIRES(g_lock) {
  if (!l.backing || l.backing->vnode() == nullptr) return 0;
  uint64_t size = l.backing->vnode()->GetAttr().size;
  if (size <= l.offset) return 0;
  size -= l.offset;
  if (l.sizelimit != 0 && l.sizelimit < size) size = l.sizelimit;
  return size - size % 512;
}

// Unbinds `l`; the file is dropped by the caller, unlocked.
kstd::RefPtr<fd::FileDescription> ClearLocked(Loop& l) REQUIRES(g_lock) {
  kstd::RefPtr<fd::FileDescription> old = kstd::Move(l.backing);
  l.offset = l.sizelimit = 0;
  l.flags = 0;
  l.block_size = 512;
  __builtin_memset(l.name, 0, sizeof l.name);
  l.backing_dev = l.backing_ino = 0;
  return old;
}

// One user of `index` went away; an AUTOCLEAR device is unbound by its last.
void DropUser(uint32_t index) {
  kstd::RefPtr<fd::FileDescription> old;
  SpinLockGuard guard(g_lock);
  Loop& l = g_loops[index];
  if (--l.users == 0 && (l.flags & linux_abi::kLoFlagsAutoclear) != 0) old = ClearLocked(l);
}

// "loopN" into `name` (room for 8); returns its length.
size_t LoopName(uint32_t index, char (&name)[8]) {
  __builtin_memcpy(name, "loop", 4);
  size_t n = 4;
  if (index >= 10) name[n++] = static_cast<char>('0' + index / 10);
  name[n++] = static_cast<char>('0' + index % 10);
  return n;
}

kstd::Result<void> MakeNode(uint32_t index) {
  char name[8];
  size_t n = LoopName(index, name);
  TRY(vfs::DevFs::AddBlockNode(g_dev_dir, vfs::Name(name, n), LoopRdev(index)));
  SpinLockGuard guard(g_lock);
  g_loops[index].node = true;
  return kstd::Ok();
}

// What a bind (LOOP_SET_FD, LOOP_CONFIGURE) asks for.
struct Binding {
  int32_t fd = -1;
  uint32_t block_size = 0;  // 0: 512
  const LoopInfo64* info = nullptr;
};

kstd::Result<void> CheckBlockSize(uint32_t size) {
  if (size < 512 || size > 4096 || (size & (size - 1)) != 0) return kstd::Error::kInvalid;
  return kstd::Ok();
}

kstd::Result<void> CheckFlags(uint32_t flags, uint32_t allowed) {
  if ((flags & linux_abi::kLoFlagsPartscan) != 0) {
    return Refuse("ioctl", "LO_FLAGS_PARTSCAN", flags);  // no partitions are read
  }
  if ((flags & ~allowed) != 0) return kstd::Error::kInvalid;
  return kstd::Ok();
}

kstd::Result<void> Bind(uint32_t index, const Binding& b) {
  Process* p = Caller();
  if (p == nullptr) return kstd::Error::kBadHandle;
  kstd::RefPtr<fd::FileDescription> file = TRY(p->fds()->Get(b.fd));
  vfs::Vnode* v = file->vnode();
  if (v == nullptr || v->type() != vfs::VnodeType::kRegular) return kstd::Error::kInvalid;
  uint32_t block_size = b.block_size == 0 ? 512 : b.block_size;
  TRY(CheckBlockSize(block_size));
  uint32_t flags = 0;
  if (b.info != nullptr) {
    flags = b.info->lo_flags;
    TRY(CheckFlags(flags, linux_abi::kLoFlagsReadOnly | linux_abi::kLoFlagsAutoclear |
                              linux_abi::kLoFlagsDirectIo));
  }
  if (!file->writable()) flags |= linux_abi::kLoFlagsReadOnly;
  if (!file->readable()) return kstd::Error::kBadHandle;
  vfs::Attributes attr = v->GetAttr();
  SpinLockGuard guard(g_lock);
  Loop& l = g_loops[index];
  if (l.backing) return kstd::Error::kBusy;
  l.backing = kstd::Move(file);
  l.flags = flags;
  l.block_size = block_size;
  l.backing_dev = attr.dev;
  l.backing_ino = attr.ino;
  if (b.info != nullptr) {
    l.offset = b.info->lo_offset;
    l.sizelimit = b.info->lo_sizelimit;
    __builtin_memcpy(l.name, b.info->lo_file_name, sizeof l.name);
    l.name[sizeof l.name - 1] = 0;
  }
  return kstd::Ok();
}

kstd::Result<int64_t> LoopIoctl(uint32_t index, uint32_t request, uint64_t arg) {
  switch (request) {
    case linux_abi::kLoopSetFd: {
      Binding b;
      b.fd = static_cast<int32_t>(arg);
      TRY(Bind(index, b));
      return int64_t{0};
    }
    case linux_abi::kLoopConfigure: {
      linux_abi::LoopConfig config;
      TRY(UserPtr<const linux_abi::LoopConfig>(arg).CopyIn(&config));
      Binding b;
      b.fd = static_cast<int32_t>(config.fd);
      b.block_size = config.block_size;
      b.info = &config.info;
      TRY(Bind(index, b));
      return int64_t{0};
    }
    case linux_abi::kLoopClrFd: {
      kstd::RefPtr<fd::FileDescription> old;
      SpinLockGuard guard(g_lock);
      Loop& l = g_loops[index];
      if (!l.backing) return kstd::Error::kNoDeviceOrAddress;
      // Another user (a mount, another open file): detach when it goes.
      if (l.users > 1) {
        l.flags |= linux_abi::kLoFlagsAutoclear;
        return int64_t{0};
      }
      old = ClearLocked(l);
      return int64_t{0};
    }
    case linux_abi::kLoopGetStatus64: {
      LoopInfo64 info{};
      {
        SpinLockGuard guard(g_lock);
        const Loop& l = g_loops[index];
        if (!l.backing) return kstd::Error::kNoDeviceOrAddress;
        info.lo_device = l.backing_dev;
        info.lo_inode = l.backing_ino;
        info.lo_offset = l.offset;
        info.lo_sizelimit = l.sizelimit;
        info.lo_number = index;
        info.lo_flags = l.flags;
        __builtin_memcpy(info.lo_file_name, l.name, sizeof info.lo_file_name);
      }
      TRY(UserPtr<LoopInfo64>(arg).CopyOut(&info));
      return int64_t{0};
    }
    case linux_abi::kLoopSetStatus64: {
      LoopInfo64 info;
      TRY(UserPtr<const LoopInfo64>(arg).CopyIn(&info));
      SpinLockGuard guard(g_lock);
      Loop& l = g_loops[index];
      if (!l.backing) return kstd::Error::kNoDeviceOrAddress;
      // Only the settable flags change (Linux ignores the others).
      if ((info.lo_flags & linux_abi::kLoFlagsPartscan) != 0) {
        return Refuse("ioctl", "LO_FLAGS_PARTSCAN", info.lo_flags);
      }
      l.flags =
          (l.flags & ~linux_abi::kLoSettableFlags) | (info.lo_flags & linux_abi::kLoSettableFlags);
      l.offset = info.lo_offset;
      l.sizelimit = info.lo_sizelimit;
      __builtin_memcpy(l.name, info.lo_file_name, sizeof l.name);
      l.name[sizeof l.name - 1] = 0;
      return int64_t{0};
    }
    case linux_abi::kLoopSetCapacity: {
      SpinLockGuard guard(g_lock);
      if (!g_loops[index].backing) return kstd::Error::kNoDeviceOrAddress;
      return int64_t{0};  // the size is read from the file on every use
    }
    case linux_abi::kLoopSetDirectIo: {
      SpinLockGuard guard(g_lock);
      Loop& l = g_loops[index];
      if (!l.backing) return kstd::Error::kNoDeviceOrAddress;
      if (arg != 0) {
        l.flags |= linux_abi::kLoFlagsDirectIo;
      } else {
        l.flags &= ~linux_abi::kLoFlagsDirectIo;
      }
      return int64_t{0};
    }
    case linux_abi::kLoopSetBlockSize: {
      TRY(CheckBlockSize(static_cast<uint32_t>(arg)));
      SpinLockGuard guard(g_lock);
      Loop& l = g_loops[index];
      if (!l.backing) return kstd::Error::kNoDeviceOrAddress;
      l.block_size = static_cast<uint32_t>(arg);
      return int64_t{0};
    }
    case linux_abi::kLoopSetStatus:
    case linux_abi::kLoopGetStatus:
    case linux_abi::kLoopChangeFd: return Refuse("ioctl", "loop request", request);
    case linux_abi::kBlkFlsBuf: return int64_t{0};  // nothing is cached here
    case linux_abi::kBlkRrPart: return kstd::Error::kInvalid;
    default: {
      BlockGeometry g;
      {
        SpinLockGuard guard(g_lock);
        const Loop& l = g_loops[index];
        g.capacity_bytes = CapacityLocked(l);
        g.block_size = l.block_size;
        g.read_only = (l.flags & linux_abi::kLoFlagsReadOnly) != 0;
      }
      return AnswerGeometryIoctl(request, arg, g);
    }
  }
}

class LoopFile final : public vfs::OpenFile {
 public:
  LoopFile(kstd::RefPtr<vfs::Vnode> node, uint32_t flags, uint32_t index)
      : OpenFile(kstd::Move(node), flags), index_(index) {}
  ~LoopFile() override { DropUser(index_); }

  kstd::Result<size_t> Read(uint64_t offset, kstd::Span<uint8_t> out) override {
    LoopIo io = Take();
    if (!io.backing || offset >= io.capacity || out.empty()) return size_t{0};
    if (out.size() > io.capacity - offset)
      out = out.Subspan(0, static_cast<size_t>(io.capacity - offset));
    return io.backing->ReadAt(io.offset + offset, out);
  }

  kstd::Result<size_t> Write(uint64_t offset, kstd::Span<const uint8_t> in) override {
    LoopIo io = Take();
    if (in.empty()) return size_t{0};
    if (!io.backing || offset >= io.capacity) return kstd::Error::kNoSpace;
    if (io.read_only) return kstd::Error::kPermission;  // Linux's block layer: EPERM
    if (in.size() > io.capacity - offset)
      in = in.Subspan(0, static_cast<size_t>(io.capacity - offset));
    return io.backing->WriteAt(io.offset + offset, in);
  }

  kstd::Result<size_t> Append(kstd::Span<const uint8_t>, uint64_t*) override {
    return kstd::Error::kNoSpace;
  }

  kstd::Result<void> Sync() override {
    LoopIo io = Take();
    if (!io.backing) return kstd::Ok();
    return io.backing->Sync();
  }

  uint64_t EndOffset() override { return Take().capacity; }

  kstd::Result<int64_t> Ioctl(uint32_t request, uint64_t arg) override {
    return LoopIoctl(index_, request, arg);
  }

 private:
  struct LoopIo {
    kstd::RefPtr<fd::FileDescription> backing;
    uint64_t offset = 0, capacity = 0;
    bool read_only = false;
  };
  LoopIo Take() const {
    SpinLockGuard guard(g_lock);
    const Loop& l = g_loops[index_];
    return LoopIo{l.backing, l.offset, CapacityLocked(l),
                  (l.flags & linux_abi::kLoFlagsReadOnly) != 0};
  }

  const uint32_t index_;
};

// /dev/loop-control.
class LoopControl final : public vfs::CharDevice {
 public:
  kstd::Result<size_t> Read(kstd::Span<uint8_t>) override { return kstd::Error::kInvalid; }
  kstd::Result<size_t> Write(kstd::Span<const uint8_t>) override { return kstd::Error::kInvalid; }

  kstd::Result<int64_t> Ioctl(uint32_t request, uint64_t arg) override {
    switch (request) {
      case linux_abi::kLoopCtlGetFree: {
        uint32_t free_index = kMaxLoops;
        bool has_node = false;
        {
          SpinLockGuard guard(g_lock);
          for (uint32_t i = 0; i < kMaxLoops && free_index == kMaxLoops; ++i) {
            const Loop& l = g_loops[i];
            if (!l.backing && l.users == 0) {
              free_index = i;
              has_node = l.node;
            }
          }
        }
        if (free_index == kMaxLoops) return kstd::Error::kNoSpace;
        if (!has_node) TRY(MakeNode(free_index));
        return int64_t{free_index};
      }
      case linux_abi::kLoopCtlAdd: {
        if (arg >= kMaxLoops) return kstd::Error::kInvalid;
        {
          SpinLockGuard guard(g_lock);
          if (g_loops[arg].node) return kstd::Error::kExists;
        }
        TRY(MakeNode(static_cast<uint32_t>(arg)));
        return static_cast<int64_t>(arg);
      }
      case linux_abi::kLoopCtlRemove: {
        if (arg >= kMaxLoops) return kstd::Error::kInvalid;
        {
          SpinLockGuard guard(g_lock);
          const Loop& l = g_loops[arg];
          if (!l.node) return kstd::Error::kNoDeviceOrAddress;
          if (l.backing || l.users != 0) return kstd::Error::kBusy;
          g_loops[arg].node = false;
        }
        char name[8];
        size_t n = LoopName(static_cast<uint32_t>(arg), name);
        (void)g_dev_dir->Unlink(vfs::Name(name, n));
        return static_cast<int64_t>(arg);
      }
      default: return kstd::Error::kNotTty;
    }
  }
};

}  // namespace

kstd::Result<void> AddLoopDevices(vfs::Vnode* dev_dir) {
  g_dev_dir = dev_dir;
  kstd::RefPtr<vfs::CharDevice> control =
      kstd::AdoptRef<vfs::CharDevice>(new (kstd::nothrow) LoopControl());
  TRY(vfs::DevFs::AddDevice(
      dev_dir, "loop-control",
      linux_abi::MakeDev(linux_abi::kLoopControlMajor, linux_abi::kLoopControlMinor), 0660,
      kstd::Move(control)));
  for (uint32_t i = 0; i < kBootLoops; ++i) TRY(MakeNode(i));
  return kstd::Ok();
}

bool IsLoopDevice(uint64_t rdev) { return linux_abi::DevMajor(rdev) == linux_abi::kLoopMajor; }

kstd::Result<kstd::RefPtr<vfs::OpenFile>> OpenLoopNode(kstd::RefPtr<vfs::Vnode> node,
                                                       uint32_t flags) {
  uint64_t minor = linux_abi::DevMinor(node->GetAttr().rdev);
  if (minor >= kMaxLoops) return kstd::Error::kNoDeviceOrAddress;
  uint32_t index = static_cast<uint32_t>(minor);
  {
    SpinLockGuard guard(g_lock);
    if (!g_loops[index].node) return kstd::Error::kNoDeviceOrAddress;
    ++g_loops[index].users;
  }
  kstd::RefPtr<vfs::OpenFile> file =
      kstd::AdoptRef<vfs::OpenFile>(new (kstd::nothrow) LoopFile(kstd::Move(node), flags, index));
  if (!file) {
    DropUser(index);
    return kstd::Error::kNoMemory;
  }
  return file;
}

kstd::Result<LoopMountSource> ServeLoopForMount(uint64_t rdev, bool read_only) {
  if (!IsLoopDevice(rdev) || linux_abi::DevMinor(rdev) >= kMaxLoops) {
    return kstd::Error::kNoDeviceOrAddress;
  }
  uint32_t index = static_cast<uint32_t>(linux_abi::DevMinor(rdev));
  LoopDisk disk;
  {
    SpinLockGuard guard(g_lock);
    Loop& l = g_loops[index];
    if (!l.backing) return kstd::Error::kNoDeviceOrAddress;
    ++l.users;  // the mount's: dropped when the server thread ends
    disk.backing = l.backing;
    disk.offset = l.offset;
    disk.capacity = CapacityLocked(l);
    disk.block_size = l.block_size;
    disk.read_only = read_only || (l.flags & linux_abi::kLoFlagsReadOnly) != 0;
  }
  disk.index = index;
  disk.done = DropUser;
  auto channel = StartLoopServer(kstd::Move(disk));
  if (channel.is_error()) {
    DropUser(index);
    return channel.error();
  }
  return LoopMountSource{channel.release_value(), &g_loops[index]};
}

}  // namespace core::fs
