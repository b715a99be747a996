// hal/irq.h for x86-64: device vectors 0x80..0xBF, MSI messages to the LAPIC.

#include "hal/irq.h"

#include "hal/x86_64/address_space_layout.h"
#include "hal/x86_64/interrupts.h"
#include "hal/x86_64/kernel_map.h"
#include "hal/x86_64/lapic.h"

namespace hal {
namespace {

constexpr uint8_t kFirstDeviceVector = 0x80;
constexpr uint8_t kDeviceVectorCount = 64;
void (*g_handler)(uint8_t) = nullptr;

void OnVector(x86_64::InterruptFrame* frame) {
  if (g_handler != nullptr) g_handler(static_cast<uint8_t>(frame->vector - kFirstDeviceVector));
}

}  // namespace

uint8_t DeviceVector(uint8_t slot) { return static_cast<uint8_t>(kFirstDeviceVector + slot); }

void SetDeviceVectorHandler(void (*handler)(uint8_t)) {
  g_handler = handler;
  for (uint8_t i = 0; i < kDeviceVectorCount; ++i) {
    x86_64::SetInterruptHandler(static_cast<uint8_t>(kFirstDeviceVector + i), OnVector);
  }
}

MsiMessage ComposeMsi(uint8_t vector) {
  // Intel SDM vol. 3A §10.11: address 0xFEExxxxx with the destination APIC
  // id in bits 19:12; data = vector, fixed delivery, edge.
  return MsiMessage{0xFEE00000ULL | (static_cast<uint64_t>(x86_64::LapicId()) << 12), vector};
}

kstd::Result<volatile uint32_t*> MapDeviceRegisters(uint64_t phys, uint64_t size) {
  TRY(x86_64::MapMmio(phys, size));
  return static_cast<volatile uint32_t*>(x86_64::PhysToVirt(phys));
}

}  // namespace hal
