#include "init/service_watch.h"

#include <stdio.h>

#include "abi/tessera/controlproto.h"
#include "lib/tessera/control.h"
#include "lib/tessera/syscalls.h"

namespace init {

namespace sys = tessera::sys;

void ReadPongs(tessera::handle_t control, Liveness& liveness, int64_t now) {
  for (int i = 0; i < 16 && control != tessera::kInvalidHandle; ++i) {
    controlproto::Message m{};
    tessera::handle_t handle = tessera::kInvalidHandle;
    int64_t r = tessera::ReadControl(control, &m, &handle);
    if (r < 0) return;
    if (handle != tessera::kInvalidHandle) sys::HandleClose(handle);
    if (r == 1 && m.op == controlproto::kPong) (void)liveness.OnPong(m.txid, now);
  }
}

bool PingOrKill(const char* name, uint64_t pid, tessera::handle_t control,
                tessera::handle_t process, Liveness& liveness, int64_t now) {
  uint64_t txid = 0;
  switch (liveness.Due(now, &txid)) {
    case Liveness::Action::kNone: return false;
    case Liveness::Action::kPing: {
      const controlproto::Message ping = controlproto::Make(controlproto::kPing, txid);
      (void)sys::ChannelWrite(control, &ping, sizeof ping, nullptr, 0, 0);
      return false;
    }
    case Liveness::Action::kHung: {
      unsigned long long p = pid;
      printf("init: %s (pid %llu) did not answer for %lld s: killed, restarting\n", name, p,
             static_cast<long long>(liveness.config().deadline_ns / 1'000'000'000));
      int64_t killed = sys::ProcessKill(process, 0);
      if (killed < 0) {
        printf("init: cannot kill %s (pid %llu): %lld\n", name, p, static_cast<long long>(killed));
        liveness.Start(now);
        return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace init
