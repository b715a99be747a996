#pragma once

// FileDescription: an open file as POSIX means it (what an fd points to):
// shared by dup'ed fds and across fork, it holds the status flags and the
// offset. Subclasses are pipes, the console, and (with the VFS) vnodes.
//
// It is a KernelObject so readiness is expressed with signals, and
// poll/select and blocking reads reuse the kernel's generic waiting:
//   kSignalReadable   data (or EOF) can be read without blocking
//   kSignalWritable   a write would not block
//   kSignalPeerClosed hang-up (POLLHUP): no writer / no reader any more

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/fcntl.h"
#include "abi/linux/stat.h"
#include "core/object/kernel_object.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::vfs {
class Vnode;
}

namespace core::fd {

/// Flags fcntl(F_SETFL) may change.
inline constexpr uint32_t kOSettable = linux_abi::kOAppend | linux_abi::kONonBlock |
                                       linux_abi::kODirect | linux_abi::kONoAtime |
                                       linux_abi::kODsync;

class FileDescription : public KernelObject {
 public:
  ~FileDescription() override = default;

  /// Reads up to out.size() bytes at the description's offset (or the
  /// stream's head). Returns the count (0 = end of file). With `nonblocking`
  /// (or O_NONBLOCK) an empty stream gives kAgain; a blocking read that is
  /// interrupted gives kInterrupted. Errors per subclass (kBadHandle if not
  /// open for reading, kIsDirectory, kIo, ...).
  virtual kstd::Result<size_t> Read(kstd::Span<uint8_t> out) = 0;

  /// Writes; returns the count (may be short only for streams). Errors:
  /// kPipe (no reader: the caller also raises SIGPIPE), kAgain, kNoSpace, ...
  virtual kstd::Result<size_t> Write(kstd::Span<const uint8_t> in) = 0;

  /// pread/pwrite at an explicit offset (kSpecialFile -> ESPIPE for streams).
  virtual kstd::Result<size_t> ReadAt(uint64_t offset, kstd::Span<uint8_t> out);
  virtual kstd::Result<size_t> WriteAt(uint64_t offset, kstd::Span<const uint8_t> in);

  /// lseek; streams give kIllegalSeek (ESPIPE).
  virtual kstd::Result<int64_t> Seek(int64_t offset, int whence);

  /// Device-specific control; default ENOTTY.
  virtual kstd::Result<int64_t> Ioctl(uint32_t request, uint64_t arg);

  /// Current poll events (POLLIN/POLLOUT/POLLHUP/POLLERR) for `requested`.
  virtual int16_t PollEvents() = 0;

  /// The object whose signals (readable/writable/peer-closed) follow
  /// PollEvents, for poll and blocking calls to wait on: the description
  /// itself by default; null when the file never blocks.
  virtual KernelObject* WaitTarget() { return this; }

  /// The file behind a description opened by path (null for pipes and
  /// other kernel-made descriptions).
  virtual vfs::Vnode* vnode() const { return nullptr; }

  /// True for pipes, terminals and sockets (no offset; reads return what is
  /// available instead of filling the buffer).
  virtual bool IsStream() const { return true; }

  /// st_mode fstat reports for a description with no vnode: pipes are
  /// FIFOs (the default), sockets S_IFSOCK.
  virtual uint32_t StatMode() const { return linux_abi::kModeFifo | 0600; }

  /// True for sockets (core/net's Socket derives from this class).
  virtual bool IsSocket() const { return false; }

  /// True for terminals (isatty via TCGETS).
  virtual bool IsTty() const { return false; }

  /// A short description for /proc/<pid>/fd ("pipe:[koid]", "/dev/console").
  virtual const char* Describe() const = 0;

  uint32_t status_flags() const { return __atomic_load_n(&flags_, __ATOMIC_RELAXED); }
  void set_status_flags(uint32_t settable) {
    uint32_t f = (status_flags() & ~kOSettable) | (settable & kOSettable);
    __atomic_store_n(&flags_, f, __ATOMIC_RELAXED);
  }
  bool nonblocking() const { return (status_flags() & linux_abi::kONonBlock) != 0; }
  bool readable() const { return (status_flags() & linux_abi::kOAccMode) != linux_abi::kOWrOnly; }
  bool writable() const { return (status_flags() & linux_abi::kOAccMode) != linux_abi::kORdOnly; }

 protected:
  explicit FileDescription(uint32_t flags);

  /// Sets the readiness signals from PollEvents (subclasses call it after
  /// every state change, with lock_ held).
  void SyncSignalsLocked(int16_t events);

 private:
  uint32_t flags_;
};

}  // namespace core::fd
