#include "servers/net/socket.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

namespace netserver {
namespace {

int IntOf(const uint8_t* value, uint32_t length, int* out) {
  if (length < sizeof(int)) return -EINVAL;
  memcpy(out, value, sizeof(int));
  return 0;
}

int PutInt(int v, uint8_t* out, uint32_t room, Reply* reply) {
  uint32_t n = room < sizeof v ? room : sizeof v;
  memcpy(out, &v, n);
  reply->length = n;
  return 0;
}

}  // namespace

void Socket::Changed(bool new_arrival) { sockets_->MarkDirty(this, new_arrival); }

int Socket::Listen(int) { return -EOPNOTSUPP; }

int Socket::Accept(uint64_t, Reply*) { return -EOPNOTSUPP; }

int Socket::GetOption(int level, int name, uint8_t* out, uint32_t room, Reply* reply) {
  if (level != SOL_SOCKET) return -ENOPROTOOPT;
  switch (name) {
    case SO_ERROR: {
      int e = error_;
      error_ = 0;
      Changed();
      return PutInt(e, out, room, reply);
    }
    case SO_REUSEADDR: return PutInt(reuse_address_, out, room, reply);
    case SO_KEEPALIVE: return PutInt(keepalive_, out, room, reply);
    case SO_BROADCAST: return PutInt(broadcast_, out, room, reply);
    default: return -ENOPROTOOPT;
  }
}

int Socket::SetOption(int level, int name, const uint8_t* value, uint32_t length) {
  if (level != SOL_SOCKET) return -ENOPROTOOPT;
  int v = 0;
  switch (name) {
    case SO_REUSEADDR:
      if (int e = IntOf(value, length, &v); e < 0) return e;
      reuse_address_ = v != 0;
      return 0;
    case SO_KEEPALIVE:
      if (int e = IntOf(value, length, &v); e < 0) return e;
      keepalive_ = v != 0;
      return 0;
    case SO_BROADCAST:
      if (int e = IntOf(value, length, &v); e < 0) return e;
      broadcast_ = v != 0;
      return 0;
    case SO_LINGER: {
      if (length < 2 * sizeof(int)) return -EINVAL;
      memcpy(&linger_on_, value, sizeof(int));
      memcpy(&linger_seconds_, value + sizeof(int), sizeof(int));
      return 0;
    }
    // The kernel keeps these for getsockopt; lwIP's windows and buffers are
    // fixed at build time (lwipopts.h), so they change nothing here.
    case SO_SNDBUF:
    case SO_RCVBUF: return 0;
    default: return -ENOPROTOOPT;
  }
}

}  // namespace netserver
