#include "core/random/kernel_random.h"

#include "hal/x86_64/cpu.h"

namespace core::random {
namespace {

// Entropy for /dev/random: the jitter of the TSC and RDRAND where the CPU has it.
class CpuEntropy final : public vfs::EntropySource {
 public:
  size_t Gather(kstd::Span<uint8_t> out) override {
    bool rdrand = (hal::x86_64::Cpuid(1).ecx >> 30) & 1;
    size_t real = 0;
    for (size_t i = 0; i < out.size(); i += 8) {
      uint64_t v = hal::x86_64::ReadTsc();
      if (rdrand) {
        uint64_t r;
        unsigned char ok;
        asm volatile("rdrand %0; setc %1" : "=r"(r), "=qm"(ok));
        if (ok) {
          v ^= r;
          real += 8;
        }
      }
      for (size_t b = 0; b < 8 && i + b < out.size(); ++b) out[i + b] = static_cast<uint8_t>(v >> (8 * b));
    }
    return real > out.size() ? out.size() : real;
  }
};
CpuEntropy g_entropy;
vfs::Csprng g_csprng(&g_entropy);

}  // namespace

vfs::Csprng& KernelCsprng() { return g_csprng; }

bool SeedKernelCsprng() { return g_csprng.Seed(); }

void RandomBytes(kstd::Span<uint8_t> out) { g_csprng.Generate(out); }

}  // namespace core::random
