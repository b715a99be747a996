#include "drivers/virtio_blk/server.h"

#include "abi/linux/errno.h"
#include "kstd/utility.h"

namespace virtio_blk {
int32_t ErrnoOf(kstd::Error error) {
  switch (error) {
    case kstd::Error::kReadOnlyFs:
    case kstd::Error::kInvalid: return static_cast<int32_t>(error);
    default: return static_cast<int32_t>(kstd::Error::kIo);
  }
}

uint32_t Server::max_transfer() const {
  const Info& d = device_.info();
  uint64_t bytes = d.max_request_bytes;
  if (d.max_segment_bytes != 0 && d.max_segments != 0) {
    bytes = kstd::Min<uint64_t>(bytes, static_cast<uint64_t>(d.max_segments) * d.max_segment_bytes);
  }
  uint32_t block = d.block_size >= kSectorSize ? d.block_size : kSectorSize;
  bytes -= bytes % block;
  return static_cast<uint32_t>(bytes);
}

blkproto::Info Server::info() const {
  const Info& d = device_.info();
  blkproto::Info i{};
  i.capacity_sectors = d.capacity_sectors;
  i.block_size = d.block_size >= kSectorSize ? d.block_size : kSectorSize;
  i.max_transfer = max_transfer();
  i.flags = (read_only() ? blkproto::kInfoReadOnly : 0) | (d.flush ? blkproto::kInfoFlush : 0);
  i.buffer_bytes = static_cast<uint32_t>(buffer_.length);
  return i;
}

void Server::Reply(uint32_t txid, const blkproto::Request& request, int32_t error, bool with_info) {
  blkproto::Reply r{};
  r.id = request.id;
  r.op = request.op;
  r.error = error;
  if (with_info && error == 0) r.info = info();
  sink_.Send(r, txid);
}

void Server::HandleMalformed(uint32_t txid) {
  blkproto::Request none{};
  Reply(txid, none, linux_abi::kEINVAL);
}

int32_t Server::Validate(const blkproto::Request& r) const {
  const Info& d = device_.info();
  if (r.op == blkproto::kWrite && read_only()) return linux_abi::kEROFS;
  if (!registered()) return linux_abi::kEBADF;
  uint32_t block = d.block_size >= kSectorSize ? d.block_size : kSectorSize;
  uint64_t sectors_per_block = block / kSectorSize;
  if (r.length == 0 || r.length % block != 0) return linux_abi::kEINVAL;
  if (r.sector % sectors_per_block != 0) return linux_abi::kEINVAL;
  if (r.offset % kSectorSize != 0) return linux_abi::kEINVAL;
  if (r.offset > buffer_.length || r.length > buffer_.length - r.offset) return linux_abi::kEINVAL;
  uint64_t sectors = r.length / kSectorSize;
  if (r.sector > d.capacity_sectors || sectors > d.capacity_sectors - r.sector) {
    return linux_abi::kEINVAL;
  }
  return 0;
}

bool Server::Handle(const blkproto::Request& request, uint32_t txid,
                    const virtio::DmaSegment* buffer) {
  switch (request.op) {
    case blkproto::kInfo: Reply(txid, request, 0, true); return false;
    case blkproto::kRegister:
      if (registered()) {
        Reply(txid, request, linux_abi::kEBUSY);
        return false;
      }
      if (buffer == nullptr || buffer->length == 0 || request.length != buffer->length ||
          buffer->length % kSectorSize != 0 || buffer->length > blkproto::kMaxBufferBytes) {
        Reply(txid, request, linux_abi::kEINVAL);
        return false;
      }
      buffer_ = *buffer;
      Reply(txid, request, 0, true);
      return true;
    case blkproto::kRead:
    case blkproto::kWrite:
    case blkproto::kFlush: break;
    default: Reply(txid, request, linux_abi::kENOSYS); return false;
  }
  if (request.op != blkproto::kFlush) {
    int32_t error = Validate(request);
    if (error != 0) {
      Reply(txid, request, error);
      return false;
    }
  }
  if (!can_accept()) {  // the event loop should not have read it
    Reply(txid, request, linux_abi::kEAGAIN);
    return false;
  }
  uint32_t index = 0;
  while (pending_[index].used) ++index;
  Pending& p = pending_[index];
  p = Pending();
  p.request = request;
  p.txid = txid;
  p.used = true;
  p.queued = true;
  p.server = this;
  // A write is covered by every flush received after it; a flush covers the
  // writes numbered below its sequence.
  p.sequence = request.op == blkproto::kWrite ? next_write_sequence_++ : next_write_sequence_;
  ++used_;
  order_[order_count_++] = index;
  Pump();
  return false;
}

bool Server::FlushBlocked(const Pending& flush) const {
  for (const Pending& p : pending_) {
    if (p.used && p.request.op == blkproto::kWrite && p.sequence < flush.sequence) return true;
  }
  return false;
}

void Server::PartDone(void* context, kstd::Result<void> result) {
  auto* p = static_cast<Pending*>(context);
  --p->parts;
  if (result.is_error() && p->error == 0) p->error = ErrnoOf(result.error());
  if (!p->queued && p->parts == 0) p->server->Finish(*p);
}

void Server::Finish(Pending& p) {
  blkproto::Request request = p.request;
  uint32_t txid = p.txid;
  int32_t error = p.error;
  p.used = false;
  --used_;
  Reply(txid, request, error);
}

bool Server::Advance(Pending& p, bool* queued_any) {
  if (p.request.op == blkproto::kFlush) {
    if (FlushBlocked(p)) return true;
    if (!device_.info().flush) {  // write-through: completed writes are durable
      p.queued = false;
      return true;
    }
    Request r;
    r.op = Op::kFlush;
    r.done = &PartDone;
    r.context = &p;
    auto q = device_.Queue(r);
    if (q.is_error() && q.error() == kstd::Error::kAgain) return false;
    if (q.is_error()) {
      p.error = ErrnoOf(q.error());
    } else {
      ++p.parts;
      *queued_any = true;
    }
    p.queued = false;
    return true;
  }
  uint32_t chunk = max_transfer();
  if (chunk == 0) {
    p.error = static_cast<int32_t>(kstd::Error::kIo);
    p.queued = false;
    return true;
  }
  while (p.submitted < p.request.length) {
    uint32_t bytes = kstd::Min(chunk, p.request.length - p.submitted);
    virtio::DmaSegment segment{buffer_.device_address + p.request.offset + p.submitted, bytes};
    Request r;
    r.op = p.request.op == blkproto::kWrite ? Op::kWrite : Op::kRead;
    r.sector = p.request.sector + p.submitted / kSectorSize;
    r.data = kstd::Span<const virtio::DmaSegment>(&segment, 1);
    r.done = &PartDone;
    r.context = &p;
    auto q = device_.Queue(r);
    if (q.is_error() && q.error() == kstd::Error::kAgain) return false;
    if (q.is_error()) {
      p.error = ErrnoOf(q.error());
      break;  // nothing more of this request goes to the device
    }
    ++p.parts;
    *queued_any = true;
    p.submitted += bytes;
  }
  p.queued = false;
  return true;
}

void Server::Pump() {
  bool queued_any = false;
  uint32_t kept = 0;
  bool room = true;
  uint32_t finished[blkproto::kMaxInFlight];
  uint32_t finished_count = 0;
  for (uint32_t i = 0; i < order_count_; ++i) {
    uint32_t index = order_[i];
    Pending& p = pending_[index];
    if (room) room = Advance(p, &queued_any);
    if (p.queued) {
      order_[kept++] = index;
    } else if (p.parts == 0) {
      finished[finished_count++] = index;
    }
  }
  order_count_ = kept;
  if (queued_any) device_.Kick();
  // Requests that needed no device work (errors, flushes without a cache).
  for (uint32_t i = 0; i < finished_count; ++i) Finish(pending_[finished[i]]);
}

kstd::Result<void> Server::OnInterrupt() {
  Server* self = this;
  return ServeInterrupt(device_, kstd::Span<Server* const>(&self, 1));
}

kstd::Result<void> ServeInterrupt(Device& device, kstd::Span<Server* const> servers) {
  auto handled = device.HandleInterrupt();
  kstd::Result<void> result = kstd::Ok();
  if (handled.is_error() && handled.error() == kstd::Error::kIo) {
    // Every request in flight has been answered EIO; bring the device back.
    result = device.Recover();
  }
  for (Server* server : servers) {
    if (server != nullptr) server->Pump();
  }
  return result;
}

}  // namespace virtio_blk
