// The signal frame against the host's Linux kernel, both ways:
//  - capture: a child loads known values into every register (and a stack
//    pointer of our choice), raises SIGUSR1 with a tgkill syscall, and its
//    SA_SIGINFO handler copies the frame Linux built. The frame must be
//    where ComputeFrameLayout says (given Linux's FPU area size), hold what
//    BuildSignalFrame writes for the same registers, and parse back with
//    ParseSigreturnFrame;
//  - sigreturn: a child writes a frame made by BuildSignalFrame and executes
//    rt_sigreturn on it: Linux must accept it and land with exactly the
//    registers, FPU state, signal mask and alternate stack we put in it.

#include <gtest/gtest.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "abi/linux/signal.h"
#include "abi/linux/ucontext.h"
#include "core/posix/signal_frame.h"
#include "core/posix/testing/child.h"

// Register block shared with the assembly below (all 8-byte slots):
//   0..7 r8..r15, 8 rdi, 9 rsi, 10 rbp, 11 rbx, 12 rdx, 13 rax, 14 rcx,
//   15 rsp, 16 rflags, 17 mxcsr, 18..49 xmm0..xmm15 (two slots each).
constexpr int kSlots = 50;
extern "C" {
uint64_t g_probe_saved_rsp;
uint32_t g_probe_saved_mxcsr;
uint64_t g_jump_saved_rsp;
uint32_t g_jump_saved_mxcsr;
uint64_t g_landed[kSlots];
void FrameProbe(const uint64_t* regs);
extern char FrameProbeResume[];
void SigreturnJump(uint64_t rsp);
extern char SigreturnLanding[];
}

// FrameProbe(regs): loads every register from `regs` (rsp included), runs
// the syscall whose number is in the rax slot, and on return restores the
// real stack. SigreturnJump(rsp): switches to `rsp` and calls rt_sigreturn;
// SigreturnLanding (the rip put in the frame) stores every register in
// g_landed and returns from SigreturnJump.
asm(R"(
  .text
  .globl FrameProbe
  .type FrameProbe, @function
FrameProbe:
  push %rbx
  push %rbp
  push %r12
  push %r13
  push %r14
  push %r15
  stmxcsr g_probe_saved_mxcsr(%rip)
  mov %rsp, g_probe_saved_rsp(%rip)
  mov %rdi, %rax
  ldmxcsr 136(%rax)
  movdqu 144(%rax), %xmm0
  movdqu 160(%rax), %xmm1
  movdqu 176(%rax), %xmm2
  movdqu 192(%rax), %xmm3
  movdqu 208(%rax), %xmm4
  movdqu 224(%rax), %xmm5
  movdqu 240(%rax), %xmm6
  movdqu 256(%rax), %xmm7
  movdqu 272(%rax), %xmm8
  movdqu 288(%rax), %xmm9
  movdqu 304(%rax), %xmm10
  movdqu 320(%rax), %xmm11
  movdqu 336(%rax), %xmm12
  movdqu 352(%rax), %xmm13
  movdqu 368(%rax), %xmm14
  movdqu 384(%rax), %xmm15
  pushq 128(%rax)
  popfq
  mov 0(%rax), %r8
  mov 8(%rax), %r9
  mov 16(%rax), %r10
  mov 24(%rax), %r11
  mov 32(%rax), %r12
  mov 40(%rax), %r13
  mov 48(%rax), %r14
  mov 56(%rax), %r15
  mov 64(%rax), %rdi
  mov 72(%rax), %rsi
  mov 80(%rax), %rbp
  mov 88(%rax), %rbx
  mov 96(%rax), %rdx
  mov 112(%rax), %rcx
  mov 120(%rax), %rsp
  mov 104(%rax), %rax
  syscall
  .globl FrameProbeResume
FrameProbeResume:
  mov g_probe_saved_rsp(%rip), %rsp
  cld
  ldmxcsr g_probe_saved_mxcsr(%rip)
  pop %r15
  pop %r14
  pop %r13
  pop %r12
  pop %rbp
  pop %rbx
  ret

  .globl SigreturnJump
  .type SigreturnJump, @function
SigreturnJump:
  push %rbx
  push %rbp
  push %r12
  push %r13
  push %r14
  push %r15
  stmxcsr g_jump_saved_mxcsr(%rip)
  mov %rsp, g_jump_saved_rsp(%rip)
  mov %rdi, %rsp
  mov $15, %eax
  syscall
  ud2
  .globl SigreturnLanding
SigreturnLanding:
  mov %r8, g_landed+0(%rip)
  mov %r9, g_landed+8(%rip)
  mov %r10, g_landed+16(%rip)
  mov %r11, g_landed+24(%rip)
  mov %r12, g_landed+32(%rip)
  mov %r13, g_landed+40(%rip)
  mov %r14, g_landed+48(%rip)
  mov %r15, g_landed+56(%rip)
  mov %rdi, g_landed+64(%rip)
  mov %rsi, g_landed+72(%rip)
  mov %rbp, g_landed+80(%rip)
  mov %rbx, g_landed+88(%rip)
  mov %rdx, g_landed+96(%rip)
  mov %rax, g_landed+104(%rip)
  mov %rcx, g_landed+112(%rip)
  mov %rsp, g_landed+120(%rip)
  mov g_jump_saved_rsp(%rip), %rsp
  pushfq
  popq g_landed+128(%rip)
  stmxcsr g_landed+136(%rip)
  movdqu %xmm0, g_landed+144(%rip)
  movdqu %xmm1, g_landed+160(%rip)
  movdqu %xmm2, g_landed+176(%rip)
  movdqu %xmm3, g_landed+192(%rip)
  movdqu %xmm4, g_landed+208(%rip)
  movdqu %xmm5, g_landed+224(%rip)
  movdqu %xmm6, g_landed+240(%rip)
  movdqu %xmm7, g_landed+256(%rip)
  movdqu %xmm8, g_landed+272(%rip)
  movdqu %xmm9, g_landed+288(%rip)
  movdqu %xmm10, g_landed+304(%rip)
  movdqu %xmm11, g_landed+320(%rip)
  movdqu %xmm12, g_landed+336(%rip)
  movdqu %xmm13, g_landed+352(%rip)
  movdqu %xmm14, g_landed+368(%rip)
  movdqu %xmm15, g_landed+384(%rip)
  cld
  ldmxcsr g_jump_saved_mxcsr(%rip)
  pop %r15
  pop %r14
  pop %r13
  pop %r12
  pop %rbp
  pop %rbx
  ret
)");

namespace core::posix {
namespace {

using testing::RunInChild;

constexpr uint64_t kUserCs = 0x33;  // Linux's __USER_CS
constexpr uint64_t kUserSs = 0x2b;  // Linux's __USER_DS
// Arithmetic flags + DF, IF and the fixed bit (no TF, no AC).
constexpr uint64_t kProbeFlags =
    kFlagFixed1 | kFlagIf | kFlagCf | kFlagPf | kFlagAf | kFlagZf | kFlagSf | kFlagDf | kFlagOf;
constexpr uint32_t kProbeMxcsr = 0x7F80;  // all masked, round toward zero
constexpr size_t kMaxFpu = 16384;

alignas(4096) uint8_t g_stack[1 << 20];
alignas(4096) uint8_t g_alt_stack[1 << 16];

uint64_t StackTop() { return reinterpret_cast<uint64_t>(g_stack) + sizeof(g_stack); }
uint64_t AltBase() { return reinterpret_cast<uint64_t>(g_alt_stack); }

// What one probe brings back from the child.
struct Capture {
  uint64_t regs[kSlots];   // what FrameProbe loaded
  uint64_t frame_address;  // the handler's rsp (the pretcode slot)
  uint8_t frame[sizeof(linux_abi::RtSigFrame)];
  uint64_t fpu_size;  // extended_size if MAGIC1, else 512
  uint8_t fpu[kMaxFpu];
  uint32_t handler_mxcsr;        // MXCSR at handler entry
  uint64_t handler_rflags;       // rflags at handler entry
  linux_abi::KSigAction action;  // as the kernel holds it (raw rt_sigaction)
  SigSet blocked;                // the mask when the signal came
  linux_abi::StackT alt;         // the alternate stack when the signal came
  int32_t pid, tid;
  uint32_t uid;
};

Capture* g_capture;

void ProbeHandler(int, siginfo_t*, void* ucv) {
  uint32_t mxcsr;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  g_capture->handler_mxcsr = mxcsr;
  g_capture->handler_rflags = __builtin_ia32_readeflags_u64();
  uint64_t frame = reinterpret_cast<uint64_t>(ucv) - 8;
  g_capture->frame_address = frame;
  memcpy(g_capture->frame, reinterpret_cast<void*>(frame), sizeof(linux_abi::RtSigFrame));
  const auto* uc = static_cast<const ucontext_t*>(ucv);
  const uint8_t* fp = reinterpret_cast<const uint8_t*>(uc->uc_mcontext.fpregs);
  linux_abi::FpxSwBytes sw;
  memcpy(&sw, fp + offsetof(linux_abi::FxsaveArea, sw_reserved), sizeof(sw));
  uint64_t size =
      sw.magic1 == linux_abi::kFpXstateMagic1 ? sw.extended_size : linux_abi::kFpuAreaSize;
  g_capture->fpu_size = size;
  memcpy(g_capture->fpu, fp, size < kMaxFpu ? size : kMaxFpu);
}

struct ProbeConfig {
  bool on_stack = false;  // SA_ONSTACK
  bool alt = false;       // set an alternate stack
  int32_t alt_flags = 0;  // its ss_flags
  uint64_t alt_size = sizeof(g_alt_stack);
};

void FillProbeRegs(uint64_t* r, uint64_t rsp, int32_t pid, int32_t tid) {
  for (int i = 0; i < kSlots; ++i) r[i] = 0x0102030405060708ull * (i + 1) ^ 0xA5A5A5A500000000ull;
  r[8] = static_cast<uint64_t>(pid);
  r[9] = static_cast<uint64_t>(tid);
  r[12] = SIGUSR1;
  r[13] = SYS_tgkill;
  r[15] = rsp;
  r[16] = kProbeFlags;
  r[17] = kProbeMxcsr;
}

// In a child: one probe per stack pointer; the captures, back to back.
std::vector<Capture> Probe(const ProbeConfig& config, const std::vector<uint64_t>& rsps) {
  std::string bytes = RunInChild([&](std::string* out) {
    g_capture = new Capture();
    struct sigaction sa = {};
    sa.sa_sigaction = ProbeHandler;
    sa.sa_flags = SA_SIGINFO | (config.on_stack ? SA_ONSTACK : 0);
    sigaction(SIGUSR1, &sa, nullptr);
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR2);
    sigaddset(&blocked, SIGRTMIN + 5);
    sigprocmask(SIG_SETMASK, &blocked, nullptr);
    for (uint64_t rsp : rsps) {
      Capture& c = *g_capture;
      c = Capture();
      if (config.alt) {
        stack_t ss = {g_alt_stack, config.alt_flags, config.alt_size};
        if (sigaltstack(&ss, nullptr) != 0) _exit(3);
      } else {
        // Linux records the stored ss_flags in uc_stack, and a process
        // inherits them (even across exec) from whoever ran before it: make
        // them SS_DISABLE, what a process that never set one has here.
        stack_t ss = {nullptr, SS_DISABLE, 0};
        if (sigaltstack(&ss, nullptr) != 0) _exit(3);
      }
      syscall(SYS_rt_sigaction, SIGUSR1, nullptr, &c.action, 8);
      syscall(SYS_rt_sigprocmask, SIG_BLOCK, nullptr, &c.blocked, 8);
      syscall(SYS_sigaltstack, nullptr, &c.alt);
      c.pid = getpid();
      c.tid = static_cast<int32_t>(syscall(SYS_gettid));
      c.uid = getuid();
      FillProbeRegs(c.regs, rsp, c.pid, c.tid);
      // Bytes Linux does not write (sigcontext's reserved words) keep what
      // the stack held: make that zero, as in our frames.
      memset(g_stack, 0, sizeof(g_stack));
      memset(g_alt_stack, 0, sizeof(g_alt_stack));
      FrameProbe(c.regs);
      out->append(reinterpret_cast<const char*>(&c), sizeof(c));
    }
  });
  std::vector<Capture> captures;
  for (size_t at = 0; at + sizeof(Capture) <= bytes.size(); at += sizeof(Capture)) {
    Capture c;
    memcpy(&c, bytes.data() + at, sizeof(c));
    captures.push_back(c);
  }
  EXPECT_EQ(captures.size(), rsps.size()) << bytes.substr(bytes.size() - 40);
  return captures;
}

UserRegs RegsFromSlots(const uint64_t* s) {
  UserRegs r;
  r.r8 = s[0];
  r.r9 = s[1];
  r.r10 = s[2];
  r.r11 = s[3];
  r.r12 = s[4];
  r.r13 = s[5];
  r.r14 = s[6];
  r.r15 = s[7];
  r.rdi = s[8];
  r.rsi = s[9];
  r.rbp = s[10];
  r.rbx = s[11];
  r.rdx = s[12];
  r.rax = s[13];
  r.rcx = s[14];
  r.rsp = s[15];
  r.rflags = s[16];
  return r;
}

// Everything one capture must satisfy.
void CheckCapture(const Capture& c, const ProbeConfig& config) {
  linux_abi::RtSigFrame host;
  memcpy(&host, c.frame, sizeof(host));
  const linux_abi::SigContext& sc = host.uc.uc_mcontext;
  const uint64_t rsp = c.regs[15];
  const uint64_t resume = reinterpret_cast<uint64_t>(FrameProbeResume);

  // The interrupted state Linux recorded is what we loaded (the syscall
  // returned 0 in rax; the SYSCALL instruction put rip in rcx, rflags in r11).
  EXPECT_EQ(sc.rip, resume);
  EXPECT_EQ(sc.rsp, rsp);
  EXPECT_EQ(sc.rax, 0u);
  EXPECT_EQ(sc.rcx, resume);
  EXPECT_EQ(sc.r11, kProbeFlags);
  EXPECT_EQ(sc.eflags, kProbeFlags);
  EXPECT_EQ(sc.cs, kUserCs);
  EXPECT_EQ(sc.ss, kUserSs);
  EXPECT_EQ(sc.rbx, c.regs[11]);
  EXPECT_EQ(sc.r15, c.regs[7]);

  // Placement: Linux's FPU area is its XSAVE size; the formula must agree.
  FrameLayout layout = ComputeFrameLayout(rsp, c.fpu_size, c.action, c.alt).value();
  EXPECT_EQ(c.frame_address, layout.frame) << std::hex << rsp;
  EXPECT_EQ(sc.fpstate, layout.fpstate) << std::hex << rsp;
  EXPECT_EQ(c.frame_address % 16, 8u);
  if (config.on_stack && config.alt) {
    EXPECT_TRUE(layout.on_alt_stack);
    EXPECT_GT(c.frame_address, AltBase());
    EXPECT_LT(c.frame_address, AltBase() + config.alt_size);
  }

  // Handler entry: DF cleared, FPU reset to the initial state.
  EXPECT_EQ(c.handler_rflags & kFlagDf, 0u);
  EXPECT_EQ(c.handler_mxcsr, 0x1F80u);

  // The legacy FXSAVE part of Linux's FPU area has our layout.
  linux_abi::FxsaveArea area;
  memcpy(&area, c.fpu, sizeof(area));
  EXPECT_EQ(area.mxcsr, kProbeMxcsr);
  EXPECT_EQ(area.fcw, 0x037F);
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(memcmp(area.xmm[i], &c.regs[18 + 2 * i], 16), 0) << "xmm" << i;
  }

  // Our frame for the same state, byte for byte where Tessera and this
  // (XSAVE) host agree by design: all but uc_flags' UC_FP_XSTATE and the
  // FPU area's address.
  SignalFrameInput in;
  in.regs = RegsFromSlots(c.regs);
  in.regs.rip = resume;
  in.regs.rax = 0;
  in.regs.rcx = resume;
  in.regs.r11 = kProbeFlags;
  in.regs.cs = kUserCs;
  in.regs.ss = kUserSs;
  in.fpu = c.fpu;
  in.signo = SIGUSR1;
  in.info = linux_abi::SigInfo::FromKill(SIGUSR1, c.pid, c.uid, linux_abi::kSiTkill);
  in.action = c.action;
  in.saved_mask = c.blocked;
  in.alt_stack = c.alt;
  in.fault = {sc.trapno, sc.err, sc.cr2};
  SignalFrame ours;
  ASSERT_TRUE(BuildSignalFrame(in, &ours).ok());
  linux_abi::RtSigFrame mine;
  memcpy(&mine, ours.image, sizeof(mine));
  EXPECT_EQ(host.uc.uc_flags, mine.uc.uc_flags | linux_abi::kUcFpXstate);
  mine.uc.uc_flags = host.uc.uc_flags;
  mine.uc.uc_mcontext.fpstate = host.uc.uc_mcontext.fpstate;
  EXPECT_EQ(host.pretcode, c.action.restorer);
  EXPECT_EQ(host.uc.uc_stack.sp, mine.uc.uc_stack.sp);
  EXPECT_EQ(host.uc.uc_stack.flags, mine.uc.uc_stack.flags);
  EXPECT_EQ(host.uc.uc_stack.size, mine.uc.uc_stack.size);
  EXPECT_EQ(host.uc.uc_sigmask, c.blocked);
  for (size_t i = 0; i < sizeof(linux_abi::RtSigFrame); ++i) {
    ASSERT_EQ(c.frame[i], reinterpret_cast<const uint8_t*>(&mine)[i]) << "byte " << i;
  }
  // Our placement follows the same rules with a 512-byte FPU area.
  FrameLayout ours_layout =
      ComputeFrameLayout(rsp, linux_abi::kFpuAreaSize, c.action, c.alt).value();
  EXPECT_EQ(ours.address, ours_layout.frame);

  // Linux's frame parses back (as rt_sigreturn would read it).
  std::vector<uint8_t> memory(
      c.frame_address < sc.fpstate ? sc.fpstate + c.fpu_size - c.frame_address : 0);
  ASSERT_FALSE(memory.empty());
  memcpy(memory.data(), c.frame, sizeof(linux_abi::RtSigFrame));
  memcpy(memory.data() + (sc.fpstate - c.frame_address), c.fpu, c.fpu_size);
  struct Mem {
    uint64_t base;
    std::vector<uint8_t>* bytes;
  } mem{c.frame_address, &memory};
  auto read = [](void* ctx, uint64_t address, void* dst, size_t len) {
    auto* m = static_cast<Mem*>(ctx);
    if (address < m->base || address - m->base + len > m->bytes->size()) return false;
    memcpy(dst, m->bytes->data() + (address - m->base), len);
    return true;
  };
  SigreturnContext ctx;
  ctx.user_cs = kUserCs;
  ctx.user_ss = kUserSs;
  ctx.user_limit = 0x0000800000000000;
  ctx.mxcsr_mask = 0xFFFF;
  SigreturnState st;
  ASSERT_TRUE(ParseSigreturnFrame(c.frame_address + 8, read, &mem, ctx, &st).ok());
  EXPECT_EQ(st.regs.rip, resume);
  EXPECT_EQ(st.regs.rsp, rsp);
  EXPECT_EQ(st.regs.rflags, kProbeFlags);
  EXPECT_EQ(st.regs.r8, c.regs[0]);
  EXPECT_EQ(st.regs.rdx, c.regs[12]);
  EXPECT_EQ(st.mask, c.blocked);
  EXPECT_EQ(memcmp(st.fpu, c.fpu, offsetof(linux_abi::FxsaveArea, sw_reserved)), 0);
}

TEST(SignalFrameHostTest, NormalStackManyAlignments) {
  ProbeConfig config;
  std::vector<uint64_t> rsps;
  for (uint64_t k = 0; k < 80; ++k) rsps.push_back(StackTop() - 4096 - k);
  std::vector<Capture> caps = Probe(config, rsps);
  for (const Capture& c : caps) CheckCapture(c, config);
}

TEST(SignalFrameHostTest, AlternateStackEntered) {
  ProbeConfig config;
  config.alt = true;
  config.on_stack = true;
  std::vector<uint64_t> rsps;
  for (uint64_t k = 0; k < 20; ++k) rsps.push_back(StackTop() - 4096 - k * 7);
  for (const Capture& c : Probe(config, rsps)) {
    CheckCapture(c, config);
    linux_abi::RtSigFrame host;
    memcpy(&host, c.frame, sizeof(host));
    EXPECT_EQ(host.uc.uc_stack.sp, AltBase());
    EXPECT_EQ(host.uc.uc_stack.flags, 0);
  }
}

TEST(SignalFrameHostTest, AlternateStackNested) {
  ProbeConfig config;
  config.alt = true;
  config.on_stack = true;
  std::vector<uint64_t> rsps;
  for (uint64_t k = 0; k < 16; ++k) rsps.push_back(AltBase() + sizeof(g_alt_stack) - 8192 - k * 3);
  for (const Capture& c : Probe(config, rsps)) {
    CheckCapture(c, config);
    linux_abi::RtSigFrame host;
    memcpy(&host, c.frame, sizeof(host));
    // The stored ss_flags, not "on it" (SS_ONSTACK): Linux saves the
    // setting, so rt_sigreturn can restore it.
    EXPECT_EQ(host.uc.uc_stack.flags, 0);
    EXPECT_LT(c.frame_address, c.regs[15] - 128);
  }
}

TEST(SignalFrameHostTest, AlternateStackNotRequested) {
  ProbeConfig config;
  config.alt = true;
  config.on_stack = false;
  for (const Capture& c : Probe(config, {StackTop() - 5000})) {
    CheckCapture(c, config);
    linux_abi::RtSigFrame host;
    memcpy(&host, c.frame, sizeof(host));
    EXPECT_EQ(host.uc.uc_stack.sp, AltBase());  // recorded all the same
    EXPECT_TRUE(c.frame_address < AltBase() || c.frame_address >= AltBase() + sizeof(g_alt_stack));
  }
}

TEST(SignalFrameHostTest, AlternateStackAutoDisarm) {
  ProbeConfig config;
  config.alt = true;
  config.on_stack = true;
  config.alt_flags = linux_abi::kSsAutoDisarm;
  for (const Capture& c : Probe(config, {StackTop() - 5000, StackTop() - 5001})) {
    CheckCapture(c, config);
    linux_abi::RtSigFrame host;
    memcpy(&host, c.frame, sizeof(host));
    EXPECT_EQ(host.uc.uc_stack.flags, linux_abi::kSsAutoDisarm);
  }
}

// Nested on an alternate stack without room: Linux kills with SIGSEGV, and
// ComputeFrameLayout refuses the same frame.
TEST(SignalFrameHostTest, AlternateStackOverflow) {
  const uint64_t rsp = AltBase() + 900;  // no room even for a 512-byte FPU area
  linux_abi::StackT alt;
  alt.sp = AltBase();
  alt.size = sizeof(g_alt_stack);
  alt.flags = 0;
  linux_abi::KSigAction action;
  action.flags = linux_abi::kSaOnStack | linux_abi::kSaRestorer | linux_abi::kSaSigInfo;
  EXPECT_EQ(ComputeFrameLayout(rsp, linux_abi::kFpuAreaSize, action, alt).error(),
            kstd::Error::kFault);
  std::string died = RunInChild([&](std::string* o) {
    g_capture = new Capture();
    struct sigaction sa = {};
    sa.sa_sigaction = ProbeHandler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGUSR1, &sa, nullptr);
    stack_t ss = {g_alt_stack, 0, sizeof(g_alt_stack)};
    sigaltstack(&ss, nullptr);
    FillProbeRegs(g_capture->regs, rsp, getpid(), static_cast<int32_t>(syscall(SYS_gettid)));
    FrameProbe(g_capture->regs);
    *o = "survived";
  });
  EXPECT_EQ(died, "<child died: " + std::to_string(SIGSEGV) + ">");
}

// --- rt_sigreturn of our frames on the host ----------------------------------------

struct Landing {
  uint64_t landed[kSlots];
  uint64_t mask;
  linux_abi::StackT alt;
};

struct SigreturnCase {
  UserRegs regs;
  uint8_t fpu[linux_abi::kFpuAreaSize];
  SigSet mask;
  linux_abi::StackT alt;
  uint64_t fpstate_override = 1;  // 1: keep; otherwise the frame's fpstate
  uint32_t mxcsr_override = 0;    // 0: keep
  int64_t fpstate_shift = 0;      // move the FPU area by this many bytes
};

UserRegs LandingRegs(uint64_t rsp) {
  UserRegs r;
  uint64_t v = 0x1357924680ACE000ull;
  for (uint64_t* reg : {&r.r8, &r.r9, &r.r10, &r.r11, &r.r12, &r.r13, &r.r14, &r.r15, &r.rdi,
                        &r.rsi, &r.rbp, &r.rbx, &r.rdx, &r.rax, &r.rcx}) {
    *reg = v;
    v = v * 3 + 0x1111;
  }
  r.rsp = rsp;
  r.rip = reinterpret_cast<uint64_t>(SigreturnLanding);
  r.rflags = kProbeFlags;
  r.cs = kUserCs;
  r.ss = kUserSs;
  return r;
}

SigreturnCase DefaultCase() {
  SigreturnCase c;
  c.regs = LandingRegs(StackTop() - 8192 - 24);
  InitialFpuState(c.fpu);
  linux_abi::FxsaveArea area;
  memcpy(&area, c.fpu, sizeof(area));
  area.mxcsr = kProbeMxcsr;
  for (int i = 0; i < 16; ++i) memset(area.xmm[i], 0x30 + i, 16);
  memcpy(c.fpu, &area, sizeof(area));
  c.mask = SigMask(SIGUSR2) | SigMask(40);
  c.alt.sp = AltBase();
  c.alt.size = 32768;
  c.alt.flags = 0;
  return c;
}

// Builds the frame with BuildSignalFrame in a child, rt_sigreturns into it,
// and reports where it landed (or how the child died).
std::string RunSigreturn(const SigreturnCase& c) {
  return RunInChild([&](std::string* out) {
    SignalFrameInput in;
    in.regs = c.regs;
    in.fpu = c.fpu;
    in.signo = SIGUSR1;
    in.action.handler = 0x1000;
    in.action.flags = linux_abi::kSaSigInfo | linux_abi::kSaRestorer;
    in.action.restorer = 0x2000;
    in.saved_mask = c.mask;
    in.alt_stack = c.alt;
    static SignalFrame frame;
    if (!BuildSignalFrame(in, &frame).ok()) _exit(5);
    memcpy(reinterpret_cast<void*>(frame.address), frame.image, frame.size);
    const uint64_t sc = frame.ucontext_address + offsetof(linux_abi::UContext, uc_mcontext);
    if (c.fpstate_override != 1) {
      memcpy(reinterpret_cast<void*>(sc + offsetof(linux_abi::SigContext, fpstate)),
             &c.fpstate_override, 8);
    }
    if (c.fpstate_shift != 0) {
      uint64_t fp;
      memcpy(&fp, reinterpret_cast<void*>(sc + offsetof(linux_abi::SigContext, fpstate)), 8);
      uint64_t moved = fp + static_cast<uint64_t>(c.fpstate_shift);
      memmove(reinterpret_cast<void*>(moved), reinterpret_cast<void*>(fp), linux_abi::kFpuAreaSize);
      memcpy(reinterpret_cast<void*>(sc + offsetof(linux_abi::SigContext, fpstate)), &moved, 8);
    }
    if (c.mxcsr_override != 0) {
      uint64_t fp;
      memcpy(&fp, reinterpret_cast<void*>(sc + offsetof(linux_abi::SigContext, fpstate)), 8);
      memcpy(reinterpret_cast<void*>(fp + offsetof(linux_abi::FxsaveArea, mxcsr)),
             &c.mxcsr_override, 4);
    }
    SigreturnJump(frame.address + 8);
    Landing l;
    memcpy(l.landed, g_landed, sizeof(l.landed));
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, nullptr, &l.mask, 8);
    syscall(SYS_sigaltstack, nullptr, &l.alt);
    out->assign(reinterpret_cast<const char*>(&l), sizeof(l));
  });
}

bool ParseLanding(const std::string& s, Landing* l) {
  if (s.size() != sizeof(Landing)) return false;
  memcpy(l, s.data(), sizeof(*l));
  return true;
}

void ExpectLandedRegs(const Landing& l, const UserRegs& r) {
  const uint64_t* s = l.landed;
  EXPECT_EQ(s[0], r.r8);
  EXPECT_EQ(s[1], r.r9);
  EXPECT_EQ(s[2], r.r10);
  EXPECT_EQ(s[3], r.r11);
  EXPECT_EQ(s[4], r.r12);
  EXPECT_EQ(s[5], r.r13);
  EXPECT_EQ(s[6], r.r14);
  EXPECT_EQ(s[7], r.r15);
  EXPECT_EQ(s[8], r.rdi);
  EXPECT_EQ(s[9], r.rsi);
  EXPECT_EQ(s[10], r.rbp);
  EXPECT_EQ(s[11], r.rbx);
  EXPECT_EQ(s[12], r.rdx);
  EXPECT_EQ(s[13], r.rax);
  EXPECT_EQ(s[14], r.rcx);
  EXPECT_EQ(s[15], r.rsp);
  EXPECT_EQ(s[16], r.rflags);
}

TEST(SigreturnHostTest, LinuxAcceptsOurFrame) {
  SigreturnCase c = DefaultCase();
  Landing l;
  ASSERT_TRUE(ParseLanding(RunSigreturn(c), &l));
  ExpectLandedRegs(l, c.regs);
  EXPECT_EQ(l.landed[17] & 0xFFFFFFFF, kProbeMxcsr);
  linux_abi::FxsaveArea area;
  memcpy(&area, c.fpu, sizeof(area));
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(memcmp(&l.landed[18 + 2 * i], area.xmm[i], 16), 0) << "xmm" << i;
  }
  EXPECT_EQ(l.mask, c.mask);
  EXPECT_EQ(l.alt.sp, c.alt.sp);
  EXPECT_EQ(l.alt.size, c.alt.size);
  EXPECT_EQ(l.alt.flags, 0);
}

TEST(SigreturnHostTest, ManyStackPointers) {
  for (uint64_t k = 0; k < 32; ++k) {
    SigreturnCase c = DefaultCase();
    c.regs = LandingRegs(StackTop() - 8192 - k);
    c.alt = linux_abi::StackT();
    Landing l;
    ASSERT_TRUE(ParseLanding(RunSigreturn(c), &l)) << k;
    ExpectLandedRegs(l, c.regs);
    EXPECT_EQ(l.alt.flags, linux_abi::kSsDisable);
  }
}

// Without an FPU area Linux loads the initial FPU state, as our parser does.
TEST(SigreturnHostTest, NoFpuAreaMeansInitialState) {
  SigreturnCase c = DefaultCase();
  c.fpstate_override = 0;
  Landing l;
  ASSERT_TRUE(ParseLanding(RunSigreturn(c), &l));
  EXPECT_EQ(l.landed[17] & 0xFFFFFFFF, 0x1F80u);
  for (int i = 18; i < kSlots; ++i) EXPECT_EQ(l.landed[i], 0u) << i;
}

// Where our parser refuses (kFault -> SIGSEGV), Linux kills with SIGSEGV too.
TEST(SigreturnHostTest, RefusedFramesKillOnLinuxToo) {
  const std::string segv = "<child died: " + std::to_string(SIGSEGV) + ">";
  {
    SigreturnCase c = DefaultCase();
    c.regs.rip = 0x0000800000000000;  // non-canonical... on a 4-level host: first bad address
    EXPECT_EQ(RunSigreturn(c), segv);
  }
  {
    SigreturnCase c = DefaultCase();
    c.regs.rip = 0xFFFFFFFF81000000;  // the kernel's half
    EXPECT_EQ(RunSigreturn(c), segv);
  }
  {
    SigreturnCase c = DefaultCase();
    c.fpstate_override = 0x1000;  // unmapped FPU area
    EXPECT_EQ(RunSigreturn(c), segv);
  }
}

// Recorded differences, by design: Linux takes cs/ss from the frame (a bad
// selector kills on the way out), Tessera forces its user selectors; Linux
// refuses MXCSR reserved bits (SIGSEGV on this kernel), Tessera clears them.
// These tests pin the host's behaviour so a change is noticed.
TEST(SigreturnHostTest, HostBehaviourForDivergentCases) {
  const std::string segv = "<child died: " + std::to_string(SIGSEGV) + ">";
  {
    SigreturnCase c = DefaultCase();
    c.mxcsr_override = kProbeMxcsr | 0x80000000u;
    std::string out = RunSigreturn(c);
    Landing l;
    printf("host rt_sigreturn with MXCSR reserved bits: %s\n",
           ParseLanding(out, &l) ? "landed" : out.c_str());
    if (ParseLanding(out, &l)) {
      // Older kernels masked it: landed with the reserved bit cleared.
      EXPECT_EQ(l.landed[17] & 0xFFFFFFFF, kProbeMxcsr);
    } else {
      EXPECT_EQ(out, segv);
    }
  }
  {
    SigreturnCase c = DefaultCase();
    c.regs.cs = 0x08;  // the builder writes it into the frame as given
    std::string out = RunSigreturn(c);
    EXPECT_EQ(out, segv);  // Linux honours the frame's cs (| 3) and faults
  }
}

// FPU area alignment: FXRSTOR needs 16 bytes. Linux refuses an 8-aligned
// area (SIGSEGV) and accepts a 16-aligned one, like our parser.
TEST(SigreturnHostTest, FpuAreaAlignment) {
  const std::string segv = "<child died: " + std::to_string(SIGSEGV) + ">";
  SigreturnCase c = DefaultCase();
  c.fpstate_shift = -8;
  EXPECT_EQ(RunSigreturn(c), segv);
  c.fpstate_shift = -16;
  Landing l;
  ASSERT_TRUE(ParseLanding(RunSigreturn(c), &l));
  EXPECT_EQ(l.landed[17] & 0xFFFFFFFF, kProbeMxcsr);
}

}  // namespace
}  // namespace core::posix
