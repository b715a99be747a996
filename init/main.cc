// init: PID 1 of Tessera. The kernel starts the boot module named "init" and
// hands it a handle to every boot module (by module name) in its bootstrap
// message. init starts the other programs from those modules, gives them the
// channels they talk over, and watches them.
//
// What it runs depends on TESSERA_TEST (from the kernel's tessera.test=):
//   (unset)  the IPC demo (echo_server + echo_client), then it waits: the shell
//            arrives with the POSIX personality.
//   boot     the IPC demo, then exits with its result (the boot system test).
//   core     the in-guest core test suite (coretest), exits with its result.
//   bench    the core benchmark (corebench), exits with its result.
//   posix    the POSIX process suite (posixtest), exits with its result.
//   rfs      the user-space file-system test (rfstest), exits with its result.
//   suite    the benchmark suite /bin/benchsuite from the root file system
//            (testing/bench), after the root moved to the disk when one is
//            attached, exits with its result.
//   suite_smoke  the same with a 4 MiB disk file (benchsuite --disk-mib 4),
//            for the suite's smoke test.
//   storage  the storage benchmark: benchsuite's disk figures on a 256 MiB
//            file (benchsuite --disk-mib 256 disk_), root on the disk.
//   blk      starts the virtio-blk driver and runs blktest with the driver's
//            client channel (handle "blk"), exits with its result.
//
// Storage: when the machine has a virtio-blk disk, init starts the driver
// (StartBlockDriver) with only that PCI function's handle; the client end of
// its service channel is for the fs server (fs_server), which init starts
// next (MountRootFromDisk): the ext2 disk becomes the root, or the initramfs
// stays the root when there is no disk or the mount fails.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/tessera/bootstrap.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace {

using tessera::handle_t;
namespace sys = tessera::sys;

int Describe(int64_t status) {
  if (status < 0) return printf("error %lld", static_cast<long long>(status));
  if ((status & 0x7F) != 0) return printf("killed by signal %lld", static_cast<long long>(status & 0x7F));
  return printf("exit code %lld", static_cast<long long>((status >> 8) & 0xFF));
}

// Runs echo_server and echo_client connected by a channel; returns 0 if the
// client reported success.
int RunEchoDemo(tessera::Bootstrap& boot) {
  handle_t server_exe = boot.Find("echo_server");
  handle_t client_exe = boot.Find("echo_client");
  if (server_exe == tessera::kInvalidHandle || client_exe == tessera::kInvalidHandle) {
    printf("init: echo_server/echo_client modules missing; no demo\n");
    return 1;
  }
  handle_t server_end, client_end;
  if (sys::ChannelCreate(&server_end, &client_end) < 0) return 1;
  const char* svc[] = {"svc"};
  const char* server_argv[] = {"echo_server"};
  const char* client_argv[] = {"echo_client", "200"};
  int64_t server = tessera::Spawn(server_exe, "echo_server", 1, server_argv, &server_end, svc, 1);
  int64_t client = tessera::Spawn(client_exe, "echo_client", 2, client_argv, &client_end, svc, 1);
  if (server < 0 || client < 0) {
    printf("init: spawning the demo failed (%lld, %lld)\n", static_cast<long long>(server),
           static_cast<long long>(client));
    return 1;
  }
  printf("init: spawned echo_server and echo_client, connected by a channel\n");
  int64_t client_status = tessera::WaitForExit(static_cast<handle_t>(client));
  // The client's end is closed now, so the server sees its peer closed and ends.
  int64_t server_status = tessera::WaitForExit(static_cast<handle_t>(server));
  printf("init: echo_client ended with ");
  Describe(client_status);
  printf(", echo_server with ");
  Describe(server_status);
  printf("\n");
  return client_status == 0 && server_status == 0 ? 0 : 1;
}

// Runs one program with handles to every module (duplicated), returns its status.
int64_t RunWithModules(tessera::Bootstrap& boot, const char* program) {
  handle_t exe = boot.Find(program);
  if (exe == tessera::kInvalidHandle) {
    printf("init: no module named %s\n", program);
    return -2;
  }
  handle_t handles[tessera::Bootstrap::kMaxHandles];
  const char* names[tessera::Bootstrap::kMaxHandles];
  uint32_t n = 0;
  for (size_t i = 0; i < boot.count(); ++i) {
    if (boot.at(i).handle == tessera::kInvalidHandle) continue;
    int64_t dup = sys::HandleDuplicate(boot.at(i).handle, tessera::kRightSameRights);
    if (dup < 0) continue;
    handles[n] = static_cast<handle_t>(dup);
    names[n] = boot.at(i).name;
    ++n;
  }
  const char* argv[] = {program};
  int64_t child = tessera::Spawn(exe, program, 1, argv, handles, names, n);
  if (child < 0) {
    printf("init: cannot start %s: %lld\n", program, static_cast<long long>(child));
    return child;
  }
  return tessera::WaitForExit(static_cast<handle_t>(child));
}

// Starts the virtio-blk driver (boot module "virtio_blk") when the machine
// has a modern virtio-blk function (1af4:1042): init opens the function and
// hands the driver only that device handle (plus its BAR sizes, which the
// handle cannot tell) and one end of a new channel, the driver's service
// channel (lib/blkproto/blkproto.h). Returns the other end, the client's,
// or kInvalidHandle when there is no disk, no driver module or a failure
// (logged). `process` (optional) receives the driver's process handle.
handle_t StartBlockDriver(tessera::Bootstrap& boot, handle_t* process = nullptr) {
  handle_t root = boot.Find("pci");
  if (root == tessera::kInvalidHandle) return tessera::kInvalidHandle;
  tessera::PciFunctionInfo info{};
  uint32_t index = 0;
  for (;; ++index) {
    if (sys::PciGetInfo(root, index, &info) < 0) return tessera::kInvalidHandle;  // no disk
    if (info.vendor_id == 0x1af4 && info.device_id == 0x1042) break;
  }
  handle_t exe = boot.Find("virtio_blk");
  if (exe == tessera::kInvalidHandle) {
    printf("init: a virtio-blk disk is attached but there is no virtio_blk module\n");
    return tessera::kInvalidHandle;
  }
  int64_t device = sys::PciOpen(root, index);
  if (device < 0) {
    printf("init: cannot open the virtio-blk PCI function: %lld\n", static_cast<long long>(device));
    return tessera::kInvalidHandle;
  }
  handle_t driver_end, client_end;
  if (sys::ChannelCreate(&driver_end, &client_end) < 0) {
    sys::HandleClose(static_cast<handle_t>(device));
    return tessera::kInvalidHandle;
  }
  char pci[32], bars[160];
  snprintf(pci, sizeof pci, "--pci=%02x:%02x.%x", info.bus, info.device, info.function);
  int used = snprintf(bars, sizeof bars, "--bars=");
  for (int i = 0; i < 6; ++i) {
    uint64_t size = (info.bars[i].flags & tessera::kPciBarIo) ? 0 : info.bars[i].size;
    used += snprintf(bars + used, sizeof bars - used, i ? ",%llu" : "%llu",
                     static_cast<unsigned long long>(size));
  }
  handle_t handles[] = {static_cast<handle_t>(device), driver_end};
  const char* names[] = {"device", "svc"};
  const char* argv[] = {"virtio_blk", pci, bars};
  int64_t child = tessera::Spawn(exe, "virtio_blk", 3, argv, handles, names, 2);
  if (child < 0) {
    printf("init: cannot start virtio_blk: %lld\n", static_cast<long long>(child));
    sys::HandleClose(client_end);
    return tessera::kInvalidHandle;
  }
  printf("init: started virtio_blk for PCI %s\n", pci + 6);
  if (process != nullptr) {
    *process = static_cast<handle_t>(child);
  } else {
    sys::HandleClose(static_cast<handle_t>(child));
  }
  return client_end;
}

// tessera.test=blk: the driver and blktest, which gets the client channel.
int RunBlockTest(tessera::Bootstrap& boot) {
  handle_t exe = boot.Find("blktest");
  if (exe == tessera::kInvalidHandle) {
    printf("init: no module named blktest\n");
    return 1;
  }
  handle_t driver = tessera::kInvalidHandle;
  handle_t client = StartBlockDriver(boot, &driver);
  const char* names[] = {"blk"};
  const char* argv[] = {"blktest"};
  int64_t child = tessera::Spawn(exe, "blktest", 1, argv, &client, names,
                                 client == tessera::kInvalidHandle ? 0 : 1);
  if (child < 0) {
    printf("init: cannot start blktest: %lld\n", static_cast<long long>(child));
    return 1;
  }
  int64_t status = tessera::WaitForExit(static_cast<handle_t>(child));
  printf("init: blktest ended with ");
  Describe(status);
  printf("\n");
  if (driver != tessera::kInvalidHandle) {
    // blktest's end is closed now: the driver drains and stops.
    int64_t driver_status = tessera::WaitForExit(driver, tessera::NowNs() + 10'000'000'000);
    printf("init: virtio_blk ended with ");
    Describe(driver_status);
    printf("\n");
  }
  return status == 0 ? 0 : 1;
}

// Root on disk: starts the ext2 file-system server (boot module
// "fs_server") with the block driver's client channel ("blk"), the mount
// right ("vfs") and a "ready" channel, and waits until the server says the
// disk is the root (kFsMountRoot moved /dev, /tmp and /proc into it; init's
// root and cwd moved too). Returns true if the root moved; otherwise the
// initramfs stays the root, said in one line. Takes `block_client`.
bool MountRootFromDisk(tessera::Bootstrap& boot, handle_t block_client) {
  if (block_client == tessera::kInvalidHandle) {
    printf("init: no virtio-blk disk; the initramfs stays the root\n");
    return false;
  }
  handle_t exe = boot.Find("fs_server");
  int64_t vfs = sys::HandleDuplicate(boot.Find("vfs"), tessera::kRightSameRights);
  handle_t ready_mine, ready_theirs;
  if (exe == tessera::kInvalidHandle || vfs < 0 ||
      sys::ChannelCreate(&ready_mine, &ready_theirs) < 0) {
    printf("init: no fs_server module or vfs right; the initramfs stays the root\n");
    sys::HandleClose(block_client);
    if (vfs >= 0) sys::HandleClose(static_cast<handle_t>(vfs));
    return false;
  }
  handle_t handles[] = {block_client, static_cast<handle_t>(vfs), ready_theirs};
  const char* names[] = {"blk", "vfs", "ready"};
  const char* argv[] = {"fs_server"};
  int64_t server = tessera::Spawn(exe, "fs_server", 1, argv, handles, names, 3);
  if (server < 0) {
    printf("init: cannot start fs_server (%lld); the initramfs stays the root\n",
           static_cast<long long>(server));
    sys::HandleClose(ready_mine);
    return false;
  }
  sys::HandleClose(static_cast<handle_t>(server));
  // The server writes one int64 (0 or -errno) once fs_mount returned.
  int64_t status = -110;  // ETIMEDOUT
  uint32_t observed = 0;
  if (sys::ObjectWaitOne(ready_mine, tessera::kSignalReadable | tessera::kSignalPeerClosed,
                         tessera::NowNs() + 120'000'000'000, &observed) == 0) {
    tessera::ChannelReadArgs rd{};
    int64_t value = -5;  // EIO: the server ended without a word
    rd.bytes = &value;
    rd.bytes_capacity = sizeof value;
    if (sys::ChannelRead(ready_mine, &rd) >= 0 && rd.actual_bytes == sizeof value) status = value;
    else status = -5;
  }
  sys::HandleClose(ready_mine);
  if (status != 0) {
    printf("init: the disk did not become the root (%lld); the initramfs stays the root\n",
           static_cast<long long>(status));
    return false;
  }
  printf("init: the root is now the ext2 disk\n");
  return true;
}

// Starts busybox sh on the console in a new session and restarts it when it
// exits; reaps every other child (orphans are reparented to init). With
// `once` (the shell system test) init exits with the shell's status instead.
int RunShell(bool once) {
  for (;;) {
    printf("init: starting /bin/sh on the console\n");
    fflush(stdout);
    pid_t shell = fork();
    if (shell < 0) {
      printf("init: fork failed\n");
      return 1;
    }
    if (shell == 0) {
      // A new session whose controlling terminal is the serial line, so the
      // shell has job control (fg, bg, ^C, ^Z).
      setsid();
      int tty = open("/dev/ttyS0", O_RDWR);
      if (tty >= 0) {
        dup2(tty, 0);
        dup2(tty, 1);
        dup2(tty, 2);
        if (tty > 2) close(tty);
      }
      static const char* const argv[] = {"sh", nullptr};
      static const char* const envp[] = {"PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/root",
                                         "TERM=vt100", "PS1=tessera:\\w# ", nullptr};
      chdir("/root");
      execve("/bin/sh", const_cast<char* const*>(argv), const_cast<char* const*>(envp));
      printf("init: cannot run /bin/sh\n");
      _exit(127);
    }
    for (;;) {
      int status = 0;
      pid_t done = wait(&status);
      if (done < 0) break;
      if (done != shell) continue;  // an orphan: reaped
      printf("init: the shell ended with status %d\n", status);
      if (once) return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
      break;
    }
  }
}

// Runs a program of the root file system (not a boot module) with init's
// stdio and up to two arguments (null: none), reaping orphans meanwhile;
// returns its wait status (or -1).
int RunFromRoot(const char* path, const char* arg1 = nullptr, const char* arg2 = nullptr,
                const char* arg3 = nullptr) {
  const char* argv[] = {path, arg1, arg2, arg3, nullptr};
  for (int i = 1; i < 4; ++i) {
    if (argv[i] == nullptr) {
      for (int j = i; j < 4; ++j) argv[j] = nullptr;  // the first null ends the list
      break;
    }
  }
  printf("init: running");
  for (int i = 0; argv[i] != nullptr; ++i) printf(" %s", argv[i]);
  printf("\n");
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    const char* envp[] = {"PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/root", nullptr};
    execve(path, const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    printf("init: cannot run %s\n", path);
    _exit(127);
  }
  for (;;) {
    int status = 0;
    pid_t done = wait(&status);
    if (done < 0) return -1;
    if (done == pid) return status;
  }
}

// busybox `poweroff`, `halt` and `reboot` (without -f) signal init: SIGUSR2,
// SIGUSR1 and SIGTERM. init flushes and lets the kernel unmount the file
// systems and stop the machine.
void OnShutdownSignal(int signo) {
  static const char kMessage[] = "init: shutting down\n";
  (void)write(1, kMessage, sizeof kMessage - 1);
  sync();
  reboot(signo == SIGTERM ? RB_AUTOBOOT : signo == SIGUSR1 ? RB_HALT_SYSTEM : RB_POWER_OFF);
}

void HandleShutdownSignals() {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnShutdownSignal;
  sigfillset(&sa.sa_mask);
  const int signals[] = {SIGUSR1, SIGUSR2, SIGTERM};
  for (int signo : signals) sigaction(signo, &sa, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  HandleShutdownSignals();
  printf("init: Tessera init started with %d argument(s):", argc);
  for (int i = 0; i < argc; ++i) printf(" %s", argv[i]);
  printf("\n");

  tessera::Bootstrap boot;
  int loaded = boot.Load();
  if (loaded < 0) {
    printf("init: no bootstrap handles (%d)\n", loaded);
    return 1;
  }
  printf("init: %zu boot module(s):", boot.count());
  for (size_t i = 0; i < boot.count(); ++i) printf(" %s", boot.at(i).name);
  printf("\n");

  const char* mode = getenv("TESSERA_TEST");
  const char* program = nullptr;
  if (mode != nullptr && strcmp(mode, "core") == 0) program = "coretest";
  if (mode != nullptr && strcmp(mode, "bench") == 0) program = "corebench";
  if (mode != nullptr && strcmp(mode, "posix") == 0) program = "posixtest";
  if (mode != nullptr && strcmp(mode, "rfs") == 0) program = "rfstest";
  if (program != nullptr) {
    int64_t status = RunWithModules(boot, program);
    printf("init: %s ended with ", program);
    Describe(status);
    printf("\n");
    return status == 0 ? 0 : 1;
  }

  bool suite_smoke = mode != nullptr && strcmp(mode, "suite_smoke") == 0;
  bool storage = mode != nullptr && strcmp(mode, "storage") == 0;
  if (mode != nullptr && (strcmp(mode, "suite") == 0 || suite_smoke || storage)) {
    // The disk figures need the root on the disk: move it first (with no
    // disk the initramfs stays the root and the suite skips them).
    MountRootFromDisk(boot, StartBlockDriver(boot));
    // suite_smoke (the smoke test): a 4 MiB disk file instead of 64 MiB;
    // storage: only the disk figures, on a 256 MiB file.
    int status = suite_smoke ? RunFromRoot("/bin/benchsuite", "--disk-mib", "4")
                 : storage   ? RunFromRoot("/bin/benchsuite", "--disk-mib", "256", "disk_")
                             : RunFromRoot("/bin/benchsuite");
    printf("init: /bin/benchsuite ended with ");
    Describe(status);
    printf("\n");
    return status == 0 ? 0 : 1;
  }

  if (mode != nullptr && strcmp(mode, "blk") == 0) return RunBlockTest(boot);

  int demo = RunEchoDemo(boot);
  if (mode != nullptr && strcmp(mode, "shell") != 0) return demo;
  // The client end of the block driver's channel, for the fs server.
  MountRootFromDisk(boot, StartBlockDriver(boot));
  return RunShell(mode != nullptr);
}
