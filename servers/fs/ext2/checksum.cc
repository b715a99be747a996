// Ext2: metadata checksums (ext4 metadata_csum, crc32c). Every checksum
// starts from the file system's seed (crc32c of the UUID, or
// s_checksum_seed with metadata_csum_seed); inode-owned blocks (extent
// blocks, directory blocks) start from the inode's seed, which adds the
// inode number and generation. Layouts: the ext4 disk-layout documentation
// (kernel.org, "Checksums") and e2fsprogs' ext2_fs.h.

#include <string.h>

#include "servers/fs/ext2/crc32c.h"
#include "servers/fs/ext2/ext2.h"

namespace servers::fs::ext2 {

namespace {

uint16_t Load16(const uint8_t* p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}
uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
void Store16(uint8_t* p, uint16_t v) { memcpy(p, &v, 2); }
void Store32(uint8_t* p, uint32_t v) { memcpy(p, &v, 4); }

}  // namespace

uint32_t Ext2::InodeSeed(uint32_t ino, uint32_t generation) const {
  uint32_t c = Crc32cUpdate(csum_seed_, &ino, 4);
  return Crc32cUpdate(c, &generation, 4);
}

uint32_t Ext2::SuperChecksum(const uint8_t* sb) const { return Crc32cUpdate(~0u, sb, kSbChecksum); }

uint16_t Ext2::GroupChecksum(uint32_t group, const uint8_t* raw) const {
  uint8_t copy[kMaxDescSize];
  memcpy(copy, raw, desc_size_);
  Store16(copy + kGdChecksum, 0);
  uint32_t c = Crc32cUpdate(csum_seed_, &group, 4);
  c = Crc32cUpdate(c, copy, desc_size_);
  return static_cast<uint16_t>(c & 0xFFFF);
}

uint32_t Ext2::BitmapChecksum(const uint8_t* map, uint32_t bits) const {
  return Crc32cUpdate(csum_seed_, map, bits / 8);
}

bool Ext2::BitmapChecksumOk(uint32_t group, const uint8_t* map, uint32_t bits, uint32_t lo_offset,
                            uint32_t hi_offset) const {
  uint32_t c = BitmapChecksum(map, bits);
  uint32_t stored = GdField16(group, lo_offset);
  if (desc_size_ >= kGdSize64) {
    stored |= static_cast<uint32_t>(GdField16(group, hi_offset)) << 16;
  } else {
    c &= 0xFFFF;
  }
  return c == stored;
}

bool Ext2::InodeChecksum(uint32_t ino, uint8_t* slot, bool store) const {
  uint8_t copy[kMaxBlockSize < 4096 ? kMaxBlockSize : 4096];
  if (inode_size_ > sizeof(copy)) return false;
  memcpy(copy, slot, inode_size_);
  bool has_hi = false;
  if (inode_size_ > kGoodOldInodeSize) {
    uint16_t extra = Load16(copy + kExtraIsizeOffset);
    has_hi = extra >= kChecksumHiOffset + 2 - kExtraIsizeOffset &&
             kExtraIsizeOffset + extra <= inode_size_;
  }
  Store16(copy + kChecksumLoOffset, 0);
  if (has_hi) Store16(copy + kChecksumHiOffset, 0);
  uint32_t generation = Load32(copy + offsetof(DiskInode, i_generation));
  uint32_t c = Crc32cUpdate(InodeSeed(ino, generation), copy, inode_size_);
  uint32_t stored = Load16(slot + kChecksumLoOffset);
  if (has_hi) stored |= static_cast<uint32_t>(Load16(slot + kChecksumHiOffset)) << 16;
  if (!has_hi) c &= 0xFFFF;
  if (store) {
    Store16(slot + kChecksumLoOffset, static_cast<uint16_t>(c));
    if (has_hi) Store16(slot + kChecksumHiOffset, static_cast<uint16_t>(c >> 16));
  }
  return stored == c;
}

bool Ext2::ExtentBlockChecksum(const Inode& inode, uint8_t* block, bool store) const {
  ExtentHeader h;
  memcpy(&h, block, sizeof(h));
  uint32_t tail = sizeof(ExtentHeader) + sizeof(ExtentLeaf) * static_cast<uint32_t>(h.eh_max);
  if (tail + 4 > block_size_) return false;
  uint32_t c = Crc32cUpdate(InodeSeed(inode.ino, inode.d.i_generation), block, tail);
  bool ok = Load32(block + tail) == c;
  if (store) Store32(block + tail, c);
  return ok;
}

bool Ext2::HasDirTail(const uint8_t* block) const {
  const uint8_t* t = block + block_size_ - kDirTailSize;
  return Load32(t) == 0 && Load16(t + 4) == kDirTailSize && t[6] == 0 && t[7] == kDirTailFileType;
}

bool Ext2::DirBlockChecksum(uint32_t seed, uint8_t* block, bool store) const {
  uint32_t size = block_size_ - kDirTailSize;
  uint32_t c = Crc32cUpdate(seed, block, size);
  bool ok = Load32(block + size + 8) == c;
  if (store) Store32(block + size + 8, c);
  return ok;
}

bool Ext2::DxNodeChecksum(uint32_t seed, uint8_t* block, uint32_t count_offset, bool store) const {
  uint32_t limit = Load16(block + count_offset);
  uint32_t count = Load16(block + count_offset + 2);
  uint32_t tail = count_offset + limit * 8;
  if (count > limit || tail + kDxTailSize > block_size_) return false;
  uint32_t c = Crc32cUpdate(seed, block, count_offset + count * 8);
  c = Crc32cUpdate(c, block + tail, 4);  // dt_reserved
  uint32_t zero = 0;
  c = Crc32cUpdate(c, &zero, 4);
  bool ok = Load32(block + tail + 4) == c;
  if (store) Store32(block + tail + 4, c);
  return ok;
}

uint32_t Ext2::DirBlockEnd(const uint8_t* block) const {
  return csum_ && HasDirTail(block) ? block_size_ - kDirTailSize : block_size_;
}

void Ext2::DirBlockDirty(uint32_t seed, BlockRef* ref) {
  if (csum_ && HasDirTail(ref->data())) DirBlockChecksum(seed, ref->data(), true);
  ref->MarkDirty();
}

void Ext2::ExtentBlockDirty(const Inode& inode, BlockRef* ref) {
  if (csum_) ExtentBlockChecksum(inode, ref->data(), true);
  ref->MarkDirty();
}

}  // namespace servers::fs::ext2
