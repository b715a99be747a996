#pragma once

// Helpers for core/ipc host tests.

#include "core/object/kernel_object.h"
#include "kstd/new.h"
#include "kstd/ref_ptr.h"

namespace core::ipc::testing {

/// Counts the notifications it receives and keeps the last signal set.
class CountingObserver final : public SignalObserver {
 public:
  void OnSignalsChanged(Signals signals) override {
    ++calls;
    last = signals;
  }
  int calls = 0;
  Signals last = 0;
};

/// A kernel object that counts its destructions (stands in for anything a
/// message can carry).
class DestructionCounter final : public KernelObject {
 public:
  explicit DestructionCounter(int* destroyed)
      : KernelObject(ObjectType::kVmObject), destroyed_(destroyed) {}
  ~DestructionCounter() override { ++*destroyed_; }

  static kstd::RefPtr<KernelObject> Make(int* destroyed) {
    return kstd::AdoptRef<KernelObject>(new (kstd::nothrow) DestructionCounter(destroyed));
  }

 private:
  int* destroyed_;
};

}  // namespace core::ipc::testing
