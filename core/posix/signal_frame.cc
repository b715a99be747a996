#include "core/posix/signal_frame.h"

#include "abi/linux/signal.h"
#include "abi/linux/ucontext.h"
#include "kstd/utility.h"

namespace core::posix {
namespace {

constexpr uint64_t kRedZone = 128;
constexpr uint64_t kFpuAlign = 64;
constexpr size_t kSwReservedOffset = offsetof(linux_abi::FxsaveArea, sw_reserved);

// Address bits below the canonical boundary (48-bit virtual addresses).
bool IsCanonical(uint64_t address) {
  int64_t sign_extended = static_cast<int64_t>(address << 16) >> 16;
  return static_cast<uint64_t>(sign_extended) == address;
}

// Linux's __on_sig_stack: inside (alt.sp, alt.sp + alt.size], ignoring
// SS_AUTODISARM.
bool InsideAltStack(const linux_abi::StackT& alt, uint64_t sp) {
  return sp > alt.sp && sp - alt.sp <= alt.size;
}

int64_t Neg(kstd::Error error) { return -static_cast<int64_t>(error); }

}  // namespace

void InitialFpuState(uint8_t out[linux_abi::kFpuAreaSize]) {
  linux_abi::FxsaveArea area;
  __builtin_memset(&area, 0, sizeof(area));
  area.fcw = 0x037F;
  area.mxcsr = 0x1F80;
  __builtin_memcpy(out, &area, sizeof(area));
}

kstd::Result<FrameLayout> ComputeFrameLayout(uint64_t rsp, uint64_t fpu_size,
                                             const linux_abi::KSigAction& action,
                                             const linux_abi::StackT& alt) {
  const bool nested = OnAltStack(alt, rsp);
  bool entering = false;
  if (rsp < kRedZone) return kstd::Error::kFault;
  uint64_t sp = rsp - kRedZone;
  if ((action.flags & linux_abi::kSaOnStack) &&
      (AltStackFlags(alt, sp) & ~linux_abi::kSsAutoDisarm) == 0) {
    if (alt.sp + alt.size < alt.sp) return kstd::Error::kFault;
    sp = alt.sp + alt.size;
    entering = true;
  }
  const uint64_t below = fpu_size + sizeof(linux_abi::RtSigFrame) + kFpuAlign + 16;
  if (sp < below) return kstd::Error::kFault;
  FrameLayout layout;
  layout.fpstate = kstd::AlignDown(sp - fpu_size, kFpuAlign);
  layout.frame = kstd::AlignDown(layout.fpstate - sizeof(linux_abi::RtSigFrame), 16) - 8;
  layout.on_alt_stack = nested || entering;
  // A frame that would run off the alternate stack it is on is refused.
  if (layout.on_alt_stack && !InsideAltStack(alt, layout.frame)) return kstd::Error::kFault;
  return layout;
}

kstd::Result<void> BuildSignalFrame(const SignalFrameInput& in, SignalFrame* out) {
  // x86-64 handlers return through sa_restorer; there is no kernel stub.
  if (!(in.action.flags & linux_abi::kSaRestorer)) return kstd::Error::kFault;
  if (in.fpu == nullptr) return kstd::Error::kFault;
  FrameLayout layout =
      TRY(ComputeFrameLayout(in.regs.rsp, linux_abi::kFpuAreaSize, in.action, in.alt_stack));
  const uint64_t fpu_offset = layout.fpstate - layout.frame;
  const uint64_t size = fpu_offset + linux_abi::kFpuAreaSize;
  if (size > kSignalFrameImageSize) return kstd::Error::kFault;  // cannot happen

  linux_abi::RtSigFrame frame;
  __builtin_memset(&frame, 0, sizeof(frame));
  frame.pretcode = in.action.restorer;
  frame.uc.uc_flags = linux_abi::kUcSigcontextSs | linux_abi::kUcStrictRestoreSs;
  frame.uc.uc_link = 0;
  frame.uc.uc_stack.sp = in.alt_stack.sp;
  frame.uc.uc_stack.flags = in.alt_stack.flags;
  frame.uc.uc_stack.size = in.alt_stack.size;
  linux_abi::SigContext& sc = frame.uc.uc_mcontext;
  const UserRegs& r = in.regs;
  sc.r8 = r.r8;
  sc.r9 = r.r9;
  sc.r10 = r.r10;
  sc.r11 = r.r11;
  sc.r12 = r.r12;
  sc.r13 = r.r13;
  sc.r14 = r.r14;
  sc.r15 = r.r15;
  sc.rdi = r.rdi;
  sc.rsi = r.rsi;
  sc.rbp = r.rbp;
  sc.rbx = r.rbx;
  sc.rdx = r.rdx;
  sc.rax = r.rax;
  sc.rcx = r.rcx;
  sc.rsp = r.rsp;
  sc.rip = r.rip;
  sc.eflags = r.rflags;
  sc.cs = static_cast<uint16_t>(r.cs);
  sc.gs = 0;
  sc.fs = 0;
  sc.ss = static_cast<uint16_t>(r.ss);
  sc.err = in.fault.err;
  sc.trapno = in.fault.trapno;
  sc.oldmask = in.saved_mask;
  sc.cr2 = in.fault.cr2;
  sc.fpstate = layout.fpstate;
  frame.uc.uc_sigmask = in.saved_mask;
  if (in.action.flags & linux_abi::kSaSigInfo) frame.info = in.info;

  out->address = layout.frame;
  out->size = size;
  __builtin_memset(out->image, 0, sizeof(out->image));
  __builtin_memcpy(out->image, &frame, sizeof(frame));
  uint8_t* fpu = out->image + fpu_offset;
  __builtin_memcpy(fpu, in.fpu, linux_abi::kFpuAreaSize);
  // Legacy format: no xstate magic, whatever the thread's image held there.
  __builtin_memset(fpu + kSwReservedOffset, 0, linux_abi::kFpuAreaSize - kSwReservedOffset);

  out->ucontext_address = layout.frame + offsetof(linux_abi::RtSigFrame, uc);
  out->siginfo_address = layout.frame + offsetof(linux_abi::RtSigFrame, info);
  UserRegs& h = out->handler_regs;
  h = r;
  h.rip = in.action.handler;
  h.rsp = layout.frame;
  h.rdi = static_cast<uint64_t>(in.signo);
  h.rsi = out->siginfo_address;
  h.rdx = out->ucontext_address;
  h.rax = 0;
  h.rflags &= ~(kFlagDf | kFlagRf | kFlagTf);
  return kstd::Ok();
}

kstd::Result<void> ParseSigreturnFrame(uint64_t rsp, UserReadFn read, void* read_context,
                                       const SigreturnContext& context, SigreturnState* out) {
  linux_abi::UContext uc;
  if (!read(read_context, rsp, &uc, sizeof(uc))) return kstd::Error::kFault;
  const linux_abi::SigContext& sc = uc.uc_mcontext;
  if (!IsCanonical(sc.rip) || sc.rip >= context.user_limit) return kstd::Error::kFault;

  UserRegs& r = out->regs;
  r.r8 = sc.r8;
  r.r9 = sc.r9;
  r.r10 = sc.r10;
  r.r11 = sc.r11;
  r.r12 = sc.r12;
  r.r13 = sc.r13;
  r.r14 = sc.r14;
  r.r15 = sc.r15;
  r.rdi = sc.rdi;
  r.rsi = sc.rsi;
  r.rbp = sc.rbp;
  r.rbx = sc.rbx;
  r.rdx = sc.rdx;
  r.rax = sc.rax;
  r.rcx = sc.rcx;
  r.rsp = sc.rsp;
  r.rip = sc.rip;
  uint64_t flags = (context.current_rflags & ~kSigreturnFlags) | (sc.eflags & kSigreturnFlags);
  flags |= kFlagIf | kFlagFixed1;
  flags &= ~(kFlagIopl | kFlagNt | kFlagVm | kFlagVif | kFlagVip);
  r.rflags = flags;
  r.cs = context.user_cs;
  r.ss = context.user_ss;

  if (sc.fpstate == 0) {
    InitialFpuState(out->fpu);
  } else {
    if (sc.fpstate % 16 != 0) return kstd::Error::kFault;
    if (!read(read_context, sc.fpstate, out->fpu, linux_abi::kFpuAreaSize)) {
      return kstd::Error::kFault;
    }
    linux_abi::FxsaveArea area;
    __builtin_memcpy(&area, out->fpu, sizeof(area));
    uint32_t mask = context.mxcsr_mask != 0 ? context.mxcsr_mask : kDefaultMxcsrMask;
    area.mxcsr &= mask;
    __builtin_memset(area.sw_reserved, 0, sizeof(area.sw_reserved));
    __builtin_memcpy(out->fpu, &area, sizeof(area));
  }
  out->mask = uc.uc_sigmask & ~kUnblockableSignals;
  out->alt_stack = uc.uc_stack;
  out->alt_stack.pad = 0;
  return kstd::Ok();
}

void ApplySyscallRestart(UserRegs& regs, uint64_t syscall_nr,
                         const linux_abi::KSigAction* handler) {
  const int64_t result = static_cast<int64_t>(regs.rax);
  const int64_t kSys = Neg(kstd::Error::kRestartSys);
  const int64_t kNoIntr = Neg(kstd::Error::kRestartNoIntr);
  const int64_t kNoHand = Neg(kstd::Error::kRestartNoHand);
  const int64_t kBlock = Neg(kstd::Error::kRestartBlock);
  const uint64_t eintr = static_cast<uint64_t>(Neg(kstd::Error::kInterrupted));
  bool restart = false;
  uint64_t restart_nr = syscall_nr;
  if (handler != nullptr) {
    if (result == kNoHand || result == kBlock) {
      regs.rax = eintr;
    } else if (result == kSys) {
      if (handler->flags & linux_abi::kSaRestart) {
        restart = true;
      } else {
        regs.rax = eintr;
      }
    } else if (result == kNoIntr) {
      restart = true;
    }
  } else {
    if (result == kNoHand || result == kSys || result == kNoIntr) {
      restart = true;
    } else if (result == kBlock) {
      restart = true;
      restart_nr = kNrRestartSyscall;
    }
  }
  if (restart) {
    regs.rax = restart_nr;
    regs.rip -= kSyscallInsnSize;
  }
}

}  // namespace core::posix
