#pragma once

// A mount namespace: a mount table (mount_table.h) shared by the processes
// in it. The initial one is the boot table core/fs builds; unshare(2),
// clone(2) with CLONE_NEWNS give a process a copy (every mount record
// copied, the file systems shared), after which mount, umount and --move in
// one are not seen in the other (Linux's private propagation; Tessera has no
// shared subtrees). A namespace dies with its last reference (its processes,
// open /proc/<pid>/ns/mnt files): its table's destructor unmounts its file
// systems, shutting down those no other namespace has.
//
// Each has the id /proc/<pid>/ns/mnt shows ("mnt:[id]"): the initial one the
// id Linux's first mount namespace usually gets (its second dynamic /proc
// inode), later ones counting up from a range of their own (UTS namespaces
// count up from 0xF0000100; the two cannot meet). Portable (host-tested);
// safe from any thread.

#include <stdint.h>

#include "core/vfs/mount_table.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::vfs {

class MountNamespace final : public kstd::RefCounted<MountNamespace> {
 public:
  static constexpr uint64_t kInitialId = 0xF0000001u;
  static constexpr uint64_t kFirstDynamicId = 0xF8000000u;

  /// The boot namespace (the kernel's mount table); never freed.
  static MountNamespace* Initial();
  /// A new namespace with a copy of `from`'s mounts (MountTable::CopyFrom)
  /// and a fresh id. Errors: kNoMemory, kAgain.
  static kstd::Result<kstd::RefPtr<MountNamespace>> CopyOf(const MountNamespace& from);

  uint64_t id() const { return id_; }
  MountTable& mounts() { return mounts_; }
  const MountTable& mounts() const { return mounts_; }

  explicit MountNamespace(uint64_t id) : id_(id) {}

 private:
  const uint64_t id_;
  MountTable mounts_;
};

}  // namespace core::vfs
