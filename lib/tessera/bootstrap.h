#pragma once

// The handles a process was started with. The kernel (for init) or the
// spawning process puts them in one message on the bootstrap channel whose
// handle is in the auxiliary vector (tessera::kAuxBootstrapHandle); this
// reads that message once and looks handles up by name.

#include <stddef.h>
#include <stdint.h>

#include "abi/tessera/native.h"

namespace tessera {

struct NamedHandle {
  const char* name;
  handle_t handle;
};

class Bootstrap {
 public:
  static constexpr size_t kMaxHandles = kMaxMessageHandles;

  /// Reads the bootstrap message. Returns 0 or -errno (e.g. -EBADF when the
  /// process has no bootstrap channel, -EBADMSG when the message is malformed).
  int Load();

  /// The handle named `name`, or kInvalidHandle. Take() removes it from the
  /// table (the caller then owns it).
  handle_t Find(const char* name) const;
  handle_t Take(const char* name);

  size_t count() const { return count_; }
  const NamedHandle& at(size_t i) const { return handles_[i]; }

 private:
  NamedHandle handles_[kMaxHandles] = {};
  size_t count_ = 0;
  char names_[4096] = {};
};

}  // namespace tessera
