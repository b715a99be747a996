#pragma once

#include "core/boot/boot_info.h"

namespace core {

/// The portable kernel's entry, called once by the HAL on the boot CPU with
/// interrupts disabled, the console up and the CPU tables loaded. Brings up
/// memory, interrupts and the timer, reports the boot modules, then runs the
/// idle loop. Does not return.
[[noreturn]] void KernelMain(const BootInfo& boot_info);

}  // namespace core
