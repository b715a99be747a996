#include "servers/fs/ext2/file_block_device.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace servers::fs::ext2 {

FileBlockDevice::~FileBlockDevice() { Close(); }

void FileBlockDevice::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

kstd::Result<void> FileBlockDevice::Open(const char* path, bool read_only, uint32_t sector_size) {
  Close();
  if (sector_size < 512 || (sector_size & (sector_size - 1)) != 0) return kstd::Error::kInvalid;
  sector_size_ = sector_size;
  read_only_ = read_only;
  fd_ = open(path, read_only ? O_RDONLY | O_CLOEXEC : O_RDWR | O_CLOEXEC);
  if (fd_ < 0 && !read_only && (errno == EACCES || errno == EROFS)) {
    read_only_ = true;
    fd_ = open(path, O_RDONLY | O_CLOEXEC);
  }
  if (fd_ < 0)
    return errno == ENOENT   ? kstd::Error::kNotFound
           : errno == EACCES ? kstd::Error::kAccess
                             : kstd::Error::kIo;
  struct stat st;
  if (fstat(fd_, &st) != 0) {
    Close();
    return kstd::Error::kIo;
  }
  sector_count_ = static_cast<uint64_t>(st.st_size) / sector_size_;
  return kstd::Ok();
}

kstd::Result<void> FileBlockDevice::Read(uint64_t lba, uint32_t count, kstd::Span<uint8_t> out) {
  if (fd_ < 0) return kstd::Error::kIo;
  if (lba > sector_count_ || count > sector_count_ - lba ||
      out.size() != static_cast<size_t>(count) * sector_size_) {
    return kstd::Error::kInvalid;
  }
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = pread(fd_, out.data() + done, out.size() - done,
                      static_cast<off_t>(lba * sector_size_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return kstd::Error::kIo;
    done += static_cast<size_t>(n);
  }
  return kstd::Ok();
}

kstd::Result<void> FileBlockDevice::Write(uint64_t lba, uint32_t count,
                                          kstd::Span<const uint8_t> in) {
  if (fd_ < 0) return kstd::Error::kIo;
  ++write_count_;
  if (read_only_) return kstd::Error::kReadOnlyFs;
  if (lba > sector_count_ || count > sector_count_ - lba ||
      in.size() != static_cast<size_t>(count) * sector_size_) {
    return kstd::Error::kInvalid;
  }
  size_t done = 0;
  while (done < in.size()) {
    ssize_t n = pwrite(fd_, in.data() + done, in.size() - done,
                       static_cast<off_t>(lba * sector_size_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return kstd::Error::kIo;
    done += static_cast<size_t>(n);
  }
  return kstd::Ok();
}

kstd::Result<void> FileBlockDevice::Flush() {
  if (fd_ < 0) return kstd::Error::kIo;
  if (read_only_) return kstd::Ok();
  if (fsync(fd_) != 0) return kstd::Error::kIo;
  return kstd::Ok();
}

}  // namespace servers::fs::ext2
