#pragma once

// The Linux x86-64 signal frame's layouts: struct sigcontext (64-bit),
// uc_flags, the kernel's struct ucontext, struct rt_sigframe without its FPU
// area, the 512-byte FXSAVE area (struct _fpstate_64) and struct
// _fpx_sw_bytes with its magics. What the kernel writes and rt_sigreturn
// reads is explained in core/posix/signal_frame.h.
//
// Sources: arch/x86/include/uapi/asm/sigcontext.h, include/uapi/
// asm-generic/ucontext.h, arch/x86/include/uapi/asm/ucontext.h,
// arch/x86/include/asm/sigframe.h; Intel SDM vol. 1 §10.5.1 (FXSAVE).

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/signal.h"

namespace linux_abi {

/// struct sigcontext (64-bit), glibc's mcontext_t has the same bytes. 256 bytes.
struct SigContext {
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp;
  uint64_t rip, eflags;
  uint16_t cs, gs, fs, ss;  // gs/fs always 0; ss saved (UC_SIGCONTEXT_SS)
  uint64_t err;             // error code of the fault that raised the signal
  uint64_t trapno;          // its vector
  uint64_t oldmask;         // low word of the saved mask
  uint64_t cr2;             // its faulting address
  uint64_t fpstate;         // user address of the FPU area; 0 = none
  uint64_t reserved1[8];
};
static_assert(sizeof(SigContext) == 256);

// uc_flags.
inline constexpr uint64_t kUcFpXstate = 0x1;         // FPU area has xstate magic
inline constexpr uint64_t kUcSigcontextSs = 0x2;     // sigcontext.ss is valid
inline constexpr uint64_t kUcStrictRestoreSs = 0x4;  // restore ss as saved

/// The kernel's struct ucontext (its sigset is 8 bytes; glibc's ucontext_t
/// shares the first 304 bytes, then continues with a 128-byte sigset).
struct UContext {
  uint64_t uc_flags;
  uint64_t uc_link;
  StackT uc_stack;
  SigContext uc_mcontext;
  uint64_t uc_sigmask;  // the kernel's sigset_t
};
static_assert(sizeof(UContext) == 304);

/// struct rt_sigframe (x86-64), without the FPU area that follows it.
struct RtSigFrame {
  uint64_t pretcode;
  UContext uc;
  SigInfo info;
};
static_assert(sizeof(RtSigFrame) == 440);
static_assert(offsetof(RtSigFrame, uc) == 8);
static_assert(offsetof(RtSigFrame, info) == 312);

/// The 512-byte FXSAVE image (Intel SDM vol. 1 §10.5.1, 64-bit format).
inline constexpr size_t kFpuAreaSize = 512;
struct FxsaveArea {
  uint16_t fcw;
  uint16_t fsw;
  uint8_t ftw;  // abridged tag word
  uint8_t reserved0;
  uint16_t fop;
  uint64_t fip;
  uint64_t fdp;
  uint32_t mxcsr;
  uint32_t mxcsr_mask;
  uint8_t st[8][16];
  uint8_t xmm[16][16];
  uint8_t reserved1[48];
  uint8_t sw_reserved[48];  // Linux's struct _fpx_sw_bytes lives here
};
static_assert(sizeof(FxsaveArea) == kFpuAreaSize);

/// struct _fpx_sw_bytes: in FxsaveArea::sw_reserved when the area continues
/// with XSAVE state (Linux on an XSAVE CPU); absent in Tessera's frames.
inline constexpr uint32_t kFpXstateMagic1 = 0x46505853;  // "SXPF"
inline constexpr uint32_t kFpXstateMagic2 = 0x46505845;  // "EXPF", after the xstate
struct FpxSwBytes {
  uint32_t magic1;
  uint32_t extended_size;  // whole FPU area incl. MAGIC2
  uint64_t xfeatures;
  uint32_t xstate_size;  // XSAVE area size (MAGIC2 follows it)
  uint32_t padding[7];
};
static_assert(sizeof(FpxSwBytes) == 48);

}  // namespace linux_abi
