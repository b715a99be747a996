#pragma once

// init's network stack, the server half: the network server process
// (servers/net, boot module "net_server"), started at boot after the NIC's
// driver (network.h) and supervised afterwards, as storage.h supervises the
// fs server.
//
// The server gets a duplicate of init's "net" resource (NetServe: it serves
// every AF_INET/AF_INET6 socket), its control channel "ctl" and, when there
// is a NIC, the driver's client end "frames". A restarted driver's channel
// reaches the living server over "ctl" (controlproto kAttachFrames, through
// Network's restart hook); while no server is up it is kept for the next one.
//
// Crashes: the kernel resets every socket the dead server served
// (ECONNRESET); init restarts the server with the RestartPolicy's backoff
// (giving up after the fifth crash within the window: no AF_INET until the
// next boot), and the driver, whose client went away with the server,
// stops and is restarted by Network, its channel going to the new server.
// Hangs: pinged every 2 s over "ctl" (Liveness); one that does not answer
// for 5 s is killed and restarted like a crash.
//
// Not thread-safe: init's main thread owns the object.

#include <stddef.h>
#include <stdint.h>

#include "init/liveness.h"
#include "init/network.h"
#include "init/restart_policy.h"
#include "lib/tessera/bootstrap.h"

namespace init {

class NetServer {
 public:
  static constexpr size_t kMaxWaitItems = 2;

  NetServer(tessera::Bootstrap& boot, Network* network, const RestartPolicy::Config& policy = {},
            const Liveness::Config& liveness = {});
  NetServer(const NetServer&) = delete;
  NetServer& operator=(const NetServer&) = delete;

  /// Boot: starts the server (with the driver's channel when `network` has
  /// one). False (logged) when there is no module or it did not start.
  bool Start();

  size_t FillWaitItems(tessera::WaitItem* items, size_t room) const;
  int64_t NextDeadline() const;
  /// Handles the server's exit, pongs, due pings, hangs and a due restart.
  void Poll();
  void StopSupervising() { supervising_ = false; }

 private:
  enum class State : uint8_t { kUp, kDown, kGaveUp };

  static void OnDriverRestarted(void* self, tessera::handle_t channel);
  bool StartServer();
  void OnExit(int64_t status, int64_t now);

  tessera::Bootstrap& boot_;
  Network* network_;
  RestartPolicy policy_;
  Liveness liveness_;
  State state_ = State::kGaveUp;
  tessera::handle_t process_ = tessera::kInvalidHandle;
  tessera::handle_t control_ = tessera::kInvalidHandle;  // our end of its "ctl"
  tessera::handle_t frames_ = tessera::kInvalidHandle;   // a driver channel for the next server
  uint64_t pid_ = 0;
  int64_t restart_at_ns_ = 0;
  bool hung_ = false;
  bool supervising_ = false;
};

}  // namespace init
