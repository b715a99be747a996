#include "core/vfs/dirent.h"

#include "abi/linux/dirent.h"

namespace core::vfs {

bool Dirent64Writer::Emit(const DirEntry& entry) {
  const size_t size = RecordSize(entry.name.size());
  if (size > buffer_.size() - used_) {
    overflowed_ = true;
    return false;
  }
  uint8_t* record = buffer_.data() + used_;
  __builtin_memset(record, 0, size);  // padding must not leak kernel bytes
  linux_abi::Dirent64 head;
  head.d_ino = entry.ino;
  head.d_off = static_cast<int64_t>(entry.next_cursor);
  head.d_reclen = static_cast<uint16_t>(size);
  head.d_type = DirentType(entry.type);
  __builtin_memcpy(record, &head, linux_abi::kDirent64HeaderSize);
  __builtin_memcpy(record + linux_abi::kDirent64HeaderSize, entry.name.data(), entry.name.size());
  used_ += size;
  ++entries_;
  return true;
}

}  // namespace core::vfs
