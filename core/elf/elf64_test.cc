#include "core/elf/elf64.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

// The fixtures are real ELF files linked by Bazel (core/elf/testdata/BUILD):
// static_loop is ET_EXEC, static_pie_loop is ET_DYN. Corruptions are applied
// to copies of their bytes through the typed Ehdr/Phdr layouts.

namespace core::elf {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes ReadFixture(const char* name) {
  // Tests run in the runfiles root of the `tessera` workspace.
  std::string path = std::string("core/elf/testdata/") + name;
  Bytes bytes;
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) {
    ADD_FAILURE() << "cannot open fixture " << path;
    return bytes;
  }
  uint8_t buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  fclose(f);
  return bytes;
}

const Bytes& StaticExec() {
  static const Bytes bytes = ReadFixture("static_loop");
  return bytes;
}
const Bytes& StaticPie() {
  static const Bytes bytes = ReadFixture("static_pie_loop");
  return bytes;
}

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
// Index of the `nth` program header of `type`, or -1.
int FindPhdr(const Bytes& b, uint32_t type, int nth = 0) {
  for (size_t i = 0; i < GetEhdr(b).e_phnum; ++i) {
    if (GetPhdr(b, i).p_type == type && nth-- == 0) return static_cast<int>(i);
  }
  return -1;
}
int CountPhdrs(const Bytes& b, uint32_t type) {
  int n = 0;
  while (FindPhdr(b, type, n) >= 0) ++n;
  return n;
}
size_t PhdrTableEnd(const Bytes& b) {
  return GetEhdr(b).e_phoff + GetEhdr(b).e_phnum * sizeof(Phdr);
}

struct Parsed {
  bool ok = false;
  kstd::Error error = kstd::Error::kInvalid;
  std::string why;
  ElfImage image;
};

// Parses a copy in a buffer of exactly the file's size, so AddressSanitizer
// (`bazel test --config=asan`) reports any read past the end.
Parsed Parse(const Bytes& bytes, size_t length) {
  Parsed p;
  std::unique_ptr<uint8_t[]> copy(new uint8_t[length]);
  if (length != 0)
    memcpy(copy.get(), bytes.data(), length);  // an empty vector's data() may be null
  const char* why = nullptr;
  kstd::Result<ElfImage> r = ParseElf64(kstd::ByteSpan(copy.get(), length), &why);
  p.ok = r.ok();
  if (p.ok) {
    p.image = r.value();
  } else {
    p.error = r.error();
    p.why = why != nullptr ? why : "(why not set)";
  }
  return p;
}
Parsed Parse(const Bytes& bytes) { return Parse(bytes, bytes.size()); }

void ExpectBad(const Bytes& bytes, const char* part) {
  Parsed p = Parse(bytes);
  ASSERT_FALSE(p.ok) << "accepted a file that should fail with: " << part;
  EXPECT_EQ(p.error, kstd::Error::kBadExecutable);
  EXPECT_NE(p.why.find(part), std::string::npos) << "why: " << p.why;
}

// What every accepted image guarantees, whatever the input.
void ExpectConsistent(const ElfImage& image, size_t file_size) {
  ASSERT_GE(image.load_count, 1u);
  ASSERT_LE(image.load_count, ElfImage::kMaxLoadSegments);
  bool entry_found = false;
  for (size_t i = 0; i < image.load_count; ++i) {
    const Segment& s = image.loads[i];
    EXPECT_LE(s.filesz, s.memsz);
    EXPECT_LE(s.offset + s.filesz, file_size);
    EXPECT_GE(s.offset + s.filesz, s.offset);
    EXPECT_GE(s.vaddr + s.memsz, s.vaddr);
    if (i > 0) {
      EXPECT_LE(image.loads[i - 1].vaddr + image.loads[i - 1].memsz, s.vaddr);
    }
    if (s.executable() && image.entry >= s.vaddr && image.entry < s.vaddr + s.filesz) {
      entry_found = true;
    }
  }
  EXPECT_TRUE(entry_found);
  EXPECT_TRUE(image.type == kEtExec || image.type == kEtDyn);
}

// The parsed image must be exactly the file's own program headers.
void ExpectMatchesFile(const Bytes& file, const ElfImage& image) {
  const Ehdr e = GetEhdr(file);
  EXPECT_EQ(image.type, e.e_type);
  EXPECT_EQ(image.entry, e.e_entry);
  EXPECT_EQ(image.phoff, e.e_phoff);
  EXPECT_EQ(image.phnum, e.e_phnum);
  ASSERT_EQ(image.load_count, static_cast<size_t>(CountPhdrs(file, kPtLoad)));
  for (size_t i = 0; i < image.load_count; ++i) {
    const Phdr ph = GetPhdr(file, FindPhdr(file, kPtLoad, static_cast<int>(i)));
    EXPECT_EQ(image.loads[i].vaddr, ph.p_vaddr);
    EXPECT_EQ(image.loads[i].memsz, ph.p_memsz);
    EXPECT_EQ(image.loads[i].filesz, ph.p_filesz);
    EXPECT_EQ(image.loads[i].offset, ph.p_offset);
    EXPECT_EQ(image.loads[i].align, ph.p_align);
    EXPECT_EQ(image.loads[i].flags, ph.p_flags);
  }
  ExpectConsistent(image, file.size());
}

// ---- The real files ----

TEST(Elf64, ParsesStaticExecutable) {
  const Bytes& file = StaticExec();
  ASSERT_FALSE(file.empty());
  Parsed p = Parse(file);
  ASSERT_TRUE(p.ok) << p.why;
  ExpectMatchesFile(file, p.image);
  EXPECT_EQ(p.image.type, kEtExec);
  EXPECT_GE(p.image.load_count, 2u);  // code, and data + bss
  EXPECT_FALSE(p.image.has_interp);
  ASSERT_TRUE(p.image.has_tls);  // `__thread int tls_value`
  EXPECT_EQ(p.image.tls.filesz, sizeof(int));
  EXPECT_TRUE(p.image.has_gnu_stack);
  EXPECT_EQ(p.image.stack_flags & kPfX, 0u);
  // The first PT_LOAD maps the headers, so the table is visible at runtime.
  EXPECT_EQ(p.image.phdr_vaddr, p.image.loads[0].vaddr + p.image.phoff - p.image.loads[0].offset);
  // bss: some writable segment holds more in memory than in the file.
  bool has_bss = false;
  for (size_t i = 0; i < p.image.load_count; ++i) {
    has_bss |= p.image.loads[i].writable() && p.image.loads[i].memsz > p.image.loads[i].filesz;
  }
  EXPECT_TRUE(has_bss);
}

TEST(Elf64, ParsesStaticPie) {
  const Bytes& file = StaticPie();
  ASSERT_FALSE(file.empty());
  Parsed p = Parse(file);
  ASSERT_TRUE(p.ok) << p.why;
  ExpectMatchesFile(file, p.image);
  EXPECT_EQ(p.image.type, kEtDyn);
  EXPECT_FALSE(p.image.has_interp);
  EXPECT_TRUE(p.image.has_tls);
}

TEST(Elf64, WhyIsOptional) {
  const char text[] = "hello";
  EXPECT_TRUE(
      ParseElf64(kstd::ByteSpan(reinterpret_cast<const uint8_t*>(text), 5), nullptr).is_error());
  EXPECT_TRUE(ParseElf64(kstd::ByteSpan(StaticExec().data(), StaticExec().size()), nullptr).ok());
}

// ---- Not ELF64 at all ----

TEST(Elf64Malformed, EmptyFile) { ExpectBad({}, "bad e_ident magic"); }

TEST(Elf64Malformed, TextFile) {
  std::string script = "#!/bin/sh\necho hello from a script that is long enough\nexit 0\n";
  ExpectBad(Bytes(script.begin(), script.end()), "bad e_ident magic");
}

TEST(Elf64Malformed, ElfClass32Header) {
  // An Elf32_Ehdr (52 bytes) of an i386 executable.
  Bytes b(52, 0);
  const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 1 /*ELFCLASS32*/, 1, 1, 0};
  memcpy(b.data(), ident, sizeof(ident));
  b[16] = 2;   // e_type ET_EXEC
  b[18] = 3;   // e_machine EM_386
  b[20] = 1;   // e_version
  b[40] = 52;  // e_ehsize
  ExpectBad(b, "e_ident[EI_CLASS] is not ELFCLASS64");
  b.resize(200, 0);  // long enough for an Elf64_Ehdr: still the class that fails
  ExpectBad(b, "e_ident[EI_CLASS] is not ELFCLASS64");
}

TEST(Elf64Malformed, IdentFields) {
  for (size_t i = 0; i < 4; ++i) {
    Bytes b = StaticExec();
    b[i] ^= 0x20;
    ExpectBad(b, "bad e_ident magic");
  }
  for (uint8_t cls : {0, 1, 3}) {
    Bytes b = StaticExec();
    b[kEiClass] = cls;
    ExpectBad(b, "e_ident[EI_CLASS] is not ELFCLASS64");
  }
  for (uint8_t data : {0, 2}) {
    Bytes b = StaticExec();
    b[kEiData] = data;
    ExpectBad(b, "e_ident[EI_DATA] is not ELFDATA2LSB");
  }
  for (uint8_t version : {0, 2}) {
    Bytes b = StaticExec();
    b[kEiVersion] = version;
    ExpectBad(b, "e_ident[EI_VERSION] is not EV_CURRENT");
  }
}

// ---- Truncation ----

TEST(Elf64Truncated, EveryLengthUpToTheEndOfTheProgramHeaders) {
  for (const Bytes* file : {&StaticExec(), &StaticPie()}) {
    const size_t table_end = PhdrTableEnd(*file);
    ASSERT_LE(table_end, file->size());
    for (size_t len = 0; len < table_end; ++len) {
      Parsed p = Parse(*file, len);
      ASSERT_FALSE(p.ok) << "accepted a file cut at " << len;
      EXPECT_EQ(p.error, kstd::Error::kBadExecutable);
      const char* expected = len < 4              ? "magic"
                             : len < kEiNident    ? "ends inside e_ident"
                             : len < sizeof(Ehdr) ? "ends inside the ELF header"
                                                  : "e_phoff + e_phnum";
      EXPECT_NE(p.why.find(expected), std::string::npos) << len << ": " << p.why;
    }
  }
}

TEST(Elf64Truncated, EveryLengthUpToTheEndOfTheFile) {
  for (const Bytes* file : {&StaticExec(), &StaticPie()}) {
    uint64_t loads_end = 0;
    Parsed whole = Parse(*file);
    ASSERT_TRUE(whole.ok);
    for (size_t i = 0; i < whole.image.load_count; ++i) {
      loads_end = std::max(loads_end, whole.image.loads[i].offset + whole.image.loads[i].filesz);
    }
    for (size_t len = PhdrTableEnd(*file); len <= file->size(); ++len) {
      Parsed p = Parse(*file, len);
      if (len < loads_end) {
        ASSERT_FALSE(p.ok) << len;
        EXPECT_NE(p.why.find("lies outside the file"), std::string::npos) << p.why;
      } else {
        ASSERT_TRUE(p.ok) << len << ": " << p.why;  // section headers are not needed
      }
    }
  }
}

// ---- ELF header fields ----

template <typename Mutate>
Bytes WithEhdr(Mutate mutate) {
  Bytes b = StaticExec();
  Ehdr e = GetEhdr(b);
  mutate(e);
  PutEhdr(b, e);
  return b;
}

TEST(Elf64Header, Version) {
  ExpectBad(WithEhdr([](Ehdr& e) { e.e_version = 0; }), "e_version is not EV_CURRENT");
  ExpectBad(WithEhdr([](Ehdr& e) { e.e_version = 2; }), "e_version is not EV_CURRENT");
}

TEST(Elf64Header, Machine) {
  ExpectBad(WithEhdr([](Ehdr& e) { e.e_machine = 3; }), "e_machine is not EM_X86_64");
  ExpectBad(WithEhdr([](Ehdr& e) { e.e_machine = 183; }), "e_machine is not EM_X86_64");
}

TEST(Elf64Header, Type) {
  for (uint16_t type : {0, 1, 4, 0xfe00}) {  // NONE, REL, CORE, OS-specific
    ExpectBad(WithEhdr([type](Ehdr& e) { e.e_type = type; }),
              "e_type is neither ET_EXEC nor ET_DYN");
  }
}

TEST(Elf64Header, HeaderSizes) {
  ExpectBad(WithEhdr([](Ehdr& e) { e.e_ehsize = 52; }), "e_ehsize");
  ExpectBad(WithEhdr([](Ehdr& e) { e.e_ehsize = 128; }), "e_ehsize");
  for (uint16_t size : {0, 32, 55, 57, 64}) {
    ExpectBad(WithEhdr([size](Ehdr& e) { e.e_phentsize = size; }), "e_phentsize");
  }
}

TEST(Elf64Header, ProgramHeaderTableBounds) {
  const uint64_t size = StaticExec().size();
  ExpectBad(WithEhdr([&](Ehdr& e) { e.e_phoff = size; }), "e_phoff + e_phnum");
  ExpectBad(WithEhdr([&](Ehdr& e) { e.e_phoff = size - 55; }), "e_phoff + e_phnum");
  ExpectBad(WithEhdr([](Ehdr& e) { e.e_phoff = UINT64_MAX - 8; }), "e_phoff + e_phnum");
  ExpectBad(WithEhdr([](Ehdr& e) { e.e_phnum = 0xfffe; }), "e_phoff + e_phnum");
  ExpectBad(WithEhdr([](Ehdr& e) { e.e_phnum = kPnXnum; }), "PN_XNUM");
  ExpectBad(WithEhdr([](Ehdr& e) { e.e_phnum = 0; }), "no PT_LOAD");
}

TEST(Elf64Header, Entry) {
  const Parsed ok = Parse(StaticExec());
  ASSERT_TRUE(ok.ok);
  uint64_t data_vaddr = 0, exec_end = 0, exec_mem_end = 0;
  for (size_t i = 0; i < ok.image.load_count; ++i) {
    const Segment& s = ok.image.loads[i];
    if (s.executable()) {
      exec_end = s.vaddr + s.filesz;
      exec_mem_end = s.vaddr + s.memsz;
    } else {
      data_vaddr = s.vaddr;
    }
  }
  ExpectBad(WithEhdr([](Ehdr& e) { e.e_entry = 0; }), "e_entry");
  ExpectBad(WithEhdr([](Ehdr& e) { e.e_entry = UINT64_MAX; }), "e_entry");
  ExpectBad(WithEhdr([&](Ehdr& e) { e.e_entry = data_vaddr; }), "e_entry");  // not PF_X
  ExpectBad(WithEhdr([&](Ehdr& e) { e.e_entry = exec_end; }), "e_entry");
  EXPECT_GE(exec_mem_end, exec_end);
}

// ---- Program headers ----

template <typename Mutate>
Bytes WithPhdr(const Bytes& file, int index, Mutate mutate) {
  Bytes b = file;
  EXPECT_GE(index, 0);
  Phdr p = GetPhdr(b, index);
  mutate(p);
  PutPhdr(b, index, p);
  return b;
}
int Load(int nth) { return FindPhdr(StaticExec(), kPtLoad, nth); }
int LastLoad() { return Load(CountPhdrs(StaticExec(), kPtLoad) - 1); }

TEST(Elf64Load, FileSizeAboveMemorySize) {
  ExpectBad(WithPhdr(StaticExec(), Load(0), [](Phdr& p) { p.p_memsz = p.p_filesz - 1; }),
            "PT_LOAD p_filesz > p_memsz");
  ExpectBad(WithPhdr(StaticExec(), Load(0), [](Phdr& p) { p.p_filesz = UINT64_MAX; }),
            "PT_LOAD p_filesz > p_memsz");
}

TEST(Elf64Load, FileBytesOutsideFile) {
  const uint64_t size = StaticExec().size();
  ExpectBad(WithPhdr(StaticExec(), LastLoad(), [&](Phdr& p) { p.p_offset = size; }),
            "PT_LOAD p_offset + p_filesz lies outside the file");
  ExpectBad(WithPhdr(StaticExec(), LastLoad(),
                     [&](Phdr& p) {
                       p.p_filesz = size - p.p_offset + 1;
                       p.p_memsz = UINT64_MAX / 2;
                     }),
            "PT_LOAD p_offset + p_filesz lies outside the file");
  ExpectBad(WithPhdr(StaticExec(), Load(0), [](Phdr& p) { p.p_offset = UINT64_MAX - 0x10; }),
            "PT_LOAD p_offset + p_filesz lies outside the file");
}

TEST(Elf64Load, AddressOverflow) {
  ExpectBad(WithPhdr(StaticExec(), LastLoad(), [](Phdr& p) { p.p_memsz = UINT64_MAX; }),
            "PT_LOAD p_vaddr + p_memsz overflows");
  ExpectBad(WithPhdr(StaticExec(), LastLoad(),
                     [](Phdr& p) { p.p_vaddr = UINT64_MAX - 0xfff + (p.p_offset & 0xfff); }),
            "PT_LOAD p_vaddr + p_memsz overflows");
}

TEST(Elf64Load, Alignment) {
  for (uint64_t align : {3u, 0x1800u, 0x1001u}) {
    ExpectBad(WithPhdr(StaticExec(), Load(0), [align](Phdr& p) { p.p_align = align; }),
              "PT_LOAD p_align is not a power of two");
  }
  ExpectBad(WithPhdr(StaticExec(), LastLoad(), [](Phdr& p) { p.p_vaddr += 0x10; }),
            "PT_LOAD p_vaddr and p_offset differ modulo p_align");
  // With p_align 0 or 1 there is no constraint.
  for (uint64_t align : {0u, 1u}) {
    Parsed p = Parse(WithPhdr(StaticExec(), LastLoad(), [align](Phdr& ph) {
      ph.p_vaddr += 0x10;
      ph.p_align = align;
    }));
    EXPECT_TRUE(p.ok) << p.why;
  }
}

TEST(Elf64Load, SortedAndDisjoint) {
  {
    Bytes b = StaticExec();
    Phdr first = GetPhdr(b, Load(0)), last = GetPhdr(b, LastLoad());
    PutPhdr(b, Load(0), last);
    PutPhdr(b, LastLoad(), first);
    ExpectBad(b, "PT_LOAD segments are not sorted by p_vaddr");
  }
  {
    const uint64_t next_vaddr = GetPhdr(StaticExec(), Load(1)).p_vaddr;
    ExpectBad(
        WithPhdr(StaticExec(), Load(0), [&](Phdr& p) { p.p_memsz = next_vaddr - p.p_vaddr + 1; }),
        "PT_LOAD segments overlap");
    // Touching is fine.
    Parsed p = Parse(
        WithPhdr(StaticExec(), Load(0), [&](Phdr& ph) { ph.p_memsz = next_vaddr - ph.p_vaddr; }));
    EXPECT_TRUE(p.ok) << p.why;
  }
  {
    // The same segment twice.
    Bytes b = StaticExec();
    PutPhdr(b, FindPhdr(b, kPtGnuStack), GetPhdr(b, LastLoad()));
    ExpectBad(b, "PT_LOAD segments overlap");
  }
}

TEST(Elf64Load, NoLoadSegments) {
  Bytes b = StaticExec();
  for (int i; (i = FindPhdr(b, kPtLoad)) >= 0;) {
    Phdr p = GetPhdr(b, i);
    p.p_type = 0;  // PT_NULL
    PutPhdr(b, i, p);
  }
  ExpectBad(b, "no PT_LOAD segment");
}

TEST(Elf64Load, EntryNeedsExecutableSegment) {
  int exec = -1;
  for (int i = 0; Load(i) >= 0; ++i) {
    if (GetPhdr(StaticExec(), Load(i)).p_flags & kPfX) exec = Load(i);
  }
  ASSERT_GE(exec, 0);
  ExpectBad(WithPhdr(StaticExec(), exec, [](Phdr& p) { p.p_flags &= ~kPfX; }),
            "e_entry is not inside an executable PT_LOAD");
}

// More than kMaxLoadSegments cannot come from a real linker run, so this one
// file is put together here: an ELF header and N one-page PT_LOADs.
Bytes SyntheticExec(size_t loads) {
  Bytes b(sizeof(Ehdr) + loads * sizeof(Phdr), 0);
  Ehdr e{};
  memcpy(e.e_ident, kElfMagic, 4);
  e.e_ident[kEiClass] = kElfClass64;
  e.e_ident[kEiData] = kElfData2Lsb;
  e.e_ident[kEiVersion] = kEvCurrent;
  e.e_type = kEtExec;
  e.e_machine = kEmX86_64;
  e.e_version = kEvCurrent;
  e.e_entry = 0x400000 + sizeof(Ehdr);
  e.e_phoff = sizeof(Ehdr);
  e.e_ehsize = sizeof(Ehdr);
  e.e_phentsize = sizeof(Phdr);
  e.e_phnum = static_cast<uint16_t>(loads);
  PutEhdr(b, e);
  for (size_t i = 0; i < loads; ++i) {
    Phdr p{};
    p.p_type = kPtLoad;
    p.p_flags = kPfR | kPfX;
    p.p_vaddr = 0x400000 + i * 0x1000;
    p.p_filesz = i == 0 ? b.size() : 0;
    p.p_memsz = 0x1000;
    p.p_align = 0x1000;
    PutPhdr(b, i, p);
  }
  return b;
}

TEST(Elf64Load, SegmentLimit) {
  Parsed p = Parse(SyntheticExec(ElfImage::kMaxLoadSegments));
  ASSERT_TRUE(p.ok) << p.why;
  EXPECT_EQ(p.image.load_count, ElfImage::kMaxLoadSegments);
  ExpectBad(SyntheticExec(ElfImage::kMaxLoadSegments + 1), "more than 16 PT_LOAD segments");
}

TEST(Elf64Tls, Validated) {
  const int tls = FindPhdr(StaticExec(), kPtTls);
  ASSERT_GE(tls, 0);
  ExpectBad(WithPhdr(StaticExec(), tls, [](Phdr& p) { p.p_memsz = 0; }),
            "PT_TLS p_filesz > p_memsz");
  ExpectBad(WithPhdr(StaticExec(), tls, [](Phdr& p) { p.p_offset = UINT64_MAX; }),
            "PT_TLS p_offset + p_filesz lies outside the file");
  ExpectBad(WithPhdr(StaticExec(), tls, [](Phdr& p) { p.p_align = 6; }),
            "PT_TLS p_align is not a power of two");
  Bytes twice = StaticExec();
  PutPhdr(twice, FindPhdr(twice, kPtGnuStack), GetPhdr(twice, tls));
  ExpectBad(twice, "more than one PT_TLS");
}

TEST(Elf64Other, InterpIsReported) {
  // Turn the note into a PT_INTERP naming a path appended to the file.
  const int note = FindPhdr(StaticExec(), 4 /*PT_NOTE*/);
  ASSERT_GE(note, 0);
  const std::string path = "/lib/ld.so";
  Bytes file = StaticExec();
  const uint64_t at = file.size();
  file.insert(file.end(), path.begin(), path.end());
  file.push_back(0);
  auto interp = [&](uint64_t offset, uint64_t size) {
    return WithPhdr(file, note, [=](Phdr& ph) {
      ph.p_type = kPtInterp;
      ph.p_offset = offset;
      ph.p_filesz = size;
    });
  };
  Parsed p = Parse(interp(at, path.size() + 1));
  ASSERT_TRUE(p.ok) << p.why;
  EXPECT_TRUE(p.image.has_interp);
  EXPECT_EQ(p.image.interp_offset, at);
  EXPECT_EQ(p.image.interp_length, path.size());
  ExpectBad(interp(at, path.size()), "PT_INTERP's path is not NUL-terminated");
  ExpectBad(interp(at + path.size(), 1), "PT_INTERP's path has a bad size");
  ExpectBad(interp(at, path.size() + 2), "lies outside the file");
  ExpectBad(interp(UINT64_MAX - 3, 8), "lies outside the file");
  Bytes twice = interp(at, path.size() + 1);
  PutPhdr(twice, FindPhdr(twice, kPtGnuStack), GetPhdr(twice, note));
  ExpectBad(twice, "more than one PT_INTERP");
}

TEST(Elf64Other, ExecutableStackIsReported) {
  const int stack = FindPhdr(StaticExec(), kPtGnuStack);
  Parsed p = Parse(WithPhdr(StaticExec(), stack, [](Phdr& ph) { ph.p_flags |= kPfX; }));
  ASSERT_TRUE(p.ok) << p.why;
  EXPECT_TRUE(p.image.has_gnu_stack);
  EXPECT_NE(p.image.stack_flags & kPfX, 0u);
}

// ---- Fuzz ----

TEST(Elf64Fuzz, RandomCorruptionNeverCrashes) {
  std::mt19937_64 rng(20240601);  // fixed seed: failures reproduce
  const uint64_t interesting[] = {
      0, 1, 0x1000, 0x1001, UINT64_MAX, UINT64_MAX - 0xfff, 1ull << 63, 0x400000};
  int accepted = 0;
  for (const Bytes* file : {&StaticExec(), &StaticPie()}) {
    const size_t headers = PhdrTableEnd(*file);
    for (int iteration = 0; iteration < 10000; ++iteration) {
      Bytes m = *file;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        switch (rng() % 3) {
          case 0:  // a header byte
            m[rng() % headers] = static_cast<uint8_t>(rng());
            break;
          case 1: {  // a whole 8-byte field of the header or a program header
            size_t at = (rng() % (headers / 8)) * 8;
            uint64_t v = interesting[rng() % std::size(interesting)];
            memcpy(m.data() + at, &v, 8);
            break;
          }
          default:  // anywhere
            m[rng() % m.size()] = static_cast<uint8_t>(rng());
        }
      }
      size_t length = rng() % 8 == 0 ? rng() % m.size() : m.size();
      Parsed p = Parse(m, length);
      if (p.ok) {
        ++accepted;
        ExpectConsistent(p.image, length);
      } else {
        ASSERT_EQ(p.error, kstd::Error::kBadExecutable);
        ASSERT_EQ(p.why.rfind("ELF: ", 0), 0u) << p.why;
      }
    }
  }
  EXPECT_GT(accepted, 0);  // flips in unused bytes leave a valid file
}

}  // namespace
}  // namespace core::elf
