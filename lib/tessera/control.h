#pragma once

// Both ends of init's control channels (abi/tessera/controlproto.h): reading
// one message with every malformed one dropped, and the pong. Used by init
// and by the services it supervises (drivers/virtio_blk, servers/fs).
//
// Not thread-safe: one thread reads control channels in a process (the
// message buffer is static).

#include <stdint.h>

#include "abi/tessera/controlproto.h"
#include "abi/tessera/native.h"

namespace tessera {

/// Reads the next message of control channel `ctl`. Returns 1 with *out
/// filled when it is a well-formed message (kAttachBlock, kAttachFrames, kAddClient: *handle
/// receives its handle, which the caller then owns; otherwise kInvalidHandle); 0 when a message was
/// read and dropped (malformed, any size: its handles closed); or -errno: -EAGAIN (nothing queued),
/// -EPIPE (nothing queued and the peer is gone), -EBADF.
int64_t ReadControl(handle_t ctl, controlproto::Message* out, handle_t* handle);

/// Answers ping `txid` on `ctl`. Returns 0 or -errno (a full or closed
/// channel: the pinger's deadline then judges).
int64_t AnswerPing(handle_t ctl, uint64_t txid);

}  // namespace tessera
