#include "core/posix/credentials.h"

#include "abi/linux/stat.h"

namespace core::posix {
namespace {

using linux_abi::kCapDacOverride;
using linux_abi::kCapDacReadSearch;
using linux_abi::kCapFowner;
using linux_abi::kCapKill;
using linux_abi::kCapSetgid;
using linux_abi::kCapSetpcap;
using linux_abi::kCapSetuid;
using linux_abi::kCapSysPtrace;

// The capabilities that follow the fs uid (CAP_FS_MASK).
constexpr CapSet kFsCaps = CapBit(linux_abi::kCapChown) | CapBit(kCapDacOverride) |
                           CapBit(kCapDacReadSearch) | CapBit(kCapFowner) |
                           CapBit(linux_abi::kCapFsetid) | CapBit(linux_abi::kCapLinuxImmutable) |
                           CapBit(linux_abi::kCapMacOverride);

bool IsSubset(CapSet a, CapSet b) { return (a & ~b) == 0; }

// cap_emulate_setxuid: a uid change away from 0 drops capabilities, a change
// of the effective uid to or from 0 sets or clears the effective set.
void FixCapsAfterUidChange(const Credentials& old, Credentials* c) {
  const bool was_root = old.ruid == 0 || old.euid == 0 || old.suid == 0;
  const bool none_root = c->ruid != 0 && c->euid != 0 && c->suid != 0;
  if (was_root && none_root) {
    if (!c->keep_caps) {
      c->permitted = 0;
      c->effective = 0;
    }
    c->ambient = 0;
  }
  if (old.euid == 0 && c->euid != 0) c->effective = 0;
  if (old.euid != 0 && c->euid == 0) c->effective = c->permitted;
}

// The fs capabilities follow a change of the fs uid to or from 0.
void FixCapsAfterFsuidChange(uint32_t old_fsuid, Credentials* c) {
  if (old_fsuid == 0 && c->fsuid != 0) c->effective &= ~kFsCaps;
  if (old_fsuid != 0 && c->fsuid == 0) c->effective |= c->permitted & kFsCaps;
}

bool IsOneOf(uint32_t id, uint32_t a, uint32_t b, uint32_t c) {
  return id == a || id == b || id == c;
}

}  // namespace

Credentials Credentials::Root() {
  Credentials c;
  c.effective = kAllCaps;
  c.permitted = kAllCaps;
  return c;
}

Credentials Credentials::User(uint32_t uid, uint32_t gid) {
  Credentials c;
  c.ruid = c.euid = c.suid = c.fsuid = uid;
  c.rgid = c.egid = c.sgid = c.fsgid = gid;
  return c;
}

bool Credentials::InGroup(uint32_t gid) const {
  if (gid == fsgid) return true;
  for (uint32_t i = 0; i < ngroups; ++i) {
    if (groups[i] == gid) return true;
  }
  return false;
}

kstd::Result<Credentials> SetUid(const Credentials& c, uint32_t uid) {
  if (uid == kNoId) return kstd::Error::kInvalid;
  Credentials n = c;
  if (c.Has(kCapSetuid)) {
    n.ruid = n.suid = uid;
  } else if (uid != c.ruid && uid != c.suid) {
    return kstd::Error::kPermission;
  }
  n.euid = n.fsuid = uid;
  FixCapsAfterUidChange(c, &n);
  return n;
}

kstd::Result<Credentials> SetReuid(const Credentials& c, uint32_t ruid, uint32_t euid) {
  const bool cap = c.Has(kCapSetuid);
  Credentials n = c;
  if (ruid != kNoId) {
    if (!cap && ruid != c.ruid && ruid != c.euid) return kstd::Error::kPermission;
    n.ruid = ruid;
  }
  if (euid != kNoId) {
    if (!cap && !IsOneOf(euid, c.ruid, c.euid, c.suid)) return kstd::Error::kPermission;
    n.euid = euid;
  }
  if (ruid != kNoId || (euid != kNoId && euid != c.ruid)) n.suid = n.euid;
  n.fsuid = n.euid;
  FixCapsAfterUidChange(c, &n);
  return n;
}

kstd::Result<Credentials> SetResuid(const Credentials& c, uint32_t ruid, uint32_t euid,
                                    uint32_t suid) {
  if (!c.Has(kCapSetuid)) {
    const uint32_t ids[] = {ruid, euid, suid};
    for (uint32_t id : ids) {
      if (id != kNoId && !IsOneOf(id, c.ruid, c.euid, c.suid)) return kstd::Error::kPermission;
    }
  }
  Credentials n = c;
  if (ruid != kNoId) n.ruid = ruid;
  if (euid != kNoId) n.euid = euid;
  if (suid != kNoId) n.suid = suid;
  n.fsuid = n.euid;
  FixCapsAfterUidChange(c, &n);
  return n;
}

uint32_t SetFsuid(const Credentials& c, uint32_t fsuid, Credentials* out) {
  *out = c;
  if (fsuid == kNoId) return c.fsuid;
  if (IsOneOf(fsuid, c.ruid, c.euid, c.suid) || fsuid == c.fsuid || c.Has(kCapSetuid)) {
    out->fsuid = fsuid;
    FixCapsAfterFsuidChange(c.fsuid, out);
  }
  return c.fsuid;
}

kstd::Result<Credentials> SetGid(const Credentials& c, uint32_t gid) {
  if (gid == kNoId) return kstd::Error::kInvalid;
  Credentials n = c;
  if (c.Has(kCapSetgid)) {
    n.rgid = n.sgid = gid;
  } else if (gid != c.rgid && gid != c.sgid) {
    return kstd::Error::kPermission;
  }
  n.egid = n.fsgid = gid;
  return n;
}

kstd::Result<Credentials> SetRegid(const Credentials& c, uint32_t rgid, uint32_t egid) {
  const bool cap = c.Has(kCapSetgid);
  Credentials n = c;
  if (rgid != kNoId) {
    if (!cap && rgid != c.rgid && rgid != c.egid) return kstd::Error::kPermission;
    n.rgid = rgid;
  }
  if (egid != kNoId) {
    if (!cap && !IsOneOf(egid, c.rgid, c.egid, c.sgid)) return kstd::Error::kPermission;
    n.egid = egid;
  }
  if (rgid != kNoId || (egid != kNoId && egid != c.rgid)) n.sgid = n.egid;
  n.fsgid = n.egid;
  return n;
}

kstd::Result<Credentials> SetResgid(const Credentials& c, uint32_t rgid, uint32_t egid,
                                    uint32_t sgid) {
  if (!c.Has(kCapSetgid)) {
    const uint32_t ids[] = {rgid, egid, sgid};
    for (uint32_t id : ids) {
      if (id != kNoId && !IsOneOf(id, c.rgid, c.egid, c.sgid)) return kstd::Error::kPermission;
    }
  }
  Credentials n = c;
  if (rgid != kNoId) n.rgid = rgid;
  if (egid != kNoId) n.egid = egid;
  if (sgid != kNoId) n.sgid = sgid;
  n.fsgid = n.egid;
  return n;
}

uint32_t SetFsgid(const Credentials& c, uint32_t fsgid, Credentials* out) {
  *out = c;
  if (fsgid == kNoId) return c.fsgid;
  if (IsOneOf(fsgid, c.rgid, c.egid, c.sgid) || fsgid == c.fsgid || c.Has(kCapSetgid)) {
    out->fsgid = fsgid;
  }
  return c.fsgid;
}

kstd::Result<Credentials> SetGroups(const Credentials& c, const uint32_t* groups, size_t count) {
  if (!c.Has(kCapSetgid)) return kstd::Error::kPermission;
  if (count > linux_abi::kNgroupsMax || count > Credentials::kMaxGroups) {
    return kstd::Error::kInvalid;
  }
  Credentials n = c;
  n.ngroups = 0;
  for (size_t i = 0; i < count; ++i) {
    // Insertion into the sorted list (duplicates stay, as Linux keeps them).
    uint32_t g = groups[i];
    uint32_t at = 0;
    while (at < n.ngroups && n.groups[at] <= g) ++at;
    for (uint32_t j = n.ngroups; j > at; --j) n.groups[j] = n.groups[j - 1];
    n.groups[at] = g;
    ++n.ngroups;
  }
  return n;
}

kstd::Result<Credentials> SetCapabilities(const Credentials& c, CapSet effective, CapSet permitted,
                                          CapSet inheritable) {
  if ((effective | permitted | inheritable) & ~kAllCaps) return kstd::Error::kPermission;
  if (!c.Has(kCapSetpcap) && !IsSubset(inheritable, c.inheritable | c.permitted)) {
    return kstd::Error::kPermission;
  }
  if (!IsSubset(inheritable, c.inheritable | c.bounding)) return kstd::Error::kPermission;
  if (!IsSubset(permitted, c.permitted)) return kstd::Error::kPermission;
  if (!IsSubset(effective, permitted)) return kstd::Error::kPermission;
  Credentials n = c;
  n.effective = effective;
  n.permitted = permitted;
  n.inheritable = inheritable;
  n.ambient &= permitted & inheritable;
  return n;
}

kstd::Result<Credentials> DropBounding(const Credentials& c, uint32_t cap) {
  if (!c.Has(kCapSetpcap)) return kstd::Error::kPermission;
  if (cap > linux_abi::kCapLastCap) return kstd::Error::kInvalid;
  Credentials n = c;
  n.bounding &= ~CapBit(cap);
  return n;
}

kstd::Result<Credentials> RaiseAmbient(const Credentials& c, uint32_t cap) {
  if (cap > linux_abi::kCapLastCap) return kstd::Error::kInvalid;
  if (!(c.permitted & CapBit(cap)) || !(c.inheritable & CapBit(cap))) {
    return kstd::Error::kPermission;
  }
  Credentials n = c;
  n.ambient |= CapBit(cap);
  return n;
}

Credentials LowerAmbient(const Credentials& c, uint32_t cap) {
  Credentials n = c;
  if (cap <= linux_abi::kCapLastCap) n.ambient &= ~CapBit(cap);
  return n;
}

Credentials ClearAmbient(const Credentials& c) {
  Credentials n = c;
  n.ambient = 0;
  return n;
}

ExecCredentials CredentialsForExec(const Credentials& c, const ExecFile& file) {
  Credentials n = c;
  if (!file.nosuid) {
    if (file.mode & linux_abi::kModeSetUid) n.euid = file.uid;
    if ((file.mode & linux_abi::kModeSetGid) && (file.mode & 0010)) n.egid = file.gid;
  }
  const bool is_setid = n.euid != c.ruid || n.egid != c.rgid;
  if (is_setid) n.ambient = 0;
  bool effective = false;
  n.permitted = 0;
  if (n.euid == 0 || n.ruid == 0) n.permitted = c.bounding | c.inheritable;
  if (n.euid == 0) effective = true;
  n.permitted |= n.ambient;
  n.effective = effective ? n.permitted : n.ambient;
  n.suid = n.fsuid = n.euid;
  n.sgid = n.fsgid = n.egid;
  n.keep_caps = false;
  ExecCredentials out;
  out.creds = n;
  const bool grew = !IsSubset(n.permitted, c.permitted | n.ambient);
  out.secure = is_setid || (n.ruid != 0 && (effective || grew));
  return out;
}

kstd::Result<void> CheckAccess(const Credentials& c, const FileOwnership& file, uint32_t want) {
  want &= kMayRead | kMayWrite | kMayExec;
  uint32_t bits = file.mode;
  if (c.fsuid == file.uid) {
    bits >>= 6;
  } else if (c.InGroup(file.gid)) {
    bits >>= 3;
  }
  if ((want & ~bits & 7) == 0) return kstd::Ok();
  const bool is_dir = (file.mode & linux_abi::kModeTypeMask) == linux_abi::kModeDirectory;
  if (is_dir) {
    if (!(want & kMayWrite) && c.Has(kCapDacReadSearch)) return kstd::Ok();
    if (c.Has(kCapDacOverride)) return kstd::Ok();
    return kstd::Error::kAccess;
  }
  if (want == kMayRead && c.Has(kCapDacReadSearch)) return kstd::Ok();
  if ((!(want & kMayExec) || (file.mode & 0111)) && c.Has(kCapDacOverride)) return kstd::Ok();
  return kstd::Error::kAccess;
}

bool OwnerOrCapable(const Credentials& c, uint32_t file_uid) {
  return c.fsuid == file_uid || c.Has(kCapFowner);
}

bool MayDeleteFromSticky(const Credentials& c, uint32_t dir_mode, uint32_t dir_uid,
                         uint32_t victim_uid) {
  if (!(dir_mode & linux_abi::kModeSticky)) return true;
  return c.fsuid == victim_uid || c.fsuid == dir_uid || c.Has(kCapFowner);
}

bool MaySignal(const Credentials& sender, const Credentials& target) {
  if (sender.euid == target.suid || sender.euid == target.ruid || sender.ruid == target.suid ||
      sender.ruid == target.ruid) {
    return true;
  }
  return sender.Has(kCapKill);
}

bool MayInspect(const Credentials& caller, const Credentials& target, bool dumpable) {
  const bool ptrace_cap = caller.Has(kCapSysPtrace);
  const bool same_ids = caller.fsuid == target.euid && caller.fsuid == target.suid &&
                        caller.fsuid == target.ruid && caller.fsgid == target.egid &&
                        caller.fsgid == target.sgid && caller.fsgid == target.rgid;
  if (!same_ids && !ptrace_cap) return false;
  if (!dumpable && !ptrace_cap) return false;
  if (!IsSubset(target.permitted, caller.effective) && !ptrace_cap) return false;
  return true;
}

}  // namespace core::posix
