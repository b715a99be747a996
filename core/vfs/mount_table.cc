#include "core/vfs/mount_table.h"

#include "kstd/new.h"
#include "kstd/string.h"

namespace core::vfs {
namespace {

MountTable::UnmountedHook g_unmounted_hook = nullptr;

}  // namespace

void MountTable::SetUnmountedHook(UnmountedHook hook) { g_unmounted_hook = hook; }

MountTable::~MountTable() {
  // Newest first, so nested mounts go before what they sit on.
  while (true) {
    Record* record = nullptr;
    {
      SpinLockGuard guard(lock_);
      if (mounts_.empty()) break;
      // The last element: walk to it (the list has no PopBack).
      mounts_.ForEach([&](Record* r) { record = r; });
      mounts_.Remove(record);
      if (record == root_) root_ = nullptr;
      if (record->covered) Cover(record->covered.get(), -1);
    }
    kstd::RefPtr<FileSystem> fs = record->fs;
    FreeRecord(record);
    bool last = false;
    (void)DropMountCount(fs.get(), false, &last);
    // A pinned file system stays up for its open files (nothing unmounts
    // it later: it ends with its last reference).
    if (!last || fs->pins() != 0) continue;
    if (fs->retained()) {
      (void)fs->SetMountFlags(0);  // cannot fail: clearing read-only
    } else {
      fs->Shutdown();
    }
    if (g_unmounted_hook != nullptr) g_unmounted_hook(fs.get());
  }
}

void MountTable::AddMountCount(FileSystem* fs) {
  __atomic_fetch_add(&fs->mount_count_, 1, __ATOMIC_ACQ_REL);
}

bool MountTable::DropMountCount(FileSystem* fs, bool check_pins, bool* last) {
  uint64_t n = __atomic_load_n(&fs->mount_count_, __ATOMIC_ACQUIRE);
  while (true) {
    if (n == 1 && check_pins && fs->pins() != 0) return false;
    if (__atomic_compare_exchange_n(&fs->mount_count_, &n, n - 1, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      *last = n == 1;
      return true;
    }
  }
}

bool MountTable::CoversLocked(const Vnode* dir) const {
  if (!dir->is_mount_point()) return false;  // no table covers it
  return mounts_.FindIf([&](Record* r) { return r->covered.get() == dir; }) != nullptr;
}

kstd::Result<void> MountTable::CopyFrom(const MountTable& from) {
  if (&from == this) return kstd::Error::kInvalid;
  // Records are allocated unlocked with room for the longest path and
  // source, filled under from's lock (the mount counts go up there, so no
  // umount in `from` can shut a file system down under the copy), and
  // their strings trimmed afterwards.
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (size() != 0) return kstd::Error::kInvalid;
    const size_t n = from.size();
    List fresh;
    bool no_memory = false;
    for (size_t i = 0; i < n && !no_memory; ++i) {
      Record* r = new (kstd::nothrow) Record();
      if (r != nullptr) {
        r->path = new (kstd::nothrow) char[kMaxPathLength + 1];
        r->source = new (kstd::nothrow) char[kMaxMountSource + 1];
      }
      if (r == nullptr || r->path == nullptr || r->source == nullptr) {
        if (r != nullptr) FreeRecord(r);
        no_memory = true;
      } else {
        fresh.PushBack(r);
      }
    }
    auto free_all = [&] {
      while (!fresh.empty()) {
        Record* r = fresh.Front();
        fresh.Remove(r);
        FreeRecord(r);
      }
    };
    if (no_memory) {
      free_all();
      return kstd::Error::kNoMemory;
    }
    Record* new_root = nullptr;
    uint64_t next_id = 0;
    bool copied = false;
    {
      SpinLockGuard guard(from.lock_);
      if (from.mounts_.size() == n) {
        Record* to = fresh.empty() ? nullptr : fresh.Front();
        const Record* from_root = from.root_;
        from.mounts_.ForEach([&](Record* r) {
          to->id = r->id;
          to->fs = r->fs;
          to->root = r->root;
          to->covered = r->covered;
          __builtin_memcpy(to->path, r->path, kstd::StringLength(r->path) + 1);
          __builtin_memcpy(to->source, r->source, kstd::StringLength(r->source) + 1);
          if (r == from_root) new_root = to;
          AddMountCount(to->fs.get());
          if (to->covered) Cover(to->covered.get(), +1);
          to = fresh.Next(to);
        });
        next_id = from.next_id_;
        copied = true;
      }
    }
    if (!copied) {
      free_all();
      continue;  // from changed meanwhile: size it again
    }
    fresh.ForEach([](Record* r) {
      // Out of memory keeps the long buffer.
      if (char* p = CopyText(Name(r->path)); p != nullptr) {
        delete[] r->path;
        r->path = p;
      }
      if (char* q = CopyText(Name(r->source)); q != nullptr) {
        delete[] r->source;
        r->source = q;
      }
    });
    SpinLockGuard guard(lock_);
    while (!fresh.empty()) {
      Record* r = fresh.Front();
      fresh.Remove(r);
      mounts_.PushBack(r);
    }
    root_ = new_root;
    next_id_ = next_id;
    return kstd::Ok();
  }
  return kstd::Error::kAgain;
}

char* MountTable::CopyText(Name text) {
  char* copy = new (kstd::nothrow) char[text.size() + 1];
  if (copy == nullptr) return nullptr;
  if (!text.empty()) __builtin_memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

MountTable::Record* MountTable::NewRecord(Name path, Name source) {
  Record* record = new (kstd::nothrow) Record();
  if (record == nullptr) return nullptr;
  record->source = CopyText(source);
  if (record->source == nullptr || !SetPath(record, path)) {
    FreeRecord(record);
    return nullptr;
  }
  return record;
}

bool MountTable::SetPath(Record* record, Name path) {
  char* copy = CopyText(path);
  if (copy == nullptr) return false;
  delete[] record->path;
  record->path = copy;
  return true;
}

void MountTable::FreeRecord(Record* record) {
  delete[] record->path;
  delete[] record->source;
  delete record;
}

void MountTable::Cover(Vnode* dir, int delta) {
  __atomic_fetch_add(&dir->mount_count_, delta, __ATOMIC_ACQ_REL);
}

MountTable::Record* MountTable::FindByRootLocked(const Vnode* root) const {
  return mounts_.FindIf([&](Record* r) { return r->root.get() == root; });
}

MountTable::Record* MountTable::FindByFsLocked(const FileSystem* fs) const {
  return mounts_.FindIf([&](Record* r) { return r->fs.get() == fs; });
}

kstd::Result<void> MountTable::MountRoot(kstd::RefPtr<FileSystem> fs, const MountOptions& options) {
  if (!fs) return kstd::Error::kInvalid;
  if (options.source.size() > kMaxMountSource) return kstd::Error::kNameTooLong;
  kstd::RefPtr<Vnode> root = fs->Root();
  if (!root || !root->IsDirectory()) return kstd::Error::kInvalid;
  Record* record = NewRecord("/", options.source);
  if (record == nullptr) return kstd::Error::kNoMemory;
  record->fs = kstd::Move(fs);
  record->root = kstd::Move(root);
  {
    SpinLockGuard guard(lock_);
    if (root_ == nullptr && record->fs->SetMountFlags(options.flags).ok()) {
      record->id = ++next_id_;
      AddMountCount(record->fs.get());
      mounts_.PushFront(record);
      root_ = record;
      return kstd::Ok();
    }
  }
  FreeRecord(record);
  return kstd::Error::kBusy;
}

kstd::RefPtr<Vnode> MountTable::Root() const {
  SpinLockGuard guard(lock_);
  return root_ != nullptr ? root_->root : nullptr;
}

kstd::Result<uint64_t> MountTable::Mount(kstd::RefPtr<FileSystem> fs,
                                         kstd::RefPtr<Vnode> mount_point, Name path,
                                         const MountOptions& options) {
  if (!fs || !mount_point) return kstd::Error::kInvalid;
  if (!mount_point->IsDirectory()) return kstd::Error::kNotDirectory;
  if (path.size() > kMaxPathLength || options.source.size() > kMaxMountSource) {
    return kstd::Error::kNameTooLong;
  }
  kstd::RefPtr<Vnode> root = fs->Root();
  if (!root || !root->IsDirectory()) return kstd::Error::kInvalid;
  Record* record = NewRecord(path, options.source);
  if (record == nullptr) return kstd::Error::kNoMemory;
  record->fs = fs;
  record->root = kstd::Move(root);
  record->covered = mount_point;
  kstd::Error error;
  {
    SpinLockGuard guard(lock_);
    if (root_ == nullptr) {
      error = kstd::Error::kInvalid;
    } else if (FindByFsLocked(fs.get()) != nullptr || CoversLocked(mount_point.get()) ||
               fs->SetMountFlags(options.flags).is_error()) {
      error = kstd::Error::kBusy;
    } else {
      record->id = ++next_id_;
      AddMountCount(fs.get());
      mounts_.PushBack(record);
      Cover(mount_point.get(), +1);
      return record->id;
    }
  }
  FreeRecord(record);
  return error;
}

kstd::Result<bool> MountTable::Umount(Vnode* mounted_root) {
  Record* record;
  bool last = false;
  {
    SpinLockGuard guard(lock_);
    record = FindByRootLocked(mounted_root);
    if (record == nullptr) return kstd::Error::kInvalid;
    if (record == root_) return kstd::Error::kBusy;
    const FileSystem* fs = record->fs.get();
    if (mounts_.FindIf([&](Record* r) { return r->covered && r->covered->fs() == fs; })) {
      return kstd::Error::kBusy;
    }
    // Pins cannot tell which namespace uses the file system: they keep its
    // last mount busy only.
    if (!DropMountCount(record->fs.get(), true, &last)) return kstd::Error::kBusy;
    mounts_.Remove(record);
    Cover(record->covered.get(), -1);
  }
  kstd::RefPtr<FileSystem> fs = record->fs;
  FreeRecord(record);
  if (!last) return false;
  if (fs->retained()) {
    (void)fs->SetMountFlags(0);  // cannot fail: clearing read-only
  } else {
    fs->Shutdown();
  }
  return true;
}

kstd::Result<void> MountTable::Remount(Vnode* mounted_root, uint32_t flags) {
  SpinLockGuard guard(lock_);
  Record* record = FindByRootLocked(mounted_root);
  if (record == nullptr) return kstd::Error::kInvalid;
  return record->fs->SetMountFlags(flags);
}

kstd::Result<void> MountTable::MoveMount(Vnode* mounted_root, kstd::RefPtr<Vnode> new_mount_point,
                                         Name new_path) {
  if (!new_mount_point) return kstd::Error::kInvalid;
  if (!new_mount_point->IsDirectory()) return kstd::Error::kNotDirectory;
  if (new_path.size() > kMaxPathLength) return kstd::Error::kNameTooLong;
  // The new path is allocated up front so the move itself cannot fail.
  Record scratch;
  if (!SetPath(&scratch, new_path)) return kstd::Error::kNoMemory;
  kstd::RefPtr<Vnode> old_covered;  // released after the lock
  {
    SpinLockGuard guard(lock_);
    Record* record = FindByRootLocked(mounted_root);
    if (record == nullptr || record == root_) {
      delete[] scratch.path;
      return kstd::Error::kInvalid;
    }
    if (CoversLocked(new_mount_point.get())) {
      delete[] scratch.path;
      return kstd::Error::kBusy;
    }
    // Walk from the target's file system towards the root mount: meeting the
    // moved mount means the target lies inside it.
    const FileSystem* fs = new_mount_point->fs();
    for (size_t hops = 0; hops <= mounts_.size(); ++hops) {
      Record* holder = FindByFsLocked(fs);
      if (holder == record) {
        delete[] scratch.path;
        return kstd::Error::kLoop;
      }
      if (holder == nullptr || holder->covered == nullptr) break;
      fs = holder->covered->fs();
    }
    old_covered = kstd::Move(record->covered);
    Cover(old_covered.get(), -1);
    record->covered = new_mount_point;
    Cover(new_mount_point.get(), +1);
    char* old_path = record->path;
    record->path = scratch.path;
    scratch.path = old_path;
  }
  delete[] scratch.path;
  return kstd::Ok();
}

kstd::Result<kstd::RefPtr<FileSystem>> MountTable::ReplaceRoot(kstd::RefPtr<FileSystem> new_root,
                                                               const MountOptions& options) {
  if (!new_root) return kstd::Error::kInvalid;
  if (options.source.size() > kMaxMountSource) return kstd::Error::kNameTooLong;
  kstd::RefPtr<Vnode> root_vnode = new_root->Root();
  if (!root_vnode || !root_vnode->IsDirectory()) return kstd::Error::kInvalid;
  // Allocated up front so the swap itself cannot fail.
  char* source = CopyText(options.source);
  if (source == nullptr) return kstd::Error::kNoMemory;
  kstd::RefPtr<FileSystem> old_fs;
  kstd::RefPtr<Vnode> old_root_vnode;
  Record* dissolved = nullptr;
  kstd::Result<void> checked = kstd::Ok();
  {
    SpinLockGuard guard(lock_);
    Record* current = nullptr;
    checked = CheckReplaceRootLocked(new_root.get(), &current);
    // A file system that is not mounted yet has no writers: this cannot fail.
    if (checked.ok() && current == nullptr) checked = new_root->SetMountFlags(options.flags);
    if (checked.ok()) {
      if (current == nullptr) AddMountCount(new_root.get());
      bool last = false;  // the caller keeps the old root, up or not
      (void)DropMountCount(root_->fs.get(), false, &last);
      if (current != nullptr) {
        mounts_.Remove(current);
        Cover(current->covered.get(), -1);
        dissolved = current;
      }
      old_fs = kstd::Move(root_->fs);
      old_root_vnode = kstd::Move(root_->root);
      root_->fs = new_root;
      root_->root = kstd::Move(root_vnode);
      char* old_source = root_->source;
      root_->source = source;
      source = old_source;
    }
  }
  delete[] source;
  if (checked.is_error()) return checked.error();
  if (dissolved != nullptr) FreeRecord(dissolved);
  return old_fs;
}

kstd::Result<void> MountTable::CheckReplaceRootLocked(const FileSystem* new_root,
                                                      Record** current) const {
  if (root_ == nullptr || root_->fs.get() == new_root) return kstd::Error::kInvalid;
  *current = FindByFsLocked(new_root);
  const FileSystem* old = root_->fs.get();
  Record* inside = mounts_.FindIf(
      [&](Record* r) { return r != *current && r->covered && r->covered->fs() == old; });
  if (inside != nullptr) return kstd::Error::kBusy;
  return kstd::Ok();
}

kstd::RefPtr<Vnode> MountTable::MountedOn(const Vnode* dir) const {
  if (!dir->is_mount_point()) return nullptr;
  SpinLockGuard guard(lock_);
  Record* r = mounts_.FindIf([&](Record* m) { return m->covered.get() == dir; });
  return r != nullptr ? r->root : nullptr;
}

kstd::RefPtr<Vnode> MountTable::CoveredBy(const Vnode* dir) const {
  SpinLockGuard guard(lock_);
  Record* r = FindByRootLocked(dir);
  return r != nullptr ? r->covered : nullptr;
}

uint64_t MountTable::MountIdOf(const FileSystem* fs) const {
  SpinLockGuard guard(lock_);
  Record* r = FindByFsLocked(fs);
  return r != nullptr ? r->id : 0;
}

size_t MountTable::size() const {
  SpinLockGuard guard(lock_);
  return mounts_.size();
}

}  // namespace core::vfs
