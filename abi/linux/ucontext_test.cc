// abi/linux/ucontext.h against glibc's <sys/ucontext.h> (mcontext_t,
// ucontext_t's first 304 bytes, the FPU area). The kernel's own structures
// are checked against <asm/sigcontext.h> and <asm/ucontext.h> in
// kernel_uapi_test.cc.

#include <gtest/gtest.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ucontext.h>

#include "abi/linux/ucontext.h"

namespace linux_abi {
namespace {

TEST(UContextAbiTest, SigContextMatchesGlibc) {
  EXPECT_EQ(sizeof(SigContext), sizeof(struct sigcontext));
#define SAME(ours, theirs) \
  EXPECT_EQ(offsetof(SigContext, ours), offsetof(struct sigcontext, theirs))
  SAME(r8, r8);
  SAME(r9, r9);
  SAME(r10, r10);
  SAME(r11, r11);
  SAME(r12, r12);
  SAME(r13, r13);
  SAME(r14, r14);
  SAME(r15, r15);
  SAME(rdi, rdi);
  SAME(rsi, rsi);
  SAME(rbp, rbp);
  SAME(rbx, rbx);
  SAME(rdx, rdx);
  SAME(rax, rax);
  SAME(rcx, rcx);
  SAME(rsp, rsp);
  SAME(rip, rip);
  SAME(eflags, eflags);
  SAME(cs, cs);
  SAME(gs, gs);
  SAME(fs, fs);
  SAME(ss, __pad0);
  SAME(err, err);
  SAME(trapno, trapno);
  SAME(oldmask, oldmask);
  SAME(cr2, cr2);
  SAME(fpstate, fpstate);
  SAME(reserved1, __reserved1);
#undef SAME
}

TEST(UContextAbiTest, UContextMatchesGlibcPrefix) {
  EXPECT_EQ(offsetof(UContext, uc_flags), offsetof(ucontext_t, uc_flags));
  EXPECT_EQ(offsetof(UContext, uc_link), offsetof(ucontext_t, uc_link));
  EXPECT_EQ(offsetof(UContext, uc_stack), offsetof(ucontext_t, uc_stack));
  EXPECT_EQ(offsetof(UContext, uc_mcontext), offsetof(ucontext_t, uc_mcontext));
  EXPECT_EQ(offsetof(UContext, uc_sigmask), offsetof(ucontext_t, uc_sigmask));
  EXPECT_EQ(sizeof(mcontext_t), sizeof(SigContext));
  const size_t gregs = offsetof(ucontext_t, uc_mcontext.gregs);
  const size_t mc = offsetof(UContext, uc_mcontext);
#define GREG(reg, field) EXPECT_EQ(gregs + (reg)*8, mc + offsetof(SigContext, field)) << #reg
  GREG(REG_R8, r8);
  GREG(REG_R9, r9);
  GREG(REG_R10, r10);
  GREG(REG_R11, r11);
  GREG(REG_R12, r12);
  GREG(REG_R13, r13);
  GREG(REG_R14, r14);
  GREG(REG_R15, r15);
  GREG(REG_RDI, rdi);
  GREG(REG_RSI, rsi);
  GREG(REG_RBP, rbp);
  GREG(REG_RBX, rbx);
  GREG(REG_RDX, rdx);
  GREG(REG_RAX, rax);
  GREG(REG_RCX, rcx);
  GREG(REG_RSP, rsp);
  GREG(REG_RIP, rip);
  GREG(REG_EFL, eflags);
  GREG(REG_CSGSFS, cs);
  GREG(REG_ERR, err);
  GREG(REG_TRAPNO, trapno);
  GREG(REG_OLDMASK, oldmask);
  GREG(REG_CR2, cr2);
#undef GREG
  EXPECT_EQ(offsetof(ucontext_t, uc_mcontext.fpregs), mc + offsetof(SigContext, fpstate));
  EXPECT_EQ(NGREG, 23);
}

TEST(UContextAbiTest, FpuAreaMatchesGlibc) {
  EXPECT_EQ(sizeof(FxsaveArea), sizeof(struct _fpstate));
  EXPECT_EQ(sizeof(FxsaveArea), sizeof(struct _libc_fpstate));
#define SAME(ours, theirs) EXPECT_EQ(offsetof(FxsaveArea, ours), offsetof(struct _fpstate, theirs))
  SAME(fcw, cwd);
  SAME(fsw, swd);
  SAME(ftw, ftw);
  SAME(fop, fop);
  SAME(fip, rip);
  SAME(fdp, rdp);
  SAME(mxcsr, mxcsr);
  SAME(mxcsr_mask, mxcr_mask);
  SAME(st, _st);
  SAME(xmm, _xmm);
#undef SAME
  EXPECT_EQ(offsetof(FxsaveArea, sw_reserved), 464u);
  EXPECT_EQ(sizeof(FpxSwBytes), sizeof(struct _fpx_sw_bytes));
  EXPECT_EQ(offsetof(FpxSwBytes, magic1), offsetof(struct _fpx_sw_bytes, magic1));
  EXPECT_EQ(offsetof(FpxSwBytes, extended_size), offsetof(struct _fpx_sw_bytes, extended_size));
  EXPECT_EQ(offsetof(FpxSwBytes, xfeatures), offsetof(struct _fpx_sw_bytes, xstate_bv));
  EXPECT_EQ(offsetof(FpxSwBytes, xstate_size), offsetof(struct _fpx_sw_bytes, xstate_size));
  EXPECT_EQ(kFpXstateMagic1, FP_XSTATE_MAGIC1);
  EXPECT_EQ(kFpXstateMagic2, FP_XSTATE_MAGIC2);
}

}  // namespace
}  // namespace linux_abi
