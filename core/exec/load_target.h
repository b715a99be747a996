#pragma once

// LoadTarget: the few address-space operations the ELF loader needs. The
// kernel implements it on a process's (fresh, not yet running) address space;
// tests implement it on a map of pages or on real host memory. Keeping the
// loader behind this interface lets it be tested without the memory manager.

#include <stdint.h>

#include "kstd/result.h"
#include "kstd/span.h"

namespace core::exec {

// Page protections, the same bits as Linux's PROT_READ/PROT_WRITE/PROT_EXEC.
inline constexpr uint32_t kProtNone = 0;
inline constexpr uint32_t kProtRead = 1;
inline constexpr uint32_t kProtWrite = 2;
inline constexpr uint32_t kProtExec = 4;

inline constexpr uint64_t kPageSize = 4096;

class LoadTarget {
 public:
  /// Maps [vaddr, vaddr + size) as private anonymous memory filled with zeros,
  /// with protection `prot` (kProtRead | kProtWrite | kProtExec). `vaddr` and
  /// `size` are multiples of kPageSize, size > 0, and the loader never maps a
  /// page twice or outside the user range (elf_loader.h).
  ///
  /// Errors: kNoMemory when memory or page tables run out; kExists if part of
  /// the range is already mapped (a loader bug: never expected).
  virtual kstd::Result<void> MapZeroed(uint64_t vaddr, uint64_t size, uint32_t prot) = 0;

  /// Copies `bytes` to [vaddr, vaddr + bytes.size()), memory that MapZeroed
  /// mapped before. Allowed whatever the pages' protection: the loader fills
  /// read-only and executable pages before the program runs (the kernel writes
  /// through its own mapping of the frames).
  ///
  /// Errors: kFault if part of the range is not mapped (a loader bug);
  /// kNoMemory if backing the pages needs memory that is not there.
  virtual kstd::Result<void> Write(uint64_t vaddr, kstd::ByteSpan bytes) = 0;

  /// Whether MapFile works: the target holds the executable's bytes as a
  /// memory object (an exec image cache entry), so segments can show its
  /// pages instead of copies.
  virtual bool CanMapFile() const { return false; }

  /// Maps [vaddr, vaddr + size) as a private copy-on-write view of the
  /// executable's bytes [file_offset, file_offset + size) (all page aligned,
  /// inside the file rounded up to pages), with protection `prot`. Pages never
  /// written stay shared with every other process running the same file.
  /// Errors: as MapZeroed; kNotSupported when CanMapFile() is false.
  virtual kstd::Result<void> MapFile(uint64_t vaddr, uint64_t size, uint32_t prot,
                                     uint64_t file_offset) {
    (void)vaddr;
    (void)size;
    (void)prot;
    (void)file_offset;
    return kstd::Error::kNotSupported;
  }

 protected:
  ~LoadTarget() = default;  // not owned through this interface
};

}  // namespace core::exec
