// Native calls of the network server (abi/tessera/netproto.h): NetServe
// registers the kernel's end of the server's channel (the previous server's
// sockets are reset), NetDeliver hands in a batch of replies and readiness
// events.
//
// Rights rule: NetServe needs the kNet resource (init's "net" bootstrap
// handle, given only to the network server) with kRightManage; NetDeliver
// needs the server's own end of the registered channel, so only the process
// that holds it can answer calls or move readiness.

#include "core/ipc/channel.h"
#include "core/kernel/log.h"
#include "core/net/net_transport.h"
#include "core/object/resource.h"
#include "core/syscall/sys_common.h"

namespace core::syscall {

kstd::Result<uint64_t> SysNetServe(tessera::handle_t net_right, tessera::handle_t channel) {
  Process* self = CurrentProcess();
  HandleTable& handles = self->handles();
  TRY(RequireResource(handles, net_right, ResourceKind::kNet, kRightManage));
  constexpr Rights kNeeded = kRightRead | kRightWrite;
  TRY(handles.GetTyped<ipc::ChannelEndpoint>(channel, ObjectType::kChannel, kNeeded));
  auto taken = TRY(handles.Remove(channel, kNeeded));
  kstd::RefPtr<ipc::ChannelEndpoint> endpoint =
      kstd::StaticRefCast<ipc::ChannelEndpoint>(kstd::RefPtr<KernelObject>(taken.object));
  auto transport = TRY(net::NetTransport::Create(kstd::Move(endpoint)));
  net::NetTransport::Install(kstd::Move(transport));
  Log("net", "pid %lu serves AF_INET and AF_INET6 sockets", self->pid());
  return 0;
}

kstd::Result<uint64_t> SysNetDeliver(tessera::handle_t server_end,
                                     UserPtr<const netproto::Delivery> records, uint32_t count) {
  if (count > netproto::kMaxDeliveries) return kstd::Error::kInvalid;
  auto endpoint = TRY(CurrentProcess()->handles().GetTyped<ipc::ChannelEndpoint>(
      server_end, ObjectType::kChannel, kRightWrite));
  kstd::RefPtr<net::NetTransport> transport = net::NetTransport::Current();
  if (!transport || !transport->IsServerEnd(*endpoint)) return kstd::Error::kAccess;
  if (transport->dead()) return kstd::Error::kPipe;
  // Copied in pieces so the kernel stack stays small.
  constexpr uint32_t kBatch = 16;
  netproto::Delivery batch[kBatch];
  for (uint32_t done = 0; done < count;) {
    uint32_t n = count - done < kBatch ? count - done : kBatch;
    TRY(records.Offset(done).CopyIn(batch, n));
    transport->Deliver(batch, n);
    done += n;
  }
  return 0;
}

}  // namespace core::syscall
