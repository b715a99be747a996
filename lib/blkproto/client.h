#pragma once

// blkproto::Client: the client side of the block protocol (blkproto.h) for
// Tessera user programs (the fs server, tests). It asks the driver for one
// shared buffer (kRegister: the driver makes the DMA memory, charged to its
// own pinned budget, and hands over a handle that maps it, so the client needs
// no DMA right), and then moves sectors between the disk and the buffer;
// Read/Write copy to/from caller memory and split large transfers into
// buffer-sized requests.
//
// Not thread-safe: one thread uses a Client. Every call returns 0 or -errno:
// the driver's errors (blkproto.h: EINVAL, EROFS, EIO, ...), ETIMEDOUT when
// the driver does not answer within the request timeout, EPIPE when the
// driver is gone (and no Reconnector brought a new one), ENOTCONN before Open.
//
// A driver that dies can be replaced without the client noticing: with a
// Reconnector set, a synchronous request (Read, Write, Flush, Transfer) that
// finds the driver gone asks it for a channel to a restarted driver,
// registers a buffer of the same size there (the disk must report the same
// geometry; the old buffer's bytes are copied into the new one, whose address
// replaces buffer()'s) and sends the request again. Block requests are idempotent, so
// a request the old driver may or may not have carried out is simply
// repeated. Pipelined requests (Start/WaitReply) are not retried.
//
// With a WaitHook set, a synchronous request is a write and a wait on both
// the driver's channel and the hook's handle (instead of channel_call), and
// the hook is served whenever it is signaled: the fs server answers init's
// pings while its requests are at the driver. WaitReply does not serve it.

#include <stddef.h>
#include <stdint.h>

#include "abi/tessera/blkproto.h"
#include "abi/tessera/native.h"

namespace blkproto {

/// Supplies channels to a restarted driver (see the file comment).
class Reconnector {
 public:
  /// A channel to a new driver for the same disk (ownership passes to the
  /// client), or kInvalidHandle when none comes (the request then fails
  /// with EPIPE). May block; called again if the channel it gave is dead.
  virtual tessera::handle_t NewChannel() = 0;
  /// After each attempt: 0 (the client is connected again) or -errno.
  virtual void Reconnected(int result) { (void)result; }

 protected:
  ~Reconnector() = default;
};

/// Something else a Client serves while it waits for the driver's reply to
/// a synchronous request (the fs server's control channel: init's pings are
/// answered while block requests are at the driver, so a server that waits
/// for a slow or hung driver is not taken for a hung server).
class WaitHook {
 public:
  /// The handle to watch (readable or peer closed), or kInvalidHandle.
  virtual tessera::handle_t handle() = 0;
  /// It was signaled. Must not use the Client.
  virtual void Serve() = 0;

 protected:
  ~WaitHook() = default;
};

class Client {
 public:
  static constexpr uint32_t kDefaultBufferBytes = 1u << 20;
  static constexpr int64_t kDefaultTimeoutNs = 30ll * 1000 * 1000 * 1000;

  Client() = default;
  ~Client() { Close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Takes ownership of `channel` (connected to a block driver) and
  /// registers a shared buffer of `buffer_bytes` (a multiple of 4096, at most
  /// kMaxBufferBytes), which the driver makes, and maps it. Errors: EINVAL
  /// (bad size), EBUSY (already open), EIO (a reply without the buffer), the
  /// driver's kRegister errors (ENOMEM: no memory, or past its pinned limit),
  /// VmoMap's errors.
  int Open(tessera::handle_t channel, uint32_t buffer_bytes = kDefaultBufferBytes);
  /// Closes the channel (the driver then stops) and frees the buffer.
  void Close();
  bool is_open() const { return channel_ != tessera::kInvalidHandle; }

  /// The geometry the driver reported at Open.
  const Info& info() const { return info_; }
  uint64_t capacity_sectors() const { return info_.capacity_sectors; }
  bool read_only() const { return (info_.flags & kInfoReadOnly) != 0; }

  /// Synchronous sector I/O through the shared buffer: `bytes` (a multiple of
  /// the block size) from/to sector `sector`.
  int Read(uint64_t sector, void* out, size_t bytes);
  int Write(uint64_t sector, const void* in, size_t bytes);
  /// Makes every write answered before it durable.
  int Flush();

  /// Zero-copy and pipelined use: the shared buffer itself, requests naming
  /// regions of it. Transfer waits for its own reply; Start sends a request
  /// and returns at once (at most kMaxInFlight unanswered), WaitReply takes
  /// the next reply of any started request.
  uint8_t* buffer() const { return buffer_; }
  uint32_t buffer_bytes() const { return buffer_bytes_; }
  int Transfer(uint32_t op, uint64_t sector, uint32_t offset, uint32_t length);
  int Start(uint32_t op, uint64_t sector, uint32_t offset, uint32_t length, uint64_t id);
  int WaitReply(Reply* reply, int64_t deadline);

  void set_timeout_ns(int64_t timeout) { timeout_ns_ = timeout; }
  /// Lets synchronous requests survive a driver restart (null: they fail
  /// with EPIPE). `reconnector` outlives the client.
  void set_reconnector(Reconnector* reconnector) { reconnector_ = reconnector; }
  /// Serves `hook` while synchronous requests wait (null: none); `hook`
  /// outlives the client.
  void set_wait_hook(WaitHook* hook) { wait_hook_ = hook; }
  /// How many times the client moved to a restarted driver.
  uint32_t reconnects() const { return reconnects_; }

 private:
  /// Most channels one reconnect tries before it gives up (each may be dead).
  static constexpr int kMaxReconnectTries = 8;

  int Call(const Request& request, Reply* reply);
  /// One attempt of Call on channel_: channel_call, or with a WaitHook a
  /// write and a wait that serves the hook. Returns 0 or -errno.
  int CallOnce(const Request& request, Reply* reply);
  /// kRegister on channel_: maps the buffer the driver made (copying the
  /// old buffer's bytes into it, if any) and fills info_ on success.
  int Register();
  /// Moves to a restarted driver (see Reconnector). Returns 0 or -errno.
  int Reconnect();

  tessera::handle_t channel_ = tessera::kInvalidHandle;
  tessera::handle_t vmo_ = tessera::kInvalidHandle;
  uint8_t* buffer_ = nullptr;
  uint32_t buffer_bytes_ = 0;
  Info info_{};
  uint64_t next_id_ = 1;
  int64_t timeout_ns_ = kDefaultTimeoutNs;
  Reconnector* reconnector_ = nullptr;
  WaitHook* wait_hook_ = nullptr;
  uint32_t reconnects_ = 0;
};

}  // namespace blkproto
