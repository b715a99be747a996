#pragma once

// The mount agent protocol. init registers a channel with the kernel
// (tessera::sys::MountAgentRegister, gated by init's "vfs" right); when
// mount(2) names a file system served in user space (ext2) on a block device
// node (/dev/vdX), the kernel resolves the target directory, keeps it as a
// *pending mount point* and writes one Request on that channel (the message's
// txid is Request::id). The agent starts a driver for the PCI function and a
// server that mounts itself at the pending mount point (fs_mount with
// kFsMountPending and pending_id = Request::id), then writes one Reply with
// the same txid: error 0 once the server is mounted, else a positive errno
// that mount(2) returns. The kernel drops the pending mount point when the
// call ends, so a server that comes too late gets ENOENT from fs_mount.
//
// All fields are little-endian host order; every message has exactly the
// size of its struct.

#include <stddef.h>
#include <stdint.h>

namespace mountproto {

inline constexpr uint32_t kRequestMagic = 0x514d4e54;  // "TNMQ"
inline constexpr uint32_t kReplyMagic = 0x524d4e54;    // "TNMR"

/// Request::flags
inline constexpr uint32_t kReadOnly = 1u << 0;
/// Not a mount: open("/dev/vdX") wants a block client (fstype "block").
/// The agent starts a driver for the disk (or refuses: EBUSY when the disk
/// is mounted or already driven) and answers error 0 with exactly ONE
/// handle, the client's end of the driver's service channel
/// (abi/tessera/blkproto.h). The driver stops when the kernel closes it.
inline constexpr uint32_t kBlockClient = 1u << 1;
/// A mount whose disk the kernel serves (a loop device, core/fs/loop_server.h):
/// the request carries exactly ONE handle, the client end of a block-protocol
/// channel; the agent starts only the fs server, with that channel as its
/// disk. bus/device/function are 0.
inline constexpr uint32_t kWithChannel = 1u << 2;
inline constexpr uint32_t kKnownFlags = kReadOnly | kBlockClient | kWithChannel;

/// Largest errno a Reply may carry (Linux's MAX_ERRNO).
inline constexpr int32_t kMaxErrno = 4095;

struct Request {
  uint32_t magic;                           // kRequestMagic
  uint32_t id;                              // nonzero; the pending mount point's id too
  uint8_t bus, device, function, reserved;  // the block device's PCI function
  uint32_t flags;                           // kReadOnly
  char fstype[16];                          // NUL-terminated, e.g. "ext2"
  char source[32];                          // NUL-terminated, e.g. "/dev/vdb" (for messages)
};
static_assert(sizeof(Request) == 64);

struct Reply {
  uint32_t magic;     // kReplyMagic
  uint32_t id;        // the Request's id
  int32_t error;      // 0 (mounted) or a positive errno
  uint32_t reserved;  // 0
};
static_assert(sizeof(Reply) == 16);

namespace detail {
inline void CopyName(char* out, size_t size, const char* in) {
  size_t i = 0;
  for (; in != nullptr && in[i] != '\0' && i + 1 < size; ++i) out[i] = in[i];
  for (; i < size; ++i) out[i] = '\0';
}
inline bool Terminated(const char* s, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    if (s[i] == '\0') return i > 0;
  }
  return false;
}
}  // namespace detail

/// A request; `fstype` and `source` are cut to fit (always NUL-terminated).
inline Request MakeRequest(uint32_t id, uint8_t bus, uint8_t device, uint8_t function,
                           uint32_t flags, const char* fstype, const char* source) {
  Request r{};
  r.magic = kRequestMagic;
  r.id = id;
  r.bus = bus;
  r.device = device;
  r.function = function;
  r.flags = flags;
  detail::CopyName(r.fstype, sizeof r.fstype, fstype);
  detail::CopyName(r.source, sizeof r.source, source);
  return r;
}

/// The agent's check of a message: exactly a Request, the magic, a nonzero
/// id, known flags, a device number < 32 and function < 8, non-empty
/// NUL-terminated strings.
inline bool DecodeRequest(const void* bytes, size_t size, Request* out) {
  if (size != sizeof(Request)) return false;
  Request r;
  __builtin_memcpy(&r, bytes, sizeof r);
  if (r.magic != kRequestMagic || r.id == 0 || (r.flags & ~kKnownFlags) != 0) return false;
  if (r.device >= 32 || r.function >= 8 || r.reserved != 0) return false;
  if (!detail::Terminated(r.fstype, sizeof r.fstype) ||
      !detail::Terminated(r.source, sizeof r.source)) {
    return false;
  }
  *out = r;
  return true;
}

inline Reply MakeReply(uint32_t id, int32_t error) {
  Reply r{};
  r.magic = kReplyMagic;
  r.id = id;
  r.error = error;
  return r;
}

/// The kernel's check of the agent's answer to request `id`. Returns the
/// errno it carries (0: mounted), or -1 when the message is malformed: not
/// exactly a Reply, another magic or id, an errno outside 0..kMaxErrno.
inline int32_t DecodeReply(const void* bytes, size_t size, uint32_t id) {
  if (size != sizeof(Reply)) return -1;
  Reply r;
  __builtin_memcpy(&r, bytes, sizeof r);
  if (r.magic != kReplyMagic || r.id != id || r.reserved != 0) return -1;
  if (r.error < 0 || r.error > kMaxErrno) return -1;
  return r.error;
}

}  // namespace mountproto
