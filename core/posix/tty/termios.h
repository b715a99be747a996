#pragma once

// The terminal settings the line discipline keeps, and their conversion
// from and to the Linux ABI's struct termios/termios2 (abi/linux/termios.h:
// the flag bits, c_cc indices, struct winsize and the tty ioctl numbers).

#include <stdint.h>

#include "abi/linux/termios.h"

namespace core::posix::tty {

/// The line discipline's settings: termios2 (the superset).
using Termios = linux_abi::KernelTermios2;

/// The settings Linux gives a serial console: input ICRNL|IXON, output
/// OPOST|ONLCR, B115200|CS8|CREAD|HUPCL|CLOCAL (the 8250 driver's defaults
/// with the console's usual 115200 baud), local ISIG|ICANON|ECHO|ECHOE|
/// ECHOK|ECHOCTL|ECHOKE|IEXTEN, and the standard characters: ^C ^\ DEL ^U ^D,
/// TIME 0, MIN 1, ^Q ^S ^Z, ^R ^O ^W ^V, EOL and EOL2 disabled.
Termios DefaultSerialTermios();

/// The speed in bits per second of a CBAUD code (0 for B0 or an unknown
/// code; BOTHER uses the explicit speed fields).
uint32_t BaudCodeToSpeed(uint32_t cbaud);

/// TCGETS gives the termios part; TCSETS* take it and derive the speed
/// fields from CBAUD (CIBAUD 0 = input speed same as output).
linux_abi::KernelTermios ToKernelTermios(const Termios& t);
Termios FromKernelTermios(const linux_abi::KernelTermios& t);

}  // namespace core::posix::tty
