#pragma once

// Facade: platform bring-up steps that hal::KernelMain (core/kernel) drives in order.

#include <stddef.h>
#include <stdint.h>

#include "hal/boot/boot_info.h"
#include "kstd/result.h"

namespace hal {

/// Finds and programs the interrupt controllers (ACPI MADT: local APIC,
/// IOAPICs, ISA overrides), then starts the periodic timer at `timer_hz`.
/// Interrupts stay disabled; the caller enables them.
/// Errors: kNotFound (no usable ACPI tables / no timer), kBadMessage (tables
/// malformed).
kstd::Result<void> InitInterrupts(const hal::BootInfo& boot_info, uint32_t timer_hz);

/// Physical range [start, end) occupied by the loaded kernel image.
struct PhysRange {
  uint64_t start;
  uint64_t end;
};
PhysRange KernelImagePhysRange();

/// The stack the boot CPU runs KernelMain on (it becomes the idle thread's).
struct StackRange {
  uintptr_t base;
  size_t size;
};
StackRange BootStack();

}  // namespace hal
