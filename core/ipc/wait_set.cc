#include "core/ipc/wait_set.h"

#include "kstd/utility.h"

namespace core::ipc {

namespace {
constexpr uint64_t kWrittenByCallback = uint64_t{1} << 32;
}  // namespace

MultiWait::MultiWait(WakeFn wake, void* context) : wake_(wake), context_(context) {}

MultiWait::~MultiWait() { Cancel(); }

bool MultiWait::MarkReady(size_t index) {
  size_t expected = kNotReady;
  return __atomic_compare_exchange_n(&ready_index_, &expected, index, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE);
}

void MultiWait::Item::OnSignalsChanged(Signals signals) {
  // Called with the object's lock held.
  __atomic_store_n(&observed, kWrittenByCallback | signals, __ATOMIC_RELEASE);
  if ((signals & wanted) != 0 && owner->MarkReady(index) && owner->wake_ != nullptr) {
    owner->wake_(owner->context_);
  }
}

kstd::Result<size_t> MultiWait::Add(kstd::RefPtr<KernelObject> object, Signals wanted) {
  if (!object || count_ >= kMaxWaitItems || cancelled_) return kstd::Error::kInvalid;
  size_t index = count_++;
  Item& item = items_[index];
  item.owner = this;
  item.index = static_cast<uint32_t>(index);
  item.wanted = wanted;
  item.observed = 0;
  item.object = kstd::Move(object);

  Signals current = item.object->AddObserver(&item);
  // Keep a callback's newer value if one already arrived on another CPU.
  uint64_t expected = 0;
  __atomic_compare_exchange_n(&item.observed, &expected, uint64_t{current}, false, __ATOMIC_ACQ_REL,
                              __ATOMIC_ACQUIRE);
  if ((current & wanted) != 0) MarkReady(index);  // no wake: the caller sees ready()
  return index;
}

Signals MultiWait::observed(size_t i) const {
  return static_cast<Signals>(__atomic_load_n(&items_[i].observed, __ATOMIC_ACQUIRE));
}

void MultiWait::Cancel() {
  cancelled_ = true;
  for (size_t i = 0; i < count_; ++i) {
    Item& item = items_[i];
    if (!item.object) continue;
    // After RemoveObserver returns no callback for this item is running or
    // can start (callbacks run under the object's lock, which it takes).
    item.object->RemoveObserver(&item);
    item.object.reset();
  }
}

}  // namespace core::ipc
