#pragma once

// Character devices and fifos behind device nodes.
//
// A device node is an ordinary vnode of type kCharDevice with an rdev (it may
// live in devfs or, after mknod, in any file system). Opening it looks the
// rdev up in the CharDeviceRegistry and hands the open to the CharDevice
// found there: drivers (null, zero, random, the tty owner's console/tty/ttyS0)
// register themselves by device number, and DevFs::AddDevice also makes
// the /dev/<name> node.
//
// Block devices (/dev/vdX) are core/fs's: it installs a BlockOpener.
//
// Fifos (mkfifo) are the pipe owner's: it installs a FifoOpener, which Vnode::Open
// calls for a kFifo vnode (so all opens of one fifo vnode can share one pipe).

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/poll.h"
#include "core/sync/spin_lock.h"
#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::vfs {

/// A character device driver. Calls come from the syscall layer without VFS
/// locks held; a call that would block returns kAgain and the caller waits
/// on WaitObject() (unless O_NONBLOCK; for reads, for the signals and until
/// the deadline that ReadStream puts in its StreamRead).
class CharDevice : public kstd::RefCounted<CharDevice> {
 public:
  virtual ~CharDevice() = default;

  /// A new open of the device (e.g. a tty may note O_NOCTTY). Errors: the
  /// driver's (kBusy, kNoDeviceOrAddress, ...). Default: accepts.
  virtual kstd::Result<void> Open(uint32_t flags);
  /// The OpenFile of a successful Open went away.
  virtual void Close() {}
  /// Makes the OpenFile of a new open of `vnode` (a node of this device).
  /// Default: Open(flags), then a DeviceOpenFile forwarding to this driver.
  /// A driver with per-open state (a reading position) returns its own
  /// OpenFile instead. Errors: Open's, kNoMemory.
  virtual kstd::Result<kstd::RefPtr<OpenFile>> MakeOpenFile(kstd::RefPtr<Vnode> vnode,
                                                            uint32_t flags);

  /// Errors: kAgain (nothing to read yet), kInvalid (not readable), kIo.
  virtual kstd::Result<size_t> Read(kstd::Span<uint8_t> out);
  /// One attempt of a read(2) that may wait several times with a deadline
  /// (see StreamRead): for devices whose reads hold bytes across waits (a
  /// terminal with VMIN/VTIME). Default: Read(out).
  virtual kstd::Result<size_t> ReadStream(kstd::Span<uint8_t> out, StreamRead* read);
  /// Errors: kAgain (no room yet), kNoSpace, kInvalid (not writable), kIo.
  virtual kstd::Result<size_t> Write(kstd::Span<const uint8_t> in);
  /// Errors: kNotTty (unknown request; the default), the driver's.
  virtual kstd::Result<int64_t> Ioctl(uint32_t request, uint64_t arg);
  /// poll(2) bits now ready. Default linux_abi::kPollIn | linux_abi::kPollOut (never blocks).
  virtual uint32_t Poll();
  /// Object whose signals follow Poll(), or null if the device never blocks.
  virtual KernelObject* WaitObject() { return nullptr; }
};

/// Maps device numbers to drivers. Thread-safe (its own leaf lock).
class CharDeviceRegistry {
 public:
  static constexpr size_t kMaxDevices = 64;

  constexpr CharDeviceRegistry() = default;
  CharDeviceRegistry(const CharDeviceRegistry&) = delete;
  CharDeviceRegistry& operator=(const CharDeviceRegistry&) = delete;

  /// Errors: kInvalid (null device), kExists (rdev taken), kNoSpace (full).
  kstd::Result<void> Register(uint64_t rdev, kstd::RefPtr<CharDevice> device);
  /// Errors: kNotFound.
  kstd::Result<void> Unregister(uint64_t rdev);
  /// The driver for rdev, or null.
  kstd::RefPtr<CharDevice> Find(uint64_t rdev) const;
  /// Drops every registration (tests).
  void Clear();

 private:
  struct Slot {
    uint64_t rdev;
    CharDevice* device;  // holds a reference
  };
  mutable SpinLock lock_;
  Slot slots_[kMaxDevices] = {};
  size_t count_ = 0;
};

/// The registry Vnode::Open consults (one for the kernel).
CharDeviceRegistry& CharDevices();

/// The OpenFile of a character device: not seekable; forwards to the driver
/// and calls its Close when the last reference goes.
class DeviceOpenFile final : public OpenFile {
 public:
  DeviceOpenFile(kstd::RefPtr<Vnode> vnode, uint32_t flags, kstd::RefPtr<CharDevice> device);
  ~DeviceOpenFile() override;

  CharDevice* device() const { return device_.get(); }
  bool seekable() const override { return false; }
  kstd::Result<size_t> Read(uint64_t offset, kstd::Span<uint8_t> out) override;
  kstd::Result<size_t> ReadStream(kstd::Span<uint8_t> out, StreamRead* read) override;
  kstd::Result<size_t> Write(uint64_t offset, kstd::Span<const uint8_t> in) override;
  /// Devices have no end of file: a plain Write; *end is 0.
  kstd::Result<size_t> Append(kstd::Span<const uint8_t> in, uint64_t* end) override;
  kstd::Result<int64_t> Ioctl(uint32_t request, uint64_t arg) override;
  uint32_t Poll() override;
  KernelObject* WaitObject() override;

 private:
  const kstd::RefPtr<CharDevice> device_;
};

/// Opens a fifo vnode (installed by the pipe implementation). Returns an
/// OpenFile whose seekable() is false.
using FifoOpener = kstd::Result<kstd::RefPtr<OpenFile>> (*)(kstd::RefPtr<Vnode> fifo,
                                                            uint32_t flags);
/// Installs the fifo opener; without one, opening a fifo gives kNotSupported.
void SetFifoOpener(FifoOpener opener);

/// Opens a block-device vnode (installed by the block-device owner,
/// core/fs/block_file.h): the disk its rdev names.
using BlockOpener = kstd::Result<kstd::RefPtr<OpenFile>> (*)(kstd::RefPtr<Vnode> node,
                                                             uint32_t flags);
/// Installs the block opener; without one, opening a block device gives
/// kNoDeviceOrAddress (ENXIO).
void SetBlockOpener(BlockOpener opener);

}  // namespace core::vfs
