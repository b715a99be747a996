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
#include "kstd/new.h"

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
  if (count == 0) return 0;
  // The whole batch is copied before anything is applied, so a bad pointer
  // is EFAULT with nothing delivered.
  auto* batch = new (kstd::nothrow) netproto::Delivery[count];
  if (batch == nullptr) return kstd::Error::kNoMemory;
  auto copied = records.CopyIn(batch, count);
  if (copied.is_error()) {
    delete[] batch;
    return copied.error();
  }
  kstd::RefPtr<net::NetTransport> transport = net::NetTransport::Current();
  kstd::Result<uint64_t> result = uint64_t{0};
  if (!transport || !transport->IsServerEnd(*endpoint)) {
    result = kstd::Error::kAccess;
  } else if (transport->dead()) {
    result = kstd::Error::kPipe;
  } else {
    transport->Deliver(batch, count);
  }
  delete[] batch;
  return result;
}

}  // namespace core::syscall
