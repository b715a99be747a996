#pragma once

// Helpers for the ext2 host tests: fixture paths, scratch copies of images,
// the e2fsprogs tools as oracles (e2fsck -fn, debugfs), and a mounted image.

#include <stdint.h>

#include <string>
#include <vector>

#include "servers/fs/ext2/ext2.h"
#include "servers/fs/ext2/file_block_device.h"

namespace servers::fs::ext2::testing {

/// The path of a fixture made by //servers/fs/ext2/testdata:fixtures.
std::string FixturePath(const std::string& name);
/// A fresh writable copy of a fixture under TEST_TMPDIR.
std::string ScratchCopy(const std::string& fixture);
/// A fresh path under TEST_TMPDIR (nothing created).
std::string ScratchPath(const std::string& stem);

/// The full path of an e2fsprogs tool (PATH, /sbin, /usr/sbin), or "".
std::string FindTool(const std::string& name);

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};
/// Runs a shell command line.
CommandResult RunCommand(const std::string& command);
/// Quotes a string for /bin/sh.
std::string ShellQuote(const std::string& s);

/// e2fsck -fn IMAGE. Fails the current test (with a clear message) when
/// e2fsck is not installed.
CommandResult E2fsck(const std::string& image);
/// debugfs -R REQUEST IMAGE (read-only unless `write`).
CommandResult Debugfs(const std::string& image, const std::string& request, bool write = false);
/// The bytes of `path` in the image according to debugfs `cat`.
bool DebugfsCat(const std::string& image, const std::string& path, std::string* out);

std::string ReadHostFile(const std::string& path);
void WriteHostFile(const std::string& path, const std::string& data);
/// Overwrites bytes of a file at `offset`.
void PatchFile(const std::string& path, uint64_t offset, const void* data, size_t size);
/// Reads bytes of a file at `offset`.
std::string ReadFileRange(const std::string& path, uint64_t offset, size_t size);

/// Collects log messages.
class CapturingLog final : public LogSink {
 public:
  void Log(LogLevel level, const char* message) override;
  bool Contains(const std::string& needle) const;
  std::string All() const;
  std::vector<std::string> messages;
  bool echo = false;
};

/// A settable clock.
class FakeClock final : public Clock {
 public:
  int64_t NowSeconds() override { return now; }
  int64_t now = 1700000000;
};

/// An image file opened as a device, and an Ext2 on it.
struct MountedImage {
  // Declared before `fs`, which may log while it is destroyed.
  CapturingLog log;
  FakeClock clock;
  FileBlockDevice device;
  Ext2 fs;
  MountReport report;
  /// MountOptions::keep_orphans for the next Mount.
  bool keep_orphans = false;

  /// Opens and mounts; returns the mount's result.
  kstd::Result<MountReport> Mount(const std::string& image, bool read_only = false,
                                  uint32_t cache_blocks = 256, FsType as = FsType::kAny);
};

/// Resolves an absolute path ("/a/b") by Lookup, following no symlinks.
kstd::Result<Attr> Resolve(Ext2& fs, const std::string& path);
/// The parent directory's inode and the last component of `path`.
kstd::Result<uint32_t> ResolveParent(Ext2& fs, const std::string& path, std::string* leaf);
/// A whole regular file.
kstd::Result<std::string> ReadWhole(Ext2& fs, uint32_t ino);
/// Writes all of `data` at `offset` (fails the test if short).
kstd::Result<void> WriteAll(Ext2& fs, uint32_t ino, uint64_t offset, const std::string& data);
/// A symlink's target.
std::string ReadLinkString(Ext2& fs, uint32_t ino);
/// Every entry of a directory (names, with "." and ".."), through a small
/// buffer so the cursor is exercised.
kstd::Result<std::vector<DirEntry>> ListDir(Ext2& fs, uint32_t ino, size_t batch = 3);
/// Deterministic pseudo-random bytes.
std::string PatternBytes(size_t size, uint32_t seed);

}  // namespace servers::fs::ext2::testing
