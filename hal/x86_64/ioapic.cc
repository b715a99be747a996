#include "hal/x86_64/ioapic.h"

#include "hal/x86_64/address_space_layout.h"
#include "hal/x86_64/ioapic_entry.h"

namespace hal::x86_64 {
namespace {

// Indirect register window: IOREGSEL at +0x00, IOWIN at +0x10 (datasheet §3.1).
constexpr uint32_t kRegSelect = 0x00;
constexpr uint32_t kRegWindow = 0x10;
constexpr uint32_t kRegVersion = 0x01;
constexpr uint32_t kRegRedirectionBase = 0x10;  // entry n: 0x10 + 2n (low), +1 (high)

constexpr uint64_t kMasked = kRedirectionMasked;

constexpr int kMaxIoApics = 8;

struct IoApic {
  volatile uint32_t* regs;
  uint32_t gsi_base;
  uint32_t count;
  uint8_t id;
};

IoApic g_ioapics[kMaxIoApics];
int g_ioapic_count = 0;

uint32_t Read(const IoApic& a, uint32_t reg) {
  a.regs[kRegSelect / 4] = reg;
  return a.regs[kRegWindow / 4];
}

void Write(const IoApic& a, uint32_t reg, uint32_t value) {
  a.regs[kRegSelect / 4] = reg;
  a.regs[kRegWindow / 4] = value;
}

void WriteEntry(const IoApic& a, uint32_t index, uint64_t entry) {
  // Mask first so the entry is never live half-written.
  Write(a, kRegRedirectionBase + 2 * index, static_cast<uint32_t>(kMasked));
  Write(a, kRegRedirectionBase + 2 * index + 1, static_cast<uint32_t>(entry >> 32));
  Write(a, kRegRedirectionBase + 2 * index, static_cast<uint32_t>(entry));
}

IoApic* Find(uint32_t gsi) {
  for (int i = 0; i < g_ioapic_count; ++i) {
    IoApic& a = g_ioapics[i];
    if (gsi >= a.gsi_base && gsi - a.gsi_base < a.count) return &a;
  }
  return nullptr;
}

}  // namespace

kstd::Result<void> AddIoApic(uint8_t id, uint64_t base_phys, uint32_t gsi_base) {
  if (g_ioapic_count == kMaxIoApics) return kstd::Error::kNoSpace;
  IoApic a{static_cast<volatile uint32_t*>(PhysToVirt(base_phys)), gsi_base, 0, id};
  uint32_t version = Read(a, kRegVersion);
  if (version == 0xFFFFFFFF) return kstd::Error::kBadMessage;
  a.count = ((version >> 16) & 0xFF) + 1;
  for (uint32_t i = 0; i < a.count; ++i) WriteEntry(a, i, kMasked);
  g_ioapics[g_ioapic_count++] = a;
  return kstd::Ok();
}

kstd::Result<void> RouteGsi(const IoApicRoute& route) {
  IoApic* a = Find(route.gsi);
  if (a == nullptr) return kstd::Error::kNotFound;
  RedirectionEntry e;
  e.vector = route.vector;
  e.destination_apic_id = route.destination_apic_id;
  e.level_triggered = route.level_triggered;
  e.active_low = route.active_low;
  WriteEntry(*a, route.gsi - a->gsi_base, EncodeRedirectionEntry(e));
  return kstd::Ok();
}

kstd::Result<void> MaskGsi(uint32_t gsi) {
  IoApic* a = Find(gsi);
  if (a == nullptr) return kstd::Error::kNotFound;
  WriteEntry(*a, gsi - a->gsi_base, kMasked);
  return kstd::Ok();
}

uint32_t IoApicGsiCount() {
  uint32_t n = 0;
  for (int i = 0; i < g_ioapic_count; ++i) n += g_ioapics[i].count;
  return n;
}

}  // namespace hal::x86_64
