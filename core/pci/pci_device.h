#pragma once

// The kernel objects a user-mode driver holds:
//   PciRoot      lists the functions and opens them (given to init only);
//   PciDevice    one function: bounded config-space access, BAR mapping,
//                MSI-X interrupts;
//   Interrupt    an interrupt source: kSignalNotified is raised when it fires
//                and cleared by Ack.
// Without an IOMMU a driver that can program DMA can reach all memory, so
// drivers are trusted to that extent; what handles enforce is which device a
// process may touch at all.

#include <stdint.h>

#include "core/object/kernel_object.h"
#include "core/pci/pci_bus.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::pci {

class PciRoot final : public KernelObject {
 public:
  static kstd::Result<kstd::RefPtr<PciRoot>> Create();

 private:
  PciRoot() : KernelObject(ObjectType::kPciRoot) {}
};

class Interrupt final : public KernelObject {
 public:
  /// Binds a free CPU vector to a new interrupt object. Errors: kNoSpace.
  static kstd::Result<kstd::RefPtr<Interrupt>> Create();
  ~Interrupt() override;

  uint8_t vector() const { return vector_; }
  /// Clears kSignalNotified; returns how often it fired since the last Ack.
  uint64_t Ack();
  /// From the interrupt handler: count and raise kSignalNotified.
  void Fire();

 private:
  Interrupt() : KernelObject(ObjectType::kInterrupt) {}
  uint8_t vector_ = 0;
  uint64_t pending_ = 0;
};

class PciDevice final : public KernelObject {
 public:
  /// Takes ownership of `function` (one PciDevice per function at a time)
  /// and turns on its memory decoding and bus mastering. Errors: kBusy
  /// (already owned), kInvalid, kNoMemory.
  static kstd::Result<kstd::RefPtr<PciDevice>> Create(const Function* function);
  /// Turns bus mastering and MSI-X off and frees the function for a new owner.
  ~PciDevice() override;

  const Function& function() const { return *function_; }

  /// Config-space access at `offset` (< 4096) of `width` 1, 2 or 4 bytes,
  /// naturally aligned. Errors: kInvalid. Writes to the standard header
  /// (offsets < 0x40) and to the MSI-X capability are the kernel's:
  /// kPermission.
  kstd::Result<uint32_t> ConfigRead(uint32_t offset, uint32_t width) const;
  kstd::Result<void> ConfigWrite(uint32_t offset, uint32_t width, uint32_t value);

  /// Whether memory BAR `bar` holds the MSI-X table or PBA (such a BAR is not
  /// mapped into a driver: it could aim interrupts anywhere).
  bool BarHoldsMsixStructures(uint32_t bar) const;

  /// Routes MSI-X table entry `entry` to a new Interrupt (programs the entry
  /// with the local APIC's address and the interrupt's vector, unmasks it and
  /// enables MSI-X). Errors: kNotSupported (no MSI-X capability), kInvalid
  /// (entry out of range), kNoSpace (no free vector).
  kstd::Result<kstd::RefPtr<Interrupt>> RouteMsix(uint32_t entry);

 private:
  explicit PciDevice(const Function* f) : KernelObject(ObjectType::kPciDevice), function_(f) {}
  bool ConfigWriteAllowed(uint32_t offset, uint32_t width) const;
  const Function* function_;
};

/// Installs the interrupt dispatch for the driver vectors (boot).
void InitDeviceInterrupts();

}  // namespace core::pci
