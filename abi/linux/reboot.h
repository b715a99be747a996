#pragma once

// Linux reboot(2) ABI (include/uapi/linux/reboot.h): the magic numbers the
// call must be given and its commands.

#include <stdint.h>

namespace linux_abi {

inline constexpr uint32_t kRebootMagic1 = 0xfee1dead;
/// LINUX_REBOOT_MAGIC2, 2A, 2B, 2C: any of them is accepted.
inline constexpr uint32_t kRebootMagic2[] = {672274793, 85072278, 369367448, 537993216};

inline constexpr uint32_t kRebootCmdRestart = 0x01234567;
inline constexpr uint32_t kRebootCmdHalt = 0xCDEF0123;
inline constexpr uint32_t kRebootCmdPowerOff = 0x4321FEDC;
inline constexpr uint32_t kRebootCmdCadOn = 0x89ABCDEF;
inline constexpr uint32_t kRebootCmdCadOff = 0x00000000;

}  // namespace linux_abi
