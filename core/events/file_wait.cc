#include "core/events/file_wait.h"

#include "core/ipc/wait.h"
#include "core/sched/scheduler.h"

namespace core::events {

kstd::Result<void> WaitForFile(fd::FileDescription* file, Signals wanted) {
  kstd::RefPtr<KernelObject> object = kstd::RefPtr<KernelObject>::FromRaw(file);
  TRY(ipc::WaitForSignals(&object, &wanted, 1, sched::kNoDeadline, nullptr));
  return kstd::Ok();
}

}  // namespace core::events
