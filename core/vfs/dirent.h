#pragma once

// Dirent64Writer: packs Vnode::ReadDir entries into getdents64 records
// (struct linux_dirent64) in a kernel buffer, which the syscall layer then
// copies to user space.
//
// getdents64(fd, buf, count) in the syscall layer:
//   Dirent64Writer writer(bounce_buffer);           // at most `count` bytes
//   TRY(vnode->ReadDir(&description->offset, writer));
//   if (writer.bytes() == 0 && writer.overflowed()) return -EINVAL;  // buffer too small
//   copy writer.bytes() to the user; return them (0 = end of directory).
// The file offset is the ReadDir cursor, so lseek(fd, d_off, SEEK_SET) and
// rewinddir (offset 0) work.

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/dirent.h"
#include "core/vfs/vnode.h"
#include "kstd/span.h"

namespace core::vfs {

class Dirent64Writer final : public DirSink {
 public:
  explicit Dirent64Writer(kstd::Span<uint8_t> buffer) : buffer_(buffer) {}

  /// Appends one record (8-byte aligned, NUL-terminated name, d_off = the
  /// entry's next_cursor); false if it does not fit.
  bool Emit(const DirEntry& entry) override;

  size_t bytes() const { return used_; }
  size_t entries() const { return entries_; }
  /// An entry was refused for lack of room.
  bool overflowed() const { return overflowed_; }

  /// The record size for a name of `name_length` bytes.
  static constexpr size_t RecordSize(size_t name_length) {
    return (linux_abi::kDirent64HeaderSize + name_length + 1 + 7) & ~size_t{7};
  }

 private:
  kstd::Span<uint8_t> buffer_;
  size_t used_ = 0;
  size_t entries_ = 0;
  bool overflowed_ = false;
};

}  // namespace core::vfs
