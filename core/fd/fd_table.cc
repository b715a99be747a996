#include "core/fd/fd_table.h"

#include "core/fd/file_lock.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::fd {

FdTable::~FdTable() {
  CloseAll();
  ReleaseAllPosixLocks(this);
  if (slots_ != inline_slots_) delete[] slots_;
}

kstd::Result<void> FdTable::Reserve(int count) {
  for (;;) {
    int have;
    {
      SpinLockGuard guard(lock_);
      have = capacity_;
    }
    if (have >= count) return kstd::Ok();
    int want = have;
    while (want < count) want *= 2;
    if (want > kMaxFds) want = kMaxFds;
    // The heap is not entered under the lock.
    Slot* fresh = new (kstd::nothrow) Slot[want];
    if (fresh == nullptr) return kstd::Error::kNoMemory;
    Slot* stale = nullptr;
    {
      SpinLockGuard guard(lock_);
      if (capacity_ < want) {
        for (int i = 0; i < capacity_; ++i) fresh[i] = slots_[i];
        if (slots_ != inline_slots_) stale = slots_;
        slots_ = fresh;
        capacity_ = want;
        fresh = nullptr;
      }
    }
    delete[] fresh;  // another thread grew it first
    delete[] stale;
  }
}

kstd::Result<kstd::RefPtr<FileDescription>> FdTable::Get(int fd) const {
  SpinLockGuard guard(lock_);
  if (fd < 0 || fd >= capacity_) return kstd::Error::kBadHandle;
  FileDescription* f = slots_[fd].file;
  if (f == nullptr) return kstd::Error::kBadHandle;
  return kstd::RefPtr<FileDescription>::FromRaw(f);
}

kstd::Result<int> FdTable::Install(kstd::RefPtr<FileDescription> file, bool cloexec, int min_fd) {
  for (;;) {
    int grow_to;
    {
      SpinLockGuard guard(lock_);
      if (min_fd < 0 || min_fd >= limit_) return kstd::Error::kInvalid;
      int end = kstd::Min(capacity_, limit_);
      for (int fd = min_fd; fd < end; ++fd) {
        if (slots_[fd].file == nullptr) {
          slots_[fd].file = file.leak_ref();
          slots_[fd].cloexec = cloexec;
          return fd;
        }
      }
      if (capacity_ >= limit_) return kstd::Error::kTooManyHandles;
      grow_to = kstd::Max(capacity_ + 1, min_fd + 1);
    }
    TRY(Reserve(grow_to));
  }
}

kstd::Result<void> FdTable::InstallAt(int fd, kstd::RefPtr<FileDescription> file, bool cloexec) {
  if (fd < 0 || fd >= limit()) return kstd::Error::kBadHandle;
  TRY(Reserve(fd + 1));
  kstd::RefPtr<FileDescription> old;
  {
    SpinLockGuard guard(lock_);
    old = kstd::AdoptRef(slots_[fd].file);  // dropped outside the lock
    slots_[fd].file = file.leak_ref();
    slots_[fd].cloexec = cloexec;
  }
  if (old) ReleasePosixLocks(this, old.get());
  return kstd::Ok();
}

kstd::Result<void> FdTable::Close(int fd) {
  kstd::RefPtr<FileDescription> old;
  {
    SpinLockGuard guard(lock_);
    if (fd < 0 || fd >= capacity_ || slots_[fd].file == nullptr) return kstd::Error::kBadHandle;
    old = kstd::AdoptRef(slots_[fd].file);
    slots_[fd].file = nullptr;
    slots_[fd].cloexec = false;
  }
  ReleasePosixLocks(this, old.get());
  return kstd::Ok();
}

kstd::Result<bool> FdTable::GetCloexec(int fd) const {
  SpinLockGuard guard(lock_);
  if (fd < 0 || fd >= capacity_ || slots_[fd].file == nullptr) return kstd::Error::kBadHandle;
  return slots_[fd].cloexec;
}

kstd::Result<void> FdTable::SetCloexec(int fd, bool cloexec) {
  SpinLockGuard guard(lock_);
  if (fd < 0 || fd >= capacity_ || slots_[fd].file == nullptr) return kstd::Error::kBadHandle;
  slots_[fd].cloexec = cloexec;
  return kstd::Ok();
}

int FdTable::limit() const {
  SpinLockGuard guard(lock_);
  return limit_;
}

void FdTable::set_limit(int limit) {
  SpinLockGuard guard(lock_);
  limit_ = kstd::Max(1, kstd::Min(limit, kMaxFds));
}

int FdTable::capacity() const {
  SpinLockGuard guard(lock_);
  return capacity_;
}

kstd::Result<void> FdTable::CopyFrom(const FdTable& other) {
  for (;;) {
    TRY(Reserve(other.capacity()));
    SpinLockGuard mine(lock_);  // `this` is new and not yet shared: never contended
    SpinLockGuard guard(other.lock_);
    if (other.capacity_ > capacity_) continue;  // another thread's fd made it grow
    for (int fd = 0; fd < other.capacity_; ++fd) {
      FileDescription* f = other.slots_[fd].file;
      if (f == nullptr) continue;
      f->AddRef();
      slots_[fd].file = f;
      slots_[fd].cloexec = other.slots_[fd].cloexec;
    }
    limit_ = other.limit_;
    return kstd::Ok();
  }
}

void FdTable::CloseOnExec() {
  for (int fd = 0;; ++fd) {
    kstd::RefPtr<FileDescription> old;
    {
      SpinLockGuard guard(lock_);
      if (fd >= capacity_) return;
      if (slots_[fd].file == nullptr || !slots_[fd].cloexec) continue;
      old = kstd::AdoptRef(slots_[fd].file);
      slots_[fd].file = nullptr;
      slots_[fd].cloexec = false;
    }
    ReleasePosixLocks(this, old.get());
  }
}

void FdTable::CloseAll() {
  for (int fd = 0;; ++fd) {
    kstd::RefPtr<FileDescription> old;
    {
      SpinLockGuard guard(lock_);
      if (fd >= capacity_) return;
      if (slots_[fd].file == nullptr) continue;
      old = kstd::AdoptRef(slots_[fd].file);
      slots_[fd].file = nullptr;
    }
    ReleasePosixLocks(this, old.get());
  }
}

int FdTable::count() const {
  SpinLockGuard guard(lock_);
  int n = 0;
  for (int fd = 0; fd < capacity_; ++fd) n += slots_[fd].file != nullptr;
  return n;
}

void FdTable::ForEach(void (*fn)(int, FileDescription*, void*), void* context) const {
  SpinLockGuard guard(lock_);
  for (int fd = 0; fd < capacity_; ++fd) {
    if (slots_[fd].file != nullptr) fn(fd, slots_[fd].file, context);
  }
}

}  // namespace core::fd
