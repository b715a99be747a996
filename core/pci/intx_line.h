#pragma once

// PCI INTx lines shared by several functions. A GSI that a driver's function
// drives gets one vector; every function whose pin arrives there is a member
// of the line, bound to an Interrupt object when its owner routed INTx.
//
// Masking is per function, with the Command register's Interrupt Disable
// bit (PCI Local Bus 3.0 §6.2.2, with Status bit 3, Interrupt Status,
// §6.2.3), so a slow driver never holds up the other functions on its line:
//   fire   the kernel reads Interrupt Status of each member; each one that
//          asserts gets Interrupt Disable set (deasserting it) and its
//          Interrupt object signaled. An unowned function that asserts is
//          disabled and logged: nobody would ever quiet it.
//   ack    the driver has read its device's ISR (the device stops asserting):
//          Interrupt::Ack clears Interrupt Disable again; a device that still
//          asserts fires again at once (the line is level triggered).
// A line that keeps firing with no member asserting (kStormLimit times in a
// row) is masked at the IOAPIC for good and logged.
//
// Lock order: g_intx_lock (intx_line.cc), then an Interrupt's object lock.

#include <stdint.h>

#include "core/pci/pci_bus.h"
#include "kstd/result.h"

namespace core::pci {

class Interrupt;

/// Binds `irq` to the INTx pin of `f`, which drives `gsi`: the first binding
/// on a GSI programs the IOAPIC (level, active low) and finds every function
/// sharing the line. Leaves the function's INTx enabled.
/// Errors: kBusy (`f` is already bound, or the GSI is an ISA line),
/// kNoSpace (no free line or vector), kNotFound (no IOAPIC input).
kstd::Result<void> BindIntx(const Function* f, uint32_t gsi, Interrupt* irq);

/// Undoes BindIntx for `irq` (no-op if unbound): its function's INTx is
/// disabled; the last binding on a line masks the GSI and frees its vector.
void UnbindIntx(Interrupt* irq);

/// Clears Interrupt Disable of `irq`'s function if `irq` is still bound.
void UnmaskIntx(Interrupt* irq);

/// Sets and clears bits of `f`'s Command register atomically with respect to
/// the INTx handler (which sets Interrupt Disable from interrupt context).
void UpdateCommand(const Function* f, uint16_t set, uint16_t clear);

/// Whether the function implements Interrupt Disable (PCI 2.3 and later):
/// sets it and reads it back. Leaves it set when it is implemented.
bool IntxMaskable(const Function* f);

/// Installs the INTx handler (boot).
void InitIntxLines();

inline constexpr uint16_t kCommandIntxDisable = 1u << 10;

}  // namespace core::pci
