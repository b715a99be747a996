#include "core/proc/uts_namespace.h"

#include "kstd/new.h"

namespace core {
namespace {

uint64_t g_next_id = UtsNamespace::kFirstDynamicId;
// Constant-initialized; its count never reaches 0 (the first reference is
// its own), so it is never deleted.
constinit UtsNamespace g_root(UtsNamespace::kRootId);

}  // namespace

UtsNamespace* UtsNamespace::Root() { return &g_root; }

kstd::Result<kstd::RefPtr<UtsNamespace>> UtsNamespace::CopyOf(const UtsNamespace& from) {
  uint64_t id = __atomic_fetch_add(&g_next_id, 1, __ATOMIC_RELAXED);
  kstd::RefPtr<UtsNamespace> copy = kstd::AdoptRef(new (kstd::nothrow) UtsNamespace(id));
  if (!copy) return kstd::Error::kNoMemory;
  char name[kNameLength];
  from.Get(true, name);
  copy->Set(true, name, __builtin_strlen(name));
  from.Get(false, name);
  copy->Set(false, name, __builtin_strlen(name));
  return copy;
}

void UtsNamespace::Get(bool host, char out[kNameLength]) const {
  SpinLockGuard guard(lock_);
  __builtin_memcpy(out, host ? host_ : domain_, kNameLength);
}

void UtsNamespace::Set(bool host, const char* name, size_t length) {
  char copy[kNameLength] = {};
  if (length > kNameLength - 1) length = kNameLength - 1;
  __builtin_memcpy(copy, name, length);
  SpinLockGuard guard(lock_);
  __builtin_memcpy(host ? host_ : domain_, copy, kNameLength);
}

}  // namespace core
