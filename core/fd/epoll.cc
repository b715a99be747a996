#include "core/fd/epoll.h"

#include "abi/linux/poll.h"
#include "kstd/new.h"

namespace core::fd {

SpinLock g_epoll_topology_lock;

namespace {

using linux_abi::EpollEvent;

// Bits that steer an item rather than ask for an event (EP_PRIVATE_BITS):
// an item whose interest holds only these is disabled (after EPOLLONESHOT).
constexpr uint32_t kPrivateBits = linux_abi::kEpollWakeup | linux_abi::kEpollOneShot |
                                  linux_abi::kEpollEt | linux_abi::kEpollExclusive;

// The poll events a signal set may stand for (the item re-polls to be sure).
uint32_t EventsMaybeFor(Signals signals) {
  uint32_t ev = 0;
  if (signals & kSignalReadable) {
    ev |= linux_abi::kEpollIn | linux_abi::kEpollRdNorm | linux_abi::kEpollRdBand |
          linux_abi::kEpollPri | linux_abi::kEpollMsg | linux_abi::kEpollErr |
          linux_abi::kEpollHup | linux_abi::kEpollRdHup;
  }
  if (signals & kSignalWritable) {
    ev |= linux_abi::kEpollOut | linux_abi::kEpollWrNorm | linux_abi::kEpollWrBand |
          linux_abi::kEpollErr;
  }
  if (signals & kSignalPeerClosed) {
    ev |=
        linux_abi::kEpollHup | linux_abi::kEpollRdHup | linux_abi::kEpollErr | linux_abi::kEpollIn;
  }
  return ev;
}

// For the bodies of list walks made under the topology lock: the analysis
// does not carry the lock into a lambda that a template calls.
void TopologyLockIsHeld() ASSERT_CAPABILITY(g_epoll_topology_lock) {}

void DeleteDead(kstd::IntrusiveList<EpollWatch, &EpollWatch::watch_node>* dead) {
  while (EpollWatch* w = dead->PopFront()) delete static_cast<EpollItem*>(w);
}

}  // namespace

// References taken under the topology lock and dropped after it (dropping the
// last one destroys a file, whose destructor takes the topology lock).
struct PinnedFiles {
  static constexpr size_t kMax = 16;
  FileDescription* files[kMax];
  size_t count = 0;

  /// False if the file is being destroyed or no slot is left.
  bool Pin(FileDescription* file) {
    if (count == kMax || !file->TryAddRef()) return false;
    files[count++] = file;
    return true;
  }
  bool full() const { return count == kMax; }
  ~PinnedFiles() {
    for (size_t i = 0; i < count; ++i) {
      if (files[i]->Release()) delete files[i];
    }
  }
};

void EpollItem::OnSignalsChanged(Signals signals) { owner->OnItemSignals(this, signals); }

EpollInstance::EpollInstance() : FileDescription(linux_abi::kORdWr) {}

kstd::Result<kstd::RefPtr<EpollInstance>> EpollInstance::Create() {
  kstd::RefPtr<EpollInstance> ep = kstd::AdoptRef(new (kstd::nothrow) EpollInstance());
  if (!ep) return kstd::Error::kNoMemory;
  return ep;
}

EpollInstance::~EpollInstance() {
  DeadList dead;
  {
    SpinLockGuard topo(g_epoll_topology_lock);
    for (Bucket& b : buckets_) {
      while (EpollItem* item = b.Front()) RemoveLocked(item, &dead);
    }
  }
  DeleteDead(&dead);
}

void EpollInstance::ReleaseWatches(FileDescription* file) {
  // No lock needed to see 0: items are only added while a reference is held,
  // and the last reference is gone (its release ordered those adds before us).
  if (__atomic_load_n(&file->epoll_watch_count_, __ATOMIC_ACQUIRE) == 0) return;
  DeadList dead;
  {
    SpinLockGuard topo(g_epoll_topology_lock);
    while (EpollWatch* w = file->epoll_watches_.Front()) {
      auto* item = static_cast<EpollItem*>(w);
      item->owner->RemoveLocked(item, &dead);
    }
  }
  DeleteDead(&dead);
}

void EpollInstance::OnItemSignals(EpollItem* item, Signals signals) {
  SpinLockGuard guard(lock_);
  uint32_t interest = item->events & ~kPrivateBits;
  if ((interest & EventsMaybeFor(signals)) == 0) return;  // not for it, or disabled
  if (!ReadyList::Contains(item)) ready_.PushBack(item);
  SyncReadySignalLocked(true);
}

void EpollInstance::SyncReadySignalLocked(bool new_arrival) {
  SyncSignalsLocked(ready_.empty() ? 0 : static_cast<int16_t>(linux_abi::kPollIn), new_arrival);
}

EpollInstance::Bucket& EpollInstance::BucketFor(const FileDescription* file, int fd) {
  uint64_t key = (reinterpret_cast<uintptr_t>(file) >> 4) ^ static_cast<uint32_t>(fd);
  key *= 0x9E3779B97F4A7C15ULL;
  return buckets_[key >> 58];  // the top 6 bits: kBuckets == 64
}

EpollItem* EpollInstance::FindLocked(const FileDescription* file, int fd) {
  return BucketFor(file, fd).FindIf(
      [file, fd](EpollItem* i) { return i->file == file && i->fd == fd; });
}

size_t EpollInstance::size() const {
  SpinLockGuard topo(g_epoll_topology_lock);
  return count_;
}

uint32_t EpollInstance::PollFileLocked(FileDescription* file, int depth, PinnedFiles* pins) {
  if (file->IsEpoll()) {
    auto* inner = static_cast<EpollInstance*>(file);
    return inner->ReadyLocked(depth + 1, pins) ? linux_abi::kEpollIn | linux_abi::kEpollRdNorm : 0;
  }
  return static_cast<uint16_t>(file->PollEvents());
}

void EpollInstance::QueueIfReadyLocked(EpollItem* item, uint32_t ready) {
  SpinLockGuard guard(lock_);
  if ((ready & item->events & ~kPrivateBits) == 0) return;
  if (!ReadyList::Contains(item)) ready_.PushBack(item);
  SyncReadySignalLocked(true);
}

bool EpollInstance::ReadyLocked(int depth, PinnedFiles* pins) {
  if (depth > linux_abi::kEpMaxNests) return false;
  size_t budget;
  {
    SpinLockGuard guard(lock_);
    budget = ready_.size();
  }
  bool ready = false;
  while (!ready && budget-- > 0) {
    EpollItem* item;
    {
      SpinLockGuard guard(lock_);
      item = ready_.PopFront();
    }
    if (item == nullptr) break;
    uint32_t ev = ~0u;  // no slot left to pin it: keep it queued, "maybe ready"
    if (!pins->full()) {
      if (!pins->Pin(item->file)) continue;  // being destroyed: its release removes it
      ev = PollFileLocked(item->file, depth, pins);
    }
    // Checking consumes nothing, not even an edge: a ready item stays queued.
    SpinLockGuard guard(lock_);
    if ((ev & item->events & ~kPrivateBits) != 0 && !ReadyList::Contains(item))
      ready_.PushBack(item);
    ready = ReadyList::Contains(item);
  }
  SpinLockGuard guard(lock_);
  SyncReadySignalLocked(false);  // once, so watchers see no flicker
  return ready;
}

int16_t EpollInstance::PollEvents() {
  PinnedFiles pins;  // released after the lock below
  SpinLockGuard topo(g_epoll_topology_lock);
  return ReadyLocked(0, &pins) ? static_cast<int16_t>(linux_abi::kPollIn | linux_abi::kPollRdNorm)
                               : 0;
}

size_t EpollInstance::Harvest(kstd::Span<EpollEvent> out) {
  size_t got = 0;
  size_t budget = static_cast<size_t>(-1);  // the ready list's length, read at the first pop
  bool done = false;
  // Batches of up to PinnedFiles::kMax items under one hold of the topology
  // lock (the pins are dropped after it, between batches).
  while (!done && got < out.size() && budget > 0) {
    PinnedFiles pins;
    SpinLockGuard topo(g_epoll_topology_lock);
    while (got < out.size() && budget > 0 && !pins.full()) {
      EpollItem* item;
      {
        SpinLockGuard guard(lock_);
        if (budget == static_cast<size_t>(-1)) budget = ready_.size();
        item = budget > 0 ? ready_.PopFront() : nullptr;
        if (item == nullptr) {
          SyncReadySignalLocked(false);
          done = true;
          break;
        }
        --budget;
      }
      // A file being destroyed is dropped (its release removes the item).
      uint32_t ev = pins.Pin(item->file) ? PollFileLocked(item->file, 0, &pins) : 0;
      SpinLockGuard guard(lock_);
      // Not ready any more: left off the list until its next change queues it.
      uint32_t revents = ev & item->events & ~kPrivateBits;
      if (revents != 0) {
        out[got].events = revents;
        out[got].data = item->data;
        ++got;
        if (item->events & linux_abi::kEpollOneShot) {
          item->events &= kPrivateBits;  // disabled until EPOLL_CTL_MOD
        } else if ((item->events & linux_abi::kEpollEt) == 0 && !ReadyList::Contains(item)) {
          ready_.PushBack(item);  // level-triggered: checked again next time
        }
      }
      SyncReadySignalLocked(false);
    }
  }
  return got;
}

kstd::Result<size_t> EpollInstance::Read(kstd::Span<uint8_t>) { return kstd::Error::kInvalid; }

kstd::Result<size_t> EpollInstance::Write(kstd::Span<const uint8_t>) {
  return kstd::Error::kInvalid;
}

int EpollInstance::DepthBelowLocked(const EpollInstance* forbidden, int depth) const {
  if (depth > linux_abi::kEpMaxNests + 1) return depth;  // deep enough to refuse
  int deepest = 0;
  for (const Bucket& b : buckets_) {
    b.ForEach([&](EpollItem* item) {
      TopologyLockIsHeld();
      if (deepest < 0 || !item->file->IsEpoll()) return;
      auto* inner = static_cast<const EpollInstance*>(item->file);
      if (inner == forbidden) {
        deepest = -1;
        return;
      }
      int d = inner->DepthBelowLocked(forbidden, depth + 1);
      if (d < 0) {
        deepest = -1;
      } else if (d + 1 > deepest) {
        deepest = d + 1;
      }
    });
  }
  return deepest;
}

int EpollInstance::DepthAboveLocked(int depth) const {
  if (depth > linux_abi::kEpMaxNests + 1) return depth;
  int highest = 0;
  epoll_watches_.ForEach([&](EpollWatch* w) {
    TopologyLockIsHeld();
    int d = static_cast<EpollItem*>(w)->owner->DepthAboveLocked(depth + 1) + 1;
    if (d > highest) highest = d;
  });
  return highest;
}

kstd::Result<void> EpollInstance::AddLocked(EpollItem* item, PinnedFiles* pins) {
  FileDescription* file = item->file;
  if (FindLocked(file, item->fd) != nullptr) return kstd::Error::kExists;
  if (file->IsEpoll()) {
    int below = static_cast<EpollInstance*>(file)->DepthBelowLocked(this, 0);
    if (below < 0 || DepthAboveLocked(0) + 1 + below > linux_abi::kEpMaxNests)
      return kstd::Error::kLoop;
  }
  BucketFor(file, item->fd).PushBack(item);
  ++count_;
  file->epoll_watches_.PushBack(item);
  __atomic_add_fetch(&file->epoll_watch_count_, 1, __ATOMIC_RELEASE);
  item->target->AddObserver(item);
  QueueIfReadyLocked(item, PollFileLocked(file, 0, pins));
  return kstd::Ok();
}

void EpollInstance::ModifyLocked(EpollItem* item, const EpollEvent& event, PinnedFiles* pins) {
  {
    SpinLockGuard guard(lock_);
    item->events = event.events;
    item->data = event.data;
  }
  QueueIfReadyLocked(item, PollFileLocked(item->file, 0, pins));
}

void EpollInstance::RemoveLocked(EpollItem* item, DeadList* dead) {
  if (Bucket::Contains(item)) {
    BucketFor(item->file, item->fd).Remove(item);
    --count_;
  }
  if (decltype(item->file->epoll_watches_)::Contains(item)) {
    item->file->epoll_watches_.Remove(item);
    __atomic_sub_fetch(&item->file->epoll_watch_count_, 1, __ATOMIC_RELEASE);
  }
  // After this no callback runs for the item (callbacks hold the target's lock).
  item->target->RemoveObserver(item);
  {
    SpinLockGuard guard(lock_);
    if (ReadyList::Contains(item)) ready_.Remove(item);
    SyncReadySignalLocked(false);
  }
  dead->PushBack(item);
}

kstd::Result<void> EpollInstance::Control(int op, int fd, FileDescription* file,
                                          const EpollEvent& event) {
  KernelObject* target = file->WaitTarget();
  if (target == nullptr) return kstd::Error::kPermission;  // a regular file: cannot poll
  if (file == this) return kstd::Error::kInvalid;
  EpollEvent ev = event;
  bool has_event = op == linux_abi::kEpollCtlAdd || op == linux_abi::kEpollCtlMod;
  if (!has_event && op != linux_abi::kEpollCtlDel) return kstd::Error::kInvalid;
  if (has_event) {
    // Without CAP_BLOCK_SUSPEND Linux drops EPOLLWAKEUP silently; so do we.
    ev.events &= ~linux_abi::kEpollWakeup;
    if (ev.events & linux_abi::kEpollExclusive) {
      if (op == linux_abi::kEpollCtlMod || file->IsEpoll() ||
          (ev.events & ~linux_abi::kEpollExclusiveOk) != 0)
        return kstd::Error::kInvalid;
    }
    ev.events |= linux_abi::kEpollErr | linux_abi::kEpollHup;
  }
  // Allocate before the lock (the heap is not entered under it).
  EpollItem* fresh = nullptr;
  if (op == linux_abi::kEpollCtlAdd) {
    fresh = new (kstd::nothrow) EpollItem();
    if (fresh == nullptr) return kstd::Error::kNoMemory;
    fresh->owner = this;
    fresh->file = file;
    fresh->target = target;
    if (target != file) fresh->target_ref = kstd::RefPtr<KernelObject>::FromRaw(target);
    fresh->fd = fd;
    fresh->events = ev.events;
    fresh->data = ev.data;
  }
  DeadList dead;
  kstd::Result<void> result = kstd::Ok();
  {
    PinnedFiles pins;  // released after the lock below
    SpinLockGuard topo(g_epoll_topology_lock);
    EpollItem* item = FindLocked(file, fd);
    if (op == linux_abi::kEpollCtlAdd) {
      result = AddLocked(fresh, &pins);
      if (result.ok()) fresh = nullptr;
    } else if (item == nullptr) {
      result = kstd::Error::kNotFound;
    } else if (op == linux_abi::kEpollCtlDel) {
      RemoveLocked(item, &dead);
    } else if (item->events & linux_abi::kEpollExclusive) {
      result = kstd::Error::kInvalid;
    } else {
      ModifyLocked(item, ev, &pins);
    }
  }
  delete fresh;
  DeleteDead(&dead);
  return result;
}

}  // namespace core::fd
