#pragma once

// PCI INTx routing of the q35 machine's ICH9 south bridge, in APIC mode.
// Pure: host-tested; platform.cc reads the registers.
//
// A function on the root bus raising INTx pin P in slot S drives one of the
// eight PIRQ lines, and PIRQA..PIRQH drive I/O APIC inputs 16..23 (Intel
// ICH9 datasheet, "APIC interrupt routing": the PIRQs reach IOAPIC inputs
// 16-23 whatever their PIRQx_ROUT registers say; those only steer a PIRQ to
// the 8259 as well, which Tessera keeps masked).
// Which PIRQ a slot's pin drives:
//   - slots 25-29 and 31 (the chipset's own devices): the Device N Interrupt
//     Route register DnIR in the chipset configuration registers (RCBA +
//     0x3140..0x3151, "Chipset Configuration Registers"), 3 bits per pin,
//     4 bits apart
//     (default 0x3210: INTA->PIRQA ... INTD->PIRQD);
//   - slot 30 (the DMI-to-PCI bridge; D30IR reads 0): INTA..INTD ->
//     PIRQE..PIRQH;
//   - every other slot (QEMU places plugged-in devices there; on a real ICH9
//     board they would sit behind root ports): PIRQ E + ((S + P - 1) mod 4).
//     QEMU wires these in ich9_cc_init() and describes exactly this in the
//     _PRT it builds for \_SB.PCI0 (build_q35_routing_table).

#include <stdint.h>

#include "kstd/result.h"

namespace hal::x86_64 {

inline constexpr uint16_t kIch9LpcVendor = 0x8086;
inline constexpr uint16_t kIch9LpcDevice = 0x2918;
inline constexpr uint8_t kIch9LpcSlot = 31;
inline constexpr uint8_t kIch9LpcFunction = 0;
/// LPC configuration register RCBA (Root Complex Base Address): bits 31:14 the
/// 16 KiB chipset configuration block, bit 0 enable.
inline constexpr uint16_t kIch9LpcRcba = 0xF0;
inline constexpr uint32_t kIch9RcbaEnable = 1u << 0;
inline constexpr uint32_t kIch9RcbaBaseMask = 0xFFFFC000u;
/// DnIR offsets in the chipset configuration block, for slots 25..31.
inline constexpr uint16_t kIch9DnIrOffsets[7] = {0x3150, 0x314C, 0x3148, 0x3146,
                                                 0x3144, 0x3142, 0x3140};
inline constexpr uint16_t kIch9DnIrDefault = 0x3210;
inline constexpr uint8_t kIch9FirstRoutedSlot = 25;
inline constexpr uint8_t kIch9BridgeSlot = 30;
inline constexpr uint32_t kIch9FirstPirqGsi = 16;
inline constexpr uint8_t kIch9PirqCount = 8;

/// The DnIR registers of slots 25..31 (index slot - 25), as read.
struct Ich9InterruptRoutes {
  uint16_t dnir[7] = {kIch9DnIrDefault, kIch9DnIrDefault, kIch9DnIrDefault,
                      kIch9DnIrDefault, kIch9DnIrDefault, 0,
                      kIch9DnIrDefault};
};

/// The PIRQ (0 = PIRQA .. 7 = PIRQH) that INTx `pin` (1 = INTA .. 4 = INTD,
/// the Interrupt Pin register's encoding) of a root-bus function in `slot`
/// drives. Errors: kInvalid (slot > 31, pin not 1..4).
kstd::Result<uint8_t> Ich9Pirq(uint8_t slot, uint8_t pin, const Ich9InterruptRoutes& routes);

/// APIC mode: PIRQA..PIRQH are I/O APIC inputs 16..23.
inline constexpr uint32_t Ich9PirqToGsi(uint8_t pirq) { return kIch9FirstPirqGsi + pirq; }

}  // namespace hal::x86_64
