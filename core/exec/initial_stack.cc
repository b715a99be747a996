#include "core/exec/initial_stack.h"

#include "abi/linux/auxv.h"
#include "kstd/utility.h"

namespace core::exec {

namespace {

using kstd::Error;
using kstd::Result;
using Strings = kstd::Span<const char* const>;

constexpr size_t kPointerSize = 8;

// Length of `s` with its NUL, or `limit + 1` if that exceeds `limit`: a string
// is never scanned past the budget it could still fit in.
size_t BoundedSize(const char* s, size_t limit) {
  for (size_t n = 0; n < limit; ++n) {
    if (s[n] == '\0') return n + 1;
  }
  return limit + 1;
}

// Adds the strings' bytes (and a pointer each) to *total. E2BIG past kMaxArgBytes.
Result<void> Measure(Strings strings, size_t* total) {
  for (size_t i = 0; i < strings.size(); ++i) {
    if (strings[i] == nullptr) return Error::kInvalid;
    *total += kPointerSize;
    if (*total > kMaxArgBytes) return Error::kTooBig;
    const size_t size = BoundedSize(strings[i], kMaxArgBytes - *total);
    *total += size;
    if (*total > kMaxArgBytes) return Error::kTooBig;
  }
  return kstd::Ok();
}

// Writes into the image, whose first byte is at user address `sp_`.
class Writer {
 public:
  Writer(uint8_t* out, uint64_t sp) : out_(out), sp_(sp) {}

  void Bytes(uint64_t addr, const void* src, size_t size) {
    __builtin_memcpy(out_ + (addr - sp_), src, size);
  }
  void Word(uint64_t addr, uint64_t value) { Bytes(addr, &value, sizeof(value)); }

  // Copies `strings` upward from *addr, never past `end`, writing their
  // addresses to the pointer slots from `slots` on, then a NULL slot. The
  // bound keeps the image intact even if a string changed since Measure.
  void CopyStrings(Strings strings, uint64_t* addr, uint64_t end, uint64_t slots) {
    for (size_t i = 0; i < strings.size(); ++i) {
      const size_t room = end - *addr;
      const size_t size = kstd::Min(BoundedSize(strings[i], room), room);
      Word(slots + i * kPointerSize, *addr);
      if (size > 0) Bytes(*addr, strings[i], size - 1);  // the NUL: already zero
      *addr += size;
    }
    Word(slots + strings.size() * kPointerSize, 0);
  }

 private:
  uint8_t* out_;
  uint64_t sp_;
};

}  // namespace

Result<StackImage> BuildInitialStack(uint64_t stack_top, Strings argv, Strings envp,
                                     const AuxInputs& aux, kstd::Span<uint8_t> scratch) {
  static const char* const kEmptyArgv[] = {""};
  if (argv.empty()) argv = Strings(kEmptyArgv);

  // Decode: measure and check everything before writing a byte.
  if (!kstd::IsAligned(stack_top, 16)) return Error::kInvalid;
  if (argv.size() > kMaxArgStrings || envp.size() > kMaxArgStrings - argv.size()) {
    return Error::kTooBig;
  }
  size_t arg_bytes = 0;
  TRY(Measure(argv, &arg_bytes));
  const size_t argv_string_bytes = arg_bytes - argv.size() * kPointerSize;
  TRY(Measure(envp, &arg_bytes));
  const size_t string_bytes = arg_bytes - (argv.size() + envp.size()) * kPointerSize;
  size_t execfn_size = 0;
  if (aux.execfn != nullptr) {
    execfn_size = BoundedSize(aux.execfn, kMaxExecfnBytes);
    if (execfn_size > kMaxExecfnBytes) return Error::kNameTooLong;
  }

  struct AuxEntry {
    uint64_t type;
    uint64_t value;
  };
  AuxEntry auxv[kMaxAuxvEntries];
  size_t aux_count = 0;
  auto add = [&](uint64_t type, uint64_t value) { auxv[aux_count++] = AuxEntry{type, value}; };

  const uint64_t random = stack_top - kRandomBytes;  // may wrap; checked below
  const uint64_t platform = random - sizeof(kPlatform);
  const uint64_t strings = platform - string_bytes;
  const uint64_t execfn = strings - execfn_size;
  add(linux_abi::kAtHwcap, aux.hwcap);
  add(linux_abi::kAtPagesz, kAuxPageSize);
  add(linux_abi::kAtClktck, kAuxClockTicks);
  add(linux_abi::kAtPhdr, aux.phdr);
  add(linux_abi::kAtPhent, aux.phent);
  add(linux_abi::kAtPhnum, aux.phnum);
  add(linux_abi::kAtBase, aux.base);
  add(linux_abi::kAtFlags, 0);
  add(linux_abi::kAtEntry, aux.entry);
  add(linux_abi::kAtUid, aux.uid);
  add(linux_abi::kAtEuid, aux.euid);
  add(linux_abi::kAtGid, aux.gid);
  add(linux_abi::kAtEgid, aux.egid);
  add(linux_abi::kAtSecure, aux.secure ? 1 : 0);
  add(linux_abi::kAtRandom, random);
  add(linux_abi::kAtHwcap2, aux.hwcap2);
  if (aux.execfn != nullptr) add(linux_abi::kAtExecfn, execfn);
  add(linux_abi::kAtPlatform, platform);
  if (aux.minsigstksz != 0) add(linux_abi::kAtMinsigstksz, aux.minsigstksz);
  if (aux.extra_type != 0) add(aux.extra_type, aux.extra_value);
  add(linux_abi::kAtNull, 0);

  // argc, argv + NULL, envp + NULL, auxv.
  const size_t vector_bytes =
      kPointerSize * (1 + argv.size() + 1 + envp.size() + 1) + aux_count * sizeof(AuxEntry);
  const size_t above_vectors = kRandomBytes + sizeof(kPlatform) + string_bytes + execfn_size;
  const size_t unaligned = above_vectors + vector_bytes;
  const size_t size = kstd::AlignUp(unaligned, 16);  // stack_top is 16-aligned
  if (stack_top < size) return Error::kInvalid;
  if (scratch.size() < size) return Error::kNoSpace;

  // Invoke: cannot fail.
  const uint64_t sp = stack_top - size;
  Writer out(scratch.data(), sp);
  __builtin_memset(scratch.data(), 0, size);
  out.Word(sp, argv.size());
  const uint64_t argv_slots = sp + kPointerSize;
  const uint64_t envp_slots = argv_slots + (argv.size() + 1) * kPointerSize;
  const uint64_t auxv_slots = envp_slots + (envp.size() + 1) * kPointerSize;
  uint64_t cursor = strings;
  out.CopyStrings(argv, &cursor, strings + argv_string_bytes, argv_slots);
  out.CopyStrings(envp, &cursor, platform, envp_slots);
  out.Bytes(auxv_slots, auxv, aux_count * sizeof(AuxEntry));
  if (aux.execfn != nullptr) out.Bytes(execfn, aux.execfn, execfn_size - 1);  // NUL: zeroed
  out.Bytes(platform, kPlatform, sizeof(kPlatform));
  out.Bytes(random, aux.random, kRandomBytes);

  StackImage image;
  image.sp = sp;
  image.bytes = kstd::Span<const uint8_t>(scratch.data(), size);
  image.argc = argv.size();
  image.arg_start = strings;
  image.arg_end = strings + argv_string_bytes;
  image.env_start = image.arg_end;
  image.env_end = platform;
  image.random = random;
  image.platform = platform;
  image.execfn = aux.execfn != nullptr ? execfn : 0;
  return image;
}

}  // namespace core::exec
