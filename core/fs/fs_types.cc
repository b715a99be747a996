#include "core/fs/fs_types.h"

#include "core/fs/root.h"
#include "core/kernel/log.h"
#include "core/kernel/memory.h"
#include "core/procfs/procfs.h"
#include "core/vfs/mount_options.h"
#include "core/vfs/ramfs.h"

namespace core::fs {

uint64_t RamBytes() {
  mm::PmmStats pmm = Pmm().Stats();
  return (pmm.total_pages - pmm.reserved_pages) * mm::kPageSize;
}

kstd::Result<kstd::RefPtr<vfs::FileSystem>> CreateFileSystem(vfs::Name type, vfs::Name data,
                                                             uint32_t* flags) {
  if (type == vfs::Name("tmpfs")) {
    uint64_t ram = RamBytes();
    vfs::TmpfsOptions o = TRY(vfs::ParseTmpfsOptions(data, ram, flags));
    vfs::RamFsOptions options;
    options.name = "tmpfs";
    options.default_max_bytes = vfs::TmpfsDefaultMaxBytes(ram);
    options.default_max_inodes = vfs::TmpfsDefaultMaxInodes(ram);
    options.max_bytes = o.size_set ? o.max_bytes : options.default_max_bytes;
    options.max_inodes = o.inodes_set ? o.max_inodes : options.default_max_inodes;
    options.root_mode = o.mode;
    options.root_uid = o.uid;
    options.root_gid = o.gid;
    options.ram_bytes = ram;
    return kstd::RefPtr<vfs::FileSystem>(TRY(vfs::RamFs::Create(options)));
  }
  if (type == vfs::Name("ramfs")) {
    vfs::RamFsOptions options;
    options.name = "ramfs";
    TRY(vfs::ParseRamfsOptions(data, &options.root_mode, flags));
    return kstd::RefPtr<vfs::FileSystem>(TRY(vfs::RamFs::Create(options)));
  }
  if (type == vfs::Name("proc")) {
    TRY(vfs::ParseProcOptions(data, flags));
    return procfs::CreateProcFs();
  }
  if (type == vfs::Name("devtmpfs")) {
    kstd::RefPtr<vfs::RamFs> devfs = DevFsInstance();
    // In any mount namespace: its options are the one instance's.
    if (devfs->mount_count() != 0) {
      Log("vfs", "mount: devtmpfs is mounted already; a file system shows at one place only");
      return kstd::Error::kBusy;
    }
    TRY(devfs->Remount(data, flags));
    return kstd::RefPtr<vfs::FileSystem>(devfs);
  }
  if (type == vfs::Name("ext3") || type == vfs::Name("ext4")) {
    Log("vfs", "mount: only ext2 is served (by servers/fs, through init's mount agent): ENODEV");
  }
  return kstd::Error::kNoDevice;
}

}  // namespace core::fs
