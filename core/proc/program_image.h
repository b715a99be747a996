#pragma once

// Building a program's user image in an address space: the ELF segments, the
// stack (guard page region below it) and the Linux entry stack contents. Used
// by spawn (a new process) and execve (replacing the caller's image).

#include <stdint.h>

#include "core/vm/vm_aspace.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core {

struct ProgramArgs {
  kstd::Span<const char* const> argv;  // kernel copies
  kstd::Span<const char* const> envp;
  const char* execfn = nullptr;  // AT_EXECFN
  uint64_t extra_aux_type = 0;   // an OS-specific auxv entry (0: none)
  /// The dynamic linker a program with PT_INTERP names, as the caller read
  /// it: its file bytes, or (with them empty) its cached image.
  kstd::ByteSpan interp_file;
  const class ExecImage* interp_cached = nullptr;
  uint64_t extra_aux_value = 0;
  bool secure = false;  // AT_SECURE: a set-ID program (see posix::CredentialsForExec)
  uint32_t uid = 0, euid = 0, gid = 0, egid = 0;  // AT_UID, AT_EUID, AT_GID, AT_EGID
  /// The soft RLIMIT_STACK: the main thread's stack may use this much (the
  /// region is sized from it, within kMinStack..kMaxStack; demand-zero).
  uint64_t stack_limit = kDefaultStack;

  static constexpr uint64_t kDefaultStack = 8ull << 20;  // Linux's default RLIMIT_STACK
  static constexpr uint64_t kMinStack = 128ull << 10;
  static constexpr uint64_t kMaxStack = 1ull << 30;  // also for RLIM_INFINITY
};

/// Where exec puts position-independent images (Linux's ELF_ET_DYN_BASE for
/// programs; the dynamic linker below the stack, away from both).
inline constexpr uint64_t kDynBase = 0x555555554000ULL;
inline constexpr uint64_t kInterpBase = 0x7f0000000000ULL;

struct ProgramImage {
  uint64_t entry = 0;
  uint64_t sp = 0;
  uint64_t brk = 0;
  // Where the argv and envp strings landed on the stack (/proc/<pid>/cmdline, environ).
  uint64_t arg_start = 0, arg_end = 0;
  uint64_t env_start = 0, env_end = 0;
};

class ExecImage;

/// Loads the ELF `file` into `aspace` (empty, not running) and builds its
/// stack. A position-independent program (ET_DYN) goes at kDynBase. One with
/// PT_INTERP also gets the dynamic linker given in `args` (ET_DYN, without a
/// PT_INTERP of its own) at kInterpBase; it runs first, with AT_BASE its
/// address and AT_ENTRY, AT_PHDR the program's, as Linux's binfmt_elf. With `cached` (the same file
/// from the exec image cache) the segments show the cached pages copy-on-write and `file` may be
/// empty. On failure the address space may be half-built: discard it. Errors: kBadExecutable (with
/// `*why`), kTooBig (E2BIG), kNoMemory, kInvalid.
kstd::Result<ProgramImage> LoadProgram(vm::VmAspace* aspace, kstd::ByteSpan file,
                                       const ProgramArgs& args, const char** why,
                                       const ExecImage* cached = nullptr);

}  // namespace core
