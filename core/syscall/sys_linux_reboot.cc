// reboot(2): power off, halt and restart, after the user-space file systems
// flushed and unmounted cleanly. Everyone is root (CAP_SYS_BOOT).
//
// Powering off ends QEMU through isa-debug-exit (status 0) where it is
// attached; otherwise the CPU halts (ACPI S5 needs the DSDT's \_S5 package,
// which Tessera does not interpret yet). Restart resets the chipset.

#include "abi/linux/reboot.h"
#include "core/kernel/log.h"
#include "core/syscall/sys_common.h"
#include "hal/machine.h"

namespace core::syscall {

int64_t SysLinuxReboot(uint32_t magic1, uint32_t magic2, uint32_t cmd, uint64_t arg) {
  bool magic_ok = false;
  for (uint32_t m : linux_abi::kRebootMagic2) magic_ok |= magic2 == m;
  if (magic1 != linux_abi::kRebootMagic1 || !magic_ok) return Errno(kstd::Error::kInvalid);
  switch (cmd) {
    case linux_abi::kRebootCmdCadOn:
    case linux_abi::kRebootCmdCadOff:
      // Ctrl-Alt-Del has no key on a serial console: nothing to route.
      return 0;
    case linux_abi::kRebootCmdPowerOff:
    case linux_abi::kRebootCmdHalt:
    case linux_abi::kRebootCmdRestart: {
      Process* self = CurrentProcess();
      Log("kernel", "%s requested by pid %lu (%s): unmounting file systems",
          cmd == linux_abi::kRebootCmdRestart ? "restart"
          : cmd == linux_abi::kRebootCmdHalt  ? "halt"
                                              : "power off",
          self->pid(), self->name());
      SyncRemoteFileSystems();
      UnmountRemoteFileSystems();
      if (cmd == linux_abi::kRebootCmdRestart) hal::ResetMachine();
      Log("kernel", "%s", "power down");
      hal::ExitMachine(0);
    }
    default:
      return Errno(kstd::Error::kInvalid);  // incl. RESTART2 and KEXEC: not supported
  }
}

}  // namespace core::syscall
