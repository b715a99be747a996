#pragma once

// x86-64 per-thread CPU state kept outside the stack.

#include <stddef.h>
#include <stdint.h>

namespace hal {

struct ThreadContext {
  uint64_t saved_rsp = 0;   // kernel rsp while switched out (callee-saved regs on top)
  uint64_t stack_base = 0;  // kernel stack [base, base + size)
  uint64_t stack_size = 0;
  uint64_t fs_base = 0;  // user TLS base (arch_prctl ARCH_SET_FS)
  // FXSAVE image: x87, MMX and SSE state (Intel SDM vol. 1 §10.5.1), 16-aligned.
  alignas(16) uint8_t fpu_state[512] = {};
};

}  // namespace hal
