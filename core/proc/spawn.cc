#include "core/proc/spawn.h"

#include "abi/tessera/native.h"
#include "core/exec/initial_stack.h"
#include "core/ipc/channel.h"
#include "core/kernel/log.h"
#include "core/kernel/memory.h"
#include "core/proc/program_image.h"
#include "core/vfs/kernel_mounts.h"
#include "core/vm/vm_aspace.h"
#include "hal/memory.h"
#include "hal/timer.h"
#include "kstd/new.h"
#include "kstd/string.h"

namespace core {
namespace {

// Sends the child's bootstrap message on a new channel and returns the
// child's end (to be added to its table).
kstd::Result<kstd::RefPtr<ipc::ChannelEndpoint>> MakeBootstrap(SpawnRequest& r,
                                                               uint64_t child_pid) {
  ipc::ChannelPair pair = TRY(ipc::Channel::CreatePair());
  uint32_t count = static_cast<uint32_t>(r.handles.size());
  size_t bytes = sizeof(uint32_t);
  for (uint32_t i = 0; i < count; ++i) {
    const char* name = i < r.handle_names.size() ? r.handle_names[i] : "";
    bytes += kstd::StringLength(name) + 1;
  }
  if (bytes > tessera::kMaxMessageBytes) return kstd::Error::kTooBig;
  ipc::SenderInfo kernel_sender{0, 0, 0};  // pid 0: the kernel
  ipc::MessagePacket* packet =
      TRY(ipc::MessagePacket::Create(static_cast<uint32_t>(bytes), count, kernel_sender));
  uint8_t* out = packet->bytes().data();
  __builtin_memcpy(out, &count, sizeof count);
  size_t at = sizeof count;
  for (uint32_t i = 0; i < count; ++i) {
    const char* name = i < r.handle_names.size() ? r.handle_names[i] : "";
    size_t len = kstd::StringLength(name) + 1;
    __builtin_memcpy(out + at, name, len);
    at += len;
    packet->handles()[i] = kstd::Move(r.handles[i]);
  }
  auto written = pair.first->Write(packet);
  if (written.is_error()) {
    ipc::MessagePacket::DeleteDeferred(packet);
    return written.error();
  }
  (void)child_pid;
  return pair.second;  // pair.first (the kernel's end) closes when it goes out of scope
}

kstd::Result<void> Build(Process* p, SpawnRequest& r, const char** why) {
  if (!r.executable || !r.executable->is_physical() || !r.stdio) return kstd::Error::kInvalid;
  kstd::ByteSpan file(static_cast<const uint8_t*>(hal::PhysToVirt(r.executable->physical_base())),
                      r.executable->size());

  // stdin, stdout and stderr: the caller's (the console); cwd and root: "/".
  for (int i = 0; i < 3; ++i) TRY(p->fds()->InstallAt(i, r.stdio, false));
  p->SetCredentials(r.credentials);
  p->SetRootAndCwd(vfs::Mounts().Root());

  auto bootstrap = TRY(MakeBootstrap(r, p->pid()));
  HandleValue bootstrap_handle =
      TRY(p->handles().Add(kstd::Move(bootstrap), kRightsBasic | kRightsIo));

  ProgramArgs args;
  args.argv = r.argv;
  args.envp = r.envp;
  args.execfn = r.argv.size() > 0 ? r.argv[0] : r.name;
  args.extra_aux_type = tessera::kAuxBootstrapHandle;
  args.extra_aux_value = bootstrap_handle;
  args.uid = r.credentials.ruid;
  args.euid = r.credentials.euid;
  args.gid = r.credentials.rgid;
  args.egid = r.credentials.egid;
  ProgramImage image = TRY(LoadProgram(p->aspace(), file, args, why));
  p->ResetBrk(image.brk);
  p->SetImageInfo(
      Process::ImageInfo{image.arg_start, image.arg_end, image.env_start, image.env_end, image.sp},
      nullptr);
  TRY(p->StartUserThread(r.name, image.entry, image.sp, 0));
  return kstd::Ok();
}

}  // namespace

kstd::Result<kstd::RefPtr<Process>> Spawn(SpawnRequest& request, const char** why) {
  kstd::RefPtr<Process> p = TRY(Process::Create(request.name, request.parent_pid));
  auto built = Build(p.get(), request, why);
  if (built.is_error()) {
    p->Abandon();  // never started: tear down without threads
    return built.error();
  }
  return p;
}

}  // namespace core
