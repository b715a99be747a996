#pragma once

// The PCI bus as the kernel sees it: every function found at boot in the
// ECAM windows, with its identity and BARs. Drivers run in user mode and get
// handles to single functions (see pci_device.h); this table is what those
// handles come from.

#include <stddef.h>
#include <stdint.h>

#include "hal/pci.h"
#include "kstd/result.h"

namespace core::pci {

struct Bar {
  uint64_t base = 0;  // physical address (memory BARs) or port (I/O BARs)
  uint64_t size = 0;  // 0: not implemented
  bool io = false;
  bool prefetchable = false;
  bool is64 = false;  // this BAR and the next form one 64-bit BAR
};

struct Function {
  hal::PciEcamWindow window;
  uint8_t bus = 0, device = 0, function = 0;
  uint16_t vendor_id = 0, device_id = 0;
  uint8_t class_code = 0, subclass = 0, prog_if = 0, revision = 0;
  uint8_t header_type = 0;
  uint8_t interrupt_line = 0, interrupt_pin = 0;
  uint8_t secondary_bus = 0;  // bridges (header type 1) only
  Bar bars[6];
  volatile uint8_t* config = nullptr;  // the mapped configuration space
};

/// Scans every bus of every ECAM window (functions 1-7 only for
/// multi-function devices), sizes each BAR (with decoding off while
/// probing), and logs what it found. Errors: kNoMemory.
kstd::Result<void> Enumerate();

/// The functions found (valid after Enumerate).
size_t FunctionCount();
const Function* FunctionAt(size_t index);

/// The GSI the INTx pin of `f` drives: swizzled through the bridges above it
/// to the root bus, then the board's interrupt router. Errors: kNotSupported
/// (no interrupt pin, or a router the board does not know), kInvalid (an
/// Interrupt Pin value above 4), kNotFound (no bridge leads to its bus).
kstd::Result<uint32_t> IntxGsi(const Function& f);

/// The first function with `vendor`:`device`, or null.
const Function* Find(uint16_t vendor, uint16_t device);

}  // namespace core::pci
