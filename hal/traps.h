#pragma once

// Facade: how the CPU's traps into the kernel reach the portable kernel.
// core/ registers these once at boot; the backend calls them.

#include <stddef.h>
#include <stdint.h>

#include "hal/x86_64/interrupts.h"  // the saved user register frame
#include "hal/x86_64/percpu.h"      // the current thread, inline

namespace hal {

/// The user registers saved on kernel entry (syscall, interrupt, exception).
/// Core code uses the accessors below, not the fields.
using UserFrame = x86_64::InterruptFrame;

struct PageFaultInfo {
  uint64_t address;
  uint64_t rip;
  bool write;
  bool execute;
  bool user;     // the access was made in user mode
  bool present;  // the page was mapped (a protection violation)
};

/// What a fault raised by user code was. The backend classifies its own
/// exception numbers (x86-64: Intel SDM vol. 3A §6.15); core picks the signal.
enum class FaultKind : uint8_t {
  kDivideError,
  kDebugTrap,        // debug exception or breakpoint
  kOverflowOrBound,  // INTO overflow, BOUND range exceeded
  kInvalidOpcode,
  kFpuUnavailable,
  kGeneralProtection,
  kPageFault,
  kFloatingPoint,  // x87 or SIMD floating-point exception
  kAlignmentCheck,
  kOther,
};

/// A fault raised by user code that the kernel did not resolve.
struct UserFault {
  FaultKind kind = FaultKind::kOther;
  /// The backend's exception number and error code, for reports only.
  int vector = 0;
  uint64_t error_code = 0;
  /// The faulting address for page faults; the faulting instruction otherwise.
  uint64_t address = 0;
  /// Page faults: what the access was (page.address == address).
  PageFaultInfo page = {};
};

struct TrapHandlers {
  /// A page fault in user mode, or in kernel mode inside a user-memory copy.
  /// Returns true if it was resolved (demand paging, copy-on-write) and the
  /// access should be retried.
  bool (*page_fault)(const PageFaultInfo& info) = nullptr;
  /// A fault the kernel could not resolve, or another exception, raised by
  /// user code. Must not return to the faulting instruction unchanged (it
  /// kills the thread's process or redirects it to a signal handler).
  void (*user_fault)(UserFrame* frame, const UserFault& fault) = nullptr;
  /// A system call: number and arguments are in the frame; the result goes
  /// back with SetSyscallResult.
  void (*syscall)(UserFrame* frame) = nullptr;
  /// Runs just before every return to user mode (pending kills, signals);
  /// interrupts may be enabled (syscall path) or disabled (interrupt path).
  void (*return_to_user)(UserFrame* frame) = nullptr;
};

/// Installs the handlers and enables the SYSCALL instruction.
void InitTraps(const TrapHandlers& handlers);

// Syscall frame accessors (Linux x86-64 convention: number in rax, arguments
// in rdi, rsi, rdx, r10, r8, r9, result in rax).
inline uint64_t SyscallNumber(const UserFrame* f) { return f->rax; }
inline uint64_t SyscallArg(const UserFrame* f, int i) {
  switch (i) {
    case 0: return f->rdi;
    case 1: return f->rsi;
    case 2: return f->rdx;
    case 3: return f->r10;
    case 4: return f->r8;
    default: return f->r9;
  }
}
inline void SetSyscallResult(UserFrame* f, int64_t value) { f->rax = static_cast<uint64_t>(value); }
/// The result stored by SetSyscallResult (the same register as the number).
inline int64_t SyscallResult(const UserFrame* f) { return static_cast<int64_t>(f->rax); }
inline uint64_t UserPc(const UserFrame* f) { return f->rip; }
inline uint64_t UserSp(const UserFrame* f) { return f->rsp; }

/// The user registers saved when the current thread last entered the kernel
/// from user mode (valid inside a syscall or a fault from user mode).
UserFrame* CurrentUserFrame();

/// hal::CurrentThreadSlot() (hal/percpu.h) read inline, for the syscall entry
/// and exit paths (each call and return costs a translation-block lookup
/// under TCG).
inline void* CurrentThreadSlotInline() { return x86_64::CurrentThreadInline(); }

/// True if the frame was saved by the SYSCALL entry (not an interrupt or fault).
inline bool IsSyscallFrame(const UserFrame* f) { return f->vector == 0x100; }

/// Marks a frame whose registers were rewritten (signal delivery,
/// rt_sigreturn): it must go back to user mode with IRET, which restores
/// every register (SYSRET would clobber rcx and r11).
inline void MarkFrameModified(UserFrame* f) { f->vector = 0x101; }

/// The user-mode segment selectors.
uint64_t UserCodeSelector();
uint64_t UserDataSelector();
inline void ForceUserSelectors(UserFrame* f) {
  f->cs = UserCodeSelector();
  f->ss = UserDataSelector();
}

/// The CPU's MXCSR_MASK (which MXCSR bits FXRSTOR accepts).
uint32_t MxcsrMask();

/// Points a frame's user stack pointer at `sp` (clone with a new stack).
inline void SetUserStack(UserFrame* f, uint64_t sp) { f->rsp = sp; }

/// Makes a forked child return 0 from the system call its parent made.
inline void SetForkChildResult(UserFrame* f) { f->rax = 0; }

/// Fills `frame` to start user code at `pc` with stack `sp` and first
/// argument `arg0` (all other registers zero, interrupts enabled).
void InitUserFrame(UserFrame* frame, uint64_t pc, uint64_t sp, uint64_t arg0);

/// Leaves the kernel for user mode with the registers in `frame` (which must
/// lie on the current thread's kernel stack). Does not return.
[[noreturn]] void EnterUserMode(UserFrame* frame);

/// Copies between kernel memory and user memory. Fail (returning false) if
/// any byte of the user range is outside user space or cannot be made
/// present; never fault the kernel.
[[nodiscard]] bool CopyFromUser(void* dst, uint64_t user_src, size_t len);
[[nodiscard]] bool CopyToUser(uint64_t user_dst, const void* src, size_t len);

/// The highest user address + 1.
uint64_t UserAddressLimit();

}  // namespace hal
