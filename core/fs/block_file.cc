#include "core/fs/block_file.h"

#include "abi/linux/block.h"
#include "abi/linux/capability.h"
#include "abi/linux/fcntl.h"
#include "core/fs/block_devices.h"
#include "core/fs/block_ioctl.h"
#include "core/fs/disk_client.h"
#include "core/fs/loop_devices.h"
#include "core/kernel/log.h"
#include "core/proc/process.h"
#include "core/sched/scheduler.h"
#include "core/sync/spin_lock.h"
#include "core/vfs/devfs.h"
#include "core/vfs/device.h"
#include "kstd/new.h"

namespace core::fs {
namespace {

// One disk's open state. `client` is shared by every open file of the disk.
struct DiskSlot {
  kstd::RefPtr<DiskClient> client;
  uint32_t opens = 0;
  uint32_t exclusive = 0;  // O_EXCL opens
  bool opening = false;    // an open is asking for a driver (others wait)
};

SpinLock g_lock;
DiskSlot g_slots[vfs::kMaxVirtioBlockDisks] GUARDED_BY(g_lock);
sched::WaitQueue g_opening_done;
BlockClientSource g_source = nullptr;

bool Opening(void* slot) {
  SpinLockGuard guard(g_lock);
  return static_cast<DiskSlot*>(slot)->opening;
}

bool CallerHas(uint32_t cap) {
  sched::Thread* t = sched::Current();
  return t != nullptr && t->process() != nullptr && t->process()->HasCapability(cap);
}

class BlockDeviceFile final : public vfs::OpenFile {
 public:
  BlockDeviceFile(kstd::RefPtr<vfs::Vnode> node, uint32_t flags, uint32_t index,
                  kstd::RefPtr<DiskClient> client)
      : OpenFile(kstd::Move(node), flags), index_(index), client_(kstd::Move(client)) {}

  ~BlockDeviceFile() override {
    kstd::RefPtr<DiskClient> last;  // dropped unlocked: closes the driver's channel
    SpinLockGuard guard(g_lock);
    DiskSlot& slot = g_slots[index_];
    if ((open_flags() & linux_abi::kOExcl) != 0) --slot.exclusive;
    if (--slot.opens == 0) last = kstd::Move(slot.client);
  }

  kstd::Result<size_t> Read(uint64_t offset, kstd::Span<uint8_t> out) override {
    uint64_t size = client_->capacity_bytes();
    if (offset >= size || out.empty()) return size_t{0};
    if (out.size() > size - offset) out = out.Subspan(0, static_cast<size_t>(size - offset));
    TRY(CheckDirect(offset, out.size()));
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
    uint64_t size = client_->capacity_bytes();
    if (in.empty()) return size_t{0};
    if (offset >= size) return kstd::Error::kNoSpace;
    if (in.size() > size - offset) in = in.Subspan(0, static_cast<size_t>(size - offset));
    TRY(CheckDirect(offset, in.size()));
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
  uint64_t EndOffset() override { return client_->capacity_bytes(); }
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
  const kstd::RefPtr<DiskClient> client_;
};

kstd::Result<int64_t> BlockDeviceFile::Ioctl(uint32_t request, uint64_t arg) {
  switch (request) {
    case linux_abi::kBlkFlsBuf:
      if (!CallerHas(linux_abi::kCapSysAdmin)) return kstd::Error::kAccess;
      TRY(client_->Flush());
      return int64_t{0};
    case linux_abi::kBlkRrPart: return kstd::Error::kInvalid;  // no partition table is read
    default: {
      BlockGeometry g{client_->capacity_bytes(), client_->block_size(), client_->read_only()};
      return AnswerGeometryIoctl(request, arg, g);
    }
  }
}

kstd::Result<kstd::RefPtr<vfs::OpenFile>> OpenBlockNode(kstd::RefPtr<vfs::Vnode> node,
                                                        uint32_t flags) {
  uint64_t rdev = node->GetAttr().rdev;
  if (IsLoopDevice(rdev)) return OpenLoopNode(kstd::Move(node), flags);
  uint32_t index = TRY(vfs::VirtioBlockIndex(rdev));
  const pci::Function* disk = TRY(VirtioBlockFunction(rdev));
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
  kstd::RefPtr<vfs::OpenFile> file =
      kstd::AdoptRef(new (kstd::nothrow) BlockDeviceFile(kstd::Move(node), flags, index, client));
  if (!file) {
    kstd::RefPtr<DiskClient> last;
    SpinLockGuard guard(g_lock);
    if (exclusive) --slot.exclusive;
    if (--slot.opens == 0) last = kstd::Move(slot.client);
    return kstd::Error::kNoMemory;
  }
  return file;
}

}  // namespace

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
