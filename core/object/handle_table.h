#pragma once

// HandleTable: a process's handles. A handle is a reference to a KernelObject
// plus the Rights its holder has; user space names it by a HandleValue.
//
// Handle values. A value encodes (slot index, slot generation): the generation
// moves on every time a slot is freed, so a stale value never names the
// slot's next occupant (until the 22-bit generation wraps, after ~4 million
// reuses of that one slot). The pair is scrambled by a keyed 32-bit
// permutation (a 4-round Feistel network keyed from the table's secret), so
// values do not reveal slot numbers and the same slot/generation gives
// unrelated values in two processes. This is obfuscation against guessing and
// accidental reuse, not cryptography. 0 (kInvalidHandle) is never issued.
//
// Capacity: at most kMaxHandles (1024) handles; the slot array starts small and
// doubles on demand. A full table fails with kTooManyHandles (EMFILE, as a full
// Linux fd table does).
//
// Locking: lock_ guards the slots. A reference is never dropped with lock_
// held (an object's destructor may take other locks), and the heap is called
// without lock_ held, so HandleTable nests inside no other lock's duties.

#include <stddef.h>
#include <stdint.h>

#include "core/object/kernel_object.h"
#include "core/object/rights.h"
#include "core/sync/spin_lock.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core {

using HandleValue = uint32_t;

inline constexpr HandleValue kInvalidHandle = 0;
inline constexpr size_t kMaxHandles = 1024;

/// An object reference together with rights: what a handle holds, and what
/// travels in a channel message between Remove and the receiver's Add.
struct Handle {
  kstd::RefPtr<KernelObject> object;
  Rights rights = kRightNone;
};

class HandleTable {
 public:
  /// `secret` keys the value scrambling; the kernel seeds it from RDRAND/TSC
  /// per process, tests pass constants.
  explicit HandleTable(uint64_t secret);
  ~HandleTable();
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  /// Adds a handle to `object` with `rights` and returns its value.
  /// Errors: kInvalid (object is null), kTooManyHandles (kMaxHandles in use),
  /// kNoMemory (growing the slot array failed). On error the reference is dropped.
  kstd::Result<HandleValue> Add(kstd::RefPtr<KernelObject> object, Rights rights);
  kstd::Result<HandleValue> Add(Handle handle) {
    return Add(kstd::Move(handle.object), handle.rights);
  }

  /// The object behind `value`, if the handle has every right in `required`.
  /// Errors: kBadHandle (value not currently issued by this table),
  /// kAccess (a required right is missing).
  kstd::Result<kstd::RefPtr<KernelObject>> Get(HandleValue value, Rights required) const;

  /// Get, plus a check that the object is of `type` (T must be the class
  /// implementing `type`). Errors: kBadHandle, kInvalid (other object type;
  /// checked before rights), kAccess.
  template <typename T>
  kstd::Result<kstd::RefPtr<T>> GetTyped(HandleValue value, ObjectType type,
                                         Rights required) const {
    kstd::RefPtr<KernelObject> object = TRY(Lookup(value, true, type, required));
    return kstd::StaticRefCast<T>(kstd::Move(object));
  }

  /// The rights of the handle. Errors: kBadHandle.
  kstd::Result<Rights> RightsOf(HandleValue value) const;

  /// A new handle to the same object with `new_rights`, which must be a subset
  /// of the handle's rights. Errors: kBadHandle, kAccess (no kRightDuplicate),
  /// kInvalid (new_rights adds a right), kTooManyHandles, kNoMemory.
  kstd::Result<HandleValue> Duplicate(HandleValue value, Rights new_rights);

  /// Takes the handle out of the table (to move it into a message or to close
  /// it); the value becomes invalid. With `required` rights (e.g.
  /// kRightTransfer) the check and the removal are atomic.
  /// Errors: kBadHandle, kAccess (handle stays in the table).
  kstd::Result<Handle> Remove(HandleValue value, Rights required = kRightNone);

  /// Removes the handle and drops its reference. Errors: kBadHandle.
  kstd::Result<void> Close(HandleValue value);

  /// Closes every handle (process exit); returns how many were closed. Slot
  /// generations are kept, so old values stay invalid if the table is reused.
  /// Handles added concurrently with CloseAll may survive it.
  size_t CloseAll();

  /// Handles currently in the table.
  size_t count() const;

 private:
  struct Slot {
    Handle handle;  // handle.object is non-null iff the slot is in use
    uint32_t generation = 0;
    uint32_t next_free = 0;
  };

  kstd::Result<kstd::RefPtr<KernelObject>> Lookup(HandleValue value, bool check_type,
                                                  ObjectType type, Rights required) const;
  /// The in-use slot named by `value`, or nullptr. Caller holds lock_.
  Slot* FindLocked(HandleValue value) const REQUIRES(lock_);
  /// Appends a slot to the free list. Caller holds lock_.
  void PushFreeLocked(uint32_t index) REQUIRES(lock_);
  /// Frees a slot whose reference was moved out: bumps its generation and
  /// queues it last for reuse. Caller holds lock_.
  void ReleaseSlotLocked(uint32_t index) REQUIRES(lock_);
  /// Takes the first free slot and fills it; returns its value. Caller holds lock_.
  HandleValue InsertLocked(kstd::RefPtr<KernelObject> object, Rights rights) REQUIRES(lock_);

  HandleValue Encode(uint32_t index, uint32_t generation) const;
  uint32_t Decode(HandleValue value) const;
  uint16_t Round(uint16_t half, uint32_t key) const;

  uint32_t keys_[4];  // Feistel round keys, derived from the secret; const after construction

  mutable SpinLock lock_;
  Slot* slots_ GUARDED_BY(lock_) = nullptr;  // capacity_ entries
  uint32_t capacity_ GUARDED_BY(lock_) = 0;  // only grows
  uint32_t count_ GUARDED_BY(lock_) = 0;
  uint32_t free_head_ GUARDED_BY(lock_);  // FIFO list of free slots
  uint32_t free_tail_ GUARDED_BY(lock_);
};

}  // namespace core
