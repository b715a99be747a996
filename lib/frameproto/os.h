#pragma once

// The few kernel calls the frame path makes, as an interface: the real one
// (TesseraOs, tessera_os.cc, board only) over lib/tessera's system calls,
// and in host tests a fake whose "driver" lives in the same process. The
// ring code never calls the kernel.

#include <stddef.h>
#include <stdint.h>

#include "abi/tessera/rights.h"
#include "kstd/result.h"

namespace frameproto {

class Os {
 public:
  /// A channel_call on `channel`: writes `request` (no handles), waits
  /// until `deadline` (monotonic ns) for the reply, which goes to `reply`
  /// (at most `reply_capacity` bytes; *reply_bytes set) and `handles` (at
  /// most `handle_capacity`; *handle_count set). Errors: kPipe (the peer is
  /// gone), kTimedOut, kMessageSize (the reply does not fit), kBadHandle.
  virtual kstd::Result<void> Call(tessera::handle_t channel, const void* request,
                                  uint32_t request_bytes, void* reply, uint32_t reply_capacity,
                                  uint32_t* reply_bytes, tessera::handle_t* handles,
                                  uint32_t handle_capacity, uint32_t* handle_count,
                                  int64_t deadline) = 0;
  /// Maps `bytes` (a multiple of 4096) of memory object `vmo` read-write,
  /// shared. Errors: as vmo_map (kAccess, kNoMemory, kInvalid).
  virtual kstd::Result<uint8_t*> Map(tessera::handle_t vmo, uint64_t bytes) = 0;
  virtual void Unmap(uint8_t* address, uint64_t bytes) = 0;
  virtual void Close(tessera::handle_t handle) = 0;
  /// Signals notification `handle` (bit 1).
  virtual void Signal(tessera::handle_t handle) = 0;
  /// Takes notification `handle`'s pending bits (0: none).
  virtual uint64_t Take(tessera::handle_t handle) = 0;
  /// Monotonic nanoseconds.
  virtual int64_t Now() = 0;

 protected:
  ~Os() = default;
};

/// The kernel's Os (lib/tessera); only on the board.
Os& TesseraOs();

}  // namespace frameproto
