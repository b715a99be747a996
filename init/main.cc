// init: PID 1 of Tessera. The kernel starts the boot module named "init" and
// hands it a handle to every boot module (by module name) in its bootstrap
// message. init starts the other programs from those modules, gives them the
// channels they talk over, and watches them.
//
//   init [--restart-window=SECONDS] [--debug-hang]
//
// What it runs depends on TESSERA_TEST (from the kernel's tessera.test=):
//   (unset)  the IPC demo (echo_server + echo_client), then it waits: the shell
//            arrives with the POSIX personality.
//   boot     the IPC demo, then exits with its result (the boot system test).
//   core     the in-guest core test suite (coretest), exits with its result.
//   bench    the core benchmark (corebench), exits with its result.
//   posix    the POSIX process suite (posixtest), exits with its result.
//   rfs      the user-space file-system test (rfstest), exits with its result.
//   fuzz     the system-call fuzzer (syscallfuzz), exits with its result.
//   suite    the benchmark suite /bin/benchsuite from the root file system
//            (testing/bench), after the root moved to the disk when one is
//            attached, exits with its result.
//   suite_smoke  the same with a 4 MiB disk file (benchsuite --disk-mib 4),
//            for the suite's smoke test.
//   storage  the storage benchmark: benchsuite's disk figures on a 256 MiB
//            file (benchsuite --disk-mib 256 disk_), root on the disk.
//   blk      starts the virtio-blk driver and runs blktest with the driver's
//            client channel (handle "blk"), exits with its result.
//   net      starts and supervises the virtio-net driver (network.h) and runs
//            nettest with the driver's client channel ("net"), the driver's
//            process ("driver", to kill it) and a control-style channel
//            ("frames") on which a restarted driver's channel arrives
//            (controlproto kAttachFrames; nettest may send kHang there to
//            have init hang the driver); exits with nettest's result.
//
// Storage (storage.h): when the machine has a virtio-blk disk, init starts
// the driver (StartBlockDriver) with only that PCI function's handle; the
// client end of its service channel is for the fs server (fs_server), which
// init starts next (StorageStack::MountRoot): the ext2 disk becomes the root,
// or the initramfs stays the root when there is no disk or the mount fails.
// In the shell modes init then supervises both: a crash is logged (pid, name,
// status) and the crashed part restarted with backoff, the fs server taking
// the same mount over, so cwds, paths and open files keep working; after five
// crashes within a minute init gives up and the disk's files fail with EIO.
// init also pings both over their control channels (abi/tessera/
// controlproto.h) every 2 s: one that does not answer for 5 s is logged
// ("did not answer for 5 s: killed, restarting"), killed and restarted like a
// crashed one. Debug: with --debug-hang (system tests only), signal 40 sent
// to init makes it tell the driver, signal 41 the fs server, to hang (spin
// without answering: controlproto kHang, which only init can send, over the
// control channel only init holds). Without the flag init leaves the two
// signals alone (PID 1 receives only the signals it handles).
//
// Mount agent (mount_agent.h): in the shell modes init registers with the
// kernel as its mount agent, so `mount -t ext2 /dev/vdb /mnt` at the shell
// gets a driver and an ext2 server started for that disk (not supervised).
//
// Event loop (RunShell): init waits on a notification that its SIGCHLD
// handler signals (POSIX children: the shell, orphans to reap) together with
// the storage processes' handles, the restarted server's ready channel, the
// services' control channels (pongs), the mount agent's channel and its
// mounts' processes, with the storage stack's next deadline (restarts,
// pings, ping deadlines).

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi/tessera/controlproto.h"
#include "init/mount_agent.h"
#include "init/net_server.h"
#include "init/network.h"
#include "init/storage.h"
#include "lib/tessera/bootstrap.h"
#include "lib/tessera/control.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace {

using init::StartBlockDriver;
using tessera::handle_t;
namespace sys = tessera::sys;

int Describe(int64_t status) {
  char text[48];
  return printf("%s", init::DescribeStatus(status, text, sizeof text));
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

// tessera.test=net: the supervised virtio-net driver and nettest, which
// plays the network server (see the mode list above).
void ForwardFrames(void* context, handle_t channel) {
  (void)init::SendFrameChannel(*static_cast<handle_t*>(context), channel);
}

int RunNetTest(tessera::Bootstrap& boot) {
  handle_t exe = boot.Find("nettest");
  if (exe == tessera::kInvalidHandle) {
    printf("init: no module named nettest\n");
    return 1;
  }
  init::Network network(boot);
  network.Start();
  handle_t frames_mine = tessera::kInvalidHandle, frames_theirs = tessera::kInvalidHandle;
  if (sys::ChannelCreate(&frames_mine, &frames_theirs) < 0) return 1;
  network.SetRestartHook(ForwardFrames, &frames_mine);
  handle_t handles[3];
  const char* names[3];
  uint32_t n = 0;
  handle_t client = network.TakeServerChannel();
  if (client != tessera::kInvalidHandle) {
    handles[n] = client;
    names[n++] = "net";
  }
  int64_t driver = network.driver_process() == tessera::kInvalidHandle
                       ? -1
                       : sys::HandleDuplicate(network.driver_process(), tessera::kRightSameRights);
  if (driver >= 0) {
    handles[n] = static_cast<handle_t>(driver);
    names[n++] = "driver";
  }
  handles[n] = frames_theirs;
  names[n++] = "frames";
  const char* argv[] = {"nettest"};
  int64_t child = tessera::Spawn(exe, "nettest", 1, argv, handles, names, n);
  if (child < 0) {
    printf("init: cannot start nettest: %lld\n", static_cast<long long>(child));
    return 1;
  }
  int64_t status = 0;
  for (;;) {
    // nettest first: once it ended, the driver's exit (its client is gone)
    // must not be taken for a crash.
    status = sys::ProcessExitCode(static_cast<handle_t>(child));
    if (status != -11) break;  // EAGAIN: still running
    // This test mode only: nettest may ask (controlproto kHang on "frames")
    // for the driver to be hung, to see init find it and restart it.
    controlproto::Message m{};
    handle_t ignored = tessera::kInvalidHandle;
    while (tessera::ReadControl(frames_mine, &m, &ignored) >= 0) {
      if (ignored != tessera::kInvalidHandle) sys::HandleClose(ignored);
      ignored = tessera::kInvalidHandle;
      if (m.op == controlproto::kHang) network.DebugHang();
      m = controlproto::Message{};
    }
    network.Poll();
    tessera::WaitItem items[2 + init::Network::kMaxWaitItems];
    items[0] = {static_cast<handle_t>(child), tessera::kSignalTerminated, 0, 0};
    items[1] = {frames_mine, tessera::kSignalReadable, 0, 0};
    size_t count = 2 + network.FillWaitItems(items + 2, init::Network::kMaxWaitItems);
    (void)sys::ObjectWaitMany(items, static_cast<uint32_t>(count), network.NextDeadline());
  }
  printf("init: nettest ended with ");
  Describe(status);
  printf("\n");
  network.StopSupervising();
  if (network.driver_process() != tessera::kInvalidHandle) {
    // nettest's end is closed now: the driver logs its figures and stops.
    int64_t driver_status =
        tessera::WaitForExit(network.driver_process(), tessera::NowNs() + 10'000'000'000);
    printf("init: virtio_net ended with ");
    Describe(driver_status);
    printf("\n");
  }
  return status == 0 ? 0 : 1;
}

// The notification init's SIGCHLD handler signals (see the event loop).
handle_t g_child_event = tessera::kInvalidHandle;
// Set by the shutdown signals' handler.
volatile sig_atomic_t g_shutting_down = 0;
// --debug-hang: the signals that ask init to hang the driver or the server,
// and what arrived (for the event loop).
constexpr int kHangDriverSignal = 40;
constexpr int kHangServerSignal = 41;
volatile sig_atomic_t g_hang_driver = 0;
volatile sig_atomic_t g_hang_server = 0;

void OnChildSignal(int) {
  if (g_child_event != tessera::kInvalidHandle) (void)sys::NotificationSignal(g_child_event, 1);
}

void OnDebugHangSignal(int signo) {
  if (signo == kHangDriverSignal) g_hang_driver = 1;
  if (signo == kHangServerSignal) g_hang_server = 1;
  OnChildSignal(signo);  // wakes the event loop
}

void HandleDebugHangSignals() {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnDebugHangSignal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(kHangDriverSignal, &sa, nullptr);
  sigaction(kHangServerSignal, &sa, nullptr);
}

// Starts busybox sh on the console in its own session; returns its pid or -1.
pid_t StartShell() {
  printf("init: starting /bin/sh on the console\n");
  fflush(stdout);
  pid_t shell = fork();
  if (shell < 0) {
    printf("init: fork failed\n");
    return -1;
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
  return shell;
}

// init's event loop: runs the shell on the console and restarts it when it
// exits, reaps every other child (orphans are reparented to init),
// supervises `storage` (may be null) and serves the kernel's mount requests
// (`agent`, may be null). With `once` (the shell system tests) init returns
// the shell's exit status instead of restarting it.
int RunShell(bool once, init::StorageStack* storage, init::MountAgent* agent,
             init::Network* network, init::NetServer* net_server) {
  int64_t event = sys::NotificationCreate();
  if (event < 0) {
    printf("init: cannot create the child-event notification: %lld\n",
           static_cast<long long>(event));
    return 1;
  }
  g_child_event = static_cast<handle_t>(event);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnChildSignal;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGCHLD, &sa, nullptr);

  pid_t shell = -1;
  for (;;) {
    if (shell < 0) {
      shell = StartShell();
      if (shell < 0) return 1;
    }
    // Reap whatever ended: the shell, orphans.
    for (;;) {
      int status = 0;
      pid_t done = waitpid(-1, &status, WNOHANG);
      if (done <= 0) break;
      if (done != shell) continue;  // an orphan: reaped
      printf("init: the shell ended with status %d\n", status);
      if (once) return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
      shell = -1;
    }
    if (shell < 0) continue;
    if (storage != nullptr && g_shutting_down) storage->StopSupervising();
    if (network != nullptr && g_shutting_down) network->StopSupervising();
    if (net_server != nullptr && g_shutting_down) net_server->StopSupervising();
    if (g_hang_driver) {
      g_hang_driver = 0;
      if (storage != nullptr) storage->DebugHang(false);
    }
    if (g_hang_server) {
      g_hang_server = 0;
      if (storage != nullptr) storage->DebugHang(true);
    }
    if (storage != nullptr) storage->Poll();
    if (agent != nullptr) agent->Poll();
    if (network != nullptr) network->Poll();
    if (net_server != nullptr) net_server->Poll();
    tessera::WaitItem items[1 + init::StorageStack::kMaxWaitItems +
                            init::MountAgent::kMaxWaitItems + init::Network::kMaxWaitItems +
                            init::NetServer::kMaxWaitItems];
    size_t count = 0;
    items[count++] = {g_child_event, tessera::kSignalNotified, 0, 0};
    int64_t deadline = tessera::kInfinite;
    if (storage != nullptr) {
      count += storage->FillWaitItems(items + count, init::StorageStack::kMaxWaitItems);
      deadline = storage->NextDeadline();
    }
    if (agent != nullptr)
      count += agent->FillWaitItems(items + count, init::MountAgent::kMaxWaitItems);
    if (network != nullptr) {
      count += network->FillWaitItems(items + count, init::Network::kMaxWaitItems);
      int64_t net_deadline = network->NextDeadline();
      if (net_deadline < deadline) deadline = net_deadline;
    }
    if (net_server != nullptr) {
      count += net_server->FillWaitItems(items + count, init::NetServer::kMaxWaitItems);
      int64_t server_deadline = net_server->NextDeadline();
      if (server_deadline < deadline) deadline = server_deadline;
    }
    // Woken by a child's SIGCHLD (through the notification), a storage
    // process's exit, the restarted server's ready message, a mount request,
    // the exit of a mount's server or driver, or the deadline.
    (void)sys::ObjectWaitMany(items, static_cast<uint32_t>(count), deadline);
    uint64_t bits = 0;
    (void)sys::NotificationTake(g_child_event, &bits);
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
  // From here on the storage processes end on purpose (the kernel unmounts):
  // nothing is restarted. (Flag for the event loop; reboot does not return.)
  g_shutting_down = 1;
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
  // One write per line: the console is shared with the shell and the
  // servers, and a line cut at a full buffer would have their output in the
  // middle (the tests read init's lines).
  static char stdout_buffer[4096];
  setvbuf(stdout, stdout_buffer, _IOLBF, sizeof stdout_buffer);
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
  if (mode != nullptr && strcmp(mode, "fuzz") == 0) program = "syscallfuzz";
  if (program != nullptr) {
    // AF_INET for the suites: the network server when the ISO carries it
    // (over the NIC when there is a driver too, else the loopback only).
    static init::Network test_network(boot);
    bool nic = boot.Find("virtio_net") != tessera::kInvalidHandle && test_network.Start();
    static init::NetServer test_net_server(boot, nic ? &test_network : nullptr);
    if (boot.Find("net_server") != tessera::kInvalidHandle) test_net_server.Start();
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
    init::StorageStack disk(boot);
    disk.MountRoot();  // not supervised: the suite's run is short
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
  if (mode != nullptr && strcmp(mode, "net") == 0) return RunNetTest(boot);

  int demo = RunEchoDemo(boot);
  if (mode != nullptr && strcmp(mode, "shell") != 0) return demo;
  // The virtio-blk driver and the ext2 server, supervised from here on.
  // --restart-window=S: crashes counted over S seconds (default 60), e.g. so
  // a system test can reach the give-up without racing the clock.
  init::RestartPolicy::Config policy;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--debug-hang") == 0) {
      printf("init: debug: signal %d hangs virtio_blk, signal %d fs_server\n", kHangDriverSignal,
             kHangServerSignal);
      HandleDebugHangSignals();
      continue;
    }
    if (strncmp(argv[i], "--restart-window=", 17) != 0) continue;
    char* end = nullptr;
    long seconds = strtol(argv[i] + 17, &end, 10);
    if (end == argv[i] + 17 || *end != '\0' || seconds <= 0 || seconds > 86400) {
      printf("init: ignoring %s (seconds 1..86400)\n", argv[i]);
      continue;
    }
    policy.window_ns = seconds * 1'000'000'000LL;
  }
  static init::StorageStack stack(boot, policy);
  bool on_disk = stack.MountRoot();
  // mount -t ext2 /dev/vdX at the shell (mount_agent.h).
  static init::MountAgent agent(boot, on_disk ? &stack : nullptr);
  bool agent_up = agent.Register();
  // The NIC's driver, supervised; its client end waits for the network
  // server (network.h: TakeServerChannel).
  static init::Network network(boot, policy);
  bool net_up = network.Start();
  // The network server: AF_INET/AF_INET6 sockets, over the NIC when there
  // is one, loopback only otherwise (net_server.h).
  static init::NetServer net_server(boot, net_up ? &network : nullptr, policy);
  bool server_up = net_server.Start();
  return RunShell(mode != nullptr, on_disk ? &stack : nullptr, agent_up ? &agent : nullptr,
                  net_up ? &network : nullptr, server_up ? &net_server : nullptr);
}
