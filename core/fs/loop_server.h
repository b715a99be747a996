#pragma once

// The kernel's block-protocol server (abi/tessera/blkproto.h) behind a
// mounted loop device: a kernel thread that answers a file-system server's
// requests from the loop's backing file, so the ext2 server mounts an image
// file exactly as it mounts a disk.
//
// kRegister makes the shared buffer (contiguous kernel memory the server
// maps; the kernel reaches it through the direct map); kRead and kWrite
// move sectors between the buffer and the file (pread/pwrite at the loop's
// offset); kFlush syncs the file; kInfo reports the geometry, which is fixed
// when the mount starts. Requests are validated as a driver validates them
// (EINVAL, EBADF before kRegister, EBUSY for a second kRegister, EROFS for a
// read-only loop, ENOSYS for unknown ops) and answered one at a time, in
// order. The thread ends when the server closes its end, and then calls
// `done` (the loop device's user count).

#include <stdint.h>

#include "core/fd/file.h"
#include "core/ipc/channel.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::fs {

struct LoopDisk {
  kstd::RefPtr<fd::FileDescription> backing;
  uint64_t offset = 0;    // of the disk's first byte in the file
  uint64_t capacity = 0;  // bytes, a multiple of 512
  uint32_t block_size = 512;
  bool read_only = false;
  uint32_t index = 0;
  void (*done)(uint32_t index) = nullptr;  // called once when the thread ends
};

/// Starts the thread for `disk`; returns the client's end of its channel.
/// Errors: kNoMemory (nothing was started; `done` is not called).
kstd::Result<kstd::RefPtr<ipc::ChannelEndpoint>> StartLoopServer(LoopDisk disk);

}  // namespace core::fs
