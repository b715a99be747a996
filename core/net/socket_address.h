#pragma once

// SocketAddress: a socket address as user space passes it (the raw sockaddr
// bytes and their length), the form every family parses on its own.

#include <stdint.h>

#include "abi/linux/socket.h"

namespace core::net {

/// A socket address as user space passes it: the raw sockaddr bytes.
struct SocketAddress {
  uint8_t bytes[linux_abi::kSockAddrStorageSize] = {};
  uint32_t size = 0;  // 0: no address
  uint16_t family() const {
    return size >= 2 ? static_cast<uint16_t>(bytes[0] | (bytes[1] << 8)) : 0;
  }
};

}  // namespace core::net
