#include "lib/blkproto/client.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "abi/linux/mman.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace blkproto {
namespace {

namespace sys = tessera::sys;

int64_t Deadline(int64_t timeout_ns) {
  int64_t now = tessera::NowNs();
  return timeout_ns > tessera::kInfinite - now ? tessera::kInfinite : now + timeout_ns;
}

}  // namespace

int Client::Open(tessera::handle_t channel, uint32_t buffer_bytes) {
  if (is_open()) return -EBUSY;
  if (buffer_bytes == 0 || buffer_bytes % 4096 != 0 || buffer_bytes > kMaxBufferBytes)
    return -EINVAL;
  channel_ = channel;
  buffer_bytes_ = buffer_bytes;
  int r = Register();
  if (r < 0) Close();
  return r;
}

int Client::Register() {
  Request request{};
  request.op = kRegister;
  request.id = next_id_++;
  request.length = buffer_bytes_;
  Reply reply{};
  tessera::handle_t vmo = tessera::kInvalidHandle;
  tessera::ChannelCallArgs args{};
  args.write_bytes = &request;
  args.write_num_bytes = sizeof(request);
  args.read_bytes = &reply;
  args.read_bytes_capacity = sizeof(reply);
  args.read_handles = &vmo;
  args.read_handles_capacity = 1;
  args.deadline = Deadline(timeout_ns_);
  int64_t r = sys::ChannelCall(channel_, &args);
  if (r >= 0 && args.actual_bytes != sizeof(reply)) r = -EIO;
  if (r >= 0 && reply.error != 0) r = -reply.error;
  if (r >= 0 && args.actual_handles != 1) r = -EIO;
  if (r >= 0) {
    r = sys::VmoMap(vmo, 0, buffer_bytes_, linux_abi::kProtRead | linux_abi::kProtWrite, 0,
                    tessera::kVmoMapShared);
  }
  if (r < 0) {
    if (args.actual_handles == 1) sys::HandleClose(vmo);
    return static_cast<int>(r);
  }
  auto* mapped = reinterpret_cast<uint8_t*>(r);
  if (buffer_ != nullptr) {
    // A restarted driver's buffer: what the request being repeated wrote
    // into the old one moves along.
    memcpy(mapped, buffer_, buffer_bytes_);
    munmap(buffer_, buffer_bytes_);
    sys::HandleClose(vmo_);
  }
  buffer_ = mapped;
  vmo_ = vmo;
  info_ = reply.info;
  return 0;
}

int Client::Reconnect() {
  if (reconnector_ == nullptr) return -EPIPE;
  const Info before = info_;
  int result = -EPIPE;
  for (int tries = 0; tries < kMaxReconnectTries && result == -EPIPE; ++tries) {
    tessera::handle_t fresh = reconnector_->NewChannel();
    if (fresh == tessera::kInvalidHandle) break;
    sys::HandleClose(channel_);
    channel_ = fresh;
    result = Register();
    if (result == 0 && (info_.capacity_sectors != before.capacity_sectors ||
                        info_.block_size != before.block_size)) {
      // Another disk: its sectors are not ours. Nothing more goes anywhere.
      sys::HandleClose(channel_);
      channel_ = tessera::kInvalidHandle;
      result = -ENODEV;
    }
  }
  info_ = before;
  if (result == 0) ++reconnects_;
  reconnector_->Reconnected(result);
  return result;
}

void Client::Close() {
  if (buffer_ != nullptr) munmap(buffer_, buffer_bytes_);
  if (vmo_ != tessera::kInvalidHandle) sys::HandleClose(vmo_);
  if (channel_ != tessera::kInvalidHandle) sys::HandleClose(channel_);
  buffer_ = nullptr;
  buffer_bytes_ = 0;
  vmo_ = channel_ = tessera::kInvalidHandle;
  info_ = Info{};
}

int Client::Call(const Request& request, Reply* reply) {
  if (!is_open()) return -ENOTCONN;
  int r = CallOnce(request, reply);
  // The driver is gone: the same request again on a restarted one.
  if (r == -EPIPE && Reconnect() == 0) r = CallOnce(request, reply);
  if (r < 0) return r;
  return reply->error == 0 ? 0 : -reply->error;
}

int Client::CallOnce(const Request& request, Reply* reply) {
  const int64_t deadline = Deadline(timeout_ns_);
  if (wait_hook_ == nullptr) {
    tessera::ChannelCallArgs args{};
    args.write_bytes = &request;
    args.write_num_bytes = sizeof(request);
    args.read_bytes = reply;
    args.read_bytes_capacity = sizeof(*reply);
    args.deadline = deadline;
    int64_t r = sys::ChannelCall(channel_, &args);
    if (r < 0) return static_cast<int>(r);
    if (args.actual_bytes != sizeof(*reply) || reply->id != request.id) return -EIO;
    return 0;
  }
  // Written with txid 0: the reply (also txid 0) is read like any message
  // and matched by its id; others (a late reply to a request that timed
  // out) are dropped.
  int64_t r = sys::ChannelWrite(channel_, &request, sizeof(request), nullptr, 0, 0);
  if (r < 0) return static_cast<int>(r);
  for (;;) {
    tessera::ChannelReadArgs args{};
    args.bytes = reply;
    args.bytes_capacity = sizeof(*reply);
    r = sys::ChannelRead(channel_, &args);
    if (r >= 0) {
      if (args.actual_bytes == sizeof(*reply) && reply->id == request.id) return 0;
      continue;
    }
    if (r == -EMSGSIZE) {
      // Not a reply of ours (too big or with handles): dropped.
      static uint8_t junk[tessera::kMaxMessageBytes];
      tessera::handle_t handles[tessera::kMaxMessageHandles];
      args = {};
      args.bytes = junk;
      args.bytes_capacity = sizeof junk;
      args.handles = handles;
      args.handles_capacity = tessera::kMaxMessageHandles;
      if (sys::ChannelRead(channel_, &args) < 0) return -EIO;
      for (uint32_t i = 0; i < args.actual_handles && i < tessera::kMaxMessageHandles; ++i)
        sys::HandleClose(handles[i]);
      continue;
    }
    if (r != -EAGAIN) return static_cast<int>(r);  // EPIPE: the driver is gone
    tessera::WaitItem items[2] = {
        {channel_, tessera::kSignalReadable | tessera::kSignalPeerClosed, 0, 0},
        {wait_hook_->handle(), tessera::kSignalReadable | tessera::kSignalPeerClosed, 0, 0},
    };
    uint32_t count = items[1].handle != tessera::kInvalidHandle ? 2 : 1;
    r = sys::ObjectWaitMany(items, count, deadline);
    if (r < 0) return static_cast<int>(r);  // ETIMEDOUT
    if (count == 2 && items[1].observed != 0) wait_hook_->Serve();
  }
}

int Client::Transfer(uint32_t op, uint64_t sector, uint32_t offset, uint32_t length) {
  Request request{};
  request.op = op;
  request.id = next_id_++;
  request.sector = sector;
  request.offset = offset;
  request.length = length;
  Reply reply{};
  return Call(request, &reply);
}

int Client::Read(uint64_t sector, void* out, size_t bytes) {
  auto* dst = static_cast<uint8_t*>(out);
  while (bytes > 0) {
    uint32_t n = bytes < buffer_bytes_ ? static_cast<uint32_t>(bytes) : buffer_bytes_;
    if (n == 0) return -ENOTCONN;
    int r = Transfer(kRead, sector, 0, n);
    if (r < 0) return r;
    memcpy(dst, buffer_, n);
    dst += n;
    bytes -= n;
    sector += n / kSectorSize;
  }
  return 0;
}

int Client::Write(uint64_t sector, const void* in, size_t bytes) {
  const auto* src = static_cast<const uint8_t*>(in);
  while (bytes > 0) {
    uint32_t n = bytes < buffer_bytes_ ? static_cast<uint32_t>(bytes) : buffer_bytes_;
    if (n == 0) return -ENOTCONN;
    memcpy(buffer_, src, n);
    int r = Transfer(kWrite, sector, 0, n);
    if (r < 0) return r;
    src += n;
    bytes -= n;
    sector += n / kSectorSize;
  }
  return 0;
}

int Client::Flush() { return Transfer(kFlush, 0, 0, 0); }

int Client::Start(uint32_t op, uint64_t sector, uint32_t offset, uint32_t length, uint64_t id) {
  if (!is_open()) return -ENOTCONN;
  Request request{};
  request.op = op;
  request.id = id;
  request.sector = sector;
  request.offset = offset;
  request.length = length;
  int64_t r = sys::ChannelWrite(channel_, &request, sizeof(request), nullptr, 0, 0);
  return r < 0 ? static_cast<int>(r) : 0;
}

int Client::WaitReply(Reply* reply, int64_t deadline) {
  if (!is_open()) return -ENOTCONN;
  for (;;) {
    tessera::ChannelReadArgs args{};
    args.bytes = reply;
    args.bytes_capacity = sizeof(*reply);
    int64_t r = sys::ChannelRead(channel_, &args);
    if (r >= 0) return args.actual_bytes == sizeof(*reply) ? 0 : -EIO;
    if (r != -EAGAIN) return static_cast<int>(r);
    uint32_t observed = 0;
    r = sys::ObjectWaitOne(channel_, tessera::kSignalReadable | tessera::kSignalPeerClosed,
                           deadline, &observed);
    if (r < 0) return static_cast<int>(r);
  }
}

}  // namespace blkproto
