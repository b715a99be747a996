#include "core/posix/testing/uapi_layouts.h"

#include <asm/ioctls.h>
#include <asm/signal.h>
#include <asm/termbits.h>
#include <asm/sigcontext.h>
#include <asm/ucontext.h>
#include <linux/signal.h>

namespace core::posix::testing {

UapiLayouts GetUapiLayouts() {
  UapiLayouts u = {};
  u.sigaction_size = sizeof(struct sigaction);
  u.sigaction_handler = offsetof(struct sigaction, sa_handler);
  u.sigaction_flags = offsetof(struct sigaction, sa_flags);
  u.sigaction_restorer = offsetof(struct sigaction, sa_restorer);
  u.sigaction_mask = offsetof(struct sigaction, sa_mask);
  u.sa_restorer = SA_RESTORER;
  u.sa_unsupported = SA_UNSUPPORTED;
  u.sa_expose_tagbits = SA_EXPOSE_TAGBITS;
  u.ss_autodisarm = SS_AUTODISARM;
  u.minsigstksz = MINSIGSTKSZ;
  u.uc_fp_xstate = UC_FP_XSTATE;
  u.uc_sigcontext_ss = UC_SIGCONTEXT_SS;
  u.uc_strict_restore_ss = UC_STRICT_RESTORE_SS;
  u.stack_size = sizeof(stack_t);
  u.stack_sp = offsetof(stack_t, ss_sp);
  u.stack_flags = offsetof(stack_t, ss_flags);
  u.stack_ss_size = offsetof(stack_t, ss_size);
  u.nccs = NCCS;
  u.termios_size = sizeof(struct termios);
  u.termios_iflag = offsetof(struct termios, c_iflag);
  u.termios_oflag = offsetof(struct termios, c_oflag);
  u.termios_cflag = offsetof(struct termios, c_cflag);
  u.termios_lflag = offsetof(struct termios, c_lflag);
  u.termios_line = offsetof(struct termios, c_line);
  u.termios_cc = offsetof(struct termios, c_cc);
  u.termios2_size = sizeof(struct termios2);
  u.termios2_cc = offsetof(struct termios2, c_cc);
  u.termios2_ispeed = offsetof(struct termios2, c_ispeed);
  u.termios2_ospeed = offsetof(struct termios2, c_ospeed);
  u.bother = BOTHER;
  u.cibaud = CIBAUD;
  u.tcgets = TCGETS;
  u.tcsets = TCSETS;
  u.tcsetsw = TCSETSW;
  u.tcsetsf = TCSETSF;
  u.tcsbrk = TCSBRK;
  u.tcxonc = TCXONC;
  u.tcflsh = TCFLSH;
  u.tiocsctty = TIOCSCTTY;
  u.tiocgpgrp = TIOCGPGRP;
  u.tiocspgrp = TIOCSPGRP;
  u.tiocoutq = TIOCOUTQ;
  u.tiocsti = TIOCSTI;
  u.tiocgwinsz = TIOCGWINSZ;
  u.tiocswinsz = TIOCSWINSZ;
  u.fionread = FIONREAD;
  u.tiocinq = TIOCINQ;
  u.fionbio = FIONBIO;
  u.tiocnotty = TIOCNOTTY;
  u.tiocsetd = TIOCSETD;
  u.tiocgetd = TIOCGETD;
  u.tiocgsid = TIOCGSID;
  u.tcgets2 = TCGETS2;
  u.tcsets2 = TCSETS2;
  u.tcsetsw2 = TCSETSW2;
  u.tcsetsf2 = TCSETSF2;
  u.fionclex = FIONCLEX;
  u.fioclex = FIOCLEX;
  return u;
}

}  // namespace core::posix::testing
