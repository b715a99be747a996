#include "core/crypto/kernel_random.h"

#include "hal/entropy.h"

namespace core::crypto {
namespace {

// Entropy for /dev/random: the HAL's sources (hal/entropy.h).
class HalEntropy final : public EntropySource {
 public:
  size_t Gather(kstd::Span<uint8_t> out) override { return hal::GatherEntropy(out); }
};
HalEntropy g_entropy;
Csprng g_csprng(&g_entropy);

}  // namespace

Csprng& KernelCsprng() { return g_csprng; }

bool SeedKernelCsprng() { return g_csprng.Seed(); }

void RandomBytes(kstd::Span<uint8_t> out) { g_csprng.Generate(out); }

}  // namespace core::crypto
