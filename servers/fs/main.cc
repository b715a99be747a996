// fs_server: the ext2 file-system server (issue 5). A boot module that init
// starts when the machine has a virtio-blk disk:
//
//   fs_server [--reattach] [--ro] [--type=ext2|ext3|ext4] [--pending=ID] [PATH]
//       PATH: where to mount ("/" or absent: become the root). --reattach:
//       take over the existing mount at PATH whose server crashed (fs_mount
//       with kFsMountReplace; the kernel keeps its vnodes and offers them
//       with kAdopt), instead of mounting anew. --pending=ID: mount at the
//       pending mount point ID of a mount(2) that init serves as the mount
//       agent (fs_mount kFsMountPending; PATH is ignored). --ro: mount the
//       disk read-only (nothing is written to it, not even the mount count).
//       --type: the type mount(2) named; an image with features that type
//       lacks is refused with EINVAL (servers/fs/ext2/fs_type.h). Without
//       it the file system is named as blkid names the image.
//
// Bootstrap handles (from init):
//   "blk"    the client end of the virtio-blk driver's channel (lib/blkproto)
//   "vfs"    the mount right (fs_mount)
//   "ready"  optional: a channel end; the server writes one int64 on it when
//            the mount is done: 0, or -errno if it failed (then it exits)
//   "ctl"    optional: init's control channel (abi/tessera/controlproto.h).
//            Pings are answered whenever the server waits, also while a
//            block request is at the driver, so init never takes a busy
//            server for a hung one. When the block driver dies, the block
//            request that finds it gone waits (up to 20 s, answering pings)
//            for kAttachBlock carrying a channel to the restarted driver,
//            then goes on there (blkproto::Reconnector): the driver's
//            restart costs a delay, not an error, and the cache (with its
//            dirty blocks) survives it. kHang (debug) makes it spin.
//
// It mounts the disk's ext2 file system (servers/fs/ext2) over the block
// client, mounts itself into the kernel VFS (fs_mount; with kFsMountRoot the
// root moves from the initramfs to the disk, /dev, /tmp and /proc moving
// along) and then serves fsproto requests (servers/fs/server.h) on its
// channel until the kernel unmounts it or drops the channel. Dirty data is
// written back every 5 s; sync(2), fsync(2) and unmount write it at once.
//
// fs_mount of the root makes the kernel look /dev, /tmp and /proc up in the
// new root before it returns, i.e. it sends requests to this server: so the
// mount call runs on a second thread while the main thread already serves.

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "abi/linux/mman.h"
#include "abi/tessera/controlproto.h"
#include "abi/tessera/fsproto.h"
#include "lib/blkproto/client.h"
#include "lib/blkproto/ext2_block_device.h"
#include "lib/tessera/bootstrap.h"
#include "lib/tessera/control.h"
#include "lib/tessera/syscalls.h"
#include "servers/fs/ext2/ext2.h"
#include "servers/fs/server.h"

namespace {

using servers::fs::Server;
using servers::fs::ext2::Ext2;
using servers::fs::ext2::LogLevel;
using tessera::handle_t;
namespace sys = tessera::sys;
namespace ext2 = servers::fs::ext2;

constexpr int64_t kWriteBackNs = 5'000'000'000;
constexpr int64_t kMountPollNs = 10'000'000;
constexpr size_t kMountStackBytes = 64 * 1024;
constexpr int64_t kMountPending = INT64_MIN;

class RealtimeClock final : public ext2::Clock {
 public:
  int64_t NowSeconds() override {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec;
  }
};

class ConsoleLog final : public ext2::LogSink {
 public:
  void Log(LogLevel level, const char* message) override {
    printf("fs: %s%s\n",
           level == LogLevel::kError     ? "error: "
           : level == LogLevel::kWarning ? "warning: "
                                         : "",
           message);
    fflush(stdout);
  }
};

// The mount thread: only raw system calls (no libc, which would need this
// thread's TLS), result published through g_mount_result.
tessera::FsMountArgs g_mount_args{};
int64_t g_mount_result = kMountPending;

[[noreturn]] void MountThread(uint64_t) {
  int64_t result = sys::FsMount(&g_mount_args);
  __atomic_store_n(&g_mount_result, result, __ATOMIC_RELEASE);
  sys::ThreadExit();
  __builtin_unreachable();
}

int64_t StartMountThread() {
  void* stack =
      mmap(nullptr, kMountStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (stack == MAP_FAILED) return -12;
  uint64_t top = reinterpret_cast<uint64_t>(stack) + kMountStackBytes;
  return sys::ThreadCreate(reinterpret_cast<uint64_t>(&MountThread), top, 0);
}

void SignalReady(handle_t ready, int64_t status) {
  if (ready == tessera::kInvalidHandle) return;
  sys::ChannelWrite(ready, &status, sizeof status, nullptr, 0, 0);
  sys::HandleClose(ready);
}

// init's control channel ("ctl", abi/tessera/controlproto.h). Served
// whenever the server waits: in the main loop, while a block request is at
// the driver (the block client's WaitHook) and while it waits for a
// restarted driver (Reconnector). kPing gets kPong, so init sees a busy
// server answer; kHang (debug, from init only) makes the main loop spin
// forever at its next turn (HangIfAsked); kAttachBlock
// brings a channel to a restarted block driver, kept (the newest wins:
// older ones lead to drivers that died again meanwhile) until a block
// request finds the old driver gone and asks for it (blkproto::Reconnector).
// Anything else is dropped.
class Control final : public blkproto::WaitHook, public blkproto::Reconnector {
 public:
  static constexpr int64_t kWaitNs = 20'000'000'000;

  explicit Control(handle_t ctl) : ctl_(ctl) {}

  handle_t handle() override { return ctl_; }

  void Serve() override {
    while (ctl_ != tessera::kInvalidHandle) {
      controlproto::Message m{};
      handle_t handle = tessera::kInvalidHandle;
      int64_t r = tessera::ReadControl(ctl_, &m, &handle);
      if (r == -11) return;  // EAGAIN: all served
      if (r < 0) {           // EPIPE: init let go of it
        sys::HandleClose(ctl_);
        ctl_ = tessera::kInvalidHandle;
        return;
      }
      if (r == 0) continue;  // malformed: dropped
      if (m.op == controlproto::kAttachBlock) {
        if (attached_ != tessera::kInvalidHandle) sys::HandleClose(attached_);
        attached_ = handle;
      } else if (m.op == controlproto::kPing) {
        (void)tessera::AnswerPing(ctl_, m.txid);
      } else if (m.op == controlproto::kHang) {
        hang_requested_ = true;  // HangIfAsked, at the top of the main loop
      }
    }
  }

  /// kHang (debug) takes effect here, where the main loop is between
  /// requests: the disk then holds the last complete write-back, as after a
  /// kill at that point. (A real hang in the middle of a write-back leaves
  /// the disk as a crash there would: on ext2 e2fsck may have work; an
  /// ext3 disk's journal makes the next mount consistent.)
  void HangIfAsked() {
    if (!hang_requested_) return;
    printf("fs: debug: told to hang by init; spinning\n");
    fflush(stdout);
    for (;;) __asm__ volatile("pause");
  }

  handle_t NewChannel() override {
    Serve();
    if (ctl_ == tessera::kInvalidHandle && attached_ == tessera::kInvalidHandle)
      return tessera::kInvalidHandle;
    printf("fs: the block driver is gone; waiting for init to restart it\n");
    fflush(stdout);
    int64_t deadline = sys::ClockMonotonic() + kWaitNs;
    for (;;) {
      Serve();
      if (attached_ != tessera::kInvalidHandle) {
        handle_t fresh = attached_;
        attached_ = tessera::kInvalidHandle;
        return fresh;
      }
      if (ctl_ == tessera::kInvalidHandle) {
        printf("fs: init closed the control channel: no block driver any more\n");
        return tessera::kInvalidHandle;
      }
      uint32_t observed = 0;
      if (sys::ObjectWaitOne(ctl_, tessera::kSignalReadable | tessera::kSignalPeerClosed, deadline,
                             &observed) == -110) {
        printf("fs: no new block driver within %lld s\n",
               static_cast<long long>(kWaitNs / 1'000'000'000));
        return tessera::kInvalidHandle;
      }
    }
  }

  void Reconnected(int result) override {
    if (result == 0) {
      printf("fs: reconnected to the restarted block driver\n");
    } else {
      printf("fs: error: could not reconnect to a block driver (%d): block I/O fails with EIO\n",
             result);
    }
    fflush(stdout);
  }

 private:
  handle_t ctl_;
  handle_t attached_ = tessera::kInvalidHandle;  // the newest restarted driver's channel, unused
  bool hang_requested_ = false;
};

const char* Describe(int error) {
  switch (error) {
    case 0: return "ok";
    case 5: return "EIO";
    case 12: return "ENOMEM";
    case 16: return "EBUSY";
    case 22: return "EINVAL";
    case 30: return "EROFS";
    case 38: return "ENOSYS";
    default: return "error";
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = "/";
  bool reattach = false;
  bool read_only = false;
  ext2::FsType fs_type = ext2::FsType::kAny;
  uint32_t pending_id = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--reattach") == 0) {
      reattach = true;
    } else if (strcmp(argv[i], "--ro") == 0) {
      read_only = true;
    } else if (strncmp(argv[i], "--type=", 7) == 0) {
      if (!ext2::ParseFsType(argv[i] + 7, &fs_type)) {
        printf("fs: bad %s (ext2, ext3 or ext4)\n", argv[i]);
        return 2;
      }
    } else if (strncmp(argv[i], "--pending=", 10) == 0) {
      char* end = nullptr;
      unsigned long id = strtoul(argv[i] + 10, &end, 10);
      if (end == argv[i] + 10 || *end != '\0' || id == 0 || id > UINT32_MAX) {
        printf("fs: bad %s\n", argv[i]);
        return 2;
      }
      pending_id = static_cast<uint32_t>(id);
    } else {
      path = argv[i];
    }
  }
  if (pending_id != 0) {
    if (reattach) {
      printf("fs: --pending and --reattach exclude each other\n");
      return 2;
    }
    path = "a pending mount point";
  }
  const bool as_root = strcmp(path, "/") == 0 && !reattach;
  tessera::Bootstrap boot;
  if (boot.Load() < 0) {
    printf("fs: no bootstrap handles\n");
    return 2;
  }
  handle_t ready = boot.Take("ready");
  handle_t blk = boot.Take("blk");
  handle_t vfs = boot.Find("vfs");
  static Control control(boot.Take("ctl"));
  if (blk == tessera::kInvalidHandle || vfs == tessera::kInvalidHandle) {
    printf("fs: needs the \"blk\" and \"vfs\" handles\n");
    SignalReady(ready, -22);
    return 2;
  }

  static blkproto::Client client;
  if (int e = client.Open(blk); e < 0) {
    printf("fs: cannot open the block device: %d\n", e);
    SignalReady(ready, e);
    return 3;
  }
  client.set_reconnector(&control);
  client.set_wait_hook(&control);
  static blkproto::Ext2BlockDevice device(client);
  static RealtimeClock clock;
  static ConsoleLog log;
  static Ext2 fs;
  ext2::MountOptions options;
  options.clock = &clock;
  options.log = &log;
  options.cache_blocks = 4096;
  options.read_only = read_only;
  options.as = fs_type;
  // A server taking over keeps the orphan list: the kernel may hold its
  // inodes open, and adopts them.
  options.keep_orphans = reattach;
  auto report = fs.Mount(&device, options);
  if (report.is_error()) {
    int e = static_cast<int>(report.error());
    printf("fs: the disk (%llu bytes) has no usable ext2 file system: %s (%d)\n",
           static_cast<unsigned long long>(device.sector_count() * device.sector_size()),
           Describe(e), e);
    SignalReady(ready, -e);
    return 4;
  }
  const ext2::MountReport& r = report.value();
  printf(
      "fs: %s on virtio-blk: %llu bytes (%llu sectors of %u), block size %u, %u group(s), "
      "%s%s%s, mount %u\n",
      ext2::FsTypeName(r.type),
      static_cast<unsigned long long>(device.sector_count() * device.sector_size()),
      static_cast<unsigned long long>(device.sector_count()), device.sector_size(), r.block_size,
      r.groups, r.was_clean ? "clean" : "NOT cleanly unmounted (run e2fsck)",
      r.had_errors ? ", errors recorded" : "", r.read_only ? ", read-only" : "", r.mount_count);
  if (r.journaled || r.replayed_transactions > 0) {
    printf("fs: ext3 journal%s: %u transaction(s) replayed at mount%s\n",
           r.journaled ? " in use (ordered mode)" : " not in use (read-only)",
           r.replayed_transactions, r.replay_dropped_torn ? ", an uncommitted one dropped" : "");
  }
  fflush(stdout);

  static Server server(&fs, nullptr);
  static fsproto::Reply root;
  if (auto made = server.MakeRootReply(&root); made.is_error()) {
    printf("fs: cannot read the root directory: %d\n", static_cast<int>(made.error()));
    (void)server.Unmount();
    SignalReady(ready, -static_cast<int>(made.error()));
    return 5;
  }
  handle_t server_end, kernel_end;
  if (sys::ChannelCreate(&server_end, &kernel_end) < 0) return 6;
  g_mount_args.mount_right = vfs;
  g_mount_args.channel = kernel_end;
  g_mount_args.path = path;
  g_mount_args.root = &root;
  g_mount_args.root_size = sizeof root;
  g_mount_args.flags = reattach     ? tessera::kFsMountReplace
                       : pending_id ? tessera::kFsMountPending
                       : as_root    ? tessera::kFsMountRoot
                                    : 0;
  g_mount_args.pending_id = pending_id;
  if (int64_t started = StartMountThread(); started < 0) {
    printf("fs: cannot start the mount thread: %lld\n", static_cast<long long>(started));
    (void)server.Unmount();
    SignalReady(ready, started);
    return 7;
  }

  static uint8_t message[fsproto::kMaxRequestBytes + 16];
  bool mounted = false;
  int64_t next_write_back = sys::ClockMonotonic() + kWriteBackNs;
  for (;;) {
    if (!mounted) {
      int64_t result = __atomic_load_n(&g_mount_result, __ATOMIC_ACQUIRE);
      if (result != kMountPending) {
        if (result < 0) {
          printf("fs: fs_mount%s on %s failed: %lld\n", reattach ? " (re-attach)" : "", path,
                 static_cast<long long>(result));
          (void)server.Unmount();
          SignalReady(ready, result);
          return 8;
        }
        mounted = true;
        if (reattach) {
          printf("fs: re-attached to the mount on %s (took it over from a crashed server)\n", path);
        } else {
          printf("fs: mounted on %s%s\n", path, as_root ? " (now the root file system)" : "");
        }
        fflush(stdout);
        SignalReady(ready, 0);
        ready = tessera::kInvalidHandle;
      }
    }
    int64_t now = sys::ClockMonotonic();
    if (now >= next_write_back) {
      if (int e = server.WriteBack()) printf("fs: write-back failed: %s (%d)\n", Describe(e), e);
      next_write_back = now + kWriteBackNs;
    }
    int64_t deadline = mounted ? next_write_back : now + kMountPollNs;
    tessera::WaitItem items[2] = {
        {server_end, tessera::kSignalReadable | tessera::kSignalPeerClosed, 0, 0},
        {control.handle(), tessera::kSignalReadable | tessera::kSignalPeerClosed, 0, 0},
    };
    int64_t waited =
        sys::ObjectWaitMany(items, items[1].handle != tessera::kInvalidHandle ? 2 : 1, deadline);
    // init's pings are answered on every wake-up, busy or not.
    control.Serve();
    control.HangIfAsked();
    if (waited < 0) continue;  // the deadline
    uint32_t observed = items[0].observed;
    if (observed == 0) continue;  // only the control channel
    handle_t handles[4];
    tessera::ChannelReadArgs rd{};
    rd.bytes = message;
    rd.handles = handles;
    rd.bytes_capacity = sizeof message;
    rd.handles_capacity = 4;
    if (sys::ChannelRead(server_end, &rd) < 0) {
      if (observed & tessera::kSignalPeerClosed) break;  // the kernel let go of the mount
      continue;
    }
    fsproto::Request q{};
    if (rd.actual_bytes >= sizeof q) memcpy(&q, message, sizeof q);
    if (rd.actual_bytes >= sizeof q && q.magic == fsproto::kMagic && q.op == fsproto::kHello &&
        rd.actual_handles == 1) {
      int64_t addr =
          sys::VmoMap(handles[0], 0, fsproto::kDataBufferSize,
                      linux_abi::kProtRead | linux_abi::kProtWrite, 0, tessera::kVmoMapShared);
      if (addr < 0) {
        printf("fs: cannot map the data buffer: %lld\n", static_cast<long long>(addr));
      } else {
        server.set_buffer(reinterpret_cast<uint8_t*>(addr));
      }
      continue;
    }
    for (uint32_t i = 0; i < rd.actual_handles && i < 4; ++i) sys::HandleClose(handles[i]);
    fsproto::Reply reply;
    Server::Action action = server.Handle(message, rd.actual_bytes, &reply);
    if (action == Server::Action::kNoReply) continue;
    // Said before the reply: the kernel may stop the machine the moment the
    // unmount is answered (power off).
    if (action == Server::Action::kUnmounted) printf("fs: unmounted cleanly\n");
    sys::ChannelWrite(server_end, &reply, sizeof reply, nullptr, 0, rd.txid);
    if (action == Server::Action::kUnmounted) return 0;
    if (q.op == fsproto::kUnmount) {
      printf("fs: unmount failed: %s (%d); still serving\n", Describe(reply.error), reply.error);
    }
  }
  int e = server.Unmount();
  if (e == 0) {
    printf("fs: the kernel dropped the mount; unmounted cleanly\n");
  } else {
    printf("fs: the kernel dropped the mount; unmount failed: %s (%d)\n", Describe(e), e);
  }
  return e == 0 ? 0 : 1;
}
