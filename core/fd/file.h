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

#include "core/object/kernel_object.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::vfs {
class Vnode;
}

namespace core::fd {

// Linux open/status flags (uapi fcntl.h, x86-64).
inline constexpr uint32_t kORdOnly = 0;
inline constexpr uint32_t kOWrOnly = 1;
inline constexpr uint32_t kORdWr = 2;
inline constexpr uint32_t kOAccMode = 3;
inline constexpr uint32_t kOCreat = 0100;
inline constexpr uint32_t kOExcl = 0200;
inline constexpr uint32_t kONoCtty = 0400;
inline constexpr uint32_t kOTrunc = 01000;
inline constexpr uint32_t kOAppend = 02000;
inline constexpr uint32_t kONonBlock = 04000;
inline constexpr uint32_t kODsync = 010000;
inline constexpr uint32_t kODirect = 040000;
inline constexpr uint32_t kOLargeFile = 0100000;
inline constexpr uint32_t kODirectory = 0200000;
inline constexpr uint32_t kONoFollow = 0400000;
inline constexpr uint32_t kONoAtime = 01000000;
inline constexpr uint32_t kOCloExec = 02000000;
inline constexpr uint32_t kOSync = 04010000;
inline constexpr uint32_t kOPath = 010000000;
inline constexpr uint32_t kOTmpFile = 020200000;
/// Flags fcntl(F_SETFL) may change.
inline constexpr uint32_t kOSettable = kOAppend | kONonBlock | kODirect | kONoAtime | kODsync;

// poll events (uapi poll.h).
inline constexpr int16_t kPollIn = 0x001;
inline constexpr int16_t kPollPri = 0x002;
inline constexpr int16_t kPollOut = 0x004;
inline constexpr int16_t kPollErr = 0x008;
inline constexpr int16_t kPollHup = 0x010;
inline constexpr int16_t kPollNval = 0x020;
inline constexpr int16_t kPollRdNorm = 0x040;
inline constexpr int16_t kPollWrNorm = 0x100;

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

  /// True for terminals (isatty via TCGETS).
  virtual bool IsTty() const { return false; }

  /// A short description for /proc/<pid>/fd ("pipe:[koid]", "/dev/console").
  virtual const char* Describe() const = 0;

  uint32_t status_flags() const { return __atomic_load_n(&flags_, __ATOMIC_RELAXED); }
  void set_status_flags(uint32_t settable) {
    uint32_t f = (status_flags() & ~kOSettable) | (settable & kOSettable);
    __atomic_store_n(&flags_, f, __ATOMIC_RELAXED);
  }
  bool nonblocking() const { return (status_flags() & kONonBlock) != 0; }
  bool readable() const { return (status_flags() & kOAccMode) != kOWrOnly; }
  bool writable() const { return (status_flags() & kOAccMode) != kORdOnly; }

 protected:
  explicit FileDescription(uint32_t flags);

  /// Sets the readiness signals from PollEvents (subclasses call it after
  /// every state change, with lock_ held).
  void SyncSignalsLocked(int16_t events);

 private:
  uint32_t flags_;
};

}  // namespace core::fd
