#include "hal/x86_64/boot/multiboot2.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

// Most blocks here are built byte by byte from the specification (§3.6).
// testdata/grub_q35_512m.mbi is a real block captured from GRUB 2.06 booting
// Tessera on QEMU q35 (see testdata/README.md); it gets the same invariants
// and mutation checks as the synthetic one.

namespace hal::x86_64 {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint64_t kInfoPhys = 0x10000;

void Put32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void Put64(Bytes& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void Set32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
Bytes Str(const std::string& s, bool nul = true) {
  Bytes b(s.begin(), s.end());
  if (nul) b.push_back(0);
  return b;
}

struct MemEntry {
  uint64_t base;
  uint64_t length;
  uint32_t type;
};

// Builds a boot information block tag by tag; Build() adds the end tag and
// total_size. Offsets of the tags added are kept for messages.
class MbiBuilder {
 public:
  MbiBuilder() { bytes_.assign(8, 0); }

  /// A tag whose size field says `size` (normally 8 + payload), padded to 8.
  MbiBuilder& RawTag(uint32_t type, uint32_t size, const Bytes& payload) {
    offsets_.push_back(bytes_.size());
    Put32(bytes_, type);
    Put32(bytes_, size);
    bytes_.insert(bytes_.end(), payload.begin(), payload.end());
    while (bytes_.size() % 8 != 0) bytes_.push_back(0);
    return *this;
  }
  MbiBuilder& Tag(uint32_t type, const Bytes& payload) {
    return RawTag(type, static_cast<uint32_t>(8 + payload.size()), payload);
  }
  MbiBuilder& Cmdline(const std::string& s) { return Tag(1, Str(s)); }
  MbiBuilder& LoaderName(const std::string& s) { return Tag(2, Str(s)); }
  MbiBuilder& Module(uint32_t start, uint32_t end, const std::string& cmdline) {
    Bytes p;
    Put32(p, start);
    Put32(p, end);
    Bytes s = Str(cmdline);
    p.insert(p.end(), s.begin(), s.end());
    return Tag(3, p);
  }
  MbiBuilder& MemoryMap(const std::vector<MemEntry>& entries, uint32_t entry_size = 24,
                        uint32_t entry_version = 0) {
    Bytes p;
    Put32(p, entry_size);
    Put32(p, entry_version);
    for (const MemEntry& e : entries) {
      size_t start = p.size();
      Put64(p, e.base);
      Put64(p, e.length);
      Put32(p, e.type);
      Put32(p, 0);
      while (p.size() - start < entry_size) p.push_back(0xee);  // later-version fields
    }
    return Tag(6, p);
  }
  MbiBuilder& Rsdp(uint32_t type, size_t n, uint8_t fill) {
    Bytes p(n, fill);
    if (n >= 8) std::copy_n("RSD PTR ", 8, p.begin());
    return Tag(type, p);
  }
  Bytes Build(bool end_tag = true) {
    Bytes b = bytes_;
    if (end_tag) {
      Put32(b, 0);
      Put32(b, 8);
    }
    Set32(b, 0, static_cast<uint32_t>(b.size()));
    return b;
  }
  size_t offset(size_t tag_index) const { return offsets_.at(tag_index); }

 private:
  Bytes bytes_;
  std::vector<size_t> offsets_;
};

const std::vector<MemEntry> kQemuLikeMap = {
    {0x0, 0x9fc00, 1},        {0x9fc00, 0x400, 2},      {0xf0000, 0x10000, 2},
    {0x100000, 0x7ee0000, 1}, {0x7fe0000, 0x20000, 2},  {0xb0000000, 0x10000000, 2},
    {0xfed1c000, 0x4000, 2},  {0xfffc0000, 0x40000, 2},
};

struct Parsed {
  bool ok = false;
  kstd::Error error = kstd::Error::kInvalid;
  std::string why;
  std::unique_ptr<hal::BootInfo> info = std::make_unique<hal::BootInfo>();
};

// Parses a copy of `bytes` in a buffer of exactly that size, so that AddressSanitizer
// (`bazel test --config=asan`) catches any read past the end.
Parsed Parse(const Bytes& bytes, uint64_t phys = kInfoPhys) {
  Parsed p;
  std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size()]);
  std::copy(bytes.begin(), bytes.end(), copy.get());
  const char* why = nullptr;
  kstd::Result<void> r =
      ParseMultiboot2(kstd::ByteSpan(copy.get(), bytes.size()), phys, p.info.get(), &why);
  p.ok = r.ok();
  if (!p.ok) {
    p.error = r.error();
    p.why = why != nullptr ? why : "(why not set)";
  }
  return p;
}

// Expects a kBadMessage failure whose `why` contains every one of `parts`.
void ExpectBad(const Bytes& bytes, std::initializer_list<const char*> parts,
               uint64_t phys = kInfoPhys) {
  Parsed p = Parse(bytes, phys);
  ASSERT_FALSE(p.ok) << "parsed a malformed block";
  EXPECT_EQ(p.error, kstd::Error::kBadMessage);
  for (const char* part : parts) EXPECT_NE(p.why.find(part), std::string::npos) << p.why;
  EXPECT_EQ(p.info->memory_count, 0u) << "BootInfo not reset on error";
  EXPECT_EQ(p.info->module_count, 0u);
}

std::string Hex(size_t v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "0x%zx", v);
  return buf;
}

bool Terminated(const char* s, size_t capacity) {
  for (size_t i = 0; i < capacity; ++i) {
    if (s[i] == '\0') return true;
  }
  return false;
}

// Invariants every successfully parsed BootInfo satisfies, whatever the input.
void ExpectWellFormed(const hal::BootInfo& info) {
  ASSERT_LE(info.memory_count, hal::BootInfo::kMaxMemoryRanges);
  ASSERT_LE(info.module_count, hal::BootInfo::kMaxModules);
  EXPECT_GT(info.memory_count, 0u);
  for (size_t i = 0; i < info.memory_count; ++i) {
    EXPECT_NE(info.memory[i].length, 0u);
    EXPECT_GE(info.memory[i].base + info.memory[i].length, info.memory[i].base);
  }
  for (size_t i = 0; i < info.module_count; ++i) {
    EXPECT_GE(info.modules[i].phys_end, info.modules[i].phys_start);
    EXPECT_TRUE(Terminated(info.modules[i].cmdline, hal::BootModule::kMaxCmdline));
  }
  EXPECT_TRUE(Terminated(info.cmdline, hal::BootInfo::kMaxCmdline));
  EXPECT_TRUE(Terminated(info.loader_name, hal::BootInfo::kMaxLoaderName));
  EXPECT_TRUE(info.rsdp_size == 0 || info.rsdp_size == 20 || info.rsdp_size == 36);
  EXPECT_GT(info.info_phys_end, info.info_phys_start);
}

// Truncates `valid` at every length and flips random bytes and fields: every
// result must be a clean success or a kBadMessage with a message, never a crash
// or (under ASan) a read out of bounds.
void ExpectRobustAgainstMutation(const Bytes& valid) {
  for (size_t len = 0; len < valid.size(); ++len) {
    Bytes cut(valid.begin(), valid.begin() + len);
    Parsed p = Parse(cut);
    ASSERT_FALSE(p.ok) << "truncated to " << len;
    EXPECT_EQ(p.error, kstd::Error::kBadMessage);
    // The same prefix, but claiming to be complete: tags are cut mid-way.
    if (len >= 4) {
      Set32(cut, 0, static_cast<uint32_t>(len));
      Parsed q = Parse(cut);
      if (q.ok) {
        ExpectWellFormed(*q.info);
      } else {
        EXPECT_EQ(q.why.rfind("multiboot2: ", 0), 0u) << q.why;
      }
    }
  }
  std::mt19937 rng(12345);  // fixed seed: failures reproduce
  const uint32_t interesting[] = {
      0, 1, 7, 8, 9, 15, 16, 23, 24, 0x7fffffff, 0xffffffff, static_cast<uint32_t>(valid.size())};
  int ok_count = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    Bytes m = valid;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      if (rng() % 3 == 0) {
        size_t at = (rng() % (m.size() / 4)) * 4;
        Set32(m, at, interesting[rng() % std::size(interesting)]);
      } else {
        m[rng() % m.size()] = static_cast<uint8_t>(rng());
      }
    }
    if (rng() % 8 == 0) m.resize(rng() % m.size());
    Parsed p = Parse(m);
    if (p.ok) {
      ++ok_count;
      ExpectWellFormed(*p.info);
    } else {
      ASSERT_EQ(p.error, kstd::Error::kBadMessage);
      ASSERT_EQ(p.why.rfind("multiboot2: ", 0), 0u) << p.why;
    }
  }
  EXPECT_GT(ok_count, 0);  // some flips land in harmless bytes
}

MbiBuilder HappyBuilder() {
  MbiBuilder b;
  b.Cmdline("console=ttyS0 loglevel=7")
      .LoaderName("GRUB 2.06-13+deb12u1")
      .Tag(4, {0x7f, 0x02, 0, 0, 0x80, 0xfb, 0x01, 0})  // basic meminfo: skipped
      .Module(0x200000, 0x2400a0, "init")
      .Module(0x241000, 0x25f123, "fs --verbose")
      .Module(0x260000, 0x460000, "initramfs.cpio")
      .MemoryMap(kQemuLikeMap)
      .Rsdp(14, 20, 0x11)
      .Rsdp(15, 36, 0x22)
      .Tag(21, {1, 2, 3, 4, 5});  // load base address, odd size: skipped, padded
  return b;
}

TEST(Multiboot2, ParsesAFullBlock) {
  Bytes block = HappyBuilder().Build();
  Parsed p = Parse(block);
  ASSERT_TRUE(p.ok) << p.why;
  const hal::BootInfo& info = *p.info;
  ExpectWellFormed(info);

  EXPECT_STREQ(info.cmdline, "console=ttyS0 loglevel=7");
  EXPECT_STREQ(info.loader_name, "GRUB 2.06-13+deb12u1");

  ASSERT_EQ(info.module_count, 3u);
  EXPECT_EQ(info.modules[0].phys_start, 0x200000u);
  EXPECT_EQ(info.modules[0].phys_end, 0x2400a0u);
  EXPECT_STREQ(info.modules[0].cmdline, "init");
  EXPECT_STREQ(info.modules[1].cmdline, "fs --verbose");
  EXPECT_EQ(info.modules[2].phys_end, 0x460000u);
  EXPECT_STREQ(info.modules[2].cmdline, "initramfs.cpio");

  ASSERT_EQ(info.memory_count, kQemuLikeMap.size());
  for (size_t i = 0; i < kQemuLikeMap.size(); ++i) {
    EXPECT_EQ(info.memory[i].base, kQemuLikeMap[i].base);
    EXPECT_EQ(info.memory[i].length, kQemuLikeMap[i].length);
  }
  EXPECT_EQ(info.memory[0].type, hal::MemoryRange::Type::kUsable);
  EXPECT_EQ(info.memory[1].type, hal::MemoryRange::Type::kReserved);
  EXPECT_EQ(info.memory[3].type, hal::MemoryRange::Type::kUsable);

  ASSERT_EQ(info.rsdp_size, 36u);  // the new RSDP wins
  EXPECT_EQ(0, memcmp(info.rsdp, "RSD PTR ", 8));
  EXPECT_EQ(info.rsdp[35], 0x22);

  EXPECT_EQ(info.info_phys_start, kInfoPhys);
  EXPECT_EQ(info.info_phys_end, kInfoPhys + block.size());
}

TEST(Multiboot2, NewRsdpWinsWhicheverComesFirst) {
  MbiBuilder b;
  b.MemoryMap(kQemuLikeMap).Rsdp(15, 36, 0x22).Rsdp(14, 20, 0x11);
  Parsed p = Parse(b.Build());
  ASSERT_TRUE(p.ok) << p.why;
  EXPECT_EQ(p.info->rsdp_size, 36u);
  EXPECT_EQ(p.info->rsdp[35], 0x22);
}

TEST(Multiboot2, OldRsdpAloneIsCopied) {
  MbiBuilder b;
  b.MemoryMap(kQemuLikeMap).Rsdp(14, 20, 0x11);
  Parsed p = Parse(b.Build());
  ASSERT_TRUE(p.ok) << p.why;
  EXPECT_EQ(p.info->rsdp_size, 20u);
  EXPECT_EQ(p.info->rsdp[19], 0x11);
  EXPECT_EQ(p.info->rsdp[20], 0);
}

TEST(Multiboot2, MinimalBlockHasNoOptionalParts) {
  MbiBuilder b;
  b.MemoryMap({{0x100000, 0x1000000, 1}});
  Parsed p = Parse(b.Build());
  ASSERT_TRUE(p.ok) << p.why;
  EXPECT_EQ(p.info->module_count, 0u);
  EXPECT_STREQ(p.info->cmdline, "");
  EXPECT_STREQ(p.info->loader_name, "");
  EXPECT_EQ(p.info->rsdp_size, 0u);
}

TEST(Multiboot2, MapsMemoryTypesAndSkipsEmptyEntries) {
  MbiBuilder b;
  b.MemoryMap({{0x0, 0x1000, 1},
               {0x1000, 0, 1},  // zero length: dropped
               {0x2000, 0x1000, 2},
               {0x3000, 0x1000, 3},
               {0x4000, 0x1000, 4},
               {0x5000, 0x1000, 5},
               {0x6000, 0x1000, 0},
               {0x7000, 0x1000, 99}});
  Parsed p = Parse(b.Build());
  ASSERT_TRUE(p.ok) << p.why;
  using T = hal::MemoryRange::Type;
  const T expected[] = {T::kUsable, T::kReserved, T::kAcpiReclaimable, T::kAcpiNvs,
                        T::kBad,    T::kReserved, T::kReserved};
  ASSERT_EQ(p.info->memory_count, std::size(expected));
  for (size_t i = 0; i < std::size(expected); ++i) {
    EXPECT_EQ(p.info->memory[i].type, expected[i]) << i;
  }
  EXPECT_EQ(p.info->memory[1].base, 0x2000u);
}

TEST(Multiboot2, HonoursLargerEntrySizeOfLaterVersions) {
  MbiBuilder b;
  b.MemoryMap({{0x0, 0x9fc00, 1}, {0x100000, 0x1000000, 1}}, /*entry_size=*/40,
              /*entry_version=*/1);
  Parsed p = Parse(b.Build());
  ASSERT_TRUE(p.ok) << p.why;
  ASSERT_EQ(p.info->memory_count, 2u);
  EXPECT_EQ(p.info->memory[1].base, 0x100000u);
  EXPECT_EQ(p.info->memory[1].length, 0x1000000u);
}

TEST(Multiboot2, AcceptsLimitsExactly) {
  MbiBuilder b;
  std::vector<MemEntry> map;
  for (uint64_t i = 0; i < hal::BootInfo::kMaxMemoryRanges; ++i) {
    map.push_back({i * 0x1000, 0x1000, 1});
  }
  map.push_back({0xdead0000, 0, 1});  // zero length does not count against the limit
  b.MemoryMap(map);
  for (size_t i = 0; i < hal::BootInfo::kMaxModules; ++i) {
    b.Module(0x200000, 0x200000, std::string(hal::BootModule::kMaxCmdline - 1, 'm'));
  }
  b.Cmdline(std::string(hal::BootInfo::kMaxCmdline - 1, 'c'));
  b.LoaderName(std::string(hal::BootInfo::kMaxLoaderName - 1, 'l'));
  Parsed p = Parse(b.Build());
  ASSERT_TRUE(p.ok) << p.why;
  EXPECT_EQ(p.info->memory_count, hal::BootInfo::kMaxMemoryRanges);
  EXPECT_EQ(p.info->module_count, hal::BootInfo::kMaxModules);
  EXPECT_EQ(strlen(p.info->cmdline), hal::BootInfo::kMaxCmdline - 1);
  EXPECT_EQ(p.info->modules[0].phys_start, p.info->modules[0].phys_end);  // empty module
}

// ---- Malformed blocks ----

TEST(Multiboot2Malformed, TooShortForHeader) {
  ExpectBad({}, {"0 bytes", "8-byte header"});
  ExpectBad({16, 0, 0, 0}, {"4 bytes", "8-byte header"});
}

TEST(Multiboot2Malformed, TotalSizeTooSmall) {
  Bytes b = {8, 0, 0, 0, 0, 0, 0, 0};
  ExpectBad(b, {"total_size 8", "too small"});
  Bytes zero(16, 0);
  ExpectBad(zero, {"total_size 0", "too small"});
}

TEST(Multiboot2Malformed, TotalSizeLargerThanBuffer) {
  Bytes b = HappyBuilder().Build();
  Set32(b, 0, static_cast<uint32_t>(b.size() + 8));
  std::string claim = "total_size " + std::to_string(b.size() + 8);
  std::string have = "exceeds the " + std::to_string(b.size()) + " bytes available";
  ExpectBad(b, {claim.c_str(), have.c_str()});
}

TEST(Multiboot2Malformed, TruncatedBuffer) {
  Bytes b = HappyBuilder().Build();
  b.resize(b.size() - 8);
  std::string have = "exceeds the " + std::to_string(b.size()) + " bytes available";
  ExpectBad(b, {have.c_str()});
}

TEST(Multiboot2Malformed, TagOverrunsTotalSize) {
  MbiBuilder mb;
  mb.MemoryMap(kQemuLikeMap).Module(0x200000, 0x300000, "init");
  Bytes b = mb.Build();
  Set32(b, mb.offset(1) + 4, 0x1000);  // the module claims 4 KiB
  std::string where = "tag 3 (module) at offset " + Hex(mb.offset(1));
  ExpectBad(b, {where.c_str(), "overruns total_size"});
}

TEST(Multiboot2Malformed, TagSizeSmallerThanHeader) {
  for (uint32_t size : {0u, 1u, 7u}) {
    MbiBuilder mb;
    mb.MemoryMap(kQemuLikeMap).RawTag(21, size, {});
    ExpectBad(mb.Build(), {"tag 21 (unknown)", "smaller than the 8-byte tag header"});
  }
}

TEST(Multiboot2Malformed, UnterminatedStrings) {
  {
    MbiBuilder mb;
    mb.MemoryMap(kQemuLikeMap).Tag(1, Str("console=ttyS0", /*nul=*/false));
    ExpectBad(mb.Build(), {"tag 1 (kernel cmdline)", "not NUL-terminated"});
  }
  {
    MbiBuilder mb;
    mb.MemoryMap(kQemuLikeMap).Tag(2, Str("GRUB", false));
    ExpectBad(mb.Build(), {"tag 2 (loader name)", "not NUL-terminated"});
  }
  {
    MbiBuilder mb;
    Bytes p;
    Put32(p, 0x200000);
    Put32(p, 0x300000);
    Bytes s = Str("init", false);
    p.insert(p.end(), s.begin(), s.end());
    mb.MemoryMap(kQemuLikeMap).Tag(3, p);
    ExpectBad(mb.Build(), {"tag 3 (module)", "not NUL-terminated"});
  }
  {
    // The NUL lies in the padding after the tag, not inside it.
    MbiBuilder mb;
    mb.MemoryMap(kQemuLikeMap).Tag(1, Str("abc", false));
    ExpectBad(mb.Build(), {"not NUL-terminated"});
  }
  {
    MbiBuilder mb;
    mb.MemoryMap(kQemuLikeMap).Tag(1, {});  // no room for even the NUL
    ExpectBad(mb.Build(), {"tag 1", "not NUL-terminated"});
  }
}

TEST(Multiboot2Malformed, StringsTooLongForBootInfo) {
  {
    MbiBuilder mb;
    mb.MemoryMap(kQemuLikeMap).Cmdline(std::string(hal::BootInfo::kMaxCmdline, 'c'));
    ExpectBad(mb.Build(), {"tag 1 (kernel cmdline)", "256 bytes exceeds the 255-byte limit"});
  }
  {
    MbiBuilder mb;
    mb.MemoryMap(kQemuLikeMap).LoaderName(std::string(100, 'l'));
    ExpectBad(mb.Build(), {"tag 2 (loader name)", "exceeds the 63-byte limit"});
  }
  {
    MbiBuilder mb;
    mb.MemoryMap(kQemuLikeMap).Module(1, 2, std::string(hal::BootModule::kMaxCmdline, 'm'));
    ExpectBad(mb.Build(), {"tag 3 (module)", "exceeds the 127-byte limit"});
  }
}

TEST(Multiboot2Malformed, MissingEndTag) {
  MbiBuilder mb;
  mb.MemoryMap(kQemuLikeMap).Cmdline("x");
  ExpectBad(mb.Build(/*end_tag=*/false), {"no end tag"});
}

TEST(Multiboot2Malformed, EndTagWithWrongSize) {
  MbiBuilder mb;
  mb.MemoryMap(kQemuLikeMap).RawTag(0, 16, Bytes(8, 0));
  ExpectBad(mb.Build(/*end_tag=*/false), {"end tag has size 16, not 8"});
}

TEST(Multiboot2Malformed, DataAfterEndTag) {
  MbiBuilder mb;
  mb.MemoryMap(kQemuLikeMap).Tag(0, {}).Cmdline("hidden");
  std::string where = "at offset " + Hex(mb.offset(1));
  ExpectBad(mb.Build(), {where.c_str(), "end tag is not at the end of total_size"});
}

TEST(Multiboot2Malformed, PaddingRunsPastTotalSize) {
  // The last tag's size is not a multiple of 8 and total_size stops right after
  // it, so there is no room for the end tag after the padding.
  MbiBuilder mb;
  mb.MemoryMap(kQemuLikeMap).Tag(21, {1, 2, 3, 4});
  Bytes b = mb.Build(/*end_tag=*/false);
  b.resize(b.size() - 4);
  Set32(b, 0, static_cast<uint32_t>(b.size()));
  ExpectBad(b, {"no end tag"});
}

TEST(Multiboot2Malformed, NoMemoryMap) {
  MbiBuilder mb;
  mb.Cmdline("console=ttyS0").Module(0x200000, 0x300000, "init");
  ExpectBad(mb.Build(), {"no memory map"});
}

TEST(Multiboot2Malformed, EmptyMemoryMap) {
  {
    MbiBuilder mb;
    mb.MemoryMap({});
    ExpectBad(mb.Build(), {"empty memory map"});
  }
  {
    MbiBuilder mb;
    mb.MemoryMap({{0x0, 0, 1}, {0x100000, 0, 1}});
    ExpectBad(mb.Build(), {"empty memory map"});
  }
}

TEST(Multiboot2Malformed, BadEntrySize) {
  for (uint32_t entry_size : {0u, 8u, 16u, 20u, 28u}) {
    MbiBuilder mb;
    Bytes p;
    Put32(p, entry_size);
    Put32(p, 0);
    p.resize(8 + 48, 0);
    mb.Tag(6, p);
    std::string field = "entry_size " + std::to_string(entry_size);
    ExpectBad(mb.Build(), {"tag 6 (memory map)", field.c_str()});
  }
}

TEST(Multiboot2Malformed, EntriesDoNotFillMemoryMap) {
  MbiBuilder mb;
  mb.MemoryMap(kQemuLikeMap);
  Bytes b = mb.Build();
  Set32(b, mb.offset(0) + 4, 16 + 24 * static_cast<uint32_t>(kQemuLikeMap.size()) - 8);
  ExpectBad(b, {"tag 6 (memory map)", "do not fill"});
}

TEST(Multiboot2Malformed, MemoryMapTagTooShort) {
  MbiBuilder mb;
  mb.Tag(6, {24, 0, 0, 0});
  ExpectBad(mb.Build(), {"tag 6 (memory map)", "too small for a memory map"});
}

TEST(Multiboot2Malformed, MemoryRangeWraps) {
  MbiBuilder mb;
  mb.MemoryMap({{0x1000, 0x1000, 1}, {0xfffffffffffff000, 0x1000, 2}});
  ExpectBad(mb.Build(), {"tag 6 (memory map)", "entry 1", "wraps past 2^64"});
}

TEST(Multiboot2Malformed, TooManyMemoryRanges) {
  std::vector<MemEntry> map;
  for (uint64_t i = 0; i <= hal::BootInfo::kMaxMemoryRanges; ++i) {
    map.push_back({i * 0x1000, 0x1000, 1});
  }
  MbiBuilder mb;
  mb.MemoryMap(map);
  ExpectBad(mb.Build(), {"more than 64 memory ranges"});
}

TEST(Multiboot2Malformed, TooManyModules) {
  MbiBuilder mb;
  mb.MemoryMap(kQemuLikeMap);
  for (size_t i = 0; i <= hal::BootInfo::kMaxModules; ++i) mb.Module(0x200000, 0x201000, "m");
  std::string where = "at offset " + Hex(mb.offset(hal::BootInfo::kMaxModules + 1));
  ExpectBad(mb.Build(), {"more than 32 modules", where.c_str()});
}

TEST(Multiboot2Malformed, ModuleEndBeforeStart) {
  MbiBuilder mb;
  mb.MemoryMap(kQemuLikeMap).Module(0x300000, 0x2fffff, "init");
  ExpectBad(mb.Build(), {"tag 3 (module)", "mod_end 0x2fffff < mod_start 0x300000"});
}

TEST(Multiboot2Malformed, ModuleTagTooShort) {
  MbiBuilder mb;
  mb.MemoryMap(kQemuLikeMap).Tag(3, Bytes(8, 0));  // addresses, but no string at all
  ExpectBad(mb.Build(), {"tag 3 (module)", "too small for a module tag"});
}

TEST(Multiboot2Malformed, DuplicateSingleTags) {
  {
    MbiBuilder mb;
    mb.MemoryMap(kQemuLikeMap).MemoryMap({{0, 0x1000, 1}});
    ExpectBad(mb.Build(), {"tag 6 (memory map)", "duplicate"});
  }
  {
    MbiBuilder mb;
    mb.MemoryMap(kQemuLikeMap).Cmdline("a").Cmdline("b");
    ExpectBad(mb.Build(), {"tag 1 (kernel cmdline)", "duplicate"});
  }
  {
    MbiBuilder mb;
    mb.MemoryMap(kQemuLikeMap).Rsdp(15, 36, 1).Rsdp(15, 36, 2);
    ExpectBad(mb.Build(), {"tag 15 (ACPI new RSDP)", "duplicate"});
  }
}

TEST(Multiboot2Malformed, RsdpTooShort) {
  {
    MbiBuilder mb;
    mb.MemoryMap(kQemuLikeMap).Rsdp(15, 20, 0x22);  // a v1-sized copy in the v2 tag
    ExpectBad(mb.Build(), {"tag 15 (ACPI new RSDP)", "fewer than 36 RSDP bytes"});
  }
  {
    MbiBuilder mb;
    mb.MemoryMap(kQemuLikeMap).Rsdp(14, 12, 0x11);
    ExpectBad(mb.Build(), {"tag 14 (ACPI old RSDP)", "fewer than 20 RSDP bytes"});
  }
}

TEST(Multiboot2Malformed, BadPhysicalAddress) {
  Bytes b = HappyBuilder().Build();
  ExpectBad(b, {"info_phys 0x10004 is not 8-byte aligned"}, kInfoPhys + 4);
  ExpectBad(b, {"wraps past 2^64"}, 0xfffffffffffffff8);
}

TEST(Multiboot2Malformed, ErrorResetsPreviousContents) {
  hal::BootInfo info;
  info.memory_count = 5;
  info.module_count = 2;
  info.cmdline[0] = 'x';
  Bytes b = {4, 0, 0, 0, 0, 0, 0, 0};
  const char* why = nullptr;
  EXPECT_TRUE(ParseMultiboot2(kstd::ByteSpan(b.data(), b.size()), 0, &info, &why).is_error());
  EXPECT_NE(why, nullptr);
  EXPECT_EQ(info.memory_count, 0u);
  EXPECT_EQ(info.module_count, 0u);
  EXPECT_EQ(info.cmdline[0], '\0');
  // `why` is optional.
  EXPECT_TRUE(ParseMultiboot2(kstd::ByteSpan(b.data(), b.size()), 0, &info, nullptr).is_error());
}

TEST(Multiboot2Fuzz, SurvivesTruncationAndMutation) {
  ExpectRobustAgainstMutation(HappyBuilder().Build());
}

// ---- hal::ModuleName, on modules as the parser produces them ----

TEST(ModuleName, IsTheFirstWordOfTheCmdline) {
  MbiBuilder mb;
  mb.MemoryMap(kQemuLikeMap)
      .Module(0, 1, "init")
      .Module(0, 1, "fs --verbose root=/dev/vda")
      .Module(0, 1, " \tnet\targs")
      .Module(0, 1, "");
  Parsed p = Parse(mb.Build());
  ASSERT_TRUE(p.ok) << p.why;
  char buf[hal::BootModule::kMaxCmdline];
  EXPECT_STREQ(hal::ModuleName(p.info->modules[0], buf, sizeof(buf)), "init");
  EXPECT_STREQ(hal::ModuleName(p.info->modules[1], buf, sizeof(buf)), "fs");
  EXPECT_STREQ(hal::ModuleName(p.info->modules[2], buf, sizeof(buf)), "net");
  EXPECT_STREQ(hal::ModuleName(p.info->modules[3], buf, sizeof(buf)), "");
}

TEST(ModuleName, RefusesToTruncate) {
  hal::BootModule module;
  memcpy(module.cmdline, "init x", 7);
  char buf[5];
  EXPECT_STREQ(hal::ModuleName(module, buf, 5), "init");
  EXPECT_EQ(hal::ModuleName(module, buf, 4), nullptr);  // "ini" would name another module
  EXPECT_EQ(hal::ModuleName(module, buf, 0), nullptr);
  hal::BootModule full;  // a cmdline using every byte, as no parser produces
  memset(full.cmdline, 'a', sizeof(full.cmdline));
  char big[hal::BootModule::kMaxCmdline + 1];
  ASSERT_NE(hal::ModuleName(full, big, sizeof(big)), nullptr);
  EXPECT_EQ(strlen(big), hal::BootModule::kMaxCmdline);
}

Bytes ReadFixture(const char* name) {
  std::string path = std::string("hal/x86_64/boot/testdata/") + name;
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) return {};
  Bytes bytes;
  int c;
  while ((c = fgetc(f)) != EOF) bytes.push_back(static_cast<uint8_t>(c));
  fclose(f);
  return bytes;
}

TEST(Multiboot2RealGrub, ParsesCapturedQ35Block) {
  Bytes block = ReadFixture("grub_q35_512m.mbi");
  ASSERT_EQ(block.size(), 1208u);
  Parsed p = Parse(block);
  ASSERT_TRUE(p.ok) << p.why;
  const hal::BootInfo& info = *p.info;
  ExpectWellFormed(info);
  EXPECT_STREQ(info.cmdline, "tessera.dump_mbi tessera.test=boot");
  EXPECT_EQ(std::string(info.loader_name).rfind("GRUB 2.06", 0), 0u) << info.loader_name;
  // QEMU q35 with 512 MiB: 9 e820 ranges, two of them usable.
  ASSERT_EQ(info.memory_count, 9u);
  EXPECT_EQ(info.memory[0].base, 0u);
  EXPECT_EQ(info.memory[0].length, 0x9fc00u);
  EXPECT_EQ(info.memory[0].type, hal::MemoryRange::Type::kUsable);
  EXPECT_EQ(info.memory[3].base, 0x100000u);
  EXPECT_EQ(info.memory[3].length, 0x1ffdf000u - 0x100000u);
  EXPECT_EQ(info.memory[3].type, hal::MemoryRange::Type::kUsable);
  EXPECT_EQ(info.memory[4].type, hal::MemoryRange::Type::kReserved);
  ASSERT_EQ(info.module_count, 2u);
  EXPECT_STREQ(info.modules[0].cmdline, "init --from-test");
  EXPECT_STREQ(info.modules[1].cmdline, "notes");
  char name[hal::BootModule::kMaxCmdline];
  EXPECT_STREQ(hal::ModuleName(info.modules[0], name, sizeof name), "init");
  EXPECT_GT(info.modules[0].phys_end, info.modules[0].phys_start);
  // SeaBIOS hands over an ACPI 1.0 RSDP (20 bytes) starting "RSD PTR ".
  ASSERT_EQ(info.rsdp_size, 20u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(info.rsdp), 8), "RSD PTR ");
}

TEST(Multiboot2RealGrub, CapturedBlockSurvivesMutation) {
  Bytes block = ReadFixture("grub_q35_512m.mbi");
  ASSERT_FALSE(block.empty());
  ExpectRobustAgainstMutation(block);
}

}  // namespace
}  // namespace hal::x86_64
