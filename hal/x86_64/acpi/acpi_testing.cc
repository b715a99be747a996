#include "hal/x86_64/acpi/acpi_testing.h"

#include <stdlib.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace hal::x86_64::acpi::testing {

kstd::ByteSpan FakePhysMemory::Map(void* ctx, uint64_t phys, size_t len) {
  auto* self = static_cast<FakePhysMemory*>(ctx);
  ++self->map_calls_;
  auto it = self->regions_.upper_bound(phys);
  if (it == self->regions_.begin()) return {};
  --it;
  uint64_t offset = phys - it->first;
  const Bytes& region = it->second;
  if (offset > region.size() || len > region.size() - offset) return {};
  return {region.data() + offset, len};
}

TableBuilder::TableBuilder(const char (&signature)[5], uint8_t revision) {
  bytes_.assign(signature, signature + 4);
  U32(0);  // length, set by Finish
  U8(revision);
  U8(0);  // checksum, set by Finish
  Raw({'T', 'E', 'S', 'T', 'O', 'E'});
  Raw({'T', 'E', 'S', 'S', 'E', 'R', 'A', ' '});
  U32(1);  // OEM revision
  Raw({'T', 'S', 'T', 'R'});
  U32(1);  // creator revision
}

TableBuilder& TableBuilder::U8(uint8_t v) {
  bytes_.push_back(v);
  return *this;
}

TableBuilder& TableBuilder::U16(uint16_t v) { return U8(v & 0xFF).U8(v >> 8); }
TableBuilder& TableBuilder::U32(uint32_t v) { return U16(v & 0xFFFF).U16(v >> 16); }
TableBuilder& TableBuilder::U64(uint64_t v) { return U32(v & 0xFFFFFFFF).U32(v >> 32); }

TableBuilder& TableBuilder::Raw(const Bytes& bytes) {
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  return *this;
}

Bytes TableBuilder::Finish() const {
  Bytes out = bytes_;
  uint32_t length = static_cast<uint32_t>(out.size());
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<uint8_t>(length >> (8 * i));
  FixChecksum(out);
  return out;
}

void FixChecksum(Bytes& table, size_t checksum_offset) {
  table[checksum_offset] = 0;
  uint8_t sum = ByteSum({table.data(), table.size()});
  table[checksum_offset] = static_cast<uint8_t>(-sum);
}

Bytes MakeRsdp(uint8_t revision, uint32_t rsdt, uint64_t xsdt) {
  Bytes b = {'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ', 0, 'T', 'E', 'S', 'T', 'O', 'E', revision};
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(rsdt >> (8 * i)));
  if (revision >= 2) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(36 >> (8 * i)));
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(xsdt >> (8 * i)));
    b.push_back(0);  // extended checksum
    b.insert(b.end(), {0, 0, 0});
  }
  Bytes first20(b.begin(), b.begin() + 20);
  FixChecksum(first20, 8);
  b[8] = first20[8];
  if (revision >= 2) FixChecksum(b, 32);
  return b;
}

Bytes MakeXsdt(const std::vector<uint64_t>& entries) {
  TableBuilder t("XSDT");
  for (uint64_t e : entries) t.U64(e);
  return t.Finish();
}

Bytes MakeRsdt(const std::vector<uint32_t>& entries) {
  TableBuilder t("RSDT");
  for (uint32_t e : entries) t.U32(e);
  return t.Finish();
}

Bytes MakeQemuQ35Madt() {
  TableBuilder t("APIC", 1);
  t.U32(0xFEE00000).U32(1);  // LAPIC address, PCAT_COMPAT
  for (uint8_t cpu = 0; cpu < 2; ++cpu) {
    t.U8(0).U8(8).U8(cpu).U8(cpu).U32(1);  // LAPIC: uid, id, enabled
  }
  t.U8(1).U8(12).U8(0).U8(0).U32(0xFEC00000).U32(0);  // IOAPIC 0, GSI base 0
  t.U8(2).U8(10).U8(0).U8(0).U32(2).U16(0);           // ISA IRQ0 -> GSI2, bus default
  for (uint8_t irq : {5, 9, 10, 11}) {
    t.U8(2).U8(10).U8(0).U8(irq).U32(irq).U16(0x000D);  // level, active high
  }
  t.U8(4).U8(6).U8(0xFF).U16(0).U8(1);  // LAPIC NMI: all CPUs, LINT1
  return t.Finish();
}

Bytes MakeQemuQ35Mcfg() {
  TableBuilder t("MCFG", 1);
  t.U64(0);  // reserved
  t.U64(0xB0000000).U16(0).U8(0).U8(255).U32(0);
  return t.Finish();
}

Bytes ReadFixture(const std::string& name) {
  std::string path = "hal/x86_64/acpi/testdata/" + name;
  const char* srcdir = getenv("TEST_SRCDIR");
  const char* workspace = getenv("TEST_WORKSPACE");
  if (srcdir != nullptr && workspace != nullptr) {
    path = std::string(srcdir) + "/" + workspace + "/" + path;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace hal::x86_64::acpi::testing
