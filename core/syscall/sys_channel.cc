// Native calls on channels: create, write, read, call.

#include "core/syscall/sys_channel.h"
#include "core/ipc/channel.h"
#include "core/syscall/deadline.h"
#include "core/syscall/sys_common.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

using ipc::ChannelEndpoint;
using ipc::MessagePacket;

constexpr Rights kEndpointRights = kRightsBasic | kRightsIo;

// Builds a packet from user buffers, moving the listed handles out of the
// caller's table (all or none). Errors: kInvalid (limits, duplicate handle),
// kFault, kBadHandle, kAccess (no kRightTransfer), kNoMemory.
kstd::Result<MessagePacket*> BuildPacket(UserPtr<const void> bytes, uint32_t num_bytes,
                                         UserPtr<const tessera::handle_t> user_handles,
                                         uint32_t num_handles, uint32_t txid) {
  if (num_bytes > tessera::kMaxMessageBytes || num_handles > tessera::kMaxMessageHandles) {
    return kstd::Error::kInvalid;
  }
  tessera::handle_t values[tessera::kMaxMessageHandles];
  if (num_handles > 0) TRY(user_handles.CopyIn(values, num_handles));
  MessagePacket* packet = TRY(MessagePacket::Create(num_bytes, num_handles, CurrentSender(), txid));
  auto copied = bytes.CopyIn(packet->bytes().data(), num_bytes);
  if (copied.is_error()) {
    MessagePacket::DeleteDeferred(packet);
    return copied.error();
  }
  HandleTable& table = CurrentProcess()->handles();
  // Check everything first so a failure leaves the caller's table untouched.
  for (uint32_t i = 0; i < num_handles; ++i) {
    for (uint32_t j = 0; j < i; ++j) {
      if (values[j] == values[i]) {
        MessagePacket::DeleteDeferred(packet);
        return kstd::Error::kInvalid;
      }
    }
    auto got = table.Get(values[i], kRightTransfer);
    if (got.is_error()) {
      MessagePacket::DeleteDeferred(packet);
      return got.error();
    }
  }
  for (uint32_t i = 0; i < num_handles; ++i) {
    auto removed = table.Remove(values[i], kRightTransfer);
    if (removed.is_error()) {  // another thread closed it meanwhile
      MessagePacket::DeleteDeferred(packet);
      return removed.error();
    }
    packet->handles()[i] = kstd::Move(removed.value());
  }
  return packet;
}

// Copies a received packet to user buffers and installs its handles in the
// caller's table. The packet is consumed either way.
kstd::Result<void> DeliverPacket(MessagePacket* packet, UserPtr<void> bytes,
                                 UserPtr<tessera::handle_t> user_handles) {
  Process* self = CurrentProcess();
  HandleTable& table = self->handles();
  uint32_t num_handles = static_cast<uint32_t>(packet->handles().size());
  auto out = bytes.CopyOut(packet->bytes().data(), packet->bytes().size());
  tessera::handle_t values[tessera::kMaxMessageHandles];
  uint32_t installed = 0;
  for (; out.ok() && installed < num_handles; ++installed) {
    auto added = table.Add(kstd::Move(packet->handles()[installed]));
    if (added.is_error()) {
      out = added.error();
      break;
    }
    values[installed] = added.value();
  }
  if (out.ok() && num_handles > 0) out = user_handles.CopyOut(values, num_handles);
  if (out.is_error()) {
    // Undo: the handles go away with the packet (never into a table half-way).
    for (uint32_t i = 0; i < installed; ++i) (void)table.Close(values[i]);
  }
  self->counters().ipc_messages_received += 1;
  self->counters().ipc_bytes_received += packet->bytes().size();
  MessagePacket::DeleteDeferred(packet);
  return out;
}

void CountSent(uint64_t bytes) {
  ProcessCounters& c = CurrentProcess()->counters();
  __atomic_fetch_add(&c.ipc_messages_sent, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&c.ipc_bytes_sent, bytes, __ATOMIC_RELAXED);
}

void UncountSent(uint64_t bytes) {
  ProcessCounters& c = CurrentProcess()->counters();
  __atomic_fetch_sub(&c.ipc_messages_sent, 1, __ATOMIC_RELAXED);
  __atomic_fetch_sub(&c.ipc_bytes_sent, bytes, __ATOMIC_RELAXED);
}

// Threads waiting for a call's reply sleep on one of these, chosen by the
// endpoint's koid; every arrival on an endpoint wakes its queue.
constexpr uint64_t kReplyQueues = 64;
sched::WaitQueue g_reply_queues[kReplyQueues];

sched::WaitQueue& ReplyQueueOf(const ChannelEndpoint* ep) {
  return g_reply_queues[ep->koid() % kReplyQueues];
}

void OnArrival(ChannelEndpoint* ep) { ReplyQueueOf(ep).WakeAll(); }

struct NoNewArrival {
  ChannelEndpoint* ep;
  uint64_t seen;
};

bool NothingArrived(void* context) {
  auto* c = static_cast<NoNewArrival*>(context);
  return c->ep->arrivals() == c->seen;
}

}  // namespace

void InitChannelCalls() { ChannelEndpoint::SetArrivalHook(OnArrival); }

kstd::Result<uint64_t> SysChannelCreate(UserPtr<tessera::handle_t> out0,
                                        UserPtr<tessera::handle_t> out1) {
  auto pair = TRY(ipc::Channel::CreatePair());
  HandleTable& table = CurrentProcess()->handles();
  auto h0 = TRY(table.Add(pair.first, kEndpointRights));
  auto h1 = table.Add(pair.second, kEndpointRights);
  if (h1.is_error()) {
    (void)table.Close(h0);
    return h1.error();
  }
  tessera::handle_t v0 = h0, v1 = h1.value();
  if (out0.CopyOut(&v0).is_error() || out1.CopyOut(&v1).is_error()) {
    (void)table.Close(v0);
    (void)table.Close(v1);
    return kstd::Error::kFault;
  }
  return 0;
}

kstd::Result<uint64_t> SysChannelWrite(tessera::handle_t handle, UserPtr<const void> bytes,
                                       uint32_t num_bytes, UserPtr<const tessera::handle_t> handles,
                                       uint32_t num_handles, uint32_t txid) {
  auto ep = TRY(CurrentProcess()->handles().GetTyped<ChannelEndpoint>(handle, ObjectType::kChannel,
                                                                      kRightWrite));
  auto packet = TRY(BuildPacket(bytes, num_bytes, handles, num_handles, txid));
  // Counted before the message becomes visible, so a receiver that reads it
  // and then looks at the sender's accounting always sees it counted.
  CountSent(num_bytes);
  auto written = ep->Write(packet);
  if (written.is_error()) {
    UncountSent(num_bytes);
    // The handles were moved out of the caller's table; they are closed with
    // the packet (as when a message is sent to a closed peer on Zircon).
    MessagePacket::DeleteDeferred(packet);
    return written.error();
  }
  return 0;
}

kstd::Result<uint64_t> SysChannelRead(tessera::handle_t handle,
                                      UserPtr<tessera::ChannelReadArgs> user_args) {
  tessera::ChannelReadArgs args;
  TRY(user_args.CopyIn(&args));
  auto ep = TRY(CurrentProcess()->handles().GetTyped<ChannelEndpoint>(handle, ObjectType::kChannel,
                                                                      kRightRead));
  ipc::MessageSize limit{args.bytes_capacity, args.handles_capacity};
  ipc::MessageSize needed;
  auto packet = ep->ReadIfFits(0, limit, &needed);
  if (packet.is_error()) {
    if (packet.error() != kstd::Error::kTooBig) return packet.error();
    args.actual_bytes = needed.bytes;
    args.actual_handles = needed.handles;
    (void)user_args.CopyOut(&args);
    return kstd::Error::kMessageSize;
  }
  MessagePacket* p = packet.value();
  args.actual_bytes = static_cast<uint32_t>(p->bytes().size());
  args.actual_handles = static_cast<uint32_t>(p->handles().size());
  args.txid = p->txid();
  args.sender =
      tessera::SenderInfo{p->sender().pid, p->sender().process_koid, p->sender().thread_koid};
  TRY(DeliverPacket(p, UserPtr<void>(reinterpret_cast<uint64_t>(args.bytes)),
                    UserPtr<tessera::handle_t>(reinterpret_cast<uint64_t>(args.handles))));
  TRY(user_args.CopyOut(&args));
  return 0;
}

kstd::Result<uint64_t> SysChannelCall(tessera::handle_t handle,
                                      UserPtr<tessera::ChannelCallArgs> user_args) {
  tessera::ChannelCallArgs args;
  TRY(user_args.CopyIn(&args));
  auto ep = TRY(CurrentProcess()->handles().GetTyped<ChannelEndpoint>(handle, ObjectType::kChannel,
                                                                      kRightRead | kRightWrite));
  uint32_t txid = ipc::NewTxid();
  auto packet = TRY(BuildPacket(
      UserPtr<const void>(reinterpret_cast<uint64_t>(args.write_bytes)), args.write_num_bytes,
      UserPtr<const tessera::handle_t>(reinterpret_cast<uint64_t>(args.write_handles)),
      args.write_num_handles, txid));
  CountSent(args.write_num_bytes);
  auto written = ep->Write(packet);
  if (written.is_error()) {
    UncountSent(args.write_num_bytes);
    MessagePacket::DeleteDeferred(packet);
    return written.error();
  }

  uint64_t deadline = DeadlineTick(args.deadline);
  ipc::MessageSize limit{args.read_bytes_capacity, args.read_handles_capacity};
  for (;;) {
    NoNewArrival condition{ep.get(), ep->arrivals()};
    ipc::MessageSize needed;
    auto reply = ep->ReadIfFits(txid, limit, &needed);
    if (reply.ok()) {
      MessagePacket* p = reply.value();
      args.actual_bytes = static_cast<uint32_t>(p->bytes().size());
      args.actual_handles = static_cast<uint32_t>(p->handles().size());
      TRY(DeliverPacket(p, UserPtr<void>(reinterpret_cast<uint64_t>(args.read_bytes)),
                        UserPtr<tessera::handle_t>(reinterpret_cast<uint64_t>(args.read_handles))));
      TRY(user_args.CopyOut(&args));
      return 0;
    }
    if (reply.error() == kstd::Error::kTooBig) {
      args.actual_bytes = needed.bytes;
      args.actual_handles = needed.handles;
      (void)user_args.CopyOut(&args);
      return kstd::Error::kMessageSize;
    }
    if (reply.error() != kstd::Error::kAgain) return reply.error();
    // Sleep until something new arrives on this endpoint (the reply, another
    // message, or the peer closing), then look again.
    sched::WakeReason why = ReplyQueueOf(ep.get()).WaitIf(deadline, NothingArrived, &condition);
    if (why == sched::WakeReason::kInterrupted) return kstd::Error::kInterrupted;
    if (why == sched::WakeReason::kTimedOut) return kstd::Error::kTimedOut;
  }
}

}  // namespace core::syscall
