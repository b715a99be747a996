#include "servers/net/dispatcher.h"

#include "servers/net/interfaces.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

namespace netserver {
namespace {

constexpr int kAfInet = 2;
constexpr int kAfInet6 = 10;
constexpr int kAfNetlink = 16;
constexpr int kAfPacket = 17;

}  // namespace

Dispatcher::~Dispatcher() {
  CloseAll();
  free(replies_);
}

void Dispatcher::CloseAll() {
  while (Socket* s = sockets_.First()) s->Close();
}

void Dispatcher::Push(const netproto::Delivery& d) {
  if (reply_count_ == reply_capacity_) {
    size_t capacity = reply_capacity_ == 0 ? 64 : reply_capacity_ * 2;
    auto* grown =
        static_cast<netproto::Delivery*>(realloc(replies_, capacity * sizeof(netproto::Delivery)));
    if (grown == nullptr) {
      // Out of memory: the caller's reply is lost and the kernel's deadline
      // reports the server as stuck. Say so rather than fail silently.
      fprintf(stderr, "net_server: out of memory queueing a reply\n");
      return;
    }
    replies_ = grown;
    reply_capacity_ = capacity;
  }
  replies_[reply_count_++] = d;
}

void Dispatcher::Reply(uint32_t txid, int result, const netproto::Delivery* body) {
  if (txid == 0) return;  // one-way
  netproto::Delivery d{};
  if (body != nullptr) d = *body;
  d.kind = netproto::kReply;
  d.id = txid;
  d.result = result;
  Push(d);
}

void Dispatcher::Handle(const uint8_t* message, size_t size, uint32_t txid) {
  netproto::Request r;
  if (size != sizeof r) {
    ++bad_requests_;
    Reply(txid, -EINVAL, nullptr);
    return;
  }
  memcpy(&r, message, sizeof r);
  if (r.magic != netproto::kMagic || r.op == 0 || r.op >= netproto::kOpCount ||
      r.op == netproto::kHello || r.address_length > netproto::kMaxAddress ||
      (r.slot != netproto::kNoSlot &&
       (r.slot >= netproto::kSlotCount || r.length > netproto::kSlotSize))) {
    ++bad_requests_;
    Reply(txid, -EINVAL, nullptr);
    return;
  }
  uint8_t* slot =
      r.slot == netproto::kNoSlot ? nullptr : area_ + size_t{r.slot} * netproto::kSlotSize;
  const uint32_t slot_length = slot == nullptr ? 0 : r.length;

  if (r.op == netproto::kSocket) {
    int family = static_cast<int>(r.arg[0]);
    int type = static_cast<int>(r.arg[1]);
    int protocol = static_cast<int>(r.arg[2]);
    if (r.socket == 0 || sockets_.Find(r.socket) != nullptr) {
      Reply(txid, -EINVAL, nullptr);
      return;
    }
    int error = 0;
    Socket* s = nullptr;
    if (family == kAfNetlink) {
      s = CreateNetlinkSocket(&sockets_, type, protocol, &error);
    } else if (family == kAfPacket) {
      s = CreatePacketSocket(&sockets_, type, protocol, &error);
    } else if (family != kAfInet && family != kAfInet6) {
      error = -EAFNOSUPPORT;
    } else if (type == SOCK_STREAM) {
      s = CreateTcpSocket(&sockets_, family, protocol, &error);
    } else if (type == SOCK_DGRAM) {
      s = CreateUdpSocket(&sockets_, family, protocol, &error);
    } else if (type == SOCK_RAW) {
      s = CreateRawSocket(&sockets_, family, protocol, &error);
    } else {
      error = -ESOCKTNOSUPPORT;
    }
    if (s == nullptr) {
      Reply(txid, error, nullptr);
      return;
    }
    s->id = r.socket;
    sockets_.Add(s);
    sockets_.MarkDirty(s, false);
    Reply(txid, 0, nullptr);
    return;
  }

  if (r.op == netproto::kIoctl || r.op == netproto::kProcNet) {
    // Interfaces and /proc/net: about the stack, not one socket.
    if (slot == nullptr) {
      Reply(txid, -EINVAL, nullptr);
      return;
    }
    netproto::Delivery body{};
    int result;
    if (r.op == netproto::kIoctl) {
      uint32_t used = 0;
      result =
          InterfaceIoctl(static_cast<uint32_t>(r.arg[0]), slot, slot_length, r.arg[1] != 0, &used);
      body.length = used <= slot_length ? used : 0;
    } else {
      result = RenderProcNet(static_cast<uint32_t>(r.arg[0]), reinterpret_cast<char*>(slot),
                             slot_length);
      if (result >= 0) body.length = static_cast<uint32_t>(result);
    }
    Reply(txid, result < 0 ? result : 0, &body);
    return;
  }

  Socket* s = sockets_.Find(r.socket);
  if (s == nullptr) {
    // kClose of an unknown socket needs no answer; others get EBADF's
    // socket-layer cousin: the kernel never sends them, so count it.
    if (r.op != netproto::kClose) {
      ++bad_requests_;
      Reply(txid, -ENOTCONN, nullptr);
    }
    return;
  }
  netserver::Reply out;
  int result = 0;
  switch (r.op) {
    case netproto::kClose: s->Close(); return;
    case netproto::kBind: result = s->Bind(r.address, r.address_length); break;
    case netproto::kListen:
      result = s->Listen(static_cast<int>(static_cast<int64_t>(r.arg[0])));
      break;
    case netproto::kAccept:
      if (r.arg[0] == 0 || sockets_.Find(r.arg[0]) != nullptr) {
        result = -EINVAL;
        break;
      }
      result = s->Accept(r.arg[0], &out);
      break;
    case netproto::kConnect:
      result = r.arg[0] != 0 ? s->ConnectBlocking(r.address, r.address_length)
                             : s->Connect(r.address, r.address_length);
      break;
    case netproto::kShutdown: result = s->Shutdown(static_cast<int>(r.arg[0])); break;
    case netproto::kSend:
      result = s->Send(slot, slot_length,
                       (r.flags & ~kMsgFromNetAdmin) |
                           ((r.arg[0] & netproto::kSendFromNetAdmin) != 0 ? kMsgFromNetAdmin : 0),
                       r.address, r.address_length);
      break;
    case netproto::kReceive:
      if (slot == nullptr) {
        result = -EINVAL;
        break;
      }
      result = s->Receive(slot, slot_length, r.flags, &out);
      break;
    case netproto::kLocalName: result = s->LocalName(&out); break;
    case netproto::kPeerName: result = s->PeerName(&out); break;
    case netproto::kGetOption:
      if (slot == nullptr) {
        result = -EINVAL;
        break;
      }
      result = s->GetOption(static_cast<int>(r.arg[0]), static_cast<int>(r.arg[1]), slot,
                            slot_length, &out);
      break;
    case netproto::kSetOption:
      result =
          s->SetOption(static_cast<int>(r.arg[0]), static_cast<int>(r.arg[1]), slot, slot_length);
      break;
    case netproto::kBytesQueued: result = s->BytesQueued(r.arg[0] != 0 ? 1 : 0, &out); break;
    default: result = -EINVAL; break;
  }
  netproto::Delivery body{};
  if (result >= 0) {
    body.value = out.value;
    body.length = out.length <= slot_length ? out.length : slot_length;
    body.address_length = out.address_length;
    memcpy(body.address, out.address, sizeof body.address);
  }
  Reply(txid, result, &body);
}

size_t Dispatcher::TakeBatch(netproto::Delivery* out, size_t max) {
  if (reply_taken_ == 0) {
    // A fresh round: the readiness of every socket that changed goes first,
    // so a caller woken by its reply already sees it.
    size_t replies = reply_count_;
    sockets_.DrainEvents([&](uint64_t id, uint64_t readiness) {
      netproto::Delivery d{};
      d.kind = netproto::kEvent;
      d.id = id;
      d.value = readiness;
      Push(d);
    });
    size_t events = reply_count_ - replies;
    if (events != 0 && replies != 0) {
      // Rotate [replies | events] into [events | replies].
      auto* tmp = static_cast<netproto::Delivery*>(malloc(events * sizeof(netproto::Delivery)));
      if (tmp != nullptr) {
        memcpy(tmp, replies_ + replies, events * sizeof(netproto::Delivery));
        memmove(replies_ + events, replies_, replies * sizeof(netproto::Delivery));
        memcpy(replies_, tmp, events * sizeof(netproto::Delivery));
        free(tmp);
      }
    }
  }
  size_t n = 0;
  while (n < max && reply_taken_ < reply_count_) out[n++] = replies_[reply_taken_++];
  if (reply_taken_ == reply_count_) {
    reply_taken_ = 0;
    reply_count_ = 0;
  }
  return n;
}

}  // namespace netserver
