#include "hal/x86_64/fault_kind.h"

namespace hal::x86_64 {
namespace {

// Page-fault error code bits (Intel SDM vol. 3A §4.7).
constexpr uint64_t kPfPresent = 1 << 0;
constexpr uint64_t kPfWrite = 1 << 1;
constexpr uint64_t kPfUser = 1 << 2;
constexpr uint64_t kPfInstructionFetch = 1 << 4;

}  // namespace

FaultKind ClassifyFault(uint64_t vector) {
  switch (vector) {
    case 0: return FaultKind::kDivideError;
    case 1:
    case 3: return FaultKind::kDebugTrap;
    case 4:
    case 5: return FaultKind::kOverflowOrBound;
    case 6: return FaultKind::kInvalidOpcode;
    case 7: return FaultKind::kFpuUnavailable;
    case 13: return FaultKind::kGeneralProtection;
    case 14: return FaultKind::kPageFault;
    case 16:
    case 19: return FaultKind::kFloatingPoint;
    case 17: return FaultKind::kAlignmentCheck;
    default: return FaultKind::kOther;
  }
}

PageFaultInfo DecodePageFault(uint64_t address, uint64_t rip, uint64_t error_code) {
  return PageFaultInfo{address,
                       rip,
                       (error_code & kPfWrite) != 0,
                       (error_code & kPfInstructionFetch) != 0,
                       (error_code & kPfUser) != 0,
                       (error_code & kPfPresent) != 0};
}

}  // namespace hal::x86_64
