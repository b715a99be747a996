#pragma once

// Facade: leaving the machine. Under QEMU the isa-debug-exit device ends the
// emulator with status (code << 1) | 1; without the device the CPU halts.

namespace hal {

/// Ends the machine with `code` (0..127) as its exit status where the platform
/// can report one; otherwise halts. Does not return.
[[noreturn]] void ExitMachine(int code);

/// Resets the machine (a warm reboot). Does not return.
[[noreturn]] void ResetMachine();

}  // namespace hal
