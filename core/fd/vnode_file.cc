#include "core/fd/vnode_file.h"

#include "abi/linux/fcntl.h"
#include "abi/linux/signal.h"
#include "core/ipc/wait.h"
#include "core/sched/scheduler.h"
#include "kstd/new.h"

namespace core::fd {

namespace {
static_assert(vfs::kNoReadDeadline == sched::kNoDeadline);
}  // namespace

VnodeFile::VnodeFile(kstd::RefPtr<vfs::OpenFile> file, uint32_t flags)
    : FileDescription(flags), file_(kstd::Move(file)) {}

// Watches a fifo's pipe or a device's readiness (a terminal's) for an
// O_ASYNC description (Linux's fasync lists): called under the watched
// object's lock (maybe in the terminal's receive interrupt), it only queues
// signals.
class VnodeFile::AsyncWatch final : public SignalObserver {
 public:
  explicit AsyncWatch(VnodeFile* file) : file_(file) {}
  Signals last = 0;

  void OnSignalsChanged(Signals now) override {
    Signals before = last;
    last = now;
    if ((file_->status_flags() & linux_abi::kOAsync) == 0) return;
    if (file_->readable() && (now & kSignalReadable) && !(before & kSignalReadable)) {
      file_->SignalAsync(linux_abi::kPollInCode);
    }
    if (file_->writable() && (now & kSignalWritable) && !(before & kSignalWritable)) {
      file_->SignalAsync(linux_abi::kPollOutCode);
    }
  }

 private:
  VnodeFile* const file_;
};

VnodeFile::~VnodeFile() { AsyncChanged(false); }

void VnodeFile::AsyncChanged(bool on) {
  KernelObject* target = file_->WaitObject();
  // A fifo's pipe, or a device with readiness (a terminal), is watched.
  vfs::VnodeType type = file_->vnode()->type();
  if (target == nullptr || (type != vfs::VnodeType::kFifo && type != vfs::VnodeType::kCharDevice)) {
    return;
  }
  AsyncWatch* fresh = on ? new (kstd::nothrow) AsyncWatch(this) : nullptr;
  AsyncWatch* stale = nullptr;
  {
    SpinLockGuard guard(async_lock_);
    if (on && async_watch_ == nullptr && fresh != nullptr) {
      async_watch_ = fresh;
      fresh = nullptr;
      // Under the target's lock: no change is missed between the two.
      async_watch_->last = target->AddObserver(async_watch_);
    } else if (!on && async_watch_ != nullptr) {
      target->RemoveObserver(async_watch_);  // no call of it runs after this
      stale = async_watch_;
      async_watch_ = nullptr;
    }
  }
  delete fresh;
  delete stale;
}

kstd::Result<void> VnodeFile::WaitForDevice(Signals wanted, uint64_t deadline) {
  KernelObject* target = file_->WaitObject();
  if (target == nullptr) {
    // A device without a wait object should never say "again": do not spin.
    return kstd::Error::kAgain;
  }
  kstd::RefPtr<KernelObject> object = kstd::RefPtr<KernelObject>::FromRaw(target);
  Signals w = wanted | kSignalPeerClosed;
  TRY(ipc::WaitForSignals(&object, &w, 1, deadline, nullptr));
  return kstd::Ok();
}

kstd::Result<size_t> VnodeFile::Read(kstd::Span<uint8_t> out) {
  if (!readable()) return kstd::Error::kBadHandle;
  if (file_->seekable()) {
    size_t n = TRY(file_->Read(offset(), out));
    __atomic_fetch_add(&offset_, n, __ATOMIC_RELAXED);
    return n;
  }
  vfs::StreamRead read;
  read.nonblocking = nonblocking();
  for (;;) {
    auto r = file_->ReadStream(out, &read);
    if (r.ok()) return r;
    if (r.error() != kstd::Error::kAgain || read.nonblocking) {
      if (read.done > 0) return read.done;  // what this read took is not lost
      return r;
    }
    auto waited = WaitForDevice(read.wake_on, read.deadline);
    read.timed_out = waited.is_error() && waited.error() == kstd::Error::kTimedOut;
    if (waited.is_error() && !read.timed_out) {
      // A signal ends the read: it returns the bytes it took (as Linux), or
      // kInterrupted (-ERESTARTSYS, or EINTR) if none.
      if (read.done > 0) return read.done;
      return waited.error();
    }
  }
}

kstd::Result<size_t> VnodeFile::Write(kstd::Span<const uint8_t> in) {
  if (!writable()) return kstd::Error::kBadHandle;
  if (!file_->seekable()) {
    // A stream (a device, a fifo): a blocking write goes on until all of it
    // is taken, as a pipe's; an error or a signal after some progress
    // returns the count.
    size_t done = 0;
    for (;;) {
      auto r = file_->Write(0, in.Subspan(done));
      if (r.ok()) {
        done += r.value();
        if (done == in.size() || nonblocking()) return done;
        continue;
      }
      if (r.error() != kstd::Error::kAgain || nonblocking()) {
        if (done > 0) return done;
        return r;
      }
      auto waited = WaitForDevice(kSignalWritable, sched::kNoDeadline);
      if (waited.is_error()) {
        if (done > 0) return done;
        return waited.error();
      }
    }
  }
  if (status_flags() & linux_abi::kOAppend) {
    uint64_t end = 0;
    size_t n = TRY(file_->Append(in, &end));
    set_offset(end);
    return n;
  }
  size_t n = TRY(file_->Write(offset(), in));
  __atomic_fetch_add(&offset_, n, __ATOMIC_RELAXED);
  return n;
}

kstd::Result<size_t> VnodeFile::ReadAt(uint64_t offset, kstd::Span<uint8_t> out) {
  if (!file_->seekable()) return kstd::Error::kIllegalSeek;
  if (!readable()) return kstd::Error::kBadHandle;
  return file_->Read(offset, out);
}

kstd::Result<size_t> VnodeFile::WriteAt(uint64_t offset, kstd::Span<const uint8_t> in) {
  if (!file_->seekable()) return kstd::Error::kIllegalSeek;
  if (!writable()) return kstd::Error::kBadHandle;
  return file_->Write(offset, in);
}

kstd::Result<int64_t> VnodeFile::Seek(int64_t offset, int whence) {
  if (!file_->seekable()) return file_->SeekStream(offset, whence);
  int64_t base;
  switch (whence) {
    case linux_abi::kSeekSet: base = 0; break;
    case linux_abi::kSeekCur: base = static_cast<int64_t>(this->offset()); break;
    case linux_abi::kSeekEnd: base = static_cast<int64_t>(file_->EndOffset()); break;
    case linux_abi::kSeekData:
    case linux_abi::kSeekHole: {
      // No holes are reported: data everywhere up to the end of the file.
      int64_t size = static_cast<int64_t>(file_->EndOffset());
      if (offset < 0 || offset >= size) return kstd::Error::kNoDeviceOrAddress;
      int64_t pos = whence == linux_abi::kSeekData ? offset : size;
      set_offset(static_cast<uint64_t>(pos));
      return pos;
    }
    default: return kstd::Error::kInvalid;
  }
  int64_t pos;
  if (__builtin_add_overflow(base, offset, &pos)) return kstd::Error::kOverflow;
  if (pos < 0) return kstd::Error::kInvalid;
  set_offset(static_cast<uint64_t>(pos));
  return pos;
}

kstd::Result<int64_t> VnodeFile::Ioctl(uint32_t request, uint64_t arg) {
  return file_->Ioctl(request, arg);
}

int16_t VnodeFile::PollEvents() {
  // vfs::kPoll* bits have the same values as fd::kPoll*.
  return static_cast<int16_t>(file_->Poll());
}

KernelObject* VnodeFile::WaitTarget() { return file_->WaitObject(); }

bool VnodeFile::IsTty() const {
  // A terminal answers TCGETS; regular files and other devices do not.
  return file_->vnode()->type() == vfs::VnodeType::kCharDevice && !file_->seekable() &&
         const_cast<vfs::OpenFile*>(file_.get())->Ioctl(0x5401, 0).error() != kstd::Error::kNotTty;
}

}  // namespace core::fd
