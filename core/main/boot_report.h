#pragma once

// Boot-time steps of KernelMain that report what the loader handed over.

#include "hal/boot/boot_info.h"

namespace core {

/// Logs the memory map (one line per range) and the usable total.
void ReportMemoryMap(const hal::BootInfo& boot_info);

/// Logs every boot module: name, physical range, size and whether it is a
/// valid ELF64 executable (with the reason if not). Never panics on a bad module.
void ReportModules(const hal::BootInfo& boot_info);

}  // namespace core
