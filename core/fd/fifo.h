#pragma once

// FIFOs (named pipes, mkfifo(3)): opening a fifo node of any file system
// (ramfs, tmpfs, the ext2 disk) gives a pipe shared by everyone who has that
// node open, found by the node's (st_dev, st_ino). Linux's open rules: an
// O_RDONLY open waits for a writer unless O_NONBLOCK, an O_WRONLY open waits
// for a reader (O_NONBLOCK: ENXIO without one), O_RDWR never waits. Reads
// and writes then behave as a pipe's (pipe.h): EOF once no writer is left,
// EPIPE (and SIGPIPE) once no reader is, PIPE_BUF writes atomic. The data
// lives only while the fifo is open somewhere.

#include <stdint.h>

#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::fd {

/// vfs::FifoOpener: opens `fifo` for `flags` (the open(2) flags). Errors:
/// kNoDeviceOrAddress (ENXIO: O_WRONLY|O_NONBLOCK with no reader),
/// kRestartSys (a signal ended a blocking open; restarted under
/// SA_RESTART), kNoMemory.
kstd::Result<kstd::RefPtr<vfs::OpenFile>> OpenFifo(kstd::RefPtr<vfs::Vnode> fifo, uint32_t flags);

/// F_GETPIPE_SZ of an open fifo node. Errors: kBadHandle (not open as a
/// fifo).
kstd::Result<size_t> FifoSize(vfs::Vnode* fifo);
/// F_SETPIPE_SZ's resize (`capacity` already rounded, as pipe.h's
/// SetPipeSize does). Errors: kBadHandle, kBusy (more bytes in it than
/// `capacity`), kNoMemory.
kstd::Result<void> ResizeFifo(vfs::Vnode* fifo, size_t capacity);

/// Installs OpenFifo as the VFS's fifo opener (once, at boot).
void InitFifos();

}  // namespace core::fd
