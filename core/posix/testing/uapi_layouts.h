#pragma once

// Layouts and constants from the Linux UAPI headers (<asm/signal.h>,
// <asm/termbits.h>, <asm/ioctls.h>), read in a translation unit of their
// own because they clash with glibc's <signal.h>/<termios.h>.

#include <stddef.h>
#include <stdint.h>

namespace core::posix::testing {

struct UapiLayouts {
  // struct sigaction of <asm/signal.h> (the kernel's k_sigaction, x86-64).
  size_t sigaction_size, sigaction_handler, sigaction_flags, sigaction_restorer, sigaction_mask;
  uint64_t sa_restorer, sa_unsupported, sa_expose_tagbits, ss_autodisarm, minsigstksz;
  // <asm/ucontext.h> uc_flags.
  uint64_t uc_fp_xstate, uc_sigcontext_ss, uc_strict_restore_ss;
  // stack_t of <asm/signal.h>.
  size_t stack_size, stack_sp, stack_flags, stack_ss_size;
  // struct termios / termios2 of <asm/termbits.h>.
  size_t nccs;
  size_t termios_size, termios_iflag, termios_oflag, termios_cflag, termios_lflag, termios_line,
      termios_cc;
  size_t termios2_size, termios2_cc, termios2_ispeed, termios2_ospeed;
  uint32_t bother, cibaud;
  // <asm/ioctls.h>.
  uint32_t tcgets, tcsets, tcsetsw, tcsetsf, tcsbrk, tcxonc, tcflsh, tiocsctty, tiocgpgrp,
      tiocspgrp, tiocoutq, tiocsti, tiocgwinsz, tiocswinsz, fionread, tiocinq, fionbio, tiocnotty,
      tiocsetd, tiocgetd, tiocgsid, tcgets2, tcsets2, tcsetsw2, tcsetsf2, fionclex, fioclex;
};

UapiLayouts GetUapiLayouts();

}  // namespace core::posix::testing
