#include "lib/tessera/process.h"

#include "lib/tessera/syscalls.h"

namespace tessera {

int64_t Spawn(handle_t executable, const char* name, int argc, const char* const* argv,
              const handle_t* handles, const char* const* handle_names, uint32_t num_handles) {
  SpawnArgs args{};
  args.executable = executable;
  args.argc = static_cast<uint32_t>(argc);
  args.argv = argv;
  args.handles = handles;
  args.handle_names = handle_names;
  args.num_handles = num_handles;
  args.name = name;
  return sys::ProcessSpawn(&args);
}

int64_t WaitForExit(handle_t process, int64_t deadline) {
  uint32_t observed = 0;
  int64_t r = sys::ObjectWaitOne(process, kSignalTerminated, deadline, &observed);
  if (r < 0) return r;
  return sys::ProcessExitCode(process);
}

int64_t NowNs() { return sys::ClockMonotonic(); }

}  // namespace tessera
