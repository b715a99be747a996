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
//   /dev/random   1:8  the Csprng (chacha20.h); kAgain until it is seeded;
//                      writes are mixed in (no entropy credited)
//   /dev/urandom  1:9  the same Csprng, never blocks

#include <stddef.h>
#include <stdint.h>

#include "core/vfs/chacha20.h"
#include "core/vfs/device.h"
#include "core/vfs/ramfs.h"
#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::vfs {

// Linux's device numbers (Documentation/admin-guide/devices.txt).
inline constexpr uint64_t kDevNull = MakeDev(1, 3);
inline constexpr uint64_t kDevZero = MakeDev(1, 5);
inline constexpr uint64_t kDevFull = MakeDev(1, 7);
inline constexpr uint64_t kDevRandom = MakeDev(1, 8);
inline constexpr uint64_t kDevUrandom = MakeDev(1, 9);
inline constexpr uint64_t kDevTty = MakeDev(5, 0);
inline constexpr uint64_t kDevConsole = MakeDev(5, 1);
inline constexpr uint64_t kDevTtyS0 = MakeDev(4, 64);

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
  static kstd::Result<void> AddMemoryDevices(Vnode* dir, Csprng* rng);
};

/// The drivers themselves (exposed for tests and for getrandom).
kstd::RefPtr<CharDevice> MakeNullDevice();
kstd::RefPtr<CharDevice> MakeZeroDevice();
kstd::RefPtr<CharDevice> MakeFullDevice();
/// blocking = true: /dev/random (kAgain until rng is seeded).
kstd::RefPtr<CharDevice> MakeRandomDevice(Csprng* rng, bool blocking);

}  // namespace core::vfs
