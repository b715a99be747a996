#pragma once

// Helpers for the VFS host tests: a fake clock, a ramfs-rooted namespace, and
// short ways to create, read and list things.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/vfs/mount_table.h"
#include "core/vfs/path.h"
#include "core/vfs/ramfs.h"
#include "core/vfs/vnode.h"

namespace core::vfs::testing {

/// A settable clock for SetClock (nanoseconds).
inline Timestamp g_fake_now = 0;
inline Timestamp FakeNow() { return g_fake_now; }
inline void UseFakeClock(Timestamp start) {
  g_fake_now = start;
  SetClock(FakeNow);
}
inline void AdvanceClock(Timestamp ns) { g_fake_now += ns; }

inline constexpr Timestamp kSecond = 1000000000;

/// "ENOENT" for an error, "ok" for success: readable failure messages.
template <typename T>
std::string Status(const kstd::Result<T>& r) {
  return r.ok() ? "ok" : kstd::ErrorName(r.error());
}
inline std::string ErrName(kstd::Error e) { return kstd::ErrorName(e); }

#define EXPECT_OK(expr) EXPECT_EQ(::core::vfs::testing::Status(expr), "ok")
#define ASSERT_OK(expr) ASSERT_EQ(::core::vfs::testing::Status(expr), "ok")
#define EXPECT_ERR(expr, err) \
  EXPECT_EQ(::core::vfs::testing::Status(expr), ::core::vfs::testing::ErrName(::kstd::Error::err))
#define ASSERT_ERR(expr, err) \
  ASSERT_EQ(::core::vfs::testing::Status(expr), ::core::vfs::testing::ErrName(::kstd::Error::err))

inline kstd::RefPtr<RamFs> NewRamFs(RamFsOptions options = {}) {
  auto fs = RamFs::Create(options);
  EXPECT_TRUE(fs.ok());
  return fs.ok() ? fs.release_value() : nullptr;
}

inline CreateRequest FileRequest(uint32_t mode = 0644) {
  CreateRequest r;
  r.type = VnodeType::kRegular;
  r.mode = mode;
  return r;
}
inline CreateRequest DirRequest(uint32_t mode = 0755) {
  CreateRequest r;
  r.type = VnodeType::kDirectory;
  r.mode = mode;
  return r;
}
/// `target` must outlive the call only (Create copies it).
inline CreateRequest SymlinkRequest(const std::string& target) {
  CreateRequest r;
  r.type = VnodeType::kSymlink;
  r.symlink_target = core::vfs::Name(target.data(), target.size());
  return r;
}

inline kstd::RefPtr<Vnode> MustCreate(Vnode* dir, const std::string& name,
                                      const CreateRequest& request) {
  auto r = dir->Create(core::vfs::Name(name.data(), name.size()), request);
  EXPECT_TRUE(r.ok()) << name << ": " << Status(r);
  return r.ok() ? r.release_value() : nullptr;
}
inline kstd::RefPtr<Vnode> MustLookup(Vnode* dir, const std::string& name) {
  auto r = dir->Lookup(core::vfs::Name(name.data(), name.size()));
  EXPECT_TRUE(r.ok()) << name << ": " << Status(r);
  return r.ok() ? r.release_value() : nullptr;
}

inline kstd::Result<size_t> WriteString(Vnode* file, uint64_t offset, const std::string& s) {
  return file->WriteAt(
      offset, kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

/// The whole file as a string (reads in odd-sized chunks to exercise offsets).
inline std::string ReadAll(Vnode* file, size_t chunk = 1000) {
  std::string out;
  std::vector<uint8_t> buf(chunk);
  uint64_t offset = 0;
  while (true) {
    auto r = file->ReadAt(offset, kstd::Span<uint8_t>(buf.data(), buf.size()));
    EXPECT_TRUE(r.ok()) << Status(r);
    if (!r.ok() || r.value() == 0) break;
    out.append(reinterpret_cast<const char*>(buf.data()), r.value());
    offset += r.value();
  }
  return out;
}

inline std::string ReadLinkString(Vnode* link) {
  char buf[4096];
  auto r = link->ReadLink(kstd::Span<char>(buf, sizeof(buf)));
  EXPECT_TRUE(r.ok()) << Status(r);
  return r.ok() ? std::string(buf, r.value()) : std::string();
}

struct ListedEntry {
  std::string name;
  uint64_t ino;
  VnodeType type;
  uint64_t next_cursor;
};

/// Collects up to `limit` entries per ReadDir call.
class CollectingSink final : public DirSink {
 public:
  explicit CollectingSink(size_t limit = SIZE_MAX) : limit_(limit) {}
  bool Emit(const DirEntry& e) override {
    if (taken_ == limit_) return false;
    ++taken_;
    entries.push_back(
        ListedEntry{std::string(e.name.data(), e.name.size()), e.ino, e.type, e.next_cursor});
    return true;
  }
  void ResetBatch() { taken_ = 0; }
  std::vector<ListedEntry> entries;

 private:
  size_t limit_;
  size_t taken_ = 0;
};

/// Every entry, "." and ".." included, reading `batch` at a time as
/// getdents64 does (resuming at the last entry's cursor).
inline std::vector<ListedEntry> ListEntries(Vnode* dir, size_t batch = 3) {
  CollectingSink sink(batch);
  uint64_t cursor = 0;
  while (true) {
    size_t before = sink.entries.size();
    sink.ResetBatch();
    auto r = dir->ReadDir(&cursor, sink);
    EXPECT_TRUE(r.ok()) << Status(r);
    if (!r.ok() || sink.entries.size() == before) break;
  }
  return sink.entries;
}

/// Every entry name, "." and ".." included, reading `batch` at a time.
inline std::vector<std::string> ListNames(Vnode* dir, size_t batch = 3) {
  std::vector<std::string> names;
  for (const auto& e : ListEntries(dir, batch)) names.push_back(e.name);
  return names;
}

inline uint32_t Links(Vnode* v) { return v->GetAttr().nlink; }

/// A namespace: a ramfs root in a MountTable, and path helpers through Resolve.
class Namespace {
 public:
  Namespace() {
    root_fs = NewRamFs();
    EXPECT_TRUE(mounts.MountRoot(root_fs).ok());
    root = mounts.Root();
  }

  kstd::Result<Resolved> Resolve(const std::string& path, ResolveFlags flags = {},
                                 Vnode* cwd = nullptr) {
    return core::vfs::Resolve(mounts, core::vfs::Name(path.data(), path.size()),
                              cwd != nullptr ? cwd : root.get(), root.get(), flags);
  }
  /// The vnode at `path` (following symlinks), or null.
  kstd::RefPtr<Vnode> Get(const std::string& path) {
    auto r = Resolve(path);
    return r.ok() ? r.value().vnode : nullptr;
  }
  kstd::RefPtr<Vnode> Parent(const std::string& path, std::string* name) {
    ResolveFlags flags;
    flags.want_parent = true;
    flags.follow_final_symlink = false;
    auto r = Resolve(path, flags);
    EXPECT_TRUE(r.ok()) << path << ": " << Status(r);
    if (!r.ok()) return nullptr;
    *name = r.value().name;
    return r.value().parent;
  }
  kstd::RefPtr<Vnode> Mkdir(const std::string& path, uint32_t mode = 0755) {
    std::string name;
    kstd::RefPtr<Vnode> dir = Parent(path, &name);
    return dir ? MustCreate(dir.get(), name, DirRequest(mode)) : nullptr;
  }
  kstd::RefPtr<Vnode> WriteFile(const std::string& path, const std::string& content) {
    std::string name;
    kstd::RefPtr<Vnode> dir = Parent(path, &name);
    if (!dir) return nullptr;
    kstd::RefPtr<Vnode> file = MustCreate(dir.get(), name, FileRequest());
    if (file) {
      EXPECT_TRUE(WriteString(file.get(), 0, content).ok());
    }
    return file;
  }
  kstd::RefPtr<Vnode> Symlink(const std::string& path, const std::string& target) {
    std::string name;
    kstd::RefPtr<Vnode> dir = Parent(path, &name);
    return dir ? MustCreate(dir.get(), name, SymlinkRequest(target)) : nullptr;
  }

  MountTable mounts;
  kstd::RefPtr<RamFs> root_fs;
  kstd::RefPtr<Vnode> root;
};

}  // namespace core::vfs::testing
