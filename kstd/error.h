#pragma once

// Error codes used across Tessera. The numeric values are the Linux x86-64 errno
// values, so a POSIX-facing syscall can return -static_cast<int>(err) unchanged.

namespace kstd {

enum class Error : int {
  kPermission = 1,          // EPERM
  kNotFound = 2,            // ENOENT
  kSearch = 3,              // ESRCH (no such process)
  kInterrupted = 4,         // EINTR
  kIo = 5,                  // EIO
  kNoDeviceOrAddress = 6,   // ENXIO (a device node with no driver behind it)
  kTooBig = 7,              // E2BIG
  kBadExecutable = 8,       // ENOEXEC
  kBadHandle = 9,           // EBADF
  kNoChild = 10,            // ECHILD
  kAgain = 11,              // EAGAIN
  kNoMemory = 12,           // ENOMEM
  kAccess = 13,             // EACCES
  kFault = 14,              // EFAULT
  kNotBlock = 15,           // ENOTBLK (mount(2): the source is not a block device)
  kBusy = 16,               // EBUSY
  kExists = 17,             // EEXIST
  kCrossDevice = 18,        // EXDEV (rename/link across file systems)
  kNoDevice = 19,           // ENODEV (mount(2): a file-system type the kernel does not have)
  kNotDirectory = 20,       // ENOTDIR
  kIsDirectory = 21,        // EISDIR
  kNotTty = 25,             // ENOTTY (an ioctl the device does not support)
  kInvalid = 22,            // EINVAL
  kTooManyHandles = 24,     // EMFILE (a handle or fd table is full)
  kFileTooBig = 27,         // EFBIG
  kNoSpace = 28,            // ENOSPC
  kIllegalSeek = 29,        // ESPIPE (seek on a pipe or a terminal)
  kReadOnlyFs = 30,         // EROFS (a write to a read-only file system or device)
  kTooManyLinks = 31,       // EMLINK
  kPipe = 32,               // EPIPE (the other end of a channel or pipe is closed)
  kRange = 34,              // ERANGE
  kNameTooLong = 36,        // ENAMETOOLONG
  kNotSupported = 38,       // ENOSYS
  kNotEmpty = 39,           // ENOTEMPTY
  kLoop = 40,               // ELOOP (too many symbolic links)
  kOverflow = 75,           // EOVERFLOW
  kBadMessage = 74,         // EBADMSG (malformed input: boot info, ELF, tables)
  kMessageSize = 90,        // EMSGSIZE (a receive buffer is too small)
  kTimedOut = 110,          // ETIMEDOUT
  kStale = 116,             // ESTALE (a file whose server no longer knows it)
  // Kernel-internal restart codes (never seen by user space): a blocking
  // syscall interrupted by a signal returns one of these, and the signal
  // delivery code turns it into EINTR or a restart (core/posix/signal_frame.h).
  kRestartSys = 512,        // ERESTARTSYS: restart if the handler has SA_RESTART
  kRestartNoIntr = 513,     // ERESTARTNOINTR: always restart
  kRestartNoHand = 514,     // ERESTARTNOHAND: restart only if no handler runs
  kRestartBlock = 516,      // ERESTART_RESTARTBLOCK: restart via restart_syscall
};

/// A short, stable name for an error ("EINVAL"), for logs and panic messages.
const char* ErrorName(Error error);

}  // namespace kstd
