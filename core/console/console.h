#pragma once

// The console terminal (the serial line) as a character device: /dev/console,
// /dev/tty and /dev/ttyS0 are the same device. Output goes straight to the
// HAL console; input arrives from the receive interrupt into the N_TTY line
// discipline. Readiness is published on a wait object: readable and writable
// as poll(2) sees them, plus a signal that wakes blocked reads (any input in
// non-canonical mode). A read(2) takes discipline steps with waits between
// them, bounded by the VMIN/VTIME timer (vfs::StreamRead).

#include "core/fd/file.h"
#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::console {

/// Installs the console's input handler and its session-end hook (call once
/// at boot, before the first process).
void InitConsole();

/// Creates /dev/console, /dev/tty and /dev/ttyS0 in `dev_dir` (devfs root).
kstd::Result<void> AddConsoleDevices(vfs::Vnode* dev_dir);

/// A new open file description of /dev/console (O_RDWR), for stdio of the
/// processes the kernel starts. Errors: kNotFound (no /dev/console), kNoMemory.
kstd::Result<kstd::RefPtr<fd::FileDescription>> OpenConsole();

}  // namespace core::console
