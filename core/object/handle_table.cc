#include "core/object/handle_table.h"

#include "kstd/new.h"

namespace core {

namespace {

constexpr uint32_t kIndexBits = 10;  // 1 << kIndexBits == kMaxHandles
constexpr uint32_t kIndexMask = (1u << kIndexBits) - 1;
constexpr uint32_t kGenerationMask = (1u << (32 - kIndexBits)) - 1;
constexpr uint32_t kNoSlot = 0xFFFFFFFFu;
constexpr uint32_t kInitialCapacity = 16;

static_assert((size_t{1} << kIndexBits) == kMaxHandles);

// SplitMix64 step: spreads the secret into independent round keys.
uint64_t NextKey(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

HandleTable::HandleTable(uint64_t secret) : free_head_(kNoSlot), free_tail_(kNoSlot) {
  uint64_t state = secret;
  for (uint32_t& key : keys_) key = static_cast<uint32_t>(NextKey(&state));
}

HandleTable::~HandleTable() {
  CloseAll();
  delete[] slots_;
}

// --- Value scrambling: a 4-round Feistel permutation of 32 bits -------------

uint16_t HandleTable::Round(uint16_t half, uint32_t key) const {
  uint32_t h = (half ^ key) * 0x9E3779B1u;
  h ^= h >> 15;
  h *= 0x85EBCA77u;
  h ^= h >> 13;
  return static_cast<uint16_t>(h >> 16);
}

HandleValue HandleTable::Encode(uint32_t index, uint32_t generation) const {
  uint32_t raw = (generation << kIndexBits) | index;
  uint16_t left = static_cast<uint16_t>(raw >> 16);
  uint16_t right = static_cast<uint16_t>(raw);
  for (uint32_t key : keys_) {
    uint16_t next = left ^ Round(right, key);
    left = right;
    right = next;
  }
  return (static_cast<uint32_t>(left) << 16) | right;
}

uint32_t HandleTable::Decode(HandleValue value) const {
  uint16_t left = static_cast<uint16_t>(value >> 16);
  uint16_t right = static_cast<uint16_t>(value);
  for (int i = 3; i >= 0; --i) {
    uint16_t prev_left = right ^ Round(left, keys_[i]);
    right = left;
    left = prev_left;
  }
  return (static_cast<uint32_t>(left) << 16) | right;
}

// --- Slots ------------------------------------------------------------------

HandleTable::Slot* HandleTable::FindLocked(HandleValue value) const {
  if (value == kInvalidHandle) return nullptr;
  uint32_t raw = Decode(value);
  uint32_t index = raw & kIndexMask;
  if (index >= capacity_) return nullptr;
  Slot* slot = &slots_[index];
  if (!slot->handle.object || slot->generation != (raw >> kIndexBits)) return nullptr;
  return slot;
}

void HandleTable::PushFreeLocked(uint32_t index) {
  slots_[index].next_free = kNoSlot;
  if (free_tail_ == kNoSlot) {
    free_head_ = index;
  } else {
    slots_[free_tail_].next_free = index;
  }
  free_tail_ = index;
}

void HandleTable::ReleaseSlotLocked(uint32_t index) {
  Slot& slot = slots_[index];
  slot.handle.rights = kRightNone;
  slot.generation = (slot.generation + 1) & kGenerationMask;
  PushFreeLocked(index);
  --count_;
}

HandleValue HandleTable::InsertLocked(kstd::RefPtr<KernelObject> object, Rights rights) {
  uint32_t index = free_head_;
  Slot& slot = slots_[index];
  free_head_ = slot.next_free;
  if (free_head_ == kNoSlot) free_tail_ = kNoSlot;
  HandleValue value = Encode(index, slot.generation);
  // Exactly one (index, generation) pair per table scrambles to 0; skip it.
  if (value == kInvalidHandle) {
    slot.generation = (slot.generation + 1) & kGenerationMask;
    value = Encode(index, slot.generation);
  }
  slot.handle.object = kstd::Move(object);
  slot.handle.rights = rights;
  ++count_;
  return value;
}

kstd::Result<HandleValue> HandleTable::Add(kstd::RefPtr<KernelObject> object, Rights rights) {
  if (!object) return kstd::Error::kInvalid;
  for (;;) {
    uint32_t wanted;
    {
      SpinLockGuard guard(lock_);
      if (free_head_ != kNoSlot) return InsertLocked(kstd::Move(object), rights);
      if (capacity_ >= kMaxHandles) return kstd::Error::kTooManyHandles;
      wanted = capacity_ == 0 ? kInitialCapacity : capacity_ * 2;
    }
    // Grow outside the lock; another CPU may have grown the table meanwhile.
    Slot* fresh = new (kstd::nothrow) Slot[wanted];
    if (fresh == nullptr) return kstd::Error::kNoMemory;
    Slot* unused = fresh;
    {
      SpinLockGuard guard(lock_);
      if (capacity_ < wanted) {  // capacity only doubles, so it is still wanted / 2
        for (uint32_t i = 0; i < capacity_; ++i) {
          fresh[i].handle.object = kstd::Move(slots_[i].handle.object);
          fresh[i].handle.rights = slots_[i].handle.rights;
          fresh[i].generation = slots_[i].generation;
          fresh[i].next_free = slots_[i].next_free;
        }
        uint32_t old_capacity = capacity_;
        unused = slots_;  // all references moved out: freeing it drops none
        slots_ = fresh;
        capacity_ = wanted;
        for (uint32_t i = old_capacity; i < wanted; ++i) PushFreeLocked(i);
      }
    }
    delete[] unused;
  }
}

kstd::Result<kstd::RefPtr<KernelObject>> HandleTable::Lookup(HandleValue value, bool check_type,
                                                             ObjectType type,
                                                             Rights required) const {
  SpinLockGuard guard(lock_);
  Slot* slot = FindLocked(value);
  if (slot == nullptr) return kstd::Error::kBadHandle;
  if (check_type && slot->handle.object->type() != type) return kstd::Error::kInvalid;
  if ((slot->handle.rights & required) != required) return kstd::Error::kAccess;
  return slot->handle.object;
}

kstd::Result<kstd::RefPtr<KernelObject>> HandleTable::Get(HandleValue value,
                                                          Rights required) const {
  return Lookup(value, false, ObjectType::kChannel, required);
}

kstd::Result<Rights> HandleTable::RightsOf(HandleValue value) const {
  SpinLockGuard guard(lock_);
  Slot* slot = FindLocked(value);
  if (slot == nullptr) return kstd::Error::kBadHandle;
  return slot->handle.rights;
}

kstd::Result<HandleValue> HandleTable::Duplicate(HandleValue value, Rights new_rights) {
  kstd::RefPtr<KernelObject> object;
  {
    SpinLockGuard guard(lock_);
    Slot* slot = FindLocked(value);
    if (slot == nullptr) return kstd::Error::kBadHandle;
    if ((slot->handle.rights & kRightDuplicate) == 0) return kstd::Error::kAccess;
    if ((new_rights & ~slot->handle.rights) != 0) return kstd::Error::kInvalid;
    object = slot->handle.object;
  }
  return Add(kstd::Move(object), new_rights);
}

kstd::Result<Handle> HandleTable::Remove(HandleValue value, Rights required) {
  SpinLockGuard guard(lock_);
  Slot* slot = FindLocked(value);
  if (slot == nullptr) return kstd::Error::kBadHandle;
  if ((slot->handle.rights & required) != required) return kstd::Error::kAccess;
  Handle handle{kstd::Move(slot->handle.object), slot->handle.rights};
  ReleaseSlotLocked(static_cast<uint32_t>(slot - slots_));
  return handle;  // the caller drops or keeps the reference, outside lock_
}

kstd::Result<void> HandleTable::Close(HandleValue value) {
  Handle handle = TRY(Remove(value));
  handle.object.reset();
  return kstd::Ok();
}

size_t HandleTable::CloseAll() {
  size_t closed = 0;
  for (uint32_t index = 0;; ++index) {
    kstd::RefPtr<KernelObject> object;
    {
      SpinLockGuard guard(lock_);
      if (index >= capacity_) break;
      Slot& slot = slots_[index];
      if (!slot.handle.object) continue;
      object = kstd::Move(slot.handle.object);
      ReleaseSlotLocked(index);
    }
    object.reset();  // may run the object's destructor: never under lock_
    ++closed;
  }
  return closed;
}

size_t HandleTable::count() const {
  SpinLockGuard guard(lock_);
  return count_;
}

}  // namespace core
