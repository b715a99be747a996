#include "core/sysv/ipc_perm.h"

#include "abi/linux/capability.h"

namespace core::sysv {
namespace {

posix::Credentials (*g_source)() = nullptr;

}  // namespace

void SetCredentialsSource(posix::Credentials (*source)()) { g_source = source; }

posix::Credentials CallerCredentials() {
  return g_source != nullptr ? g_source() : posix::Credentials::Root();
}

void InitPerm(Perm* p, const posix::Credentials& caller, int32_t key, int flags) {
  p->key = key;
  p->uid = p->cuid = caller.euid;
  p->gid = p->cgid = caller.egid;
  p->mode = static_cast<uint32_t>(flags) & 0777;
}

uint32_t WantedByFlags(int flags) {
  const uint32_t bits = static_cast<uint32_t>(flags) & 0777;
  return ((bits >> 6) | (bits >> 3) | bits) & 7;
}

kstd::Result<void> CheckAccess(const Perm& p, const posix::Credentials& caller, uint32_t want) {
  uint32_t granted = p.mode;
  if (caller.euid == p.cuid || caller.euid == p.uid) {
    granted >>= 6;
  } else if (caller.InGroup(p.cgid) || caller.InGroup(p.gid)) {
    granted >>= 3;
  }
  if ((want & ~granted & 7) != 0 && !caller.Has(linux_abi::kCapIpcOwner)) {
    return kstd::Error::kAccess;
  }
  return kstd::Ok();
}

kstd::Result<void> CheckOwner(const Perm& p, const posix::Credentials& caller) {
  if (caller.euid == p.cuid || caller.euid == p.uid || caller.Has(linux_abi::kCapSysAdmin)) {
    return kstd::Ok();
  }
  return kstd::Error::kPermission;
}

}  // namespace core::sysv
