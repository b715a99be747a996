// The C++ ABI hooks a freestanding kernel must provide itself. Kernel builds only.

#include "core/kernel/log.h"

extern "C" {

// Called if a pure virtual function is invoked through a partly built or
// destroyed object: always a kernel bug.
void __cxa_pure_virtual() { core::Panic("pure virtual function called"); }

// With -fno-use-cxa-atexit the compiler registers global destructors through
// atexit(). The kernel never exits, so they never run; nothing to record.
int atexit(void (*)()) { return 0; }

}  // extern "C"
