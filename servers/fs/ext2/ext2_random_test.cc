// Randomized operation sequences (fixed seeds) on fresh mke2fs images,
// cross-checked against an in-memory model after every operation's result
// (the same error, or the same effect), in full after each remount, and by
// e2fsprogs after every run: `e2fsck -fn` must exit 0 and `debugfs cat`
// must read back exactly the model's bytes.

#include <stdlib.h>
#include <string.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "servers/fs/ext2/ext2.h"
#include "servers/fs/ext2/testing/test_support.h"

namespace servers::fs::ext2 {
namespace {

using testing::CommandResult;
using testing::DebugfsCat;
using testing::E2fsck;
using testing::ListDir;
using testing::MountedImage;
using testing::PatternBytes;
using testing::ReadLinkString;
using testing::ReadWhole;
using testing::ScratchCopy;

struct Node {
  FileType type = FileType::kRegular;
  uint32_t ino = 0;
  std::string data;                                   // file contents or symlink target
  std::map<std::string, std::shared_ptr<Node>> kids;  // directories
  Node* parent = nullptr;                             // directories
  int links = 0;                                      // names (files and symlinks)
  std::string history;                                // what was done to it, for failures
};

/// Where two byte strings first differ.
std::string FirstDifference(const std::string& got, const std::string& want) {
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  return "sizes " + std::to_string(got.size()) + "/" + std::to_string(want.size()) +
         ", first difference at byte " + std::to_string(i);
}
using NodePtr = std::shared_ptr<Node>;

struct Params {
  const char* image;
  uint32_t seed;
  int operations;
  uint32_t cache_blocks;
};

class RandomTest : public ::testing::TestWithParam<Params> {
 protected:
  void SetUp() override {
    image_ = ScratchCopy(GetParam().image);
    rng_.seed(GetParam().seed);
    root_ = std::make_shared<Node>();
    root_->type = FileType::kDirectory;
    root_->ino = Ext2::kRootIno;
    root_->parent = root_.get();
    Mount();
    // lost+found is part of the model's root.
    auto lf = m_->fs.Lookup(Ext2::kRootIno, Name("lost+found"));
    ASSERT_TRUE(lf.ok());
    auto node = std::make_shared<Node>();
    node->type = FileType::kDirectory;
    node->ino = lf.value().ino;
    node->parent = root_.get();
    root_->kids["lost+found"] = node;
    capacity_ = m_->fs.StatFs().value().free_blocks * m_->fs.block_size() / 3;
  }

  void Mount() {
    m_ = std::make_unique<MountedImage>();
    ASSERT_TRUE(m_->Mount(image_, false, GetParam().cache_blocks).ok()) << m_->log.All();
  }

  uint32_t Rand(uint32_t n) { return n == 0 ? 0 : static_cast<uint32_t>(rng_() % n); }

  void Collect(const NodePtr& dir, std::vector<NodePtr>* dirs,
               std::vector<std::pair<NodePtr, std::string>>* entries) {
    dirs->push_back(dir);
    for (const auto& [name, kid] : dir->kids) {
      entries->push_back({dir, name});
      if (kid->type == FileType::kDirectory) Collect(kid, dirs, entries);
    }
  }

  std::string NewName() {
    static const char* kStems[] = {"a",  "file",           "dir", "x", "long_name_for_entries",
                                   "z9", "name with space"};
    std::string name = kStems[Rand(7)] + std::to_string(Rand(40));
    if (Rand(10) == 0) name += std::string(Rand(200), 'q');
    return name;
  }

  uint64_t ModelBytes(const NodePtr& dir) {
    uint64_t total = 0;
    std::vector<NodePtr> dirs;
    std::vector<std::pair<NodePtr, std::string>> entries;
    Collect(dir, &dirs, &entries);
    std::map<Node*, bool> counted;
    for (auto& [d, name] : entries) {
      Node* n = d->kids[name].get();
      if (!counted[n]) total += n->data.size();
      counted[n] = true;
    }
    return total;
  }

  bool IsAncestorOrSelf(Node* ancestor, Node* dir) {
    for (Node* cur = dir;; cur = cur->parent) {
      if (cur == ancestor) return true;
      if (cur == root_.get()) return false;
    }
  }

  static uint32_t ExpectedLinks(const Node& n) {
    if (n.type != FileType::kDirectory) return static_cast<uint32_t>(n.links);
    uint32_t links = 2;
    for (const auto& [name, kid] : n.kids) links += kid->type == FileType::kDirectory;
    return links;
  }

  /// Compares the whole tree with the model.
  void Verify(const NodePtr& dir, const std::string& path) {
    auto listed = ListDir(m_->fs, dir->ino, 1 + Rand(9));
    ASSERT_TRUE(listed.ok()) << path;
    std::map<std::string, uint32_t> seen;
    for (const DirEntry& e : listed.value()) seen[e.name] = e.ino;
    ASSERT_EQ(seen.size(), dir->kids.size() + 2) << path;
    EXPECT_EQ(seen["."], dir->ino) << path;
    EXPECT_EQ(seen[".."], dir->parent->ino) << path;
    auto attr = m_->fs.GetAttr(dir->ino);
    ASSERT_TRUE(attr.ok());
    EXPECT_EQ(attr.value().nlink, ExpectedLinks(*dir)) << path;
    for (const auto& [name, kid] : dir->kids) {
      std::string kid_path = path + "/" + name;
      ASSERT_EQ(seen.count(name), 1u) << kid_path;
      EXPECT_EQ(seen[name], kid->ino) << kid_path;
      auto a = m_->fs.Lookup(dir->ino, Name(name.data(), name.size()));
      ASSERT_TRUE(a.ok()) << kid_path;
      EXPECT_EQ(a.value().type, kid->type) << kid_path;
      EXPECT_EQ(a.value().nlink, ExpectedLinks(*kid)) << kid_path;
      if (kid->type == FileType::kDirectory) {
        Verify(kid, kid_path);
      } else if (kid->type == FileType::kSymlink) {
        EXPECT_EQ(ReadLinkString(m_->fs, kid->ino), kid->data) << kid_path;
      } else {
        EXPECT_EQ(a.value().size, kid->data.size()) << kid_path;
        auto data = ReadWhole(m_->fs, kid->ino);
        ASSERT_TRUE(data.ok()) << kid_path;
        EXPECT_TRUE(data.value() == kid->data)
            << kid_path << " contents differ: " << FirstDifference(data.value(), kid->data)
            << "\nhistory:" << kid->history << " ino " << kid->ino;
      }
    }
  }

  /// Unmount, e2fsck -fn, debugfs cat of the files, mount, full compare.
  void CheckEverything() {
    ASSERT_TRUE(m_->fs.Unmount().ok()) << m_->log.All();
    ASSERT_FALSE(m_->fs.errors_detected()) << m_->log.All();
    CommandResult fsck = E2fsck(image_);
    ASSERT_EQ(fsck.exit_code, 0) << "seed " << GetParam().seed << ": e2fsck -fn:\n" << fsck.output;
    std::vector<NodePtr> dirs;
    std::vector<std::pair<NodePtr, std::string>> entries;
    Collect(root_, &dirs, &entries);
    int checked = 0;
    for (auto& [dir, name] : entries) {
      const NodePtr& kid = dir->kids[name];
      if (kid->type != FileType::kRegular || checked >= 40) continue;
      std::string path;
      for (Node* d = dir.get(); d != root_.get(); d = d->parent) {
        for (const auto& [n, k] : d->parent->kids) {
          if (k.get() == d) path = "/" + n + path;
        }
      }
      path += "/" + name;
      std::string got;
      ASSERT_TRUE(DebugfsCat(image_, path, &got)) << path;
      EXPECT_TRUE(got == kid->data) << "debugfs cat " << path << " differs from the model";
      ++checked;
    }
    Mount();
    Verify(root_, "");
  }

  void Step() {
    std::vector<NodePtr> dirs;
    std::vector<std::pair<NodePtr, std::string>> entries;
    Collect(root_, &dirs, &entries);
    std::vector<std::pair<NodePtr, std::string>> files;
    for (auto& e : entries) {
      if (e.first->kids[e.second]->type == FileType::kRegular) files.push_back(e);
    }
    bool full = ModelBytes(root_) > capacity_;
    Ext2& fs = m_->fs;
    uint32_t op = Rand(100);
    if (full && op < 40) op = 60 + Rand(8);  // make room: truncate or unlink
    if (op < 12) {                           // create a file
      NodePtr dir = dirs[Rand(static_cast<uint32_t>(dirs.size()))];
      std::string name = NewName();
      auto r = fs.Create(dir->ino, Name(name.data(), name.size()), {});
      if (dir->kids.count(name)) {
        ASSERT_EQ(r.error(), kstd::Error::kExists) << name;
        return;
      }
      ASSERT_TRUE(r.ok()) << name << ": " << kstd::ErrorName(r.error());
      auto node = std::make_shared<Node>();
      node->ino = r.value().ino;
      node->links = 1;
      node->history = " create(" + name + " in " + std::to_string(dir->ino) + ")";
      dir->kids[name] = node;
    } else if (op < 35) {  // write
      if (files.empty()) return;
      auto& [dir, name] = files[Rand(static_cast<uint32_t>(files.size()))];
      NodePtr file = dir->kids[name];
      uint64_t bs = fs.block_size();
      uint64_t offset =
          Rand(4) == 0 ? file->data.size() : Rand(static_cast<uint32_t>(file->data.size() + 1));
      if (Rand(8) == 0) offset += Rand(static_cast<uint32_t>(400 * bs));  // a hole
      size_t size =
          Rand(5) == 0 ? Rand(static_cast<uint32_t>(60 * bs)) : Rand(static_cast<uint32_t>(3 * bs));
      std::string data = PatternBytes(size, static_cast<uint32_t>(rng_()));
      auto r = fs.Write(
          file->ino, offset,
          kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
      ASSERT_TRUE(r.ok()) << kstd::ErrorName(r.error()) << m_->log.All();
      ASSERT_EQ(r.value(), size);
      file->history += " write(" + std::to_string(offset) + "," + std::to_string(size) + ")";
      if (size > 0) {
        if (file->data.size() < offset + size) file->data.resize(offset + size, '\0');
        file->data.replace(offset, size, data);
      }
    } else if (op < 42) {  // read a range and compare
      if (files.empty()) return;
      auto& [dir, name] = files[Rand(static_cast<uint32_t>(files.size()))];
      NodePtr file = dir->kids[name];
      uint64_t offset = Rand(static_cast<uint32_t>(file->data.size() + 10));
      std::string out(Rand(20000), '\0');
      auto r = fs.Read(file->ino, offset,
                       kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size()));
      ASSERT_TRUE(r.ok());
      std::string expect = offset < file->data.size() ? file->data.substr(offset, out.size()) : "";
      ASSERT_EQ(r.value(), expect.size());
      out.resize(r.value());
      ASSERT_TRUE(out == expect) << "read at " << offset << ": " << FirstDifference(out, expect)
                                 << "\nhistory:" << file->history;
    } else if (op < 50) {  // mkdir
      NodePtr dir = dirs[Rand(static_cast<uint32_t>(dirs.size()))];
      std::string name = NewName();
      auto r = fs.Mkdir(dir->ino, Name(name.data(), name.size()), 0755, 0, 0);
      if (dir->kids.count(name)) {
        ASSERT_EQ(r.error(), kstd::Error::kExists);
        return;
      }
      ASSERT_TRUE(r.ok()) << kstd::ErrorName(r.error());
      auto node = std::make_shared<Node>();
      node->type = FileType::kDirectory;
      node->ino = r.value().ino;
      node->parent = dir.get();
      dir->kids[name] = node;
    } else if (op < 55) {  // symlink
      NodePtr dir = dirs[Rand(static_cast<uint32_t>(dirs.size()))];
      std::string name = NewName();
      std::string target =
          std::string(1 + Rand(Rand(2) ? 50 : 300), 't') + std::to_string(Rand(1000));
      auto r = fs.Symlink(dir->ino, Name(name.data(), name.size()),
                          kstd::Span<const char>(target.data(), target.size()), 0, 0);
      if (dir->kids.count(name)) {
        ASSERT_EQ(r.error(), kstd::Error::kExists);
        return;
      }
      ASSERT_TRUE(r.ok());
      auto node = std::make_shared<Node>();
      node->type = FileType::kSymlink;
      node->ino = r.value().ino;
      node->data = target;
      node->links = 1;
      dir->kids[name] = node;
    } else if (op < 60) {  // hard link
      if (files.empty()) return;
      auto& [src_dir, src_name] = files[Rand(static_cast<uint32_t>(files.size()))];
      NodePtr file = src_dir->kids[src_name];
      NodePtr dir = dirs[Rand(static_cast<uint32_t>(dirs.size()))];
      std::string name = NewName();
      auto r = fs.Link(file->ino, dir->ino, Name(name.data(), name.size()));
      if (dir->kids.count(name)) {
        ASSERT_EQ(r.error(), kstd::Error::kExists);
        return;
      }
      ASSERT_TRUE(r.ok()) << kstd::ErrorName(r.error());
      ++file->links;
      file->history += " link(" + name + " in " + std::to_string(dir->ino) + ")";
      dir->kids[name] = file;
    } else if (op < 66) {  // truncate
      if (files.empty()) return;
      auto& [dir, name] = files[Rand(static_cast<uint32_t>(files.size()))];
      NodePtr file = dir->kids[name];
      uint64_t size = Rand(3) == 0 ? 0 : Rand(static_cast<uint32_t>(file->data.size() * 3 / 2 + 2));
      ASSERT_TRUE(fs.Truncate(file->ino, size).ok());
      file->history += " truncate(" + std::to_string(size) + ")";
      file->data.resize(size, '\0');
    } else if (op < 76) {  // unlink
      if (entries.empty()) return;
      auto& [dir, name] = entries[Rand(static_cast<uint32_t>(entries.size()))];
      NodePtr node = dir->kids[name];
      auto r = fs.Unlink(dir->ino, Name(name.data(), name.size()));
      if (node->type == FileType::kDirectory) {
        ASSERT_EQ(r.error(), kstd::Error::kIsDirectory);
        return;
      }
      ASSERT_TRUE(r.ok()) << kstd::ErrorName(r.error());
      --node->links;
      node->history += " unlink(" + name + ")";
      dir->kids.erase(name);
    } else if (op < 82) {  // rmdir
      NodePtr dir = dirs[Rand(static_cast<uint32_t>(dirs.size()))];
      if (dir == root_) return;
      Node* parent = dir->parent;
      std::string name;
      for (const auto& [n, k] : parent->kids) {
        if (k == dir) name = n;
      }
      if (name == "lost+found") return;
      auto r = fs.Rmdir(parent->ino, Name(name.data(), name.size()));
      if (!dir->kids.empty()) {
        ASSERT_EQ(r.error(), kstd::Error::kNotEmpty);
        return;
      }
      ASSERT_TRUE(r.ok()) << kstd::ErrorName(r.error());
      parent->kids.erase(name);
    } else if (op < 97) {  // rename
      if (entries.empty()) return;
      auto [src_dir, src_name] = entries[Rand(static_cast<uint32_t>(entries.size()))];
      if (src_dir == root_ && src_name == "lost+found") return;
      NodePtr src = src_dir->kids[src_name];
      NodePtr dst_dir = dirs[Rand(static_cast<uint32_t>(dirs.size()))];
      std::string dst_name;
      if (Rand(3) == 0 && !dst_dir->kids.empty()) {
        auto it = dst_dir->kids.begin();
        std::advance(it, Rand(static_cast<uint32_t>(dst_dir->kids.size())));
        dst_name = it->first;
      } else {
        dst_name = NewName();
      }
      if (dst_dir == root_ && dst_name == "lost+found") return;
      auto r = fs.Rename(src_dir->ino, Name(src_name.data(), src_name.size()), dst_dir->ino,
                         Name(dst_name.data(), dst_name.size()));
      // The model's verdict, in the order the library checks.
      kstd::Error expect = static_cast<kstd::Error>(0);
      NodePtr victim = dst_dir->kids.count(dst_name) ? dst_dir->kids[dst_name] : nullptr;
      bool src_dir_kind = src->type == FileType::kDirectory;
      if (victim == src) {
        ASSERT_TRUE(r.ok());
        return;
      }
      if (victim) {
        bool victim_dir = victim->type == FileType::kDirectory;
        if (src_dir_kind && !victim_dir)
          expect = kstd::Error::kNotDirectory;
        else if (!src_dir_kind && victim_dir)
          expect = kstd::Error::kIsDirectory;
        else if (victim_dir && !victim->kids.empty())
          expect = kstd::Error::kNotEmpty;
      }
      if (expect == static_cast<kstd::Error>(0) && src_dir_kind && src_dir != dst_dir &&
          IsAncestorOrSelf(src.get(), dst_dir.get())) {
        expect = kstd::Error::kInvalid;
      }
      if (expect != static_cast<kstd::Error>(0)) {
        ASSERT_FALSE(r.ok()) << src_name << " -> " << dst_name;
        ASSERT_EQ(r.error(), expect) << src_name << " -> " << dst_name;
        return;
      }
      ASSERT_TRUE(r.ok()) << src_name << " -> " << dst_name << ": " << kstd::ErrorName(r.error());
      if (victim && victim->type != FileType::kDirectory) --victim->links;
      src_dir->kids.erase(src_name);
      dst_dir->kids[dst_name] = src;
      src->history +=
          " rename(" + src_name + " -> " + dst_name + " in " + std::to_string(dst_dir->ino) + ")";
      if (victim) victim->history += " replaced by " + std::to_string(src->ino);
      if (src_dir_kind) src->parent = dst_dir.get();
    } else {  // remount
      std::map<Node*, bool> once;
      for (auto& e : entries) {
        Node* n = e.first->kids[e.second].get();
        if (!once[n]) n->history += " remount";
        once[n] = true;
      }
      ASSERT_TRUE(m_->fs.Unmount().ok());
      Mount();
    }
  }

  std::string image_;
  std::mt19937 rng_;
  NodePtr root_;
  std::unique_ptr<MountedImage> m_;
  uint64_t capacity_ = 0;
};

TEST_P(RandomTest, MatchesTheModelAndE2fsck) {
  int n = GetParam().operations;
  for (int i = 0; i < n; ++i) {
    SCOPED_TRACE("operation " + std::to_string(i));
    ASSERT_NO_FATAL_FAILURE(Step());
    if (i % 100 == 99) {
      ASSERT_NO_FATAL_FAILURE(Verify(root_, ""));
    }
  }
  ASSERT_NO_FATAL_FAILURE(CheckEverything());
  ASSERT_NO_FATAL_FAILURE(CheckEverything());
  EXPECT_TRUE(m_->fs.Unmount().ok());
}

// EXT2_RANDOM_SEEDS / EXT2_RANDOM_OPS (environment) run more, e.g.
//   bazel test //servers/fs/ext2:ext2_random_test --test_env=EXT2_RANDOM_SEEDS=200
std::vector<Params> AllParams() {
  std::vector<Params> all;
  const char* seeds_env = getenv("EXT2_RANDOM_SEEDS");
  const char* ops_env = getenv("EXT2_RANDOM_OPS");
  uint32_t seeds = seeds_env ? static_cast<uint32_t>(atoi(seeds_env)) : 6;
  int ops = ops_env ? atoi(ops_env) : 600;
  for (uint32_t seed = 1; seed <= seeds; ++seed) {
    all.push_back({"empty_1k.img", seed, ops, 256});
    all.push_back({"empty_4k.img", seed, ops, 256});
  }
  all.push_back({"multi_1k.img", 7, 800, 256});
  all.push_back({"empty_2k.img", 10, 600, 256});
  all.push_back({"empty_64k.img", 11, 400, 64});
  all.push_back({"empty_1k.img", 8, 500, 16});  // constant eviction
  all.push_back({"empty_4k.img", 9, 500, 16});
  // ext3: everything through the journal (a 16-block cache makes it grow
  // and commit between operations).
  all.push_back({"ext3_1k.img", 12, 600, 256});
  all.push_back({"ext3_1k.img", 13, 500, 16});
  all.push_back({"ext3_4k.img", 14, 600, 256});
  // ext4 (extent trees, metadata_csum, flex_bg, 64bit), also with eviction.
  all.push_back({"ext4_1k.img", 15, 600, 256});
  all.push_back({"ext4_1k.img", 16, 500, 16});
  all.push_back({"ext4_4k.img", 17, 600, 256});
  return all;
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomTest, ::testing::ValuesIn(AllParams()), [](const auto& info) {
  std::string image = info.param.image;
  return image.substr(0, image.find('.')) + "_seed" + std::to_string(info.param.seed) + "_cache" +
         std::to_string(info.param.cache_blocks);
});

}  // namespace
}  // namespace servers::fs::ext2
