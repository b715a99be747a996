#pragma once

// controlproto: init's control channel to a supervised service (the
// virtio-blk driver and the fs server; later the network stack).
//
// Freestanding: only <stdint.h>/<stddef.h>/<string.h>, a plain C layout, no
// pointers. Shared by init (init/storage.cc), the driver
// (drivers/virtio_blk/main.cc) and the fs server (servers/fs/main.cc).
//
// ## Transport
//
// init makes a channel pair per service incarnation and hands one end to the
// service as the bootstrap handle "ctl"; init keeps the other. Nobody else
// ever holds an end, so every message a service reads there comes from init
// (an ordinary client, the kernel VFS or a block client, talks over other
// channels and cannot reach this one). Every message is exactly one Message
// (16 bytes); anything else is ignored by both sides.
//
//   kPing (init -> service), `txid`: "are you alive?". The service answers
//     from its main loop with kPong carrying the same txid, also while it has
//     requests in flight (it answers whenever it waits: the fs server while
//     it waits for its block driver, too). A service that does not answer
//     within init's deadline counts as hung: init kills it and restarts it
//     as if it had crashed (init/liveness.h).
//   kPong (service -> init), `txid` of the ping answered.
//   kHang (init -> service): a debug command, the service spins forever
//     without answering (so the system tests can check hang detection).
//     init sends it only when it was booted with --debug-hang and asked by
//     its debug signals (init/main.cc).
//   kAttachBlock (init -> fs server), one handle: a channel to a restarted
//     block driver (servers/fs: blkproto::Reconnector). `txid` is 0.
//   kAttachFrames (init -> network server), one handle: the service channel
//     of a restarted NIC driver (abi/tessera/frameproto.h; the server's
//     frameproto::Client::Reattach takes it). `txid` is 0.
//   kAddClient (init -> block driver), one handle: the driver's end of a
//     channel to one more blkproto client (the kernel reading a mounted disk
//     through /dev/vdX). `txid` holds flags: kClientReadOnly makes the
//     client's writes fail with EROFS. A driver serves each client with its
//     own buffer and stops when every client has gone.
//
// A malformed message (wrong size, bad magic, unknown op, handles where none
// belong) is dropped, its handles closed: never an error for the peer.

#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace controlproto {

inline constexpr uint32_t kMagic = 0x4c544354;  // "TCTL"

enum Op : uint32_t {
  kPing = 1,
  kPong = 2,
  kHang = 3,
  kAttachBlock = 4,
  kAttachFrames = 5,
  kAddClient = 6,
};

/// kAddClient's flags (in `txid`).
inline constexpr uint64_t kClientReadOnly = 1;

struct Message {
  uint32_t magic;
  uint32_t op;    // an Op
  uint64_t txid;  // kPing/kPong: the ping's id; else 0
};
static_assert(sizeof(Message) == 16, "controlproto::Message is 16 bytes");

inline Message Make(Op op, uint64_t txid = 0) { return Message{kMagic, op, txid}; }

/// Decodes `size` bytes with `handles` handles into *out. True when they are
/// one well-formed message: the right size and magic, a known op, and one
/// handle for kAttachBlock, kAttachFrames and kAddClient, none otherwise.
inline bool Decode(const void* bytes, size_t size, uint32_t handles, Message* out) {
  if (bytes == nullptr || size != sizeof(Message)) return false;
  Message m;
  memcpy(&m, bytes, sizeof m);
  if (m.magic != kMagic) return false;
  switch (m.op) {
    case kPing:
    case kPong:
    case kHang:
      if (handles != 0) return false;
      break;
    case kAttachBlock:
    case kAttachFrames:
    case kAddClient:
      if (handles != 1) return false;
      break;
    default: return false;
  }
  *out = m;
  return true;
}

}  // namespace controlproto
