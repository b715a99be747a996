#pragma once

// init as the kernel's mount agent (abi/tessera/mountproto.h): `mount -t
// ext2 /dev/vdX DIR` at the shell reaches init as a request; init starts a
// virtio-blk driver for that PCI function and an ext2 server (fs_server
// --pending=ID [--ro]) that mounts itself at the kernel's pending mount
// point, waits for the server's "ready" word and answers the kernel with it.
// umount2 makes the server flush and exit; its driver stops once its client
// is gone; init reaps both and logs it.
//
// open("/dev/vdX") reaches init the same way (mountproto kBlockClient): init
// starts a driver alone and hands its client end to the kernel, which closes
// it when the last open file of the disk goes; the driver then stops and is
// reaped. A disk that already has a driver gets one more client of that
// mounted driver instead (controlproto kAddClient): read-only (the root
// included; a request to write gives EBUSY).
//
// Not supervised: unlike the root's stack (storage.h), a crashed server or
// driver of such a mount is logged and reaped but not restarted; the mount
// then fails with EIO until it is unmounted (umount still works).
//
// Serving a request blocks init's event loop until the server mounted or
// failed (seconds; at most kReadyTimeoutNs). Not thread-safe: init's main
// thread owns the object.

#include <stddef.h>
#include <stdint.h>

#include "abi/tessera/mountproto.h"
#include "init/storage.h"
#include "lib/tessera/bootstrap.h"

namespace init {

class MountAgent {
 public:
  static constexpr size_t kMaxMounts = 4;
  /// Most wait items FillWaitItems adds.
  static constexpr size_t kMaxWaitItems = 1 + 2 * kMaxMounts;

  /// `root` (may be null): the root disk's stack, whose driver gets the
  /// kernel's read-only clients of the root disk.
  explicit MountAgent(tessera::Bootstrap& boot, const StorageStack* root = nullptr)
      : boot_(boot), root_(root) {}
  MountAgent(const MountAgent&) = delete;
  MountAgent& operator=(const MountAgent&) = delete;

  /// Registers with the kernel (the "vfs" right). False (logged) on failure:
  /// mount -t ext2 then fails with ENODEV.
  bool Register();
  /// The agent channel (readable: a request) and every process to reap.
  size_t FillWaitItems(tessera::WaitItem* items, size_t room) const;
  /// Serves queued requests and reaps ended processes.
  void Poll();

 private:
  static constexpr int64_t kReadyTimeoutNs = 100'000'000'000;  // under the kernel's 120 s

  struct Mount {
    tessera::handle_t driver = tessera::kInvalidHandle;
    tessera::handle_t server = tessera::kInvalidHandle;   // none for a block client
    tessera::handle_t control = tessera::kInvalidHandle;  // init's end of the driver's "ctl"
    uint64_t driver_pid = 0, server_pid = 0;
    PciAddress at{};
    bool mounted = false;  // a server mounted the disk (else: the kernel's block client)
    char source[32] = {};
  };

  /// Starts the stack for `request`; returns 0 (mounted) or a positive errno.
  /// `disk` (taken; kInvalidHandle unless kWithChannel): the block channel
  /// the kernel serves, used instead of a driver.
  int32_t Serve(const mountproto::Request& request, tessera::handle_t disk);
  /// kBlockClient: starts a driver alone and puts the client's end of its
  /// service channel in *client. Returns 0 or a positive errno.
  int32_t ServeBlockClient(const mountproto::Request& request, tessera::handle_t* client);
  /// A slot with neither process, or null (logged).
  Mount* FreeSlot();
  void Reap();

  tessera::Bootstrap& boot_;
  const StorageStack* const root_;
  tessera::handle_t channel_ = tessera::kInvalidHandle;
  Mount mounts_[kMaxMounts];
};

}  // namespace init
