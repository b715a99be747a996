#pragma once

// devfs: /dev as a RamFs mounted under the name "devtmpfs", whose nodes are
// character-device vnodes backed by drivers in CharDevices() (device.h).
//
// This file provides the memory devices of Linux's major 1 and registration
// by name for everything else: the tty owner registers /dev/console (5:1),
// /dev/tty (5:0) and /dev/ttyS0 (4:64) with DevFs::AddDevice.
//
//   /dev/null     1:3  reads give end of file; writes are swallowed
//   /dev/zero     1:5  reads give zeros; writes are swallowed
//   /dev/full     1:7  reads give zeros; writes fail with ENOSPC
//   /dev/random   1:8  the Csprng (core/crypto/chacha20.h); kAgain until it is seeded;
//                      writes are mixed in (no entropy credited)
//   /dev/urandom  1:9  the same Csprng, never blocks
//
// Block devices: /dev/vda, /dev/vdb, ... name the virtio-blk PCI functions in
// PCI order, as Linux names them, with Linux's numbers (major 254, 16 minors
// a disk: vda 254:0, vdb 254:16). The kernel has no block layer (each disk is
// driven by a user-mode driver), so opening the node fails with ENXIO; the
// node exists to name the disk, e.g. as mount(2)'s source.

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/stat.h"
#include "core/crypto/chacha20.h"
#include "core/vfs/device.h"
#include "core/vfs/ramfs.h"
#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::vfs {

// Linux's device numbers (Documentation/admin-guide/devices.txt).
inline constexpr uint64_t kDevNull = linux_abi::MakeDev(1, 3);
inline constexpr uint64_t kDevZero = linux_abi::MakeDev(1, 5);
inline constexpr uint64_t kDevFull = linux_abi::MakeDev(1, 7);
inline constexpr uint64_t kDevRandom = linux_abi::MakeDev(1, 8);
inline constexpr uint64_t kDevUrandom = linux_abi::MakeDev(1, 9);
inline constexpr uint64_t kDevTty = linux_abi::MakeDev(5, 0);
inline constexpr uint64_t kDevConsole = linux_abi::MakeDev(5, 1);
inline constexpr uint64_t kDevTtyS0 = linux_abi::MakeDev(4, 64);
inline constexpr uint32_t kVirtioBlockMajor = 254;
inline constexpr uint32_t kVirtioBlockMinorsPerDisk = 16;
/// Most virtio-blk disks named (vda .. vdzz would be 702; 64 is plenty).
inline constexpr uint32_t kMaxVirtioBlockDisks = 64;

/// Linux's name of the `index`th virtio-blk disk (0: "vda", 25: "vdz", 26:
/// "vdaa") into `out` with a NUL; returns its length. Errors: kInvalid
/// (index >= kMaxVirtioBlockDisks), kRange (`out` too small).
kstd::Result<size_t> VirtioBlockName(uint32_t index, kstd::Span<char> out);
/// The device number of the `index`th disk (254:16*index).
constexpr uint64_t VirtioBlockRdev(uint32_t index) {
  return linux_abi::MakeDev(kVirtioBlockMajor, index * kVirtioBlockMinorsPerDisk);
}
/// The disk index a device number names (the whole disk, not a partition).
/// Errors: kNoDeviceOrAddress (another major, a partition minor, an index
/// out of range).
kstd::Result<uint32_t> VirtioBlockIndex(uint64_t rdev);

/// The largest chunk a memory device reads or writes per call (the syscall
/// layer loops; keeps lock hold times short).
inline constexpr size_t kMemoryDeviceChunk = 64 * 1024;

class DevFs {
 public:
  /// A fresh, empty devfs ("devtmpfs", root mode 0755).
  static kstd::Result<kstd::RefPtr<RamFs>> Create();

  /// Registers `device` under `rdev` in CharDevices() and creates the node
  /// `name` (a single component) in `dir` with permissions `mode`. Errors:
  /// kExists (name or rdev taken), kNoSpace (registry full), kInvalid, the
  /// errors of Vnode::Create. On error nothing stays registered.
  static kstd::Result<void> AddDevice(Vnode* dir, Name name, uint64_t rdev, uint32_t mode,
                                      kstd::RefPtr<CharDevice> device);

  /// Adds null, zero, full, random and urandom to `dir`; random and urandom
  /// share `rng`, which must outlive them. Errors: as AddDevice.
  static kstd::Result<void> AddMemoryDevices(Vnode* dir, crypto::Csprng* rng);

  /// Creates the block-device node `name` in `dir` (mode 0660, S_IFBLK,
  /// `rdev`); no driver is registered: opening it gives ENXIO. Errors: those
  /// of Vnode::Create.
  static kstd::Result<void> AddBlockNode(Vnode* dir, Name name, uint64_t rdev);
};

/// The drivers themselves (exposed for tests and for getrandom).
kstd::RefPtr<CharDevice> MakeNullDevice();
kstd::RefPtr<CharDevice> MakeZeroDevice();
kstd::RefPtr<CharDevice> MakeFullDevice();
/// blocking = true: /dev/random (kAgain until rng is seeded).
kstd::RefPtr<CharDevice> MakeRandomDevice(crypto::Csprng* rng, bool blocking);

}  // namespace core::vfs
