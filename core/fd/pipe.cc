#include "core/fd/pipe.h"

#include "abi/linux/fcntl.h"
#include "abi/linux/poll.h"
#include "core/fd/fifo.h"
#include "core/fd/pipe_ring.h"
#include "core/ipc/wait.h"
#include "core/sched/scheduler.h"
#include "kstd/new.h"
#include "kstd/string.h"
#include "kstd/utility.h"

namespace core::fd {

class PipeEnd;

// Describe()'s text, also how IsPipe knows a pipe end (no RTTI).
constexpr const char* kPipeDescription = "pipe";

// The shared ring. Its lock also guards both ends' signal updates (each end
// is reached through a raw pointer cleared when that end is destroyed).
class PipeBuffer : public kstd::RefCounted<PipeBuffer>, public PipeRing {
 public:
  SpinLock lock;
  bool reader_open = true;
  bool writer_open = true;
  PipeEnd* read_end = nullptr;
  PipeEnd* write_end = nullptr;
};

class PipeEnd final : public FileDescription {
 public:
  PipeEnd(kstd::RefPtr<PipeBuffer> buffer, bool is_read_end, uint32_t flags)
      : FileDescription(flags | (is_read_end ? linux_abi::kORdOnly : linux_abi::kOWrOnly)),
        buffer_(kstd::Move(buffer)),
        is_read_end_(is_read_end) {}

  ~PipeEnd() override {
    SpinLockGuard guard(buffer_->lock);
    if (is_read_end_) {
      buffer_->reader_open = false;
      buffer_->read_end = nullptr;
    } else {
      buffer_->writer_open = false;
      buffer_->write_end = nullptr;
    }
    UpdateOtherLocked();
  }

  kstd::Result<size_t> Read(kstd::Span<uint8_t> out) override {
    if (!is_read_end_) return kstd::Error::kBadHandle;
    if (out.empty()) return size_t{0};
    for (;;) {
      {
        SpinLockGuard guard(buffer_->lock);
        PipeBuffer& b = *buffer_;
        if (b.used > 0) {
          size_t n = kstd::Min(out.size(), b.used);
          b.Take(out.data(), n);
          UpdateBothLocked();
          return n;
        }
        if (!b.writer_open) return size_t{0};  // EOF
        if (nonblocking()) return kstd::Error::kAgain;
      }
      TRY(WaitFor(kSignalReadable));
    }
  }

  kstd::Result<size_t> Write(kstd::Span<const uint8_t> in) override {
    if (is_read_end_) return kstd::Error::kBadHandle;
    size_t done = 0;
    while (done < in.size()) {
      {
        SpinLockGuard guard(buffer_->lock);
        PipeBuffer& b = *buffer_;
        if (!b.reader_open) {
          if (done > 0) return done;
          return kstd::Error::kPipe;
        }
        size_t left = in.size() - done;
        // Up to PIPE_BUF bytes go in one piece or not at all.
        size_t need = left <= kPipeBuf ? left : 1;
        if (b.space() >= need) {
          size_t n = kstd::Min(left, b.space());
          b.Put(in.data() + done, n);
          done += n;
          UpdateBothLocked(/*data_arrived=*/true);
          continue;
        }
        if (nonblocking()) {
          if (done > 0) return done;
          return kstd::Error::kAgain;
        }
      }
      auto waited = WaitFor(kSignalWritable);
      if (waited.is_error()) {
        if (done > 0) return done;
        return waited.error();
      }
    }
    return done;
  }

  int16_t PollEvents() override {
    SpinLockGuard guard(buffer_->lock);
    return EventsLocked();
  }

  const char* Describe() const override { return kPipeDescription; }
  bool SupportsAsync() const override { return true; }

  // The splice helpers (pipe.h): never block.
  const PipeBuffer* buffer() const { return buffer_.get(); }
  kstd::Result<size_t> Peek(kstd::Span<uint8_t> out) {
    if (!is_read_end_) return kstd::Error::kBadHandle;
    SpinLockGuard guard(buffer_->lock);
    const PipeBuffer& b = *buffer_;
    if (b.used == 0) return b.writer_open ? kstd::Result<size_t>(kstd::Error::kAgain) : size_t{0};
    size_t n = kstd::Min(out.size(), b.used);
    b.Peek(out.data(), n);
    return n;
  }
  size_t Drop(size_t count) {
    if (!is_read_end_) return 0;
    SpinLockGuard guard(buffer_->lock);
    PipeBuffer& b = *buffer_;
    size_t n = kstd::Min(count, b.used);
    b.head = (b.head + n) % b.capacity;
    b.used -= n;
    UpdateBothLocked();
    return n;
  }
  kstd::Result<size_t> WriteNow(kstd::Span<const uint8_t> in) {
    if (is_read_end_) return kstd::Error::kBadHandle;
    SpinLockGuard guard(buffer_->lock);
    PipeBuffer& b = *buffer_;
    if (!b.reader_open) return kstd::Error::kPipe;
    size_t need = in.size() <= kPipeBuf ? in.size() : 1;
    if (in.empty() || b.space() < need) return kstd::Error::kAgain;
    size_t n = kstd::Min(in.size(), b.space());
    b.Put(in.data(), n);
    UpdateBothLocked();
    return n;
  }

  size_t Capacity() {
    SpinLockGuard guard(buffer_->lock);
    return buffer_->capacity;
  }
  // F_SETPIPE_SZ: the ring becomes `capacity` bytes unless more than that
  // is in it (kBusy).
  kstd::Result<void> Resize(size_t capacity) {
    return ResizeRing(*buffer_, buffer_->lock, capacity, [this]() { UpdateBothLocked(); });
  }

  // `new_arrival`: data came in (an edge for EPOLLET even if already readable).
  void UpdateSelfLocked(bool new_arrival = false) {
    SpinLockGuard self(lock_);
    SyncSignalsLocked(EventsLocked(), new_arrival);
  }

 private:
  int16_t EventsLocked() const {
    const PipeBuffer& b = *buffer_;
    int16_t ev = 0;
    if (is_read_end_) {
      if (b.used > 0) ev |= linux_abi::kPollIn | linux_abi::kPollRdNorm;
      if (!b.writer_open) ev |= linux_abi::kPollHup;
    } else {
      // As Linux: no reader is POLLERR, and room is POLLOUT either way.
      if (!b.reader_open) ev |= linux_abi::kPollErr;
      if (b.space() >= kPipeBuf) ev |= linux_abi::kPollOut | linux_abi::kPollWrNorm;
    }
    return ev;
  }

  void UpdateBothLocked(bool data_arrived = false) {
    if (buffer_->read_end != nullptr) buffer_->read_end->UpdateSelfLocked(data_arrived);
    if (buffer_->write_end != nullptr) buffer_->write_end->UpdateSelfLocked();
  }
  void UpdateOtherLocked() {
    PipeEnd* other = is_read_end_ ? buffer_->write_end : buffer_->read_end;
    if (other != nullptr) other->UpdateSelfLocked();
  }

  // Sleeps until one of `wanted` (or hang-up) is signalled on this end.
  kstd::Result<void> WaitFor(Signals wanted) {
    kstd::RefPtr<KernelObject> self = kstd::RefPtr<KernelObject>::FromRaw(this);
    Signals w = wanted | kSignalPeerClosed;
    TRY(ipc::WaitForSignals(&self, &w, 1, sched::kNoDeadline, nullptr));
    return kstd::Ok();
  }

  kstd::RefPtr<PipeBuffer> buffer_;
  bool is_read_end_;
};

kstd::Result<PipePair> CreatePipe(uint32_t flags) {
  if ((flags & ~(linux_abi::kONonBlock | linux_abi::kOCloExec)) != 0) return kstd::Error::kInvalid;
  kstd::RefPtr<PipeBuffer> buffer = kstd::AdoptRef(new (kstd::nothrow) PipeBuffer());
  if (!buffer) return kstd::Error::kNoMemory;
  buffer->data = new (kstd::nothrow) uint8_t[kPipeCapacity];
  if (buffer->data == nullptr) return kstd::Error::kNoMemory;
  uint32_t status = flags & linux_abi::kONonBlock;
  kstd::RefPtr<PipeEnd> r = kstd::AdoptRef(new (kstd::nothrow) PipeEnd(buffer, true, status));
  kstd::RefPtr<PipeEnd> w = kstd::AdoptRef(new (kstd::nothrow) PipeEnd(buffer, false, status));
  if (!r || !w) return kstd::Error::kNoMemory;
  {
    SpinLockGuard guard(buffer->lock);
    buffer->read_end = r.get();
    buffer->write_end = w.get();
    r->UpdateSelfLocked();
    w->UpdateSelfLocked();
  }
  return PipePair{kstd::RefPtr<FileDescription>(kstd::Move(r)),
                  kstd::RefPtr<FileDescription>(kstd::Move(w))};
}

bool IsPipe(const FileDescription& file) { return file.Describe() == kPipeDescription; }

bool SamePipe(const FileDescription& a, const FileDescription& b) {
  return IsPipe(a) && IsPipe(b) &&
         static_cast<const PipeEnd&>(a).buffer() == static_cast<const PipeEnd&>(b).buffer();
}

kstd::Result<size_t> PeekPipe(FileDescription& read_end, kstd::Span<uint8_t> out) {
  if (!IsPipe(read_end)) return kstd::Error::kBadHandle;
  return static_cast<PipeEnd&>(read_end).Peek(out);
}

size_t DropFromPipe(FileDescription& read_end, size_t count) {
  if (!IsPipe(read_end)) return 0;
  return static_cast<PipeEnd&>(read_end).Drop(count);
}

kstd::Result<size_t> WritePipeNow(FileDescription& write_end, kstd::Span<const uint8_t> in) {
  if (!IsPipe(write_end)) return kstd::Error::kBadHandle;
  return static_cast<PipeEnd&>(write_end).WriteNow(in);
}

namespace {

// The fifo node behind `file`, or null.
vfs::Vnode* FifoOf(FileDescription& file) {
  vfs::Vnode* node = file.vnode();
  return node != nullptr && node->type() == vfs::VnodeType::kFifo ? node : nullptr;
}

}  // namespace

kstd::Result<size_t> PipeSize(FileDescription& end) {
  if (IsPipe(end)) return static_cast<PipeEnd&>(end).Capacity();
  if (vfs::Vnode* fifo = FifoOf(end)) return FifoSize(fifo);
  return kstd::Error::kBadHandle;
}

kstd::Result<size_t> SetPipeSize(FileDescription& end, uint32_t bytes) {
  vfs::Vnode* fifo = FifoOf(end);
  if (!IsPipe(end) && fifo == nullptr) return kstd::Error::kBadHandle;
  // Linux's round_pipe_size: at least a page, a power of two, at most 2^31.
  if (bytes > (1u << 31)) return kstd::Error::kInvalid;
  size_t size = kPipeBuf;
  while (size < bytes) size *= 2;
  if (size > kPipeMaxSize) return kstd::Error::kPermission;
  if (fifo != nullptr) {
    TRY(ResizeFifo(fifo, size));
  } else {
    TRY(static_cast<PipeEnd&>(end).Resize(size));
  }
  return size;
}

}  // namespace core::fd
