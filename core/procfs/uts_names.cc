#include "core/procfs/uts_names.h"

#include "core/sync/spin_lock.h"
#include "core/sync/thread_annotations.h"

namespace core::procfs {
namespace {

SpinLock g_names_lock;
char g_hostname[kUtsNameLength] GUARDED_BY(g_names_lock) = "tessera";
char g_domainname[kUtsNameLength] GUARDED_BY(g_names_lock) = "(none)";

}  // namespace

void GetUtsName(bool host, char out[kUtsNameLength]) {
  SpinLockGuard guard(g_names_lock);
  __builtin_memcpy(out, host ? g_hostname : g_domainname, kUtsNameLength);
}

void SetUtsName(bool host, const char* name, size_t length) {
  char copy[kUtsNameLength] = {};
  if (length > kUtsNameLength - 1) length = kUtsNameLength - 1;
  __builtin_memcpy(copy, name, length);
  SpinLockGuard guard(g_names_lock);
  __builtin_memcpy(host ? g_hostname : g_domainname, copy, kUtsNameLength);
}

}  // namespace core::procfs
