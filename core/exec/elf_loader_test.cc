#include "core/exec/elf_loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/elf/elf64.h"
#include "core/exec/test_support.h"

// Real ELF files (core/exec/testdata/BUILD) are loaded into a FakeLoadTarget
// and the result is compared with the file's own program headers, read here
// independently of the parser. Corruptions go through the typed headers.

namespace core::exec {
namespace {

using core::elf::Ehdr;
using core::elf::Phdr;
using testing::Bytes;
using testing::FakeLoadTarget;
using testing::ReadFixture;

constexpr uint64_t kPieBias = 0x7f1234560000;

Ehdr GetEhdr(const Bytes& b) {
  Ehdr e;
  memcpy(&e, b.data(), sizeof(e));
  return e;
}
void PutEhdr(Bytes& b, const Ehdr& e) { memcpy(b.data(), &e, sizeof(e)); }
Phdr GetPhdr(const Bytes& b, size_t i) {
  Phdr p;
  memcpy(&p, b.data() + GetEhdr(b).e_phoff + i * sizeof(Phdr), sizeof(p));
  return p;
}
void PutPhdr(Bytes& b, size_t i, const Phdr& p) {
  memcpy(b.data() + GetEhdr(b).e_phoff + i * sizeof(Phdr), &p, sizeof(p));
}
std::vector<Phdr> Loads(const Bytes& b) {
  std::vector<Phdr> loads;
  for (size_t i = 0; i < GetEhdr(b).e_phnum; ++i) {
    if (GetPhdr(b, i).p_type == core::elf::kPtLoad) loads.push_back(GetPhdr(b, i));
  }
  return loads;
}
uint32_t Prot(uint32_t flags) {
  return ((flags & core::elf::kPfR) ? kProtRead : 0) |
         ((flags & core::elf::kPfW) ? kProtWrite : 0) | ((flags & core::elf::kPfX) ? kProtExec : 0);
}

struct Loaded {
  bool ok = false;
  kstd::Error error = kstd::Error::kInvalid;
  std::string why;
  LoadedImage image;
};

Loaded Load(const Bytes& file, FakeLoadTarget& target, uint64_t bias = kPieBias,
            size_t length = SIZE_MAX) {
  Loaded l;
  length = std::min(length, file.size());
  // A copy of exactly `length` bytes, so AddressSanitizer sees reads past the end.
  std::unique_ptr<uint8_t[]> copy(new uint8_t[length + 1]);
  memcpy(copy.get(), file.data(), length);
  const char* why = nullptr;
  kstd::Result<LoadedImage> r = LoadElf(kstd::ByteSpan(copy.get(), length), target, bias, &why);
  l.ok = r.ok();
  if (l.ok) {
    l.image = r.value();
  } else {
    l.error = r.error();
    l.why = why != nullptr ? why : "(why not set)";
  }
  return l;
}

// The segment's file bytes at `start`, then zeros to p_memsz.
void ExpectSegmentBytes(const Bytes& file, const FakeLoadTarget& target, const Phdr& ph,
                        uint64_t start) {
  EXPECT_EQ(target.Read(start, ph.p_filesz),
            Bytes(file.begin() + ph.p_offset, file.begin() + ph.p_offset + ph.p_filesz))
      << "segment at " << std::hex << start;
  EXPECT_EQ(target.Read(start + ph.p_filesz, ph.p_memsz - ph.p_filesz),
            Bytes(ph.p_memsz - ph.p_filesz, 0))
      << "bss of segment at " << std::hex << start;
}

// The image in `target` must be exactly the file's PT_LOAD segments at `bias`:
// file bytes, zeroed tails, page protections (the union over the segments
// touching each page), nothing else mapped, and the LoadedImage fields.
void ExpectLoadedLikeFile(const Bytes& file, const FakeLoadTarget& target, const LoadedImage& image,
                          uint64_t bias) {
  const Ehdr e = GetEhdr(file);
  if (e.e_type == core::elf::kEtExec) bias = 0;
  std::map<uint64_t, uint32_t> expected_prot;
  uint64_t highest = 0, lowest = UINT64_MAX;
  std::vector<std::pair<uint64_t, uint64_t>> file_backed;  // [start, end) in memory
  for (const Phdr& ph : Loads(file)) {
    if (ph.p_memsz == 0) continue;
    const uint64_t start = ph.p_vaddr + bias, end = start + ph.p_memsz;
    for (uint64_t page = start & ~(kPageSize - 1); page < end; page += kPageSize) {
      expected_prot[page] |= Prot(ph.p_flags);
    }
    ExpectSegmentBytes(file, target, ph, start);
    file_backed.push_back({start, start + ph.p_filesz});
    highest = std::max(highest, end);
    lowest = std::min(lowest, start);
  }
  uint64_t mapped_pages = 0;
  for (const auto& m : target.mappings) mapped_pages += (m.end - m.start) / kPageSize;
  EXPECT_EQ(mapped_pages, expected_prot.size()) << "pages mapped beyond the segments";
  for (const auto& [page, prot] : expected_prot) {
    ASSERT_EQ(target.ProtAt(page), prot) << "page " << std::hex << page;
  }
  // Bytes of mapped pages that no segment's file bytes cover are zero.
  for (const auto& [page, contents] : target.pages) {
    for (uint64_t i = 0; i < kPageSize; ++i) {
      bool covered = false;
      for (const auto& [s, end] : file_backed) covered |= page + i >= s && page + i < end;
      if (!covered) {
        ASSERT_EQ(contents[i], 0) << "stray byte at " << std::hex << page + i;
      }
    }
  }

  EXPECT_EQ(image.entry, e.e_entry + bias);
  EXPECT_EQ(image.base, bias);
  EXPECT_EQ(image.phent, sizeof(Phdr));
  EXPECT_EQ(image.phnum, e.e_phnum);
  ASSERT_NE(image.phdr, 0u);
  EXPECT_EQ(target.Read(image.phdr, e.e_phnum * sizeof(Phdr)),
            Bytes(file.begin() + e.e_phoff, file.begin() + e.e_phoff + e.e_phnum * sizeof(Phdr)));
  EXPECT_EQ(image.start, lowest & ~(kPageSize - 1));
  EXPECT_EQ(image.brk, (highest + kPageSize - 1) & ~(kPageSize - 1));
  EXPECT_FALSE(image.stack_executable);
  EXPECT_EQ(target.ProtAt(image.entry) & kProtExec, kProtExec);
}

void ExpectLoads(const Bytes& file, uint64_t bias = kPieBias) {
  ASSERT_FALSE(file.empty());
  FakeLoadTarget target;
  Loaded l = Load(file, target, bias);
  ASSERT_TRUE(l.ok) << l.why;
  ExpectLoadedLikeFile(file, target, l.image, bias);
}

void ExpectRefused(const Bytes& file, kstd::Error error, const char* part,
                   uint64_t bias = kPieBias) {
  FakeLoadTarget target;
  Loaded l = Load(file, target, bias);
  ASSERT_FALSE(l.ok) << "loaded a file that should fail with: " << part;
  EXPECT_EQ(l.error, error);
  EXPECT_NE(l.why.find(part), std::string::npos) << "why: " << l.why;
  EXPECT_EQ(target.map_calls, 0) << "decode must finish before the first mapping";
}

// ---- Real files ----

TEST(ElfLoader, StaticExecutable) {
  const Bytes file = ReadFixture("static_loop");
  ExpectLoads(file);
  FakeLoadTarget target;
  Loaded l = Load(file, target, /*bias=*/0x12345000);  // ignored for ET_EXEC
  ASSERT_TRUE(l.ok) << l.why;
  EXPECT_EQ(l.image.base, 0u);
  EXPECT_EQ(l.image.entry, GetEhdr(file).e_entry);
}

TEST(ElfLoader, StaticPieAtBias) {
  const Bytes file = ReadFixture("static_pie_loop");
  ASSERT_EQ(GetEhdr(file).e_type, core::elf::kEtDyn);
  ExpectLoads(file, kPieBias);
  ExpectLoads(file, kUserMin);  // its first segment is at 0: the lowest usable bias
}

// A host program linked the ordinary way (PIE with PT_INTERP) loads like any
// ET_DYN image; the loader reports the interpreter and exec loads it.
TEST(ElfLoader, DynamicExecutableReportsItsInterpreter) {
  const Bytes file = ReadFixture("dynamic_probe");
  ExpectLoads(file);
  FakeLoadTarget target;
  Loaded l = Load(file, target, kPieBias);
  ASSERT_TRUE(l.ok) << l.why;
  EXPECT_TRUE(l.image.has_interp);
  auto parsed = core::elf::ParseElf64(kstd::ByteSpan(file.data(), file.size()), nullptr);
  ASSERT_TRUE(parsed.ok());
  std::string interp(reinterpret_cast<const char*>(file.data()) + parsed.value().interp_offset,
                     parsed.value().interp_length);
  EXPECT_EQ(interp, "/lib64/ld-linux-x86-64.so.2");
}

TEST(ElfLoader, GlibcStatic) { ExpectLoads(ReadFixture("glibc_static_probe")); }
TEST(ElfLoader, GlibcStaticPie) { ExpectLoads(ReadFixture("glibc_static_pie_probe")); }
TEST(ElfLoader, MuslStatic) { ExpectLoads(ReadFixture("musl_probe.elf")); }

TEST(ElfLoader, DebianBusyboxStatic) {
  const Bytes file = testing::ReadFile("/bin/busybox");
  if (file.empty()) GTEST_SKIP() << "/bin/busybox (busybox-static) is not installed";
  ExpectLoads(file);
  for (const Phdr& ph : Loads(file)) {
    EXPECT_FALSE((ph.p_flags & core::elf::kPfW) && (ph.p_flags & core::elf::kPfX));
  }
}

// ---- Refusals ----

TEST(ElfLoaderRefuses, WritableAndExecutableSegment) {
  ExpectRefused(ReadFixture("omagic_loop"), kstd::Error::kBadExecutable,
                "both writable and executable (W^X");
  Bytes b = ReadFixture("static_loop");
  for (size_t i = 0; i < GetEhdr(b).e_phnum; ++i) {
    Phdr p = GetPhdr(b, i);
    if (p.p_type == core::elf::kPtLoad && (p.p_flags & core::elf::kPfW)) {
      p.p_flags |= core::elf::kPfX;
      PutPhdr(b, i, p);
    }
  }
  ExpectRefused(b, kstd::Error::kBadExecutable, "both writable and executable (W^X");
}

// The file's PT_LOAD and PT_TLS addresses and its entry, moved by `delta`.
Bytes Shifted(const Bytes& file, int64_t delta) {
  Bytes b = file;
  Ehdr e = GetEhdr(b);
  e.e_entry += delta;
  PutEhdr(b, e);
  for (size_t i = 0; i < e.e_phnum; ++i) {
    Phdr p = GetPhdr(b, i);
    if (p.p_type == core::elf::kPtLoad || p.p_type == core::elf::kPtTls) {
      p.p_vaddr += delta;
      PutPhdr(b, i, p);
    }
  }
  return b;
}

TEST(ElfLoaderRefuses, AddressesBelowUserMin) {
  const Bytes exec = ReadFixture("static_loop");
  const uint64_t first = Loads(exec)[0].p_vaddr;
  ASSERT_EQ(first, 0x400000u);
  ExpectRefused(Shifted(exec, 0x8000 - first), kstd::Error::kBadExecutable,
                "outside the user range");
  ExpectRefused(Shifted(exec, 0xf000 - first), kstd::Error::kBadExecutable,
                "outside the user range");
  ExpectLoads(Shifted(exec, kUserMin - first));  // exactly at the bottom

  const Bytes pie = ReadFixture("static_pie_loop");  // segments from vaddr 0
  ExpectRefused(pie, kstd::Error::kBadExecutable, "outside the user range", /*bias=*/0);
  ExpectRefused(pie, kstd::Error::kBadExecutable, "outside the user range", kUserMin - kPageSize);
}

TEST(ElfLoaderRefuses, AddressesAboveUserEnd) {
  const Bytes pie = ReadFixture("static_pie_loop");
  uint64_t end = 0;
  for (const Phdr& ph : Loads(pie)) end = std::max(end, ph.p_vaddr + ph.p_memsz);
  const uint64_t pages = (end + kPageSize - 1) & ~(kPageSize - 1);
  ExpectLoads(pie, kUserEnd - pages);  // the last page ends exactly at kUserEnd
  ExpectRefused(pie, kstd::Error::kBadExecutable, "outside the user range",
                kUserEnd - pages + kPageSize);
  ExpectRefused(pie, kstd::Error::kBadExecutable, "outside the user range",
                0x0000800000000000 - pages);  // the last page below the hole is kept free
  ExpectRefused(pie, kstd::Error::kBadExecutable, "outside the user range",
                0xffff800000000000);  // kernel half
  ExpectRefused(pie, kstd::Error::kBadExecutable, "outside the user range",
                UINT64_MAX & ~(kPageSize - 1));  // vaddr + bias wraps

  const Bytes exec = ReadFixture("static_loop");
  ExpectRefused(Shifted(exec, 0x00007ffffffff000 - 0x400000), kstd::Error::kBadExecutable,
                "outside the user range");
}

TEST(ElfLoaderRefuses, MisalignedBias) {
  ExpectRefused(ReadFixture("static_pie_loop"), kstd::Error::kInvalid, "not page-aligned",
                kPieBias + 0x10);
}

TEST(ElfLoaderRefuses, WhatTheParserRefuses) {
  Bytes b = ReadFixture("static_loop");
  b[0] = 0;
  ExpectRefused(b, kstd::Error::kBadExecutable, "ELF: bad e_ident magic");
  // `why` may be nullptr.
  FakeLoadTarget target;
  EXPECT_EQ(LoadElf(kstd::ByteSpan(b.data(), b.size()), target, 0, nullptr).error(),
            kstd::Error::kBadExecutable);
}

// ---- Program headers not mapped by any PT_LOAD ----

TEST(ElfLoader, UnmappedProgramHeadersGiveNoAtPhdr) {
  Bytes b = ReadFixture("static_loop");
  Ehdr e = GetEhdr(b);
  const Bytes table(b.begin() + e.e_phoff, b.begin() + e.e_phoff + e.e_phnum * sizeof(Phdr));
  e.e_phoff = b.size();  // a copy at the end of the file, outside every PT_LOAD
  b.insert(b.end(), table.begin(), table.end());
  PutEhdr(b, e);
  FakeLoadTarget target;
  Loaded l = Load(b, target);
  ASSERT_TRUE(l.ok) << l.why;
  EXPECT_EQ(l.image.phdr, 0u);
  EXPECT_EQ(l.image.phnum, 0u);
  EXPECT_EQ(l.image.phent, sizeof(Phdr));
}

// ---- Shared pages: made-up files, because real linkers avoid them ----

struct SegmentSpec {
  uint64_t vaddr;
  uint64_t filesz;
  uint64_t memsz;
  uint32_t flags;
};

// An ET_EXEC with the given PT_LOADs; each segment's file bytes are a pattern
// of its own, at a file offset congruent to its address modulo the page size.
Bytes Synthetic(const std::vector<SegmentSpec>& specs, uint64_t entry) {
  const size_t headers = sizeof(Ehdr) + specs.size() * sizeof(Phdr);
  Bytes b(headers, 0);
  Ehdr e{};
  memcpy(e.e_ident, core::elf::kElfMagic, 4);
  e.e_ident[core::elf::kEiClass] = core::elf::kElfClass64;
  e.e_ident[core::elf::kEiData] = core::elf::kElfData2Lsb;
  e.e_ident[core::elf::kEiVersion] = core::elf::kEvCurrent;
  e.e_type = core::elf::kEtExec;
  e.e_machine = core::elf::kEmX86_64;
  e.e_version = core::elf::kEvCurrent;
  e.e_entry = entry;
  e.e_phoff = sizeof(Ehdr);
  e.e_ehsize = sizeof(Ehdr);
  e.e_phentsize = sizeof(Phdr);
  e.e_phnum = static_cast<uint16_t>(specs.size());
  PutEhdr(b, e);
  for (size_t i = 0; i < specs.size(); ++i) {
    const SegmentSpec& s = specs[i];
    uint64_t offset = (b.size() + kPageSize - 1) / kPageSize * kPageSize + s.vaddr % kPageSize;
    if (i == 0) offset = 0;  // the first segment maps the headers too
    b.resize(std::max<uint64_t>(b.size(), offset + s.filesz), 0);
    for (uint64_t j = (i == 0 ? headers : 0); j < s.filesz; ++j) {
      b[offset + j] = static_cast<uint8_t>(0x11 * (i + 1) + j);
    }
    Phdr p{};
    p.p_type = core::elf::kPtLoad;
    p.p_flags = s.flags;
    p.p_offset = offset;
    p.p_vaddr = s.vaddr;
    p.p_filesz = s.filesz;
    p.p_memsz = s.memsz;
    p.p_align = kPageSize;
    PutPhdr(b, i, p);
  }
  return b;
}

constexpr uint32_t kR = core::elf::kPfR, kW = core::elf::kPfW, kX = core::elf::kPfX;

// ---- File-mapped loads (exec image cache) ----

// With a target that maps the file, FileMappable images show file pages:
// every segment's file bytes are there, bss bytes are zero, protections are
// the segments', and only bss pages beyond the file pages are anonymous.
void ExpectFileMappedLoad(const Bytes& file, uint64_t bias = kPieBias) {
  ASSERT_FALSE(file.empty());
  const char* why = nullptr;
  kstd::Result<core::elf::ElfImage> parsed = core::elf::ParseElf64(testing::AsSpan(file), &why);
  ASSERT_TRUE(parsed.ok()) << why;
  ASSERT_TRUE(FileMappable(parsed.value()));
  FakeLoadTarget target;
  target.mapped_file = &file;
  // The file bytes are not read: an empty span must do.
  kstd::Result<LoadedImage> r = LoadParsedElf(parsed.value(), kstd::ByteSpan(), target, bias, &why);
  ASSERT_TRUE(r.ok()) << why;
  EXPECT_GT(target.map_file_calls, 0);
  if (GetEhdr(file).e_type == core::elf::kEtExec) bias = 0;
  for (const Phdr& ph : Loads(file)) {
    if (ph.p_memsz == 0) continue;
    const uint64_t start = ph.p_vaddr + bias;
    ExpectSegmentBytes(file, target, ph, start);
    for (uint64_t page = start & ~(kPageSize - 1); page < start + ph.p_memsz; page += kPageSize) {
      EXPECT_EQ(target.ProtAt(page), Prot(ph.p_flags)) << std::hex << page;
    }
  }
  EXPECT_EQ(r.value().entry, GetEhdr(file).e_entry + bias);
}

TEST(ElfLoaderFileMapped, RealExecutables) {
  ExpectFileMappedLoad(ReadFixture("static_loop"));
  ExpectFileMappedLoad(ReadFixture("musl_probe.elf"));
  ExpectFileMappedLoad(ReadFixture("static_pie_loop"));
  const Bytes busybox = testing::ReadFile("/bin/busybox");
  if (!busybox.empty()) ExpectFileMappedLoad(busybox);
  // glibc's dynamic linker, where exec puts it.
  const Bytes ld_so = testing::ReadFile("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
  if (!ld_so.empty()) ExpectFileMappedLoad(ld_so, 0x7f0000000000);
}

TEST(ElfLoaderFileMapped, BssInsideTheLastFilePageIsZeroed) {
  const Bytes b =
      Synthetic({{0x400000, 0x180, 0x180, kR | kX}, {0x401000, 0x10, 0x3000, kR | kW}}, 0x400100);
  ExpectFileMappedLoad(b, 0);
  const char* why = nullptr;
  core::elf::ElfImage image = core::elf::ParseElf64(testing::AsSpan(b), &why).value();
  FakeLoadTarget target;
  target.mapped_file = &b;
  ASSERT_TRUE(LoadParsedElf(image, kstd::ByteSpan(), target, 0, &why).ok()) << why;
  EXPECT_EQ(target.map_file_calls, 2);
  EXPECT_EQ(target.map_calls, 1);  // the two bss pages past the file page
  EXPECT_EQ(target.Read(0x401010, 0x1000 - 0x10), Bytes(0x1000 - 0x10, 0));
}

// A bss that ends inside its first page still clears that page to its end
// (Linux's padzero): the file bytes after it must not show. glibc's dynamic
// linker allocates from there and relies on zeros.
TEST(ElfLoaderFileMapped, TheBssPageIsZeroedPastTheBss) {
  Bytes b =
      Synthetic({{0x400000, 0x180, 0x180, kR | kX}, {0x401000, 0x10, 0x20, kR | kW}}, 0x400100);
  b.resize(0x1000 + 0x800, 0xAB);  // what follows in the file: not zero
  const char* why = nullptr;
  core::elf::ElfImage image = core::elf::ParseElf64(testing::AsSpan(b), &why).value();
  FakeLoadTarget target;
  target.mapped_file = &b;
  ASSERT_TRUE(LoadParsedElf(image, kstd::ByteSpan(), target, 0, &why).ok()) << why;
  EXPECT_EQ(target.Read(0x401010, 0x1000 - 0x10), Bytes(0x1000 - 0x10, 0));
  // Without a bss the page shows the file, as Linux's mapping does.
  Bytes no_bss =
      Synthetic({{0x400000, 0x180, 0x180, kR | kX}, {0x401000, 0x10, 0x10, kR | kW}}, 0x400100);
  no_bss.resize(0x1000 + 0x800, 0xAB);
  image = core::elf::ParseElf64(testing::AsSpan(no_bss), &why).value();
  FakeLoadTarget plain;
  plain.mapped_file = &no_bss;
  ASSERT_TRUE(LoadParsedElf(image, kstd::ByteSpan(), plain, 0, &why).ok()) << why;
  EXPECT_EQ(plain.Read(0x401010, 0x10), Bytes(0x10, 0xAB));
}

TEST(ElfLoaderFileMapped, SharedPagesFallBackToCopies) {
  const Bytes b = Synthetic({{0x400000, 0x180, 0x180, kR},
                             {0x400180, 0x1000, 0x1000, kR | kX},
                             {0x401180, 0x80, 0x80, kR},
                             {0x402000, 0x10, 0x3000, kR | kW}},
                            0x400200);
  const char* why = nullptr;
  core::elf::ElfImage image = core::elf::ParseElf64(testing::AsSpan(b), &why).value();
  EXPECT_FALSE(FileMappable(image));
  FakeLoadTarget target;
  target.mapped_file = &b;
  kstd::Result<LoadedImage> r = LoadParsedElf(image, testing::AsSpan(b), target, 0, &why);
  ASSERT_TRUE(r.ok()) << why;
  EXPECT_EQ(target.map_file_calls, 0);
  ExpectLoadedLikeFile(b, target, r.value(), 0);
  // Without the file's bytes the copying path refuses instead of reading past them.
  FakeLoadTarget empty;
  EXPECT_FALSE(LoadParsedElf(image, kstd::ByteSpan(), empty, 0, &why).ok());
}

TEST(ElfLoaderSharedPages, ReadOnlyAndCodeShareAPage) {
  const Bytes b = Synthetic({{0x400000, 0x180, 0x180, kR},
                             {0x400180, 0x1000, 0x1000, kR | kX},
                             {0x401180, 0x80, 0x80, kR},
                             {0x402000, 0x10, 0x3000, kR | kW}},
                            0x400200);
  FakeLoadTarget target;
  Loaded l = Load(b, target);
  ASSERT_TRUE(l.ok) << l.why;
  ExpectLoadedLikeFile(b, target, l.image, 0);
  EXPECT_EQ(target.ProtAt(0x400000), kProtRead | kProtExec);
  EXPECT_EQ(target.ProtAt(0x401000), kProtRead | kProtExec);
  EXPECT_EQ(target.ProtAt(0x404000), kProtRead | kProtWrite);
  EXPECT_EQ(target.ProtAt(0x405000), -1);
}

TEST(ElfLoaderSharedPages, SeveralSegmentsInOnePage) {
  const Bytes b = Synthetic({{0x400000, 0x180, 0x180, kR | kX},
                             {0x401000, 0x10, 0x10, kR},
                             {0x401010, 0x10, 0x10, kR},
                             {0x401020, 0x10, 0x20, kR | kW},
                             {0x401800, 0, 0x1000, kR | kW}},
                            0x400100);
  FakeLoadTarget target;
  Loaded l = Load(b, target);
  ASSERT_TRUE(l.ok) << l.why;
  ExpectLoadedLikeFile(b, target, l.image, 0);
  EXPECT_EQ(target.ProtAt(0x401000), kProtRead | kProtWrite);
  EXPECT_EQ(target.ProtAt(0x402000), kProtRead | kProtWrite);
  EXPECT_EQ(l.image.brk, 0x403000u);
}

TEST(ElfLoaderSharedPages, WritableAndExecutableSharingAPageIsRefused) {
  ExpectRefused(
      Synthetic({{0x400000, 0x180, 0x180, kR | kX}, {0x400800, 0x10, 0x100, kR | kW}}, 0x400100),
      kstd::Error::kBadExecutable, "share a page (W^X)");
  ExpectRefused(Synthetic({{0x400000, 0x180, 0x180, kR | kX},
                           {0x401000, 0x10, 0x10, kR},
                           {0x401ff0, 0x10, 0x20, kR | kW},
                           {0x402010, 0x10, 0x10, kR | kX}},
                          0x400100),
                kstd::Error::kBadExecutable, "share a page (W^X)");
}

TEST(ElfLoader, EmptySegmentMapsNothing) {
  const Bytes b =
      Synthetic({{0x400000, 0x180, 0x180, kR | kX}, {0x500000, 0, 0, kR | kW}}, 0x400100);
  FakeLoadTarget target;
  Loaded l = Load(b, target);
  ASSERT_TRUE(l.ok) << l.why;
  ExpectLoadedLikeFile(b, target, l.image, 0);
  EXPECT_EQ(l.image.brk, 0x401000u);
}

TEST(ElfLoader, ProtectionNoneSegment) {
  const Bytes b =
      Synthetic({{0x400000, 0x180, 0x180, kR | kX}, {0x401000, 0x10, 0x2000, 0}}, 0x400100);
  FakeLoadTarget target;
  Loaded l = Load(b, target);
  ASSERT_TRUE(l.ok) << l.why;
  ExpectLoadedLikeFile(b, target, l.image, 0);
  EXPECT_EQ(target.ProtAt(0x402000), kProtNone);
}

TEST(ElfLoader, ExecutableStackIsReported) {
  Bytes b = ReadFixture("static_loop");
  for (size_t i = 0; i < GetEhdr(b).e_phnum; ++i) {
    Phdr p = GetPhdr(b, i);
    if (p.p_type == core::elf::kPtGnuStack) {
      p.p_flags |= kX;
      PutPhdr(b, i, p);
    }
  }
  FakeLoadTarget target;
  Loaded l = Load(b, target);
  ASSERT_TRUE(l.ok) << l.why;
  EXPECT_TRUE(l.image.stack_executable);
}

// ---- The target failing ----

TEST(ElfLoader, TargetErrorsPropagate) {
  const Bytes file = ReadFixture("glibc_static_probe");
  for (int call = 1; call <= 2; ++call) {
    FakeLoadTarget target;
    target.fail_map_call = call;
    Loaded l = Load(file, target);
    ASSERT_FALSE(l.ok);
    EXPECT_EQ(l.error, kstd::Error::kNoMemory);
    EXPECT_NE(l.why.find("mapping the image failed"), std::string::npos) << l.why;
  }
  FakeLoadTarget target;
  target.fail_write_call = 2;
  Loaded l = Load(file, target);
  ASSERT_FALSE(l.ok);
  EXPECT_EQ(l.error, kstd::Error::kNoMemory);
  EXPECT_NE(l.why.find("writing a segment failed"), std::string::npos) << l.why;
}

// ---- Truncated and corrupted files never crash ----

TEST(ElfLoaderFuzz, EveryTruncation) {
  for (const char* name : {"static_loop", "static_pie_loop", "musl_probe.elf"}) {
    const Bytes file = ReadFixture(name);
    uint64_t needed = 0;
    for (const Phdr& ph : Loads(file)) needed = std::max(needed, ph.p_offset + ph.p_filesz);
    for (size_t len = 0; len <= file.size(); ++len) {
      FakeLoadTarget target;
      Loaded l = Load(file, target, kPieBias, len);
      ASSERT_EQ(l.ok, len >= needed) << name << " cut at " << len << ": " << l.why;
      if (!l.ok) {
        EXPECT_EQ(l.error, kstd::Error::kBadExecutable);
        EXPECT_EQ(target.map_calls, 0);
      }
    }
  }
}

// What every successful load guarantees, whatever the input.
void ExpectSane(const FakeLoadTarget& target, const LoadedImage& image) {
  ASSERT_FALSE(target.mappings.empty());
  uint64_t lowest = UINT64_MAX, highest = 0;
  for (const auto& m : target.mappings) {
    EXPECT_GE(m.start, kUserMin);
    EXPECT_LE(m.end, kUserEnd);
    EXPECT_FALSE((m.prot & kProtWrite) && (m.prot & kProtExec));
    lowest = std::min(lowest, m.start);
    highest = std::max(highest, m.end);
  }
  EXPECT_EQ(image.start, lowest);
  EXPECT_EQ(image.brk, highest);
  EXPECT_EQ(target.ProtAt(image.entry) & kProtExec, kProtExec);
  if (image.phdr != 0) {
    EXPECT_NE(target.ProtAt(image.phdr), -1);
    EXPECT_NE(target.ProtAt(image.phdr + image.phnum * sizeof(Phdr) - 1), -1);
  } else {
    EXPECT_EQ(image.phnum, 0u);
  }
}

TEST(ElfLoaderFuzz, RandomCorruptionNeverCrashes) {
  std::mt19937_64 rng(20240607);  // fixed seed: failures reproduce
  const uint64_t interesting[] = {0,
                                  1,
                                  0x1000,
                                  0x10000,
                                  0xfff,
                                  UINT64_MAX,
                                  1ull << 47,
                                  1ull << 63,
                                  0x400000,
                                  0x7ffffffff000,
                                  0x0000800000000000 - 0x10};
  const uint64_t biases[] = {
      0, kUserMin, kPieBias, kUserEnd - 0x10000, 1ull << 47, UINT64_MAX & ~(kPageSize - 1)};
  int loaded = 0, refused = 0;
  for (const char* name : {"static_loop", "static_pie_loop", "musl_probe.elf"}) {
    const Bytes file = ReadFixture(name);
    const size_t headers = GetEhdr(file).e_phoff + GetEhdr(file).e_phnum * sizeof(Phdr);
    for (int iteration = 0; iteration < 6000; ++iteration) {
      Bytes m = file;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        switch (rng() % 3) {
          case 0: m[rng() % headers] = static_cast<uint8_t>(rng()); break;
          case 1: {
            const size_t at = (rng() % (headers / 8)) * 8;
            const uint64_t v = interesting[rng() % std::size(interesting)];
            memcpy(m.data() + at, &v, 8);
            break;
          }
          default: m[rng() % m.size()] = static_cast<uint8_t>(rng());
        }
      }
      const size_t length = rng() % 8 == 0 ? rng() % m.size() : m.size();
      const uint64_t bias = biases[rng() % std::size(biases)];
      FakeLoadTarget target;
      Loaded l = Load(m, target, bias, length);
      if (l.ok) {
        ++loaded;
        ExpectSane(target, l.image);
      } else {
        ++refused;
        ASSERT_EQ(l.error, kstd::Error::kBadExecutable) << l.why;
        ASSERT_TRUE(l.why.rfind("ELF: ", 0) == 0) << l.why;
        ASSERT_EQ(target.map_calls, 0) << l.why;
      }
      if (::testing::Test::HasFailure()) FAIL() << name << " iteration " << iteration;
    }
  }
  EXPECT_GT(loaded, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace core::exec
