#pragma once

// The I/O APIC redirection table entry (Intel 82093AA datasheet §3.2.4,
// IOREDTBL[23:0]): 64 bits, written as two 32-bit registers. Pure: host-tested;
// ioapic.cc does the register access.

#include <stdint.h>

namespace hal::x86_64 {

inline constexpr uint64_t kRedirectionVectorMask = 0xFF;         // bits 7:0
inline constexpr uint64_t kRedirectionDeliveryMask = 7ULL << 8;  // bits 10:8, 000 = fixed
inline constexpr uint64_t kRedirectionLogicalDest = 1ULL << 11;  // 0 = physical (APIC id)
inline constexpr uint64_t kRedirectionActiveLow = 1ULL << 13;    // interrupt input pin polarity
inline constexpr uint64_t kRedirectionRemoteIrr = 1ULL
                                                  << 14;  // read-only (level: accepted, no EOI yet)
inline constexpr uint64_t kRedirectionLevel = 1ULL << 15;  // trigger mode, 0 = edge
inline constexpr uint64_t kRedirectionMasked = 1ULL << 16;
inline constexpr int kRedirectionDestinationShift = 56;  // bits 63:56 (physical: APIC id)

struct RedirectionEntry {
  uint8_t vector = 0;
  uint8_t destination_apic_id = 0;
  bool level_triggered = false;
  bool active_low = false;
  bool masked = false;
};

/// The entry's 64-bit value: fixed delivery, physical destination.
inline constexpr uint64_t EncodeRedirectionEntry(const RedirectionEntry& e) {
  uint64_t v =
      e.vector | (static_cast<uint64_t>(e.destination_apic_id) << kRedirectionDestinationShift);
  if (e.level_triggered) v |= kRedirectionLevel;
  if (e.active_low) v |= kRedirectionActiveLow;
  if (e.masked) v |= kRedirectionMasked;
  return v;
}

/// The writable fields of a 64-bit entry read back (read-only bits ignored).
inline constexpr RedirectionEntry DecodeRedirectionEntry(uint64_t v) {
  RedirectionEntry e;
  e.vector = static_cast<uint8_t>(v & kRedirectionVectorMask);
  e.destination_apic_id = static_cast<uint8_t>(v >> kRedirectionDestinationShift);
  e.level_triggered = (v & kRedirectionLevel) != 0;
  e.active_low = (v & kRedirectionActiveLow) != 0;
  e.masked = (v & kRedirectionMasked) != 0;
  return e;
}

}  // namespace hal::x86_64
