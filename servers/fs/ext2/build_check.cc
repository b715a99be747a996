// Checks that the ext2 library builds and links as a Tessera user program
// (static, musl, clang, no C++ library). Given an image path it mounts it
// (read-only unless -w), lists the root directory and prints statfs figures;
// it is not the fs server.

#include <stdio.h>
#include <string.h>

#include "servers/fs/ext2/ext2.h"
#include "servers/fs/ext2/file_block_device.h"

namespace {

using servers::fs::ext2::DirEntry;
using servers::fs::ext2::Ext2;
using servers::fs::ext2::FileBlockDevice;
using servers::fs::ext2::LogLevel;
using servers::fs::ext2::LogSink;
using servers::fs::ext2::MountOptions;

class StderrLog final : public LogSink {
 public:
  void Log(LogLevel, const char* message) override { fprintf(stderr, "%s\n", message); }
};

}  // namespace

int main(int argc, char** argv) {
  bool writable = argc > 2 && strcmp(argv[1], "-w") == 0;
  const char* path = argc > 1 ? argv[argc - 1] : nullptr;
  if (path == nullptr) {
    fprintf(stderr, "usage: ext2_build_check [-w] IMAGE\n");
    return 2;
  }
  FileBlockDevice device;
  if (device.Open(path, !writable).is_error()) {
    fprintf(stderr, "cannot open %s\n", path);
    return 1;
  }
  StderrLog log;
  MountOptions options;
  options.read_only = !writable;
  options.log = &log;
  Ext2 fs;
  auto mounted = fs.Mount(&device, options);
  if (mounted.is_error()) return 1;
  uint64_t cursor = 0;
  DirEntry entries[16];
  for (;;) {
    auto n = fs.ReadDir(Ext2::kRootIno, &cursor, kstd::Span<DirEntry>(entries, 16));
    if (n.is_error() || n.value() == 0) break;
    for (size_t i = 0; i < n.value(); ++i) printf("%u %s\n", entries[i].ino, entries[i].name);
  }
  auto stats = fs.StatFs();
  if (stats.ok()) {
    printf("blocks %llu free %llu inodes %llu free %llu\n",
           static_cast<unsigned long long>(stats.value().total_blocks),
           static_cast<unsigned long long>(stats.value().free_blocks),
           static_cast<unsigned long long>(stats.value().total_inodes),
           static_cast<unsigned long long>(stats.value().free_inodes));
  }
  return fs.Unmount().ok() ? 0 : 1;
}
