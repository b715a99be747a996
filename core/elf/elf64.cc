#include "core/elf/elf64.h"

namespace core::elf {

namespace {

using kstd::ByteSpan;
using kstd::Error;
using kstd::Result;

// Messages are static strings (no formatting): the loader runs on any CPU at
// once, so there is no shared buffer to race on.
Error Fail(const char** why, const char* message) {
  if (why != nullptr) *why = message;
  return Error::kBadExecutable;
}

constexpr bool IsPowerOfTwoOrZero(uint64_t value) { return (value & (value - 1)) == 0; }

// The checks PT_LOAD and PT_TLS share. `messages` names the segment type.
struct SegmentMessages {
  const char* filesz_over_memsz;
  const char* outside_file;
  const char* vaddr_overflow;
  const char* align_not_power_of_two;
  const char* misaligned;
};

constexpr SegmentMessages kLoadMessages = {
    "ELF: PT_LOAD p_filesz > p_memsz",
    "ELF: PT_LOAD p_offset + p_filesz lies outside the file",
    "ELF: PT_LOAD p_vaddr + p_memsz overflows",
    "ELF: PT_LOAD p_align is not a power of two",
    "ELF: PT_LOAD p_vaddr and p_offset differ modulo p_align",
};

constexpr SegmentMessages kTlsMessages = {
    "ELF: PT_TLS p_filesz > p_memsz",
    "ELF: PT_TLS p_offset + p_filesz lies outside the file",
    "ELF: PT_TLS p_vaddr + p_memsz overflows",
    "ELF: PT_TLS p_align is not a power of two",
    "ELF: PT_TLS p_vaddr and p_offset differ modulo p_align",
};

Result<Segment> CheckSegment(const Phdr& ph, uint64_t file_size, const SegmentMessages& m,
                             const char** why) {
  uint64_t end;
  if (ph.p_filesz > ph.p_memsz) return Fail(why, m.filesz_over_memsz);
  if (!kstd::CheckedAdd(ph.p_offset, ph.p_filesz, &end) || end > file_size) {
    return Fail(why, m.outside_file);
  }
  if (!kstd::CheckedAdd(ph.p_vaddr, ph.p_memsz, &end)) return Fail(why, m.vaddr_overflow);
  if (!IsPowerOfTwoOrZero(ph.p_align)) return Fail(why, m.align_not_power_of_two);
  if (ph.p_align > 1 && (ph.p_vaddr - ph.p_offset) % ph.p_align != 0) {
    return Fail(why, m.misaligned);
  }
  Segment segment;
  segment.vaddr = ph.p_vaddr;
  segment.memsz = ph.p_memsz;
  segment.filesz = ph.p_filesz;
  segment.offset = ph.p_offset;
  segment.align = ph.p_align;
  segment.flags = ph.p_flags;
  return segment;
}

Result<void> CheckHeader(ByteSpan file, Ehdr* ehdr, const char** why) {
  // Identify the file before judging its size, so a short text file or a
  // 32-bit ELF gets the message that explains it.
  bool magic_ok = file.Contains(0, sizeof(kElfMagic));
  for (size_t i = 0; magic_ok && i < sizeof(kElfMagic); ++i) magic_ok = file[i] == kElfMagic[i];
  if (!magic_ok) return Fail(why, "ELF: bad e_ident magic (not an ELF file)");
  if (!file.Contains(0, kEiNident)) return Fail(why, "ELF: file ends inside e_ident");
  if (file[kEiClass] != kElfClass64) {
    return Fail(why, "ELF: e_ident[EI_CLASS] is not ELFCLASS64");
  }
  if (file[kEiData] != kElfData2Lsb) {
    return Fail(why, "ELF: e_ident[EI_DATA] is not ELFDATA2LSB");
  }
  if (file[kEiVersion] != kEvCurrent) {
    return Fail(why, "ELF: e_ident[EI_VERSION] is not EV_CURRENT");
  }
  if (!file.Contains(0, sizeof(Ehdr))) return Fail(why, "ELF: file ends inside the ELF header");
  __builtin_memcpy(ehdr, file.data(), sizeof(Ehdr));  // ELFDATA2LSB on a little-endian CPU
  if (ehdr->e_version != kEvCurrent) return Fail(why, "ELF: e_version is not EV_CURRENT");
  if (ehdr->e_machine != kEmX86_64) return Fail(why, "ELF: e_machine is not EM_X86_64");
  if (ehdr->e_type != kEtExec && ehdr->e_type != kEtDyn) {
    return Fail(why, "ELF: e_type is neither ET_EXEC nor ET_DYN");
  }
  if (ehdr->e_ehsize != sizeof(Ehdr)) return Fail(why, "ELF: e_ehsize is not 64");
  if (ehdr->e_phentsize != sizeof(Phdr)) {
    return Fail(why, "ELF: e_phentsize is not sizeof(Elf64_Phdr) (56)");
  }
  if (ehdr->e_phnum == kPnXnum) {
    return Fail(why, "ELF: e_phnum is PN_XNUM (extended numbering is not supported)");
  }
  // e_phnum < 2^16 and sizeof(Phdr) = 56, so the product cannot overflow.
  uint64_t table_end;
  if (!kstd::CheckedAdd(ehdr->e_phoff, uint64_t{ehdr->e_phnum} * sizeof(Phdr), &table_end) ||
      table_end > file.size()) {
    return Fail(why, "ELF: e_phoff + e_phnum * e_phentsize lies outside the file");
  }
  return kstd::Ok();
}

}  // namespace

Result<ElfImage> ParseElf64(ByteSpan file, const char** why) {
  Ehdr ehdr;
  TRY(CheckHeader(file, &ehdr, why));

  ElfImage image;
  image.type = ehdr.e_type;
  image.entry = ehdr.e_entry;
  image.phoff = ehdr.e_phoff;
  image.phnum = ehdr.e_phnum;

  for (size_t i = 0; i < ehdr.e_phnum; ++i) {
    Phdr ph;
    __builtin_memcpy(&ph, file.data() + ehdr.e_phoff + i * sizeof(Phdr), sizeof(Phdr));
    switch (ph.p_type) {
      case kPtLoad: {
        const Segment segment = TRY(CheckSegment(ph, file.size(), kLoadMessages, why));
        if (image.load_count > 0) {
          const Segment& previous = image.loads[image.load_count - 1];
          if (segment.vaddr < previous.vaddr) {
            return Fail(why, "ELF: PT_LOAD segments are not sorted by p_vaddr");
          }
          if (segment.vaddr - previous.vaddr < previous.memsz) {
            return Fail(why, "ELF: PT_LOAD segments overlap");
          }
        }
        if (image.load_count == ElfImage::kMaxLoadSegments) {
          return Fail(why, "ELF: more than 16 PT_LOAD segments");
        }
        image.loads[image.load_count++] = segment;
        break;
      }
      case kPtTls:
        if (image.has_tls) return Fail(why, "ELF: more than one PT_TLS");
        image.tls = TRY(CheckSegment(ph, file.size(), kTlsMessages, why));
        image.has_tls = true;
        break;
      case kPtInterp: {
        if (image.has_interp) return Fail(why, "ELF: more than one PT_INTERP");
        uint64_t end;
        if (ph.p_filesz < 2 || ph.p_filesz > kMaxInterpPath + 1 ||
            !kstd::CheckedAdd(ph.p_offset, ph.p_filesz, &end) || end > file.size()) {
          return Fail(why, "ELF: PT_INTERP's path has a bad size or lies outside the file");
        }
        if (file.data()[end - 1] != 0)
          return Fail(why, "ELF: PT_INTERP's path is not NUL-terminated");
        image.has_interp = true;
        image.interp_offset = ph.p_offset;
        image.interp_length = ph.p_filesz - 1;
        break;
      }
      case kPtGnuStack:
        image.has_gnu_stack = true;
        image.stack_flags = ph.p_flags;
        break;
      default: break;  // PT_DYNAMIC, PT_NOTE, PT_PHDR, PT_GNU_*: nothing to check here
    }
  }
  if (image.load_count == 0) return Fail(why, "ELF: no PT_LOAD segment");

  const uint64_t table_size = uint64_t{image.phnum} * sizeof(Phdr);
  bool entry_ok = false;
  for (size_t i = 0; i < image.load_count; ++i) {
    const Segment& s = image.loads[i];
    // The entry must be in file-backed bytes: the zero-filled tail holds no code.
    if (s.executable() && image.entry >= s.vaddr && image.entry - s.vaddr < s.filesz) {
      entry_ok = true;
    }
    if (image.phoff >= s.offset && image.phoff - s.offset <= s.filesz &&
        table_size <= s.filesz - (image.phoff - s.offset)) {
      image.phdr_vaddr = s.vaddr + (image.phoff - s.offset);
    }
  }
  if (!entry_ok) return Fail(why, "ELF: e_entry is not inside an executable PT_LOAD");
  return image;
}

}  // namespace core::elf
