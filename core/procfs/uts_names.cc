#include "core/procfs/uts_names.h"

#include "core/proc/process.h"
#include "core/proc/uts_namespace.h"
#include "core/sched/scheduler.h"

namespace core::procfs {
namespace {

static_assert(kUtsNameLength == UtsNamespace::kNameLength);

// The calling process's namespace (the boot one for a kernel thread).
kstd::RefPtr<UtsNamespace> CallerNamespace() {
  Process* p = sched::Current()->process();
  if (p == nullptr) return kstd::RefPtr<UtsNamespace>::FromRaw(UtsNamespace::Root());
  return p->uts_namespace();
}

}  // namespace

void GetUtsName(bool host, char out[kUtsNameLength]) { CallerNamespace()->Get(host, out); }

void SetUtsName(bool host, const char* name, size_t length) {
  CallerNamespace()->Set(host, name, length);
}

}  // namespace core::procfs
