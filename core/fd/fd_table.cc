#include "core/fd/fd_table.h"

#include "kstd/utility.h"

namespace core::fd {

FdTable::~FdTable() { CloseAll(); }

kstd::Result<kstd::RefPtr<FileDescription>> FdTable::Get(int fd) const {
  if (fd < 0 || fd >= kMaxFds) return kstd::Error::kBadHandle;
  SpinLockGuard guard(lock_);
  FileDescription* f = slots_[fd].file;
  if (f == nullptr) return kstd::Error::kBadHandle;
  return kstd::RefPtr<FileDescription>::FromRaw(f);
}

kstd::Result<int> FdTable::Install(kstd::RefPtr<FileDescription> file, bool cloexec, int min_fd) {
  if (min_fd < 0 || min_fd >= kMaxFds) return kstd::Error::kInvalid;
  SpinLockGuard guard(lock_);
  for (int fd = min_fd; fd < kMaxFds; ++fd) {
    if (slots_[fd].file == nullptr) {
      slots_[fd].file = file.leak_ref();
      slots_[fd].cloexec = cloexec;
      return fd;
    }
  }
  return kstd::Error::kTooManyHandles;
}

kstd::Result<void> FdTable::InstallAt(int fd, kstd::RefPtr<FileDescription> file, bool cloexec) {
  if (fd < 0 || fd >= kMaxFds) return kstd::Error::kBadHandle;
  kstd::RefPtr<FileDescription> old;
  {
    SpinLockGuard guard(lock_);
    old = kstd::AdoptRef(slots_[fd].file);  // dropped outside the lock
    slots_[fd].file = file.leak_ref();
    slots_[fd].cloexec = cloexec;
  }
  return kstd::Ok();
}

kstd::Result<void> FdTable::Close(int fd) {
  if (fd < 0 || fd >= kMaxFds) return kstd::Error::kBadHandle;
  kstd::RefPtr<FileDescription> old;
  {
    SpinLockGuard guard(lock_);
    if (slots_[fd].file == nullptr) return kstd::Error::kBadHandle;
    old = kstd::AdoptRef(slots_[fd].file);
    slots_[fd].file = nullptr;
    slots_[fd].cloexec = false;
  }
  return kstd::Ok();
}

kstd::Result<bool> FdTable::GetCloexec(int fd) const {
  if (fd < 0 || fd >= kMaxFds) return kstd::Error::kBadHandle;
  SpinLockGuard guard(lock_);
  if (slots_[fd].file == nullptr) return kstd::Error::kBadHandle;
  return slots_[fd].cloexec;
}

kstd::Result<void> FdTable::SetCloexec(int fd, bool cloexec) {
  if (fd < 0 || fd >= kMaxFds) return kstd::Error::kBadHandle;
  SpinLockGuard guard(lock_);
  if (slots_[fd].file == nullptr) return kstd::Error::kBadHandle;
  slots_[fd].cloexec = cloexec;
  return kstd::Ok();
}

kstd::Result<void> FdTable::CopyFrom(const FdTable& other) {
  SpinLockGuard guard(other.lock_);
  for (int fd = 0; fd < kMaxFds; ++fd) {
    FileDescription* f = other.slots_[fd].file;
    if (f == nullptr) continue;
    f->AddRef();
    slots_[fd].file = f;  // `this` is new and not yet shared: no lock needed
    slots_[fd].cloexec = other.slots_[fd].cloexec;
  }
  return kstd::Ok();
}

void FdTable::CloseOnExec() {
  for (int fd = 0; fd < kMaxFds; ++fd) {
    kstd::RefPtr<FileDescription> old;
    {
      SpinLockGuard guard(lock_);
      if (slots_[fd].file == nullptr || !slots_[fd].cloexec) continue;
      old = kstd::AdoptRef(slots_[fd].file);
      slots_[fd].file = nullptr;
      slots_[fd].cloexec = false;
    }
  }
}

void FdTable::CloseAll() {
  for (int fd = 0; fd < kMaxFds; ++fd) {
    kstd::RefPtr<FileDescription> old;
    {
      SpinLockGuard guard(lock_);
      if (slots_[fd].file == nullptr) continue;
      old = kstd::AdoptRef(slots_[fd].file);
      slots_[fd].file = nullptr;
    }
  }
}

int FdTable::count() const {
  SpinLockGuard guard(lock_);
  int n = 0;
  for (const Slot& s : slots_) n += s.file != nullptr;
  return n;
}

void FdTable::ForEach(void (*fn)(int, FileDescription*, void*), void* context) const {
  SpinLockGuard guard(lock_);
  for (int fd = 0; fd < kMaxFds; ++fd) {
    if (slots_[fd].file != nullptr) fn(fd, slots_[fd].file, context);
  }
}

}  // namespace core::fd
