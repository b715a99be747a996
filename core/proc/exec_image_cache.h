#pragma once

// The exec image cache: the bytes of recently executed files, each kept in a
// memory object with its parsed ELF headers, so that every execve of the same
// unchanged file maps the same pages (copy-on-write) instead of reading,
// parsing and copying the file again. Text pages are then shared by every
// process running the program (busybox's 1.5 MiB of code exists once), and an
// execve costs page-table work only.
//
// Coherence: an entry is keyed by the vnode and its content_version() when
// the file was read; every write, append or truncate through the VFS bumps
// the version (after the change), so a changed file misses and is read anew.
// Permission checks (regular file, execute bits) stay with the caller, per
// execve. Bounds: kMaxEntries files, kMaxBytes in all, least recently used
// first out; files that are not FileMappable ELF images are never cached.

#include <stddef.h>
#include <stdint.h>

#include "core/elf/elf64.h"
#include "core/vfs/vnode.h"
#include "core/vm/vm_object.h"
#include "kstd/ref_ptr.h"
#include "kstd/span.h"

namespace core {

/// One cached executable: immutable once made.
class ExecImage final : public kstd::RefCounted<ExecImage> {
 public:
  ExecImage(kstd::RefPtr<vm::VmObject> vmo, const elf::ElfImage& elf, uint64_t file_size)
      : vmo_(kstd::Move(vmo)), elf_(elf), file_size_(file_size) {}

  /// The file's bytes, its size rounded up to pages (the tail is zero).
  const kstd::RefPtr<vm::VmObject>& vmo() const { return vmo_; }
  /// ParseElf64's result for the file (exec::FileMappable holds).
  const elf::ElfImage& elf() const { return elf_; }
  uint64_t file_size() const { return file_size_; }

 private:
  const kstd::RefPtr<vm::VmObject> vmo_;
  const elf::ElfImage elf_;
  const uint64_t file_size_;
};

inline constexpr size_t kExecCacheMaxEntries = 8;
inline constexpr uint64_t kExecCacheMaxBytes = 32ull << 20;

/// The cached image of `v` if its content has not changed since it was made;
/// null otherwise.
kstd::RefPtr<ExecImage> FindExecImage(vfs::Vnode* v);

/// Makes an image of `v` from `file` (its whole content, read while
/// v->content_version() was `version`) and caches it. Null, with nothing
/// cached, when the file is not an ELF executable the loader can map from
/// file pages (programs with PT_INTERP and dynamic linkers are, too), is larger than
/// kExecCacheMaxBytes, or memory is short: the caller then loads from `file` as before.
kstd::RefPtr<ExecImage> MakeExecImage(vfs::Vnode* v, uint64_t version, kstd::ByteSpan file);

/// Forgets every entry (vm.drop_caches): processes running a program keep
/// its pages through their mappings; the next execve reads the file again.
void DropExecImages();

/// Entries and bytes cached now (for /proc and tests).
struct ExecCacheStats {
  size_t entries = 0;
  uint64_t bytes = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
};
ExecCacheStats GetExecCacheStats();

}  // namespace core
