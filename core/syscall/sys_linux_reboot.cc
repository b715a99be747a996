// reboot(2): power off, halt and restart, after the user-space file systems
// flushed and unmounted cleanly. Everyone is root (CAP_SYS_BOOT).
//
// Powering off ends QEMU through isa-debug-exit (status 0) where it is
// attached; otherwise the CPU halts (ACPI S5 needs the DSDT's \_S5 package,
// which Tessera does not interpret yet). Restart resets the chipset.

#include "core/kernel/log.h"
#include "core/fs/remote_mounts.h"
#include "core/syscall/sys_common.h"
#include "hal/machine.h"

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
          cmd == kCmdRestart ? "restart" : cmd == kCmdHalt ? "halt" : "power off", self->pid(),
          self->name());
      SyncRemoteFileSystems();
      UnmountRemoteFileSystems();
      if (cmd == kCmdRestart) hal::ResetMachine();
      Log("kernel", "%s", "power down");
      hal::ExitMachine(0);
    }
    default:
      return kstd::Error::kInvalid;  // incl. RESTART2 and KEXEC: not supported
  }
}

}  // namespace core::syscall
