#pragma once

// Contract: the kernel's entry point. Declared by the HAL, implemented by the
// portable kernel (core/main/kernel_main.cc), so the backends' boot code
// (hal/x86_64/entry.cc) hands over to the kernel without including it.

#include "hal/boot/boot_info.h"

namespace hal {

/// Called once by the backend's boot code on the boot CPU with interrupts
/// disabled, the console up and the CPU tables loaded. Brings up memory,
/// interrupts and the timer, reports the boot modules, then runs the idle
/// loop. Does not return.
[[noreturn]] void KernelMain(const BootInfo& boot_info);

}  // namespace hal
