// abi/linux/signal.h, ucontext.h and termios.h against the kernel's own
// uapi headers (<asm/signal.h>, <asm/sigcontext.h>, <asm/ucontext.h>,
// <asm/termbits.h>, <asm/termios.h>, <asm/ioctls.h>), which cannot share a
// translation unit with glibc's <signal.h>/<termios.h> or GoogleTest:
// checked at compile time. (glibc's struct sigaction and struct termios are
// user-side structures of other layouts; the libcs convert.)

#include <asm/ioctls.h>
#include <asm/sigcontext.h>
#include <asm/signal.h>
#include <asm/termbits.h>
#include <asm/termios.h>
#include <asm/ucontext.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stddef.h>

#include "abi/linux/block.h"
#include "abi/linux/loop.h"
#include "abi/linux/signal.h"
#include "abi/linux/termios.h"
#include "abi/linux/ucontext.h"

namespace linux_abi {
namespace {

// Block-device ioctls.
static_assert(kBlkRoSet == BLKROSET);
static_assert(kBlkRoGet == BLKROGET);
static_assert(kBlkRrPart == BLKRRPART);
static_assert(kBlkGetSize == BLKGETSIZE);
static_assert(kBlkFlsBuf == BLKFLSBUF);
static_assert(kBlkSszGet == BLKSSZGET);
static_assert(kBlkIoMin == BLKIOMIN);
static_assert(kBlkIoOpt == BLKIOOPT);
static_assert(kBlkPbszGet == BLKPBSZGET);
static_assert(kBlkBszGet == BLKBSZGET);
static_assert(kBlkGetSize64 == BLKGETSIZE64);

// Loop devices.
static_assert(kLoopSetFd == LOOP_SET_FD);
static_assert(kLoopClrFd == LOOP_CLR_FD);
static_assert(kLoopSetStatus == LOOP_SET_STATUS);
static_assert(kLoopGetStatus == LOOP_GET_STATUS);
static_assert(kLoopSetStatus64 == LOOP_SET_STATUS64);
static_assert(kLoopGetStatus64 == LOOP_GET_STATUS64);
static_assert(kLoopChangeFd == LOOP_CHANGE_FD);
static_assert(kLoopSetCapacity == LOOP_SET_CAPACITY);
static_assert(kLoopSetDirectIo == LOOP_SET_DIRECT_IO);
static_assert(kLoopSetBlockSize == LOOP_SET_BLOCK_SIZE);
static_assert(kLoopConfigure == LOOP_CONFIGURE);
static_assert(kLoopCtlAdd == LOOP_CTL_ADD);
static_assert(kLoopCtlRemove == LOOP_CTL_REMOVE);
static_assert(kLoopCtlGetFree == LOOP_CTL_GET_FREE);
static_assert(kLoFlagsReadOnly == LO_FLAGS_READ_ONLY);
static_assert(kLoFlagsAutoclear == LO_FLAGS_AUTOCLEAR);
static_assert(kLoFlagsPartscan == LO_FLAGS_PARTSCAN);
static_assert(kLoFlagsDirectIo == LO_FLAGS_DIRECT_IO);
static_assert(kLoNameSize == LO_NAME_SIZE);
static_assert(kLoKeySize == LO_KEY_SIZE);
static_assert(sizeof(LoopInfo64) == sizeof(struct loop_info64));
static_assert(offsetof(LoopInfo64, lo_offset) == offsetof(struct loop_info64, lo_offset));
static_assert(offsetof(LoopInfo64, lo_flags) == offsetof(struct loop_info64, lo_flags));
static_assert(offsetof(LoopInfo64, lo_file_name) == offsetof(struct loop_info64, lo_file_name));
static_assert(offsetof(LoopInfo64, lo_init) == offsetof(struct loop_info64, lo_init));
static_assert(sizeof(LoopConfig) == sizeof(struct loop_config));
static_assert(offsetof(LoopConfig, info) == offsetof(struct loop_config, info));
static_assert(offsetof(LoopConfig, reserved) == offsetof(struct loop_config, __reserved));

// k_sigaction and stack_t.
static_assert(sizeof(KSigAction) == sizeof(struct sigaction));
static_assert(offsetof(KSigAction, handler) == offsetof(struct sigaction, sa_handler));
static_assert(offsetof(KSigAction, flags) == offsetof(struct sigaction, sa_flags));
static_assert(offsetof(KSigAction, restorer) == offsetof(struct sigaction, sa_restorer));
static_assert(offsetof(KSigAction, mask) == offsetof(struct sigaction, sa_mask));
static_assert(sizeof(KSigAction::mask) == sizeof(sigset_t));
static_assert(kSaRestorer == SA_RESTORER);
static_assert(kSaOnStack == SA_ONSTACK);
static_assert(kSaRestart == SA_RESTART);
static_assert(kSaNoDefer == SA_NODEFER);
static_assert(kSaResetHand == SA_RESETHAND);
static_assert(kSaSigInfo == SA_SIGINFO);
static_assert(kSaUnsupported == SA_UNSUPPORTED);
static_assert(kSaExposeTagBits == SA_EXPOSE_TAGBITS);
static_assert(kMinSigStackSize == MINSIGSTKSZ);
static_assert(kNumSignals == sizeof(sigset_t) * 8);  // _NSIG: one bit per signal
static_assert(kSigRtMinKernel == SIGRTMIN);
static_assert(sizeof(StackT) == sizeof(stack_t));
static_assert(offsetof(StackT, sp) == offsetof(stack_t, ss_sp));
static_assert(offsetof(StackT, flags) == offsetof(stack_t, ss_flags));
static_assert(offsetof(StackT, size) == offsetof(stack_t, ss_size));

// The signal frame: sigcontext, ucontext, the FXSAVE area, _fpx_sw_bytes.
static_assert(sizeof(SigContext) == sizeof(struct sigcontext));
static_assert(offsetof(SigContext, rip) == offsetof(struct sigcontext, rip));
static_assert(offsetof(SigContext, eflags) == offsetof(struct sigcontext, eflags));
static_assert(offsetof(SigContext, cs) == offsetof(struct sigcontext, cs));
static_assert(offsetof(SigContext, ss) == offsetof(struct sigcontext, ss));
static_assert(offsetof(SigContext, err) == offsetof(struct sigcontext, err));
static_assert(offsetof(SigContext, trapno) == offsetof(struct sigcontext, trapno));
static_assert(offsetof(SigContext, oldmask) == offsetof(struct sigcontext, oldmask));
static_assert(offsetof(SigContext, cr2) == offsetof(struct sigcontext, cr2));
static_assert(offsetof(SigContext, fpstate) == offsetof(struct sigcontext, fpstate));
static_assert(offsetof(SigContext, reserved1) == offsetof(struct sigcontext, reserved1));
static_assert(sizeof(UContext) == sizeof(struct ucontext));
static_assert(offsetof(UContext, uc_stack) == offsetof(struct ucontext, uc_stack));
static_assert(offsetof(UContext, uc_mcontext) == offsetof(struct ucontext, uc_mcontext));
static_assert(offsetof(UContext, uc_sigmask) == offsetof(struct ucontext, uc_sigmask));
static_assert(kUcFpXstate == UC_FP_XSTATE);
static_assert(kUcSigcontextSs == UC_SIGCONTEXT_SS);
static_assert(kUcStrictRestoreSs == UC_STRICT_RESTORE_SS);
static_assert(sizeof(FxsaveArea) == sizeof(struct _fpstate_64));
static_assert(offsetof(FxsaveArea, mxcsr) == offsetof(struct _fpstate_64, mxcsr));
static_assert(offsetof(FxsaveArea, mxcsr_mask) == offsetof(struct _fpstate_64, mxcsr_mask));
static_assert(offsetof(FxsaveArea, st) == offsetof(struct _fpstate_64, st_space));
static_assert(offsetof(FxsaveArea, xmm) == offsetof(struct _fpstate_64, xmm_space));
static_assert(offsetof(FxsaveArea, sw_reserved) == offsetof(struct _fpstate_64, sw_reserved));
static_assert(sizeof(FpxSwBytes) == sizeof(struct _fpx_sw_bytes));
static_assert(offsetof(FpxSwBytes, extended_size) == offsetof(struct _fpx_sw_bytes, extended_size));
static_assert(offsetof(FpxSwBytes, xfeatures) == offsetof(struct _fpx_sw_bytes, xfeatures));
static_assert(offsetof(FpxSwBytes, xstate_size) == offsetof(struct _fpx_sw_bytes, xstate_size));
static_assert(kFpXstateMagic1 == FP_XSTATE_MAGIC1);
static_assert(kFpXstateMagic2 == FP_XSTATE_MAGIC2);

// struct termios, termios2, winsize.
static_assert(sizeof(KernelTermios) == sizeof(struct termios));
static_assert(offsetof(KernelTermios, c_iflag) == offsetof(struct termios, c_iflag));
static_assert(offsetof(KernelTermios, c_oflag) == offsetof(struct termios, c_oflag));
static_assert(offsetof(KernelTermios, c_cflag) == offsetof(struct termios, c_cflag));
static_assert(offsetof(KernelTermios, c_lflag) == offsetof(struct termios, c_lflag));
static_assert(offsetof(KernelTermios, c_line) == offsetof(struct termios, c_line));
static_assert(offsetof(KernelTermios, c_cc) == offsetof(struct termios, c_cc));
static_assert(sizeof(KernelTermios2) == sizeof(struct termios2));
static_assert(offsetof(KernelTermios2, c_cc) == offsetof(struct termios2, c_cc));
static_assert(offsetof(KernelTermios2, c_ispeed) == offsetof(struct termios2, c_ispeed));
static_assert(offsetof(KernelTermios2, c_ospeed) == offsetof(struct termios2, c_ospeed));
static_assert(sizeof(WinSize) == sizeof(struct winsize));
static_assert(offsetof(WinSize, ws_col) == offsetof(struct winsize, ws_col));
static_assert(offsetof(WinSize, ws_ypixel) == offsetof(struct winsize, ws_ypixel));

// termios flags, c_cc indices and the tty ioctls.
static_assert(kVIntr == VINTR);
static_assert(kVQuit == VQUIT);
static_assert(kVErase == VERASE);
static_assert(kVKill == VKILL);
static_assert(kVEof == VEOF);
static_assert(kVTime == VTIME);
static_assert(kVMin == VMIN);
static_assert(kVSwtc == VSWTC);
static_assert(kVStart == VSTART);
static_assert(kVStop == VSTOP);
static_assert(kVSusp == VSUSP);
static_assert(kVEol == VEOL);
static_assert(kVReprint == VREPRINT);
static_assert(kVDiscard == VDISCARD);
static_assert(kVWerase == VWERASE);
static_assert(kVLnext == VLNEXT);
static_assert(kVEol2 == VEOL2);
static_assert(kIgnbrk == IGNBRK);
static_assert(kBrkint == BRKINT);
static_assert(kIgnpar == IGNPAR);
static_assert(kParmrk == PARMRK);
static_assert(kInpck == INPCK);
static_assert(kIstrip == ISTRIP);
static_assert(kInlcr == INLCR);
static_assert(kIgncr == IGNCR);
static_assert(kIcrnl == ICRNL);
static_assert(kIuclc == IUCLC);
static_assert(kIxon == IXON);
static_assert(kIxany == IXANY);
static_assert(kIxoff == IXOFF);
static_assert(kImaxbel == IMAXBEL);
static_assert(kIutf8 == IUTF8);
static_assert(kOpost == OPOST);
static_assert(kOlcuc == OLCUC);
static_assert(kOnlcr == ONLCR);
static_assert(kOcrnl == OCRNL);
static_assert(kOnocr == ONOCR);
static_assert(kOnlret == ONLRET);
static_assert(kOfill == OFILL);
static_assert(kOfdel == OFDEL);
static_assert(kNldly == NLDLY);
static_assert(kCrdly == CRDLY);
static_assert(kTabdly == TABDLY);
static_assert(kXtabs == XTABS);
static_assert(kBsdly == BSDLY);
static_assert(kVtdly == VTDLY);
static_assert(kFfdly == FFDLY);
static_assert(kCbaud == CBAUD);
static_assert(kB0 == B0);
static_assert(kB9600 == B9600);
static_assert(kB38400 == B38400);
static_assert(kB115200 == B115200);
static_assert(kBother == BOTHER);
static_assert(kCsize == CSIZE);
static_assert(kCs8 == CS8);
static_assert(kCstopb == CSTOPB);
static_assert(kCread == CREAD);
static_assert(kParenb == PARENB);
static_assert(kParodd == PARODD);
static_assert(kHupcl == HUPCL);
static_assert(kClocal == CLOCAL);
static_assert(kCibaud == CIBAUD);
static_assert(kCmspar == CMSPAR);
static_assert(kCrtscts == CRTSCTS);
static_assert(kIsig == ISIG);
static_assert(kIcanon == ICANON);
static_assert(kXcase == XCASE);
static_assert(kEcho == ECHO);
static_assert(kEchoe == ECHOE);
static_assert(kEchok == ECHOK);
static_assert(kEchonl == ECHONL);
static_assert(kNoflsh == NOFLSH);
static_assert(kTostop == TOSTOP);
static_assert(kEchoctl == ECHOCTL);
static_assert(kEchoprt == ECHOPRT);
static_assert(kEchoke == ECHOKE);
static_assert(kFlusho == FLUSHO);
static_assert(kPendin == PENDIN);
static_assert(kIexten == IEXTEN);
static_assert(kExtproc == EXTPROC);
static_assert(kTcgets == TCGETS);
static_assert(kTcsets == TCSETS);
static_assert(kTcsetsw == TCSETSW);
static_assert(kTcsetsf == TCSETSF);
static_assert(kTcsbrk == TCSBRK);
static_assert(kTcxonc == TCXONC);
static_assert(kTcflsh == TCFLSH);
static_assert(kTiocsctty == TIOCSCTTY);
static_assert(kTiocgpgrp == TIOCGPGRP);
static_assert(kTiocspgrp == TIOCSPGRP);
static_assert(kTiocoutq == TIOCOUTQ);
static_assert(kTiocsti == TIOCSTI);
static_assert(kTiocgwinsz == TIOCGWINSZ);
static_assert(kTiocswinsz == TIOCSWINSZ);
static_assert(kFionread == FIONREAD);
static_assert(kTiocinq == TIOCINQ);
static_assert(kFionbio == FIONBIO);
static_assert(kTiocnotty == TIOCNOTTY);
static_assert(kTiocsetd == TIOCSETD);
static_assert(kTiocgetd == TIOCGETD);
static_assert(kTiocgsid == TIOCGSID);
static_assert(kTcgets2 == TCGETS2);
static_assert(kTcsets2 == TCSETS2);
static_assert(kTcsetsw2 == TCSETSW2);
static_assert(kTcsetsf2 == TCSETSF2);
static_assert(kFionclex == FIONCLEX);
static_assert(kFioclex == FIOCLEX);
static_assert(kTciflush == TCIFLUSH);
static_assert(kTcoflush == TCOFLUSH);
static_assert(kTcioflush == TCIOFLUSH);
static_assert(kTcooff == TCOOFF);
static_assert(kTcoon == TCOON);
static_assert(kTcioff == TCIOFF);
static_assert(kTcion == TCION);
static_assert(kNccs == NCCS);

}  // namespace
}  // namespace linux_abi

int main() { return 0; }
