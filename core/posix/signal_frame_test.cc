#include "core/posix/signal_frame.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <string.h>
#include <sys/ucontext.h>

#include <random>
#include <vector>

#include "abi/linux/signal.h"
#include "abi/linux/ucontext.h"

namespace core::posix {
namespace {

constexpr uint64_t kUserCs = 0x33;
constexpr uint64_t kUserSs = 0x2b;
constexpr uint64_t kUserLimit = 0x0000800000000000;
constexpr uint64_t kHandlerAddr = 0x401000;
constexpr uint64_t kRestorerAddr = 0x401800;

// User memory for the parser: one window of bytes at `base`.
struct FakeMemory {
  uint64_t base = 0;
  std::vector<uint8_t> bytes;

  FakeMemory(uint64_t b, size_t size) : base(b), bytes(size, 0xCC) {}
  void Write(uint64_t address, const void* data, size_t size) {
    ASSERT_GE(address, base);
    ASSERT_LE(address - base + size, bytes.size());
    memcpy(bytes.data() + (address - base), data, size);
  }
  static bool Read(void* context, uint64_t address, void* dst, size_t len) {
    auto* self = static_cast<FakeMemory*>(context);
    if (address < self->base || address - self->base > self->bytes.size() ||
        len > self->bytes.size() - (address - self->base)) {
      return false;
    }
    memcpy(dst, self->bytes.data() + (address - self->base), len);
    return true;
  }
};

UserRegs SampleRegs(uint64_t rsp) {
  UserRegs r;
  uint64_t v = 0x1111111111111111;
  for (uint64_t* reg : {&r.r8, &r.r9, &r.r10, &r.r11, &r.r12, &r.r13, &r.r14, &r.r15, &r.rdi,
                        &r.rsi, &r.rbp, &r.rbx, &r.rdx, &r.rax, &r.rcx}) {
    *reg = v;
    v += 0x0101010101010101;
  }
  r.rsp = rsp;
  r.rip = 0x402345;
  r.rflags = kFlagIf | kFlagFixed1 | kFlagCf | kFlagZf | kFlagDf;
  r.cs = kUserCs;
  r.ss = kUserSs;
  return r;
}

void SampleFpu(uint8_t out[linux_abi::kFpuAreaSize]) {
  InitialFpuState(out);
  linux_abi::FxsaveArea area;
  memcpy(&area, out, sizeof(area));
  area.mxcsr = 0x1F80 | 0x6000;  // rounding toward zero
  for (int i = 0; i < 16; ++i) memset(area.xmm[i], 0x40 + i, 16);
  area.st[0][0] = 0x77;
  memcpy(out, &area, sizeof(area));
}

linux_abi::KSigAction SampleAction(uint64_t flags = linux_abi::kSaSigInfo) {
  linux_abi::KSigAction a;
  a.handler = kHandlerAddr;
  a.flags = flags | linux_abi::kSaRestorer;
  a.restorer = kRestorerAddr;
  a.mask = SigMask(linux_abi::kSigUsr2);
  return a;
}

SigreturnContext Context() {
  SigreturnContext c;
  c.user_cs = kUserCs;
  c.user_ss = kUserSs;
  c.user_limit = kUserLimit;
  c.current_rflags = kFlagIf | kFlagFixed1;
  c.mxcsr_mask = 0xFFFF;
  return c;
}

TEST(SignalFrameLayoutTest, InitialFpuState) {
  uint8_t fpu[linux_abi::kFpuAreaSize];
  memset(fpu, 0xAA, sizeof(fpu));
  InitialFpuState(fpu);
  linux_abi::FxsaveArea area;
  memcpy(&area, fpu, sizeof(area));
  EXPECT_EQ(area.fcw, 0x037F);
  EXPECT_EQ(area.mxcsr, 0x1F80u);
  EXPECT_EQ(area.fsw, 0);
  EXPECT_EQ(area.ftw, 0);
  for (size_t i = 32; i < linux_abi::kFpuAreaSize; ++i) ASSERT_EQ(fpu[i], 0) << i;
}

// --- Building ------------------------------------------------------------------

TEST(SignalFrameBuildTest, FrameContentsAndHandlerRegisters) {
  const uint64_t rsp = 0x7ffff7ff0000 - 0x38;
  SignalFrameInput in;
  in.regs = SampleRegs(rsp);
  uint8_t fpu[linux_abi::kFpuAreaSize];
  SampleFpu(fpu);
  // Leftover xstate magic in the thread image must not leak into the frame.
  linux_abi::FpxSwBytes sw = {linux_abi::kFpXstateMagic1, 520, 3, 516, {}};
  memcpy(fpu + offsetof(linux_abi::FxsaveArea, sw_reserved), &sw, sizeof(sw));
  in.fpu = fpu;
  in.signo = linux_abi::kSigUsr1;
  in.info = linux_abi::SigInfo::FromKill(linux_abi::kSigUsr1, 42, 1000, linux_abi::kSiTkill);
  in.action = SampleAction();
  in.saved_mask = SigMask(linux_abi::kSigInt) | SigMask(40);
  in.alt_stack.sp = 0x500000;
  in.alt_stack.size = 0x10000;
  in.alt_stack.flags = 0;
  in.fault = {14, 6, 0xdead000};
  SignalFrame out;
  ASSERT_TRUE(BuildSignalFrame(in, &out).ok());

  EXPECT_EQ(out.size, kSignalFrameImageSize);
  EXPECT_EQ(out.address % 16, 8u);
  EXPECT_LE(out.address + out.size, rsp - 128);            // the red zone is left alone
  EXPECT_GT(out.address + out.size + 64 + 16, rsp - 128);  // and no more than alignment
  linux_abi::RtSigFrame frame;
  memcpy(&frame, out.image, sizeof(frame));
  EXPECT_EQ(frame.pretcode, kRestorerAddr);
  EXPECT_EQ(frame.uc.uc_flags, linux_abi::kUcSigcontextSs | linux_abi::kUcStrictRestoreSs);
  EXPECT_EQ(frame.uc.uc_link, 0u);
  EXPECT_EQ(frame.uc.uc_stack.sp, 0x500000u);
  EXPECT_EQ(frame.uc.uc_stack.size, 0x10000u);
  EXPECT_EQ(frame.uc.uc_stack.flags, 0);
  const linux_abi::SigContext& sc = frame.uc.uc_mcontext;
  EXPECT_EQ(sc.r8, in.regs.r8);
  EXPECT_EQ(sc.r15, in.regs.r15);
  EXPECT_EQ(sc.rdi, in.regs.rdi);
  EXPECT_EQ(sc.rax, in.regs.rax);
  EXPECT_EQ(sc.rcx, in.regs.rcx);
  EXPECT_EQ(sc.rsp, rsp);
  EXPECT_EQ(sc.rip, in.regs.rip);
  EXPECT_EQ(sc.eflags, in.regs.rflags);
  EXPECT_EQ(sc.cs, kUserCs);
  EXPECT_EQ(sc.ss, kUserSs);
  EXPECT_EQ(sc.fs, 0);
  EXPECT_EQ(sc.gs, 0);
  EXPECT_EQ(sc.trapno, 14u);
  EXPECT_EQ(sc.err, 6u);
  EXPECT_EQ(sc.cr2, 0xdead000u);
  EXPECT_EQ(sc.oldmask, in.saved_mask);
  EXPECT_EQ(frame.uc.uc_sigmask, in.saved_mask);
  EXPECT_EQ(sc.fpstate % 64, 0u);
  EXPECT_EQ(sc.fpstate, out.address + 456);
  for (uint64_t r : sc.reserved1) EXPECT_EQ(r, 0u);
  EXPECT_EQ(memcmp(&frame.info, &in.info, sizeof(linux_abi::SigInfo)), 0);
  // The FPU area: the thread's image without the software-reserved bytes.
  const uint8_t* area = out.image + (sc.fpstate - out.address);
  EXPECT_EQ(memcmp(area, fpu, offsetof(linux_abi::FxsaveArea, sw_reserved)), 0);
  for (size_t i = offsetof(linux_abi::FxsaveArea, sw_reserved); i < linux_abi::kFpuAreaSize; ++i) {
    ASSERT_EQ(area[i], 0) << i;
  }
  // Padding between the frame and the FPU area is zero.
  for (size_t i = sizeof(linux_abi::RtSigFrame); i < sc.fpstate - out.address; ++i) {
    ASSERT_EQ(out.image[i], 0) << i;
  }

  const UserRegs& h = out.handler_regs;
  EXPECT_EQ(h.rip, kHandlerAddr);
  EXPECT_EQ(h.rsp, out.address);
  EXPECT_EQ(h.rdi, static_cast<uint64_t>(linux_abi::kSigUsr1));
  EXPECT_EQ(h.rsi, out.address + 312);
  EXPECT_EQ(h.rdx, out.address + 8);
  EXPECT_EQ(out.siginfo_address, h.rsi);
  EXPECT_EQ(out.ucontext_address, h.rdx);
  EXPECT_EQ(h.rax, 0u);
  EXPECT_EQ(h.rflags, kFlagIf | kFlagFixed1 | kFlagCf | kFlagZf);  // DF cleared
  EXPECT_EQ(h.rbx, in.regs.rbx);                                   // the rest as interrupted
  EXPECT_EQ(h.r12, in.regs.r12);
}

TEST(SignalFrameBuildTest, SigInfoOnlyWithSaSigInfo) {
  SignalFrameInput in;
  in.regs = SampleRegs(0x7fff0000);
  uint8_t fpu[linux_abi::kFpuAreaSize];
  SampleFpu(fpu);
  in.fpu = fpu;
  in.signo = linux_abi::kSigUsr1;
  in.info = linux_abi::SigInfo::FromKill(linux_abi::kSigUsr1, 42, 1000);
  in.action = SampleAction(/*flags=*/0);
  SignalFrame out;
  ASSERT_TRUE(BuildSignalFrame(in, &out).ok());
  for (size_t i = 312; i < 440; ++i) ASSERT_EQ(out.image[i], 0) << i;
  EXPECT_EQ(out.handler_regs.rsi, out.address + 312);  // still points there
}

TEST(SignalFrameBuildTest, AlignmentForManyStackPointers) {
  uint8_t fpu[linux_abi::kFpuAreaSize];
  SampleFpu(fpu);
  for (uint64_t rsp = 0x7fff0000; rsp < 0x7fff0000 + 4 * 64 + 3; ++rsp) {
    SignalFrameInput in;
    in.regs = SampleRegs(rsp);
    in.fpu = fpu;
    in.signo = linux_abi::kSigUsr1;
    in.action = SampleAction();
    SignalFrame out;
    ASSERT_TRUE(BuildSignalFrame(in, &out).ok()) << rsp;
    EXPECT_EQ(out.address % 16, 8u) << rsp;  // as after a call
    uint64_t fpstate;
    memcpy(&fpstate,
           out.image + 8 + offsetof(linux_abi::UContext, uc_mcontext) +
               offsetof(linux_abi::SigContext, fpstate),
           8);
    EXPECT_EQ(fpstate % 64, 0u) << rsp;
    EXPECT_LE(fpstate + linux_abi::kFpuAreaSize, rsp - 128) << rsp;
    EXPECT_GT(fpstate + linux_abi::kFpuAreaSize + 64, rsp - 128) << rsp;  // tight
    EXPECT_EQ(out.address + out.size, fpstate + linux_abi::kFpuAreaSize) << rsp;
    EXPECT_GE(fpstate, out.address + sizeof(linux_abi::RtSigFrame)) << rsp;
  }
}

TEST(SignalFrameBuildTest, AlternateStack) {
  uint8_t fpu[linux_abi::kFpuAreaSize];
  SampleFpu(fpu);
  SignalFrameInput in;
  in.fpu = fpu;
  in.signo = linux_abi::kSigSegv;
  in.alt_stack.sp = 0x600000;
  in.alt_stack.size = 0x4000;
  in.alt_stack.flags = 0;
  SignalFrame out;

  // Without SA_ONSTACK: the normal stack.
  in.action = SampleAction();
  in.regs = SampleRegs(0x7fff0000);
  ASSERT_TRUE(BuildSignalFrame(in, &out).ok());
  EXPECT_GT(out.address, 0x7ff00000u);

  // With SA_ONSTACK: the top of the alternate stack (no red zone there).
  in.action = SampleAction(linux_abi::kSaSigInfo | linux_abi::kSaOnStack);
  ASSERT_TRUE(BuildSignalFrame(in, &out).ok());
  EXPECT_EQ(out.address + out.size, 0x604000u);  // 0x604000 is 64-aligned
  EXPECT_EQ(out.address % 16, 8u);
  linux_abi::RtSigFrame frame;
  memcpy(&frame, out.image, sizeof(frame));
  EXPECT_EQ(frame.uc.uc_stack.sp, 0x600000u);
  EXPECT_EQ(frame.uc.uc_mcontext.rsp, 0x7fff0000u);

  // Already on it (nested): below the current rsp on the same stack.
  in.regs = SampleRegs(0x603000);
  ASSERT_TRUE(BuildSignalFrame(in, &out).ok());
  EXPECT_LE(out.address + out.size, 0x603000u - 128);
  EXPECT_GT(out.address, 0x600000u);

  // Nested with no room left: refused (the caller raises SIGSEGV).
  in.regs = SampleRegs(0x600000 + 900);
  EXPECT_EQ(BuildSignalFrame(in, &out).error(), kstd::Error::kFault);
  // Nested without SA_ONSTACK is still checked against the stack it is on.
  in.action = SampleAction();
  EXPECT_EQ(BuildSignalFrame(in, &out).error(), kstd::Error::kFault);

  // An alternate stack too small for the frame.
  in.action = SampleAction(linux_abi::kSaOnStack);
  in.alt_stack.size = 900;
  in.regs = SampleRegs(0x7fff0000);
  EXPECT_EQ(BuildSignalFrame(in, &out).error(), kstd::Error::kFault);

  // Disabled alternate stack: SA_ONSTACK is ignored.
  in.alt_stack = linux_abi::StackT();
  ASSERT_TRUE(BuildSignalFrame(in, &out).ok());
  EXPECT_GT(out.address, 0x7ff00000u);
  memcpy(&frame, out.image, sizeof(frame));
  EXPECT_EQ(frame.uc.uc_stack.flags, linux_abi::kSsDisable);

  // SS_AUTODISARM: never "on" it, so a nested signal starts at the top again.
  in.alt_stack.sp = 0x600000;
  in.alt_stack.size = 0x4000;
  in.alt_stack.flags = linux_abi::kSsAutoDisarm;
  in.regs = SampleRegs(0x603000);
  ASSERT_TRUE(BuildSignalFrame(in, &out).ok());
  EXPECT_EQ(out.address + out.size, 0x604000u);
  memcpy(&frame, out.image, sizeof(frame));
  EXPECT_EQ(frame.uc.uc_stack.flags, linux_abi::kSsAutoDisarm);
}

TEST(SignalFrameBuildTest, Refusals) {
  uint8_t fpu[linux_abi::kFpuAreaSize];
  SampleFpu(fpu);
  SignalFrameInput in;
  in.regs = SampleRegs(0x7fff0000);
  in.fpu = fpu;
  in.signo = linux_abi::kSigUsr1;
  in.action = SampleAction();
  in.action.flags &= ~linux_abi::kSaRestorer;
  SignalFrame out;
  EXPECT_EQ(BuildSignalFrame(in, &out).error(), kstd::Error::kFault);
  in.action = SampleAction();
  in.fpu = nullptr;
  EXPECT_EQ(BuildSignalFrame(in, &out).error(), kstd::Error::kFault);
  in.fpu = fpu;
  for (uint64_t rsp : {0ull, 8ull, 127ull, 1000ull}) {
    in.regs = SampleRegs(rsp);
    EXPECT_EQ(BuildSignalFrame(in, &out).error(), kstd::Error::kFault) << rsp;
  }
  in.regs = SampleRegs(0x7fff0000);
  in.action.flags |= linux_abi::kSaOnStack;
  in.alt_stack.sp = ~uint64_t{0} - 10;
  in.alt_stack.size = 100;
  in.alt_stack.flags = 0;
  EXPECT_EQ(BuildSignalFrame(in, &out).error(), kstd::Error::kFault);
}

TEST(SignalFrameBuildTest, LayoutFormula) {
  linux_abi::KSigAction a = SampleAction();
  linux_abi::StackT none;
  // Linux: fpstate = round_down(rsp - 128 - fpu_size, 64);
  //        frame = round_down(fpstate - 440, 16) - 8.
  for (uint64_t fpu_size : {512ull, 516ull, 832ull, 2696ull, 11008ull}) {
    for (uint64_t rsp = 0x7ffe0000; rsp < 0x7ffe0000 + 130; rsp += 3) {
      FrameLayout l = ComputeFrameLayout(rsp, fpu_size, a, none).value();
      uint64_t fp = (rsp - 128 - fpu_size) & ~uint64_t{63};
      EXPECT_EQ(l.fpstate, fp);
      EXPECT_EQ(l.frame, ((fp - 440) & ~uint64_t{15}) - 8);
      EXPECT_FALSE(l.on_alt_stack);
    }
  }
}

// --- Parsing (rt_sigreturn) ---------------------------------------------------

struct Built {
  SignalFrameInput in;
  SignalFrame out;
  uint8_t fpu[linux_abi::kFpuAreaSize];
};

void BuildSample(Built* b, uint64_t rsp) {
  b->in.regs = SampleRegs(rsp);
  SampleFpu(b->fpu);
  b->in.fpu = b->fpu;
  b->in.signo = linux_abi::kSigUsr1;
  b->in.info = linux_abi::SigInfo::FromKill(linux_abi::kSigUsr1, 1, 2);
  b->in.action = SampleAction();
  b->in.saved_mask = SigMask(linux_abi::kSigInt) | SigMask(linux_abi::kSigKill);
  b->in.alt_stack.sp = 0x500000;
  b->in.alt_stack.size = 0x8000;
  b->in.alt_stack.flags = linux_abi::kSsAutoDisarm;
  ASSERT_TRUE(BuildSignalFrame(b->in, &b->out).ok());
}

// The handler returned: the restorer's `ret` popped pretcode.
uint64_t SigreturnRsp(const SignalFrame& out) { return out.address + 8; }

TEST(SigreturnTest, RoundTrip) {
  Built b;
  BuildSample(&b, 0x7fff1234);
  FakeMemory mem(0x7ffe0000, 0x20000);
  mem.Write(b.out.address, b.out.image, b.out.size);
  SigreturnState st;
  ASSERT_TRUE(
      ParseSigreturnFrame(SigreturnRsp(b.out), &FakeMemory::Read, &mem, Context(), &st).ok());
  UserRegs want = b.in.regs;
  const UserRegs& got = st.regs;
  EXPECT_EQ(got.r8, want.r8);
  EXPECT_EQ(got.r9, want.r9);
  EXPECT_EQ(got.r10, want.r10);
  EXPECT_EQ(got.r11, want.r11);
  EXPECT_EQ(got.r12, want.r12);
  EXPECT_EQ(got.r13, want.r13);
  EXPECT_EQ(got.r14, want.r14);
  EXPECT_EQ(got.r15, want.r15);
  EXPECT_EQ(got.rdi, want.rdi);
  EXPECT_EQ(got.rsi, want.rsi);
  EXPECT_EQ(got.rbp, want.rbp);
  EXPECT_EQ(got.rbx, want.rbx);
  EXPECT_EQ(got.rdx, want.rdx);
  EXPECT_EQ(got.rax, want.rax);
  EXPECT_EQ(got.rcx, want.rcx);
  EXPECT_EQ(got.rsp, want.rsp);
  EXPECT_EQ(got.rip, want.rip);
  EXPECT_EQ(got.rflags, want.rflags);
  EXPECT_EQ(got.cs, kUserCs);
  EXPECT_EQ(got.ss, kUserSs);
  EXPECT_EQ(st.mask, SigMask(linux_abi::kSigInt));  // SIGKILL dropped
  EXPECT_EQ(st.alt_stack.sp, 0x500000u);
  EXPECT_EQ(st.alt_stack.size, 0x8000u);
  EXPECT_EQ(st.alt_stack.flags, linux_abi::kSsAutoDisarm);
  EXPECT_EQ(memcmp(st.fpu, b.fpu, offsetof(linux_abi::FxsaveArea, sw_reserved)), 0);
}

TEST(SigreturnTest, HostileRegisters) {
  Built b;
  BuildSample(&b, 0x7fff1000);
  FakeMemory mem(0x7ffe0000, 0x20000);
  const uint64_t uc = SigreturnRsp(b.out);
  const uint64_t sc = uc + offsetof(linux_abi::UContext, uc_mcontext);
  auto parse = [&](SigreturnState* st) {
    return ParseSigreturnFrame(uc, &FakeMemory::Read, &mem, Context(), st);
  };
  auto put64 = [&](size_t field, uint64_t value) { mem.Write(sc + field, &value, 8); };
  SigreturnState st;

  for (uint64_t rip : {0x0000800000000000ull, 0x00FF000000000000ull, 0xFFFF800000000000ull,
                       0xFFFFFFFF80000000ull, 0x8000000000000000ull, ~0ull}) {
    mem.Write(b.out.address, b.out.image, b.out.size);
    put64(offsetof(linux_abi::SigContext, rip), rip);
    EXPECT_EQ(parse(&st).error(), kstd::Error::kFault) << std::hex << rip;
  }
  // The highest user address is fine; so is 0 (the program faults, not us).
  for (uint64_t rip : {0x00007FFFFFFFFFFFull, 0ull}) {
    mem.Write(b.out.address, b.out.image, b.out.size);
    put64(offsetof(linux_abi::SigContext, rip), rip);
    ASSERT_TRUE(parse(&st).ok());
    EXPECT_EQ(st.regs.rip, rip);
  }

  // Flags: privileged bits never come from the frame; IF is always on.
  mem.Write(b.out.address, b.out.image, b.out.size);
  put64(offsetof(linux_abi::SigContext, eflags), ~0ull);
  ASSERT_TRUE(parse(&st).ok());
  EXPECT_EQ(st.regs.rflags, kSigreturnFlags | kFlagIf | kFlagFixed1);
  EXPECT_EQ(st.regs.rflags & (kFlagIopl | kFlagNt | kFlagVm | kFlagVif | kFlagVip | kFlagId), 0u);
  put64(offsetof(linux_abi::SigContext, eflags), 0);
  ASSERT_TRUE(parse(&st).ok());
  EXPECT_EQ(st.regs.rflags, kFlagIf | kFlagFixed1);
  // ...and ID (not restorable) comes from the current flags.
  SigreturnContext ctx = Context();
  ctx.current_rflags = kFlagIf | kFlagFixed1 | kFlagId | kFlagIopl | kFlagCf;
  ASSERT_TRUE(ParseSigreturnFrame(uc, &FakeMemory::Read, &mem, ctx, &st).ok());
  EXPECT_EQ(st.regs.rflags, kFlagIf | kFlagFixed1 | kFlagId);

  // Selectors: whatever the frame says, the user selectors are used.
  mem.Write(b.out.address, b.out.image, b.out.size);
  uint16_t selectors[4] = {0x08, 0xFFFF, 0x1234, 0x10};  // cs gs fs ss: kernel's
  mem.Write(sc + offsetof(linux_abi::SigContext, cs), selectors, sizeof(selectors));
  ASSERT_TRUE(parse(&st).ok());
  EXPECT_EQ(st.regs.cs, kUserCs);
  EXPECT_EQ(st.regs.ss, kUserSs);

  // The mask cannot block SIGKILL/SIGSTOP.
  mem.Write(b.out.address, b.out.image, b.out.size);
  uint64_t all = ~0ull;
  mem.Write(uc + offsetof(linux_abi::UContext, uc_sigmask), &all, 8);
  ASSERT_TRUE(parse(&st).ok());
  EXPECT_EQ(st.mask, kAllSignals & ~kUnblockableSignals);
}

TEST(SigreturnTest, HostileFpuArea) {
  Built b;
  BuildSample(&b, 0x7fff1000);
  FakeMemory mem(0x7ffe0000, 0x20000);
  const uint64_t uc = SigreturnRsp(b.out);
  const uint64_t sc = uc + offsetof(linux_abi::UContext, uc_mcontext);
  uint64_t fpstate;
  memcpy(&fpstate,
         b.out.image + 8 + offsetof(linux_abi::UContext, uc_mcontext) +
             offsetof(linux_abi::SigContext, fpstate),
         8);
  auto parse = [&](SigreturnState* st, uint32_t mask = 0xFFFF) {
    SigreturnContext c = Context();
    c.mxcsr_mask = mask;
    return ParseSigreturnFrame(uc, &FakeMemory::Read, &mem, c, st);
  };
  SigreturnState st;

  // Reserved MXCSR bits are cleared (FXRSTOR would #GP on them).
  mem.Write(b.out.address, b.out.image, b.out.size);
  uint32_t mxcsr = 0xFFFFFFFF;
  mem.Write(fpstate + offsetof(linux_abi::FxsaveArea, mxcsr), &mxcsr, 4);
  ASSERT_TRUE(parse(&st).ok());
  linux_abi::FxsaveArea area;
  memcpy(&area, st.fpu, sizeof(area));
  EXPECT_EQ(area.mxcsr, 0xFFFFu);
  ASSERT_TRUE(parse(&st, 0xFFBF).ok());  // a CPU without DAZ
  memcpy(&area, st.fpu, sizeof(area));
  EXPECT_EQ(area.mxcsr, 0xFFBFu);
  ASSERT_TRUE(parse(&st, 0).ok());  // unknown mask: the safe default
  memcpy(&area, st.fpu, sizeof(area));
  EXPECT_EQ(area.mxcsr, kDefaultMxcsrMask);

  // A Linux xstate trailer is accepted; only the legacy part is used.
  mem.Write(b.out.address, b.out.image, b.out.size);
  linux_abi::FpxSwBytes sw = {linux_abi::kFpXstateMagic1, 2700, 0xE7, 2696, {}};
  mem.Write(fpstate + offsetof(linux_abi::FxsaveArea, sw_reserved), &sw, sizeof(sw));
  ASSERT_TRUE(parse(&st).ok());
  memcpy(&area, st.fpu, sizeof(area));
  for (uint8_t x : area.sw_reserved) ASSERT_EQ(x, 0);
  EXPECT_EQ(memcmp(st.fpu, b.fpu, offsetof(linux_abi::FxsaveArea, sw_reserved)), 0);

  // No FPU area: the initial state.
  mem.Write(b.out.address, b.out.image, b.out.size);
  uint64_t zero = 0;
  mem.Write(sc + offsetof(linux_abi::SigContext, fpstate), &zero, 8);
  ASSERT_TRUE(parse(&st).ok());
  uint8_t init[linux_abi::kFpuAreaSize];
  InitialFpuState(init);
  EXPECT_EQ(memcmp(st.fpu, init, linux_abi::kFpuAreaSize), 0);

  // Misaligned or unreadable FPU areas are refused.
  for (uint64_t bad : {fpstate + 8, fpstate + 1, uint64_t{0x1000}, ~uint64_t{0} & ~uint64_t{15},
                       mem.base + mem.bytes.size() - 256}) {
    mem.Write(b.out.address, b.out.image, b.out.size);
    mem.Write(sc + offsetof(linux_abi::SigContext, fpstate), &bad, 8);
    EXPECT_EQ(parse(&st).error(), kstd::Error::kFault) << std::hex << bad;
  }
  // 16-aligned but not 64-aligned is fine (FXRSTOR's rule).
  mem.Write(b.out.address, b.out.image, b.out.size);
  uint64_t moved = fpstate - 16;
  mem.Write(moved, b.fpu, linux_abi::kFpuAreaSize);
  mem.Write(sc + offsetof(linux_abi::SigContext, fpstate), &moved, 8);
  ASSERT_TRUE(parse(&st).ok());
}

TEST(SigreturnTest, UnreadableFrame) {
  FakeMemory mem(0x7ffe0000, 0x1000);
  SigreturnState st;
  EXPECT_EQ(ParseSigreturnFrame(0x7ffe0000 + 0x1000 - 100, &FakeMemory::Read, &mem, Context(), &st)
                .error(),
            kstd::Error::kFault);
  EXPECT_EQ(ParseSigreturnFrame(0x1000, &FakeMemory::Read, &mem, Context(), &st).error(),
            kstd::Error::kFault);
}

// Random garbage frames: either refused, or the result is safe to load.
TEST(SigreturnTest, RandomFramesAreSafe) {
  std::mt19937_64 rng(99);
  FakeMemory mem(0x10000, 0x4000);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    for (uint8_t& x : mem.bytes) x = static_cast<uint8_t>(rng());
    // Make some of them point at a readable, aligned FPU area.
    if (i % 2 == 0) {
      uint64_t fp = 0x12000 + (rng() % 8) * 16;
      mem.Write(0x10100 + offsetof(linux_abi::UContext, uc_mcontext) +
                    offsetof(linux_abi::SigContext, fpstate),
                &fp, 8);
      uint64_t rip = rng() % kUserLimit;
      mem.Write(0x10100 + offsetof(linux_abi::UContext, uc_mcontext) +
                    offsetof(linux_abi::SigContext, rip),
                &rip, 8);
    }
    SigreturnState st;
    auto r = ParseSigreturnFrame(0x10100, &FakeMemory::Read, &mem, Context(), &st);
    if (!r.ok()) {
      EXPECT_EQ(r.error(), kstd::Error::kFault);
      continue;
    }
    ++accepted;
    EXPECT_LT(st.regs.rip, kUserLimit);
    EXPECT_EQ(st.regs.cs, kUserCs);
    EXPECT_EQ(st.regs.ss, kUserSs);
    EXPECT_TRUE(st.regs.rflags & kFlagIf);
    EXPECT_EQ(st.regs.rflags & (kFlagIopl | kFlagNt | kFlagVm | kFlagVif | kFlagVip), 0u);
    linux_abi::FxsaveArea area;
    memcpy(&area, st.fpu, sizeof(area));
    EXPECT_EQ(area.mxcsr & ~0xFFFFu, 0u);
    EXPECT_EQ(st.mask & kUnblockableSignals, 0u);
  }
  EXPECT_GT(accepted, 5000);
}

// --- Syscall restart ------------------------------------------------------------

int64_t Neg(kstd::Error e) { return -static_cast<int64_t>(e); }

TEST(SyscallRestartTest, Table) {
  const uint64_t nr = 0;  // read
  const uint64_t rip = 0x401002;
  linux_abi::KSigAction plain = SampleAction(0);
  linux_abi::KSigAction restart = SampleAction(linux_abi::kSaRestart);
  struct Case {
    int64_t result;
    const linux_abi::KSigAction* handler;
    int64_t want_rax;
    bool restarted;
  };
  const int64_t eintr = Neg(kstd::Error::kInterrupted);
  const Case cases[] = {
      {Neg(kstd::Error::kRestartSys), &plain, eintr, false},
      {Neg(kstd::Error::kRestartSys), &restart, 0, true},
      {Neg(kstd::Error::kRestartSys), nullptr, 0, true},
      {Neg(kstd::Error::kRestartNoIntr), &plain, 0, true},
      {Neg(kstd::Error::kRestartNoIntr), &restart, 0, true},
      {Neg(kstd::Error::kRestartNoIntr), nullptr, 0, true},
      {Neg(kstd::Error::kRestartNoHand), &plain, eintr, false},
      {Neg(kstd::Error::kRestartNoHand), &restart, eintr, false},
      {Neg(kstd::Error::kRestartNoHand), nullptr, 0, true},
      {Neg(kstd::Error::kRestartBlock), &plain, eintr, false},
      {Neg(kstd::Error::kRestartBlock), &restart, eintr, false},
      {Neg(kstd::Error::kRestartBlock), nullptr, static_cast<int64_t>(kNrRestartSyscall), true},
      {eintr, &restart, eintr, false},
      {Neg(kstd::Error::kAgain), nullptr, Neg(kstd::Error::kAgain), false},
      {5, &plain, 5, false},
      {0, nullptr, 0, false},
  };
  for (const Case& c : cases) {
    UserRegs r;
    r.rax = static_cast<uint64_t>(c.result);
    r.rip = rip;
    ApplySyscallRestart(r, nr, c.handler);
    EXPECT_EQ(static_cast<int64_t>(r.rax), c.want_rax) << c.result;
    EXPECT_EQ(r.rip, c.restarted ? rip - 2 : rip) << c.result;
  }
  // A restart puts the syscall number back.
  UserRegs r;
  r.rax = static_cast<uint64_t>(Neg(kstd::Error::kRestartSys));
  r.rip = rip;
  ApplySyscallRestart(r, 61, nullptr);  // wait4
  EXPECT_EQ(r.rax, 61u);
}

}  // namespace
}  // namespace core::posix
