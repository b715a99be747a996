// Native calls that wait on object signals.

#include "core/syscall/deadline.h"
#include "core/syscall/sys_common.h"

namespace core::syscall {

kstd::Result<uint64_t> SysObjectWaitOne(tessera::handle_t handle, uint32_t wanted, int64_t deadline,
                                        UserPtr<uint32_t> observed) {
  kstd::RefPtr<KernelObject> obj = TRY(CurrentProcess()->handles().Get(handle, kRightWait));
  Signals seen = 0;
  auto r = WaitForSignals(&obj, &wanted, 1, DeadlineTick(deadline), &seen);
  if (!observed.is_null()) TRY(observed.CopyOut(&seen));
  TRY(r);
  return 0;
}

kstd::Result<uint64_t> SysObjectWaitMany(UserPtr<tessera::WaitItem> user_items, uint32_t count,
                                         int64_t deadline) {
  constexpr uint32_t kMax = 64;
  if (count == 0 || count > kMax) return kstd::Error::kInvalid;
  tessera::WaitItem items[kMax];
  TRY(user_items.CopyIn(items, count));
  kstd::RefPtr<KernelObject> objects[kMax];
  Signals wanted[kMax];
  Signals seen[kMax] = {};
  for (uint32_t i = 0; i < count; ++i) {
    objects[i] = TRY(CurrentProcess()->handles().Get(items[i].handle, kRightWait));
    wanted[i] = items[i].wanted;
  }
  auto r = WaitForSignals(objects, wanted, count, DeadlineTick(deadline), seen);
  for (uint32_t i = 0; i < count; ++i) items[i].observed = seen[i];
  TRY(user_items.CopyOut(items, count));
  return TRY(r);
}

}  // namespace core::syscall
