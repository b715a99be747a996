#pragma once

// Linux x86-64 signal ABI: the numbers, rt_sigprocmask's `how`, the
// structures rt_sigaction, sigaltstack and the siginfo-taking calls pass
// (struct k_sigaction as x86-64 defines it, stack_t, siginfo_t) and the
// si_code values.
//
// Sources: include/uapi/asm-generic/signal-defs.h, arch/x86/include/uapi/
// asm/signal.h (numbers, SA_*, `struct sigaction` for !__i386__, stack_t,
// MINSIGSTKSZ), include/uapi/asm-generic/siginfo.h (siginfo_t, si_codes).
// glibc's and musl's user-level struct sigaction differ from the kernel's
// (a 128-byte mask); the libcs convert.

#include <stddef.h>
#include <stdint.h>

namespace linux_abi {

// Signal numbers.
inline constexpr int kSigHup = 1;
inline constexpr int kSigInt = 2;
inline constexpr int kSigQuit = 3;
inline constexpr int kSigIll = 4;
inline constexpr int kSigTrap = 5;
inline constexpr int kSigAbrt = 6;
inline constexpr int kSigBus = 7;
inline constexpr int kSigFpe = 8;
inline constexpr int kSigKill = 9;
inline constexpr int kSigUsr1 = 10;
inline constexpr int kSigSegv = 11;
inline constexpr int kSigUsr2 = 12;
inline constexpr int kSigPipe = 13;
inline constexpr int kSigAlrm = 14;
inline constexpr int kSigTerm = 15;
inline constexpr int kSigStkflt = 16;
inline constexpr int kSigChld = 17;
inline constexpr int kSigCont = 18;
inline constexpr int kSigStop = 19;
inline constexpr int kSigTstp = 20;
inline constexpr int kSigTtin = 21;
inline constexpr int kSigTtou = 22;
inline constexpr int kSigUrg = 23;
inline constexpr int kSigXcpu = 24;
inline constexpr int kSigXfsz = 25;
inline constexpr int kSigVtalrm = 26;
inline constexpr int kSigProf = 27;
inline constexpr int kSigWinch = 28;
inline constexpr int kSigIo = 29;
inline constexpr int kSigPwr = 30;
inline constexpr int kSigSys = 31;

/// The kernel's first realtime signal: 32..64 queue and default to terminate.
/// (glibc reserves 32 and 33 for itself and reports SIGRTMIN as 34; musl
/// reserves 32..34 and reports 35. The kernel treats all of 32..64 alike.)
inline constexpr int kSigRtMinKernel = 32;
inline constexpr int kSigRtMax = 64;
/// _NSIG: signals are 1..kNumSignals; the kernel's sigset_t on x86-64 is one
/// 64-bit word, bit (signo - 1), and the rt_sig* calls take its size, 8.
inline constexpr int kNumSignals = 64;
inline constexpr uint64_t kSigSetSize = 8;

// rt_sigprocmask `how`.
inline constexpr int kSigBlock = 0;
inline constexpr int kSigUnblock = 1;
inline constexpr int kSigSetMask = 2;

// sa_handler values other than a user address.
inline constexpr uint64_t kSigDfl = 0;
inline constexpr uint64_t kSigIgn = 1;

// sa_flags.
inline constexpr uint64_t kSaNoCldStop = 0x00000001;
inline constexpr uint64_t kSaNoCldWait = 0x00000002;
inline constexpr uint64_t kSaSigInfo = 0x00000004;
inline constexpr uint64_t kSaUnsupported = 0x00000400;  // never accepted: a probe bit
inline constexpr uint64_t kSaExposeTagBits = 0x00000800;
inline constexpr uint64_t kSaRestorer = 0x04000000;
inline constexpr uint64_t kSaOnStack = 0x08000000;
inline constexpr uint64_t kSaRestart = 0x10000000;
inline constexpr uint64_t kSaNoDefer = 0x40000000;
inline constexpr uint64_t kSaResetHand = 0x80000000;

/// struct k_sigaction as rt_sigaction(2) passes it on x86-64. 32 bytes.
struct KSigAction {
  uint64_t handler = kSigDfl;  // kSigDfl, kSigIgn or a user address
  uint64_t flags = 0;
  uint64_t restorer = 0;  // user address of the code that calls rt_sigreturn
  uint64_t mask = 0;      // blocked, in addition, while the handler runs
};
static_assert(sizeof(KSigAction) == 32);

// ss_flags of stack_t.
inline constexpr int32_t kSsOnStack = 1;
inline constexpr int32_t kSsDisable = 2;
inline constexpr int32_t kSsAutoDisarm = static_cast<int32_t>(1u << 31);
/// The smallest alternate stack sigaltstack accepts (the kernel's
/// MINSIGSTKSZ; glibc's MINSIGSTKSZ macro may be larger).
inline constexpr uint64_t kMinSigStackSize = 2048;

/// stack_t (sigaltstack(2), uc_stack). 24 bytes.
struct StackT {
  uint64_t sp = 0;             // ss_sp: lowest address
  int32_t flags = kSsDisable;  // ss_flags
  int32_t pad = 0;
  uint64_t size = 0;  // ss_size
};
static_assert(sizeof(StackT) == 24);

// si_code values for any signal.
inline constexpr int32_t kSiUser = 0;  // kill()
inline constexpr int32_t kSiKernel = 0x80;
inline constexpr int32_t kSiQueue = -1;  // sigqueue()
inline constexpr int32_t kSiTimer = -2;
inline constexpr int32_t kSiMesgq = -3;
inline constexpr int32_t kSiAsyncIo = -4;
inline constexpr int32_t kSiSigIo = -5;
inline constexpr int32_t kSiTkill = -6;  // tkill()/tgkill()
// SIGILL
inline constexpr int32_t kIllIllOpc = 1;
inline constexpr int32_t kIllIllOpn = 2;
inline constexpr int32_t kIllIllAdr = 3;
inline constexpr int32_t kIllIllTrp = 4;
inline constexpr int32_t kIllPrvOpc = 5;
inline constexpr int32_t kIllPrvReg = 6;
inline constexpr int32_t kIllCoproc = 7;
inline constexpr int32_t kIllBadStk = 8;
// SIGFPE
inline constexpr int32_t kFpeIntDiv = 1;
inline constexpr int32_t kFpeIntOvf = 2;
inline constexpr int32_t kFpeFltDiv = 3;
inline constexpr int32_t kFpeFltOvf = 4;
inline constexpr int32_t kFpeFltUnd = 5;
inline constexpr int32_t kFpeFltRes = 6;
inline constexpr int32_t kFpeFltInv = 7;
inline constexpr int32_t kFpeFltSub = 8;
// SIGSEGV
inline constexpr int32_t kSegvMapErr = 1;
inline constexpr int32_t kSegvAccErr = 2;
// SIGBUS
inline constexpr int32_t kBusAdrAln = 1;
inline constexpr int32_t kBusAdrErr = 2;
inline constexpr int32_t kBusObjErr = 3;
// SIGTRAP
inline constexpr int32_t kTrapBrkpt = 1;
inline constexpr int32_t kTrapTrace = 2;
// SIGCHLD
inline constexpr int32_t kCldExited = 1;
inline constexpr int32_t kCldKilled = 2;
inline constexpr int32_t kCldDumped = 3;
inline constexpr int32_t kCldTrapped = 4;
inline constexpr int32_t kCldStopped = 5;
inline constexpr int32_t kCldContinued = 6;
// SIGPOLL (and an F_SETSIG signal): why the file signalled
inline constexpr int32_t kPollInCode = 1;   // POLL_IN
inline constexpr int32_t kPollOutCode = 2;  // POLL_OUT
inline constexpr int32_t kPollMsgCode = 3;  // POLL_MSG (a lease break)

/// siginfo_t (x86-64): 128 bytes; the union starts at offset 16.
struct SigInfo {
  int32_t signo = 0;  // si_signo
  int32_t err = 0;    // si_errno
  int32_t code = 0;   // si_code
  int32_t pad = 0;
  union {
    struct {  // kill(), tgkill()
      int32_t pid;
      uint32_t uid;
    } kill;
    struct {  // POSIX.1b timers
      int32_t tid;
      int32_t overrun;
      uint64_t value;  // union sigval
    } timer;
    struct {  // sigqueue()
      int32_t pid;
      uint32_t uid;
      uint64_t value;  // union sigval
    } rt;
    struct {  // SIGCHLD
      int32_t pid;
      uint32_t uid;
      int32_t status;  // exit code or signal
      int32_t pad;
      int64_t utime;  // clock ticks
      int64_t stime;
    } child;
    struct {  // SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP
      uint64_t addr;
      int16_t addr_lsb;
      int16_t pad[3];
      uint64_t lower;  // SEGV_BNDERR; si_pkey (u32) overlays `lower` for SEGV_PKUERR
      uint64_t upper;
    } fault;
    struct {  // SIGPOLL
      int64_t band;
      int32_t fd;
    } poll;
    struct {  // SIGSYS (seccomp)
      uint64_t call_addr;
      int32_t syscall;
      uint32_t arch;
    } sys;
    uint8_t raw[112] = {};
  };

  /// A signal from kill() (SI_USER) or tgkill() (SI_TKILL) by `pid`/`uid`.
  static SigInfo FromKill(int signo, int32_t pid, uint32_t uid, int32_t code = kSiUser) {
    SigInfo info;
    info.signo = signo;
    info.code = code;
    info.kill.pid = pid;
    info.kill.uid = uid;
    return info;
  }
  /// A signal the kernel raises on its own (SI_KERNEL), e.g. SIGPIPE.
  static SigInfo FromKernel(int signo) {
    SigInfo info;
    info.signo = signo;
    info.code = kSiKernel;
    return info;
  }
  /// A fault signal for the instruction that touched `addr`.
  static SigInfo FromFault(int signo, int32_t code, uint64_t addr) {
    SigInfo info;
    info.signo = signo;
    info.code = code;
    info.fault.addr = addr;
    return info;
  }
};
static_assert(sizeof(SigInfo) == 128);
static_assert(offsetof(SigInfo, raw) == 16);

}  // namespace linux_abi
