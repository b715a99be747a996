// Ext2: lookups through the htree index of an indexed directory
// (dir_index, EXT2_INDEX_FL) with the half-MD4 name hash (mke2fs's
// default), so a name is looked for in one leaf block (plus the blocks its
// hash continues into) instead of the whole directory. Other hashes, or
// deeper indexes than one level of interior nodes, fall back to the linear
// scan (correct either way).
//
// Layout and hash: the ext4 disk-layout documentation ("Hash Tree
// Directories"): the root in block 0 after "." and "..", {reserved 0,
// hash version, info length 8, indirect levels, flags}, then {limit,
// count, block 0} and {hash, block} entries in hash order; interior nodes
// hold a fake empty entry spanning the block, then the same array. The low
// bit of an entry's hash says the previous block's names continue into it
// (hash collisions).

#include <string.h>

#include "servers/fs/ext2/ext2.h"

namespace servers::fs::ext2 {

namespace {

constexpr uint8_t kHashHalfMd4 = 1;
constexpr uint8_t kHashUnsignedDelta = 3;   // *_unsigned variants
constexpr uint32_t kSbFlags = 0x160;        // s_flags
constexpr uint32_t kFlagsUnsignedHash = 2;  // EXT2_FLAGS_UNSIGNED_HASH
constexpr uint32_t kDxInfoOffset = 24;      // dx_root_info, after "." and ".."

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

uint32_t Rotl(uint32_t x, int s) { return (x << s) | (x >> (32 - s)); }

/// The name's bytes as 32-bit words, padded with a length pattern
/// (e2fsprogs/Linux str2hashbuf).
void NameWords(const char* name, int len, uint32_t* out, int words, bool unsigned_chars) {
  uint32_t pad = static_cast<uint32_t>(len) | (static_cast<uint32_t>(len) << 8);
  pad |= pad << 16;
  uint32_t value = pad;
  if (len > words * 4) len = words * 4;
  for (int i = 0; i < len; ++i) {
    int c = unsigned_chars ? static_cast<int>(static_cast<unsigned char>(name[i]))
                           : static_cast<int>(static_cast<signed char>(name[i]));
    value = static_cast<uint32_t>(c) + (value << 8);
    if (i % 4 == 3) {
      *out++ = value;
      value = pad;
      --words;
    }
  }
  if (--words >= 0) *out++ = value;
  while (--words >= 0) *out++ = pad;
}

/// MD4's compression, cut to three rounds of eight steps.
void HalfMd4(uint32_t state[4], const uint32_t in[8]) {
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  auto f = [](uint32_t x, uint32_t y, uint32_t z) { return z ^ (x & (y ^ z)); };
  auto g = [](uint32_t x, uint32_t y, uint32_t z) { return (x & y) + ((x ^ y) & z); };
  auto h = [](uint32_t x, uint32_t y, uint32_t z) { return x ^ y ^ z; };
  // Each round: the word order and shifts of its eight steps.
  static const uint8_t kOrder[3][8] = {
      {0, 1, 2, 3, 4, 5, 6, 7}, {1, 3, 5, 7, 0, 2, 4, 6}, {3, 7, 2, 6, 1, 5, 0, 4}};
  static const uint8_t kShift[3][4] = {{3, 7, 11, 19}, {3, 5, 9, 13}, {3, 9, 11, 15}};
  static const uint32_t kAdd[3] = {0, 0x5A827999u, 0x6ED9EBA1u};
  for (int round = 0; round < 3; ++round) {
    for (int step = 0; step < 8; ++step) {
      uint32_t x = in[kOrder[round][step]] + kAdd[round];
      int s = kShift[round][step % 4];
      uint32_t* t;
      uint32_t u, v, w;
      switch (step % 4) {
        case 0: t = &a, u = b, v = c, w = d; break;
        case 1: t = &d, u = a, v = b, w = c; break;
        case 2: t = &c, u = d, v = a, w = b; break;
        default: t = &b, u = c, v = d, w = a; break;
      }
      uint32_t mix = round == 0 ? f(u, v, w) : round == 1 ? g(u, v, w) : h(u, v, w);
      *t = Rotl(*t + mix + x, s);
    }
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
}

}  // namespace

uint32_t Ext2::DxHashHalfMd4(Name name, bool unsigned_chars) const {
  uint32_t state[4];
  memcpy(state, sb_.s_hash_seed, sizeof(state));
  if (state[0] == 0 && state[1] == 0 && state[2] == 0 && state[3] == 0) {
    state[0] = 0x67452301u;
    state[1] = 0xEFCDAB89u;
    state[2] = 0x98BADCFEu;
    state[3] = 0x10325476u;
  }
  const char* p = name.data();
  int len = static_cast<int>(name.size());
  while (len > 0) {
    uint32_t in[8];
    NameWords(p, len, in, 8, unsigned_chars);
    HalfMd4(state, in);
    len -= 32;
    p += 32;
  }
  uint32_t hash = state[1] & ~1u;
  if (hash == (0x7FFFFFFFu << 1)) hash = (0x7FFFFFFFu - 1) << 1;
  return hash;
}

kstd::Result<bool> Ext2::DxLeavesFor(const Inode& dir, Name name, DxLeaves* out) {
  out->count = 0;
  out->complete = false;
  if ((dir.d.i_flags & kFlagIndex) == 0) return false;
  // The caller's copy may predate a DropIndex in the same operation.
  Inode fresh = TRY(LoadInode(dir.ino));
  if ((fresh.d.i_flags & kFlagIndex) == 0) return false;
  BlockRef root = TRY(ReadDirBlock(fresh, 0));
  if (csum_ && HasDirTail(root.data())) return false;
  const uint8_t* info = root.data() + kDxInfoOffset;
  uint8_t version = info[4];
  uint8_t levels = info[6];
  uint32_t s_flags;
  memcpy(&s_flags, reinterpret_cast<const uint8_t*>(&sb_) + kSbFlags, 4);
  if (version <= 2 && (s_flags & kFlagsUnsignedHash) != 0) version += kHashUnsignedDelta;
  if (Load32(info) != 0 || info[5] != 8 || levels > 1 ||
      (version != kHashHalfMd4 && version != kHashHalfMd4 + kHashUnsignedDelta)) {
    return false;  // not an index this code reads: scan linearly
  }
  const uint32_t hash = DxHashHalfMd4(name, version != kHashHalfMd4);
  const uint64_t blocks = InodeSize(fresh) >> log_block_size_;
  BlockRef node = kstd::Move(root);
  uint32_t count_offset = kDxRootCountOffset;
  for (uint32_t level = 0;; ++level) {
    const uint8_t* base = node.data() + count_offset;
    uint32_t limit = Load16(base);
    uint32_t count = Load16(base + 2);
    uint32_t room = (block_size_ - count_offset - (csum_ ? kDxTailSize : 0)) / 8;
    if (count == 0 || count > limit || limit > room) {
      return Corrupt("directory %u: htree node with %u of %u entries (room for %u)", dir.ino, count,
                     limit, room);
    }
    // The last entry whose hash is <= ours (entry 0 has none: it covers
    // everything below entry 1's).
    uint32_t lo = 1, hi = count;
    while (lo < hi) {
      uint32_t mid = (lo + hi) / 2;
      if (Load32(base + 8 * mid) <= hash) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    uint32_t at = lo - 1;
    uint32_t block = Load32(base + 8 * at + 4) & 0x0FFFFFFFu;
    if (block == 0 || block >= blocks) {
      return Corrupt("directory %u: htree entry points to block %u of %llu", dir.ino, block,
                     static_cast<unsigned long long>(blocks));
    }
    if (level < levels) {
      node = TRY(ReadDirBlock(fresh, block));
      count_offset = kDxNodeCountOffset;
      continue;
    }
    // The leaf, and the following ones while their first hash says the
    // names of our hash continue there.
    out->block[out->count++] = block;
    out->complete = true;
    for (uint32_t next = at + 1;; ++next) {
      if (next >= count) {
        // Past this node's end the parent would say: not read here.
        if (levels > 0) out->complete = false;
        break;
      }
      uint32_t next_hash = Load32(base + 8 * next);
      if ((next_hash & 1) == 0 || (next_hash & ~1u) != hash) break;
      if (out->count == sizeof(out->block) / sizeof(out->block[0])) {
        out->complete = false;
        break;
      }
      uint32_t b = Load32(base + 8 * next + 4) & 0x0FFFFFFFu;
      if (b == 0 || b >= blocks) {
        return Corrupt("directory %u: htree entry points to block %u of %llu", dir.ino, b,
                       static_cast<unsigned long long>(blocks));
      }
      out->block[out->count++] = b;
    }
    return true;
  }
}

}  // namespace servers::fs::ext2
