#pragma once

// KernelObject: the base of everything user space can hold a handle to
// (channels, notifications, processes, threads, memory objects, ...).
//
// - Reference counted (kstd::RefPtr); handles and kernel code hold references.
// - Has a kernel object id (koid): unique for the life of the system, never
//   reused, so it can name an object in messages and logs.
// - Has a set of *signals* (bits such as kSignalReadable, kSignalPeerClosed)
//   that describe its state. Waiting never happens inside an object: a
//   blocking syscall registers a SignalObserver, and the object calls it when
//   its signals change (so objects are testable on the host without threads).

#include <stdint.h>

#include "abi/tessera/rights.h"
#include "core/sync/spin_lock.h"
#include "kstd/intrusive_list.h"
#include "kstd/ref_ptr.h"

namespace core {

using Koid = uint64_t;

// Signal bits: the native ABI's (abi/tessera/rights.h). The low 16 bits have
// meanings per object type; these are the shared ones.
using tessera::kSignalHandleClosed;
using tessera::kSignalNotified;
using tessera::kSignalPeerClosed;
using tessera::kSignalReadable;
using tessera::kSignalTerminated;
using tessera::kSignalWritable;
using tessera::Signals;

enum class ObjectType : uint8_t {
  kChannel,
  kNotification,
  kProcess,
  kThread,
  kVmObject,
  kInterrupt,
  kFile,       // an open file description (POSIX fds)
  kPciRoot,    // the right to list PCI functions and open them
  kPciDevice,  // one PCI function: config space, BARs, interrupts
  kVfsMount,   // the right to mount a user-space file system (fs_mount)
  kResource,   // a privileged service: DMA memory, high thread priority (resource.h)
};

const char* ObjectTypeName(ObjectType type);

/// Receives signal changes of the objects it is registered with. Called with
/// the object's lock held: implementations only record and wake, never block
/// and never call back into the object.
class SignalObserver {
 public:
  /// `signals` is the object's full new signal set.
  virtual void OnSignalsChanged(Signals signals) = 0;
  kstd::ListNode observer_node;

 protected:
  ~SignalObserver() = default;
};

class KernelObject : public kstd::RefCounted<KernelObject> {
 public:
  virtual ~KernelObject() = default;

  ObjectType type() const { return type_; }
  Koid koid() const { return koid_; }

  /// The current signal set.
  Signals signals() const;

  /// Registers `observer` and returns the current signals (atomically: no
  /// change can be missed between reading and registering). The observer
  /// must be removed with RemoveObserver before it is destroyed.
  Signals AddObserver(SignalObserver* observer);
  void RemoveObserver(SignalObserver* observer);

 protected:
  explicit KernelObject(ObjectType type);

  /// Clears then sets signal bits and notifies observers if anything changed.
  /// Caller must hold lock_.
  void UpdateSignalsLocked(Signals clear, Signals set);

  /// As UpdateSignalsLocked, but the observers hear of the new set even when
  /// it did not change: "something new arrived" on an object that was ready
  /// already (the edge EPOLLET reports for each new arrival of data).
  /// Caller must hold lock_.
  void PulseSignalsLocked(Signals clear, Signals set);

  /// Guards signals_, observers_ and the subclass state it documents.
  mutable SpinLock lock_;

 private:
  const ObjectType type_;
  const Koid koid_;
  Signals signals_ = 0;
  kstd::IntrusiveList<SignalObserver, &SignalObserver::observer_node> observers_;
};

/// Allocates a fresh koid (monotonic, never 0).
Koid NextKoid();

}  // namespace core
