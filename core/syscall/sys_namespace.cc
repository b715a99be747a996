// Linux namespace calls: unshare(2) and setns(2). Tessera has UTS
// namespaces (core/proc/uts_namespace.h) and mount namespaces
// (core/vfs/mount_namespace.h): unshare(CLONE_NEWUTS / CLONE_NEWNS) gives the
// caller a copy of its own, setns moves it into the one an open
// /proc/<pid>/ns/uts or /proc/<pid>/ns/mnt names (a mount namespace's root
// becomes the caller's root and cwd, as Linux does); clone(CLONE_NEWUTS /
// CLONE_NEWNS) is in sys_lifecycle.cc. A copied mount namespace shares the
// file systems; their servers stop with their last mount (sys_fs_mount.cc).
// And PID namespaces (core/proc/pid_namespace.h): unshare(CLONE_NEWPID)
// sends the caller's later children to a new one, setns with an open
// /proc/<pid>/ns/pid (or pid_for_children) to that one if it is the
// caller's or below it (clone(CLONE_NEWPID) is in sys_lifecycle.cc).
// Every other kind is one namespace for the whole system and is refused
// (EINVAL, counted): user, network, IPC, cgroup and time namespaces would
// each need their subsystem to keep per-namespace state. Namespaces belong
// to the process here (Linux: to each thread), so a process with several
// threads cannot change them (refused).

#include "abi/linux/capability.h"
#include "abi/linux/sched.h"
#include "core/events/pidfd.h"
#include "core/fd/fd_table.h"
#include "core/proc/process.h"
#include "core/proc/uts_namespace.h"
#include "core/procfs/procfs.h"
#include "core/syscall/sys_common.h"
#include "core/syscall/sys_credentials.h"
#include "core/unsupported/refusals.h"

namespace core::syscall {

namespace {

// What unshare(2) takes at all (Linux's check_unshare_flags).
constexpr uint64_t kUnshareKnown =
    linux_abi::kCloneThread | linux_abi::kCloneFs | linux_abi::kCloneSighand | linux_abi::kCloneVm |
    linux_abi::kCloneFiles | linux_abi::kCloneSysvsem | linux_abi::kCloneNewNamespaces;
// What a process with one thread has to itself already: unsharing it
// changes nothing.
constexpr uint64_t kAlreadyPrivate = linux_abi::kCloneThread | linux_abi::kCloneSighand |
                                     linux_abi::kCloneVm | linux_abi::kCloneFs |
                                     linux_abi::kCloneFiles;

// setns into a PID namespace: where the caller's later children go. Linux
// takes only the caller's own namespace or one below it (EINVAL).
kstd::Result<uint64_t> SetnsPid(const kstd::RefPtr<PidNamespace>& ns, int32_t nstype) {
  if (nstype != 0 && static_cast<uint64_t>(nstype) != linux_abi::kCloneNewPid)
    return kstd::Error::kInvalid;  // not the kind asked for
  if (!Capable(linux_abi::kCapSysAdmin)) return kstd::Error::kPermission;
  Process* self = CurrentProcess();
  if (!self->pid_namespace()->Encloses(ns.get())) return kstd::Error::kInvalid;
  if (self->live_threads() > 1) return Refuse("setns", "threaded", linux_abi::kCloneNewPid);
  self->SetPidNamespaceForChildren(ns);
  return 0;
}

}  // namespace

kstd::Result<uint64_t> SysLinuxUnshare(uint64_t flags) {
  if ((flags & ~kUnshareKnown) != 0) return kstd::Error::kInvalid;
  constexpr uint64_t kOwnKinds =
      linux_abi::kCloneNewUts | linux_abi::kCloneNewNs | linux_abi::kCloneNewPid;
  uint64_t refused =
      flags & ((linux_abi::kCloneNewNamespaces & ~kOwnKinds) | linux_abi::kCloneSysvsem);
  if (refused != 0) return Refuse("unshare", "flags", refused);
  Process* self = CurrentProcess();
  const bool threaded = self->live_threads() > 1;
  if (threaded) {
    // Linux: a multi-threaded process cannot leave its thread group, memory
    // or signal handlers (EINVAL); a thread's own fd table, fs context or
    // UTS or mount namespace Tessera does not have (Linux's CLONE_NEWNS
    // implies CLONE_FS, the thread's own fs context).
    if ((flags & (linux_abi::kCloneThread | linux_abi::kCloneSighand | linux_abi::kCloneVm)) != 0) {
      return kstd::Error::kInvalid;
    }
    uint64_t per_thread = flags & (linux_abi::kCloneFs | linux_abi::kCloneFiles | kOwnKinds);
    if (per_thread != 0) return Refuse("unshare", "threaded", per_thread);
  }
  if ((flags & kOwnKinds) == 0) return 0;  // kAlreadyPrivate only
  static_assert((kAlreadyPrivate & kOwnKinds) == 0);
  if (!Capable(linux_abi::kCapSysAdmin)) return kstd::Error::kPermission;
  // CLONE_NEWPID: the caller's later children go to a new namespace below
  // its own, the first of them as its pid 1 (Linux: EINVAL if an earlier
  // unshare or setns already chose another one).
  if ((flags & linux_abi::kCloneNewPid) &&
      self->pid_namespace_for_children().get() != self->pid_namespace()) {
    return kstd::Error::kInvalid;
  }
  // Every new namespace is made before any is taken: a failure changes
  // nothing.
  kstd::RefPtr<UtsNamespace> uts;
  if (flags & linux_abi::kCloneNewUts) uts = TRY(UtsNamespace::CopyOf(*self->uts_namespace()));
  kstd::RefPtr<vfs::MountNamespace> mounts;
  if (flags & linux_abi::kCloneNewNs) {
    kstd::RefPtr<vfs::MountNamespace> current = self->mount_namespace();
    if (!current) return kstd::Error::kNotFound;  // (cannot happen: the caller runs)
    mounts = TRY(vfs::MountNamespace::CopyOf(*current));
  }
  kstd::RefPtr<PidNamespace> pid_ns;
  if (flags & linux_abi::kCloneNewPid) {
    pid_ns = TRY(PidNamespace::CreateChild(self->pid_namespace()));
  }
  if (uts) self->SetUtsNamespace(kstd::Move(uts));
  if (mounts) self->SetMountNamespace(kstd::Move(mounts));
  if (pid_ns) self->SetPidNamespaceForChildren(kstd::Move(pid_ns));
  return 0;
}

namespace {

// setns into a mount namespace (Linux's mntns_install: CAP_SYS_ADMIN and
// CAP_SYS_CHROOT, an fs context of its own).
kstd::Result<uint64_t> EnterMountNamespace(Process* self, kstd::RefPtr<vfs::MountNamespace> ns,
                                           int32_t nstype) {
  if (nstype != 0 && static_cast<uint64_t>(nstype) != linux_abi::kCloneNewNs) {
    return kstd::Error::kInvalid;  // not the kind asked for
  }
  if (!Capable(linux_abi::kCapSysAdmin) || !Capable(linux_abi::kCapSysChroot)) {
    return kstd::Error::kPermission;
  }
  if (self->live_threads() > 1) return Refuse("setns", "threaded", linux_abi::kCloneNewNs);
  TRY(self->EnterMountNamespace(kstd::Move(ns)));
  return 0;
}

}  // namespace

kstd::Result<uint64_t> SysLinuxSetns(int32_t fd, int32_t nstype) {
  Process* self = CurrentProcess();
  auto file = TRY(self->fds()->Get(fd));
  if (events::ProcessOfPidFd(file.get()).ok()) {
    return Refuse("setns", "pidfd", static_cast<uint32_t>(nstype));  // Linux 5.8's form
  }
  vfs::Vnode* v = file->vnode();
  if (v == nullptr) return kstd::Error::kInvalid;
  if (auto mounts = procfs::MountNamespaceOfFile(v); mounts.ok()) {
    return EnterMountNamespace(self, mounts.release_value(), nstype);
  }
  if (auto pid_ns = procfs::PidNamespaceOfFile(v); pid_ns.ok()) {
    return SetnsPid(pid_ns.value(), nstype);
  }
  auto ns = procfs::NamespaceOfFile(v);
  if (ns.is_error()) {
    // Another kind: there is only one of it, but moving into it is refused.
    if (ns.error() == kstd::Error::kNotSupported) {
      return Refuse("setns", "nstype", static_cast<uint32_t>(nstype));
    }
    return kstd::Error::kInvalid;  // not a namespace file
  }
  if (nstype != 0 && static_cast<uint64_t>(nstype) != linux_abi::kCloneNewUts) {
    return kstd::Error::kInvalid;  // not the kind asked for
  }
  if (!Capable(linux_abi::kCapSysAdmin)) return kstd::Error::kPermission;
  if (self->live_threads() > 1) return Refuse("setns", "threaded", linux_abi::kCloneNewUts);
  self->SetUtsNamespace(ns.release_value());
  return 0;
}

}  // namespace core::syscall
