#pragma once

// EpollInstance: an epoll file description (Linux's struct eventpoll).
//
// Design (Linux's ep_poll_callback / ep_item_poll): every registered
// (file, fd) pair is an EpollItem, a SignalObserver on the file's
// WaitTarget(). When the file's signals change to something the item wants,
// the callback (running under the file's lock) only links the item onto the
// epoll's ready list and raises the epoll's own kSignalReadable, which wakes
// epoll_wait's waiters (they wait on the epoll like on any object) and any
// epoll that watches this one. Harvest then re-polls PollEvents() of the
// items on the ready list only: waiting on 10,000 fds costs the ready ones.
//
// Level-triggered items that are still ready go back on the ready list after
// they are reported; EPOLLET items do not (the next arrival links them
// again: files call FileDescription::SyncSignalsLocked with new_arrival, so
// new data on an already readable pipe is a new edge, as on Linux);
// EPOLLONESHOT items are disabled after one report until EPOLL_CTL_MOD.
//
// Lifetime: an item holds no reference to its file. The file's release
// (~FileDescription) removes the items that watch it, so closing one of two
// dup'ed fds keeps the item and the last close removes it. Harvest pins a
// file with TryAddRef before polling it, so it never polls a file whose
// destruction has begun.
//
// Locks: g_epoll_topology_lock (file.h) guards every interest set and the
// files' watch lists, and is held while items are polled; then the file's
// own locks; then the epoll's lock_ (its ready list and signals). The
// callback takes only lock_, under the file's lock. Nothing here blocks:
// epoll_wait (core/syscall) waits for kSignalReadable on the instance.

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/epoll.h"
#include "core/fd/file.h"
#include "core/sync/spin_lock.h"
#include "kstd/intrusive_list.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::fd {

class EpollInstance;
struct PinnedFiles;

/// One (file, fd) registered with an epoll (Linux's epitem).
class EpollItem final : public SignalObserver, public EpollWatch {
 public:
  /// Runs under the target's lock: links the item onto its epoll's ready list.
  void OnSignalsChanged(Signals signals) override;

  EpollInstance* owner = nullptr;
  FileDescription* file = nullptr;        // no reference: the file's release removes the item
  KernelObject* target = nullptr;         // file->WaitTarget() when registered
  kstd::RefPtr<KernelObject> target_ref;  // held when the target is not the file itself
  int fd = -1;
  uint32_t events = 0;           // the interest (with ERR|HUP); owner's lock_
  uint64_t data = 0;             // owner's lock_
  kstd::ListNode interest_node;  // owner's hash bucket (topology lock)
  kstd::ListNode ready_node;     // owner's ready list (owner's lock_)
};

class EpollInstance final : public FileDescription {
 public:
  /// A new, empty epoll (epoll_create1). Errors: kNoMemory.
  static kstd::Result<kstd::RefPtr<EpollInstance>> Create();
  /// Removes every item (and the observers they registered).
  ~EpollInstance() override;

  /// epoll_ctl(op, fd, event) where `file` is the description behind `fd`
  /// (the caller holds a reference for the call). ADD and MOD add EPOLLERR
  /// and EPOLLHUP to the interest and drop EPOLLWAKEUP; an item that is
  /// ready at once goes on the ready list. Errors: kPermission (the file
  /// cannot be polled: no WaitTarget), kInvalid (the file is this epoll, an
  /// unknown op, EPOLLEXCLUSIVE on MOD, on an epoll or with other bits),
  /// kExists (ADD of a registered pair), kNotFound (MOD/DEL of an
  /// unregistered one), kLoop (a cycle or nesting deeper than
  /// linux_abi::kEpMaxNests), kNoMemory.
  kstd::Result<void> Control(int op, int fd, FileDescription* file,
                             const linux_abi::EpollEvent& event);

  /// Takes up to out.size() ready events, never blocking: polls only the
  /// items on the ready list, requeues the level-triggered ones that are
  /// still ready, disarms the EPOLLONESHOT ones. Returns the count.
  size_t Harvest(kstd::Span<linux_abi::EpollEvent> out);

  /// Registered items.
  size_t size() const;

  kstd::Result<size_t> Read(kstd::Span<uint8_t> out) override;
  kstd::Result<size_t> Write(kstd::Span<const uint8_t> in) override;
  /// POLLIN while some item on the ready list is really ready.
  int16_t PollEvents() override;
  FileKind kind() const override { return FileKind::kEpoll; }
  const char* Describe() const override { return "anon_inode:[eventpoll]"; }

 private:
  friend class EpollItem;
  friend class FileDescription;

  static constexpr size_t kBuckets = 64;
  using Bucket = kstd::IntrusiveList<EpollItem, &EpollItem::interest_node>;
  using ReadyList = kstd::IntrusiveList<EpollItem, &EpollItem::ready_node>;
  using DeadList = kstd::IntrusiveList<EpollWatch, &EpollWatch::watch_node>;

  EpollInstance();

  /// The callback's half: links `item` if `signals` may satisfy it.
  void OnItemSignals(EpollItem* item, Signals signals);
  /// Removes the items watching `file` (its destructor).
  static void ReleaseWatches(FileDescription* file);

  Bucket& BucketFor(const FileDescription* file, int fd) REQUIRES(g_epoll_topology_lock);
  EpollItem* FindLocked(const FileDescription* file, int fd) REQUIRES(g_epoll_topology_lock);
  kstd::Result<void> AddLocked(EpollItem* item, PinnedFiles* pins) REQUIRES(g_epoll_topology_lock);
  void ModifyLocked(EpollItem* item, const linux_abi::EpollEvent& event, PinnedFiles* pins)
      REQUIRES(g_epoll_topology_lock);
  /// Unregisters and unlinks `item` everywhere; it goes onto `dead` (to be
  /// deleted once no lock is held).
  void RemoveLocked(EpollItem* item, DeadList* dead) REQUIRES(g_epoll_topology_lock);
  /// Queues `item` if `ready` and it is not queued yet.
  void QueueIfReadyLocked(EpollItem* item, uint32_t ready) REQUIRES(g_epoll_topology_lock);
  /// Polls `file` for an item: its PollEvents, or for a nested epoll its
  /// readiness through that epoll's ready list.
  static uint32_t PollFileLocked(FileDescription* file, int depth, PinnedFiles* pins)
      REQUIRES(g_epoll_topology_lock);
  /// Whether some queued item is ready (prunes the ones that are not);
  /// `depth` counts the epolls above.
  bool ReadyLocked(int depth, PinnedFiles* pins) REQUIRES(g_epoll_topology_lock);
  /// The nesting depth of epolls inside this one, or -1 if `forbidden` is
  /// among them.
  int DepthBelowLocked(const EpollInstance* forbidden, int depth) const
      REQUIRES(g_epoll_topology_lock);
  /// How many epolls watch this one, on the longest chain.
  int DepthAboveLocked(int depth) const REQUIRES(g_epoll_topology_lock);
  void SyncReadySignalLocked(bool new_arrival) REQUIRES(lock_);

  Bucket buckets_[kBuckets] GUARDED_BY(g_epoll_topology_lock);
  size_t count_ GUARDED_BY(g_epoll_topology_lock) = 0;
  ReadyList ready_ GUARDED_BY(lock_);
};

}  // namespace core::fd
