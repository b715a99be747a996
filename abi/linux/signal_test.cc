// abi/linux/signal.h against glibc's headers (siginfo_t and stack_t are the
// kernel's). k_sigaction, which glibc does not define (its user-level
// struct sigaction has a 128-byte mask), is checked against the kernel's
// own header in kernel_uapi_test.cc.

#include <gtest/gtest.h>
#include <signal.h>
#include <stddef.h>

#include "abi/linux/signal.h"

namespace linux_abi {
namespace {

TEST(SignalAbiTest, NumbersMatchGlibc) {
  EXPECT_EQ(kSigHup, SIGHUP);
  EXPECT_EQ(kSigInt, SIGINT);
  EXPECT_EQ(kSigQuit, SIGQUIT);
  EXPECT_EQ(kSigIll, SIGILL);
  EXPECT_EQ(kSigTrap, SIGTRAP);
  EXPECT_EQ(kSigAbrt, SIGABRT);
  EXPECT_EQ(kSigBus, SIGBUS);
  EXPECT_EQ(kSigFpe, SIGFPE);
  EXPECT_EQ(kSigKill, SIGKILL);
  EXPECT_EQ(kSigUsr1, SIGUSR1);
  EXPECT_EQ(kSigSegv, SIGSEGV);
  EXPECT_EQ(kSigUsr2, SIGUSR2);
  EXPECT_EQ(kSigPipe, SIGPIPE);
  EXPECT_EQ(kSigAlrm, SIGALRM);
  EXPECT_EQ(kSigTerm, SIGTERM);
  EXPECT_EQ(kSigStkflt, SIGSTKFLT);
  EXPECT_EQ(kSigChld, SIGCHLD);
  EXPECT_EQ(kSigCont, SIGCONT);
  EXPECT_EQ(kSigStop, SIGSTOP);
  EXPECT_EQ(kSigTstp, SIGTSTP);
  EXPECT_EQ(kSigTtin, SIGTTIN);
  EXPECT_EQ(kSigTtou, SIGTTOU);
  EXPECT_EQ(kSigUrg, SIGURG);
  EXPECT_EQ(kSigXcpu, SIGXCPU);
  EXPECT_EQ(kSigXfsz, SIGXFSZ);
  EXPECT_EQ(kSigVtalrm, SIGVTALRM);
  EXPECT_EQ(kSigProf, SIGPROF);
  EXPECT_EQ(kSigWinch, SIGWINCH);
  EXPECT_EQ(kSigIo, SIGIO);
  EXPECT_EQ(kSigPwr, SIGPWR);
  EXPECT_EQ(kSigSys, SIGSYS);
  EXPECT_EQ(kSigRtMax, SIGRTMAX);
  EXPECT_EQ(kNumSignals + 1, _NSIG);
}

TEST(SignalAbiTest, FlagsMatchHeaders) {
  EXPECT_EQ(kSaNoCldStop, static_cast<uint64_t>(SA_NOCLDSTOP));
  EXPECT_EQ(kSaNoCldWait, static_cast<uint64_t>(SA_NOCLDWAIT));
  EXPECT_EQ(kSaSigInfo, static_cast<uint64_t>(SA_SIGINFO));
  EXPECT_EQ(kSaOnStack, static_cast<uint64_t>(SA_ONSTACK));
  EXPECT_EQ(kSaRestart, static_cast<uint64_t>(SA_RESTART));
  EXPECT_EQ(kSaNoDefer, static_cast<uint64_t>(SA_NODEFER));
  EXPECT_EQ(kSaResetHand, static_cast<uint64_t>(static_cast<uint32_t>(SA_RESETHAND)));
  EXPECT_EQ(kSsOnStack, SS_ONSTACK);
  EXPECT_EQ(kSsDisable, SS_DISABLE);
  EXPECT_EQ(kSigBlock, SIG_BLOCK);
  EXPECT_EQ(kSigUnblock, SIG_UNBLOCK);
  EXPECT_EQ(kSigSetMask, SIG_SETMASK);
  EXPECT_EQ(kSigDfl, reinterpret_cast<uint64_t>(SIG_DFL));
  EXPECT_EQ(kSigIgn, reinterpret_cast<uint64_t>(SIG_IGN));
}

TEST(SignalAbiTest, StackTMatchesGlibc) {
  EXPECT_EQ(sizeof(StackT), sizeof(stack_t));
  EXPECT_EQ(offsetof(StackT, sp), offsetof(stack_t, ss_sp));
  EXPECT_EQ(offsetof(StackT, flags), offsetof(stack_t, ss_flags));
  EXPECT_EQ(offsetof(StackT, size), offsetof(stack_t, ss_size));
}

TEST(SignalAbiTest, SigInfoMatchesGlibc) {
  EXPECT_EQ(sizeof(SigInfo), sizeof(siginfo_t));
  EXPECT_EQ(offsetof(SigInfo, signo), offsetof(siginfo_t, si_signo));
  EXPECT_EQ(offsetof(SigInfo, err), offsetof(siginfo_t, si_errno));
  EXPECT_EQ(offsetof(SigInfo, code), offsetof(siginfo_t, si_code));
  EXPECT_EQ(offsetof(SigInfo, kill.pid), offsetof(siginfo_t, si_pid));
  EXPECT_EQ(offsetof(SigInfo, kill.uid), offsetof(siginfo_t, si_uid));
  EXPECT_EQ(offsetof(SigInfo, rt.pid), offsetof(siginfo_t, si_pid));
  EXPECT_EQ(offsetof(SigInfo, rt.uid), offsetof(siginfo_t, si_uid));
  EXPECT_EQ(offsetof(SigInfo, rt.value), offsetof(siginfo_t, si_value));
  EXPECT_EQ(offsetof(SigInfo, timer.tid), offsetof(siginfo_t, si_timerid));
  EXPECT_EQ(offsetof(SigInfo, timer.overrun), offsetof(siginfo_t, si_overrun));
  EXPECT_EQ(offsetof(SigInfo, timer.value), offsetof(siginfo_t, si_value));
  EXPECT_EQ(offsetof(SigInfo, child.pid), offsetof(siginfo_t, si_pid));
  EXPECT_EQ(offsetof(SigInfo, child.uid), offsetof(siginfo_t, si_uid));
  EXPECT_EQ(offsetof(SigInfo, child.status), offsetof(siginfo_t, si_status));
  EXPECT_EQ(offsetof(SigInfo, child.utime), offsetof(siginfo_t, si_utime));
  EXPECT_EQ(offsetof(SigInfo, child.stime), offsetof(siginfo_t, si_stime));
  EXPECT_EQ(offsetof(SigInfo, fault.addr), offsetof(siginfo_t, si_addr));
  EXPECT_EQ(offsetof(SigInfo, fault.addr_lsb), offsetof(siginfo_t, si_addr_lsb));
  EXPECT_EQ(offsetof(SigInfo, fault.lower), offsetof(siginfo_t, si_lower));
  EXPECT_EQ(offsetof(SigInfo, fault.upper), offsetof(siginfo_t, si_upper));
  EXPECT_EQ(offsetof(SigInfo, fault.lower), offsetof(siginfo_t, si_pkey));
  EXPECT_EQ(offsetof(SigInfo, poll.band), offsetof(siginfo_t, si_band));
  EXPECT_EQ(offsetof(SigInfo, poll.fd), offsetof(siginfo_t, si_fd));
  EXPECT_EQ(offsetof(SigInfo, sys.call_addr), offsetof(siginfo_t, si_call_addr));
  EXPECT_EQ(offsetof(SigInfo, sys.syscall), offsetof(siginfo_t, si_syscall));
  EXPECT_EQ(offsetof(SigInfo, sys.arch), offsetof(siginfo_t, si_arch));
}

TEST(SignalAbiTest, CodesMatchGlibc) {
  EXPECT_EQ(kSiUser, SI_USER);
  EXPECT_EQ(kSiKernel, SI_KERNEL);
  EXPECT_EQ(kSiQueue, SI_QUEUE);
  EXPECT_EQ(kSiTimer, SI_TIMER);
  EXPECT_EQ(kSiMesgq, SI_MESGQ);
  EXPECT_EQ(kSiAsyncIo, SI_ASYNCIO);
  EXPECT_EQ(kSiSigIo, SI_SIGIO);
  EXPECT_EQ(kSiTkill, SI_TKILL);
  EXPECT_EQ(kIllIllOpc, ILL_ILLOPC);
  EXPECT_EQ(kIllIllOpn, ILL_ILLOPN);
  EXPECT_EQ(kIllIllAdr, ILL_ILLADR);
  EXPECT_EQ(kIllIllTrp, ILL_ILLTRP);
  EXPECT_EQ(kIllPrvOpc, ILL_PRVOPC);
  EXPECT_EQ(kIllPrvReg, ILL_PRVREG);
  EXPECT_EQ(kIllCoproc, ILL_COPROC);
  EXPECT_EQ(kIllBadStk, ILL_BADSTK);
  EXPECT_EQ(kFpeIntDiv, FPE_INTDIV);
  EXPECT_EQ(kFpeIntOvf, FPE_INTOVF);
  EXPECT_EQ(kFpeFltDiv, FPE_FLTDIV);
  EXPECT_EQ(kFpeFltOvf, FPE_FLTOVF);
  EXPECT_EQ(kFpeFltUnd, FPE_FLTUND);
  EXPECT_EQ(kFpeFltRes, FPE_FLTRES);
  EXPECT_EQ(kFpeFltInv, FPE_FLTINV);
  EXPECT_EQ(kFpeFltSub, FPE_FLTSUB);
  EXPECT_EQ(kSegvMapErr, SEGV_MAPERR);
  EXPECT_EQ(kSegvAccErr, SEGV_ACCERR);
  EXPECT_EQ(kBusAdrAln, BUS_ADRALN);
  EXPECT_EQ(kBusAdrErr, BUS_ADRERR);
  EXPECT_EQ(kBusObjErr, BUS_OBJERR);
  EXPECT_EQ(kTrapBrkpt, TRAP_BRKPT);
  EXPECT_EQ(kTrapTrace, TRAP_TRACE);
  EXPECT_EQ(kCldExited, CLD_EXITED);
  EXPECT_EQ(kCldKilled, CLD_KILLED);
  EXPECT_EQ(kCldDumped, CLD_DUMPED);
  EXPECT_EQ(kCldTrapped, CLD_TRAPPED);
  EXPECT_EQ(kCldStopped, CLD_STOPPED);
  EXPECT_EQ(kCldContinued, CLD_CONTINUED);
  EXPECT_EQ(kPollInCode, POLL_IN);
  EXPECT_EQ(kPollOutCode, POLL_OUT);
}

}  // namespace
}  // namespace linux_abi
