#pragma once

// The names of AF_UNIX sockets (unix(7)): a path in the file system, a name
// in the abstract namespace (sun_path[0] == '\0': bytes, not a string, owned
// by no file), or none (unnamed: socketpair, a socket never bound).
// Parsing follows Linux's rules for the address length; the stored form
// turns back into the exact sockaddr_un getsockname/recvfrom report.

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/socket.h"
#include "core/net/socket_address.h"
#include "kstd/result.h"

namespace core::net {

struct UnixAddress {
  enum class Kind : uint8_t { kNone, kPath, kAbstract, kAutobind };
  Kind kind = Kind::kNone;
  // kPath: the path (NUL-terminated, length without the NUL); kAbstract:
  // the name after the leading NUL (any bytes).
  char name[linux_abi::kUnixPathMax + 1] = {};
  size_t length = 0;

  bool named() const { return kind == Kind::kPath || kind == Kind::kAbstract; }
  bool SameName(const UnixAddress& other) const;
};

/// Parses a sockaddr_un of `address.size` bytes. A bare family (size 2) is
/// Kind::kAutobind (bind and connect pick an abstract name). Errors: kInvalid
/// (size out of 2..110, family not AF_UNIX, an empty path).
kstd::Result<UnixAddress> ParseUnixAddress(const SocketAddress& address);

/// The sockaddr_un for `name` as Linux reports it: family only for an
/// unnamed socket, the path with its NUL, the abstract name's exact bytes.
void FormatUnixAddress(const UnixAddress& name, SocketAddress* out);

/// A fresh autobind name: five hex digits in the abstract namespace, as
/// Linux's unix_autobind; `serial` picks the digits.
UnixAddress AutobindName(uint32_t serial);

}  // namespace core::net
