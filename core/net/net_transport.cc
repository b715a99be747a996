#include "core/net/net_transport.h"

#include "core/ipc/message_packet.h"
#include "core/ipc/wait.h"
#include "core/kernel/log.h"
#include "core/kernel/memory.h"
#include "hal/memory.h"
#include "kstd/new.h"

namespace core::net {
namespace {

constexpr uint64_t kAreaPages = netproto::kDataAreaSize / 4096;
constexpr Rights kAreaRights = kRightsBasic | kRightRead | kRightWrite | kRightMap;
// A server answers every request at once; one that has not answered in this
// long is stuck, and its sockets are better off failing than hanging.
constexpr uint64_t kReplyTimeoutNs = 10'000'000'000;
constexpr uint64_t kAllReadiness = netproto::kReadable | netproto::kWritable |
                                   netproto::kReadClosed | netproto::kHangup | netproto::kError;

SpinLock g_current_lock;
kstd::RefPtr<NetTransport> g_current GUARDED_BY(g_current_lock);

}  // namespace

NetTransport::NetTransport(kstd::RefPtr<ipc::ChannelEndpoint> endpoint,
                           kstd::RefPtr<vm::VmObject> area)
    : endpoint_(kstd::Move(endpoint)),
      area_(kstd::Move(area)),
      area_bytes_(static_cast<uint8_t*>(hal::PhysToVirt(area_->physical_base()))) {}

NetTransport::~NetTransport() {
  if (observing_) endpoint_->RemoveObserver(this);
  endpoint_->Close();
  // Calls end before the last reference goes (each holds one); only
  // abandoned ones can remain.
  while (Pending* p = pending_.PopFront()) delete p;
}

kstd::Result<kstd::RefPtr<NetTransport>> NetTransport::Create(
    kstd::RefPtr<ipc::ChannelEndpoint> endpoint) {
  auto run = Pmm().AllocRun(kAreaPages);
  if (run.is_error()) {
    endpoint->Close();
    return run.error();
  }
  __builtin_memset(hal::PhysToVirt(run.value()), 0, netproto::kDataAreaSize);
  auto vmo = vm::VmObject::CreateContiguousOwned(&Pmm(), run.value(), kAreaPages);
  if (vmo.is_error()) {
    (void)Pmm().FreeRun(run.value(), kAreaPages);
    endpoint->Close();
    return vmo.error();
  }
  kstd::RefPtr<NetTransport> t =
      kstd::AdoptRef(new (kstd::nothrow) NetTransport(endpoint, vmo.release_value()));
  if (!t) {
    endpoint->Close();
    return kstd::Error::kNoMemory;
  }
  netproto::Request hello{};
  hello.magic = netproto::kMagic;
  hello.op = netproto::kHello;
  hello.version = netproto::kVersion;
  hello.slot = netproto::kNoSlot;
  hello.length = netproto::kDataAreaSize;
  ipc::MessagePacket* packet =
      TRY(ipc::MessagePacket::Create(sizeof hello, 1, ipc::SenderInfo{}, 0));
  __builtin_memcpy(packet->bytes().data(), &hello, sizeof hello);
  packet->handles()[0] = Handle{kstd::RefPtr<KernelObject>(t->area_), kAreaRights};
  auto written = t->endpoint_->Write(packet);
  if (written.is_error()) {
    ipc::MessagePacket::DeleteDeferred(packet);
    return kstd::Error::kPipe;
  }
  t->observing_ = true;
  Signals now = t->endpoint_->AddObserver(t.get());
  if (now & kSignalPeerClosed) t->Kill("the network server's end closed");
  return t;
}

kstd::RefPtr<NetTransport> NetTransport::Current() {
  SpinLockGuard guard(g_current_lock);
  return g_current;
}

void NetTransport::Install(kstd::RefPtr<NetTransport> transport) {
  kstd::RefPtr<NetTransport> old;
  {
    SpinLockGuard guard(g_current_lock);
    old = kstd::Move(g_current);
    g_current = kstd::Move(transport);
  }
  if (old) old->Kill("a new network server registered");
}

kstd::Error NetTransport::ErrorOf(int32_t result) {
  switch (-result) {
    case linux_abi::kEPERM:
    case linux_abi::kEIO:
    case linux_abi::kEAGAIN:
    case linux_abi::kENOMEM:
    case linux_abi::kEACCES:
    case linux_abi::kEBUSY:
    case linux_abi::kEINVAL:
    case linux_abi::kENODEV:
    case linux_abi::kENOTTY:
    case linux_abi::kENXIO:
    case linux_abi::kEPIPE:
    case linux_abi::kEMSGSIZE:
    case linux_abi::kEDESTADDRREQ:
    case linux_abi::kEPROTOTYPE:
    case linux_abi::kENOPROTOOPT:
    case linux_abi::kEPROTONOSUPPORT:
    case linux_abi::kESOCKTNOSUPPORT:
    case linux_abi::kEOPNOTSUPP:
    case linux_abi::kEAFNOSUPPORT:
    case linux_abi::kEADDRINUSE:
    case linux_abi::kEADDRNOTAVAIL:
    case linux_abi::kENETDOWN:
    case linux_abi::kENETUNREACH:
    case linux_abi::kECONNABORTED:
    case linux_abi::kECONNRESET:
    case linux_abi::kENOBUFS:
    case linux_abi::kEISCONN:
    case linux_abi::kENOTCONN:
    case linux_abi::kETIMEDOUT:
    case linux_abi::kECONNREFUSED:
    case linux_abi::kEHOSTUNREACH:
    case linux_abi::kEALREADY:
    case linux_abi::kEINPROGRESS: return static_cast<kstd::Error>(-result);
    default: return kstd::Error::kIo;
  }
}

void NetTransport::Attach(RemoteSocketLink* socket) {
  bool is_dead;
  {
    SpinLockGuard guard(lock_);
    sockets_.PushBack(socket);
    is_dead = dead_;
  }
  if (is_dead) socket->OnReadiness(kAllReadiness);
}

void NetTransport::Detach(RemoteSocketLink* socket) {
  SpinLockGuard guard(lock_);
  sockets_.Remove(socket);
}

void NetTransport::OnSignalsChanged(Signals signals) {
  if (signals & kSignalPeerClosed) Kill("the network server's end closed");
}

void NetTransport::Kill(const char* why) {
  {
    SpinLockGuard guard(lock_);
    if (dead_) return;
    KillLocked();
  }
  Log("net", "network server link down (%s): its sockets fail with ECONNRESET", why);
  replies_.WakeAll();
  slot_waiters_.WakeAll();
}

void NetTransport::KillLocked() {
  __atomic_store_n(&dead_, true, __ATOMIC_RELEASE);
  for (Pending* p = pending_.Front(); p != nullptr;) {
    Pending* next = pending_.Next(p);
    if (p->abandoned) {
      pending_.Remove(p);
      delete p;
    }
    p = next;
  }
  sockets_.ForEach([](RemoteSocketLink* s) { s->OnReadiness(kAllReadiness); });
}

kstd::Result<uint32_t> NetTransport::TakeSlot(uint64_t deadline) {
  struct Context {
    NetTransport* self;
  } context{this};
  for (;;) {
    {
      SpinLockGuard guard(lock_);
      if (dead_) return kstd::Error::kConnectionReset;
      if (free_slots_ != 0) {
        uint32_t slot = static_cast<uint32_t>(__builtin_ctz(free_slots_));
        free_slots_ &= ~(1u << slot);
        return slot;
      }
    }
    auto none_free = [](void* c) {
      NetTransport* t = static_cast<Context*>(c)->self;
      return __atomic_load_n(&t->free_slots_, __ATOMIC_RELAXED) == 0 && !t->dead();
    };
    sched::WakeReason why = slot_waiters_.WaitIf(deadline, none_free, &context);
    if (why == sched::WakeReason::kInterrupted && sched::InterruptEndsWait())
      return kstd::Error::kInterrupted;
    if (why == sched::WakeReason::kTimedOut) return kstd::Error::kNoBuffers;
  }
}

void NetTransport::GiveSlot(uint32_t slot) {
  if (slot == netproto::kNoSlot) return;
  {
    SpinLockGuard guard(lock_);
    free_slots_ |= 1u << slot;
  }
  slot_waiters_.WakeOne();
}

kstd::Result<void> NetTransport::WritePacket(const netproto::Request& request, uint32_t txid,
                                             uint64_t deadline) {
  for (;;) {
    ipc::MessagePacket* packet =
        TRY(ipc::MessagePacket::Create(sizeof request, 0, ipc::SenderInfo{}, txid));
    __builtin_memcpy(packet->bytes().data(), &request, sizeof request);
    auto written = endpoint_->Write(packet);
    if (written.ok()) return kstd::Ok();
    ipc::MessagePacket::DeleteDeferred(packet);
    if (written.error() != kstd::Error::kAgain) return kstd::Error::kConnectionReset;
    // The server's queue is full: wait a little for it to drain.
    kstd::RefPtr<KernelObject> object(endpoint_);
    Signals wanted = kSignalPeerClosed;
    uint64_t slice = sched::DeadlineAfterNanos(5'000'000);
    auto waited = ipc::WaitForSignals(
        &object, &wanted, 1, deadline != 0 && deadline < slice ? deadline : slice, nullptr);
    if (waited.ok()) return kstd::Error::kConnectionReset;  // peer closed
    if (waited.error() == kstd::Error::kInterrupted && sched::InterruptEndsWait())
      return kstd::Error::kInterrupted;
    if (sched::DeadlineAfterNanos(0) >= deadline) return kstd::Error::kTimedOut;
  }
}

kstd::Result<netproto::Delivery> NetTransport::Call(netproto::Request& request,
                                                    kstd::Span<const uint8_t> in,
                                                    kstd::Span<uint8_t> out) {
  if (dead()) return kstd::Error::kConnectionReset;
  if (in.size() > netproto::kSlotSize || out.size() > netproto::kSlotSize)
    return kstd::Error::kInvalid;
  // The server answers at once; a signal does not end the wait (the call
  // is short), being killed does.
  sched::KillableWaits killable;
  const uint64_t deadline = sched::DeadlineAfterNanos(kReplyTimeoutNs);
  request.magic = netproto::kMagic;
  request.version = netproto::kVersion;
  request.slot = netproto::kNoSlot;
  request.length = 0;
  if (!in.empty() || !out.empty()) {
    request.slot = TRY(TakeSlot(deadline));
    uint8_t* slot_bytes = area_bytes_ + size_t{request.slot} * netproto::kSlotSize;
    if (!in.empty()) __builtin_memcpy(slot_bytes, in.data(), in.size());
    request.length = static_cast<uint32_t>(in.empty() ? out.size() : in.size());
  }
  Pending* p = new (kstd::nothrow) Pending;
  if (p == nullptr) {
    GiveSlot(request.slot);
    return kstd::Error::kNoMemory;
  }
  p->txid = ipc::NewTxid();
  p->slot = request.slot;
  p->out_room = static_cast<uint32_t>(out.size());
  {
    SpinLockGuard guard(lock_);
    pending_.PushBack(p);
  }
  auto written = WritePacket(request, p->txid, deadline);
  if (written.is_error()) {
    {
      SpinLockGuard guard(lock_);
      pending_.Remove(p);
    }
    GiveSlot(p->slot);
    delete p;
    if (written.error() == kstd::Error::kInterrupted) return kstd::Error::kInterrupted;
    Kill(written.error() == kstd::Error::kTimedOut ? "its request queue stayed full"
                                                   : "its channel closed");
    return kstd::Error::kConnectionReset;
  }
  struct Context {
    NetTransport* self;
    Pending* pending;
  } context{this, p};
  auto still_waiting = [](void* c) {
    auto* ctx = static_cast<Context*>(c);
    return !__atomic_load_n(&ctx->pending->done, __ATOMIC_ACQUIRE) && !ctx->self->dead();
  };
  for (;;) {
    sched::WakeReason why = replies_.WaitIf(deadline, still_waiting, &context);
    bool timed_out = false;
    {
      SpinLockGuard guard(lock_);
      if (p->done) break;
      if (dead_) {
        pending_.Remove(p);
        delete p;  // the slot belongs to a dead area now
        return kstd::Error::kConnectionReset;
      }
      if (why == sched::WakeReason::kInterrupted && sched::InterruptEndsWait()) {
        p->abandoned = true;  // ApplyReply frees it and its slot
        return kstd::Error::kInterrupted;
      }
      if (why == sched::WakeReason::kTimedOut) {
        pending_.Remove(p);
        delete p;
        timed_out = true;
      }
    }
    if (timed_out) {
      Kill("it missed its 10 s deadline");
      return kstd::Error::kConnectionReset;
    }
  }
  netproto::Delivery reply = p->reply;
  if (reply.length != 0) {
    __builtin_memcpy(out.data(), area_bytes_ + size_t{p->slot} * netproto::kSlotSize, reply.length);
  }
  uint32_t slot = p->slot;
  delete p;
  GiveSlot(slot);
  return reply;
}

void NetTransport::Post(const netproto::Request& request) {
  if (dead()) return;
  netproto::Request r = request;
  r.magic = netproto::kMagic;
  r.version = netproto::kVersion;
  r.slot = netproto::kNoSlot;
  r.length = 0;
  auto packet = ipc::MessagePacket::Create(sizeof r, 0, ipc::SenderInfo{}, 0);
  if (packet.is_error()) return;
  __builtin_memcpy(packet.value()->bytes().data(), &r, sizeof r);
  if (endpoint_->Write(packet.value()).is_error())
    ipc::MessagePacket::DeleteDeferred(packet.value());
}

void NetTransport::Drop(const char* what) {
  uint64_t n = __atomic_add_fetch(&bad_records_, 1, __ATOMIC_RELAXED);
  if (n <= 8) Log("net", "dropped a record from the network server: %s", what);
}

void NetTransport::ApplyReply(const netproto::Delivery& d) {
  Pending* p = pending_.FindIf([&](Pending* q) { return q->txid == d.id && !q->done; });
  if (p == nullptr || d.id == 0) {
    Drop("a reply nobody waits for");
    return;
  }
  netproto::Delivery checked = d;
  if (d.length > p->out_room || d.address_length > netproto::kMaxAddress ||
      (d.result < 0 && ErrorOf(d.result) == kstd::Error::kIo && d.result != -linux_abi::kEIO)) {
    Drop("a reply with a bad length, address or errno");
    checked = netproto::Delivery{};
    checked.kind = netproto::kReply;
    checked.result = -linux_abi::kEIO;
  }
  pending_.Remove(p);
  if (p->abandoned) {
    if (p->slot != netproto::kNoSlot) free_slots_ |= 1u << p->slot;
    delete p;
    return;
  }
  p->reply = checked;
  __atomic_store_n(&p->done, true, __ATOMIC_RELEASE);
}

void NetTransport::ApplyEvent(const netproto::Delivery& d) {
  RemoteSocketLink* s = sockets_.FindIf([&](RemoteSocketLink* q) { return q->remote_id == d.id; });
  if (s == nullptr) return;  // closed meanwhile: events cross kClose on the way
  s->OnReadiness(d.value & kAllReadiness);
}

void NetTransport::Deliver(const netproto::Delivery* records, size_t count) {
  {
    SpinLockGuard guard(lock_);
    if (dead_) return;
    for (size_t i = 0; i < count; ++i) {
      const netproto::Delivery& d = records[i];
      if (d.kind == netproto::kReply) {
        ApplyReply(d);
      } else if (d.kind == netproto::kEvent) {
        ApplyEvent(d);
      } else {
        Drop("an unknown record kind");
      }
    }
  }
  replies_.WakeAll();
  slot_waiters_.WakeAll();
}

}  // namespace core::net
