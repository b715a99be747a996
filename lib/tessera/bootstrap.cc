#include "lib/tessera/bootstrap.h"

#include <errno.h>
#include <string.h>
#include <sys/auxv.h>

#include "lib/tessera/syscalls.h"

namespace tessera {

int Bootstrap::Load() {
  unsigned long value = getauxval(kAuxBootstrapHandle);
  if (value == 0) return -EBADF;
  handle_t channel = static_cast<handle_t>(value);
  handle_t received[kMaxHandles];
  ChannelReadArgs args{};
  args.bytes = names_;
  args.bytes_capacity = sizeof names_ - 1;
  args.handles = received;
  args.handles_capacity = kMaxHandles;
  int64_t r = sys::ChannelRead(channel, &args);
  sys::HandleClose(channel);
  if (r < 0) return static_cast<int>(r);
  uint32_t n;
  if (args.actual_bytes < sizeof n) return -EBADMSG;
  memcpy(&n, names_, sizeof n);
  if (n != args.actual_handles) return -EBADMSG;
  names_[args.actual_bytes] = '\0';
  size_t at = sizeof n;
  for (uint32_t i = 0; i < n; ++i) {
    if (at >= args.actual_bytes) return -EBADMSG;
    handles_[i].name = names_ + at;
    handles_[i].handle = received[i];
    at += strlen(names_ + at) + 1;
  }
  count_ = n;
  return 0;
}

handle_t Bootstrap::Find(const char* name) const {
  for (size_t i = 0; i < count_; ++i) {
    if (handles_[i].handle != kInvalidHandle && strcmp(handles_[i].name, name) == 0) {
      return handles_[i].handle;
    }
  }
  return kInvalidHandle;
}

handle_t Bootstrap::Take(const char* name) {
  for (size_t i = 0; i < count_; ++i) {
    if (handles_[i].handle != kInvalidHandle && strcmp(handles_[i].name, name) == 0) {
      handle_t h = handles_[i].handle;
      handles_[i].handle = kInvalidHandle;
      return h;
    }
  }
  return kInvalidHandle;
}

}  // namespace tessera
