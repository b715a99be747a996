#include "lib/blkproto/ext2_block_device.h"

namespace blkproto {
namespace {

kstd::Result<void> ToResult(int r) {
  if (r == 0) return kstd::Ok();
  if (r == -static_cast<int>(kstd::Error::kInvalid)) return kstd::Error::kInvalid;
  if (r == -static_cast<int>(kstd::Error::kReadOnlyFs)) return kstd::Error::kReadOnlyFs;
  return kstd::Error::kIo;
}

}  // namespace

uint64_t Ext2BlockDevice::sector_count() const {
  uint32_t size = sector_size();
  return size == 0 ? 0 : client_.capacity_sectors() * kSectorSize / size;
}

kstd::Result<void> Ext2BlockDevice::Check(uint64_t lba, uint32_t count, size_t bytes) const {
  uint64_t sectors = sector_count();
  if (lba > sectors || count > sectors - lba) return kstd::Error::kInvalid;
  if (bytes != static_cast<uint64_t>(count) * sector_size()) return kstd::Error::kInvalid;
  return kstd::Ok();
}

kstd::Result<void> Ext2BlockDevice::Read(uint64_t lba, uint32_t count, kstd::Span<uint8_t> out) {
  TRY(Check(lba, count, out.size()));
  return ToResult(client_.Read(lba * (sector_size() / kSectorSize), out.data(), out.size()));
}

kstd::Result<void> Ext2BlockDevice::Write(uint64_t lba, uint32_t count,
                                          kstd::Span<const uint8_t> in) {
  if (read_only()) return kstd::Error::kReadOnlyFs;
  TRY(Check(lba, count, in.size()));
  return ToResult(client_.Write(lba * (sector_size() / kSectorSize), in.data(), in.size()));
}

kstd::Result<void> Ext2BlockDevice::Flush() { return ToResult(client_.Flush()); }

kstd::Result<void> Ext2BlockDevice::ReadScatter(uint64_t lba, uint32_t sectors_per_piece,
                                                kstd::Span<uint8_t* const> pieces) {
  const uint64_t count = static_cast<uint64_t>(sectors_per_piece) * pieces.size();
  if (count > UINT32_MAX) return kstd::Error::kInvalid;
  const size_t piece_bytes = static_cast<size_t>(sectors_per_piece) * sector_size();
  TRY(Check(lba, static_cast<uint32_t>(count), count * sector_size()));
  if (piece_bytes == 0 || piece_bytes > client_.buffer_bytes()) return kstd::Error::kInvalid;
  const size_t per_request = client_.buffer_bytes() / piece_bytes;  // pieces per transfer
  for (size_t done = 0; done < pieces.size();) {
    const size_t n = pieces.size() - done < per_request ? pieces.size() - done : per_request;
    int r =
        client_.Transfer(kRead, (lba + done * sectors_per_piece) * (sector_size() / kSectorSize), 0,
                         static_cast<uint32_t>(n * piece_bytes));
    if (r != 0) return ToResult(r);
    for (size_t i = 0; i < n; ++i) {
      __builtin_memcpy(pieces[done + i], client_.buffer() + i * piece_bytes, piece_bytes);
    }
    done += n;
  }
  return kstd::Ok();
}

}  // namespace blkproto
