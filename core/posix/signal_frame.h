#pragma once

// The Linux x86-64 signal frame (arch/x86/kernel/signal.c, rt_sigframe):
// what the kernel writes on the user stack before it enters a handler, and
// what rt_sigreturn reads back. The layout is Linux's byte for byte, so
// glibc's and musl's restorers (`mov $15, %eax; syscall`), libgcc's unwinder
// (which finds the ucontext right above the restorer's return address) and
// debuggers work unchanged.
//
//   new rsp ->  +0    pretcode      sa_restorer: the handler's return address
//               +8    ucontext      uc_flags, uc_link, uc_stack,
//                                   uc_mcontext (struct sigcontext), uc_sigmask
//               +312  siginfo       128 bytes (zero unless SA_SIGINFO)
//               +440  (padding to the 64-byte aligned FPU area)
//               +456  FPU area      512-byte FXSAVE image, 64-byte aligned
//               +968  (end; then at least the 128-byte red zone, then the
//                      interrupted rsp)
//
// Placement (Linux's get_sigframe): start from the interrupted rsp; skip the
// 128-byte red zone; with SA_ONSTACK, if the thread is not already on its
// alternate stack, start instead from the alternate stack's top; put the FPU
// area below, aligned down to 64; put the frame below that, aligned so that
// rsp ≡ 8 (mod 16) at handler entry, as right after a `call`. A frame that
// would leave the alternate stack it is on is refused (the caller then
// raises SIGSEGV, as Linux does).
//
// FPU area format. Tessera keeps each thread's FPU/SSE state as a 512-byte
// FXSAVE image (no XSAVE), so the frame carries the legacy 512-byte layout
// with no extended state: uc_flags lacks UC_FP_XSTATE and the software-
// reserved bytes 464..511 are zero (no FP_XSTATE_MAGIC1, no MAGIC2 trailer).
// This is the layout Linux itself uses on CPUs without XSAVE (uc_flags tells
// readers which one they have). glibc and musl never read the FPU area (their
// restorer only calls rt_sigreturn; getcontext/setcontext use their own
// ucontext copies), and Linux's own rt_sigreturn accepts it (it falls back
// to FXRSTOR-only state when MAGIC1 is absent; verified on the host by
// signal_frame_host_test). rt_sigreturn here accepts both: a frame with
// MAGIC1 (written by a Linux kernel or by a program copying one) is read as
// its legacy 512-byte part.
//
// Sigreturn validation (everything in the frame is user-controlled):
//   rip       must be canonical and below the user address limit (kFault)
//   cs, ss    ignored; the kernel's user selectors are used
//   rflags    only the bits Linux lets user space restore (AC OF DF TF SF ZF
//             AF PF CF RF); IF, IOPL, NT, VM, VIF, VIP, ID come from the
//             flags of the rt_sigreturn syscall itself, with IF forced on
//             and IOPL/NT/VM/VIF/VIP forced off
//   fpstate   0 = reset the FPU to its initial state; otherwise 16-byte
//             aligned (FXRSTOR's rule; kFault otherwise) and readable
//   MXCSR     reserved bits (outside the CPU's MXCSR_MASK) are cleared, so
//             the kernel's FXRSTOR can never #GP; the software-reserved
//             bytes are cleared
//   mask      SIGKILL/SIGSTOP removed
// Anything that fails is kFault: the caller raises SIGSEGV (Linux's
// "badframe").

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/signal.h"
#include "abi/linux/ucontext.h"
#include "core/posix/signals.h"
#include "kstd/result.h"

namespace core::posix {

/// The user registers of an interrupted thread, in struct sigcontext order.
/// The syscall layer converts hal::UserFrame to and from this.
struct UserRegs {
  uint64_t r8 = 0, r9 = 0, r10 = 0, r11 = 0, r12 = 0, r13 = 0, r14 = 0, r15 = 0;
  uint64_t rdi = 0, rsi = 0, rbp = 0, rbx = 0, rdx = 0, rax = 0, rcx = 0, rsp = 0;
  uint64_t rip = 0, rflags = 0;
  uint64_t cs = 0, ss = 0;
};

// rflags bits (Intel SDM vol. 1 §3.4.3).
inline constexpr uint64_t kFlagCf = 1u << 0;
inline constexpr uint64_t kFlagFixed1 = 1u << 1;  // always set
inline constexpr uint64_t kFlagPf = 1u << 2;
inline constexpr uint64_t kFlagAf = 1u << 4;
inline constexpr uint64_t kFlagZf = 1u << 6;
inline constexpr uint64_t kFlagSf = 1u << 7;
inline constexpr uint64_t kFlagTf = 1u << 8;
inline constexpr uint64_t kFlagIf = 1u << 9;
inline constexpr uint64_t kFlagDf = 1u << 10;
inline constexpr uint64_t kFlagOf = 1u << 11;
inline constexpr uint64_t kFlagIopl = 3u << 12;
inline constexpr uint64_t kFlagNt = 1u << 14;
inline constexpr uint64_t kFlagRf = 1u << 16;
inline constexpr uint64_t kFlagVm = 1u << 17;
inline constexpr uint64_t kFlagAc = 1u << 18;
inline constexpr uint64_t kFlagVif = 1u << 19;
inline constexpr uint64_t kFlagVip = 1u << 20;
inline constexpr uint64_t kFlagId = 1u << 21;
/// The flags rt_sigreturn takes from the frame (Linux's FIX_EFLAGS).
inline constexpr uint64_t kSigreturnFlags = kFlagAc | kFlagOf | kFlagDf | kFlagTf | kFlagSf |
                                            kFlagZf | kFlagAf | kFlagPf | kFlagCf | kFlagRf;

// ---------------------------------------------------------------------------
// The layouts (struct sigcontext, ucontext, rt_sigframe, the FXSAVE area and
// _fpx_sw_bytes) are the Linux ABI's: abi/linux/ucontext.h.

/// The FPU state a signal handler starts with and that rt_sigreturn restores
/// when the frame has no FPU area: FCW 0x037F, MXCSR 0x1F80, all else zero.
void InitialFpuState(uint8_t out[linux_abi::kFpuAreaSize]);
/// MXCSR bits valid when the CPU's MXCSR_MASK is unknown (or reads 0).
inline constexpr uint32_t kDefaultMxcsrMask = 0x0000FFBF;

// ---------------------------------------------------------------------------
// Placement.

struct FrameLayout {
  uint64_t frame;     // new rsp: the pretcode slot, ≡ 8 (mod 16)
  uint64_t fpstate;   // the FPU area, 64-byte aligned, `fpu_size` bytes
  bool on_alt_stack;  // the frame is on the alternate stack
};

/// Where Linux places a frame whose FPU area takes `fpu_size` bytes (512
/// here; larger with XSAVE) for a thread interrupted at `rsp` with action
/// `action` and alternate stack `alt`. Errors: kFault (the frame would leave
/// the alternate stack, or wrap below address 0).
kstd::Result<FrameLayout> ComputeFrameLayout(uint64_t rsp, uint64_t fpu_size,
                                             const linux_abi::KSigAction& action,
                                             const linux_abi::StackT& alt);

// ---------------------------------------------------------------------------
// Building a frame.

/// The fault that raised the signal: copied into sigcontext trapno/err/cr2
/// (Linux copies the thread's last fault; zeros for other signals are fine).
struct FaultRegs {
  uint64_t trapno = 0;
  uint64_t err = 0;
  uint64_t cr2 = 0;
};

struct SignalFrameInput {
  UserRegs regs;                 // interrupted registers (ApplySyscallRestart done)
  const uint8_t* fpu = nullptr;  // the thread's 512-byte FXSAVE image
  int signo = 0;
  linux_abi::SigInfo info;       // written only with SA_SIGINFO (else zeros)
  linux_abi::KSigAction action;  // Delivery::action
  SigSet saved_mask = 0;         // ThreadSignals::MaskToSave()
  linux_abi::StackT alt_stack;   // ThreadSignals::alt_stack()
  FaultRegs fault;
};

/// Largest image BuildSignalFrame produces (it is always this size today).
inline constexpr size_t kSignalFrameImageSize = 968;

struct SignalFrame {
  /// Copy `size` bytes of `image` to user address `address` (the new rsp).
  uint64_t address = 0;
  size_t size = 0;
  alignas(16) uint8_t image[kSignalFrameImageSize];
  /// Registers to enter the handler with: rip = handler, rsp = address,
  /// rdi = signo, rsi = &siginfo, rdx = &ucontext, rax = 0, cs/ss = the
  /// interrupted ones (the caller forces its user selectors), rflags without
  /// DF, RF and TF; everything else as interrupted. The FPU must also be
  /// reset to InitialFpuState.
  UserRegs handler_regs;
  /// The image's ucontext and siginfo addresses (= handler rdx, rsi).
  uint64_t ucontext_address = 0;
  uint64_t siginfo_address = 0;
};

/// Builds the frame for a handler delivery. On success the caller copies
/// the image to user memory (on failure of that copy: ForceSegvForBadFrame),
/// loads handler_regs and the initial FPU state, and calls
/// ThreadSignals::CommitHandler. Errors: kFault (no SA_RESTORER: x86-64
/// Linux refuses handlers without a restorer; null fpu; the frame does not
/// fit, see ComputeFrameLayout). `out` is large (~1.2 KiB); the caller
/// decides where it lives.
kstd::Result<void> BuildSignalFrame(const SignalFrameInput& in, SignalFrame* out);

// ---------------------------------------------------------------------------
// rt_sigreturn.

/// Reads `len` bytes of user memory at `address` into `dst` with fault
/// handling; false if any byte cannot be read.
using UserReadFn = bool (*)(void* context, uint64_t address, void* dst, size_t len);

struct SigreturnContext {
  uint64_t user_cs = 0;                             // the kernel's 64-bit user code selector
  uint64_t user_ss = 0;                             // the kernel's user data/stack selector
  uint64_t user_limit = 0;                          // highest user address + 1 (rip must be below)
  uint64_t current_rflags = kFlagIf | kFlagFixed1;  // rflags at the syscall
  uint32_t mxcsr_mask = kDefaultMxcsrMask;          // the CPU's MXCSR_MASK
};

struct SigreturnState {
  UserRegs regs;                                     // validated; rax is rt_sigreturn's "result"
  alignas(16) uint8_t fpu[linux_abi::kFpuAreaSize];  // sanitized FXSAVE image to load
  SigSet mask = 0;                                   // the blocked mask to restore (SetBlocked)
  linux_abi::StackT alt_stack;  // uc_stack: ThreadSignals::RestoreAltStack(it, rsp)
};

/// Parses the frame of the handler returning with rt_sigreturn at user
/// stack pointer `rsp` (the restorer's `ret` popped pretcode, so the
/// ucontext starts at rsp). Reads through `read`. On success the caller
/// restores: RestoreAltStack(alt_stack, rsp) first, then SetBlocked(mask),
/// regs (returning to user mode in a way that restores every register,
/// including rcx and r11, i.e. IRET) and fpu; and does NOT apply syscall
/// restart to this syscall (rax is the interrupted code's rax).
/// Errors: kFault (unreadable frame or FPU area, non-canonical or kernel
/// rip, misaligned FPU area).
kstd::Result<void> ParseSigreturnFrame(uint64_t rsp, UserReadFn read, void* read_context,
                                       const SigreturnContext& context, SigreturnState* out);

// ---------------------------------------------------------------------------
// Syscall restart (arch/x86/kernel/signal.c).

inline constexpr uint64_t kSyscallInsnSize = 2;     // `syscall` is 0F 05
inline constexpr uint64_t kNrRestartSyscall = 219;  // __NR_restart_syscall

/// Applies Linux's restart rules to a thread leaving a syscall whose result
/// is in regs.rax and whose number was `syscall_nr`, when a signal is about
/// to be handled by `handler` (null: no handler will run, e.g. the signal
/// stopped the process, or there was none):
///   -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK: EINTR with a handler;
///   -ERESTARTSYS: EINTR with a handler lacking SA_RESTART, else restart;
///   -ERESTARTNOINTR: always restart.
/// Without a handler all four restart; RESTART_RESTARTBLOCK restarts as
/// restart_syscall(2). Restart = rax back to the syscall number (or 219),
/// rip back over the `syscall` instruction. Other results are untouched.
/// Call it once, before BuildSignalFrame or before returning to user mode.
void ApplySyscallRestart(UserRegs& regs, uint64_t syscall_nr, const linux_abi::KSigAction* handler);

}  // namespace core::posix
