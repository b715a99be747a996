#pragma once

// Starting programs: load a static ELF executable from a memory object into a
// new process, give it its stack (argv, envp, auxv in the Linux layout) and
// its bootstrap message (named handles), and start its first thread.

#include <stdint.h>

#include "core/fd/file.h"
#include "core/object/handle_table.h"
#include "core/proc/process.h"
#include "core/vm/vm_object.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core {

struct SpawnRequest {
  const char* name = "";                  // process name
  kstd::RefPtr<vm::VmObject> executable;  // a physical (boot module) VMO
  kstd::Span<const char* const> argv;     // kernel copies
  kstd::Span<const char* const> envp;
  // Moved into the child through its bootstrap channel, with these names.
  kstd::Span<Handle> handles;
  kstd::Span<const char* const> handle_names;
  uint64_t parent_pid = 0;
  // Who the program runs as: the spawning process's credentials (root for
  // the programs the kernel starts itself).
  posix::Credentials credentials = posix::Credentials::Root();
  // Installed as fds 0, 1 and 2 (the kernel starts programs on the console:
  // the caller opens it, see core/console).
  kstd::RefPtr<fd::FileDescription> stdio;
};

/// Creates and starts the process. On failure nothing is left behind (the
/// half-built process is torn down) and `*why` (if not null) names the
/// reason for ELF problems. Errors: kBadExecutable (ENOEXEC), kNoMemory,
/// kTooBig (E2BIG: arguments), kInvalid (not a boot module, no stdio).
kstd::Result<kstd::RefPtr<Process>> Spawn(SpawnRequest& request, const char** why);

}  // namespace core
