// hal/tlb.h on x86-64: INVLPG per page (Intel SDM vol. 3A §4.10.4.1), or a CR3
// reload (which keeps global kernel entries) for long ranges.

#include "hal/tlb.h"

#include "hal/x86_64/cpu.h"

namespace hal {
namespace {

constexpr uint64_t kPage = 4096;
// Past this many pages one CR3 reload is cheaper than INVLPG per page.
constexpr uint64_t kMaxPagesByInvlpg = 64;

}  // namespace

void FlushTlb(uint64_t root, const TlbFlush& flush) {
  if (!flush.needed || x86_64::ReadCr3Root() != root) return;  // not live here
  if (flush.last - flush.first > kMaxPagesByInvlpg * kPage) {
    x86_64::ReloadCr3();
    return;
  }
  for (uint64_t v = flush.first;; v += kPage) {
    x86_64::InvalidatePage(v);
    if (v + kPage > flush.last) break;
  }
}

}  // namespace hal
