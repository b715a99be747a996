#pragma once

// init's network stack, the driver half: the virtio-net driver process
// (drivers/virtio_net), started at boot when the machine has a modern
// virtio-net function (1af4:1041) and the "virtio_net" boot module exists,
// and supervised afterwards. The network server (servers/net) is its one
// client: it gets the client end of the driver's service channel (the
// frameproto handshake, abi/tessera/frameproto.h) from TakeServerChannel().
//
// Supervision, as init/storage.h does it for the block driver: init's event
// loop waits on FillWaitItems() with NextDeadline() and calls Poll() after
// every wake-up.
//
//   - The driver exits or crashes: logged (pid, status), restarted with the
//     RestartPolicy's backoff (the fifth crash within the window gives up:
//     logged, no network until the next boot). The new driver's client end
//     goes to the restart hook (SetRestartHook: the server integration sends
//     it over the server's control channel as controlproto kAttachFrames,
//     SendFrameChannel below, and the server's frameproto::Client
//     Reattaches); without a hook it waits for TakeServerChannel().
//     A driver that exits with status 0 stopped because its client closed
//     the channel: it is restarted the same way (its next client attaches).
//   - Hangs: init pings the driver over its control channel ("ctl") every
//     2 s (Liveness); one that does not answer for 5 s is logged, killed and
//     restarted like a crash.
//
// Not thread-safe: init's main thread owns the object.

#include <stddef.h>
#include <stdint.h>

#include "init/liveness.h"
#include "init/restart_policy.h"
#include "lib/tessera/bootstrap.h"

namespace init {

/// Starts the virtio-net driver for the first virtio-net function: init
/// opens the function and hands the driver only that device handle (plus
/// its BAR sizes), a duplicate of the "dma" resource, one end of a new
/// service channel and (with `control`) one end of a new control channel.
/// Returns the service channel's other end, or kInvalidHandle (no NIC, no
/// module, a failure: logged). `process`: the driver's process handle;
/// `error`: -ENXIO (no NIC), -ENODEV (no module), -EBUSY, or another -errno.
/// A function still owned by a driver that is exiting is retried for 2 s.
tessera::handle_t StartNetDriver(tessera::Bootstrap& boot, tessera::handle_t* process = nullptr,
                                 int64_t* error = nullptr, tessera::handle_t* control = nullptr);

/// Sends `channel` (moved with the message, also when the peer is gone) to a server over its
/// control channel `server_ctl` as controlproto kAttachFrames. Returns 0 or -errno.
int64_t SendFrameChannel(tessera::handle_t server_ctl, tessera::handle_t channel);

class Network {
 public:
  /// Most wait items FillWaitItems adds.
  static constexpr size_t kMaxWaitItems = 2;
  /// Gets a restarted driver's client end (ownership passes to it).
  using RestartHook = void (*)(void* context, tessera::handle_t channel);

  explicit Network(tessera::Bootstrap& boot, const RestartPolicy::Config& policy = {},
                   const Liveness::Config& liveness = {});
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;
  ~Network();

  /// Boot: starts the driver when there is a NIC and a driver module, and
  /// supervises it from then on. False (logged, unless there is simply no
  /// NIC) when nothing started.
  bool Start();
  bool started() const { return supervising_; }

  /// The client end of the running driver's service channel, once (then
  /// kInvalidHandle until a restarted driver without a hook leaves another).
  tessera::handle_t TakeServerChannel();
  /// Where restarted drivers' channels go (null: kept for TakeServerChannel).
  void SetRestartHook(RestartHook hook, void* context) {
    hook_ = hook;
    hook_context_ = context;
  }

  size_t FillWaitItems(tessera::WaitItem* items, size_t room) const;
  int64_t NextDeadline() const;
  /// Handles the driver's exit, pongs, due pings, hangs and a due restart.
  void Poll();
  /// Debug: sends kHang to the driver (it spins without answering).
  void DebugHang();
  /// Shutdown: an exit is expected from now on, nothing is restarted.
  void StopSupervising() { supervising_ = false; }

  tessera::handle_t driver_process() const { return process_; }
  uint64_t driver_pid() const { return pid_; }
  uint32_t restarts() const { return restarts_; }

 private:
  enum class State : uint8_t { kUp, kDown, kGaveUp };

  /// Starts a driver; its client end goes to the hook or is kept.
  bool StartDriver(bool restart);
  void OnExit(int64_t status, int64_t now);
  static void CloseHandle(tessera::handle_t* h);

  tessera::Bootstrap& boot_;
  RestartPolicy policy_;
  Liveness liveness_;
  State state_ = State::kGaveUp;
  tessera::handle_t process_ = tessera::kInvalidHandle;
  tessera::handle_t control_ = tessera::kInvalidHandle;  // our end of its "ctl"
  tessera::handle_t server_channel_ = tessera::kInvalidHandle;
  uint64_t pid_ = 0;
  int64_t restart_at_ns_ = 0;
  uint32_t restarts_ = 0;
  bool hung_ = false;
  bool supervising_ = false;
  RestartHook hook_ = nullptr;
  void* hook_context_ = nullptr;
};

}  // namespace init
