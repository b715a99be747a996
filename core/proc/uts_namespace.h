#pragma once

// A UTS namespace: the host and domain names uname(2) reports and
// sethostname/setdomainname change (at most 64 bytes each, Linux's
// __NEW_UTS_LEN), shared by the processes in it. A process starts in its
// parent's; unshare(CLONE_NEWUTS), clone(CLONE_NEWUTS) and setns move it to
// a copy or another one. Each has the id /proc/<pid>/ns/uts shows
// ("uts:[id]", the namespace file's inode): the boot namespace Linux's
// PROC_UTS_INIT_INO, later ones counting up from just after Linux's first
// dynamic /proc inodes. Portable (host-tested); safe from any thread.

#include <stddef.h>
#include <stdint.h>

#include "core/sync/spin_lock.h"
#include "core/sync/thread_annotations.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core {

class UtsNamespace final : public kstd::RefCounted<UtsNamespace> {
 public:
  static constexpr size_t kNameLength = 65;  // with the NUL
  static constexpr uint64_t kRootId = 0xEFFFFFFEu;
  // After the ids /proc/<pid>/ns gives the one mount and network namespace.
  static constexpr uint64_t kFirstDynamicId = 0xF0000100u;

  /// The boot namespace ("tessera", "(none)"); never freed.
  static UtsNamespace* Root();
  /// A new namespace with `from`'s names and a fresh id. Errors: kNoMemory.
  static kstd::Result<kstd::RefPtr<UtsNamespace>> CopyOf(const UtsNamespace& from);

  uint64_t id() const { return id_; }
  /// Copies the host (`host`) or domain name into `out` (NUL-terminated).
  void Get(bool host, char out[kNameLength]) const EXCLUDES(lock_);
  /// Sets it from `name` (`length` bytes, cut to 64; no NUL needed).
  void Set(bool host, const char* name, size_t length) EXCLUDES(lock_);

  constexpr explicit UtsNamespace(uint64_t id) : id_(id) {}

 private:
  const uint64_t id_;
  mutable SpinLock lock_;
  char host_[kNameLength] GUARDED_BY(lock_) = "tessera";
  char domain_[kNameLength] GUARDED_BY(lock_) = "(none)";
};

}  // namespace core
