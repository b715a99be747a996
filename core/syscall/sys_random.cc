// getrandom(2): bytes from the kernel's CSPRNG (core/crypto), at most 32 MiB
// a call. GRND_NONBLOCK, GRND_RANDOM and GRND_INSECURE are accepted and
// change nothing; other flags are refused.

#include "core/crypto/kernel_random.h"
#include "core/syscall/sys_common.h"
#include "core/unsupported/refusals.h"
#include "kstd/utility.h"

namespace core::syscall {

kstd::Result<uint64_t> SysLinuxGetrandom(UserPtr<void> buf, uint64_t count, uint32_t flags) {
  constexpr uint32_t kKnown = 0x1 | 0x2 | 0x4;  // GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE
  if ((flags & ~kKnown) != 0) return Refuse("getrandom", "flags", flags & ~kKnown);
  count = kstd::Min<uint64_t>(count, 32 * 1024 * 1024);
  uint8_t chunk[256];
  uint64_t done = 0;
  while (done < count) {
    size_t n = static_cast<size_t>(kstd::Min<uint64_t>(count - done, sizeof chunk));
    crypto::RandomBytes(kstd::Span<uint8_t>(chunk, n));
    if (!hal::CopyToUser(buf.address() + done, chunk, n)) {
      if (done > 0) return done;
      return kstd::Error::kFault;
    }
    done += n;
  }
  return done;
}

}  // namespace core::syscall
