#include "core/net/unix_socket.h"

#include "abi/linux/poll.h"
#include "core/ipc/wait.h"
#include "core/posix/credentials.h"
#include "core/sched/scheduler.h"
#include "core/sync/spin_lock.h"
#include "core/sync/thread_annotations.h"
#include "core/vfs/ops.h"
#include "kstd/intrusive_list.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::net {
namespace {

// Every AF_UNIX socket's state (see the header's note on locking).
SpinLock g_lock;

// A listener: a connection waits to be accepted; a datagram receiver: a
// datagram from an unconnected sender fits. Blocked connect()s and sends
// wait for it on the receiving socket.
constexpr Signals kSignalRoom = 1u << 8;

// net.unix.max_dgram_qlen.
constexpr size_t kMaxDatagramQueue = 10;
// Linux reserves this much of SO_SNDBUF for a datagram's own bookkeeping.
constexpr size_t kDatagramOverhead = 32;

enum class State : uint8_t { kUnconnected, kListening, kConnected };

class Endpoint;
class UnixSocket;

// One send: its bytes (a stream consumes them from `offset`), passed files
// and the sender's credentials.
struct Message {
  kstd::ListNode node;
  kstd::RefPtr<Endpoint> sender;
  uint8_t* data = nullptr;
  size_t size = 0;
  size_t offset = 0;
  FileRights rights;
  bool rights_counted = false;  // its AF_UNIX sockets count as in flight
  Credentials credentials;
  ~Message() { delete[] data; }
  size_t left() const { return size - offset; }
};

using MessageList = kstd::IntrusiveList<Message, &Message::node>;

// Frees detached messages (their passed files may be sockets whose release
// takes g_lock): only ever with g_lock not held.
void FreeMessages(MessageList& list) {
  while (Message* m = list.PopFront()) delete m;
}

// The state of one socket, apart from its file: a socket that is closed
// leaves its endpoint behind as long as a peer or a message still names it
// (so a peer can read its name and see it is gone). A connection that is
// not yet accepted is an endpoint without a socket.
class Endpoint : public kstd::RefCounted<Endpoint> {
 public:
  explicit Endpoint(int type) : type(type) {}
  ~Endpoint() {
    // Closing drained the queue; whatever is left has no passed files.
    FreeMessages(queue);
  }

  const int type;
  State state GUARDED_BY(g_lock) = State::kUnconnected;
  bool closed GUARDED_BY(g_lock) = false;
  UnixSocket* owner GUARDED_BY(g_lock) = nullptr;  // null: closed, or not accepted yet
  kstd::RefPtr<Endpoint> peer GUARDED_BY(g_lock);
  UnixAddress name GUARDED_BY(g_lock);    // bound, or (accepted) the listener's
  bool bound GUARDED_BY(g_lock) = false;  // holds `name`: others find it by it
  // A path name's file: (st_dev, st_ino) of the socket node.
  uint64_t node_dev GUARDED_BY(g_lock) = 0;
  uint64_t node_ino GUARDED_BY(g_lock) = 0;

  MessageList queue GUARDED_BY(g_lock);
  size_t queued_bytes GUARDED_BY(g_lock) = 0;
  // Bytes this endpoint sent that still wait in receivers' queues.
  size_t unread_sent GUARDED_BY(g_lock) = 0;

  // A listener's connections not yet accepted (each holds a reference).
  kstd::ListNode pending_node;
  kstd::IntrusiveList<Endpoint, &Endpoint::pending_node> pending GUARDED_BY(g_lock);
  int backlog GUARDED_BY(g_lock) = 0;

  bool shut_read GUARDED_BY(g_lock) = false;   // no more data will arrive
  bool shut_write GUARDED_BY(g_lock) = false;  // no more data may be sent
  int error GUARDED_BY(g_lock) = 0;            // SO_ERROR (errno)

  Credentials credentials GUARDED_BY(g_lock);  // its own, for a peer's SO_PEERCRED
  Credentials peer_credentials GUARDED_BY(g_lock);
  bool has_peer_credentials GUARDED_BY(g_lock) = false;

  kstd::ListNode all_node;  // g_all

  bool connection_mode() const { return type != linux_abi::kSockDgram; }
};

kstd::IntrusiveList<Endpoint, &Endpoint::all_node> g_all GUARDED_BY(g_lock);
uint32_t g_autobind_serial GUARDED_BY(g_lock) = 0;

int16_t EventsOf(const Endpoint& e) REQUIRES(g_lock);
void Publish(Endpoint* e, bool new_arrival = false) REQUIRES(g_lock);

class UnixSocket final : public Socket {
 public:
  UnixSocket(kstd::RefPtr<Endpoint> endpoint, int type, uint32_t status_flags)
      : Socket(linux_abi::kAfUnix, type, 0, status_flags), endpoint_(kstd::Move(endpoint)) {}
  ~UnixSocket() override;

  Endpoint* endpoint() const { return endpoint_.get(); }

  // `new_arrival`: data came in (an edge for EPOLLET watchers even when the
  // socket was readable already, as Linux).
  void PublishLocked(int16_t events, bool room, bool new_arrival) {
    SpinLockGuard guard(lock_);
    SyncSignalsLocked(events, new_arrival);
    UpdateSignalsLocked(kSignalRoom, room ? kSignalRoom : 0);
  }

  kstd::Result<void> Bind(const SocketAddress& address, const Caller& caller) override;
  kstd::Result<void> Listen(int backlog) override;
  kstd::Result<kstd::RefPtr<Socket>> Accept(uint32_t flags) override;
  kstd::Result<void> Connect(const SocketAddress& address, const Caller& caller) override;
  kstd::Result<void> Shutdown(int how) override;
  kstd::Result<size_t> Send(SendRequest& request) override;
  kstd::Result<size_t> Receive(kstd::Span<uint8_t> out, int flags, ReceiveResult* result) override;
  kstd::Result<void> LocalName(SocketAddress* out) override;
  kstd::Result<void> PeerName(SocketAddress* out) override;
  int16_t PollEvents() override {
    SpinLockGuard guard(g_lock);
    return EventsOf(*endpoint_);
  }

 protected:
  int TakeError() override {
    SpinLockGuard guard(g_lock);
    int e = endpoint_->error;
    endpoint_->error = 0;
    Publish(endpoint_.get());
    return e;
  }
  bool IsListening() const override {
    SpinLockGuard guard(g_lock);
    return endpoint_->state == State::kListening;
  }
  kstd::Result<Credentials> PeerCredentials() override {
    SpinLockGuard guard(g_lock);
    if (!endpoint_->has_peer_credentials) {
      // Linux answers an unconnected unix socket with {0, -1, -1}.
      return Credentials{0, static_cast<uint32_t>(-1), static_cast<uint32_t>(-1)};
    }
    return endpoint_->peer_credentials;
  }
  kstd::Result<int> BytesToRead() override;
  kstd::Result<int> BytesUnsent() override {
    SpinLockGuard guard(g_lock);
    if (endpoint_->state == State::kListening) return kstd::Error::kInvalid;
    return static_cast<int>(endpoint_->unread_sent);
  }

 private:
  bool WouldBlock(int flags) const {
    return nonblocking() || (flags & linux_abi::kMsgDontWait) != 0;
  }
  // Sleeps until `wanted` shows on `target` (this socket by default).
  // kTimedOut becomes kAgain (SO_*TIMEO expiry is EAGAIN in Linux).
  kstd::Result<void> WaitFor(KernelObject* target, Signals wanted, uint64_t deadline);

  kstd::Result<kstd::RefPtr<Endpoint>> FindNamed(const UnixAddress& name, const Caller& caller);
  kstd::Result<size_t> SendStream(SendRequest& request);
  kstd::Result<size_t> SendDatagram(SendRequest& request);
  kstd::Result<size_t> ReceiveStream(kstd::Span<uint8_t> out, int flags, ReceiveResult* result);
  kstd::Result<size_t> ReceiveDatagram(kstd::Span<uint8_t> out, int flags, ReceiveResult* result);

  const kstd::RefPtr<Endpoint> endpoint_;

 public:
  // The garbage collector's bookkeeping (gc below).
  size_t inflight GUARDED_BY(g_lock) = 0;  // queued messages that carry this file
  size_t gc_refs GUARDED_BY(g_lock) = 0;
  bool gc_candidate GUARDED_BY(g_lock) = false;
  bool gc_live GUARDED_BY(g_lock) = false;
};

size_t g_inflight_total GUARDED_BY(g_lock) = 0;
bool g_gc_running GUARDED_BY(g_lock) = false;

// The AF_UNIX socket a passed file is, or null.
UnixSocket* AsUnix(fd::FileDescription* f) {
  if (!f->IsSocket()) return nullptr;
  auto* s = static_cast<Socket*>(f);
  return s->family() == linux_abi::kAfUnix ? static_cast<UnixSocket*>(s) : nullptr;
}

// Counts (or uncounts) the AF_UNIX sockets among a queued message's files.
void CountRightsLocked(Message* m, bool in_queue) REQUIRES(g_lock) {
  if (m->rights_counted == in_queue) return;
  m->rights_counted = in_queue;
  for (size_t i = 0; i < m->rights.size(); ++i) {
    if (UnixSocket* u = AsUnix(m->rights.at(i))) {
      if (in_queue) {
        ++u->inflight;
        ++g_inflight_total;
      } else {
        --u->inflight;
        --g_inflight_total;
      }
    }
  }
}

// Takes every message off e's queue into `dead` (to be freed without the
// lock), settling the byte counts and waking the senders.
void DrainQueueLocked(Endpoint* e, MessageList* dead) REQUIRES(g_lock) {
  while (Message* m = e->queue.PopFront()) {
    e->queued_bytes -= m->left();
    CountRightsLocked(m, false);
    if (m->sender) {
      m->sender->unread_sent -= m->left();
      Publish(m->sender.get());
    }
    dead->PushBack(m);
  }
}

// ---- readiness ----

bool DatagramQueueFull(const Endpoint& receiver) REQUIRES(g_lock) {
  return receiver.queue.size() > kMaxDatagramQueue;
}

bool Writable(const Endpoint& e, uint32_t sndbuf) REQUIRES(g_lock) {
  if (e.state == State::kListening) return false;
  if (e.unread_sent * 4 > sndbuf) return false;
  if (!e.connection_mode() && e.peer && e.peer->peer.get() != &e && DatagramQueueFull(*e.peer)) {
    return false;
  }
  return true;
}

int16_t EventsOf(const Endpoint& e) {
  int16_t ev = 0;
  if (e.error != 0) ev |= linux_abi::kPollErr;
  if (e.shut_read && e.shut_write) ev |= linux_abi::kPollHup;
  if (e.shut_read) {
    ev |= static_cast<int16_t>(linux_abi::kPollRdHup | linux_abi::kPollIn | linux_abi::kPollRdNorm);
  }
  if (!e.queue.empty() || !e.pending.empty()) ev |= linux_abi::kPollIn | linux_abi::kPollRdNorm;
  if (e.connection_mode() && e.state == State::kUnconnected) ev |= linux_abi::kPollHup;
  uint32_t sndbuf = e.owner != nullptr ? e.owner->send_buffer() : kDefaultSocketBuffer;
  if (Writable(e, sndbuf)) ev |= linux_abi::kPollOut | linux_abi::kPollWrNorm;
  return ev;
}

bool HasRoom(const Endpoint& e) REQUIRES(g_lock) {
  if (e.state == State::kListening) return e.pending.size() <= static_cast<size_t>(e.backlog);
  return !DatagramQueueFull(e);
}

void Publish(Endpoint* e, bool new_arrival) {
  if (e != nullptr && e->owner != nullptr) {
    e->owner->PublishLocked(EventsOf(*e), HasRoom(*e), new_arrival);
  }
}

// ---- names ----

Endpoint* FindByNameLocked(const UnixAddress& name) REQUIRES(g_lock) {
  return g_all.FindIf([&](Endpoint* e) NO_THREAD_SAFETY_ANALYSIS {  // g_lock is held
    return !e->closed && e->bound && e->name.kind == UnixAddress::Kind::kAbstract &&
           e->name.SameName(name);
  });
}

Endpoint* FindByNodeLocked(uint64_t dev, uint64_t ino) REQUIRES(g_lock) {
  return g_all.FindIf([&](Endpoint* e) NO_THREAD_SAFETY_ANALYSIS {  // g_lock is held
    return !e->closed && e->bound && e->name.kind == UnixAddress::Kind::kPath &&
           e->node_dev == dev && e->node_ino == ino;
  });
}

// Picks an unused five-digit abstract name (Linux's autobind).
kstd::Result<void> AutobindLocked(Endpoint* e) REQUIRES(g_lock) {
  for (uint32_t tries = 0; tries < 0x100000; ++tries) {
    UnixAddress candidate = AutobindName(g_autobind_serial++ & 0xfffff);
    if (FindByNameLocked(candidate) == nullptr) {
      e->name = candidate;
      e->bound = true;
      return kstd::Ok();
    }
  }
  return kstd::Error::kNoSpace;
}

// ---- closing ----

// Cuts `e` loose when its socket closes (or, for a connection never
// accepted, when its listener closes): peers see the hang-up, its name is
// free again, and its queued messages and pending connections move to
// `dead_messages` / `dead_pending` to be released without the lock.
void CloseEndpointLocked(Endpoint* e, MessageList* dead_messages,
                         kstd::IntrusiveList<Endpoint, &Endpoint::pending_node>* dead_pending)
    REQUIRES(g_lock) {
  e->closed = true;
  e->owner = nullptr;
  bool unread = !e->queue.empty();
  if (e->peer && e->connection_mode()) {
    Endpoint* p = e->peer.get();
    p->shut_read = true;
    p->shut_write = true;
    if (unread || e->state == State::kListening) p->error = linux_abi::kECONNRESET;
    Publish(p);
  }
  e->peer.reset();
  DrainQueueLocked(e, dead_messages);
  while (Endpoint* c = e->pending.PopFront()) dead_pending->PushBack(c);
  if (e->all_node.linked()) g_all.Remove(e);
}

// Releases what closing collected; the pending connections are closed in
// turn (their clients see ECONNRESET).
void ReleaseClosed(MessageList& messages,
                   kstd::IntrusiveList<Endpoint, &Endpoint::pending_node>& pending) {
  FreeMessages(messages);
  while (Endpoint* c = pending.PopFront()) {
    kstd::RefPtr<Endpoint> conn = kstd::AdoptRef(c);  // the list's reference
    MessageList more;
    kstd::IntrusiveList<Endpoint, &Endpoint::pending_node> none;
    {
      SpinLockGuard guard(g_lock);
      // A connection that was queued is reset rather than shut down cleanly.
      conn->error = 0;
      if (conn->peer) conn->peer->error = linux_abi::kECONNRESET;
      CloseEndpointLocked(conn.get(), &more, &none);
    }
    FreeMessages(more);
  }
}

// ---- the garbage collector ----
//
// A socket passed over a socket can keep itself alive: A's file in a message
// queued at B, B's file in a message queued at A, and no fd left. Linux's
// answer, here too: a socket whose every reference is a queued message is a
// candidate; a candidate is live if something other than candidates' queues
// refers to it, or a live candidate's queue holds it; the other candidates
// are garbage, and their queues are emptied, which releases the cycle. It
// runs when any AF_UNIX socket closes while sockets are in flight.
// Temporary references (a call in progress) only make it keep more.

// Calls fn(UnixSocket*) for each AF_UNIX socket queued at `e` or at the
// connections pending on it.
template <typename Fn>
void ForEachQueuedSocket(Endpoint* e, Fn fn) REQUIRES(g_lock) {
  auto walk = [&](Endpoint* q) NO_THREAD_SAFETY_ANALYSIS {  // g_lock is held
    q->queue.ForEach([&](Message* m) {
      for (size_t i = 0; i < m->rights.size(); ++i) {
        if (UnixSocket* u = AsUnix(m->rights.at(i))) fn(u);
      }
    });
  };
  walk(e);
  e->pending.ForEach(walk);
}

void CollectGarbageLocked(MessageList* dead) REQUIRES(g_lock) {
  // Candidates: every reference is a queued message.
  size_t candidates = 0;
  g_all.ForEach([&](Endpoint* e) NO_THREAD_SAFETY_ANALYSIS {  // g_lock is held
    UnixSocket* s = e->owner;
    if (s == nullptr) return;
    s->gc_candidate = s->inflight > 0 && static_cast<size_t>(s->ref_count()) == s->inflight;
    s->gc_refs = s->inflight;
    s->gc_live = false;
    if (s->gc_candidate) ++candidates;
  });
  if (candidates == 0) return;
  // References from candidates' queues are internal to the set.
  g_all.ForEach([&](Endpoint* e) NO_THREAD_SAFETY_ANALYSIS {
    if (e->owner == nullptr || !e->owner->gc_candidate) return;
    ForEachQueuedSocket(e, [](UnixSocket* u) NO_THREAD_SAFETY_ANALYSIS {
      if (u->gc_candidate) --u->gc_refs;
    });
  });
  // Live: referenced from outside, or queued at a live candidate.
  g_all.ForEach([&](Endpoint* e) NO_THREAD_SAFETY_ANALYSIS {
    if (e->owner != nullptr && e->owner->gc_candidate && e->owner->gc_refs > 0) {
      e->owner->gc_live = true;
    }
  });
  for (bool grew = true; grew;) {
    grew = false;
    g_all.ForEach([&](Endpoint* e) NO_THREAD_SAFETY_ANALYSIS {
      if (e->owner == nullptr || !e->owner->gc_candidate || !e->owner->gc_live) return;
      ForEachQueuedSocket(e, [&](UnixSocket* u) NO_THREAD_SAFETY_ANALYSIS {
        if (u->gc_candidate && !u->gc_live) {
          u->gc_live = true;
          grew = true;
        }
      });
    });
  }
  // The rest is garbage: empty their queues (freed by the caller).
  g_all.ForEach([&](Endpoint* e) NO_THREAD_SAFETY_ANALYSIS {
    if (e->owner == nullptr || !e->owner->gc_candidate || e->owner->gc_live) return;
    DrainQueueLocked(e, dead);
    e->pending.ForEach([&](Endpoint* c) NO_THREAD_SAFETY_ANALYSIS { DrainQueueLocked(c, dead); });
  });
}

// Runs the collector if sockets are in flight (not from inside itself: the
// sockets it frees close and would call it again).
void MaybeCollectGarbage() {
  MessageList dead;
  {
    SpinLockGuard guard(g_lock);
    if (g_inflight_total == 0 || g_gc_running) return;
    g_gc_running = true;
    CollectGarbageLocked(&dead);
  }
  FreeMessages(dead);
  SpinLockGuard guard(g_lock);
  g_gc_running = false;
}

UnixSocket::~UnixSocket() {
  MessageList dead_messages;
  kstd::IntrusiveList<Endpoint, &Endpoint::pending_node> dead_pending;
  {
    SpinLockGuard guard(g_lock);
    CloseEndpointLocked(endpoint_.get(), &dead_messages, &dead_pending);
  }
  ReleaseClosed(dead_messages, dead_pending);
  MaybeCollectGarbage();
}

// ---- waiting ----

kstd::Result<void> UnixSocket::WaitFor(KernelObject* target, Signals wanted, uint64_t deadline) {
  if (target == this) {
    // Besides `wanted`, a hang-up or an error on this socket ends the wait.
    kstd::RefPtr<KernelObject> self = kstd::RefPtr<KernelObject>::FromRaw(this);
    Signals w = wanted | kSignalPeerClosed;
    auto r = ipc::WaitForSignals(&self, &w, 1, deadline, nullptr);
    if (r.is_error()) return r.error() == kstd::Error::kTimedOut ? kstd::Error::kAgain : r.error();
    return kstd::Ok();
  }
  // Another socket (a full listener or datagram receiver): the reference
  // held while waiting keeps that socket open, so a socket closed by its
  // owner would never tell us. Wait in short slices; the caller drops the
  // reference and looks again (it then finds it closed, or room).
  constexpr uint64_t kSliceNanos = 50'000'000;
  uint64_t slice = sched::DeadlineAfterNanos(kSliceNanos);
  bool last = deadline != sched::kNoDeadline && deadline <= slice;
  kstd::RefPtr<KernelObject> other = kstd::RefPtr<KernelObject>::FromRaw(target);
  auto r = ipc::WaitForSignals(&other, &wanted, 1, last ? deadline : slice, nullptr);
  if (r.is_error()) {
    if (r.error() != kstd::Error::kTimedOut) return r.error();
    if (last) return kstd::Error::kAgain;  // SO_SNDTIMEO expired
  }
  return kstd::Ok();
}

// ---- bind, listen, connect, accept ----

kstd::Result<void> UnixSocket::Bind(const SocketAddress& address, const Caller& caller) {
  UnixAddress name = TRY(ParseUnixAddress(address));
  {
    SpinLockGuard guard(g_lock);
    if (endpoint_->name.named()) return kstd::Error::kInvalid;
    if (name.kind == UnixAddress::Kind::kAutobind) return AutobindLocked(endpoint_.get());
    if (name.kind == UnixAddress::Kind::kAbstract) {
      if (FindByNameLocked(name) != nullptr) return kstd::Error::kAddressInUse;
      endpoint_->name = name;
      endpoint_->bound = true;
      return kstd::Ok();
    }
  }
  if (name.length == 0) return kstd::Error::kNotFound;
  // A path: the socket's node in the file system; an existing file of any
  // kind makes the name taken.
  vfs::Name path(name.name, name.length);
  auto made = vfs::MakeNode(caller.paths, path, vfs::VnodeType::kSocket, 0777 & ~caller.umask, 0);
  if (made.is_error()) {
    return made.error() == kstd::Error::kExists ? kstd::Error::kAddressInUse : made.error();
  }
  auto node = TRY(vfs::LookupPath(caller.paths, path, false));
  vfs::Attributes attr = node->GetAttr();
  SpinLockGuard guard(g_lock);
  if (endpoint_->name.named()) return kstd::Error::kInvalid;  // bound meanwhile
  // A node that names an old socket whose file was removed and whose inode
  // number came back: the new binding wins.
  if (Endpoint* stale = FindByNodeLocked(attr.dev, attr.ino)) stale->node_ino = 0;
  endpoint_->name = name;
  endpoint_->bound = true;
  endpoint_->node_dev = attr.dev;
  endpoint_->node_ino = attr.ino;
  return kstd::Ok();
}

kstd::Result<void> UnixSocket::Listen(int backlog) {
  if (!endpoint_->connection_mode()) return kstd::Error::kOperationNotSupported;
  if (backlog < 0 || backlog > linux_abi::kSoMaxConn) backlog = linux_abi::kSoMaxConn;
  SpinLockGuard guard(g_lock);
  Endpoint* e = endpoint_.get();
  if (e->state == State::kConnected || !e->name.named()) return kstd::Error::kInvalid;
  e->backlog = backlog;
  e->state = State::kListening;
  Publish(e);
  return kstd::Ok();
}

// The socket named `name` (any state), or the error connect/sendto give.
kstd::Result<kstd::RefPtr<Endpoint>> UnixSocket::FindNamed(const UnixAddress& name,
                                                           const Caller& caller) {
  if (name.kind == UnixAddress::Kind::kAbstract) {
    SpinLockGuard guard(g_lock);
    Endpoint* e = FindByNameLocked(name);
    if (e == nullptr) return kstd::Error::kConnectionRefused;
    return kstd::RefPtr<Endpoint>::FromRaw(e);
  }
  if (name.kind != UnixAddress::Kind::kPath || name.length == 0) return kstd::Error::kInvalid;
  auto node = TRY(vfs::LookupPath(caller.paths, vfs::Name(name.name, name.length), true));
  // Connecting (or sending) to a named socket needs write permission on it.
  if (caller.paths.cred != nullptr) {
    TRY(posix::CheckAccess(*caller.paths.cred, node->Ownership(), posix::kMayWrite));
  }
  if (node->type() != vfs::VnodeType::kSocket) return kstd::Error::kConnectionRefused;
  vfs::Attributes attr = node->GetAttr();
  SpinLockGuard guard(g_lock);
  Endpoint* e = FindByNodeLocked(attr.dev, attr.ino);
  if (e == nullptr) return kstd::Error::kConnectionRefused;
  return kstd::RefPtr<Endpoint>::FromRaw(e);
}

kstd::Result<void> UnixSocket::Connect(const SocketAddress& address, const Caller& caller) {
  Endpoint* self = endpoint_.get();
  if (!self->connection_mode() && address.size >= 2 && address.family() == linux_abi::kAfUnspec) {
    // A datagram socket forgets its peer.
    SpinLockGuard guard(g_lock);
    kstd::RefPtr<Endpoint> old = kstd::Move(self->peer);
    self->state = State::kUnconnected;
    Publish(self);
    return kstd::Ok();
  }
  if (address.size <= 2) return kstd::Error::kInvalid;
  UnixAddress name = TRY(ParseUnixAddress(address));
  if (pass_credentials()) {
    SpinLockGuard guard(g_lock);
    if (!self->name.named()) TRY(AutobindLocked(self));
  }
  kstd::RefPtr<Endpoint> embryo;
  if (self->connection_mode()) {
    embryo = kstd::AdoptRef(new (kstd::nothrow) Endpoint(self->type));
    if (!embryo) return kstd::Error::kNoMemory;
  }
  uint64_t deadline = SendDeadline();
  for (;;) {
    kstd::RefPtr<Endpoint> target = TRY(FindNamed(name, caller));
    kstd::RefPtr<UnixSocket> wait_on;
    {
      SpinLockGuard guard(g_lock);
      if (target->closed) return kstd::Error::kConnectionRefused;
      if (target->type != self->type) return kstd::Error::kWrongProtocolType;
      if (!self->connection_mode()) {
        // Datagrams: only the default destination changes.
        if (target->peer && target->peer.get() != self) return kstd::Error::kPermission;
        self->peer = target;
        self->state = State::kConnected;
        Publish(self);
        return kstd::Ok();
      }
      if (self->state == State::kConnected) return kstd::Error::kIsConnected;
      if (self->state == State::kListening) return kstd::Error::kInvalid;
      if (target->state != State::kListening) return kstd::Error::kConnectionRefused;
      if (target->pending.size() > static_cast<size_t>(target->backlog)) {
        if (nonblocking()) return kstd::Error::kAgain;
        auto owner = kstd::RefPtr<UnixSocket>::TryFromRaw(target->owner);
        if (!owner) return kstd::Error::kConnectionRefused;
        wait_on = kstd::Move(owner);
      } else {
        Endpoint* c = embryo.get();
        c->state = State::kConnected;
        c->peer = endpoint_;
        c->name = target->name;
        c->credentials = target->credentials;
        c->peer_credentials = self->credentials;
        c->has_peer_credentials = true;
        self->peer = embryo;
        self->state = State::kConnected;
        self->peer_credentials = target->credentials;
        self->has_peer_credentials = true;
        g_all.PushBack(c);
        target->pending.PushBack(embryo.leak_ref());
        Publish(target.get(), /*new_arrival=*/true);
        Publish(self);
        return kstd::Ok();
      }
    }
    // The listener's queue is full: wait for room, then look again.
    TRY(WaitFor(wait_on.get(), kSignalRoom, deadline));
  }
}

kstd::Result<kstd::RefPtr<Socket>> UnixSocket::Accept(uint32_t flags) {
  if (!endpoint_->connection_mode()) return kstd::Error::kOperationNotSupported;
  for (;;) {
    {
      SpinLockGuard guard(g_lock);
      Endpoint* e = endpoint_.get();
      if (e->state != State::kListening) return kstd::Error::kInvalid;
      if (!e->pending.empty()) {
        kstd::RefPtr<Endpoint> conn = kstd::AdoptRef(e->pending.PopFront());
        auto* s = new (kstd::nothrow) UnixSocket(conn, type(), flags & linux_abi::kONonBlock);
        if (s == nullptr) {
          e->pending.PushFront(conn.leak_ref());
          return kstd::Error::kNoMemory;
        }
        kstd::RefPtr<UnixSocket> accepted = kstd::AdoptRef(s);
        conn->owner = s;
        Publish(conn.get());
        Publish(e);
        return kstd::RefPtr<Socket>(kstd::Move(accepted));
      }
      if (nonblocking()) return kstd::Error::kAgain;
    }
    TRY(WaitFor(this, kSignalReadable, ReceiveDeadline()));
  }
}

kstd::Result<void> UnixSocket::Shutdown(int how) {
  if (how < linux_abi::kShutRd || how > linux_abi::kShutRdWr) return kstd::Error::kInvalid;
  bool rd = how != linux_abi::kShutWr;
  bool wr = how != linux_abi::kShutRd;
  SpinLockGuard guard(g_lock);
  Endpoint* e = endpoint_.get();
  if (rd) e->shut_read = true;
  if (wr) e->shut_write = true;
  if (e->connection_mode() && e->peer) {
    if (rd) e->peer->shut_write = true;
    if (wr) e->peer->shut_read = true;
    Publish(e->peer.get());
  }
  Publish(e);
  return kstd::Ok();
}

kstd::Result<void> UnixSocket::LocalName(SocketAddress* out) {
  SpinLockGuard guard(g_lock);
  FormatUnixAddress(endpoint_->name, out);
  return kstd::Ok();
}

kstd::Result<void> UnixSocket::PeerName(SocketAddress* out) {
  SpinLockGuard guard(g_lock);
  if (!endpoint_->peer) return kstd::Error::kNotConnected;
  FormatUnixAddress(endpoint_->peer->name, out);
  return kstd::Ok();
}

kstd::Result<int> UnixSocket::BytesToRead() {
  SpinLockGuard guard(g_lock);
  Endpoint* e = endpoint_.get();
  if (e->state == State::kListening) return kstd::Error::kInvalid;
  if (e->type == linux_abi::kSockDgram) {
    Message* m = e->queue.Front();
    return m != nullptr ? static_cast<int>(m->size) : 0;
  }
  size_t total = 0;
  e->queue.ForEach([&](Message* m) { total += m->left(); });
  return static_cast<int>(kstd::Min<size_t>(total, 0x7fffffff));
}

// ---- sending ----

// Copies the request's bytes [from, from+n) into a new message.
Message* NewMessage(const SendRequest& request, size_t from, size_t n) {
  Message* m = new (kstd::nothrow) Message();
  if (m == nullptr) return nullptr;
  if (n > 0) {
    m->data = new (kstd::nothrow) uint8_t[n];
    if (m->data == nullptr) {
      delete m;
      return nullptr;
    }
    __builtin_memcpy(m->data, request.data.data() + from, n);
  }
  m->size = n;
  m->credentials = request.credentials;
  return m;
}

void QueueLocked(Endpoint* sender, Endpoint* receiver, Message* m) REQUIRES(g_lock) {
  m->sender = kstd::RefPtr<Endpoint>::FromRaw(sender);
  CountRightsLocked(m, true);
  sender->unread_sent += m->size;
  receiver->queue.PushBack(m);
  receiver->queued_bytes += m->size;
  Publish(receiver, /*new_arrival=*/true);
  if (receiver != sender) Publish(sender);
}

kstd::Result<size_t> UnixSocket::Send(SendRequest& request) {
  if ((request.flags & linux_abi::kMsgOob) != 0) return kstd::Error::kOperationNotSupported;
  if (endpoint_->type == linux_abi::kSockStream) return SendStream(request);
  return SendDatagram(request);
}

kstd::Result<size_t> UnixSocket::SendStream(SendRequest& request) {
  Endpoint* self = endpoint_.get();
  const size_t total = request.data.size();
  const uint64_t deadline = SendDeadline();
  size_t done = 0;
  bool first = true;
  while (first || done < total) {
    uint32_t sndbuf = send_buffer();
    // A piece is at most half the send buffer (as Linux's skbs), so a
    // writer blocks with data in flight rather than fill everything at once.
    size_t piece = kstd::Min<size_t>(total - done, kstd::Max<size_t>(sndbuf / 2, 1));
    Message* m = nullptr;
    if (piece > 0 || first) {
      m = NewMessage(request, done, piece);
      if (m == nullptr) return done > 0 ? kstd::Result<size_t>(done) : kstd::Error::kNoMemory;
    }
    {
      SpinLockGuard guard(g_lock);
      kstd::Result<size_t> refused = size_t{0};
      bool stop = false;
      if (request.to != nullptr && request.to->size > 0) {
        refused = self->state == State::kConnected ? kstd::Error::kIsConnected
                                                   : kstd::Error::kOperationNotSupported;
        stop = true;
      } else if (self->state != State::kConnected || !self->peer) {
        refused = kstd::Error::kNotConnected;
        stop = true;
      } else if (self->shut_write || self->peer->closed || self->peer->shut_read) {
        refused = kstd::Error::kPipe;
        stop = true;
      } else if (piece == 0) {
        delete m;  // nothing to send: a stream queues no empty message
        return size_t{0};
      } else if (self->unread_sent < sndbuf) {
        if (first && request.rights != nullptr) m->rights.TakeFrom(*request.rights);
        QueueLocked(self, self->peer.get(), m);
        done += piece;
        first = false;
        continue;
      } else if (WouldBlock(request.flags)) {
        refused = kstd::Error::kAgain;
        stop = true;
      }
      if (stop) {
        delete m;  // holds no passed files yet
        if (done > 0) return done;
        return refused;
      }
    }
    delete m;
    auto waited = WaitFor(this, kSignalWritable, deadline);
    if (waited.is_error()) {
      if (done > 0) return done;
      return waited.error();
    }
  }
  return done;
}

kstd::Result<size_t> UnixSocket::SendDatagram(SendRequest& request) {
  Endpoint* self = endpoint_.get();
  const size_t n = request.data.size();
  if (n + kDatagramOverhead > send_buffer()) return kstd::Error::kMessageSize;
  const bool seqpacket = self->type == linux_abi::kSockSeqPacket;
  kstd::RefPtr<Endpoint> to;
  if (request.to != nullptr && request.to->size > 0) {
    if (seqpacket) {
      SpinLockGuard guard(g_lock);
      return self->state == State::kConnected ? kstd::Error::kIsConnected
                                              : kstd::Error::kOperationNotSupported;
    }
    UnixAddress name = TRY(ParseUnixAddress(*request.to));
    if (name.kind == UnixAddress::Kind::kAutobind) return kstd::Error::kInvalid;
    if (request.caller == nullptr) return kstd::Error::kInvalid;
    to = TRY(FindNamed(name, *request.caller));
  }
  if (pass_credentials()) {
    // A sender that wants credentials gets a name so replies can reach it
    // (Linux autobinds it).
    SpinLockGuard guard(g_lock);
    if (!self->name.named()) TRY(AutobindLocked(self));
  }
  Message* m = NewMessage(request, 0, n);
  if (m == nullptr) return kstd::Error::kNoMemory;
  const uint64_t deadline = SendDeadline();
  for (;;) {
    kstd::RefPtr<UnixSocket> wait_on;
    Signals wanted = kSignalWritable;
    {
      SpinLockGuard guard(g_lock);
      kstd::Result<size_t> refused = size_t{0};
      Endpoint* receiver = to ? to.get() : self->peer.get();
      if (receiver == nullptr) {
        refused = seqpacket ? kstd::Error::kNotConnected : kstd::Error::kNotConnected;
      } else if (seqpacket && (self->shut_write || receiver->closed || receiver->shut_read)) {
        refused = kstd::Error::kPipe;
      } else if (self->shut_write) {
        refused = kstd::Error::kPipe;
      } else if (receiver->closed) {
        // A datagram peer that went away: forget it (Linux's ECONNREFUSED).
        if (!to) {
          self->peer.reset();
          self->state = State::kUnconnected;
          Publish(self);
        }
        refused = kstd::Error::kConnectionRefused;
      } else if (!seqpacket && receiver->type != linux_abi::kSockDgram) {
        refused = kstd::Error::kWrongProtocolType;
      } else if (!seqpacket && receiver->peer && receiver->peer.get() != self) {
        refused = kstd::Error::kPermission;  // it only hears its own peer
      } else {
        bool queue_full = !seqpacket && receiver != self && receiver->peer.get() != self &&
                          DatagramQueueFull(*receiver);
        bool buffer_full = self->unread_sent >= send_buffer();
        if (!queue_full && !buffer_full) {
          if (request.rights != nullptr) m->rights.TakeFrom(*request.rights);
          QueueLocked(self, receiver, m);
          return n;
        }
        if (WouldBlock(request.flags)) {
          refused = kstd::Error::kAgain;
        } else if (queue_full) {
          wait_on = kstd::RefPtr<UnixSocket>::TryFromRaw(receiver->owner);
          wanted = kSignalRoom;
          if (!wait_on) refused = kstd::Error::kConnectionRefused;
        }
      }
      if (refused.is_error()) {
        delete m;
        return refused.error();
      }
    }
    auto waited =
        WaitFor(wait_on ? static_cast<KernelObject*>(wait_on.get()) : this, wanted, deadline);
    if (waited.is_error()) {
      delete m;
      return waited.error();
    }
  }
}

// ---- receiving ----

// Detaches the front message after it was read (or, for a stream, emptied).
void ConsumeFrontLocked(Endpoint* e, size_t bytes, MessageList* dead) REQUIRES(g_lock) {
  Message* m = e->queue.Front();
  m->offset += bytes;
  e->queued_bytes -= bytes;
  if (m->sender) {
    m->sender->unread_sent -= bytes;
    if (m->sender.get() != e) Publish(m->sender.get());
  }
  if (m->left() == 0 || e->type != linux_abi::kSockStream) {
    // A datagram's unread rest is dropped with it.
    size_t rest = m->left();
    e->queued_bytes -= rest;
    if (m->sender) {
      m->sender->unread_sent -= rest;
      if (rest > 0 && m->sender.get() != e) Publish(m->sender.get());
    }
    m->offset = m->size;
    e->queue.Remove(m);
    dead->PushBack(m);
  }
}

void TakeExtras(Message* m, bool peek, bool pass_credentials, ReceiveResult* result)
    REQUIRES(g_lock) {
  if (m->sender) FormatUnixAddress(m->sender->name, &result->from);
  if (pass_credentials) {
    result->has_credentials = true;
    result->credentials = m->credentials;
  }
  if (!peek) {
    CountRightsLocked(m, false);
    result->rights.TakeFrom(m->rights);
  } else {
    for (size_t i = 0; i < m->rights.size(); ++i) {
      // A peek passes new references to the same files, as Linux does.
      (void)result->rights.Append(kstd::RefPtr<fd::FileDescription>::FromRaw(m->rights.at(i)));
    }
  }
}

kstd::Result<size_t> UnixSocket::Receive(kstd::Span<uint8_t> out, int flags,
                                         ReceiveResult* result) {
  if ((flags & linux_abi::kMsgOob) != 0) return kstd::Error::kOperationNotSupported;
  if (endpoint_->type == linux_abi::kSockStream) return ReceiveStream(out, flags, result);
  return ReceiveDatagram(out, flags, result);
}

kstd::Result<size_t> UnixSocket::ReceiveStream(kstd::Span<uint8_t> out, int flags,
                                               ReceiveResult* result) {
  Endpoint* self = endpoint_.get();
  const bool peek = (flags & linux_abi::kMsgPeek) != 0;
  const size_t target = (flags & linux_abi::kMsgWaitAll) != 0 && !peek ? out.size() : 1;
  const uint64_t deadline = ReceiveDeadline();
  const bool creds = pass_credentials();
  size_t copied = 0;
  for (;;) {
    MessageList dead;
    bool stop = false;
    kstd::Result<size_t> outcome = size_t{0};
    {
      SpinLockGuard guard(g_lock);
      if (self->state != State::kConnected) return kstd::Error::kInvalid;
      size_t skip = 0;  // a peek walks without consuming
      Message* m = self->queue.Front();
      bool first_message = copied == 0;
      while (m != nullptr && copied < out.size()) {
        size_t avail = m->left() - skip;
        if (avail == 0 && peek) {
          m = self->queue.Next(m);
          skip = 0;
          continue;
        }
        // Passed files or another sender's credentials start a new read.
        if (!first_message &&
            (m->rights.size() > 0 || (creds && m->credentials.pid != result->credentials.pid))) {
          stop = true;
          break;
        }
        if (first_message) TakeExtras(m, peek, creds, result);
        size_t n = kstd::Min(avail, out.size() - copied);
        __builtin_memcpy(out.data() + copied, m->data + m->offset + skip, n);
        copied += n;
        bool had_rights = first_message && result->rights.size() > 0;
        first_message = false;
        if (peek) {
          skip += n;
          if (skip == m->left()) {
            m = self->queue.Next(m);
            skip = 0;
          }
        } else {
          ConsumeFrontLocked(self, n, &dead);
          m = self->queue.Front();
        }
        if (had_rights) {
          stop = true;  // files end a read, as Linux's
          break;
        }
      }
      if (!dead.empty()) Publish(self);
      if (stop || copied >= target || copied == out.size()) {
        outcome = copied;
        stop = true;
      } else if (self->error != 0 && copied == 0) {
        outcome = static_cast<kstd::Error>(self->error);
        self->error = 0;
        Publish(self);
        stop = true;
      } else if (self->shut_read || (copied > 0 && WouldBlock(flags))) {
        outcome = copied;
        stop = true;
      } else if (WouldBlock(flags)) {
        outcome = kstd::Error::kAgain;
        stop = true;
      }
    }
    FreeMessages(dead);
    if (stop) return outcome;
    auto waited = WaitFor(this, kSignalReadable, deadline);
    if (waited.is_error()) {
      if (copied > 0) return copied;
      return waited.error();
    }
  }
}

kstd::Result<size_t> UnixSocket::ReceiveDatagram(kstd::Span<uint8_t> out, int flags,
                                                 ReceiveResult* result) {
  Endpoint* self = endpoint_.get();
  const bool peek = (flags & linux_abi::kMsgPeek) != 0;
  const bool seqpacket = self->type == linux_abi::kSockSeqPacket;
  const uint64_t deadline = ReceiveDeadline();
  for (;;) {
    MessageList dead;
    kstd::Result<size_t> outcome = size_t{0};
    bool done = true;
    {
      SpinLockGuard guard(g_lock);
      Message* m = self->queue.Front();
      if (seqpacket && self->state != State::kConnected) {
        outcome =
            self->state == State::kListening ? kstd::Error::kInvalid : kstd::Error::kNotConnected;
      } else if (m != nullptr) {
        size_t n = kstd::Min(m->size, out.size());
        if (n > 0) __builtin_memcpy(out.data(), m->data, n);
        result->bytes = n;
        result->message_size = m->size;
        if (m->size > out.size()) result->msg_flags |= linux_abi::kMsgTrunc;
        TakeExtras(m, peek, pass_credentials(), result);
        if (!peek) {
          ConsumeFrontLocked(self, m->size - m->offset, &dead);
          Publish(self);
        }
        // MSG_TRUNC asks for the datagram's real length.
        outcome = (flags & linux_abi::kMsgTrunc) != 0 ? result->message_size : n;
      } else if (self->error != 0) {
        outcome = static_cast<kstd::Error>(self->error);
        self->error = 0;
        Publish(self);
      } else if (self->shut_read) {
        outcome = size_t{0};
      } else if (WouldBlock(flags)) {
        outcome = kstd::Error::kAgain;
      } else {
        done = false;
      }
    }
    FreeMessages(dead);
    if (done) return outcome;
    TRY(WaitFor(this, kSignalReadable, deadline));
  }
}

}  // namespace

// ---- creation and listing ----

namespace {

kstd::Result<int> CheckType(int type, int protocol) {
  if (type == linux_abi::kSockRaw) type = linux_abi::kSockDgram;  // as Linux's unix_create
  if (type != linux_abi::kSockStream && type != linux_abi::kSockDgram &&
      type != linux_abi::kSockSeqPacket) {
    return kstd::Error::kSocketTypeNotSupported;
  }
  if (protocol != 0 && protocol != linux_abi::kAfUnix) return kstd::Error::kProtocolNotSupported;
  return type;
}

kstd::Result<kstd::RefPtr<UnixSocket>> NewUnixSocket(int type, uint32_t status_flags,
                                                     const Credentials& creator) {
  kstd::RefPtr<Endpoint> e = kstd::AdoptRef(new (kstd::nothrow) Endpoint(type));
  if (!e) return kstd::Error::kNoMemory;
  auto* raw = new (kstd::nothrow) UnixSocket(e, type, status_flags);
  if (raw == nullptr) return kstd::Error::kNoMemory;
  kstd::RefPtr<UnixSocket> s = kstd::AdoptRef(raw);
  SpinLockGuard guard(g_lock);
  e->owner = raw;
  e->credentials = creator;
  g_all.PushBack(e.get());
  Publish(e.get());
  return s;
}

}  // namespace

kstd::Result<kstd::RefPtr<Socket>> CreateUnixSocket(int type, int protocol, uint32_t status_flags,
                                                    const Credentials& creator) {
  type = TRY(CheckType(type, protocol));
  return kstd::RefPtr<Socket>(TRY(NewUnixSocket(type, status_flags, creator)));
}

kstd::Result<SocketPair> CreateUnixSocketPair(int type, int protocol, uint32_t status_flags,
                                              const Credentials& creator) {
  type = TRY(CheckType(type, protocol));
  kstd::RefPtr<UnixSocket> a = TRY(NewUnixSocket(type, status_flags, creator));
  kstd::RefPtr<UnixSocket> b = TRY(NewUnixSocket(type, status_flags, creator));
  {
    SpinLockGuard guard(g_lock);
    Endpoint* ea = a->endpoint();
    Endpoint* eb = b->endpoint();
    ea->peer = kstd::RefPtr<Endpoint>::FromRaw(eb);
    eb->peer = kstd::RefPtr<Endpoint>::FromRaw(ea);
    ea->state = State::kConnected;
    eb->state = State::kConnected;
    ea->peer_credentials = creator;
    eb->peer_credentials = creator;
    ea->has_peer_credentials = true;
    eb->has_peer_credentials = true;
    Publish(ea);
    Publish(eb);
  }
  return SocketPair{kstd::RefPtr<Socket>(kstd::Move(a)), kstd::RefPtr<Socket>(kstd::Move(b))};
}

void ForEachUnixSocket(void (*fn)(const UnixSocketInfo& info, void* context), void* context) {
  SpinLockGuard guard(g_lock);
  g_all.ForEach([&](Endpoint* e) NO_THREAD_SAFETY_ANALYSIS {  // g_lock is held
    UnixSocketInfo info;
    info.inode = e->owner != nullptr ? e->owner->koid() : 0;
    info.ref_count = e->ref_count();
    info.type = e->type;
    info.listening = e->state == State::kListening;
    info.state = e->state == State::kConnected ? 3 : 1;
    info.name = e->name;
    fn(info, context);
  });
}

size_t UnixEndpointCount() {
  SpinLockGuard guard(g_lock);
  return g_all.size();
}

}  // namespace core::net
