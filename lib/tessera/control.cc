#include "lib/tessera/control.h"

#include "lib/tessera/syscalls.h"

namespace tessera {

int64_t ReadControl(handle_t ctl, controlproto::Message* out, handle_t* handle) {
  // Big enough for any message, so nothing too big can stay queued and block
  // the ones behind it.
  static uint8_t bytes[kMaxMessageBytes];
  handle_t handles[kMaxMessageHandles];
  *handle = kInvalidHandle;
  ChannelReadArgs rd{};
  rd.bytes = bytes;
  rd.bytes_capacity = sizeof bytes;
  rd.handles = handles;
  rd.handles_capacity = kMaxMessageHandles;
  int64_t r = sys::ChannelRead(ctl, &rd);
  if (r < 0) return r;
  const uint32_t received =
      rd.actual_handles <= kMaxMessageHandles ? rd.actual_handles : kMaxMessageHandles;
  bool ok = controlproto::Decode(bytes, rd.actual_bytes, received, out);
  uint32_t first_to_close = 0;
  if (ok && received == 1) {  // Decode lets only the ops that carry one have a handle
    *handle = handles[0];
    first_to_close = 1;
  }
  for (uint32_t i = first_to_close; i < received; ++i) sys::HandleClose(handles[i]);
  return ok ? 1 : 0;
}

int64_t AnswerPing(handle_t ctl, uint64_t txid) {
  const controlproto::Message pong = controlproto::Make(controlproto::kPong, txid);
  return sys::ChannelWrite(ctl, &pong, sizeof pong, nullptr, 0, 0);
}

}  // namespace tessera
