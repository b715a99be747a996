#pragma once

// Linux syslog(2) actions (include/linux/syslog.h; glibc's klogctl passes
// them through), and the size limits of the kernel log's interfaces.

#include <stddef.h>
#include <stdint.h>

namespace linux_abi {

inline constexpr int kSyslogActionClose = 0;
inline constexpr int kSyslogActionOpen = 1;
inline constexpr int kSyslogActionRead = 2;          // consuming, blocks while empty
inline constexpr int kSyslogActionReadAll = 3;       // the newest records that fit
inline constexpr int kSyslogActionReadClear = 4;     // READ_ALL, then CLEAR
inline constexpr int kSyslogActionClear = 5;         // READ_ALL starts after what is there now
inline constexpr int kSyslogActionConsoleOff = 6;    // only emergencies on the console
inline constexpr int kSyslogActionConsoleOn = 7;     // the level before CONSOLE_OFF
inline constexpr int kSyslogActionConsoleLevel = 8;  // length = the level (1..8)
inline constexpr int kSyslogActionSizeUnread = 9;
inline constexpr int kSyslogActionSizeBuffer = 10;

}  // namespace linux_abi
