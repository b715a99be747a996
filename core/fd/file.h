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
#include "core/sync/spin_lock.h"
#include "kstd/intrusive_list.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::vfs {
class Vnode;
}

namespace core::fd {

/// Guards every epoll's interest set and every file's list of the epoll
/// items that watch it (Linux's epmutex). Lock order: this lock -> file and
/// object locks -> an epoll's own lock (its ready list). Defined in epoll.cc.
extern SpinLock g_epoll_topology_lock;

/// The link by which a file knows the epoll items watching it (EpollItem in
/// epoll.h), so that its release removes them.
struct EpollWatch {
  kstd::ListNode watch_node;
};

/// What a description is, for the calls that work on one kind only
/// (epoll_ctl, timerfd_settime, signalfd's mask update, pidfd_send_signal).
enum class FileKind : uint8_t { kOther, kEpoll, kEventfd, kTimerfd, kSignalfd, kPidfd };

/// Flags fcntl(F_SETFL) may change.
inline constexpr uint32_t kOSettable = linux_abi::kOAppend | linux_abi::kONonBlock |
                                       linux_abi::kODirect | linux_abi::kONoAtime |
                                       linux_abi::kODsync | linux_abi::kOAsync;

/// F_SETOWN's target: who gets an O_ASYNC description's signal (Linux's
/// F_OWNER_TID/PID/PGRP and an id; id 0: nobody).
struct AsyncOwner {
  int32_t type = linux_abi::kFOwnerTid;
  int32_t id = 0;
};

/// Sends an O_ASYNC description's signal: `signo` (0: SIGIO as the kernel's
/// own), si_code `code` (POLL_IN/POLL_OUT), si_fd `fd`, si_band `band`.
/// Called with the description's locks held (maybe with interrupts off):
/// it must only queue the signal (take a spin lock and wake), never send it
/// there. Set by the syscall layer (core/proc is above this layer).
using AsyncSignalSender = void (*)(AsyncOwner owner, int signo, int32_t code, int32_t fd,
                                   int64_t band);
void SetAsyncSignalSender(AsyncSignalSender sender);

class FileDescription : public KernelObject {
 public:
  /// Removes the epoll items that watch this description (Linux removes
  /// them when the file is finally released, not when one fd is closed).
  ~FileDescription() override;

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

  /// fsync(2). Default: the vnode's Sync, kInvalid (EINVAL) without one.
  virtual kstd::Result<void> Sync();

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

  /// Whether O_ASYNC signals anyone (Linux's fasync) from this
  /// description's own readiness (SyncSignalsLocked): pipes and sockets.
  virtual bool SupportsAsync() const { return IsSocket(); }

  /// F_SETFL turned O_ASYNC on or off: a description whose readiness lives
  /// on another object (a fifo's pipe, VnodeFile) starts or stops watching
  /// it. Default: nothing to do. Others keep the flag and stay silent, as
  /// on Linux.
  virtual void AsyncChanged(bool on) {}

  /// F_SETOWN/F_GETOWN(_EX), F_SETSIG/F_GETSIG, and the fd an O_ASYNC
  /// signal names (si_fd: the one F_SETFL set O_ASYNC through). Atomic.
  AsyncOwner async_owner() const {
    uint64_t v = __atomic_load_n(&async_owner_, __ATOMIC_RELAXED);
    return AsyncOwner{static_cast<int32_t>(v >> 32), static_cast<int32_t>(v & 0xffffffffu)};
  }
  void set_async_owner(AsyncOwner owner) {
    uint64_t v = (static_cast<uint64_t>(static_cast<uint32_t>(owner.type)) << 32) |
                 static_cast<uint32_t>(owner.id);
    __atomic_store_n(&async_owner_, v, __ATOMIC_RELAXED);
  }
  int async_signal() const { return __atomic_load_n(&async_signal_, __ATOMIC_RELAXED); }
  void set_async_signal(int signo) { __atomic_store_n(&async_signal_, signo, __ATOMIC_RELAXED); }
  void set_async_fd(int fd) { __atomic_store_n(&async_fd_, fd, __ATOMIC_RELAXED); }

  /// Queues a lease break's signal to the owner (F_SETOWN; SIGIO or the
  /// F_SETSIG signal, si_code POLL_MSG, si_fd `fd`). Only queues: safe under
  /// any spin lock.
  void SignalLeaseBreak(int fd);

  /// The kind of description (kOther for files, pipes, terminals, ...).
  virtual FileKind kind() const { return FileKind::kOther; }
  bool IsEpoll() const { return kind() == FileKind::kEpoll; }

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
  /// every state change, with lock_ held). `new_arrival`: something new came
  /// in (data, a timer expiry), so observers hear of it even if the signals
  /// did not change (EPOLLET's edge per arrival).
  void SyncSignalsLocked(int16_t events, bool new_arrival = false);

  /// Queues the O_ASYNC signal for `code` (POLL_IN/POLL_OUT) to the owner,
  /// if there is one. Only queues: safe under any spin lock.
  void SignalAsync(int32_t code);

 private:
  friend class EpollInstance;

  uint32_t flags_;
  uint64_t async_owner_ = 0;  // AsyncOwner packed (type << 32 | id); atomic
  int async_signal_ = 0;      // atomic
  int async_fd_ = -1;         // atomic
  int16_t last_events_ = 0;   // what SyncSignalsLocked saw last (under lock_)
  /// The epoll items watching this description.
  kstd::IntrusiveList<EpollWatch, &EpollWatch::watch_node> epoll_watches_
      GUARDED_BY(g_epoll_topology_lock);
  /// How many: read without the lock by the destructor's fast path (a file
  /// nobody watches does not take the topology lock); atomic.
  uint32_t epoll_watch_count_ = 0;
};

}  // namespace core::fd
