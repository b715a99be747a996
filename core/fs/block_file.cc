#include "core/fs/block_file.h"

#include "abi/linux/block.h"
#include "abi/linux/capability.h"
#include "abi/linux/fcntl.h"
#include "core/fd/vnode_file.h"
#include "core/fs/block_devices.h"
#include "core/fs/block_ioctl.h"
#include "core/fs/disk_client.h"
#include "core/fs/loop_devices.h"
#include "core/fs/loop_server.h"
#include "core/fs/partition_table.h"
#include "core/kernel/log.h"
#include "core/proc/process.h"
#include "core/sched/scheduler.h"
#include "core/sync/spin_lock.h"
#include "core/vfs/devfs.h"
#include "core/vfs/device.h"
#include "kstd/new.h"

namespace core::fs {
namespace {

// One disk's open state. `client` is shared by every open file of the disk
// and of its partitions.
struct DiskSlot {
  kstd::RefPtr<DiskClient> client;
  uint32_t opens = 0;
  uint32_t exclusive = 0;           // O_EXCL opens
  bool opening = false;             // an open is asking for a driver (others wait)
  Partition parts[kMaxPartitions];  // from the last scan
  uint32_t part_count = 0;
  uint8_t part_identity[kMaxPartitions] = {};  // addresses only: mount identities
};

SpinLock g_lock;
DiskSlot g_slots[vfs::kMaxVirtioBlockDisks] GUARDED_BY(g_lock);
sched::WaitQueue g_opening_done;
BlockClientSource g_source = nullptr;
vfs::Vnode* g_dev_dir = nullptr;  // devfs's root, for partition nodes

// The disk index and partition number (0: the whole disk) of a virtio-blk
// device number. Errors: kNoDeviceOrAddress.
kstd::Result<void> DiskOf(uint64_t rdev, uint32_t* index, uint32_t* part) {
  if (linux_abi::DevMajor(rdev) != vfs::kVirtioBlockMajor) return kstd::Error::kNoDeviceOrAddress;
  uint32_t minor = linux_abi::DevMinor(rdev);
  *index = minor / vfs::kVirtioBlockMinorsPerDisk;
  *part = minor % vfs::kVirtioBlockMinorsPerDisk;
  if (*index >= vfs::kMaxVirtioBlockDisks) return kstd::Error::kNoDeviceOrAddress;
  return kstd::Ok();
}

// "vdb3" for disk `index`, partition `part` (0: "vdb").
size_t NodeName(uint32_t index, uint32_t part, char (&name)[16]) {
  auto n = vfs::VirtioBlockName(index, kstd::Span<char>(name, sizeof name - 3));
  if (n.is_error()) return 0;
  size_t len = n.value();
  if (part >= 10) name[len++] = static_cast<char>('0' + part / 10);
  if (part > 0) name[len++] = static_cast<char>('0' + part % 10);
  name[len] = '\0';
  return len;
}

kstd::Result<void> ReadThroughClient(void* client, uint64_t lba, uint8_t* out) {
  return static_cast<DiskClient*>(client)->Read(lba * kTableSectorSize,
                                                kstd::Span<uint8_t>(out, kTableSectorSize));
}

// Reads disk `index`'s partition table through `client` and makes its
// partition nodes match it (Linux's rescan: nodes of partitions gone are
// removed, new ones made). A table that cannot be read leaves none.
void ScanPartitionTable(uint32_t index, DiskClient* client) {
  Partition found[kMaxPartitions];
  uint32_t count = 0;
  auto scan = ScanPartitions(ReadThroughClient, client, client->capacity_bytes() / kTableSectorSize,
                             kstd::Span<Partition>(found, kMaxPartitions));
  char disk[16];
  NodeName(index, 0, disk);
  if (scan.is_error()) {
    Log("blk", "/dev/%s: the partition table cannot be read: %s", disk,
        kstd::ErrorName(scan.error()));
  } else {
    count = static_cast<uint32_t>(scan.value().count);
    if (scan.value().problem != nullptr) {
      Log("blk", "/dev/%s: partition table not used: %s", disk, scan.value().problem);
    }
  }
  bool present[kMaxPartitions + 1] = {};
  for (uint32_t i = 0; i < count; ++i) present[found[i].number] = true;
  {
    SpinLockGuard guard(g_lock);
    DiskSlot& slot = g_slots[index];
    for (uint32_t i = 0; i < count; ++i) slot.parts[i] = found[i];
    slot.part_count = count;
  }
  if (g_dev_dir == nullptr) return;
  for (uint32_t part = 1; part <= kMaxPartitions; ++part) {
    char name[16];
    size_t len = NodeName(index, part, name);
    if (len == 0) continue;
    if (present[part]) {
      (void)vfs::DevFs::AddBlockNode(g_dev_dir, vfs::Name(name, len),
                                     vfs::VirtioBlockRdev(index) + part);  // kExists: there
    } else {
      (void)g_dev_dir->Unlink(vfs::Name(name, len));  // kNotFound: never was
    }
  }
}

bool Opening(void* slot) {
  SpinLockGuard guard(g_lock);
  return static_cast<DiskSlot*>(slot)->opening;
}

bool CallerHas(uint32_t cap) {
  sched::Thread* t = sched::Current();
  return t != nullptr && t->process() != nullptr && t->process()->HasCapability(cap);
}

// Drops one open of slot `index` (the last one's client goes, unlocked).
void DropOpen(uint32_t index, bool exclusive) {
  kstd::RefPtr<DiskClient> last;
  SpinLockGuard guard(g_lock);
  DiskSlot& slot = g_slots[index];
  if (exclusive) --slot.exclusive;
  if (--slot.opens == 0) last = kstd::Move(slot.client);
}

class BlockDeviceFile final : public vfs::OpenFile {
 public:
  /// A file of disk `index` seeing [base, base + size) of it (a partition,
  /// or the whole disk with `part` 0).
  BlockDeviceFile(kstd::RefPtr<vfs::Vnode> node, uint32_t flags, uint32_t index, uint32_t part,
                  kstd::RefPtr<DiskClient> client, uint64_t base, uint64_t size)
      : OpenFile(kstd::Move(node), flags),
        index_(index),
        part_(part),
        client_(kstd::Move(client)),
        base_(base),
        size_(size) {}

  ~BlockDeviceFile() override { DropOpen(index_, (open_flags() & linux_abi::kOExcl) != 0); }

  kstd::Result<size_t> Read(uint64_t offset, kstd::Span<uint8_t> out) override {
    uint64_t size = size_;
    if (offset >= size || out.empty()) return size_t{0};
    if (out.size() > size - offset) out = out.Subspan(0, static_cast<size_t>(size - offset));
    TRY(CheckDirect(offset, out.size()));
    offset += base_;
    size_t done = 0;
    while (done < out.size()) {
      size_t n = Chunk(offset + done, out.size() - done);
      auto read = client_->Read(offset + done, out.Subspan(done, n));
      if (read.is_error()) return done > 0 ? kstd::Result<size_t>(done) : read.error();
      done += n;
    }
    return done;
  }

  kstd::Result<size_t> Write(uint64_t offset, kstd::Span<const uint8_t> in) override {
    uint64_t size = size_;
    if (in.empty()) return size_t{0};
    if (offset >= size) return kstd::Error::kNoSpace;
    if (in.size() > size - offset) in = in.Subspan(0, static_cast<size_t>(size - offset));
    TRY(CheckDirect(offset, in.size()));
    offset += base_;
    size_t done = 0;
    while (done < in.size()) {
      size_t n = Chunk(offset + done, in.size() - done);
      auto written = client_->Write(offset + done, in.Subspan(done, n));
      if (written.is_error()) return done > 0 ? kstd::Result<size_t>(done) : written.error();
      done += n;
    }
    return done;
  }

  kstd::Result<size_t> Append(kstd::Span<const uint8_t>, uint64_t*) override {
    return kstd::Error::kNoSpace;  // the end of a disk is full by definition
  }

  kstd::Result<void> Sync() override { return client_->Flush(); }
  uint64_t EndOffset() override { return size_; }
  kstd::Result<int64_t> Ioctl(uint32_t request, uint64_t arg) override;

 private:
  // Bytes of one client request starting at `offset` (the blocks it touches
  // fit the shared buffer).
  size_t Chunk(uint64_t offset, size_t left) const {
    size_t room = DiskClient::kBufferBytes - offset % client_->block_size();
    return left < room ? left : room;
  }

  kstd::Result<void> CheckDirect(uint64_t offset, size_t bytes) const {
    if ((open_flags() & linux_abi::kODirect) == 0) return kstd::Ok();
    uint32_t bs = client_->block_size();
    if (offset % bs != 0 || bytes % bs != 0) return kstd::Error::kInvalid;
    return kstd::Ok();
  }

  const uint32_t index_;
  const uint32_t part_;  // 0: the whole disk
  const kstd::RefPtr<DiskClient> client_;
  const uint64_t base_;  // bytes
  const uint64_t size_;
};

kstd::Result<int64_t> BlockDeviceFile::Ioctl(uint32_t request, uint64_t arg) {
  switch (request) {
    case linux_abi::kBlkFlsBuf:
      if (!CallerHas(linux_abi::kCapSysAdmin)) return kstd::Error::kAccess;
      TRY(client_->Flush());
      return int64_t{0};
    case linux_abi::kBlkRrPart: {
      // Linux: the whole disk, CAP_SYS_ADMIN, and nobody else using it.
      if (part_ != 0) return kstd::Error::kInvalid;
      if (!CallerHas(linux_abi::kCapSysAdmin)) return kstd::Error::kAccess;
      {
        SpinLockGuard guard(g_lock);
        if (g_slots[index_].opens > 1) return kstd::Error::kBusy;
      }
      ScanPartitionTable(index_, client_.get());
      return int64_t{0};
    }
    default: {
      BlockGeometry g{size_, client_->block_size(), client_->read_only()};
      return AnswerGeometryIoctl(request, arg, g);
    }
  }
}

kstd::Result<kstd::RefPtr<vfs::OpenFile>> OpenBlockNode(kstd::RefPtr<vfs::Vnode> node,
                                                        uint32_t flags) {
  uint64_t rdev = node->GetAttr().rdev;
  if (IsLoopDevice(rdev)) return OpenLoopNode(kstd::Move(node), flags);
  uint32_t index = 0, part = 0;
  TRY(DiskOf(rdev, &index, &part));
  const pci::Function* disk = TRY(VirtioBlockFunction(vfs::VirtioBlockRdev(index)));
  bool exclusive = (flags & linux_abi::kOExcl) != 0;
  bool writer = linux_abi::OpenWantsWrite(flags);
  DiskSlot& slot = g_slots[index];
  kstd::RefPtr<DiskClient> client;
  for (;;) {
    {
      SpinLockGuard guard(g_lock);
      if (!slot.opening) {
        if (exclusive && slot.exclusive != 0) return kstd::Error::kBusy;
        // A dead client (its driver died) is not shared with new opens:
        // they get a new driver; the old files keep failing with EIO.
        if (slot.client && !slot.client->dead()) {
          // A read-only client: the disk is mounted (or the device is
          // read-only); a writer waits until the readers are gone.
          if (writer && slot.client->read_only()) return kstd::Error::kBusy;
          ++slot.opens;
          if (exclusive) ++slot.exclusive;
          client = slot.client;
          break;
        }
        slot.opening = true;  // this open asks for a driver
        break;
      }
    }
    sched::WakeReason why = g_opening_done.WaitIf(sched::kNoDeadline, Opening, &slot);
    if (why == sched::WakeReason::kInterrupted) return kstd::Error::kInterrupted;
  }
  if (!client) {
    kstd::Result<kstd::RefPtr<DiskClient>> made = kstd::Error::kNoDeviceOrAddress;
    if (g_source != nullptr) {
      auto endpoint = g_source(disk, !writer);
      made = endpoint.is_error() ? kstd::Result<kstd::RefPtr<DiskClient>>(endpoint.error())
                                 : DiskClient::Create(endpoint.release_value());
      if (made.ok() && writer && made.value()->read_only()) {
        made = kstd::Error::kReadOnlyFs;  // a read-only device (Linux: EROFS)
      }
    }
    // A disk's partitions are read when it gets a driver (Linux reads them
    // when it finds the disk; a disk here has no driver before its first
    // open), before anyone else uses the client.
    if (made.ok()) ScanPartitionTable(index, made.value().get());
    {
      SpinLockGuard guard(g_lock);
      slot.opening = false;
      if (made.ok()) {
        slot.client = made.value();
        ++slot.opens;
        if (exclusive) ++slot.exclusive;
        client = made.release_value();
      }
    }
    g_opening_done.WakeAll();
    if (!client) return made.error();
  }
  uint64_t base = 0, size = client->capacity_bytes();
  if (part != 0) {
    bool found = false;
    {
      SpinLockGuard guard(g_lock);
      for (uint32_t i = 0; i < slot.part_count; ++i) {
        if (slot.parts[i].number != part) continue;
        base = slot.parts[i].first_sector * kTableSectorSize;
        size = slot.parts[i].sectors * kTableSectorSize;
        found = true;
      }
    }
    if (!found) {
      DropOpen(index, exclusive);
      return kstd::Error::kNoDeviceOrAddress;  // no such partition (any more)
    }
  }
  kstd::RefPtr<vfs::OpenFile> file = kstd::AdoptRef(new (kstd::nothrow) BlockDeviceFile(
      kstd::Move(node), flags, index, part, client, base, size));
  if (!file) {
    DropOpen(index, exclusive);
    return kstd::Error::kNoMemory;
  }
  return file;
}

}  // namespace

void SetBlockNodeDirectory(vfs::Vnode* dev_dir) { g_dev_dir = dev_dir; }

bool IsDiskPartition(uint64_t rdev) {
  uint32_t index = 0, part = 0;
  return DiskOf(rdev, &index, &part).ok() && part != 0;
}

kstd::Result<LoopMountSource> ServePartitionForMount(kstd::RefPtr<vfs::Vnode> node,
                                                     bool read_only) {
  uint32_t index = 0, part = 0;
  TRY(DiskOf(node->GetAttr().rdev, &index, &part));
  if (part == 0) return kstd::Error::kInvalid;
  uint32_t flags = read_only ? linux_abi::kORdOnly : linux_abi::kORdWr;
  kstd::RefPtr<vfs::OpenFile> file = TRY(node->Open(flags));
  uint64_t size = file->EndOffset();
  kstd::RefPtr<fd::FileDescription> backing = kstd::AdoptRef<fd::FileDescription>(
      new (kstd::nothrow) fd::VnodeFile(kstd::Move(file), flags));
  if (!backing) return kstd::Error::kNoMemory;
  LoopDisk disk;
  disk.backing = kstd::Move(backing);
  disk.capacity = size - size % kTableSectorSize;
  disk.read_only = read_only;
  disk.index = index;
  auto channel = TRY(StartLoopServer(kstd::Move(disk)));
  const void* identity;
  {
    SpinLockGuard guard(g_lock);
    identity = &g_slots[index].part_identity[part - 1];
  }
  return LoopMountSource{kstd::Move(channel), identity};
}

void InitBlockFiles(BlockClientSource source) {
  g_source = source;
  vfs::SetBlockOpener(OpenBlockNode);
}

bool DiskOpenThroughNode(const pci::Function* disk) {
  for (uint32_t i = 0; i < vfs::kMaxVirtioBlockDisks; ++i) {
    auto f = VirtioBlockFunction(vfs::VirtioBlockRdev(i));
    if (f.is_error()) break;
    if (f.value() != disk) continue;
    SpinLockGuard guard(g_lock);
    return g_slots[i].opens > 0 || g_slots[i].opening;
  }
  return false;
}

}  // namespace core::fs
