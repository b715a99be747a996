// The sinks of LWIP_PLATFORM_ASSERT and LWIP_PLATFORM_DIAG (arch/cc.h).
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "servers/net/lwip_port/port_hooks.h"

extern "C" void lwip_port_assert_failed(const char* message, const char* file, int line) {
  fprintf(stderr, "lwIP assertion failed: %s at %s:%d\n", message, file, line);
  fflush(stderr);
  abort();
}

extern "C" void lwip_port_diag(const char* format, ...) {
  va_list args;
  va_start(args, format);
  vfprintf(stderr, format, args);
  va_end(args);
}
