#include "hal/x86_64/boot/multiboot2.h"

#include "kstd/utility.h"

namespace hal::x86_64 {

namespace {

using hal::BootInfo;
using hal::BootModule;
using hal::MemoryRange;
using kstd::ByteSpan;
using kstd::Error;
using kstd::LoadLe;
using kstd::Result;

// Builds the `why` text in one static buffer. Boot parsing runs once, on one
// CPU, before anything else could call it, so sharing the buffer is safe.
class Message {
 public:
  Message() : length_(0) { buffer_[0] = '\0'; }

  Message& Text(const char* text) {
    while (*text != '\0') Put(*text++);
    return *this;
  }
  Message& Dec(uint64_t value) {
    char digits[20];
    size_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    while (n > 0) Put(digits[--n]);
    return *this;
  }
  Message& Hex(uint64_t value) {
    Text("0x");
    int shift = 60;
    while (shift > 0 && ((value >> shift) & 0xf) == 0) shift -= 4;
    for (; shift >= 0; shift -= 4) Put("0123456789abcdef"[(value >> shift) & 0xf]);
    return *this;
  }
  const char* str() const { return buffer_; }

 private:
  static constexpr size_t kCapacity = 160;
  void Put(char c) {
    if (length_ + 1 < kCapacity) {
      buffer_[length_++] = c;
      buffer_[length_] = '\0';
    }
  }
  static char buffer_[kCapacity];
  size_t length_;
};

char Message::buffer_[Message::kCapacity];

const char* TagName(uint32_t type) {
  switch (static_cast<Multiboot2TagType>(type)) {
    case Multiboot2TagType::kEnd: return "end";
    case Multiboot2TagType::kCmdline: return "kernel cmdline";
    case Multiboot2TagType::kLoaderName: return "loader name";
    case Multiboot2TagType::kModule: return "module";
    case Multiboot2TagType::kMemoryMap: return "memory map";
    case Multiboot2TagType::kAcpiOldRsdp: return "ACPI old RSDP";
    case Multiboot2TagType::kAcpiNewRsdp: return "ACPI new RSDP";
  }
  return "unknown";
}

MemoryRange::Type MemoryType(uint32_t type) {
  switch (type) {
    case 1: return MemoryRange::Type::kUsable;
    case 3: return MemoryRange::Type::kAcpiReclaimable;
    case 4: return MemoryRange::Type::kAcpiNvs;
    case 5: return MemoryRange::Type::kBad;
    default: return MemoryRange::Type::kReserved;  // 2, and §3.6.8: "all other values"
  }
}

// One pass over the tag list. Each Parse* method either records its tag in
// out_ or fails with a message naming the tag, its offset and the problem.
class Parser {
 public:
  Parser(ByteSpan block, BootInfo* out, const char** why) : block_(block), out_(out), why_(why) {}

  Result<void> ParseTags() {
    const uint64_t total = block_.size();
    size_t offset = sizeof(Multiboot2InfoHeader);
    for (;;) {
      if (!block_.Contains(offset, sizeof(Multiboot2TagHeader))) {
        return Fail(
            Message().Text("multiboot2: no end tag (type 0) before total_size ").Hex(total));
      }
      type_ = LoadLe<uint32_t>(block_, offset);
      offset_ = offset;
      const uint32_t size = LoadLe<uint32_t>(block_, offset + 4);
      if (size < sizeof(Multiboot2TagHeader)) {
        return Fail(Where().Text("size ").Dec(size).Text(" is smaller than the 8-byte tag header"));
      }
      if (!block_.Contains(offset, size)) {
        return Fail(Where().Text("size ").Dec(size).Text(" overruns total_size ").Hex(total));
      }
      const ByteSpan tag = block_.Subspan(offset, size);
      if (type_ == static_cast<uint32_t>(Multiboot2TagType::kEnd)) {
        if (size != sizeof(Multiboot2TagHeader)) {
          return Fail(Where().Text("end tag has size ").Dec(size).Text(", not 8"));
        }
        if (offset + size != total) {
          return Fail(Where().Text("end tag is not at the end of total_size ").Hex(total));
        }
        break;
      }
      TRY(ParseTag(tag));
      offset += kstd::AlignUp(size, 8);  // size <= total < 2^32: no overflow
    }
    if ((seen_ & Bit(Multiboot2TagType::kMemoryMap)) == 0) {
      return Fail(Message().Text("multiboot2: no memory map (tag 6)"));
    }
    if (out_->memory_count == 0) {
      return Fail(Message().Text("multiboot2: empty memory map (no entry with a non-zero length)"));
    }
    return kstd::Ok();
  }

 private:
  static constexpr uint32_t Bit(Multiboot2TagType type) {
    return 1u << static_cast<uint32_t>(type);
  }

  Message Where() const {
    Message message;
    message.Text("multiboot2: tag ")
        .Dec(type_)
        .Text(" (")
        .Text(TagName(type_))
        .Text(") at offset ")
        .Hex(offset_)
        .Text(": ");
    return message;
  }

  Error Fail(const Message& message) const {
    if (why_ != nullptr) *why_ = message.str();
    return Error::kBadMessage;
  }

  // Tags that may appear at most once.
  Result<void> MarkSeen(Multiboot2TagType type) {
    if ((seen_ & Bit(type)) != 0) return Fail(Where().Text("duplicate tag"));
    seen_ |= Bit(type);
    return kstd::Ok();
  }

  Result<void> ParseTag(ByteSpan tag) {
    switch (static_cast<Multiboot2TagType>(type_)) {
      case Multiboot2TagType::kCmdline:
        TRY(MarkSeen(Multiboot2TagType::kCmdline));
        return CopyString(tag.Subspan(8), out_->cmdline, BootInfo::kMaxCmdline);
      case Multiboot2TagType::kLoaderName:
        TRY(MarkSeen(Multiboot2TagType::kLoaderName));
        return CopyString(tag.Subspan(8), out_->loader_name, BootInfo::kMaxLoaderName);
      case Multiboot2TagType::kModule: return ParseModule(tag);
      case Multiboot2TagType::kMemoryMap:
        TRY(MarkSeen(Multiboot2TagType::kMemoryMap));
        return ParseMemoryMap(tag);
      case Multiboot2TagType::kAcpiOldRsdp:
        TRY(MarkSeen(Multiboot2TagType::kAcpiOldRsdp));
        return CopyRsdp(tag, /*rsdp_size=*/20, /*replace=*/out_->rsdp_size == 0);
      case Multiboot2TagType::kAcpiNewRsdp:
        TRY(MarkSeen(Multiboot2TagType::kAcpiNewRsdp));
        return CopyRsdp(tag, /*rsdp_size=*/36, /*replace=*/true);
      case Multiboot2TagType::kEnd: break;  // handled by ParseTags
    }
    return kstd::Ok();  // tags we do not use
  }

  // Copies the NUL-terminated string that must end inside `bytes` into `dst`.
  Result<void> CopyString(ByteSpan bytes, char* dst, size_t capacity) {
    size_t length = 0;
    while (length < bytes.size() && bytes[length] != 0) ++length;
    if (length == bytes.size()) return Fail(Where().Text("string is not NUL-terminated"));
    if (length >= capacity) {
      return Fail(Where()
                      .Text("string of ")
                      .Dec(length)
                      .Text(" bytes exceeds the ")
                      .Dec(capacity - 1)
                      .Text("-byte limit"));
    }
    for (size_t i = 0; i <= length; ++i) dst[i] = static_cast<char>(bytes[i]);
    return kstd::Ok();
  }

  Result<void> ParseModule(ByteSpan tag) {
    if (tag.size() < sizeof(Multiboot2ModuleTag) + 1) {
      return Fail(Where().Text("size ").Dec(tag.size()).Text(" is too small for a module tag"));
    }
    const uint32_t start = LoadLe<uint32_t>(tag, 8);
    const uint32_t end = LoadLe<uint32_t>(tag, 12);
    if (end < start) {
      return Fail(Where().Text("mod_end ").Hex(end).Text(" < mod_start ").Hex(start));
    }
    if (out_->module_count == BootInfo::kMaxModules) {
      return Fail(Where().Text("more than ").Dec(BootInfo::kMaxModules).Text(" modules"));
    }
    BootModule& module = out_->modules[out_->module_count];
    TRY(CopyString(tag.Subspan(sizeof(Multiboot2ModuleTag)), module.cmdline,
                   BootModule::kMaxCmdline));
    module.phys_start = start;
    module.phys_end = end;
    ++out_->module_count;
    return kstd::Ok();
  }

  Result<void> ParseMemoryMap(ByteSpan tag) {
    if (tag.size() < sizeof(Multiboot2MemoryMapTag)) {
      return Fail(Where().Text("size ").Dec(tag.size()).Text(" is too small for a memory map"));
    }
    const uint32_t entry_size = LoadLe<uint32_t>(tag, 8);
    // entry_version is not checked: §3.6.8 promises later versions only append
    // fields, which entry_size lets us step over.
    if (entry_size < sizeof(Multiboot2MemoryMapEntry) || entry_size % 8 != 0) {
      return Fail(Where()
                      .Text("entry_size ")
                      .Dec(entry_size)
                      .Text(" is not a multiple of 8 that is at least 24"));
    }
    const ByteSpan entries = tag.Subspan(sizeof(Multiboot2MemoryMapTag));
    if (entries.size() % entry_size != 0) {
      return Fail(Where()
                      .Text("entries of ")
                      .Dec(entry_size)
                      .Text(" bytes do not fill the ")
                      .Dec(entries.size())
                      .Text(" bytes after the header"));
    }
    for (size_t at = 0; at < entries.size(); at += entry_size) {
      const uint64_t base = LoadLe<uint64_t>(entries, at);
      const uint64_t length = LoadLe<uint64_t>(entries, at + 8);
      const uint32_t type = LoadLe<uint32_t>(entries, at + 16);
      if (length == 0) continue;
      uint64_t end;
      if (!kstd::CheckedAdd(base, length, &end)) {
        return Fail(Where()
                        .Text("entry ")
                        .Dec(at / entry_size)
                        .Text(" (base ")
                        .Hex(base)
                        .Text(", length ")
                        .Hex(length)
                        .Text(") wraps past 2^64"));
      }
      if (out_->memory_count == BootInfo::kMaxMemoryRanges) {
        return Fail(
            Where().Text("more than ").Dec(BootInfo::kMaxMemoryRanges).Text(" memory ranges"));
      }
      MemoryRange& range = out_->memory[out_->memory_count++];
      range.base = base;
      range.length = length;
      range.type = MemoryType(type);
    }
    return kstd::Ok();
  }

  // Copies the first `rsdp_size` bytes of the tag's payload (an RSDP copy).
  Result<void> CopyRsdp(ByteSpan tag, size_t rsdp_size, bool replace) {
    const ByteSpan rsdp = tag.Subspan(8, rsdp_size);
    if (rsdp.size() != rsdp_size) {
      return Fail(Where()
                      .Text("size ")
                      .Dec(tag.size())
                      .Text(" holds fewer than ")
                      .Dec(rsdp_size)
                      .Text(" RSDP bytes"));
    }
    if (!replace) return kstd::Ok();
    for (size_t i = 0; i < rsdp_size; ++i) out_->rsdp[i] = rsdp[i];
    for (size_t i = rsdp_size; i < BootInfo::kMaxRsdp; ++i) out_->rsdp[i] = 0;
    out_->rsdp_size = rsdp_size;
    return kstd::Ok();
  }

  const ByteSpan block_;
  BootInfo* const out_;
  const char** const why_;
  uint32_t seen_ = 0;  // Bit(type) for each single-instance tag already read
  uint32_t type_ = 0;  // the tag being parsed, for messages
  size_t offset_ = 0;
};

Result<void> Parse(ByteSpan info, uint64_t info_phys, BootInfo* out, const char** why) {
  auto fail = [why](const Message& message) {
    if (why != nullptr) *why = message.str();
    return Error::kBadMessage;
  };
  if (info.size() < sizeof(Multiboot2InfoHeader)) {
    return fail(Message()
                    .Text("multiboot2: ")
                    .Dec(info.size())
                    .Text(" bytes are too few for the 8-byte header"));
  }
  if (!kstd::IsAligned(info_phys, 8)) {
    return fail(
        Message().Text("multiboot2: info_phys ").Hex(info_phys).Text(" is not 8-byte aligned"));
  }
  const uint32_t total = LoadLe<uint32_t>(info, 0);
  if (total < sizeof(Multiboot2InfoHeader) + sizeof(Multiboot2TagHeader)) {
    return fail(Message()
                    .Text("multiboot2: total_size ")
                    .Dec(total)
                    .Text(" is too small for the header and end tag"));
  }
  if (total > info.size()) {
    return fail(Message()
                    .Text("multiboot2: total_size ")
                    .Dec(total)
                    .Text(" exceeds the ")
                    .Dec(info.size())
                    .Text(" bytes available"));
  }
  uint64_t info_end;
  if (!kstd::CheckedAdd(info_phys, total, &info_end)) {
    return fail(
        Message().Text("multiboot2: info block at ").Hex(info_phys).Text(" wraps past 2^64"));
  }
  TRY(Parser(info.Subspan(0, total), out, why).ParseTags());
  out->info_phys_start = info_phys;
  out->info_phys_end = info_end;
  return kstd::Ok();
}

}  // namespace

Result<void> ParseMultiboot2(ByteSpan info, uint64_t info_phys, BootInfo* out, const char** why) {
  // Placement-new resets in place: BootInfo is several KiB, too big for a
  // temporary on the boot stack.
  new (out) BootInfo();
  Result<void> result = Parse(info, info_phys, out, why);
  if (result.is_error()) new (out) BootInfo();  // never hand out half a BootInfo
  return result;
}

}  // namespace hal::x86_64
