#pragma once

// The kernel objects a user-mode driver holds:
//   PciRoot      lists the functions and opens them (given to init only);
//   PciDevice    one function: bounded config-space access, BAR mapping,
//                MSI-X or INTx interrupts;
//   Interrupt    an interrupt source: kSignalNotified is raised when it fires
//                and cleared by Ack (which, for INTx, also unmasks the
//                function's line: see intx_line.h).
// Without an IOMMU a driver that can program DMA can reach all memory, so
// drivers are trusted to that extent; what handles enforce is which device a
// process may touch at all.

#include <stdint.h>
#include "core/sync/thread_annotations.h"

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
  /// Binds a free CPU vector to a new interrupt object (MSI/MSI-X).
  /// Errors: kNoSpace, kNoMemory.
  static kstd::Result<kstd::RefPtr<Interrupt>> Create();
  /// A new interrupt object for an INTx pin, not yet bound (BindIntx).
  /// Errors: kNoMemory.
  static kstd::Result<kstd::RefPtr<Interrupt>> CreateIntx();
  ~Interrupt() override;

  bool is_intx() const { return intx_; }
  uint8_t vector() const { return vector_; }
  /// Clears kSignalNotified; returns how often it fired since the last Ack.
  /// INTx: then re-enables the function's INTx (the caller has quieted the
  /// device; if it still asserts, the object fires again at once).
  uint64_t Ack();
  /// From the interrupt handler: count and raise kSignalNotified.
  void Fire();

 private:
  explicit Interrupt(bool intx) : KernelObject(ObjectType::kInterrupt), intx_(intx) {}
  bool intx_ = false;
  uint8_t vector_ = 0;  // MSI/MSI-X only
  uint64_t pending_ = 0;
};

class PciDevice final : public KernelObject {
 public:
  /// Takes ownership of `function` (one PciDevice per function at a time)
  /// and turns on its memory decoding and bus mastering. Errors: kBusy
  /// (already owned), kInvalid, kNoMemory.
  static kstd::Result<kstd::RefPtr<PciDevice>> Create(const Function* function);
  /// Turns bus mastering, MSI-X and INTx off (unbinding its INTx interrupt
  /// object, which then never fires again) and frees the function.
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

  /// Routes the function's INTx pin to a new Interrupt: finds its GSI
  /// (bridge swizzle, the board's interrupt router), programs the IOAPIC
  /// level triggered, active low (shared with the other functions on the
  /// GSI) and enables the function's INTx. The object fires with the
  /// function's INTx disabled until its Ack. One INTx object per function.
  /// Errors: kNotSupported (no interrupt pin, no Interrupt Disable bit to
  /// mask it with, or an interrupt router the board does not know),
  /// kInvalid (a bad Interrupt Pin value), kBusy (already routed, or the GSI
  /// is an ISA line), kNoSpace (no free line or vector), kNoMemory.
  kstd::Result<kstd::RefPtr<Interrupt>> RouteIntx();

 private:
  explicit PciDevice(const Function* f) : KernelObject(ObjectType::kPciDevice), function_(f) {}
  bool ConfigWriteAllowed(uint32_t offset, uint32_t width) const;
  const Function* function_;
  kstd::RefPtr<Interrupt> intx_ GUARDED_BY(lock_);
};

/// Installs the interrupt dispatch for the driver vectors and INTx lines (boot).
void InitDeviceInterrupts();

}  // namespace core::pci
