#pragma once

// The control-channel half of init's hang detection for one supervised
// service (liveness.h decides; this talks): read the pongs, send a due ping,
// kill a service that stopped answering. Used by the network supervisors
// (network.h, net_server.h); the storage stack keeps its own for now.

#include <stdint.h>

#include "init/liveness.h"
#include "lib/tessera/bootstrap.h"

namespace init {

/// Reads what waits on `control` (at most 16 messages; handles they carry
/// are closed) and hands each pong to `liveness`.
void ReadPongs(tessera::handle_t control, Liveness& liveness, int64_t now);

/// Sends a due ping on `control`. When `liveness` finds the service hung,
/// logs it as `name` (pid `pid`), kills `process` and returns true (its exit
/// is then handled as a crash); if the kill fails, logs that and starts
/// watching again.
bool PingOrKill(const char* name, uint64_t pid, tessera::handle_t control,
                tessera::handle_t process, Liveness& liveness, int64_t now);

}  // namespace init
