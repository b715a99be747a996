#include "core/fs/root.h"

#include "core/console/console.h"
#include "core/crypto/kernel_random.h"
#include "core/fs/block_devices.h"
#include "core/fs/block_file.h"
#include "core/fs/loop_devices.h"
#include "core/kernel/log.h"
#include "core/kernel/wall_clock.h"
#include "core/kmsg/kmsg_device.h"
#include "core/procfs/procfs.h"
#include "core/vfs/cpio.h"
#include "core/vfs/devfs.h"
#include "core/vfs/ramfs.h"
#include "hal/memory.h"
#include "hal/timer.h"
#include "kstd/string.h"

namespace core::fs {
namespace {

constexpr uint64_t kTmpfsMaxBytes = 256ULL << 20;

kstd::RefPtr<vfs::RamFs> g_devfs;

vfs::Timestamp RealtimeClock() { return WallClockNanos(); }

kstd::Result<kstd::RefPtr<vfs::Vnode>> MakeDir(vfs::Vnode* parent, const char* name) {
  vfs::Name n(name, kstd::StringLength(name));
  auto existing = parent->Lookup(n);
  if (existing.ok()) return existing;
  vfs::CreateRequest req;
  req.type = vfs::VnodeType::kDirectory;
  req.mode = 0755;
  return parent->Create(n, req);
}

// What /proc/mounts shows as the source of a boot-time mount.
vfs::MountOptions Source(const char* source) {
  vfs::MountOptions options;
  options.source = source;
  return options;
}

const hal::BootModule* FindModule(const hal::BootInfo& boot_info, const char* wanted) {
  for (size_t i = 0; i < boot_info.module_count; ++i) {
    char name[hal::BootModule::kMaxCmdline];
    if (hal::ModuleName(boot_info.modules[i], name, sizeof name) != nullptr &&
        kstd::StringEqual(name, wanted)) {
      return &boot_info.modules[i];
    }
  }
  return nullptr;
}

}  // namespace

kstd::RefPtr<vfs::RamFs> DevFsInstance() { return g_devfs; }

kstd::Result<void> InitFileSystems(const hal::BootInfo& boot_info) {
  vfs::SetClock(RealtimeClock);
  if (!crypto::SeedKernelCsprng())
    Log("vfs", "/dev/random: no hardware entropy; seeded from the TSC only");

  kstd::RefPtr<vfs::RamFs> root = TRY(vfs::RamFs::Create());
  TRY(vfs::Mounts().MountRoot(root, Source("rootfs")));
  kstd::RefPtr<vfs::Vnode> root_dir = vfs::Mounts().Root();

  const hal::BootModule* initramfs = FindModule(boot_info, "initramfs");
  if (initramfs == nullptr) {
    Log("vfs", "no initramfs module: the root file system is empty");
  } else {
    kstd::ByteSpan archive(static_cast<const uint8_t*>(hal::PhysToVirt(initramfs->phys_start)),
                           initramfs->phys_end - initramfs->phys_start);
    vfs::CpioError error;
    auto stats = vfs::UnpackCpio(archive, root_dir.get(), &error);
    if (stats.is_error()) {
      Log("vfs", "initramfs rejected at offset %lu (%s): %s; the root keeps what was unpacked",
          error.offset, error.field, error.message);
    } else {
      Log("vfs", "root: ramfs from the initramfs (%lu bytes)", archive.size());
    }
  }

  // /dev
  kstd::RefPtr<vfs::Vnode> dev_dir = TRY(MakeDir(root_dir.get(), "dev"));
  kstd::RefPtr<vfs::RamFs> devfs = TRY(vfs::DevFs::Create());
  devfs->set_retained(true);
  g_devfs = devfs;
  kstd::RefPtr<vfs::Vnode> devfs_root = devfs->Root();
  TRY(vfs::DevFs::AddMemoryDevices(devfs_root.get(), &crypto::KernelCsprng()));
  TRY(console::AddConsoleDevices(devfs_root.get()));
  TRY(kmsg::AddKmsgDevice(devfs_root.get()));
  TRY(AddVirtioBlockNodes(devfs_root.get()));
  TRY(AddLoopDevices(devfs_root.get()));
  SetBlockNodeDirectory(devfs_root.get());
  TRY(vfs::Mounts().Mount(devfs, dev_dir, vfs::Name("/dev", 4), Source("devtmpfs")));

  // /tmp
  kstd::RefPtr<vfs::Vnode> tmp_dir = TRY(MakeDir(root_dir.get(), "tmp"));
  vfs::RamFsOptions tmp_options;
  tmp_options.name = "tmpfs";
  tmp_options.max_bytes = kTmpfsMaxBytes;
  tmp_options.root_mode = 01777;
  kstd::RefPtr<vfs::RamFs> tmpfs = TRY(vfs::RamFs::Create(tmp_options));
  TRY(vfs::Mounts().Mount(tmpfs, tmp_dir, vfs::Name("/tmp", 4), Source("tmpfs")));

  // /proc
  kstd::RefPtr<vfs::Vnode> proc_dir = TRY(MakeDir(root_dir.get(), "proc"));
  TRY(procfs::InitProcFs(vfs::Mounts(), proc_dir));
  Log("vfs", "mounted devfs on /dev, tmpfs on /tmp and procfs on /proc");
  return kstd::Ok();
}

}  // namespace core::fs
