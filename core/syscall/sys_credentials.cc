// Linux credential calls: get/set of real, effective, saved and fs user and
// group ids, supplementary groups, capget/capset and prctl's capability
// options. The rules are core/posix/credentials.h's; this file copies
// arguments in and out and stores the result in the process.

#include "core/syscall/sys_credentials.h"

#include "abi/linux/capability.h"
#include "core/posix/credentials.h"
#include "core/syscall/pid_view.h"
#include "core/syscall/sys_common.h"
#include "core/unsupported/refusals.h"

namespace core::syscall {
namespace {

using posix::Credentials;

Credentials Mine() { return CurrentProcess()->credentials(); }

kstd::Result<uint64_t> Store(kstd::Result<Credentials> changed) {
  if (changed.is_error()) return changed.error();
  CurrentProcess()->SetCredentials(changed.value());
  return 0;
}

kstd::Result<uint64_t> CopyOutIds(UserPtr<uint32_t> a, UserPtr<uint32_t> b, UserPtr<uint32_t> c,
                                  uint32_t va, uint32_t vb, uint32_t vc) {
  TRY(a.CopyOut(&va));
  TRY(b.CopyOut(&vb));
  TRY(c.CopyOut(&vc));
  return 0;
}

// capget/capset's header: versions 2 and 3 move two data records, version
// 1 one. An unknown version is EINVAL, and the kernel's preferred version
// is written back (what libcap probes with).
kstd::Result<uint32_t> DataRecords(UserPtr<void> header_ptr, linux_abi::CapUserHeader* header) {
  UserPtr<linux_abi::CapUserHeader> h(header_ptr.address());
  TRY(h.CopyIn(header));
  switch (header->version) {
    case linux_abi::kCapVersion1: return 1;
    case linux_abi::kCapVersion2:
    case linux_abi::kCapVersion3: return 2;
    default: {
      linux_abi::CapUserHeader fixed = *header;
      fixed.version = linux_abi::kCapVersion3;
      TRY(h.CopyOut(&fixed));
      return kstd::Error::kInvalid;
    }
  }
}

}  // namespace

kstd::Result<uint64_t> SysLinuxGetuid() { return Mine().ruid; }
kstd::Result<uint64_t> SysLinuxGeteuid() { return Mine().euid; }
kstd::Result<uint64_t> SysLinuxGetgid() { return Mine().rgid; }
kstd::Result<uint64_t> SysLinuxGetegid() { return Mine().egid; }

kstd::Result<uint64_t> SysLinuxSetuid(uint32_t uid) { return Store(posix::SetUid(Mine(), uid)); }
kstd::Result<uint64_t> SysLinuxSetgid(uint32_t gid) { return Store(posix::SetGid(Mine(), gid)); }

kstd::Result<uint64_t> SysLinuxSetreuid(uint32_t ruid, uint32_t euid) {
  return Store(posix::SetReuid(Mine(), ruid, euid));
}

kstd::Result<uint64_t> SysLinuxSetregid(uint32_t rgid, uint32_t egid) {
  return Store(posix::SetRegid(Mine(), rgid, egid));
}

kstd::Result<uint64_t> SysLinuxSetresuid(uint32_t ruid, uint32_t euid, uint32_t suid) {
  return Store(posix::SetResuid(Mine(), ruid, euid, suid));
}

kstd::Result<uint64_t> SysLinuxSetresgid(uint32_t rgid, uint32_t egid, uint32_t sgid) {
  return Store(posix::SetResgid(Mine(), rgid, egid, sgid));
}

kstd::Result<uint64_t> SysLinuxGetresuid(UserPtr<uint32_t> ruid, UserPtr<uint32_t> euid,
                                         UserPtr<uint32_t> suid) {
  Credentials c = Mine();
  return CopyOutIds(ruid, euid, suid, c.ruid, c.euid, c.suid);
}

kstd::Result<uint64_t> SysLinuxGetresgid(UserPtr<uint32_t> rgid, UserPtr<uint32_t> egid,
                                         UserPtr<uint32_t> sgid) {
  Credentials c = Mine();
  return CopyOutIds(rgid, egid, sgid, c.rgid, c.egid, c.sgid);
}

kstd::Result<uint64_t> SysLinuxSetfsuid(uint32_t uid) {
  Credentials changed;
  uint32_t old = posix::SetFsuid(Mine(), uid, &changed);
  CurrentProcess()->SetCredentials(changed);
  return old;
}

kstd::Result<uint64_t> SysLinuxSetfsgid(uint32_t gid) {
  Credentials changed;
  uint32_t old = posix::SetFsgid(Mine(), gid, &changed);
  CurrentProcess()->SetCredentials(changed);
  return old;
}

// getgroups(0, _) is the count; a smaller non-zero size than the count is
// EINVAL.
kstd::Result<uint64_t> SysLinuxGetgroups(int32_t size, UserPtr<void> list) {
  if (size < 0) return kstd::Error::kInvalid;
  Credentials c = Mine();
  if (size == 0) return c.ngroups;
  if (static_cast<uint32_t>(size) < c.ngroups) return kstd::Error::kInvalid;
  if (c.ngroups > 0) TRY(UserPtr<uint32_t>(list.address()).CopyOut(c.groups, c.ngroups));
  return c.ngroups;
}

kstd::Result<uint64_t> SysLinuxSetgroups(int32_t size, UserPtr<const void> list) {
  Credentials c = Mine();
  if (!c.Has(linux_abi::kCapSetgid)) return kstd::Error::kPermission;
  if (size < 0 || static_cast<uint32_t>(size) > linux_abi::kNgroupsMax) {
    return kstd::Error::kInvalid;
  }
  if (static_cast<uint32_t>(size) > Credentials::kMaxGroups) {
    return Refuse("setgroups", "count", static_cast<uint32_t>(size));
  }
  uint32_t groups[Credentials::kMaxGroups];
  if (size > 0) {
    TRY(UserPtr<const uint32_t>(list.address()).CopyIn(groups, static_cast<size_t>(size)));
  }
  return Store(posix::SetGroups(c, groups, static_cast<size_t>(size)));
}

kstd::Result<uint64_t> SysLinuxCapget(UserPtr<void> header_ptr, UserPtr<void> data_ptr) {
  linux_abi::CapUserHeader header;
  auto checked = DataRecords(header_ptr, &header);
  // A probe without data learns the version: success, as Linux.
  if (checked.is_error()) {
    return checked.error() == kstd::Error::kInvalid && data_ptr.address() == 0
               ? kstd::Result<uint64_t>(0)
               : kstd::Result<uint64_t>(checked.error());
  }
  const uint32_t records = checked.value();
  if (header.pid < 0) return kstd::Error::kInvalid;
  Credentials c;
  if (header.pid == 0 || PidFromUser(header.pid) == CurrentProcess()->pid()) {
    c = Mine();
  } else {
    kstd::RefPtr<Process> target = FindProcessFromUser(header.pid);
    if (!target) return kstd::Error::kSearch;
    c = target->credentials();
  }
  if (data_ptr.address() == 0) return 0;  // a version probe
  linux_abi::CapUserData data[2];
  for (uint32_t i = 0; i < 2; ++i) {
    data[i].effective = static_cast<uint32_t>(c.effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(c.permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(c.inheritable >> (32 * i));
  }
  TRY(UserPtr<linux_abi::CapUserData>(data_ptr.address()).CopyOut(data, records));
  return 0;
}

// capset changes only the caller's own sets (Linux since 2.6.24).
kstd::Result<uint64_t> SysLinuxCapset(UserPtr<void> header_ptr, UserPtr<const void> data_ptr) {
  linux_abi::CapUserHeader header;
  const uint32_t records = TRY(DataRecords(header_ptr, &header));
  if (header.pid != 0 && static_cast<uint64_t>(header.pid) != CurrentProcess()->pid()) {
    return kstd::Error::kPermission;
  }
  linux_abi::CapUserData data[2] = {};
  TRY(UserPtr<const linux_abi::CapUserData>(data_ptr.address()).CopyIn(data, records));
  posix::CapSet e = 0, p = 0, i = 0;
  for (uint32_t r = 0; r < records; ++r) {
    e |= posix::CapSet{data[r].effective} << (32 * r);
    p |= posix::CapSet{data[r].permitted} << (32 * r);
    i |= posix::CapSet{data[r].inheritable} << (32 * r);
  }
  Credentials c = Mine();
  if (records == 1) {
    // Version 1 speaks for the low 32 capabilities; the rest stay as they are.
    constexpr posix::CapSet kHigh = ~posix::CapSet{0xFFFFFFFFu};
    e |= c.effective & kHigh;
    p |= c.permitted & kHigh;
    i |= c.inheritable & kHigh;
  }
  // Capabilities beyond the last one are ignored, as Linux masks them.
  e &= posix::kAllCaps;
  p &= posix::kAllCaps;
  i &= posix::kAllCaps;
  return Store(posix::SetCapabilities(c, e, p, i));
}

kstd::Result<uint64_t> PrctlCredentials(int32_t option, uint64_t arg2, uint64_t arg3, uint64_t arg4,
                                        uint64_t arg5) {
  constexpr int32_t kPrSetPdeathsig = 1, kPrGetPdeathsig = 2, kPrGetDumpable = 3,
                    kPrSetDumpable = 4, kPrSetChildSubreaper = 36, kPrGetChildSubreaper = 37,
                    kPrSetNoNewPrivs = 38, kPrGetNoNewPrivs = 39;
  Process* self = CurrentProcess();
  switch (option) {
    case kPrSetPdeathsig:
      if (arg2 > static_cast<uint64_t>(linux_abi::kNumSignals)) return kstd::Error::kInvalid;
      self->set_parent_death_signal(static_cast<int>(arg2));
      return 0;
    case kPrGetPdeathsig: {
      const int32_t signo = self->parent_death_signal();
      TRY(UserPtr<int32_t>(arg2).CopyOut(&signo));
      return 0;
    }
    case kPrSetChildSubreaper: self->set_child_subreaper(arg2 != 0); return 0;
    case kPrGetChildSubreaper: {
      const int32_t on = self->child_subreaper() ? 1 : 0;
      TRY(UserPtr<int32_t>(arg2).CopyOut(&on));
      return 0;
    }
    case kPrSetNoNewPrivs:
      if (arg2 != 1 || arg3 != 0 || arg4 != 0 || arg5 != 0) return kstd::Error::kInvalid;
      self->set_no_new_privs();
      return 0;
    case kPrGetNoNewPrivs:
      if (arg2 != 0 || arg3 != 0 || arg4 != 0 || arg5 != 0) return kstd::Error::kInvalid;
      return self->no_new_privs() ? 1 : 0;
    case kPrGetDumpable: return self->dumpable() ? 1 : 0;
    case kPrSetDumpable:
      if (arg2 > 1) return kstd::Error::kInvalid;
      self->set_dumpable(arg2 == 1);
      return 0;
    case linux_abi::kPrGetKeepCaps: return Mine().keep_caps ? 1 : 0;
    case linux_abi::kPrSetKeepCaps: {
      if (arg2 > 1) return kstd::Error::kInvalid;
      Credentials c = Mine();
      c.keep_caps = arg2 == 1;
      self->SetCredentials(c);
      return 0;
    }
    case linux_abi::kPrCapBsetRead:
      if (arg2 > linux_abi::kCapLastCap) return kstd::Error::kInvalid;
      return (Mine().bounding & posix::CapBit(static_cast<uint32_t>(arg2))) ? 1 : 0;
    case linux_abi::kPrCapBsetDrop:
      return Store(posix::DropBounding(
          Mine(), arg2 > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(arg2)));
    case linux_abi::kPrCapAmbient: {
      if (arg2 == linux_abi::kPrCapAmbientClearAll) {
        if (arg3 != 0 || arg4 != 0 || arg5 != 0) return kstd::Error::kInvalid;
        self->SetCredentials(posix::ClearAmbient(Mine()));
        return 0;
      }
      if (arg4 != 0 || arg5 != 0 || arg3 > linux_abi::kCapLastCap) return kstd::Error::kInvalid;
      const uint32_t cap = static_cast<uint32_t>(arg3);
      switch (arg2) {
        case linux_abi::kPrCapAmbientIsSet: return (Mine().ambient & posix::CapBit(cap)) ? 1 : 0;
        case linux_abi::kPrCapAmbientRaise: return Store(posix::RaiseAmbient(Mine(), cap));
        case linux_abi::kPrCapAmbientLower:
          self->SetCredentials(posix::LowerAmbient(Mine(), cap));
          return 0;
        default: return kstd::Error::kInvalid;
      }
    }
    default: return kstd::Error::kNotSupported;
  }
}

}  // namespace core::syscall
