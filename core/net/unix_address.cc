#include "core/net/unix_address.h"

namespace core::net {

namespace {
constexpr size_t kFamilySize = 2;  // offsetof(sockaddr_un, sun_path)
}  // namespace

bool UnixAddress::SameName(const UnixAddress& other) const {
  if (kind != other.kind || length != other.length) return false;
  return __builtin_memcmp(name, other.name, length) == 0;
}

kstd::Result<UnixAddress> ParseUnixAddress(const SocketAddress& address) {
  if (address.size < kFamilySize || address.size > sizeof(linux_abi::SockAddrUn)) {
    return kstd::Error::kInvalid;
  }
  if (address.family() != linux_abi::kAfUnix) return kstd::Error::kInvalid;
  UnixAddress out;
  size_t n = address.size - kFamilySize;
  const uint8_t* path = address.bytes + kFamilySize;
  if (n == 0) {
    out.kind = UnixAddress::Kind::kAutobind;
    return out;
  }
  if (path[0] == 0) {
    out.kind = UnixAddress::Kind::kAbstract;
    out.length = n - 1;
    __builtin_memcpy(out.name, path + 1, out.length);
    return out;
  }
  // A path ends at its first NUL or at the end of the address.
  size_t len = 0;
  while (len < n && path[len] != 0) ++len;
  out.kind = UnixAddress::Kind::kPath;
  out.length = len;
  __builtin_memcpy(out.name, path, len);
  out.name[len] = 0;
  return out;
}

void FormatUnixAddress(const UnixAddress& name, SocketAddress* out) {
  *out = SocketAddress{};
  out->bytes[0] = static_cast<uint8_t>(linux_abi::kAfUnix);
  out->bytes[1] = 0;
  out->size = kFamilySize;
  if (name.kind == UnixAddress::Kind::kPath) {
    __builtin_memcpy(out->bytes + kFamilySize, name.name, name.length);
    out->bytes[kFamilySize + name.length] = 0;
    out->size = static_cast<uint32_t>(kFamilySize + name.length + 1);
    // A 108-byte path has no room for its NUL: Linux reports 110 bytes.
    if (out->size > sizeof(linux_abi::SockAddrUn)) out->size = sizeof(linux_abi::SockAddrUn);
  } else if (name.kind == UnixAddress::Kind::kAbstract) {
    out->bytes[kFamilySize] = 0;
    __builtin_memcpy(out->bytes + kFamilySize + 1, name.name, name.length);
    out->size = static_cast<uint32_t>(kFamilySize + 1 + name.length);
  }
}

UnixAddress AutobindName(uint32_t serial) {
  UnixAddress a;
  a.kind = UnixAddress::Kind::kAbstract;
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 5; ++i) a.name[i] = kHex[(serial >> (4 * (4 - i))) & 0xf];
  a.length = 5;
  return a;
}

}  // namespace core::net
