#include "core/elf/core_file.h"

namespace core::elf {
namespace {

// ELF64 structures (System V gABI; only what a core file needs).
struct Ehdr {
  uint8_t ident[16];
  uint16_t type, machine;
  uint32_t version;
  uint64_t entry, phoff, shoff;
  uint32_t flags;
  uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
static_assert(sizeof(Ehdr) == 64);

struct Phdr {
  uint32_t type, flags;
  uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
static_assert(sizeof(Phdr) == 56);

struct Nhdr {
  uint32_t namesz, descsz, type;
};

// Linux's struct elf_prstatus on x86-64.
struct PrStatus {
  int32_t si_signo, si_code, si_errno;
  int16_t cursig;
  uint16_t pad0;
  uint64_t sigpend, sighold;
  int32_t pid, ppid, pgrp, sid;
  uint64_t times[8];  // utime, stime, cutime, cstime (struct timeval each)
  uint64_t regs[kCoreRegCount];
  int32_t fpvalid;
  int32_t pad1;
};
static_assert(sizeof(PrStatus) == 336);

// Linux's struct elf_prpsinfo on x86-64.
struct PrPsInfo {
  char state, sname, zomb, nice;
  uint32_t pad0;
  uint64_t flag;
  uint32_t uid, gid;
  int32_t pid, ppid, pgrp, sid;
  char fname[16];
  char psargs[80];
};
static_assert(sizeof(PrPsInfo) == 136);

constexpr uint16_t kEtCore = 4, kEmX8664 = 62;
constexpr uint32_t kPtLoad = 1, kPtNote = 4;
constexpr uint32_t kNtPrStatus = 1, kNtPrPsInfo = 3;
constexpr char kCoreName[] = "CORE";  // namesz 5, padded to 8

constexpr uint64_t Align4(uint64_t v) { return (v + 3) & ~uint64_t{3}; }
constexpr uint64_t NoteBytes(uint64_t desc) { return sizeof(Nhdr) + Align4(5) + Align4(desc); }
constexpr uint64_t kNotesBytes = NoteBytes(sizeof(PrStatus)) + NoteBytes(sizeof(PrPsInfo));

uint64_t PageUp(uint64_t v) { return (v + kCorePage - 1) & ~(kCorePage - 1); }

uint8_t* PutNote(uint8_t* at, uint32_t type, const void* desc, uint32_t size) {
  Nhdr h{5, size, type};
  __builtin_memcpy(at, &h, sizeof h);
  at += sizeof h;
  __builtin_memset(at, 0, Align4(5));
  __builtin_memcpy(at, kCoreName, 5);
  at += Align4(5);
  __builtin_memset(at, 0, Align4(size));
  __builtin_memcpy(at, desc, size);
  return at + Align4(size);
}

}  // namespace

uint64_t CoreHeaderBytes(size_t regions) {
  return PageUp(sizeof(Ehdr) + (regions + 1) * sizeof(Phdr) + kNotesBytes);
}

kstd::Result<uint64_t> BuildCoreHeader(kstd::Span<const CoreRegion> regions,
                                       const CoreThread& thread, const CoreProcess& process,
                                       kstd::Span<uint8_t> out, kstd::Span<uint64_t> offsets) {
  size_t n = regions.size();
  if (n > kMaxCoreRegions || offsets.size() < n) return kstd::Error::kInvalid;
  uint64_t header = CoreHeaderBytes(n);
  if (out.size() < header) return kstd::Error::kInvalid;
  __builtin_memset(out.data(), 0, header);

  Ehdr e{};
  const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', 2 /*64-bit*/, 1 /*LE*/, 1 /*version*/, 0};
  __builtin_memcpy(e.ident, ident, sizeof ident);
  e.type = kEtCore;
  e.machine = kEmX8664;
  e.version = 1;
  e.phoff = sizeof(Ehdr);
  e.ehsize = sizeof(Ehdr);
  e.phentsize = sizeof(Phdr);
  e.phnum = static_cast<uint16_t>(n + 1 < 0xffff ? n + 1 : 0xffff);
  __builtin_memcpy(out.data(), &e, sizeof e);

  uint64_t notes_at = sizeof(Ehdr) + (n + 1) * sizeof(Phdr);
  Phdr note{};
  note.type = kPtNote;
  note.offset = notes_at;
  note.filesz = kNotesBytes;
  note.align = 4;
  __builtin_memcpy(out.data() + sizeof(Ehdr), &note, sizeof note);

  uint64_t offset = header;
  for (size_t i = 0; i < n; ++i) {
    const CoreRegion& r = regions[i];
    if (r.base % kCorePage != 0 || r.size % kCorePage != 0) return kstd::Error::kInvalid;
    Phdr load{};
    load.type = kPtLoad;
    load.flags = r.flags;
    load.offset = offset;
    load.vaddr = r.base;
    load.filesz = r.dumped ? r.size : 0;
    load.memsz = r.size;
    load.align = kCorePage;
    __builtin_memcpy(out.data() + sizeof(Ehdr) + (i + 1) * sizeof(Phdr), &load, sizeof load);
    offsets[i] = offset;
    offset += load.filesz;
  }

  PrStatus st{};
  st.si_signo = thread.signo;
  st.cursig = static_cast<int16_t>(thread.signo);
  st.pid = static_cast<int32_t>(thread.pid);
  st.ppid = static_cast<int32_t>(thread.ppid);
  st.pgrp = static_cast<int32_t>(thread.pgrp);
  st.sid = static_cast<int32_t>(thread.sid);
  __builtin_memcpy(st.regs, thread.regs, sizeof st.regs);
  PrPsInfo ps{};
  ps.state = 0;  // running ("R")
  ps.sname = 'R';
  ps.uid = process.uid;
  ps.gid = process.gid;
  ps.pid = st.pid;
  ps.ppid = st.ppid;
  ps.pgrp = st.pgrp;
  ps.sid = st.sid;
  __builtin_memcpy(ps.fname, process.fname, sizeof ps.fname);
  __builtin_memcpy(ps.psargs, process.psargs, sizeof ps.psargs);
  uint8_t* at = out.data() + notes_at;
  at = PutNote(at, kNtPrStatus, &st, sizeof st);
  PutNote(at, kNtPrPsInfo, &ps, sizeof ps);
  return offset;
}

}  // namespace core::elf
