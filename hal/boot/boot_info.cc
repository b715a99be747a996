#include "hal/boot/boot_info.h"

namespace hal {

namespace {
constexpr bool IsBlank(char c) { return c == ' ' || c == '\t'; }
}  // namespace

const char* ModuleName(const BootModule& module, char* buf, size_t len) {
  size_t start = 0;
  while (start < BootModule::kMaxCmdline && IsBlank(module.cmdline[start])) ++start;
  size_t n = 0;
  while (start + n < BootModule::kMaxCmdline && module.cmdline[start + n] != '\0' &&
         !IsBlank(module.cmdline[start + n])) {
    ++n;
  }
  if (n >= len) return nullptr;  // also covers len == 0
  for (size_t i = 0; i < n; ++i) buf[i] = module.cmdline[start + i];
  buf[n] = '\0';
  return buf;
}

}  // namespace hal
