// hal/entropy.h on x86-64: RDRAND (Intel SDM vol. 2B; CPUID.1:ECX bit 30) where
// the CPU has it, XORed into the TSC's jitter.

#include "hal/entropy.h"

#include "hal/x86_64/cpu.h"

namespace hal {
namespace {

constexpr uint32_t kCpuidRdrandBit = 30;  // CPUID.1:ECX

}  // namespace

size_t GatherEntropy(kstd::Span<uint8_t> out) {
  const bool rdrand = (x86_64::Cpuid(1).ecx >> kCpuidRdrandBit) & 1;
  size_t real = 0;
  for (size_t i = 0; i < out.size(); i += 8) {
    uint64_t v = x86_64::ReadTsc();
    if (rdrand) {
      uint64_t r;
      unsigned char ok;
      asm volatile("rdrand %0; setc %1" : "=r"(r), "=qm"(ok));
      if (ok) {
        v ^= r;
        real += 8;
      }
    }
    for (size_t b = 0; b < 8 && i + b < out.size(); ++b)
      out[i + b] = static_cast<uint8_t>(v >> (8 * b));
  }
  return real > out.size() ? out.size() : real;
}

}  // namespace hal
