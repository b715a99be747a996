#pragma once

// init's storage stack: the virtio-blk driver process and the ext2 server
// (fs_server) behind the root file system, started at boot and supervised
// afterwards.
//
// Supervision. init's event loop (main.cc) waits on the processes' handles
// (kSignalTerminated) and on the new server's "ready" channel alongside its
// other work, with NextDeadline() as the deadline, and calls Poll() after
// every wake-up. Each exit is logged with pid, name and status. Then:
//
//   - fs_server died: the mount is dead (every call EIO). init waits for the
//     driver to stop (it does so by itself once its client is gone; it is
//     killed after 5 s), starts a fresh driver and a fresh server with
//     --reattach, which takes the same mount over (fs_mount kFsMountReplace):
//     cwds, paths and open files keep working (see core/vfs/remote_fs.h,
//     "Re-attach"). What the dead server had not written back is lost.
//   - virtio_blk died while fs_server lives: init starts a new driver and
//     sends its channel to the server over the server's "ctl" channel; the
//     server's block client moves to it and repeats the request that found
//     the old one gone (blkproto::Reconnector). Nothing above notices but a
//     delay; the server's cache, dirty blocks included, survives.
//
// Each service has its own RestartPolicy (restart_policy.h): the first crash
// within a minute restarts at once, later ones back off (0.5 s, 1 s, 2 s,
// ...), the fifth within a minute gives up: init logs it, stops the other
// service too and leaves the mount failing with EIO until the next boot.
//
// Hangs. Each service also has a control channel from init ("ctl",
// abi/tessera/controlproto.h; the server's also carries the restarted
// driver's channel). While a service is up, init pings it every 2 s and
// reads the pongs in Poll (Liveness, liveness.h); one that leaves a ping
// unanswered for 5 s is logged ("did not answer for 5 s: killed,
// restarting"), killed, and its exit then handled exactly like a crash
// above (same backoff, give-up, take-over, re-attach). Both services answer
// from their main loops whenever they wait, also with requests in flight
// (the server while its block requests are at the driver), so a busy
// service is not taken for a hung one; a hung driver leaves the server
// answering and only the driver is restarted. The server is pinged only
// once it is up (a starting one has the take-over deadline instead).
// DebugHang sends the debug command that makes a service spin (the system
// test's way to hang one; init --debug-hang, main.cc).
//
// Not thread-safe: init's main thread owns the object.

#include <stddef.h>
#include <stdint.h>

#include "init/liveness.h"
#include "init/restart_policy.h"
#include "lib/tessera/bootstrap.h"

namespace init {

/// Starts the virtio-blk driver (boot module "virtio_blk") when the machine
/// has a modern virtio-blk function (1af4:1042): init opens the function and
/// hands the driver only that device handle (plus its BAR sizes, which the
/// handle cannot tell) and one end of a new channel, the driver's service
/// channel (abi/tessera/blkproto.h). Returns the other end, the client's,
/// or kInvalidHandle when there is no disk, no driver module or a failure
/// (logged). `process` (optional) receives the driver's process handle. A
/// function still owned by a driver that is exiting (EBUSY) is retried for
/// up to 2 s.
/// `at` (optional): the disk at that PCI address instead of the first one.
/// `error` (optional) receives -errno on failure: -ENXIO (no such disk),
/// -ENODEV (no driver module), -EBUSY (the function is owned by a driver).
/// `control` (optional) receives init's end of a new control channel whose
/// other end the driver gets as "ctl" (controlproto.h); without it the
/// driver has none. `found` (optional) receives the disk's PCI address.
struct PciAddress {
  uint8_t bus, device, function;
  bool operator==(const PciAddress& o) const {
    return bus == o.bus && device == o.device && function == o.function;
  }
};
tessera::handle_t StartBlockDriver(tessera::Bootstrap& boot, tessera::handle_t* process = nullptr,
                                   const PciAddress* at = nullptr, int64_t* error = nullptr,
                                   tessera::handle_t* control = nullptr,
                                   PciAddress* found = nullptr);

/// Hands a running driver one more client (controlproto kAddClient over
/// `control`, init's end of the driver's "ctl"): returns the client's end of
/// a new channel, or kInvalidHandle when the channel or the message failed.
tessera::handle_t AddBlockClient(tessera::handle_t control, bool read_only);

/// Waits for a starting fs_server's one word on its "ready" channel (its
/// fs_mount's result): 0, or -errno; -ETIMEDOUT past `deadline_ns`, -EIO
/// when the server ended without a word or the word is malformed.
int64_t WaitForReady(tessera::handle_t ready, int64_t deadline_ns);

/// A duplicate of init's "dma" resource for a driver init starts: it may
/// allocate DMA memory (its queues, its clients' shared buffers) and learn
/// its device addresses. Only drivers get one. kInvalidHandle if init has
/// none or the duplicate failed.
tessera::handle_t GrantDma(tessera::Bootstrap& boot);

/// Writes "exit code N", "killed by signal N" or "error N" for a wait status.
const char* DescribeStatus(int64_t status, char* out, size_t size);

class StorageStack {
 public:
  /// Most wait items FillWaitItems adds.
  static constexpr size_t kMaxWaitItems = 5;

  /// `policy`: each service's restart policy (init --restart-window=S sets
  /// its window); `liveness`: its ping interval and deadline.
  explicit StorageStack(tessera::Bootstrap& boot, const RestartPolicy::Config& policy = {},
                        const Liveness::Config& liveness = {});
  StorageStack(const StorageStack&) = delete;
  StorageStack& operator=(const StorageStack&) = delete;

  /// Boot: starts the driver and the ext2 server with the block driver's
  /// client channel ("blk"), the mount right ("vfs"), a "ready" channel and
  /// a "ctl" channel, and waits until the server says the disk is the root
  /// (kFsMountRoot moved /dev, /tmp and /proc into it; init's root and cwd
  /// moved too). Returns true if the root moved, and from then on both
  /// processes are supervised; otherwise the initramfs stays the root, said
  /// in one line, and nothing is supervised.
  bool MountRoot();

  /// Adds what supervision waits for (up to kMaxWaitItems) to `items`;
  /// returns how many.
  size_t FillWaitItems(tessera::WaitItem* items, size_t room) const;
  /// When Poll has timed work (a restart, a kill, a start-up deadline), or
  /// tessera::kInfinite.
  int64_t NextDeadline() const;
  /// Handles exits, the new server's ready message, pongs, due pings, hangs
  /// and due restarts. Blocks only while starting a process (at most ~2 s
  /// for a busy PCI function).
  void Poll();
  /// Debug (init --debug-hang): sends kHang to the driver (or, with
  /// `server`, the fs server), which then spins without answering; logged.
  void DebugHang(bool server);
  /// Shutdown: exits are expected from now on, nothing is restarted.
  void StopSupervising() { supervising_ = false; }

  /// init's end of the root driver's control channel when it is up and
  /// drives the disk at `at`, else kInvalidHandle (the mount agent adds the
  /// kernel's read-only clients of the root disk through it).
  tessera::handle_t DriverControlFor(const PciAddress& at) const;

  /// The processes' handles (kInvalidHandle: not running), for tests.
  tessera::handle_t driver_process() const { return driver_.process; }
  tessera::handle_t server_process() const { return server_.process; }

 private:
  enum class State : uint8_t {
    kUp,        // running (or, for the server, the mount is working)
    kStarting,  // server only: started with --reattach, ready not yet said
    kDown,      // dead; restart at restart_at_ns
    kGaveUp,    // dead for good
  };
  struct Service {
    explicit Service(const char* n) : name(n) {}
    const char* name;
    tessera::handle_t process = tessera::kInvalidHandle;
    uint64_t pid = 0;
    State state = State::kGaveUp;
    int64_t restart_at_ns = 0;
    RestartPolicy policy;
    Liveness liveness;
    tessera::handle_t control = tessera::kInvalidHandle;  // our end of its "ctl"
    bool hung = false;  // killed for not answering; its exit is that crash
  };

  static constexpr int64_t kStopDriverAfterNs = 5'000'000'000;
  /// A driver that stopped cleanly (its client closed the channel: the server
  /// is dying) waits this long for the server's exit before it counts as a crash.
  static constexpr int64_t kCleanStopGraceNs = 2'000'000'000;
  static constexpr int64_t kReattachTimeoutNs = 120'000'000'000;

  /// Starts the server with `block_client` (taken); with `reattach`, it takes
  /// the mount over instead of mounting the root. Sets server_.process,
  /// ready_ and server_.control. Returns false (logged) on failure.
  bool StartServer(tessera::handle_t block_client, bool reattach);
  /// Starts a driver into driver_ (StartBlockDriver); returns its client
  /// end, or kInvalidHandle (logged).
  tessera::handle_t StartDriver();
  /// The driver again, its channel to the living server over ctl.
  void RestartDriver(int64_t now);
  /// The driver (if needed) and the server with --reattach.
  void RestartServer(int64_t now);
  void OnExit(Service& s, int64_t status, int64_t now);
  /// Counts a crash of `s` and schedules its restart, or gives everything up.
  void Crashed(Service& s, int64_t now);
  void GiveUp(const Service& s, uint32_t crashes);
  void Kill(Service& s);
  /// Reads what `s` sent on its control channel (pongs; the rest is dropped).
  void ReadControl(Service& s, int64_t now);
  /// Sends a due ping to `s`, or kills it when it did not answer.
  void CheckLiveness(Service& s, int64_t now);
  static void CloseHandle(tessera::handle_t* h);
  void CloseChannels();
  static uint64_t PidOf(tessera::handle_t process);

  tessera::Bootstrap& boot_;
  PciAddress disk_{};  // the root disk's function (valid once a driver started)
  bool have_disk_ = false;
  Service driver_{"virtio_blk"};
  Service server_{"fs_server"};
  tessera::handle_t ready_ = tessera::kInvalidHandle;  // the starting server's "ready" (our end)
  int64_t ready_deadline_ns_ = 0;
  int64_t kill_driver_at_ns_ = 0;        // server down, driver still up: kill it then (0: not yet)
  bool driver_stopped_cleanly_ = false;  // its restart waits for the grace period
  bool supervising_ = false;
};

}  // namespace init
