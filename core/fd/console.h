#pragma once

// The console terminal (the serial line): what fds 0, 1 and 2 of init and
// its descendants point at. Output goes straight to the HAL console; input
// arrives from the receive interrupt into a bounded buffer.
//
// Until the tty line discipline lands (canonical mode, echo, job-control
// signals), reads return the raw bytes typed, without echo; the README says so.

#include "core/fd/file.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::fd {

/// Installs the console's input handler (call once after interrupts are up).
void InitConsole();

/// A new open file description for the console (O_RDWR).
kstd::Result<kstd::RefPtr<FileDescription>> OpenConsole();

}  // namespace core::fd
