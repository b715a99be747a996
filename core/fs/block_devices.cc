#include "core/fs/block_devices.h"

#include "core/kernel/log.h"
#include "core/vfs/devfs.h"

namespace core::fs {
namespace {

constexpr uint16_t kVirtioVendor = 0x1af4;
constexpr uint16_t kVirtioBlockModern = 0x1042;  // virtio 1.2 §4.1.2.1: 0x1040 + 2

// Written once at boot (before any process runs), read-only afterwards.
const pci::Function* g_disks[vfs::kMaxVirtioBlockDisks];
uint32_t g_disk_count = 0;

}  // namespace

kstd::Result<void> AddVirtioBlockNodes(vfs::Vnode* dev_dir) {
  for (size_t i = 0; i < pci::FunctionCount(); ++i) {
    const pci::Function* f = pci::FunctionAt(i);
    if (f == nullptr || f->vendor_id != kVirtioVendor || f->device_id != kVirtioBlockModern)
      continue;
    if (g_disk_count == vfs::kMaxVirtioBlockDisks) {
      Log("vfs", "more than %u virtio-blk disks: the rest get no /dev node",
          vfs::kMaxVirtioBlockDisks);
      break;
    }
    char name[8];
    size_t length = TRY(vfs::VirtioBlockName(g_disk_count, kstd::Span<char>(name, sizeof name)));
    TRY(vfs::DevFs::AddBlockNode(dev_dir, vfs::Name(name, length),
                                 vfs::VirtioBlockRdev(g_disk_count)));
    Log("vfs", "/dev/%s (254:%u) is the virtio-blk disk at PCI %02x:%02x.%x", name,
        g_disk_count * vfs::kVirtioBlockMinorsPerDisk, f->bus, f->device, f->function);
    g_disks[g_disk_count++] = f;
  }
  return kstd::Ok();
}

kstd::Result<const pci::Function*> VirtioBlockFunction(uint64_t rdev) {
  uint32_t index = TRY(vfs::VirtioBlockIndex(rdev));
  if (index >= g_disk_count) return kstd::Error::kNoDeviceOrAddress;
  return g_disks[index];
}

}  // namespace core::fs
