#pragma once

// /dev/vda, /dev/vdb, ...: one block-device node per virtio-blk PCI function
// (1af4:1042, the modern transport the driver supports), named in PCI order
// as Linux names them (core/vfs/devfs.h). The nodes only name the disks: the
// disks are driven by user-mode drivers, and mount(2) turns a node back into
// its PCI function to ask init to start a driver and a server for it.

#include <stdint.h>

#include "core/pci/pci_bus.h"
#include "core/vfs/vnode.h"
#include "kstd/result.h"

namespace core::fs {

/// Boot, after PCI enumeration: creates the nodes in `dev_dir` (devfs's
/// root) and remembers which function each names. Errors: those of
/// DevFs::AddBlockNode.
kstd::Result<void> AddVirtioBlockNodes(vfs::Vnode* dev_dir);

/// The PCI function the block-device number `rdev` names. Errors:
/// kNoDeviceOrAddress (no such disk).
kstd::Result<const pci::Function*> VirtioBlockFunction(uint64_t rdev);

}  // namespace core::fs
