#include "core/user/user_ptr.h"

#include "kstd/utility.h"

namespace core {

kstd::Result<size_t> CopyStringIn(uint64_t user_address, char* out, size_t max_len) {
  constexpr uint64_t kPage = 4096;
  size_t copied = 0;
  // Copy page by page so a string that ends before an unmapped page is fine.
  while (copied <= max_len) {
    uint64_t at = user_address + copied;
    size_t chunk =
        static_cast<size_t>(kstd::Min<uint64_t>(kPage - (at & (kPage - 1)), max_len + 1 - copied));
    if (!hal::CopyFromUser(out + copied, at, chunk)) return kstd::Error::kFault;
    for (size_t i = 0; i < chunk; ++i) {
      if (out[copied + i] == '\0') return copied + i;
    }
    copied += chunk;
  }
  return kstd::Error::kNameTooLong;
}

}  // namespace core
