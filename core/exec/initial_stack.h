#pragma once

// The initial user stack of a Linux x86-64 process: what `rsp` points at when
// a static program's _start runs (System V AMD64 psABI §3.4.1 "Initial Stack
// and Register State", and the layout Linux's fs/binfmt_elf.c builds). The
// bytes are built in a caller-given buffer; the caller copies them into the
// new address space. Pure code: no allocation, no global state.
//
// From high addresses to low, as built here:
//   stack_top ->  (end)
//                 AT_RANDOM: 16 random bytes, 16-byte aligned
//                 "x86_64\0"                 (AT_PLATFORM)
//                 argv strings, then envp strings, ascending and contiguous
//                 AT_EXECFN string
//                 zero padding to 16 bytes
//                 auxv: (type, value) pairs, ending with AT_NULL
//                 envp[0..envc-1], NULL
//                 argv[0..argc-1], NULL
//   sp ->         argc                       (sp % 16 == 0)
//
// auxv, in this order (numbers from Linux's include/uapi/linux/auxvec.h):
//   AT_HWCAP(16)   AT_PAGESZ(6)=4096  AT_CLKTCK(17)=100  AT_PHDR(3)  AT_PHENT(4)
//   AT_PHNUM(5)    AT_BASE(7)         AT_FLAGS(8)=0      AT_ENTRY(9)
//   AT_UID(11)     AT_EUID(12)        AT_GID(13)         AT_EGID(14)
//   AT_SECURE(23)  AT_RANDOM(25)      AT_HWCAP2(26)      AT_EXECFN(31) if given
//   AT_PLATFORM(15)  AT_MINSIGSTKSZ(51) if given  AT_NULL(0)
// AT_SYSINFO_EHDR(33) is left out: Tessera maps no vDSO, and libcs then make
// real system calls for clock_gettime and friends.

#include <stddef.h>
#include <stdint.h>

#include "kstd/result.h"
#include "kstd/span.h"

namespace core::exec {

inline constexpr uint64_t kAuxPageSize = 4096;
inline constexpr uint64_t kAuxClockTicks = 100;  // USER_HZ: times() and /proc units
inline constexpr char kPlatform[] = "x86_64";
inline constexpr size_t kRandomBytes = 16;

/// Bytes of argv and envp, counted as Linux does: every string with its NUL
/// plus one 8-byte pointer per string. Over the limit: kTooBig (E2BIG).
inline constexpr size_t kMaxArgBytes = 128 * 1024;
/// At most this many argv plus envp strings (E2BIG).
inline constexpr size_t kMaxArgStrings = 16 * 1024;
/// The AT_EXECFN string with its NUL (PATH_MAX); longer: kNameTooLong.
inline constexpr size_t kMaxExecfnBytes = 4096;
/// At most this many auxv pairs are written, AT_NULL included.
inline constexpr size_t kMaxAuxvEntries = 24;
/// A scratch buffer this large always suffices for BuildInitialStack.
inline constexpr size_t kMaxStackImageBytes = kRandomBytes + sizeof(kPlatform) + kMaxArgBytes +
                                              kMaxExecfnBytes + 15 /* alignment */ +
                                              kMaxAuxvEntries * 16 + 3 * 8 /* argc, 2 NULLs */;

/// The process-specific auxv values. The caller fills the image fields from
/// LoadedImage (elf_loader.h) and the rest from the CPU, the credentials and
/// the kernel's random number generator.
struct AuxInputs {
  uint64_t phdr = 0;    // AT_PHDR
  uint64_t phent = 56;  // AT_PHENT: sizeof(Elf64_Phdr)
  uint64_t phnum = 0;   // AT_PHNUM
  uint64_t entry = 0;   // AT_ENTRY: the program's entry point (biased)
  uint64_t base = 0;    // AT_BASE: the interpreter's load address; 0 for static programs
  uint64_t hwcap = 0;   // AT_HWCAP: on x86, CPUID.01H:EDX
  uint64_t hwcap2 = 0;  // AT_HWCAP2: bit 1 = FSGSBASE usable from user mode
  uint64_t uid = 0, euid = 0, gid = 0, egid = 0;
  bool secure = false;                // AT_SECURE: set-id exec; libcs then ignore LD_*-style env
  uint8_t random[kRandomBytes] = {};  // AT_RANDOM: stack-protector and pointer-guard seed
  const char* execfn = nullptr;       // AT_EXECFN: the path given to execve; nullptr: not emitted
  uint64_t minsigstksz = 0;           // AT_MINSIGSTKSZ: signal frame size; 0: not emitted
  // An OS-specific entry (Tessera's bootstrap handle, tessera::kAuxBootstrapHandle),
  // emitted just before AT_NULL when extra_type != 0.
  uint64_t extra_type = 0;
  uint64_t extra_value = 0;
};

/// The built stack: copy `bytes` to [sp, stack_top). Addresses are user ones.
struct StackImage {
  uint64_t sp = 0;                      // rsp at entry: points at argc, 16-byte aligned
  kstd::Span<const uint8_t> bytes;      // a prefix of the scratch buffer
  uint64_t argc = 0;                    // after an empty argv became {""}
  uint64_t arg_start = 0, arg_end = 0;  // argv strings (with NULs): /proc/<pid>/cmdline
  uint64_t env_start = 0, env_end = 0;  // envp strings (with NULs): /proc/<pid>/environ
  uint64_t random = 0;                  // AT_RANDOM
  uint64_t platform = 0;                // AT_PLATFORM
  uint64_t execfn = 0;                  // AT_EXECFN, or 0
};

/// Builds the entry stack for `argv` and `envp` (kernel copies of the user's
/// NUL-terminated strings) ending at `stack_top` (16-byte aligned). An empty
/// argv is given one empty string, as Linux does since 5.18, so argv[0] is
/// never NULL. Writes only a prefix of `scratch`; reads nothing else.
///
/// Errors:
/// - kTooBig: argv+envp exceed kMaxArgBytes or kMaxArgStrings (E2BIG).
/// - kNameTooLong: aux.execfn with its NUL exceeds kMaxExecfnBytes.
/// - kInvalid: stack_top not 16-byte aligned or too low to hold the image; a
///   nullptr string in argv or envp.
/// - kNoSpace: `scratch` is smaller than the image (kMaxStackImageBytes always fits).
kstd::Result<StackImage> BuildInitialStack(uint64_t stack_top, kstd::Span<const char* const> argv,
                                           kstd::Span<const char* const> envp, const AuxInputs& aux,
                                           kstd::Span<uint8_t> scratch);

}  // namespace core::exec
