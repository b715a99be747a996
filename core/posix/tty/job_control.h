#pragma once

// Terminal job control checks (Linux's __tty_check_change): may a process
// read from, write to, or change the settings of a terminal, or must its
// process group be stopped (SIGTTIN/SIGTTOU), or the call fail with EIO?
// Pure: the syscall layer gathers the facts and acts on the verdict.
//
// Which calls check what:
//   read                                         kRead (SIGTTIN)
//   write, when the termios has TOSTOP           kWrite (SIGTTOU)
//   TCSETS*, TCSETS2*, TCFLSH, TCXONC, TIOCSPGRP kChangeSettings (SIGTTOU)
//   everything else (TCGETS, TIOCGWINSZ, TIOCSWINSZ, FIONREAD, ...) no check
// The check is made on entry and again after every wait (a read blocked in
// the foreground may be moved to the background by the shell).
//
// Linux skips the check for fds opened through /dev/console (its
// redirected_tty_write); a shell that wants job control must use the tty
// device itself (/dev/ttyS0), as busybox sh expects.

#include <stdint.h>

namespace core::posix::tty {

enum class TtyAccess : uint8_t { kRead, kWrite, kChangeSettings };

struct JobControlFacts {
  /// The terminal is the caller's controlling terminal (otherwise: allowed).
  bool is_controlling_tty = false;
  int32_t caller_pgid = 0;
  /// The terminal's foreground process group; 0 if none (then: allowed).
  int32_t foreground_pgid = 0;
  /// The signal that applies (SIGTTIN for kRead, SIGTTOU otherwise) is
  /// blocked by the calling thread or ignored (SIG_IGN) by its process.
  bool signal_blocked_or_ignored = false;
  /// The caller's process group is orphaned.
  bool pgrp_orphaned = false;
  /// termios c_lflag has TOSTOP (only consulted for kWrite).
  bool tostop = false;
};

struct JobControlVerdict {
  enum class Kind : uint8_t {
    kAllow,
    kStopGroup,  // send `signal` to the caller's process group; the call
                 // returns -ERESTARTSYS (restarted after SIGCONT)
    kIoError,    // the call fails with EIO
  };
  Kind kind = Kind::kAllow;
  int signal = 0;
};

JobControlVerdict CheckJobControl(TtyAccess access, const JobControlFacts& facts);

}  // namespace core::posix::tty
