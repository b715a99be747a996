#include "core/fd/fifo.h"

#include "abi/linux/fcntl.h"
#include "abi/linux/poll.h"
#include "core/fd/pipe.h"
#include "core/fd/pipe_ring.h"
#include "core/ipc/wait.h"
#include "core/sched/scheduler.h"
#include "core/sync/spin_lock.h"
#include "core/sync/thread_annotations.h"
#include "core/vfs/device.h"
#include "kstd/intrusive_list.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::fd {
namespace {

// Set while a reader / a writer has the fifo open (blocked opens wait for
// them).
constexpr Signals kSignalHasReader = 1u << 8;
constexpr Signals kSignalHasWriter = 1u << 9;

// One fifo node's pipe while anyone has it open. Its signals: readable
// (data, or no writer), writable (PIPE_BUF of room, or no reader), and the
// two above. The object lock guards the ring and the counts.
class Fifo final : public KernelObject, public PipeRing {
 public:
  Fifo(uint64_t dev, uint64_t ino) : KernelObject(ObjectType::kFile), dev(dev), ino(ino) {}

  const uint64_t dev;
  const uint64_t ino;
  kstd::ListNode registry_node;  // g_fifos (under g_registry_lock)
  int opens = 0;                 // OpenFiles alive (under g_registry_lock)

  int readers = 0;
  int writers = 0;
  uint64_t reader_opens = 0;  // counts, so a blocked open sees a peer that came and went
  uint64_t writer_opens = 0;

  SpinLock& lock() RETURN_CAPABILITY(lock_) { return lock_; }
  void PublishLocked() {
    Signals set = 0;
    if (used > 0 || writers == 0) set |= kSignalReadable;
    if (capacity - used >= kPipeBuf || readers == 0) set |= kSignalWritable;
    if (readers > 0) set |= kSignalHasReader;
    if (writers > 0) set |= kSignalHasWriter;
    UpdateSignalsLocked(kSignalReadable | kSignalWritable | kSignalHasReader | kSignalHasWriter,
                        set);
  }
};

SpinLock g_registry_lock;
kstd::IntrusiveList<Fifo, &Fifo::registry_node> g_fifos GUARDED_BY(g_registry_lock);

// The open of one end (or both, O_RDWR) of a fifo.
class FifoFile final : public vfs::OpenFile {
 public:
  FifoFile(kstd::RefPtr<vfs::Vnode> vnode, uint32_t flags, kstd::RefPtr<Fifo> fifo, bool reads,
           bool writes)
      : OpenFile(kstd::Move(vnode), flags),
        fifo_(kstd::Move(fifo)),
        reads_(reads),
        writes_(writes) {}

  ~FifoFile() override {
    {
      SpinLockGuard guard(fifo_->lock());
      if (reads_) --fifo_->readers;
      if (writes_) --fifo_->writers;
      if (fifo_->readers == 0 && fifo_->writers == 0) {
        fifo_->head = 0;  // the data goes with the last open
        fifo_->used = 0;
      }
      fifo_->PublishLocked();
    }
    SpinLockGuard guard(g_registry_lock);
    if (--fifo_->opens == 0) g_fifos.Remove(fifo_.get());
  }

  bool seekable() const override { return false; }

  kstd::Result<size_t> Read(uint64_t, kstd::Span<uint8_t> out) override {
    if (out.empty()) return size_t{0};
    SpinLockGuard guard(fifo_->lock());
    Fifo& f = *fifo_;
    if (f.used > 0) {
      size_t n = kstd::Min(out.size(), f.used);
      f.Take(out.data(), n);
      f.PublishLocked();
      return n;
    }
    if (f.writers == 0) return size_t{0};  // end of file
    return kstd::Error::kAgain;
  }

  kstd::Result<size_t> Write(uint64_t, kstd::Span<const uint8_t> in) override {
    SpinLockGuard guard(fifo_->lock());
    Fifo& f = *fifo_;
    if (f.readers == 0) return kstd::Error::kPipe;
    size_t room = f.capacity - f.used;
    // Up to PIPE_BUF bytes go in one piece or not at all.
    size_t need = in.size() <= kPipeBuf ? in.size() : 1;
    if (room < need || room == 0) return kstd::Error::kAgain;
    size_t n = kstd::Min(in.size(), room);
    f.Put(in.data(), n);
    f.PublishLocked();
    return n;
  }

  kstd::Result<size_t> Append(kstd::Span<const uint8_t> in, uint64_t* end) override {
    *end = 0;
    return Write(0, in);
  }

  uint32_t Poll() override {
    SpinLockGuard guard(fifo_->lock());
    const Fifo& f = *fifo_;
    uint32_t ev = 0;
    if (reads_) {
      if (f.used > 0) ev |= linux_abi::kPollIn | linux_abi::kPollRdNorm;
      // Hang-up once a writer came and went (not before any came, as Linux).
      if (f.writers == 0 && f.writer_opens != writer_opens_at_open_) ev |= linux_abi::kPollHup;
    }
    if (writes_) {
      if (f.readers == 0) {
        ev |= linux_abi::kPollErr;
      } else if (f.capacity - f.used >= kPipeBuf) {
        ev |= linux_abi::kPollOut | linux_abi::kPollWrNorm;
      }
    }
    return ev;
  }

  KernelObject* WaitObject() override { return fifo_.get(); }

  uint64_t writer_opens_at_open_ = 0;

 private:
  const kstd::RefPtr<Fifo> fifo_;
  const bool reads_;
  const bool writes_;
};

// The fifo object of node (dev, ino), made on its first open; counts the
// open (FifoFile's destructor, or the caller on failure, uncounts it).
kstd::Result<kstd::RefPtr<Fifo>> FindOrMake(uint64_t dev, uint64_t ino) {
  kstd::RefPtr<Fifo> fresh;  // made without the lock, used if still needed
  for (;;) {
    {
      SpinLockGuard guard(g_registry_lock);
      Fifo* f = g_fifos.FindIf([&](Fifo* x) { return x->dev == dev && x->ino == ino; });
      if (f != nullptr) {
        // Alive: registered only while some FifoFile holds a reference.
        ++f->opens;
        return kstd::RefPtr<Fifo>::FromRaw(f);
      }
      if (fresh) {
        ++fresh->opens;
        g_fifos.PushBack(fresh.get());
        return fresh;
      }
    }
    fresh = kstd::AdoptRef(new (kstd::nothrow) Fifo(dev, ino));
    if (!fresh) return kstd::Error::kNoMemory;
    fresh->data = new (kstd::nothrow) uint8_t[kPipeCapacity];
    if (fresh->data == nullptr) return kstd::Error::kNoMemory;
  }
}

// The fifo of node `node` while someone has it open, or null.
kstd::RefPtr<Fifo> FindOpen(vfs::Vnode* node) {
  vfs::Attributes attr = node->GetAttr();
  SpinLockGuard guard(g_registry_lock);
  Fifo* f = g_fifos.FindIf([&](Fifo* x) { return x->dev == attr.dev && x->ino == attr.ino; });
  return f != nullptr ? kstd::RefPtr<Fifo>::FromRaw(f) : kstd::RefPtr<Fifo>();
}

}  // namespace

kstd::Result<size_t> FifoSize(vfs::Vnode* node) {
  kstd::RefPtr<Fifo> fifo = FindOpen(node);
  if (!fifo) return kstd::Error::kBadHandle;
  SpinLockGuard guard(fifo->lock());
  return fifo->capacity;
}

kstd::Result<void> ResizeFifo(vfs::Vnode* node, size_t capacity) {
  kstd::RefPtr<Fifo> fifo = FindOpen(node);
  if (!fifo) return kstd::Error::kBadHandle;
  Fifo* f = fifo.get();
  return ResizeRing(*f, f->lock(), capacity, [f]() { f->PublishLocked(); });
}

kstd::Result<kstd::RefPtr<vfs::OpenFile>> OpenFifo(kstd::RefPtr<vfs::Vnode> node, uint32_t flags) {
  vfs::Attributes attr = node->GetAttr();
  uint32_t mode = flags & linux_abi::kOAccMode;
  bool reads = mode != linux_abi::kOWrOnly;
  bool writes = mode != linux_abi::kORdOnly;
  bool nonblocking = (flags & linux_abi::kONonBlock) != 0;
  kstd::RefPtr<Fifo> fifo = TRY(FindOrMake(attr.dev, attr.ino));
  // The FifoFile owns the fifo's open count from here (its destructor
  // undoes the counts below).
  auto* file = new (kstd::nothrow) FifoFile(node, flags, fifo, reads, writes);
  if (file == nullptr) {
    SpinLockGuard guard(g_registry_lock);
    if (--fifo->opens == 0) g_fifos.Remove(fifo.get());
    return kstd::Error::kNoMemory;
  }
  kstd::RefPtr<FifoFile> opened = kstd::AdoptRef(file);
  uint64_t peer_opens_seen;
  bool enxio = false;
  {
    SpinLockGuard guard(fifo->lock());
    if (reads) {
      ++fifo->readers;
      ++fifo->reader_opens;
    }
    if (writes) {
      ++fifo->writers;
      ++fifo->writer_opens;
    }
    opened->writer_opens_at_open_ = fifo->writer_opens;
    peer_opens_seen = reads ? fifo->writer_opens : fifo->reader_opens;
    fifo->PublishLocked();
    enxio = mode == linux_abi::kOWrOnly && nonblocking && fifo->readers == 0;
  }
  // Linux: a writer that will not wait for a reader gets ENXIO (`opened`'s
  // release undoes the counts).
  if (enxio) return kstd::Error::kNoDeviceOrAddress;
  if (mode == linux_abi::kORdWr || nonblocking) return kstd::RefPtr<vfs::OpenFile>(opened);
  // A blocking open waits for the other side: a writer for a reader, a
  // reader for a writer (one that came and went counts too).
  Signals wanted = reads ? kSignalHasWriter : kSignalHasReader;
  for (;;) {
    {
      SpinLockGuard guard(fifo->lock());
      uint64_t opens = reads ? fifo->writer_opens : fifo->reader_opens;
      int peers = reads ? fifo->writers : fifo->readers;
      if (peers > 0 || opens != peer_opens_seen) break;
    }
    // Short slices: a peer that opens and closes between the check and the
    // wait is still seen by the counts above.
    kstd::RefPtr<KernelObject> object(fifo);
    auto waited =
        ipc::WaitForSignals(&object, &wanted, 1, sched::DeadlineAfterNanos(100'000'000), nullptr);
    if (waited.is_error() && waited.error() == kstd::Error::kInterrupted) {
      return kstd::Error::kRestartSys;  // as Linux's fifo open: restarted under SA_RESTART
    }
  }
  return kstd::RefPtr<vfs::OpenFile>(opened);
}

void InitFifos() { vfs::SetFifoOpener(OpenFifo); }

}  // namespace core::fd
