// Ext2: extent trees (ext4 EXT4_EXTENTS_FL files): lookup, allocation
// (extending the last extent, inserting new ones, splitting full nodes and
// growing the tree's depth), unwritten extents (read as zeros; written to,
// they are zeroed and become initialized), and truncation.
//
// Layout (ext4 disk-layout documentation, "Extent Tree"): a 12-byte header
// then 12-byte entries, 4 in the inode's i_block, (block size - 12) / 12 in
// a tree block (followed by a crc32c with metadata_csum). Index entries
// {first file block, child block}; leaf entries {first file block, length,
// physical start}. Every node is checked when walked: magic, counts, depth
// (at most 5, one less per level), entries ordered and inside the range
// their parent gives them (so no two extents overlap), blocks inside the
// data area, checksum. Damage gives kIo with a message, never a crash.

#include <string.h>

#include "servers/fs/ext2/ext2.h"

namespace servers::fs::ext2 {

struct Ext2::ExtentPath {
  struct Level {
    BlockRef ref;             // empty at the root (the inode's i_block)
    uint8_t* node = nullptr;  // the header
    int at = -1;              // the entry chosen (index) or the last extent starting <= n
  };
  Level level[kExtentMaxDepth + 1];
  uint32_t depth = 0;  // the leaf's level
};

namespace {

constexpr uint64_t kNoKey = 1ull << 32;  // past every 32-bit file block number

ExtentHeader Header(const uint8_t* node) {
  ExtentHeader h;
  memcpy(&h, node, sizeof(h));
  return h;
}
void SetHeader(uint8_t* node, const ExtentHeader& h) { memcpy(node, &h, sizeof(h)); }
uint8_t* EntryAt(uint8_t* node, uint32_t i) {
  return node + sizeof(ExtentHeader) + sizeof(ExtentLeaf) * static_cast<size_t>(i);
}
const uint8_t* EntryAt(const uint8_t* node, uint32_t i) {
  return node + sizeof(ExtentHeader) + sizeof(ExtentLeaf) * static_cast<size_t>(i);
}
uint32_t Key(const uint8_t* node, uint32_t i) {
  uint32_t k;
  memcpy(&k, EntryAt(node, i), 4);
  return k;
}
void SetKey(uint8_t* node, uint32_t i, uint32_t key) { memcpy(EntryAt(node, i), &key, 4); }
ExtentLeaf LeafAt(const uint8_t* node, uint32_t i) {
  ExtentLeaf e;
  memcpy(&e, EntryAt(node, i), sizeof(e));
  return e;
}
void SetLeaf(uint8_t* node, uint32_t i, const ExtentLeaf& e) {
  memcpy(EntryAt(node, i), &e, sizeof(e));
}
ExtentIndex IndexAt(const uint8_t* node, uint32_t i) {
  ExtentIndex e;
  memcpy(&e, EntryAt(node, i), sizeof(e));
  return e;
}
void SetIndex(uint8_t* node, uint32_t i, const ExtentIndex& e) {
  memcpy(EntryAt(node, i), &e, sizeof(e));
}
uint64_t LeafStart(const ExtentLeaf& e) {
  return e.ee_start_lo | static_cast<uint64_t>(e.ee_start_hi) << 32;
}
uint32_t LeafLength(const ExtentLeaf& e) {
  return e.ee_len > kExtentInitMax ? e.ee_len - kExtentInitMax : e.ee_len;
}
bool Unwritten(const ExtentLeaf& e) { return e.ee_len > kExtentInitMax; }
uint64_t ChildBlock(const ExtentIndex& e) {
  return e.ei_leaf_lo | static_cast<uint64_t>(e.ei_leaf_hi) << 32;
}
/// Opens a gap at entry `at` of a node holding `count` entries.
void OpenGap(uint8_t* node, uint32_t at, uint32_t count) {
  memmove(EntryAt(node, at + 1), EntryAt(node, at), sizeof(ExtentLeaf) * (count - at));
}

}  // namespace

void Ext2::InitExtentRoot(Inode* inode) {
  memset(inode->d.i_block, 0, sizeof(inode->d.i_block));
  ExtentHeader h = {kExtentMagic, 0, 4, 0, 0};
  SetHeader(reinterpret_cast<uint8_t*>(inode->d.i_block), h);
  inode->d.i_flags |= kFlagExtents;
}

kstd::Result<void> Ext2::CheckExtentNode(const Inode& inode, const uint8_t* node, uint32_t capacity,
                                         uint32_t depth, uint64_t lo, uint64_t hi, uint32_t block,
                                         BlockRef* ref) {
  ExtentHeader h = Header(node);
  if (h.eh_magic != kExtentMagic || h.eh_max == 0 || h.eh_max > capacity ||
      h.eh_entries > h.eh_max || h.eh_depth != depth) {
    return Corrupt(
        "inode %u: bad extent node (block %u): magic 0x%x, %u of %u entries, depth %u where %u "
        "was expected",
        inode.ino, block, h.eh_magic, h.eh_entries, h.eh_max, h.eh_depth, depth);
  }
  if (block != 0) {
    if (h.eh_entries == 0) {
      return Corrupt("inode %u: extent block %u is empty", inode.ino, block);
    }
    if (csum_ && (ref == nullptr || !ref->verified())) {
      if (!ExtentBlockChecksum(inode, const_cast<uint8_t*>(node), false)) {
        return Corrupt("inode %u: extent block %u: checksum mismatch", inode.ino, block);
      }
      if (ref != nullptr) ref->MarkVerified();
    }
  }
  uint64_t prev_end = lo;
  for (uint32_t i = 0; i < h.eh_entries; ++i) {
    uint64_t key = Key(node, i);
    // The first entry may start past the parent's key (a hole), never before.
    if (key < prev_end || key >= hi) {
      return Corrupt(
          "inode %u: extent node (block %u) entry %u starts at file block %llu: out of order, "
          "overlapping or outside its parent's range",
          inode.ino, block, i, static_cast<unsigned long long>(key));
    }
    if (depth == 0) {
      ExtentLeaf e = LeafAt(node, i);
      uint32_t len = LeafLength(e);
      if (len == 0 || key + len > hi) {
        return Corrupt("inode %u: extent at file block %llu has length %u past its range",
                       inode.ino, static_cast<unsigned long long>(key), len);
      }
      if (!IsDataRange(LeafStart(e), len)) {
        return Corrupt(
            "inode %u: extent at file block %llu points to blocks %llu..%llu, outside the data "
            "area",
            inode.ino, static_cast<unsigned long long>(key),
            static_cast<unsigned long long>(LeafStart(e)),
            static_cast<unsigned long long>(LeafStart(e) + len - 1));
      }
      prev_end = key + len;
    } else {
      uint64_t child = ChildBlock(IndexAt(node, i));
      if (!IsDataBlock(child)) {
        return Corrupt("inode %u: extent index points to block %llu, outside the data area",
                       inode.ino, static_cast<unsigned long long>(child));
      }
      prev_end = key + 1;
    }
  }
  return kstd::Ok();
}

kstd::Result<void> Ext2::FindExtentPath(Inode* inode, uint64_t n, ExtentPath* path) {
  uint8_t* root = reinterpret_cast<uint8_t*>(inode->d.i_block);
  TRY(CheckExtentNode(*inode, root, 4, Header(root).eh_depth, 0, kNoKey, 0));
  if (Header(root).eh_depth > kExtentMaxDepth) {
    return Corrupt("inode %u: extent tree depth %u is too deep", inode->ino, Header(root).eh_depth);
  }
  const uint32_t capacity = (block_size_ - sizeof(ExtentHeader)) / sizeof(ExtentLeaf);
  path->level[0].ref.Reset();
  path->level[0].node = root;
  uint64_t hi = kNoKey;
  for (uint32_t k = 0;; ++k) {
    ExtentPath::Level& level = path->level[k];
    ExtentHeader h = Header(level.node);
    int at = -1;
    for (uint32_t i = 0; i < h.eh_entries && Key(level.node, i) <= n; ++i) at = static_cast<int>(i);
    level.at = at;
    if (h.eh_depth == 0) {
      path->depth = k;
      return kstd::Ok();
    }
    if (h.eh_entries == 0) {
      return Corrupt("inode %u: extent index node at depth %u has no entries", inode->ino,
                     h.eh_depth);
    }
    uint32_t idx = at < 0 ? 0 : static_cast<uint32_t>(at);
    level.at = static_cast<int>(idx);
    uint64_t lo = Key(level.node, idx);
    if (idx + 1 < h.eh_entries) hi = Key(level.node, idx + 1);
    uint32_t child = static_cast<uint32_t>(ChildBlock(IndexAt(level.node, idx)));
    ExtentPath::Level& next = path->level[k + 1];
    next.ref = TRY(cache_->Get(child));
    next.node = next.ref.data();
    TRY(CheckExtentNode(*inode, next.node, capacity, h.eh_depth - 1u, lo, hi, child, &next.ref));
  }
}

kstd::Result<Ext2::Extent> Ext2::MapExtentTree(Inode* inode, uint64_t n, uint32_t max) {
  Extent out;
  if (n >= kNoKey || max == 0) return out;
  ExtentPath path;
  TRY(FindExtentPath(inode, n, &path));
  const ExtentPath::Level& leaf = path.level[path.depth];
  ExtentHeader h = Header(leaf.node);
  if (leaf.at >= 0) {
    ExtentLeaf e = LeafAt(leaf.node, static_cast<uint32_t>(leaf.at));
    uint64_t off = n - e.ee_block;
    uint32_t len = LeafLength(e);
    if (off < len) {
      uint64_t left = len - off;
      out.count = static_cast<uint32_t>(left < max ? left : max);
      out.block = Unwritten(e) ? 0 : static_cast<uint32_t>(LeafStart(e) + off);
      return out;
    }
  }
  uint32_t next = static_cast<uint32_t>(leaf.at + 1);
  if (next < h.eh_entries) {
    uint64_t gap = Key(leaf.node, next) - n;
    out.count = static_cast<uint32_t>(gap < max ? gap : max);
  }
  return out;
}

kstd::Result<uint32_t> Ext2::MapExtentAlloc(Inode* inode, uint64_t n, uint32_t goal,
                                            BlockRef* fresh) {
  if (n >= ext_max_blocks_) return kstd::Error::kFileTooBig;
  ExtentPath path;
  TRY(FindExtentPath(inode, n, &path));
  ExtentPath::Level& leaf = path.level[path.depth];
  ExtentLeaf e = {};
  bool have = leaf.at >= 0;
  if (have) e = LeafAt(leaf.node, static_cast<uint32_t>(leaf.at));
  if (have && n - e.ee_block < LeafLength(e)) {
    uint32_t block = static_cast<uint32_t>(LeafStart(e) + (n - e.ee_block));
    if (!Unwritten(e)) return block;
    // Written to: the whole extent becomes initialized, its blocks zeroed.
    uint32_t len = LeafLength(e);
    for (uint32_t i = 0; i < len; ++i) {
      BlockRef z = TRY(cache_->GetZeroed(LeafStart(e) + i));
      z.MarkDataDirty();
    }
    e.ee_len = static_cast<uint16_t>(len);
    SetLeaf(leaf.node, static_cast<uint32_t>(leaf.at), e);
    if (path.depth > 0) ExtentBlockDirty(*inode, &leaf.ref);
    return block;
  }
  if (goal == 0) {
    goal = have ? static_cast<uint32_t>(LeafStart(e) + (n - e.ee_block)) : GoalBlockFor(inode->ino);
  }
  uint32_t b = TRY(AllocBlock(goal));
  auto zeroed = cache_->GetZeroed(b);
  if (zeroed.is_error()) {
    (void)FreeBlock(b, inode->ino);
    return zeroed.error();
  }
  uint32_t len = have ? LeafLength(e) : 0;
  if (have && !Unwritten(e) && e.ee_block + len == n && LeafStart(e) + len == b &&
      len < kExtentInitMax) {
    e.ee_len = static_cast<uint16_t>(len + 1);  // the common case: the file grows in place
    SetLeaf(leaf.node, static_cast<uint32_t>(leaf.at), e);
    if (path.depth > 0) ExtentBlockDirty(*inode, &leaf.ref);
  } else {
    for (auto& level : path.level) level.ref.Reset();
    auto inserted = InsertExtent(inode, n, b, b + 1);
    if (inserted.is_error()) {
      zeroed.value().Reset();
      (void)FreeBlock(b, inode->ino);
      return inserted.error();
    }
  }
  AddBlocks(inode, 1);
  *fresh = kstd::Move(zeroed.value());
  return b;
}

kstd::Result<void> Ext2::InsertExtent(Inode* inode, uint64_t n, uint32_t block, uint32_t goal) {
  const uint32_t capacity = (block_size_ - sizeof(ExtentHeader)) / sizeof(ExtentLeaf);
  auto dirty = [&](ExtentPath& path, uint32_t k) {
    if (k > 0) ExtentBlockDirty(*inode, &path.level[k].ref);
  };
  // Each pass either inserts, or makes room one level up (a split, or a
  // deeper tree): at most a few passes per level.
  for (int pass = 0; pass < 4 * static_cast<int>(kExtentMaxDepth + 2); ++pass) {
    ExtentPath path;
    TRY(FindExtentPath(inode, n, &path));
    const uint32_t d = path.depth;
    ExtentPath::Level& leaf = path.level[d];
    ExtentHeader h = Header(leaf.node);
    if (h.eh_entries < h.eh_max) {
      uint32_t p = static_cast<uint32_t>(leaf.at + 1);
      OpenGap(leaf.node, p, h.eh_entries);
      ExtentLeaf e = {static_cast<uint32_t>(n), 1, 0, block};
      SetLeaf(leaf.node, p, e);
      ++h.eh_entries;
      SetHeader(leaf.node, h);
      dirty(path, d);
      // A new first entry: the keys above lead to it.
      for (uint32_t k = d; k > 0 && p == 0; --k) {
        ExtentPath::Level& up = path.level[k - 1];
        uint32_t idx = static_cast<uint32_t>(up.at);
        if (Key(up.node, idx) > n) {
          SetKey(up.node, idx, static_cast<uint32_t>(n));
          dirty(path, k - 1);
        }
        p = idx;
      }
      return kstd::Ok();
    }
    // The leaf is full: the deepest level above it with room takes a split.
    int k = static_cast<int>(d) - 1;
    while (k >= 0 && Header(path.level[k].node).eh_entries >= Header(path.level[k].node).eh_max) {
      --k;
    }
    uint32_t fresh_block = TRY(AllocBlock(goal));
    auto made = cache_->GetZeroed(fresh_block);
    if (made.is_error()) {
      (void)FreeBlock(fresh_block, inode->ino);
      return made.error();
    }
    BlockRef fresh = kstd::Move(made.value());
    AddBlocks(inode, 1);
    goal = fresh_block + 1;
    uint8_t* root = path.level[0].node;
    if (k < 0) {
      // Every level is full: the root's entries move to the new block and
      // the root becomes one index entry above it (the tree grows a level).
      ExtentHeader rh = Header(root);
      if (rh.eh_depth >= kExtentMaxDepth) {
        fresh.Reset();
        (void)FreeBlock(fresh_block, inode->ino);
        AddBlocks(inode, -1);
        return kstd::Error::kFileTooBig;
      }
      memcpy(fresh.data(), root, sizeof(ExtentHeader) + sizeof(ExtentLeaf) * rh.eh_entries);
      ExtentHeader bh = rh;
      bh.eh_max = static_cast<uint16_t>(capacity);
      SetHeader(fresh.data(), bh);
      ExtentBlockDirty(*inode, &fresh);
      ExtentIndex idx = {rh.eh_entries > 0 ? Key(root, 0) : 0u, fresh_block, 0, 0};
      memset(EntryAt(root, 0), 0, sizeof(ExtentLeaf) * 4);
      SetIndex(root, 0, idx);
      rh.eh_entries = 1;
      rh.eh_depth = static_cast<uint16_t>(rh.eh_depth + 1);
      SetHeader(root, rh);
      continue;
    }
    // Split the child of level k: its upper entries move to the new block,
    // which level k gets an index entry for.
    ExtentPath::Level& parent = path.level[k];
    ExtentPath::Level& child = path.level[k + 1];
    ExtentHeader ch = Header(child.node);
    uint32_t count = ch.eh_entries;
    // Appending (the usual case) keeps the full node full; else halves.
    uint32_t m = child.at == static_cast<int>(count) - 1 ? count - 1 : count / 2;
    ExtentHeader nh = {kExtentMagic, static_cast<uint16_t>(count - m),
                       static_cast<uint16_t>(capacity), ch.eh_depth, 0};
    SetHeader(fresh.data(), nh);
    memcpy(EntryAt(fresh.data(), 0), EntryAt(child.node, m), sizeof(ExtentLeaf) * (count - m));
    memset(EntryAt(child.node, m), 0, sizeof(ExtentLeaf) * (count - m));
    ch.eh_entries = static_cast<uint16_t>(m);
    SetHeader(child.node, ch);
    ExtentBlockDirty(*inode, &fresh);
    dirty(path, static_cast<uint32_t>(k + 1));
    ExtentHeader ph = Header(parent.node);
    uint32_t at = static_cast<uint32_t>(parent.at + 1);
    OpenGap(parent.node, at, ph.eh_entries);
    ExtentIndex idx = {Key(fresh.data(), 0), fresh_block, 0, 0};
    SetIndex(parent.node, at, idx);
    ++ph.eh_entries;
    SetHeader(parent.node, ph);
    dirty(path, static_cast<uint32_t>(k));
  }
  return Corrupt("inode %u: extent tree insertion did not converge", inode->ino);
}

kstd::Result<uint32_t> Ext2::TruncateExtentNode(Inode* inode, uint8_t* node, uint32_t depth,
                                                uint64_t first, BlockRef* ref) {
  const uint32_t capacity = (block_size_ - sizeof(ExtentHeader)) / sizeof(ExtentLeaf);
  ExtentHeader h = Header(node);
  bool changed = false;
  auto finish = [&]() {
    if (!changed) return;
    SetHeader(node, h);
    if (ref != nullptr) ExtentBlockDirty(*inode, ref);
  };
  if (depth == 0) {
    while (h.eh_entries > 0) {
      uint32_t i = h.eh_entries - 1u;
      ExtentLeaf e = LeafAt(node, i);
      uint32_t len = LeafLength(e);
      if (e.ee_block >= first) {
        auto freed = FreeBlockRun(static_cast<uint32_t>(LeafStart(e)), len, inode);
        if (freed.is_error()) {
          finish();
          return freed.error();
        }
        memset(EntryAt(node, i), 0, sizeof(ExtentLeaf));
        --h.eh_entries;
        changed = true;
        continue;
      }
      if (e.ee_block + len > first) {
        uint32_t keep = static_cast<uint32_t>(first - e.ee_block);
        auto freed = FreeBlockRun(static_cast<uint32_t>(LeafStart(e) + keep), len - keep, inode);
        if (freed.is_error()) {
          finish();
          return freed.error();
        }
        e.ee_len = static_cast<uint16_t>(keep + (Unwritten(e) ? kExtentInitMax : 0));
        SetLeaf(node, i, e);
        changed = true;
      }
      break;
    }
    finish();
    return h.eh_entries;
  }
  uint64_t next_key = kNoKey;
  while (h.eh_entries > 0) {
    uint32_t i = h.eh_entries - 1u;
    if (next_key <= first) break;  // this child and those before lie below `first`
    uint32_t key = Key(node, i);
    uint32_t child = static_cast<uint32_t>(ChildBlock(IndexAt(node, i)));
    BlockRef cref = TRY(cache_->Get(child));
    auto checked =
        CheckExtentNode(*inode, cref.data(), capacity, depth - 1, key, next_key, child, &cref);
    if (checked.is_error()) {
      finish();
      return checked.error();
    }
    auto left = TruncateExtentNode(inode, cref.data(), depth - 1, first, &cref);
    if (left.is_error()) {
      finish();
      return left.error();
    }
    next_key = key;
    if (left.value() != 0) break;
    cref.Reset();
    auto freed = FreeBlock(child, inode->ino);
    if (freed.is_error()) {
      finish();
      return freed.error();
    }
    AddBlocks(inode, -1);
    memset(EntryAt(node, i), 0, sizeof(ExtentLeaf));
    --h.eh_entries;
    changed = true;
  }
  finish();
  return h.eh_entries;
}

kstd::Result<void> Ext2::FreeExtentsFrom(Inode* inode, uint64_t first) {
  if (first >= kNoKey) return kstd::Ok();
  uint8_t* root = reinterpret_cast<uint8_t*>(inode->d.i_block);
  ExtentHeader h = Header(root);
  if (h.eh_depth > kExtentMaxDepth) {
    return Corrupt("inode %u: extent tree depth %u is too deep", inode->ino, h.eh_depth);
  }
  TRY(CheckExtentNode(*inode, root, 4, h.eh_depth, 0, kNoKey, 0));
  uint32_t left = TRY(TruncateExtentNode(inode, root, h.eh_depth, first, nullptr));
  if (left == 0 && Header(root).eh_depth != 0) {
    ExtentHeader empty = Header(root);
    empty.eh_depth = 0;
    SetHeader(root, empty);
  }
  return kstd::Ok();
}

}  // namespace servers::fs::ext2
