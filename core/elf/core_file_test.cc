// The core-file layout (core_file.h) read back with the host's own ELF and
// procfs structures (<elf.h>, <sys/procfs.h>), as gdb and readelf read it.

#include "core/elf/core_file.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <string.h>
#include <sys/procfs.h>

#include <vector>

namespace core::elf {
namespace {

struct Built {
  std::vector<uint8_t> bytes;
  std::vector<uint64_t> offsets;
  uint64_t total = 0;
};

Built Build(const std::vector<CoreRegion>& regions, const CoreThread& t, const CoreProcess& p) {
  Built b;
  b.bytes.resize(CoreHeaderBytes(regions.size()));
  b.offsets.resize(regions.size());
  auto r = BuildCoreHeader(kstd::Span<const CoreRegion>(regions.data(), regions.size()), t, p,
                           kstd::Span<uint8_t>(b.bytes.data(), b.bytes.size()),
                           kstd::Span<uint64_t>(b.offsets.data(), b.offsets.size()));
  EXPECT_TRUE(r.ok());
  b.total = r.ok() ? r.value() : 0;
  return b;
}

TEST(CoreFile, HeaderNotesAndLoadsReadAsLinuxCores) {
  std::vector<CoreRegion> regions = {
      {0x400000, 0x2000, kCoreRead | kCoreExec, true},
      {0x600000, 0x1000, kCoreRead | kCoreWrite, true},
      {0x700000, 0x3000, 0, false},  // PROT_NONE: no bytes
      {0x7ff000, 0x1000, kCoreRead | kCoreWrite, true},
  };
  CoreThread t;
  t.signo = 11;
  t.pid = 42;
  t.ppid = 7;
  t.pgrp = 42;
  t.sid = 7;
  for (int i = 0; i < kCoreRegCount; ++i) t.regs[i] = 0x1000 + i;
  CoreProcess p;
  p.uid = 1000;
  p.gid = 100;
  strcpy(p.fname, "crasher");
  strcpy(p.psargs, "crasher --now");
  Built b = Build(regions, t, p);

  Elf64_Ehdr e;
  memcpy(&e, b.bytes.data(), sizeof e);
  EXPECT_EQ(memcmp(e.e_ident, ELFMAG, SELFMAG), 0);
  EXPECT_EQ(e.e_ident[EI_CLASS], ELFCLASS64);
  EXPECT_EQ(e.e_type, ET_CORE);
  EXPECT_EQ(e.e_machine, EM_X86_64);
  EXPECT_EQ(e.e_phnum, 5);
  EXPECT_EQ(e.e_phentsize, sizeof(Elf64_Phdr));

  std::vector<Elf64_Phdr> ph(e.e_phnum);
  memcpy(ph.data(), b.bytes.data() + e.e_phoff, ph.size() * sizeof(Elf64_Phdr));
  EXPECT_EQ(ph[0].p_type, PT_NOTE);
  uint64_t expected = b.bytes.size();  // data starts after the page-padded header
  for (size_t i = 0; i < regions.size(); ++i) {
    const Elf64_Phdr& l = ph[i + 1];
    EXPECT_EQ(l.p_type, PT_LOAD);
    EXPECT_EQ(l.p_vaddr, regions[i].base);
    EXPECT_EQ(l.p_memsz, regions[i].size);
    EXPECT_EQ(l.p_filesz, regions[i].dumped ? regions[i].size : 0);
    EXPECT_EQ(l.p_offset, expected);
    EXPECT_EQ(l.p_offset % 4096, 0u);
    EXPECT_EQ(l.p_offset, b.offsets[i]);
    expected += l.p_filesz;
  }
  EXPECT_EQ(ph[1].p_flags, PF_R | PF_X);
  EXPECT_EQ(ph[2].p_flags, PF_R | PF_W);
  EXPECT_EQ(b.total, expected);

  // The notes: NT_PRSTATUS then NT_PRPSINFO, each named "CORE".
  const uint8_t* n = b.bytes.data() + ph[0].p_offset;
  const uint8_t* end = n + ph[0].p_filesz;
  std::vector<uint32_t> types;
  while (n < end) {
    Elf64_Nhdr h;
    memcpy(&h, n, sizeof h);
    const char* name = reinterpret_cast<const char*>(n + sizeof h);
    EXPECT_STREQ(name, "CORE");
    const uint8_t* desc = n + sizeof h + ((h.n_namesz + 3) & ~3u);
    if (h.n_type == NT_PRSTATUS) {
      ASSERT_EQ(h.n_descsz, sizeof(struct elf_prstatus));
      struct elf_prstatus st;
      memcpy(&st, desc, sizeof st);
      EXPECT_EQ(st.pr_cursig, 11);
      EXPECT_EQ(st.pr_info.si_signo, 11);
      EXPECT_EQ(st.pr_pid, 42);
      EXPECT_EQ(st.pr_ppid, 7);
      EXPECT_EQ(st.pr_sid, 7);
      // user_regs_struct order: rip is the 17th, rsp the 20th.
      EXPECT_EQ(st.pr_reg[16], 0x1000u + kRip);
      EXPECT_EQ(st.pr_reg[19], 0x1000u + kRsp);
      EXPECT_EQ(st.pr_reg[15], 0x1000u + kOrigRax);
    } else if (h.n_type == NT_PRPSINFO) {
      ASSERT_EQ(h.n_descsz, sizeof(struct elf_prpsinfo));
      struct elf_prpsinfo ps;
      memcpy(&ps, desc, sizeof ps);
      EXPECT_STREQ(ps.pr_fname, "crasher");
      EXPECT_STREQ(ps.pr_psargs, "crasher --now");
      EXPECT_EQ(ps.pr_uid, 1000u);
      EXPECT_EQ(ps.pr_pid, 42);
    }
    types.push_back(h.n_type);
    n = desc + ((h.n_descsz + 3) & ~3u);
  }
  EXPECT_EQ(n, end);
  EXPECT_EQ(types, (std::vector<uint32_t>{NT_PRSTATUS, NT_PRPSINFO}));
}

TEST(CoreFile, RefusesUnalignedRegionsAndSmallBuffers) {
  CoreThread t;
  CoreProcess p;
  std::vector<CoreRegion> bad = {{0x400010, 0x1000, kCoreRead, true}};
  std::vector<uint8_t> out(CoreHeaderBytes(1));
  uint64_t offsets[1];
  EXPECT_FALSE(BuildCoreHeader(kstd::Span<const CoreRegion>(bad.data(), 1), t, p,
                               kstd::Span<uint8_t>(out.data(), out.size()),
                               kstd::Span<uint64_t>(offsets, 1))
                   .ok());
  std::vector<CoreRegion> good = {{0x400000, 0x1000, kCoreRead, true}};
  EXPECT_FALSE(BuildCoreHeader(kstd::Span<const CoreRegion>(good.data(), 1), t, p,
                               kstd::Span<uint8_t>(out.data(), 100),
                               kstd::Span<uint64_t>(offsets, 1))
                   .ok());
}

}  // namespace
}  // namespace core::elf
