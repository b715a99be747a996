#include "core/proc/pid_namespace.h"

#include "kstd/new.h"

namespace core {
namespace {

uint64_t g_next_id = PidNamespace::kFirstDynamicId;
// Constant-initialised; its count never reaches 0 (the first reference is
// its own), so it is never deleted.
constinit PidNamespace g_root(PidNamespace::kRootId, nullptr, 0);

}  // namespace

PidNamespace* PidNamespace::Root() { return &g_root; }

kstd::Result<kstd::RefPtr<PidNamespace>> PidNamespace::CreateChild(PidNamespace* parent) {
  if (parent->level() >= kMaxLevel) return kstd::Error::kNoSpace;
  uint64_t id = __atomic_fetch_add(&g_next_id, 1, __ATOMIC_RELAXED);
  kstd::RefPtr<PidNamespace> ns =
      kstd::AdoptRef(new (kstd::nothrow) PidNamespace(id, parent, parent->level() + 1));
  if (!ns) return kstd::Error::kNoMemory;
  parent->AddRef();  // dropped by the destructor
  return ns;
}

PidNamespace::~PidNamespace() {
  delete[] entries_;
  if (parent_ != nullptr && parent_->Release()) delete parent_;
}

bool PidNamespace::LocalInUse(uint64_t local, void* self) {
  auto* ns = static_cast<PidNamespace*>(self);
  SpinLockGuard guard(ns->lock_);
  for (size_t i = 0; i < ns->count_; ++i) {
    if (ns->entries_[i].local == local) return true;
  }
  return false;
}

kstd::Result<void> PidNamespace::Reserve() {
  for (;;) {
    size_t want;
    {
      SpinLockGuard guard(lock_);
      if (count_ < capacity_) return kstd::Ok();
      want = capacity_ == 0 ? 8 : capacity_ * 2;
    }
    // Allocated outside the lock; another Reserve may have grown it meanwhile.
    Entry* bigger = new (kstd::nothrow) Entry[want];
    if (bigger == nullptr) return kstd::Error::kNoMemory;
    Entry* old = nullptr;
    {
      SpinLockGuard guard(lock_);
      if (capacity_ < want) {
        for (size_t i = 0; i < count_; ++i) bigger[i] = entries_[i];
        old = entries_;
        entries_ = bigger;
        capacity_ = want;
        bigger = nullptr;
      }
    }
    delete[] old;
    delete[] bigger;
  }
}

kstd::Result<uint64_t> PidNamespace::EnterHere(uint64_t global, uint64_t pid_max,
                                               bool refuse_if_dead) {
  if (parent_ == nullptr) return global;
  if (refuse_if_dead && dead()) return kstd::Error::kNoMemory;
  TRY(Reserve());
  if (pid_max != allocator_.max()) (void)allocator_.SetMax(pid_max);
  const uint64_t local = TRY(allocator_.Allocate(LocalInUse, this));
  bool added = false;
  {
    SpinLockGuard guard(lock_);
    if (count_ < capacity_) {
      entries_[count_++] = Entry{global, local};
      added = true;
    }
  }
  allocator_.Commit(local);
  if (!added) return kstd::Error::kNoMemory;  // another Enter took the room (rare): fork fails
  return local;
}

void PidNamespace::LeaveHere(uint64_t global) {
  if (parent_ == nullptr) return;
  SpinLockGuard guard(lock_);
  for (size_t i = 0; i < count_; ++i) {
    if (entries_[i].global == global) {
      entries_[i] = entries_[--count_];
      return;
    }
  }
}

kstd::Result<uint64_t> PidNamespace::Enter(uint64_t global, uint64_t pid_max) {
  const uint64_t here = TRY(EnterHere(global, pid_max, true));
  for (PidNamespace* ns = parent_; ns != nullptr && ns->parent_ != nullptr; ns = ns->parent_) {
    // An ancestor whose init died still numbers its descendants' ids
    // (Linux checks only the new task's own namespace).
    auto taken = ns->EnterHere(global, pid_max, false);
    if (taken.is_error()) {
      Leave(global);
      return taken.error();
    }
  }
  if (here == 1 && parent_ != nullptr) {
    uint64_t none = 0;
    __atomic_compare_exchange_n(&init_global_, &none, global, false, __ATOMIC_ACQ_REL,
                                __ATOMIC_ACQUIRE);
  }
  return here;
}

void PidNamespace::Leave(uint64_t global) {
  for (PidNamespace* ns = this; ns != nullptr; ns = ns->parent_) ns->LeaveHere(global);
}

uint64_t PidNamespace::ToLocal(uint64_t global) const {
  if (parent_ == nullptr || global == 0) return global;
  SpinLockGuard guard(lock_);
  for (size_t i = 0; i < count_; ++i) {
    if (entries_[i].global == global) return entries_[i].local;
  }
  return 0;
}

uint64_t PidNamespace::ToGlobal(uint64_t local) const {
  if (parent_ == nullptr || local == 0) return local;
  SpinLockGuard guard(lock_);
  for (size_t i = 0; i < count_; ++i) {
    if (entries_[i].local == local) return entries_[i].global;
  }
  return 0;
}

bool PidNamespace::Encloses(const PidNamespace* other) const {
  for (; other != nullptr; other = other->parent_) {
    if (other == this) return true;
  }
  return false;
}

size_t PidNamespace::size() const {
  SpinLockGuard guard(lock_);
  return count_;
}

}  // namespace core
