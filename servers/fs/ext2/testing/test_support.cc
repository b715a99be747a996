#include "servers/fs/ext2/testing/test_support.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace servers::fs::ext2::testing {

std::string FixturePath(const std::string& name) {
  const char* srcdir = getenv("TEST_SRCDIR");
  const char* workspace = getenv("TEST_WORKSPACE");
  std::string base = std::string(srcdir ? srcdir : ".") + "/" + (workspace ? workspace : "tessera");
  return base + "/servers/fs/ext2/testdata/" + name;
}

std::string ScratchPath(const std::string& stem) {
  static std::atomic<int> counter{0};
  const char* tmp = getenv("TEST_TMPDIR");
  return std::string(tmp ? tmp : "/tmp") + "/" + stem + "." + std::to_string(getpid()) + "." +
         std::to_string(counter++);
}

std::string ScratchCopy(const std::string& fixture) {
  std::string dst = ScratchPath(fixture);
  // cp --sparse keeps the big, mostly empty images small on disk.
  CommandResult r = RunCommand("cp --sparse=always " + ShellQuote(FixturePath(fixture)) + " " +
                               ShellQuote(dst) + " && chmod u+w " + ShellQuote(dst));
  EXPECT_EQ(r.exit_code, 0) << "copying fixture " << fixture << ": " << r.output;
  return dst;
}

std::string FindTool(const std::string& name) {
  std::vector<std::string> dirs;
  if (const char* path = getenv("PATH")) {
    std::stringstream ss(path);
    std::string dir;
    while (std::getline(ss, dir, ':')) dirs.push_back(dir);
  }
  dirs.push_back("/sbin");
  dirs.push_back("/usr/sbin");
  for (const std::string& dir : dirs) {
    std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  std::string full = "( " + command + " ) 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

CommandResult E2fsck(const std::string& image) {
  std::string tool = FindTool("e2fsck");
  if (tool.empty()) {
    ADD_FAILURE() << "e2fsck not found (install e2fsprogs): the ext2 tests use it as the oracle";
    return CommandResult{};
  }
  return RunCommand(ShellQuote(tool) + " -fn " + ShellQuote(image));
}

CommandResult Debugfs(const std::string& image, const std::string& request, bool write) {
  std::string tool = FindTool("debugfs");
  if (tool.empty()) {
    ADD_FAILURE() << "debugfs not found (install e2fsprogs): the ext2 tests use it as the oracle";
    return CommandResult{};
  }
  return RunCommand(ShellQuote(tool) + (write ? " -w" : "") + " -R " + ShellQuote(request) + " " +
                    ShellQuote(image) + " 2>/dev/null");
}

bool DebugfsCat(const std::string& image, const std::string& path, std::string* out) {
  std::string tool = FindTool("debugfs");
  if (tool.empty()) {
    ADD_FAILURE() << "debugfs not found (install e2fsprogs): the ext2 tests use it as the oracle";
    return false;
  }
  // stdout only: debugfs prints its banner on stderr.
  std::string command = ShellQuote(tool) + " -R " + ShellQuote("cat \"" + path + "\"") + " " +
                        ShellQuote(image) + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return false;
  out->clear();
  char buffer[65536];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out->append(buffer, n);
  int status = pclose(pipe);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string ReadHostFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteHostFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

void PatchFile(const std::string& path, uint64_t offset, const void* data, size_t size) {
  int fd = open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(pwrite(fd, data, size, static_cast<off_t>(offset)), static_cast<ssize_t>(size));
  close(fd);
}

std::string ReadFileRange(const std::string& path, uint64_t offset, size_t size) {
  std::string out(size, '\0');
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return "";
  ssize_t n = pread(fd, out.data(), size, static_cast<off_t>(offset));
  close(fd);
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

void CapturingLog::Log(LogLevel, const char* message) {
  messages.push_back(message);
  if (echo) fprintf(stderr, "%s\n", message);
}

bool CapturingLog::Contains(const std::string& needle) const {
  for (const std::string& m : messages) {
    if (m.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string CapturingLog::All() const {
  std::string all;
  for (const std::string& m : messages) all += m + "\n";
  return all;
}

kstd::Result<MountReport> MountedImage::Mount(const std::string& image, bool read_only,
                                              uint32_t cache_blocks, FsType as) {
  auto opened = device.Open(image.c_str(), read_only);
  if (opened.is_error()) return opened.error();
  MountOptions options;
  options.read_only = read_only;
  options.cache_blocks = cache_blocks;
  options.as = as;
  options.keep_orphans = keep_orphans;
  options.clock = &clock;
  options.log = &log;
  auto r = fs.Mount(&device, options);
  if (r.ok()) report = r.value();
  return r;
}

kstd::Result<Attr> Resolve(Ext2& fs, const std::string& path) {
  Attr attr = TRY(fs.GetAttr(Ext2::kRootIno));
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    attr = TRY(fs.Lookup(attr.ino, Name(part.data(), part.size())));
  }
  return attr;
}

kstd::Result<uint32_t> ResolveParent(Ext2& fs, const std::string& path, std::string* leaf) {
  size_t slash = path.find_last_of('/');
  *leaf = path.substr(slash + 1);
  Attr parent = TRY(Resolve(fs, path.substr(0, slash)));
  return parent.ino;
}

kstd::Result<std::string> ReadWhole(Ext2& fs, uint32_t ino) {
  Attr attr = TRY(fs.GetAttr(ino));
  std::string out(attr.size, '\0');
  size_t n =
      TRY(fs.Read(ino, 0, kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size())));
  out.resize(n);
  return out;
}

kstd::Result<void> WriteAll(Ext2& fs, uint32_t ino, uint64_t offset, const std::string& data) {
  size_t n = TRY(fs.Write(
      ino, offset,
      kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size())));
  if (n != data.size()) return kstd::Error::kNoSpace;
  return kstd::Ok();
}

std::string ReadLinkString(Ext2& fs, uint32_t ino) {
  char buffer[4096];
  auto n = fs.ReadLink(ino, kstd::Span<char>(buffer, sizeof(buffer)));
  if (n.is_error()) return "<error>";
  return std::string(buffer, n.value() < sizeof(buffer) ? n.value() : sizeof(buffer));
}

kstd::Result<std::vector<DirEntry>> ListDir(Ext2& fs, uint32_t ino, size_t batch) {
  std::vector<DirEntry> all;
  std::vector<DirEntry> buffer(batch);
  uint64_t cursor = 0;
  for (int rounds = 0; rounds < 1000000; ++rounds) {
    size_t n = TRY(fs.ReadDir(ino, &cursor, kstd::Span<DirEntry>(buffer.data(), buffer.size())));
    if (n == 0) return all;
    all.insert(all.end(), buffer.begin(), buffer.begin() + static_cast<long>(n));
  }
  return kstd::Error::kLoop;
}

std::string PatternBytes(size_t size, uint32_t seed) {
  std::string out(size, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<char>(x >> 24);
  }
  return out;
}

}  // namespace servers::fs::ext2::testing
