#include "core/vfs/cpio.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "abi/linux/stat.h"
#include "core/vfs/test_support.h"

namespace core::vfs {
namespace {

using testing::ListNames;
using testing::NewRamFs;
using testing::ReadAll;
using testing::ReadLinkString;

// ---- Fixtures: the real archive made by GNU cpio at build time
// (core/vfs/testdata/make_archive.sh) and the manifest of its staging tree.

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string& Archive() {
  static const std::string* a = new std::string(ReadFileOrDie("core/vfs/testdata/staging.cpio"));
  return *a;
}

struct ManifestEntry {
  std::string path;
  char type;  // f d l p
  uint32_t mode;
  uint64_t size;
  int64_t mtime;
  uint32_t nlink;
  std::string inode;
  std::string extra;  // file bytes (decoded) or symlink target
};

std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

const std::vector<ManifestEntry>& Manifest() {
  static const std::vector<ManifestEntry>* m = [] {
    auto* entries = new std::vector<ManifestEntry>;
    std::istringstream in(ReadFileOrDie("core/vfs/testdata/staging.manifest"));
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      size_t start = 0;
      while (true) {
        size_t tab = line.find('\t', start);
        f.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos) break;
        start = tab + 1;
      }
      EXPECT_EQ(f.size(), 8u) << line;
      if (f.size() != 8) continue;
      ManifestEntry e{f[0],
                      f[1][0],
                      static_cast<uint32_t>(std::stoul(f[2], nullptr, 8)),
                      std::stoull(f[3]),
                      std::stoll(f[4]),
                      static_cast<uint32_t>(std::stoul(f[5])),
                      f[6],
                      f[1] == "f" ? Unhex(f[7]) : f[7]};
      entries->push_back(e);
    }
    return entries;
  }();
  return *m;
}

kstd::ByteSpan Bytes(const std::string& s) {
  return kstd::ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// ---- A small newc writer for hand-made (hostile) archives.

struct Spec {
  std::string name;
  uint32_t mode = linux_abi::kModeRegular | 0644;
  std::string data;
  uint32_t ino = 0;
  uint32_t nlink = 1;
  uint32_t mtime = 0;
  uint32_t rdev_major = 0;
  uint32_t rdev_minor = 0;
  // Overrides for malformed headers.
  int64_t namesize = -1;
  int64_t filesize = -1;
  int64_t check = -1;
  std::string magic = "070701";
};

std::string Entry(const Spec& s) {
  char header[kCpioHeaderSize + 1];
  uint32_t namesize = s.namesize >= 0 ? static_cast<uint32_t>(s.namesize)
                                      : static_cast<uint32_t>(s.name.size() + 1);
  uint32_t filesize =
      s.filesize >= 0 ? static_cast<uint32_t>(s.filesize) : static_cast<uint32_t>(s.data.size());
  uint32_t check = s.check >= 0 ? static_cast<uint32_t>(s.check) : 0;
  std::snprintf(header, sizeof(header), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                s.magic.c_str(), s.ino, s.mode, 0u, 0u, s.nlink, s.mtime, filesize, 0u, 0u,
                s.rdev_major, s.rdev_minor, namesize, check);
  std::string out(header, kCpioHeaderSize);
  out += s.name;
  out.push_back('\0');
  while (out.size() % 4 != 0) out.push_back('\0');
  out += s.data;
  while (out.size() % 4 != 0) out.push_back('\0');
  return out;
}

std::string Trailer() {
  Spec t;
  t.name = "TRAILER!!!";
  t.mode = 0;
  return Entry(t);
}

std::string Pack(const std::vector<Spec>& specs, bool trailer = true) {
  std::string out;
  for (const Spec& s : specs) out += Entry(s);
  if (trailer) out += Trailer();
  return out;
}

Spec File(const std::string& name, const std::string& data, uint32_t mode = 0644) {
  Spec s;
  s.name = name;
  s.data = data;
  s.mode = linux_abi::kModeRegular | mode;
  return s;
}
Spec Dir(const std::string& name, uint32_t mode = 0755) {
  Spec s;
  s.name = name;
  s.mode = linux_abi::kModeDirectory | mode;
  return s;
}
Spec Link(const std::string& name, const std::string& target) {
  Spec s;
  s.name = name;
  s.data = target;
  s.mode = linux_abi::kModeSymlink | 0777;
  return s;
}

class CpioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs = NewRamFs();
    root = fs->Root();
    ASSERT_OK(mounts.MountRoot(fs));
  }
  kstd::Result<CpioStats> Unpack(const std::string& archive) {
    return UnpackCpio(Bytes(archive), root.get(), &error);
  }
  kstd::RefPtr<Vnode> Get(const std::string& path, bool follow = false) {
    ResolveFlags flags;
    flags.follow_final_symlink = follow;
    auto r = Resolve(mounts, Name(path.data(), path.size()), root.get(), root.get(), flags);
    return r.ok() ? r.value().vnode : nullptr;
  }
  std::string ErrorText() const { return error.message; }

  kstd::RefPtr<RamFs> fs;
  kstd::RefPtr<Vnode> root;
  MountTable mounts;
  CpioError error;
};

// ---- The real archive.

TEST_F(CpioTest, RealArchiveRoundTripsEveryFileModeTargetAndLink) {
  ASSERT_FALSE(Manifest().empty());
  auto stats = Unpack(Archive());
  ASSERT_OK(stats) << ErrorText();
  std::map<std::string, Vnode*> by_inode;
  for (const ManifestEntry& m : Manifest()) {
    SCOPED_TRACE(m.path);
    kstd::RefPtr<Vnode> v = Get("/" + m.path);
    ASSERT_TRUE(v);
    Attributes a = v->GetAttr();
    EXPECT_EQ(a.mode & linux_abi::kModePermissionMask, m.mode);
    switch (m.type) {
      case 'f':
        EXPECT_EQ(v->type(), VnodeType::kRegular);
        EXPECT_EQ(a.size, m.size);
        EXPECT_EQ(ReadAll(v.get()), m.extra);
        EXPECT_EQ(a.nlink, m.nlink);
        EXPECT_EQ(a.mtime, m.mtime * testing::kSecond);
        break;
      case 'd':
        EXPECT_EQ(v->type(), VnodeType::kDirectory);
        EXPECT_EQ(a.nlink, m.nlink);  // 2 + subdirectories, as on the host
        EXPECT_EQ(a.mtime, m.mtime * testing::kSecond);
        break;
      case 'l':
        EXPECT_EQ(v->type(), VnodeType::kSymlink);
        EXPECT_EQ(ReadLinkString(v.get()), m.extra);
        EXPECT_EQ(a.size, m.size);
        EXPECT_EQ(a.mtime, m.mtime * testing::kSecond);
        break;
      case 'p': EXPECT_EQ(v->type(), VnodeType::kFifo); break;
      default: ADD_FAILURE() << "manifest type " << m.type;
    }
    if (m.type == 'f' && m.nlink > 1) {
      auto [it, fresh] = by_inode.emplace(m.inode, v.get());
      if (!fresh) {
        EXPECT_EQ(it->second, v.get()) << "hard links must share one vnode";
      }
    }
  }
  // Nothing else was created: walk the whole tree.
  std::set<std::string> expected;
  for (const ManifestEntry& m : Manifest()) expected.insert(m.path);
  std::set<std::string> found;
  std::vector<std::string> dirs = {""};
  while (!dirs.empty()) {
    std::string d = dirs.back();
    dirs.pop_back();
    kstd::RefPtr<Vnode> dv = Get("/" + d);
    for (const std::string& n : ListNames(dv.get())) {
      if (n == "." || n == "..") continue;
      std::string p = d.empty() ? n : d + "/" + n;
      found.insert(p);
      if (Get("/" + p)->IsDirectory()) dirs.push_back(p);
    }
  }
  EXPECT_EQ(found, expected);
  EXPECT_EQ(stats.value().hard_links, 2u);
  EXPECT_EQ(stats.value().symlinks, 3u);
  EXPECT_EQ(stats.value().special, 1u);
  // The root entry "." gave the root its mode.
  EXPECT_EQ(root->GetAttr().mode & 07777, 0755u);
  // Paths through the unpacked symlinks resolve.
  EXPECT_EQ(Get("/bin/sh", true).get(), Get("/bin/busybox").get());
  EXPECT_EQ(Get("/bin/ls", true).get(), Get("/bin/busybox").get());
  EXPECT_FALSE(Get("/etc/dangling", true));
}

TEST_F(CpioTest, ReaderWalksTheRealArchive) {
  CpioReader reader(Bytes(Archive()));
  CpioEntry e;
  std::vector<std::string> names;
  while (true) {
    auto next = reader.Next(&e);
    ASSERT_OK(next) << reader.error().message;
    if (!next.value()) break;
    names.emplace_back(e.name.data(), e.name.size());
    EXPECT_EQ(e.offset % 4, 0u);
  }
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), ".");
  EXPECT_EQ(names.size(), Manifest().size() + 1);
  EXPECT_EQ(reader.position(), Archive().size());  // the block padding was skipped
}

// Every truncation up to the end of the trailer is an error (and never a
// crash); past it (GNU cpio's 512-byte block padding) the archive is whole.
TEST_F(CpioTest, TruncationAtEveryLength) {
  const std::string& full = Archive();
  size_t trailer = full.find("TRAILER!!!");
  ASSERT_NE(trailer, std::string::npos);
  size_t whole_from = (trailer + 11 + 3) & ~size_t{3};
  for (size_t len = 0; len < full.size(); ++len) {
    CpioError err;
    auto r = UnpackCpio(kstd::ByteSpan(reinterpret_cast<const uint8_t*>(full.data()), len),
                        root.get(), &err);
    if (len < whole_from) {
      ASSERT_FALSE(r.ok()) << "length " << len;
      ASSERT_EQ(r.error(), kstd::Error::kBadMessage) << len;
      ASSERT_NE(err.message[0], '\0');
      ASSERT_LE(err.offset, len);
    } else {
      ASSERT_TRUE(r.ok()) << "length " << len << ": " << err.message;
    }
  }
}

TEST_F(CpioTest, MalformedArchivesChangeNothing) {
  std::string cut = Archive().substr(0, Archive().size() / 2);
  EXPECT_ERR(Unpack(cut), kBadMessage);
  EXPECT_EQ(ListNames(root.get()), (std::vector<std::string>{".", ".."}));
}

TEST_F(CpioTest, RandomCorruptionNeverCrashes) {
  std::mt19937 rng(20240601);
  const std::string& full = Archive();
  int failures = 0;
  for (int round = 0; round < 1500; ++round) {
    std::string copy = full;
    int flips = 1 + static_cast<int>(rng() % 8);
    // Mostly in headers and names (the interesting part), sometimes anywhere.
    for (int i = 0; i < flips; ++i) {
      size_t at = (round % 2 == 0) ? rng() % 4096 : rng() % copy.size();
      copy[at] = static_cast<char>(rng() & 0xff);
    }
    kstd::RefPtr<RamFs> scratch = NewRamFs();
    kstd::RefPtr<Vnode> scratch_root = scratch->Root();
    CpioError err;
    auto r = UnpackCpio(Bytes(copy), scratch_root.get(), &err);
    if (!r.ok()) {
      ++failures;
      ASSERT_NE(err.message[0], '\0');
    }
    scratch_root.reset();
    scratch->Shutdown();
  }
  EXPECT_GT(failures, 100);  // corruption is noticed, not silently absorbed
}

// ---- Header validation, one field at a time.

TEST_F(CpioTest, BadMagicNamesTheField) {
  Spec s = File("a", "x");
  s.magic = "070707";  // the old binary-ish "odc" format
  EXPECT_ERR(Unpack(Pack({s})), kBadMessage);
  EXPECT_STREQ(error.field, "magic");
  EXPECT_EQ(error.offset, 0u);
  EXPECT_NE(ErrorText().find("offset 0"), std::string::npos) << ErrorText();
}

TEST_F(CpioTest, BadHexDigitNamesFieldAndOffset) {
  std::string a = Pack({File("ok", "1"), File("bad", "2")});
  size_t second = Entry(File("ok", "1")).size();
  a[second + 6 + 8 * 6 + 3] = 'g';  // filesize of the second entry
  EXPECT_ERR(Unpack(a), kBadMessage);
  EXPECT_STREQ(error.field, "filesize");
  EXPECT_EQ(error.offset, second + 6 + 8 * 6 + 3);
  a[second + 6 + 8 * 6 + 3] = ' ';
  EXPECT_ERR(Unpack(a), kBadMessage);
  std::string lower = Pack({File("ok", "1")});
  for (size_t i = 6; i < kCpioHeaderSize; ++i) lower[i] = static_cast<char>(std::tolower(lower[i]));
  EXPECT_OK(Unpack(lower));  // lower-case hex is fine
}

TEST_F(CpioTest, NamesizeBounds) {
  Spec s = File("a", "x");
  s.namesize = 1;  // just the NUL: an empty name
  EXPECT_ERR(Unpack(Pack({s})), kBadMessage);
  EXPECT_STREQ(error.field, "namesize");
  s.namesize = 0;
  EXPECT_ERR(Unpack(Pack({s})), kBadMessage);
  s.namesize = 4097;
  EXPECT_ERR(Unpack(Pack({s})), kBadMessage);
  EXPECT_STREQ(error.field, "namesize");
  s.namesize = 0x7fffffff;
  EXPECT_ERR(Unpack(Pack({s})), kBadMessage);
}

TEST_F(CpioTest, NameMustEndInItsNulAndHaveNoOther) {
  Spec s = File("abc", "x");
  s.namesize = 3;  // NUL expected where 'c' is
  EXPECT_ERR(Unpack(Pack({s})), kBadMessage);
  EXPECT_STREQ(error.field, "name");
  Spec inner = File(std::string("a\0b", 3), "x");
  EXPECT_ERR(Unpack(Pack({inner})), kBadMessage);
  EXPECT_STREQ(error.field, "name");
  EXPECT_EQ(error.offset, kCpioHeaderSize + 1);
}

TEST_F(CpioTest, PaddingMustBeZero) {
  std::string a = Pack({File("ab", "xyz")});
  // Header 110 + "ab\0" = 113, padded to 116; data 3 bytes padded to 4.
  a[114] = 'p';
  EXPECT_ERR(Unpack(a), kBadMessage);
  EXPECT_STREQ(error.field, "name");
  a = Pack({File("ab", "xyz")});
  a[119] = 'p';
  EXPECT_ERR(Unpack(a), kBadMessage);
  EXPECT_STREQ(error.field, "filesize");
}

TEST_F(CpioTest, FilesizeMustFitInTheArchive) {
  Spec s = File("a", "x");
  s.filesize = 1000;
  std::string a = Entry(s);
  EXPECT_ERR(Unpack(a), kBadMessage);
  EXPECT_STREQ(error.field, "filesize");
  s.filesize = 0xffffffff;
  EXPECT_ERR(Unpack(Entry(s)), kBadMessage);
}

TEST_F(CpioTest, CheckFieldAndCrcFormat) {
  Spec s = File("a", "abc");
  s.check = 5;
  EXPECT_ERR(Unpack(Pack({s})), kBadMessage);
  EXPECT_STREQ(error.field, "check");
  s.magic = "070702";
  s.check = 'a' + 'b' + 'c';
  EXPECT_OK(Unpack(Pack({s})));
  EXPECT_EQ(ReadAll(Get("/a").get()), "abc");
  s.check = 1;
  EXPECT_ERR(Unpack(Pack({s})), kBadMessage);
  EXPECT_STREQ(error.field, "check");
}

TEST_F(CpioTest, MissingTrailerIsAnError) {
  EXPECT_ERR(Unpack(Pack({File("a", "x")}, /*trailer=*/false)), kBadMessage);
  EXPECT_STREQ(error.field, "trailer");
  EXPECT_ERR(Unpack(""), kBadMessage);
}

TEST_F(CpioTest, ModeAndTypeRules) {
  Spec unknown = File("a", "");
  unknown.mode = 0170644;
  EXPECT_ERR(Unpack(Pack({unknown})), kBadMessage);
  EXPECT_STREQ(error.field, "mode");
  Spec extra_bits = File("a", "");
  extra_bits.mode |= 0x10000000;
  EXPECT_ERR(Unpack(Pack({extra_bits})), kBadMessage);
  Spec dir_with_data = Dir("d");
  dir_with_data.data = "oops";
  EXPECT_ERR(Unpack(Pack({dir_with_data})), kBadMessage);
  EXPECT_STREQ(error.field, "filesize");
  EXPECT_ERR(Unpack(Pack({Link("l", "")})), kBadMessage);
  EXPECT_ERR(Unpack(Pack({Link("l", std::string("a\0b", 3))})), kBadMessage);
  EXPECT_ERR(Unpack(Pack({Link("l", std::string(4096, 'x'))})), kBadMessage);
}

// ---- Names.

TEST_F(CpioTest, DotDotNeverEscapes) {
  for (const char* name : {"..", "../etc/passwd", "a/../../x", "a/..", "./../x", "/../x"}) {
    SCOPED_TRACE(name);
    EXPECT_ERR(Unpack(Pack({File("fine", "1"), File(name, "evil")})), kBadMessage);
    EXPECT_STREQ(error.field, "name");
    EXPECT_FALSE(Get("/fine"));  // validated before anything was created
  }
}

TEST_F(CpioTest, AbsoluteAndDotPrefixesAreRelativeToTheRoot) {
  ASSERT_OK(Unpack(Pack({File("/abs/file", "1"), File("./dot/file", "2"), File("././x//y///z", "3"),
                         File("a/./b/./c", "4")})))
      << ErrorText();
  EXPECT_EQ(ReadAll(Get("/abs/file").get()), "1");
  EXPECT_EQ(ReadAll(Get("/dot/file").get()), "2");
  EXPECT_EQ(ReadAll(Get("/x/y/z").get()), "3");
  EXPECT_EQ(ReadAll(Get("/a/b/c").get()), "4");
}

TEST_F(CpioTest, MissingParentsAreCreated) {
  ASSERT_OK(Unpack(Pack({File("p/q/r/file", "deep")})));
  kstd::RefPtr<Vnode> q = Get("/p/q");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->GetAttr().mode, linux_abi::kModeDirectory | 0755);
  EXPECT_EQ(ReadAll(Get("/p/q/r/file").get()), "deep");
}

TEST_F(CpioTest, OverlongComponentIsRejected) {
  EXPECT_ERR(Unpack(Pack({File(std::string(256, 'n'), "x")})), kNameTooLong);
  EXPECT_OK(Unpack(Pack({File(std::string(255, 'n'), "x")})));
}

TEST_F(CpioTest, SymlinkParentsAreNeverFollowed) {
  ASSERT_OK(root->Create("etc", testing::DirRequest()));
  EXPECT_ERR(Unpack(Pack({Link("l", "/etc"), File("l/passwd", "evil")})), kNotDirectory);
  EXPECT_FALSE(Get("/etc/passwd"));
  EXPECT_NE(ErrorText().find("l/passwd"), std::string::npos) << ErrorText();
}

TEST_F(CpioTest, FileAsParentIsRejected) {
  EXPECT_ERR(Unpack(Pack({File("f", "x"), File("f/x", "y")})), kNotDirectory);
}

TEST_F(CpioTest, ExistingEntries) {
  // A file replaces a file; a directory entry updates an existing directory;
  // a file cannot replace a directory and a directory not a file.
  ASSERT_OK(Unpack(Pack({File("f", "old"), Dir("d", 0700), File("f", "new"), Dir("d", 0711)})));
  EXPECT_EQ(ReadAll(Get("/f").get()), "new");
  EXPECT_EQ(Get("/d")->GetAttr().mode, linux_abi::kModeDirectory | 0711);
  EXPECT_ERR(Unpack(Pack({File("d", "x")})), kExists);
  EXPECT_ERR(Unpack(Pack({Dir("f")})), kExists);
  ASSERT_OK(Unpack(Pack({Link("f", "target")})));  // a symlink replaces a file
  EXPECT_EQ(ReadLinkString(Get("/f").get()), "target");
}

TEST_F(CpioTest, DotEntrySetsTheRoot) {
  Spec dot = Dir(".", 0700);
  ASSERT_OK(Unpack(Pack({dot})));
  EXPECT_EQ(root->GetAttr().mode, linux_abi::kModeDirectory | 0700);
  Spec bad = File(".", "x");
  EXPECT_ERR(Unpack(Pack({bad})), kBadMessage);
}

// ---- Types, modes, links.

TEST_F(CpioTest, ModesOwnersAndTimesAreApplied) {
  Spec s = File("suid", "x", 04755);
  s.mtime = 1234567890;
  Spec sticky = Dir("tmp", 01777);
  sticky.mtime = 1111111111;
  Spec inner = File("tmp/in", "y");
  ASSERT_OK(Unpack(Pack({s, sticky, inner})));
  Attributes a = Get("/suid")->GetAttr();
  EXPECT_EQ(a.mode, linux_abi::kModeRegular | 04755);  // setuid survives (mode set after owner)
  EXPECT_EQ(a.mtime, 1234567890 * testing::kSecond);
  EXPECT_EQ(a.atime, 1234567890 * testing::kSecond);
  Attributes t = Get("/tmp")->GetAttr();
  EXPECT_EQ(t.mode, linux_abi::kModeDirectory | 01777);
  EXPECT_EQ(t.mtime, 1111111111 * testing::kSecond);  // not clobbered by tmp/in
}

TEST_F(CpioTest, DeviceNodesFifosAndSockets) {
  Spec null_dev;
  null_dev.name = "dev/null";
  null_dev.mode = linux_abi::kModeCharDevice | 0666;
  null_dev.rdev_major = 1;
  null_dev.rdev_minor = 3;
  Spec disk = null_dev;
  disk.name = "dev/sda";
  disk.mode = linux_abi::kModeBlockDevice | 0660;
  disk.rdev_major = 8;
  disk.rdev_minor = 0;
  Spec fifo;
  fifo.name = "fifo";
  fifo.mode = linux_abi::kModeFifo | 0600;
  Spec sock;
  sock.name = "sock";
  sock.mode = linux_abi::kModeSocket | 0755;
  auto stats = Unpack(Pack({null_dev, disk, fifo, sock}));
  ASSERT_OK(stats);
  EXPECT_EQ(stats.value().special, 4u);
  Attributes a = Get("/dev/null")->GetAttr();
  EXPECT_EQ(a.mode, linux_abi::kModeCharDevice | 0666);
  EXPECT_EQ(a.rdev, linux_abi::MakeDev(1, 3));
  EXPECT_EQ(Get("/dev/sda")->GetAttr().rdev, linux_abi::MakeDev(8, 0));
  EXPECT_EQ(Get("/fifo")->type(), VnodeType::kFifo);
  EXPECT_EQ(Get("/sock")->type(), VnodeType::kSocket);
}

TEST_F(CpioTest, HardLinksWithDataOnTheLastOrTheFirstLink) {
  // GNU cpio style: data on the last link.
  Spec a = File("h/a", "");
  a.ino = 77;
  a.nlink = 3;
  Spec b = a;
  b.name = "h/b";
  Spec c = a;
  c.name = "c";
  c.data = "shared";
  // Other writers put the data first.
  Spec x = File("x", "first");
  x.ino = 88;
  x.nlink = 2;
  Spec y = File("y", "");
  y.ino = 88;
  y.nlink = 2;
  auto stats = Unpack(Pack({a, b, c, x, y}));
  ASSERT_OK(stats) << ErrorText();
  EXPECT_EQ(stats.value().hard_links, 3u);
  kstd::RefPtr<Vnode> va = Get("/h/a");
  EXPECT_EQ(va.get(), Get("/h/b").get());
  EXPECT_EQ(va.get(), Get("/c").get());
  EXPECT_EQ(ReadAll(va.get()), "shared");
  EXPECT_EQ(va->GetAttr().nlink, 3u);
  EXPECT_EQ(Get("/x").get(), Get("/y").get());
  EXPECT_EQ(ReadAll(Get("/y").get()), "first");
}

TEST_F(CpioTest, SameInodeWithNlinkOneIsNotALink) {
  Spec a = File("a", "1");
  a.ino = 5;
  Spec b = File("b", "2");
  b.ino = 5;
  ASSERT_OK(Unpack(Pack({a, b})));
  EXPECT_NE(Get("/a").get(), Get("/b").get());
}

// ---- Archive framing.

TEST_F(CpioTest, ConcatenatedArchivesAndZeroPadding) {
  std::string first = Pack({File("one", "1")});
  first.append(512, '\0');
  std::string second = Pack({File("two", "2")});
  ASSERT_OK(Unpack(first + second + std::string(100, '\0')));
  EXPECT_TRUE(Get("/one"));
  EXPECT_TRUE(Get("/two"));
}

TEST_F(CpioTest, GarbageAfterTheTrailerIsAnError) {
  EXPECT_ERR(Unpack(Pack({File("one", "1")}) + "junk"), kBadMessage);
  EXPECT_STREQ(error.field, "header");  // too short for another archive's header
  EXPECT_ERR(Unpack(Pack({File("one", "1")}) + std::string(200, 'j')), kBadMessage);
  EXPECT_STREQ(error.field, "magic");
  EXPECT_ERR(Unpack(Pack({File("one", "1")}) + std::string(3, '\0') + "x"), kBadMessage);
}

TEST_F(CpioTest, ManyEmptyArchivesDoNotExhaustTheStack) {
  std::string many;
  for (int i = 0; i < 20000; ++i) many += Trailer();
  auto stats = Unpack(many);
  ASSERT_OK(stats) << ErrorText();
  EXPECT_EQ(stats.value().entries, 0u);
}

TEST_F(CpioTest, SpaceRunningOutIsReportedWithTheEntry) {
  kstd::RefPtr<RamFs> small = NewRamFs({.name = "tmpfs", .max_bytes = 4096});
  kstd::RefPtr<Vnode> small_root = small->Root();
  CpioError err;
  auto r = UnpackCpio(Bytes(Pack({File("a", "x"), File("big", std::string(10000, 'b'))})),
                      small_root.get(), &err);
  EXPECT_ERR(r, kNoSpace);
  EXPECT_NE(std::string(err.message).find("\"big\""), std::string::npos) << err.message;
  EXPECT_EQ(err.offset, Entry(File("a", "x")).size());
  small_root.reset();
  small->Shutdown();
}

}  // namespace
}  // namespace core::vfs
