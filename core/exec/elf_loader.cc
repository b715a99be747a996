#include "core/exec/elf_loader.h"

#include "core/elf/elf64.h"
#include "kstd/utility.h"

namespace core::exec {

namespace {

using core::elf::ElfImage;
using core::elf::Segment;
using kstd::Error;
using kstd::Result;

Error Fail(const char** why, Error error, const char* message) {
  if (why != nullptr) *why = message;
  return error;
}

uint32_t ProtFromFlags(uint32_t flags) {
  uint32_t prot = kProtNone;
  if ((flags & core::elf::kPfR) != 0) prot |= kProtRead;
  if ((flags & core::elf::kPfW) != 0) prot |= kProtWrite;
  if ((flags & core::elf::kPfX) != 0) prot |= kProtExec;
  return prot;
}

constexpr bool IsWritableAndExecutable(uint32_t prot) {
  return (prot & kProtWrite) != 0 && (prot & kProtExec) != 0;
}

// A page-aligned range mapped with one protection. Each segment adds at most
// two runs (the page it shares with its predecessor, and the rest).
struct Run {
  uint64_t start;
  uint64_t end;
  uint32_t prot;
};
constexpr size_t kMaxRuns = 2 * ElfImage::kMaxLoadSegments;

struct Layout {
  Run runs[kMaxRuns];
  size_t count = 0;

  void Append(uint64_t start, uint64_t end, uint32_t prot) {
    if (count > 0 && runs[count - 1].end == start && runs[count - 1].prot == prot) {
      runs[count - 1].end = end;
    } else {
      runs[count++] = Run{start, end, prot};
    }
  }
};

// Decode: the pages every segment needs, with shared pages merged. Segments
// come sorted and disjoint from ParseElf64, so a segment can share only its
// first page, and only with the last page of the runs so far.
Result<void> PlanRuns(const ElfImage& image, uint64_t bias, Layout* layout, const char** why) {
  for (size_t i = 0; i < image.load_count; ++i) {
    const Segment& s = image.loads[i];
    if (s.writable() && s.executable()) {
      return Fail(why, Error::kBadExecutable,
                  "ELF: a PT_LOAD is both writable and executable (W^X; ld -N output?)");
    }
    if (s.memsz == 0) continue;  // maps nothing
    uint64_t begin, end;
    if (!kstd::CheckedAdd(s.vaddr, bias, &begin) || !kstd::CheckedAdd(begin, s.memsz, &end) ||
        begin < kUserMin || end > kUserEnd) {
      return Fail(why, Error::kBadExecutable,
                  "ELF: a PT_LOAD lies outside the user range [0x10000, 0x7ffffffff000)");
    }
    const uint32_t prot = ProtFromFlags(s.flags);
    uint64_t page = kstd::AlignDown(begin, kPageSize);
    const uint64_t limit = kstd::AlignUp(end, kPageSize);  // end <= kUserEnd: no overflow
    if (layout->count > 0 && page < layout->runs[layout->count - 1].end) {
      Run& last = layout->runs[layout->count - 1];  // last.end == page + kPageSize
      const uint32_t shared = last.prot | prot;
      if (IsWritableAndExecutable(shared)) {
        return Fail(why, Error::kBadExecutable,
                    "ELF: a writable and an executable PT_LOAD share a page (W^X)");
      }
      if (last.end - last.start > kPageSize) {
        last.end -= kPageSize;
        layout->Append(page, page + kPageSize, shared);
      } else {
        last.prot = shared;
      }
      page += kPageSize;
    }
    if (page < limit) layout->Append(page, limit, prot);
  }
  if (layout->count == 0) {  // ParseElf64 guarantees an executable segment with file bytes
    return Fail(why, Error::kBadExecutable, "ELF: no PT_LOAD with p_memsz > 0");
  }
  return kstd::Ok();
}

// The file-mapped load (FileMappable images): each segment's file pages
// come from the file, its bss pages are anonymous, and a bss starting inside
// the last file page clears that page from its start to the page's end.
Result<void> MapSegmentsFromFile(const ElfImage& image, uint64_t bias, LoadTarget& target,
                                 const char** why) {
  static const uint8_t kZeros[kPageSize] = {};
  for (size_t i = 0; i < image.load_count; ++i) {
    const Segment& s = image.loads[i];
    if (s.memsz == 0) continue;
    const uint32_t prot = ProtFromFlags(s.flags);
    const uint64_t begin = s.vaddr + bias;  // PlanRuns checked the range
    const uint64_t page = kstd::AlignDown(begin, kPageSize);
    uint64_t anon_start = page;
    if (s.filesz > 0) {
      const uint64_t file_end = kstd::AlignUp(begin + s.filesz, kPageSize);
      Result<void> mapped =
          target.MapFile(page, file_end - page, prot, kstd::AlignDown(s.offset, kPageSize));
      if (mapped.is_error()) return Fail(why, mapped.error(), "exec: mapping the image failed");
      // A bss clears the rest of its first page, past its own end too, as
      // Linux's padzero: glibc's dynamic linker takes that tail for its
      // first allocations and counts on zeros there.
      const uint64_t bss = begin + s.filesz;
      const uint64_t zero_end = s.memsz > s.filesz ? file_end : bss;
      if (zero_end > bss) {
        Result<void> zeroed = target.Write(bss, kstd::ByteSpan(kZeros, zero_end - bss));
        if (zeroed.is_error()) return Fail(why, zeroed.error(), "exec: clearing a bss failed");
      }
      anon_start = file_end;
    }
    const uint64_t anon_end = kstd::AlignUp(begin + s.memsz, kPageSize);
    if (anon_end > anon_start) {
      Result<void> mapped = target.MapZeroed(anon_start, anon_end - anon_start, prot);
      if (mapped.is_error()) return Fail(why, mapped.error(), "exec: mapping the image failed");
    }
  }
  return kstd::Ok();
}

}  // namespace

bool FileMappable(const ElfImage& image) {
  uint64_t previous_end = 0;  // page-aligned end of the previous segment
  for (size_t i = 0; i < image.load_count; ++i) {
    const Segment& s = image.loads[i];
    if (s.memsz == 0) continue;
    if (s.vaddr % kPageSize != s.offset % kPageSize) return false;
    if (kstd::AlignDown(s.vaddr, kPageSize) < previous_end) return false;  // shares a page
    previous_end = kstd::AlignUp(s.vaddr + s.memsz, kPageSize);
  }
  return true;
}

Result<LoadedImage> LoadElf(kstd::ByteSpan file, LoadTarget& target, uint64_t load_bias_for_dyn,
                            const char** why) {
  const ElfImage image = TRY(core::elf::ParseElf64(file, why));
  return LoadParsedElf(image, file, target, load_bias_for_dyn, why);
}

Result<LoadedImage> LoadParsedElf(const ElfImage& image, kstd::ByteSpan file, LoadTarget& target,
                                  uint64_t load_bias_for_dyn, const char** why) {
  uint64_t bias = 0;
  if (image.type == core::elf::kEtDyn) {
    if (!kstd::IsAligned(load_bias_for_dyn, kPageSize)) {
      return Fail(why, Error::kInvalid, "exec: ET_DYN load bias is not page-aligned");
    }
    bias = load_bias_for_dyn;
  }
  Layout layout;
  TRY(PlanRuns(image, bias, &layout, why));

  // Invoke: only the target can fail from here on.
  if (target.CanMapFile() && FileMappable(image)) {
    TRY(MapSegmentsFromFile(image, bias, target, why));
  } else {
    for (size_t i = 0; i < layout.count; ++i) {
      const Run& run = layout.runs[i];
      Result<void> mapped = target.MapZeroed(run.start, run.end - run.start, run.prot);
      if (mapped.is_error()) return Fail(why, mapped.error(), "exec: mapping the image failed");
    }
    for (size_t i = 0; i < image.load_count; ++i) {
      const Segment& s = image.loads[i];
      if (s.filesz == 0) continue;
      if (s.offset > file.size() || s.filesz > file.size() - s.offset) {
        return Fail(why, Error::kInvalid, "exec: the file bytes of a segment are missing");
      }
      Result<void> written = target.Write(s.vaddr + bias, file.Subspan(s.offset, s.filesz));
      if (written.is_error()) return Fail(why, written.error(), "exec: writing a segment failed");
    }
  }

  LoadedImage loaded;
  loaded.entry = image.entry + bias;
  loaded.phent = sizeof(core::elf::Phdr);
  if (image.phdr_vaddr != 0) {
    loaded.phdr = image.phdr_vaddr + bias;
    loaded.phnum = image.phnum;
  }
  loaded.base = bias;
  loaded.start = layout.runs[0].start;
  loaded.brk = layout.runs[layout.count - 1].end;
  loaded.stack_executable = image.has_gnu_stack && (image.stack_flags & core::elf::kPfX) != 0;
  loaded.has_interp = image.has_interp;
  return loaded;
}

}  // namespace core::exec
