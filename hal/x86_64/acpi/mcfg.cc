#include "hal/x86_64/acpi/mcfg.h"

#include "hal/x86_64/acpi/acpi.h"
#include "kstd/utility.h"

namespace hal::x86_64::acpi {
namespace {

using kstd::ByteSpan;
using kstd::Error;

/// PCI Firmware Specification 3.x §4.1.2: after the SDT header come 8 reserved
/// bytes, then the allocation structures.
constexpr size_t kAllocationsOffset = sizeof(SdtHeader) + 8;

/// Memory mapped enhanced configuration space base address allocation
/// structure, PCI Firmware Specification 3.x §4.1.2.
struct [[gnu::packed]] AllocationLayout {
  uint64_t base_address;
  uint16_t segment_group;
  uint8_t start_bus;
  uint8_t end_bus;
  uint32_t reserved;
};
static_assert(sizeof(AllocationLayout) == 16);

constexpr uint8_t kMaxDevice = 31;
constexpr uint8_t kMaxFunction = 7;
constexpr unsigned kBusShift = 20;
constexpr unsigned kDeviceShift = 15;
constexpr unsigned kFunctionShift = 12;

}  // namespace

kstd::Result<uint64_t> EcamAllocation::FunctionAddress(uint8_t bus, uint8_t device,
                                                       uint8_t function) const {
  if (bus < start_bus || bus > end_bus || device > kMaxDevice || function > kMaxFunction) {
    return Error::kInvalid;
  }
  return base + (uint64_t{bus} << kBusShift) + (uint64_t{device} << kDeviceShift) +
         (uint64_t{function} << kFunctionShift);
}

kstd::Result<Mcfg> Mcfg::Parse(kstd::ByteSpan bytes) {
  ByteSpan table = TRY(CheckTable(bytes, kMcfgSignature));
  if (table.size() < kAllocationsOffset) return Error::kBadMessage;
  if ((table.size() - kAllocationsOffset) % sizeof(AllocationLayout) != 0) {
    return Error::kBadMessage;
  }

  Mcfg mcfg;
  for (size_t offset = kAllocationsOffset; offset < table.size();
       offset += sizeof(AllocationLayout)) {
    auto a = kstd::LoadLe<AllocationLayout>(table, offset);
    uint64_t window_end;
    if (a.end_bus < a.start_bus || !kstd::IsAligned(a.base_address, EcamAllocation::kBusSize) ||
        !kstd::CheckedAdd(a.base_address, (uint64_t{a.end_bus} + 1) << kBusShift, &window_end)) {
      return Error::kBadMessage;
    }
    if (mcfg.count_ == kMaxAllocations) return Error::kNoSpace;
    mcfg.allocations_[mcfg.count_++] =
        EcamAllocation{a.base_address, a.segment_group, a.start_bus, a.end_bus};
  }
  return mcfg;
}

kstd::Result<EcamAllocation> Mcfg::Find(uint16_t segment, uint8_t bus) const {
  for (const EcamAllocation& a : allocations()) {
    if (a.Covers(segment, bus)) return a;
  }
  return Error::kNotFound;
}

}  // namespace hal::x86_64::acpi
