// Native calls that wait on object signals.

#include "core/syscall/sys_common.h"

namespace core::syscall {

int64_t SysObjectWaitOne(tessera::handle_t handle, uint32_t wanted, int64_t deadline,
                         UserPtr<uint32_t> observed) {
  auto object = CurrentProcess()->handles().Get(handle, kRightWait);
  if (object.is_error()) return Errno(object.error());
  kstd::RefPtr<KernelObject> obj = object.value();
  Signals seen = 0;
  auto r = WaitForSignals(&obj, &wanted, 1, DeadlineTick(deadline), &seen);
  if (!observed.is_null() && observed.CopyOut(&seen).is_error()) return Errno(kstd::Error::kFault);
  return r.ok() ? 0 : Errno(r.error());
}

int64_t SysObjectWaitMany(UserPtr<tessera::WaitItem> user_items, uint32_t count, int64_t deadline) {
  constexpr uint32_t kMax = 64;
  if (count == 0 || count > kMax) return Errno(kstd::Error::kInvalid);
  tessera::WaitItem items[kMax];
  if (user_items.CopyIn(items, count).is_error()) return Errno(kstd::Error::kFault);
  kstd::RefPtr<KernelObject> objects[kMax];
  Signals wanted[kMax];
  Signals seen[kMax] = {};
  for (uint32_t i = 0; i < count; ++i) {
    auto object = CurrentProcess()->handles().Get(items[i].handle, kRightWait);
    if (object.is_error()) return Errno(object.error());
    objects[i] = object.value();
    wanted[i] = items[i].wanted;
  }
  auto r = WaitForSignals(objects, wanted, count, DeadlineTick(deadline), seen);
  for (uint32_t i = 0; i < count; ++i) items[i].observed = seen[i];
  if (user_items.CopyOut(items, count).is_error()) return Errno(kstd::Error::kFault);
  return r.ok() ? static_cast<int64_t>(r.value()) : Errno(r.error());
}

}  // namespace core::syscall
