// abi/linux/signal.h against glibc's headers (siginfo_t and stack_t are the
// kernel's). k_sigaction, which glibc does not define (its user-level
// struct sigaction has a 128-byte mask), is checked against the kernel's
// own header in kernel_uapi_test.cc.

#include <signal.h>

#include "abi/linux/abi_test_util.h"
#include "abi/linux/signal.h"

namespace linux_abi {
namespace {

TEST(SignalAbiTest, Numbers) {
  EXPECT_SAME_VALUE(kSigHup, SIGHUP);
  EXPECT_SAME_VALUE(kSigInt, SIGINT);
  EXPECT_SAME_VALUE(kSigQuit, SIGQUIT);
  EXPECT_SAME_VALUE(kSigIll, SIGILL);
  EXPECT_SAME_VALUE(kSigTrap, SIGTRAP);
  EXPECT_SAME_VALUE(kSigAbrt, SIGABRT);
  EXPECT_SAME_VALUE(kSigBus, SIGBUS);
  EXPECT_SAME_VALUE(kSigFpe, SIGFPE);
  EXPECT_SAME_VALUE(kSigKill, SIGKILL);
  EXPECT_SAME_VALUE(kSigUsr1, SIGUSR1);
  EXPECT_SAME_VALUE(kSigSegv, SIGSEGV);
  EXPECT_SAME_VALUE(kSigUsr2, SIGUSR2);
  EXPECT_SAME_VALUE(kSigPipe, SIGPIPE);
  EXPECT_SAME_VALUE(kSigAlrm, SIGALRM);
  EXPECT_SAME_VALUE(kSigTerm, SIGTERM);
  EXPECT_SAME_VALUE(kSigStkflt, SIGSTKFLT);
  EXPECT_SAME_VALUE(kSigChld, SIGCHLD);
  EXPECT_SAME_VALUE(kSigCont, SIGCONT);
  EXPECT_SAME_VALUE(kSigStop, SIGSTOP);
  EXPECT_SAME_VALUE(kSigTstp, SIGTSTP);
  EXPECT_SAME_VALUE(kSigTtin, SIGTTIN);
  EXPECT_SAME_VALUE(kSigTtou, SIGTTOU);
  EXPECT_SAME_VALUE(kSigUrg, SIGURG);
  EXPECT_SAME_VALUE(kSigXcpu, SIGXCPU);
  EXPECT_SAME_VALUE(kSigXfsz, SIGXFSZ);
  EXPECT_SAME_VALUE(kSigVtalrm, SIGVTALRM);
  EXPECT_SAME_VALUE(kSigProf, SIGPROF);
  EXPECT_SAME_VALUE(kSigWinch, SIGWINCH);
  EXPECT_SAME_VALUE(kSigIo, SIGIO);
  EXPECT_SAME_VALUE(kSigPwr, SIGPWR);
  EXPECT_SAME_VALUE(kSigSys, SIGSYS);
  EXPECT_SAME_VALUE(kSigRtMax, SIGRTMAX);  // glibc's SIGRTMAX is the kernel's
  EXPECT_SAME_VALUE(kNumSignals + 1, NSIG);  // glibc's NSIG counts signal 0
  EXPECT_SAME_VALUE(kSigBlock, SIG_BLOCK);
  EXPECT_SAME_VALUE(kSigUnblock, SIG_UNBLOCK);
  EXPECT_SAME_VALUE(kSigSetMask, SIG_SETMASK);
  EXPECT_EQ(kSigDfl, reinterpret_cast<uint64_t>(SIG_DFL));
  EXPECT_EQ(kSigIgn, reinterpret_cast<uint64_t>(SIG_IGN));
}

TEST(SignalAbiTest, SigactionFlags) {
  EXPECT_SAME_VALUE(kSaNoCldStop, SA_NOCLDSTOP);
  EXPECT_SAME_VALUE(kSaNoCldWait, SA_NOCLDWAIT);
  EXPECT_SAME_VALUE(kSaSigInfo, SA_SIGINFO);
  EXPECT_SAME_VALUE(kSaRestorer, 0x04000000);  // glibc does not export SA_RESTORER
  EXPECT_SAME_VALUE(kSaOnStack, SA_ONSTACK);
  EXPECT_SAME_VALUE(kSaRestart, SA_RESTART);
  EXPECT_SAME_VALUE(kSaNoDefer, SA_NODEFER);
  EXPECT_SAME_VALUE(kSaResetHand, static_cast<uint32_t>(SA_RESETHAND));
}

TEST(SignalAbiTest, StackT) {
  EXPECT_EQ(sizeof(StackT), sizeof(stack_t));
  EXPECT_SAME_OFFSET(StackT, sp, stack_t, ss_sp);
  EXPECT_SAME_OFFSET(StackT, flags, stack_t, ss_flags);
  EXPECT_SAME_OFFSET(StackT, size, stack_t, ss_size);
  EXPECT_SAME_VALUE(kSsOnStack, SS_ONSTACK);
  EXPECT_SAME_VALUE(kSsDisable, SS_DISABLE);
  EXPECT_SAME_VALUE(kSsAutoDisarm, static_cast<int32_t>(1u << 31));  // SS_AUTODISARM
}

TEST(SignalAbiTest, SigInfoLayout) {
  EXPECT_EQ(sizeof(SigInfo), sizeof(siginfo_t));
  EXPECT_SAME_OFFSET(SigInfo, signo, siginfo_t, si_signo);
  EXPECT_SAME_OFFSET(SigInfo, err, siginfo_t, si_errno);
  EXPECT_SAME_OFFSET(SigInfo, code, siginfo_t, si_code);
  EXPECT_SAME_OFFSET(SigInfo, kill.pid, siginfo_t, si_pid);
  EXPECT_SAME_OFFSET(SigInfo, kill.uid, siginfo_t, si_uid);
  EXPECT_SAME_OFFSET(SigInfo, child.status, siginfo_t, si_status);
  EXPECT_SAME_OFFSET(SigInfo, child.utime, siginfo_t, si_utime);
  EXPECT_SAME_OFFSET(SigInfo, child.stime, siginfo_t, si_stime);
  EXPECT_SAME_OFFSET(SigInfo, rt.value, siginfo_t, si_value);
  EXPECT_SAME_OFFSET(SigInfo, timer.overrun, siginfo_t, si_overrun);
  EXPECT_SAME_OFFSET(SigInfo, fault.addr, siginfo_t, si_addr);
  EXPECT_SAME_OFFSET(SigInfo, fault.addr_lsb, siginfo_t, si_addr_lsb);
  EXPECT_SAME_OFFSET(SigInfo, poll.band, siginfo_t, si_band);
  EXPECT_SAME_OFFSET(SigInfo, poll.fd, siginfo_t, si_fd);
  EXPECT_SAME_OFFSET(SigInfo, sys.call_addr, siginfo_t, si_call_addr);
  EXPECT_SAME_OFFSET(SigInfo, sys.syscall, siginfo_t, si_syscall);
  EXPECT_SAME_OFFSET(SigInfo, sys.arch, siginfo_t, si_arch);
}

TEST(SignalAbiTest, SiCodes) {
  EXPECT_SAME_VALUE(kSiUser, SI_USER);
  EXPECT_SAME_VALUE(kSiKernel, SI_KERNEL);
  EXPECT_SAME_VALUE(kSiQueue, SI_QUEUE);
  EXPECT_SAME_VALUE(kSiTimer, SI_TIMER);
  EXPECT_SAME_VALUE(kSiMesgq, SI_MESGQ);
  EXPECT_SAME_VALUE(kSiAsyncIo, SI_ASYNCIO);
  EXPECT_SAME_VALUE(kSiSigIo, SI_SIGIO);
  EXPECT_SAME_VALUE(kSiTkill, SI_TKILL);
  EXPECT_SAME_VALUE(kIllIllOpc, ILL_ILLOPC);
  EXPECT_SAME_VALUE(kIllIllOpn, ILL_ILLOPN);
  EXPECT_SAME_VALUE(kIllIllAdr, ILL_ILLADR);
  EXPECT_SAME_VALUE(kIllIllTrp, ILL_ILLTRP);
  EXPECT_SAME_VALUE(kIllPrvOpc, ILL_PRVOPC);
  EXPECT_SAME_VALUE(kIllPrvReg, ILL_PRVREG);
  EXPECT_SAME_VALUE(kIllCoproc, ILL_COPROC);
  EXPECT_SAME_VALUE(kIllBadStk, ILL_BADSTK);
  EXPECT_SAME_VALUE(kFpeIntDiv, FPE_INTDIV);
  EXPECT_SAME_VALUE(kFpeIntOvf, FPE_INTOVF);
  EXPECT_SAME_VALUE(kFpeFltDiv, FPE_FLTDIV);
  EXPECT_SAME_VALUE(kFpeFltOvf, FPE_FLTOVF);
  EXPECT_SAME_VALUE(kFpeFltUnd, FPE_FLTUND);
  EXPECT_SAME_VALUE(kFpeFltRes, FPE_FLTRES);
  EXPECT_SAME_VALUE(kFpeFltInv, FPE_FLTINV);
  EXPECT_SAME_VALUE(kFpeFltSub, FPE_FLTSUB);
  EXPECT_SAME_VALUE(kSegvMapErr, SEGV_MAPERR);
  EXPECT_SAME_VALUE(kSegvAccErr, SEGV_ACCERR);
  EXPECT_SAME_VALUE(kBusAdrAln, BUS_ADRALN);
  EXPECT_SAME_VALUE(kBusAdrErr, BUS_ADRERR);
  EXPECT_SAME_VALUE(kBusObjErr, BUS_OBJERR);
  EXPECT_SAME_VALUE(kTrapBrkpt, TRAP_BRKPT);
  EXPECT_SAME_VALUE(kTrapTrace, TRAP_TRACE);
  EXPECT_SAME_VALUE(kCldExited, CLD_EXITED);
  EXPECT_SAME_VALUE(kCldKilled, CLD_KILLED);
  EXPECT_SAME_VALUE(kCldDumped, CLD_DUMPED);
  EXPECT_SAME_VALUE(kCldTrapped, CLD_TRAPPED);
  EXPECT_SAME_VALUE(kCldStopped, CLD_STOPPED);
  EXPECT_SAME_VALUE(kCldContinued, CLD_CONTINUED);
}

}  // namespace
}  // namespace linux_abi
