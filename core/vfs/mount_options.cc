#include "core/vfs/mount_options.h"

#include "abi/linux/mount.h"

namespace core::vfs {
namespace {

constexpr uint64_t kPageSize = 4096;

// The bits path_mount clears before it picks the operation: per-mount
// flags, which a propagation change does not look at.
constexpr uint64_t kMsPerMount = linux_abi::kMsNoSuid | linux_abi::kMsNoDev | linux_abi::kMsNoExec |
                                 linux_abi::kMsNoAtime | linux_abi::kMsNoDirAtime |
                                 linux_abi::kMsRelatime | linux_abi::kMsStrictAtime |
                                 linux_abi::kMsNoSymFollow;
constexpr uint64_t kMsPropagation =
    linux_abi::kMsShared | linux_abi::kMsPrivate | linux_abi::kMsSlave | linux_abi::kMsUnbindable;
// Everything Tessera accepts (MS_NOSYMFOLLOW, MS_POSIXACL and MS_I_VERSION
// are known but refused below; so is MS_BIND without MS_REMOUNT).
constexpr uint64_t kMsKnown =
    linux_abi::kMsReadOnly | linux_abi::kMsNoSuid | linux_abi::kMsNoDev | linux_abi::kMsNoExec |
    linux_abi::kMsSynchronous | linux_abi::kMsRemount | linux_abi::kMsMandLock |
    linux_abi::kMsDirSync | linux_abi::kMsNoAtime | linux_abi::kMsNoDirAtime | linux_abi::kMsBind |
    linux_abi::kMsMove | linux_abi::kMsRec | linux_abi::kMsSilent | kMsPropagation |
    linux_abi::kMsRelatime | linux_abi::kMsStrictAtime | linux_abi::kMsLazyTime;
constexpr uint64_t kMsAtime = linux_abi::kMsNoAtime | linux_abi::kMsNoDirAtime |
                              linux_abi::kMsRelatime | linux_abi::kMsStrictAtime;

// Calls fn(key, value, has_value) for each non-empty comma-separated option
// (value: what follows the first '='), stopping at the first error.
template <typename Fn>
kstd::Result<void> ForEachOption(Name data, Fn fn) {
  size_t start = 0;
  while (start <= data.size()) {
    size_t end = start;
    while (end < data.size() && data[end] != ',') ++end;
    if (end > start) {
      size_t eq = start;
      while (eq < end && data[eq] != '=') ++eq;
      Name key(data.data() + start, eq - start);
      bool has_value = eq < end;
      Name value = has_value ? Name(data.data() + eq + 1, end - eq - 1) : Name();
      TRY(fn(key, value, has_value));
    }
    start = end + 1;
  }
  return kstd::Ok();
}

// The words Linux's vfs_parse_sb_flag takes from `data` for any type.
bool ApplyGenericOption(Name key, bool has_value, uint32_t* flags) {
  if (has_value) return false;
  struct Word {
    const char* name;
    uint32_t flag;
    bool set;
  };
  static constexpr Word kWords[] = {
      {"ro", kMountReadOnly, true},
      {"rw", kMountReadOnly, false},
      {"sync", kMountSync, true},
      {"async", kMountSync, false},
      {"dirsync", kMountDirSync, true},
      {"lazytime", kMountLazyTime, true},
      {"nolazytime", kMountLazyTime, false},
      {"mand", 0, true},
      {"nomand", 0, false},  // ignored, as by Linux
  };
  for (const Word& w : kWords) {
    if (key == Name(w.name)) {
      *flags = w.set ? (*flags | w.flag) : (*flags & ~w.flag);
      return true;
    }
  }
  return false;
}

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

// Digits in `base` (0: "0x" hex, "0" octal, else decimal) from text[*pos];
// at least one. Errors: kInvalid (none, overflow).
kstd::Result<uint64_t> ParseUnsigned(Name text, size_t* pos, int base) {
  size_t i = *pos;
  if (base == 0) {
    base = 10;
    if (i < text.size() && text[i] == '0') {
      base = 8;
      bool hex_prefix = i + 2 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X') &&
                        DigitValue(text[i + 2]) < 16;
      if (hex_prefix) {
        base = 16;
        i += 2;
      }
    }
  }
  uint64_t value = 0;
  size_t first = i;
  for (; i < text.size() && DigitValue(text[i]) < base; ++i) {
    if (__builtin_mul_overflow(value, static_cast<uint64_t>(base), &value) ||
        __builtin_add_overflow(value, static_cast<uint64_t>(DigitValue(text[i])), &value)) {
      return kstd::Error::kInvalid;
    }
  }
  if (i == first) return kstd::Error::kInvalid;
  *pos = i;
  return value;
}

// Linux's memparse: a number with an optional binary suffix (k, m, g, t, p,
// e in either case). Returns the value; *pos is past the suffix.
kstd::Result<uint64_t> ParseMemory(Name text, size_t* pos) {
  uint64_t value = TRY(ParseUnsigned(text, pos, 0));
  if (*pos == text.size()) return value;
  int shift = 0;
  switch (text[*pos]) {
    case 'k':
    case 'K': shift = 10; break;
    case 'm':
    case 'M': shift = 20; break;
    case 'g':
    case 'G': shift = 30; break;
    case 't':
    case 'T': shift = 40; break;
    case 'p':
    case 'P': shift = 50; break;
    case 'e':
    case 'E': shift = 60; break;
    default: return value;
  }
  if (value > (~uint64_t{0} >> shift)) return kstd::Error::kInvalid;
  ++*pos;
  return value << shift;
}

// A whole value: memparse with nothing after it.
kstd::Result<uint64_t> ParseMemoryValue(Name text) {
  size_t pos = 0;
  uint64_t value = TRY(ParseMemory(text, &pos));
  if (pos != text.size()) return kstd::Error::kInvalid;
  return value;
}

// A whole 32-bit value in `base`.
kstd::Result<uint32_t> ParseU32(Name text, int base) {
  size_t pos = 0;
  uint64_t value = TRY(ParseUnsigned(text, &pos, base));
  if (pos != text.size() || value > 0xFFFFFFFFu) return kstd::Error::kInvalid;
  return static_cast<uint32_t>(value);
}

// An id for uid=/gid= (-1 is no id).
kstd::Result<uint32_t> ParseId(Name text) {
  uint32_t id = TRY(ParseU32(text, 0));
  if (id == 0xFFFFFFFFu) return kstd::Error::kInvalid;
  return id;
}

}  // namespace

kstd::Result<MountRequest> DecodeMountFlags(uint64_t ms_flags, uint64_t* refused) {
  uint64_t scratch;
  if (refused == nullptr) refused = &scratch;
  *refused = 0;
  if ((ms_flags & linux_abi::kMsMagicMask) == linux_abi::kMsMagicValue) {
    ms_flags &= ~linux_abi::kMsMagicMask;
  }
  if ((ms_flags & ~kMsKnown) != 0) {
    *refused = ms_flags & ~kMsKnown;
    return kstd::Error::kInvalid;
  }
  MountRequest request;
  struct Bit {
    uint64_t ms;
    uint32_t mount;
  };
  static constexpr Bit kBits[] = {
      {linux_abi::kMsReadOnly, kMountReadOnly}, {linux_abi::kMsNoSuid, kMountNoSuid},
      {linux_abi::kMsNoDev, kMountNoDev},       {linux_abi::kMsNoExec, kMountNoExec},
      {linux_abi::kMsSynchronous, kMountSync},  {linux_abi::kMsDirSync, kMountDirSync},
      {linux_abi::kMsLazyTime, kMountLazyTime}, {linux_abi::kMsNoDirAtime, kMountNoDirAtime},
  };
  uint32_t f = 0;
  for (const Bit& b : kBits) {
    if (ms_flags & b.ms) f |= b.mount;
  }
  // relatime unless noatime; strictatime clears both.
  if (ms_flags & linux_abi::kMsStrictAtime) {
    f |= kMountStrictAtime;
  } else if (ms_flags & linux_abi::kMsNoAtime) {
    f |= kMountNoAtime;
  }
  request.flags = f;
  request.atime_given = (ms_flags & kMsAtime) != 0;

  if ((ms_flags & (linux_abi::kMsRemount | linux_abi::kMsBind)) ==
      (linux_abi::kMsRemount | linux_abi::kMsBind)) {
    request.operation = MountOperation::kRemountBind;
  } else if (ms_flags & linux_abi::kMsRemount) {
    request.operation = MountOperation::kRemount;
  } else if (ms_flags & linux_abi::kMsBind) {
    *refused = linux_abi::kMsBind;
    return kstd::Error::kInvalid;
  } else if (ms_flags & kMsPropagation) {
    // Exactly one propagation type and nothing else but MS_REC/MS_SILENT
    // (the per-mount flags are dropped before Linux looks).
    uint64_t type = ms_flags & ~(linux_abi::kMsRec | linux_abi::kMsSilent | kMsPerMount);
    if (type != linux_abi::kMsPrivate) {
      *refused = type;
      return kstd::Error::kInvalid;
    }
    request.operation = MountOperation::kPrivate;
  } else if (ms_flags & linux_abi::kMsMove) {
    request.operation = MountOperation::kMove;
  } else {
    request.operation = MountOperation::kNew;
  }
  return request;
}

uint32_t RemountFlags(const MountRequest& request, uint32_t old_flags) {
  if (request.atime_given) return request.flags;
  return (request.flags & ~kMountAtimeMask) | (old_flags & kMountAtimeMask);
}

uint64_t TmpfsDefaultMaxBytes(uint64_t ram_bytes) { return ram_bytes / kPageSize / 2 * kPageSize; }
uint64_t TmpfsDefaultMaxInodes(uint64_t ram_bytes) { return ram_bytes / kPageSize / 2; }

kstd::Result<TmpfsOptions> ParseTmpfsOptions(Name data, uint64_t ram_bytes, uint32_t* flags) {
  TmpfsOptions o;
  TRY(ForEachOption(data, [&](Name key, Name value, bool has_value) -> kstd::Result<void> {
    if (ApplyGenericOption(key, has_value, flags)) return kstd::Ok();
    if (!has_value) {
      // Options that only say what Tessera's tmpfs is anyway.
      if (key == Name("inode64") || key == Name("noswap")) return kstd::Ok();
      return kstd::Error::kInvalid;
    }
    if (value.empty()) return kstd::Error::kInvalid;
    if (key == Name("size")) {
      size_t pos = 0;
      uint64_t size = TRY(ParseMemory(value, &pos));
      if (pos < value.size() && value[pos] == '%') {
        // Linux: (size << PAGE_SHIFT) * totalram_pages / 100.
        if (__builtin_mul_overflow(size, ram_bytes, &size)) return kstd::Error::kInvalid;
        size /= 100;
        ++pos;
      }
      if (pos != value.size()) return kstd::Error::kInvalid;
      uint64_t pages = size / kPageSize + (size % kPageSize != 0 ? 1 : 0);
      o.size_set = true;
      o.max_bytes = pages * kPageSize;
      return kstd::Ok();
    }
    if (key == Name("nr_blocks")) {
      uint64_t pages = TRY(ParseMemoryValue(value));
      if (pages > (~uint64_t{0}) / kPageSize) return kstd::Error::kInvalid;
      o.size_set = true;
      o.max_bytes = pages * kPageSize;
      return kstd::Ok();
    }
    if (key == Name("nr_inodes")) {
      o.inodes_set = true;
      o.max_inodes = TRY(ParseMemoryValue(value));
      return kstd::Ok();
    }
    if (key == Name("mode")) {
      o.mode_set = true;
      o.mode = TRY(ParseU32(value, 8)) & 07777;
      return kstd::Ok();
    }
    if (key == Name("uid")) {
      o.uid_set = true;
      o.uid = TRY(ParseId(value));
      return kstd::Ok();
    }
    if (key == Name("gid")) {
      o.gid_set = true;
      o.gid = TRY(ParseId(value));
      return kstd::Ok();
    }
    if (key == Name("huge") && value == Name("never")) return kstd::Ok();
    return kstd::Error::kInvalid;
  }));
  return o;
}

kstd::Result<void> ParseRamfsOptions(Name data, uint32_t* mode, uint32_t* flags) {
  return ForEachOption(data, [&](Name key, Name value, bool has_value) -> kstd::Result<void> {
    if (ApplyGenericOption(key, has_value, flags)) return kstd::Ok();
    if (key == Name("mode") && has_value) *mode = TRY(ParseU32(value, 8)) & 07777;
    return kstd::Ok();
  });
}

kstd::Result<void> ParseProcOptions(Name data, uint32_t* flags) {
  return ForEachOption(data, [&](Name key, Name value, bool has_value) -> kstd::Result<void> {
    if (ApplyGenericOption(key, has_value, flags)) return kstd::Ok();
    if (key == Name("hidepid") && (value == Name("0") || value == Name("off"))) return kstd::Ok();
    return kstd::Error::kInvalid;
  });
}

kstd::Result<void> ParseGenericOptions(Name data, uint32_t* flags) {
  return ForEachOption(data, [&](Name key, Name, bool has_value) -> kstd::Result<void> {
    if (ApplyGenericOption(key, has_value, flags)) return kstd::Ok();
    return kstd::Error::kInvalid;
  });
}

}  // namespace core::vfs
