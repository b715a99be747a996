#include "init/mount_agent.h"

#include <stdio.h>
#include <string.h>

#include "abi/linux/errno.h"
#include "init/storage.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace init {
namespace {

using tessera::handle_t;
namespace sys = tessera::sys;

unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }

uint64_t PidOf(handle_t process) {
  tessera::ProcessStats stats{};
  return sys::ProcessStats(process, &stats) == 0 ? stats.pid : 0;
}

void CloseIfValid(handle_t h) {
  if (h != tessera::kInvalidHandle) sys::HandleClose(h);
}

}  // namespace

bool MountAgent::Register() {
  int64_t vfs = sys::HandleDuplicate(boot_.Find("vfs"), tessera::kRightSameRights);
  handle_t mine = tessera::kInvalidHandle, kernels = tessera::kInvalidHandle;
  if (vfs < 0 || sys::ChannelCreate(&mine, &kernels) < 0) {
    printf("init: no vfs right: mount -t ext2 is not available\n");
    if (vfs >= 0) sys::HandleClose(static_cast<handle_t>(vfs));
    return false;
  }
  int64_t r = sys::MountAgentRegister(static_cast<handle_t>(vfs), kernels);
  sys::HandleClose(static_cast<handle_t>(vfs));
  if (r < 0) {
    printf("init: cannot register as the mount agent: %lld\n", static_cast<long long>(r));
    CloseIfValid(mine);
    CloseIfValid(kernels);
    return false;
  }
  channel_ = mine;
  return true;
}

size_t MountAgent::FillWaitItems(tessera::WaitItem* items, size_t room) const {
  size_t n = 0;
  if (channel_ != tessera::kInvalidHandle && n < room) {
    items[n++] = {channel_, tessera::kSignalReadable, 0, 0};
  }
  for (const Mount& m : mounts_) {
    const handle_t processes[] = {m.driver, m.server};
    for (handle_t p : processes) {
      if (p != tessera::kInvalidHandle && n < room)
        items[n++] = {p, tessera::kSignalTerminated, 0, 0};
    }
  }
  return n;
}

void MountAgent::Reap() {
  for (Mount& m : mounts_) {
    struct {
      handle_t* process;
      uint64_t pid;
      const char* name;
    } parts[] = {{&m.server, m.server_pid, "fs_server"}, {&m.driver, m.driver_pid, "virtio_blk"}};
    for (auto& part : parts) {
      if (*part.process == tessera::kInvalidHandle) continue;
      int64_t status = sys::ProcessExitCode(*part.process);
      if (status == -linux_abi::kEAGAIN) continue;  // still running
      sys::HandleClose(*part.process);
      *part.process = tessera::kInvalidHandle;
      if (part.process == &m.server) m.mounted = false;  // a driver left serves the kernel only
      if (part.process == &m.driver) {
        CloseIfValid(m.control);
        m.control = tessera::kInvalidHandle;
      }
      char text[48];
      printf("init: %s (pid %llu) for %s ended with %s\n", part.name, U(part.pid), m.source,
             DescribeStatus(status, text, sizeof text));
    }
  }
}

void MountAgent::Poll() {
  Reap();
  if (channel_ == tessera::kInvalidHandle) return;
  for (;;) {
    alignas(8) uint8_t bytes[sizeof(mountproto::Request) + 8];
    handle_t handles[1];
    tessera::ChannelReadArgs rd{};
    rd.bytes = bytes;
    rd.bytes_capacity = sizeof bytes;
    rd.handles = handles;
    rd.handles_capacity = 1;
    if (sys::ChannelRead(channel_, &rd) < 0) break;  // nothing queued
    mountproto::Request request{};
    int32_t error = linux_abi::kEINVAL;
    handle_t client = tessera::kInvalidHandle;
    bool decoded =
        mountproto::DecodeRequest(bytes, rd.actual_bytes, &request) && request.id == rd.txid;
    // Only a kWithChannel request carries a handle (its disk), exactly one.
    bool with_channel = decoded && (request.flags & mountproto::kWithChannel) != 0;
    handle_t disk = tessera::kInvalidHandle;
    if (with_channel && rd.actual_handles == 1) {
      disk = handles[0];
    } else {
      for (uint32_t i = 0; i < rd.actual_handles; ++i) sys::HandleClose(handles[i]);
      if (with_channel || rd.actual_handles != 0) decoded = false;
    }
    if (decoded) {
      error = (request.flags & mountproto::kBlockClient) != 0 ? ServeBlockClient(request, &client)
                                                              : Serve(request, disk);
    } else {
      printf("init: a malformed mount request (%u bytes): EINVAL\n", rd.actual_bytes);
    }
    mountproto::Reply reply = mountproto::MakeReply(rd.txid, error);
    uint32_t count = client != tessera::kInvalidHandle ? 1 : 0;
    if (sys::ChannelWrite(channel_, &reply, sizeof reply, &client, count, rd.txid) < 0) {
      CloseIfValid(client);  // the kernel gave up: the driver stops by itself
    }
  }
  fflush(stdout);
}

MountAgent::Mount* MountAgent::FreeSlot() {
  for (Mount& m : mounts_) {
    if (m.driver == tessera::kInvalidHandle && m.server == tessera::kInvalidHandle) return &m;
  }
  printf("init: already %zu disks mounted or open: ENOSPC\n", kMaxMounts);
  return nullptr;
}

int32_t MountAgent::ServeBlockClient(const mountproto::Request& request, handle_t* client) {
  PciAddress at{request.bus, request.device, request.function};
  bool read_only = (request.flags & mountproto::kReadOnly) != 0;
  Reap();
  // A mounted disk already has a driver: one more client of it. (A driver
  // the kernel alone used is stopping: the kernel asks again only once its
  // client is gone. A new one is started below once the function is free.)
  handle_t control = root_ != nullptr ? root_->DriverControlFor(at) : tessera::kInvalidHandle;
  for (const Mount& m : mounts_) {
    if (m.driver != tessera::kInvalidHandle && m.at == at && m.mounted) {
      control = m.control;
      if (control == tessera::kInvalidHandle) return linux_abi::kEBUSY;
    }
  }
  if (control != tessera::kInvalidHandle) {
    if (!read_only) return linux_abi::kEBUSY;  // a mounted disk is the server's to write
    *client = AddBlockClient(control, read_only);
    if (*client == tessera::kInvalidHandle) return linux_abi::kENOMEM;
    printf("init: %s: one more %s client of its driver for the kernel\n", request.source,
           read_only ? "read-only" : "read-write");
    return 0;
  }
  Mount* slot = FreeSlot();
  if (slot == nullptr) return linux_abi::kENOSPC;
  int64_t failure = 0;
  handle_t driver = tessera::kInvalidHandle;
  *client = StartBlockDriver(boot_, &driver, &at, &failure, &slot->control);
  if (*client == tessera::kInvalidHandle) {
    int32_t error = failure < 0 ? static_cast<int32_t>(-failure) : linux_abi::kEIO;
    printf("init: no driver for %s: errno %d\n", request.source, error);
    return error;
  }
  slot->driver = driver;
  slot->driver_pid = PidOf(driver);
  slot->at = at;
  slot->mounted = false;
  snprintf(slot->source, sizeof slot->source, "%s", request.source);
  printf("init: %s: virtio_blk pid %llu serves the kernel's block device\n", request.source,
         U(slot->driver_pid));
  return 0;
}

int32_t MountAgent::Serve(const mountproto::Request& request, handle_t disk) {
  if (disk != tessera::kInvalidHandle) {
    printf("init: mount request %u: %s %s from the kernel's block server%s\n", request.id,
           request.fstype, request.source,
           (request.flags & mountproto::kReadOnly) ? ", read-only" : "");
  } else {
    printf("init: mount request %u: %s %s from PCI %02x:%02x.%x%s\n", request.id, request.fstype,
           request.source, request.bus, request.device, request.function,
           (request.flags & mountproto::kReadOnly) ? ", read-only" : "");
  }
  // The fs server mounts ext2, ext3 and ext4 images (it refuses features it
  // does not know, by name, and those the type asked for lacks).
  Mount* slot = nullptr;
  handle_t exe = boot_.Find("fs_server");
  if (strcmp(request.fstype, "ext2") != 0 && strcmp(request.fstype, "ext3") != 0 &&
      strcmp(request.fstype, "ext4") != 0) {
    CloseIfValid(disk);
    return linux_abi::kENODEV;
  }
  if (exe == tessera::kInvalidHandle || (slot = FreeSlot()) == nullptr) {
    CloseIfValid(disk);
    return exe == tessera::kInvalidHandle ? linux_abi::kENODEV : linux_abi::kENOSPC;
  }

  PciAddress at{request.bus, request.device, request.function};
  int64_t failure = 0;
  handle_t driver = tessera::kInvalidHandle;
  handle_t control = tessera::kInvalidHandle;
  // A loop device's disk is the kernel's channel; anything else needs a driver.
  handle_t client = disk != tessera::kInvalidHandle
                        ? disk
                        : StartBlockDriver(boot_, &driver, &at, &failure, &control);
  if (client == tessera::kInvalidHandle) {
    return failure < 0 ? static_cast<int32_t>(-failure) : linux_abi::kEIO;
  }
  slot->control = control;
  slot->at = at;
  slot->mounted = true;

  int64_t vfs = sys::HandleDuplicate(boot_.Find("vfs"), tessera::kRightSameRights);
  handle_t ready_mine = tessera::kInvalidHandle, ready_theirs = tessera::kInvalidHandle;
  if (vfs < 0 || sys::ChannelCreate(&ready_mine, &ready_theirs) < 0) {
    CloseIfValid(client);
    if (vfs >= 0) sys::HandleClose(static_cast<handle_t>(vfs));
    slot->driver = driver;  // it stops by itself: its client end is closed
    slot->driver_pid = PidOf(driver);
    return linux_abi::kENOMEM;
  }
  char pending[32];
  snprintf(pending, sizeof pending, "--pending=%u", request.id);
  // The type asked for decides which images mount (ext3 needs a journal,
  // ext2 and ext3 refuse ext4's features) and what /proc/mounts shows.
  char type[16];
  snprintf(type, sizeof type, "--type=%s", request.fstype);
  const char* argv[] = {"fs_server", pending, type, "--ro"};
  int argc = (request.flags & mountproto::kReadOnly) ? 4 : 3;
  handle_t handles[] = {client, static_cast<handle_t>(vfs), ready_theirs};
  const char* names[] = {"blk", "vfs", "ready"};
  int64_t server = tessera::Spawn(exe, "fs_server", argc, argv, handles, names, 3);
  slot->driver = driver;
  slot->driver_pid = PidOf(driver);
  snprintf(slot->source, sizeof slot->source, "%s", request.source);
  if (server < 0) {
    printf("init: cannot start fs_server: %lld\n", static_cast<long long>(server));
    sys::HandleClose(ready_mine);
    return linux_abi::kENOMEM;
  }
  slot->server = static_cast<handle_t>(server);
  slot->server_pid = PidOf(slot->server);

  int32_t error =
      static_cast<int32_t>(-WaitForReady(ready_mine, tessera::NowNs() + kReadyTimeoutNs));
  sys::HandleClose(ready_mine);
  if (error == linux_abi::kETIMEDOUT) {
    printf("init: fs_server (pid %llu) did not mount %s in time; killing it\n", U(slot->server_pid),
           request.source);
    (void)sys::ProcessKill(slot->server, 0);
  }
  if (slot->driver != tessera::kInvalidHandle) {
    printf("init: %s: %s (fs_server pid %llu, virtio_blk pid %llu)\n", request.source,
           error == 0 ? "mounted" : "mount failed", U(slot->server_pid), U(slot->driver_pid));
  } else {
    printf("init: %s: %s (fs_server pid %llu on the kernel's block server)\n", request.source,
           error == 0 ? "mounted" : "mount failed", U(slot->server_pid));
  }
  return error;
}

}  // namespace init
