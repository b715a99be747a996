#pragma once

// Linux x86-64 vectored I/O ABI (include/uapi/linux/uio.h): readv, writev,
// preadv, pwritev.

#include <stdint.h>

namespace linux_abi {

/// struct iovec.
struct Iovec {
  uint64_t iov_base;  // user address
  uint64_t iov_len;
};

/// The most iovecs one call takes (UIO_MAXIOV, what IOV_MAX reports).
inline constexpr int32_t kIovMax = 1024;

}  // namespace linux_abi
