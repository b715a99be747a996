// Linux calls on the system as a whole: uname, sysinfo, personality, and
// reboot: power off, halt and restart, after the user-space file systems
// flushed and unmounted cleanly. Everyone is root (CAP_SYS_BOOT).
//
// Powering off ends QEMU through isa-debug-exit (status 0) where it is
// attached; otherwise the CPU halts (ACPI S5 needs the DSDT's \_S5 package,
// which Tessera does not interpret yet). Restart resets the chipset.

#include "core/fs/remote_mounts.h"
#include "core/kernel/log.h"
#include "core/kernel/memory.h"
#include "core/procfs/sysinfo.h"
#include "core/procfs/uts_names.h"
#include "core/syscall/sys_common.h"
#include "core/syscall/sys_credentials.h"
#include "hal/machine.h"
#include "hal/timer.h"
#include "kstd/string.h"

namespace core::syscall {

using fs::SyncRemoteFileSystems;
using fs::UnmountRemoteFileSystems;

namespace {

constexpr uint32_t kMagic1 = 0xfee1dead;
constexpr uint32_t kMagic2[] = {672274793, 85072278, 369367448, 537993216};
constexpr uint32_t kCmdRestart = 0x01234567;
constexpr uint32_t kCmdHalt = 0xCDEF0123;
constexpr uint32_t kCmdPowerOff = 0x4321FEDC;
constexpr uint32_t kCmdCadOn = 0x89ABCDEF;
constexpr uint32_t kCmdCadOff = 0x00000000;

}  // namespace

kstd::Result<uint64_t> SysLinuxReboot(uint32_t magic1, uint32_t magic2, uint32_t cmd,
                                      uint64_t arg) {
  if (!Capable(linux_abi::kCapSysBoot)) return kstd::Error::kPermission;
  bool magic_ok = false;
  for (uint32_t m : kMagic2) magic_ok |= magic2 == m;
  if (magic1 != kMagic1 || !magic_ok) return kstd::Error::kInvalid;
  switch (cmd) {
    case kCmdCadOn:
    case kCmdCadOff:
      // Ctrl-Alt-Del has no key on a serial console: nothing to route.
      return 0;
    case kCmdPowerOff:
    case kCmdHalt:
    case kCmdRestart: {
      Process* self = CurrentProcess();
      Log("kernel", "%s requested by pid %lu (%s): unmounting file systems",
          cmd == kCmdRestart ? "restart"
          : cmd == kCmdHalt  ? "halt"
                             : "power off",
          self->pid(), self->name());
      SyncRemoteFileSystems();
      UnmountRemoteFileSystems();
      if (cmd == kCmdRestart) hal::ResetMachine();
      Log("kernel", "%s", "power down");
      hal::ExitMachine(0);
    }
    default: return kstd::Error::kInvalid;  // incl. RESTART2 and KEXEC: not supported
  }
}

namespace {

// The host and domain names uname reports are the caller's UTS
// namespace's (core/procfs/uts_names.h), shared with
// /proc/sys/kernel/{hostname,domainname}. The callers check CAP_SYS_ADMIN.
kstd::Result<uint64_t> SetName(bool host, UserPtr<const char> user, int32_t len) {
  if (len < 0 || len > 64) return kstd::Error::kInvalid;
  char copy[procfs::kUtsNameLength] = {};
  if (len > 0) TRY(user.CopyIn(copy, static_cast<size_t>(len)));
  procfs::SetUtsName(host, copy, static_cast<size_t>(len));
  return 0;
}

}  // namespace

kstd::Result<uint64_t> SysLinuxSethostname(UserPtr<const char> name, int32_t len) {
  if (!Capable(linux_abi::kCapSysAdmin)) return kstd::Error::kPermission;
  return SetName(true, name, len);
}

kstd::Result<uint64_t> SysLinuxSetdomainname(UserPtr<const char> name, int32_t len) {
  if (!Capable(linux_abi::kCapSysAdmin)) return kstd::Error::kPermission;
  return SetName(false, name, len);
}

kstd::Result<uint64_t> SysLinuxUname(UserPtr<void> buf) {
  // struct utsname: six 65-byte fields.
  char u[6][65] = {};
  kstd::CopyString(u[0], 65, procfs::kOsType);
  kstd::CopyString(u[2], 65, procfs::kOsRelease);
  kstd::CopyString(u[3], 65, procfs::kOsVersion);
  kstd::CopyString(u[4], 65, "x86_64");
  procfs::GetUtsName(true, u[1]);
  procfs::GetUtsName(false, u[5]);
  TRY(buf.CopyOut(u, sizeof u));
  return 0;
}

kstd::Result<uint64_t> SysLinuxSysinfo(UserPtr<void> info) {
  // struct sysinfo (x86-64): 112 bytes.
  struct {
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs;
    uint16_t pad;
    uint32_t pad2;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
    char reserved[4];
  } si = {};
  static_assert(sizeof(si) == 112);
  si.uptime = static_cast<int64_t>(hal::MonotonicNanos() / 1'000'000'000ULL);
  procfs::SysinfoLoads(si.loads);
  mm::PmmStats st = Pmm().Stats();
  si.totalram = st.total_pages * 4096;
  si.freeram = st.free_pages * 4096;
  si.mem_unit = 1;
  uint16_t procs = 0;
  Process::ForEach([](Process*, void* c) { ++*static_cast<uint16_t*>(c); }, &procs);
  si.procs = procs;
  TRY(info.CopyOut(&si, sizeof si));
  return 0;
}

kstd::Result<uint64_t> SysLinuxPersonality(uint32_t persona) {
  // Only PER_LINUX (0) exists here; 0xffffffff queries.
  if (persona != 0 && persona != 0xFFFFFFFFu) return kstd::Error::kInvalid;
  return 0;
}

}  // namespace core::syscall
