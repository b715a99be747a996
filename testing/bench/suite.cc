// benchsuite: the POSIX benchmark suite of issue 6. One static musl binary
// that runs unmodified on Linux and on Tessera, so the two kernels can be
// compared in the same QEMU. Usage:
//
//   benchsuite [--tiny PATH] [--tmp DIR] [--disk DIR] [--disk-mib N]
//              [--peer A.B.C.D:PORT] [NAME...]
//
//   --tiny PATH    the program fork_execve_wait runs (default /bin/benchtiny)
//   --tmp DIR      where the small file of file_open_read_close lives (/tmp)
//   --disk DIR     where the disk benchmarks put their file (default /); they
//                  are skipped when DIR is on a RAM file system (ramfs, tmpfs)
//   --disk-mib N   size of the disk benchmarks' file (default 64)
//   --peer A:P     the host peer of the network benchmarks (net_bench.h);
//                  without it the host ones are skipped
//   NAME...        run only the benchmarks whose name contains one of these
//
// Output, one line per metric (parsed by bench_runner.py and the tests):
//
//   bench: system <sysname> <release> <machine>
//   bench: <metric> unit=<ns|MB/s> median=<v> min=<v> max=<v> iterations=<n> [k=v...]
//   bench: <metric> skipped: <reason>
//   bench: <metric> error: <reason>
//   bench: summary measured=<n> skipped=<n> failed=<n>
//   bench: done
//
// Disk figures: disk_seq_write writes the --disk-mib file kDiskRounds times in
// 1 MiB writes, each pass ending with fsync; disk_seq_read reads it from the
// start in 1 MiB reads; disk_rand_read_4KiB preads 4 KiB at random aligned
// offsets. Before each read pass the suite asks the system to drop its
// caches (posix_fadvise DONTNEED, and /proc/sys/vm/drop_caches when it
// exists) and says in `cache=` whether that worked: `dropped`, or
// `not_dropped` when the system has no way to (Tessera: the ext2 server keeps
// an LRU block cache of 4096 file-system blocks, 4 MiB at the root disk's
// 1 KiB blocks, and the kernel keeps no file data; so a 64 MiB file's
// sequential read misses it completely, while about 1 in 16 random reads may
// hit the file's tail the write left in it).
//
// Network figures (net_bench.h): TCP on 127.0.0.1 inside the system, TCP
// with the host peer (1-byte round trips with TCP_NODELAY, 32 MiB each
// way), the peer's sequential HTTP GETs of 1 KiB from a server in the suite
// (times on the host's clock) and ICMP echo to the peer's address. They are
// skipped ("no network") where AF_INET sockets do not exist.
//
// Times are CLOCK_MONOTONIC nanoseconds; median/min/max are over samples
// (a sample is one operation or the mean of a batch, see each benchmark);
// `iterations` counts the operations timed. Bandwidths are 10^6 bytes per
// second. Each benchmark runs in its own child process, so a crash in one is
// reported as that metric's error and the rest still run. The exit status is
// 0 when no benchmark failed (skipped ones are not failures).

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testing/bench/net_bench.h"
#include "testing/bench/suite_util.h"

namespace {

using bench::Fail;
using bench::g_samples;
using bench::kFailed;
using bench::kMeasured;
using bench::kSkipped;
using bench::NowNs;
using bench::Outcome;
using bench::ReadAll;
using bench::ReapedCleanly;
using bench::Report;
using bench::Skip;
using bench::WriteAll;

constexpr size_t kPage = 4096;

struct Options {
  const char* tiny = "/bin/benchtiny";
  const char* tmp_dir = "/tmp";
  const char* disk_dir = "/";
  long disk_mib = 64;
};
Options g_options;

// ---- samples ------------------------------------------------------------------

int CompareDouble(const void* a, const void* b) {
  double x = *static_cast<const double*>(a), y = *static_cast<const double*>(b);
  return x < y ? -1 : x > y;
}

// ---- small helpers ------------------------------------------------------------

// A child that echoes every byte it reads on `in` back on `out` until EOF.
[[noreturn]] void EchoChild(int in, int out) {
  char c;
  while (read(in, &c, 1) == 1) {
    if (write(out, &c, 1) != 1) _exit(1);
  }
  _exit(0);
}

// A two-way byte channel between the parent and a child: two pipes
// (socket_type 0) or one AF_UNIX socketpair of that type.
struct Duplex {
  int parent_out = -1, parent_in = -1, child_in = -1, child_out = -1;

  bool Open(int socket_type) {
    if (socket_type == 0) {
      int down[2], up[2];
      if (pipe(down) != 0 || pipe(up) != 0) return false;
      parent_out = down[1];
      child_in = down[0];
      child_out = up[1];
      parent_in = up[0];
      return true;
    }
    int sv[2];
    if (socketpair(AF_UNIX, socket_type, 0, sv) != 0) return false;
    parent_out = parent_in = sv[0];
    child_in = child_out = sv[1];
    return true;
  }
  static void CloseBoth(int a, int b) {
    close(a);
    if (b != a) close(b);
  }
  void CloseChildEnds() { CloseBoth(child_in, child_out); }
  void CloseParentEnds() { CloseBoth(parent_out, parent_in); }
};

// A two-way channel and an echoing child: the parent writes to `to_child`,
// reads from `from_child`.
struct EchoPair {
  int to_child = -1, from_child = -1;
  pid_t child = -1;
  Duplex duplex;

  bool Start(int socket_type = 0) {
    if (!duplex.Open(socket_type)) return false;
    fflush(stdout);
    child = fork();
    if (child < 0) return false;
    if (child == 0) {
      duplex.CloseParentEnds();
      EchoChild(duplex.child_in, duplex.child_out);
    }
    duplex.CloseChildEnds();
    to_child = duplex.parent_out;
    from_child = duplex.parent_in;
    return true;
  }
  bool RoundTrip() {
    char c = 'x';
    return write(to_child, &c, 1) == 1 && read(from_child, &c, 1) == 1;
  }
  bool Stop() {
    if (to_child == from_child) {
      // The child sees EOF: a stream's shutdown, or an empty datagram.
      send(to_child, "", 0, MSG_NOSIGNAL);
      shutdown(to_child, SHUT_WR);
    }
    duplex.CloseParentEnds();
    return ReapedCleanly(child);
  }
};

// ---- the benchmarks -------------------------------------------------------------

// getppid by a raw system call: samples of 100 calls, divided by 100.
Outcome NullSyscall(const char* metric) {
  constexpr int kBatch = 100, kSamples = 2000;
  for (int i = 0; i < 1000; ++i) syscall(SYS_getppid);
  for (int s = 0; s < kSamples; ++s) {
    int64_t t0 = NowNs();
    for (int i = 0; i < kBatch; ++i) syscall(SYS_getppid);
    g_samples[s] = static_cast<double>(NowNs() - t0) / kBatch;
  }
  Report(metric, "ns", g_samples, kSamples, static_cast<long>(kSamples) * kBatch);
  return kMeasured;
}

// One byte to another process and back, over two pipes or one AF_UNIX
// socketpair of `socket_type`: a sample per round trip.
Outcome RoundTrip(const char* metric, int socket_type) {
  constexpr int kWarmup = 100, kSamples = 2000;
  EchoPair pair;
  if (!pair.Start(socket_type)) return Fail(metric, "pipe or socketpair/fork");
  for (int i = 0; i < kWarmup; ++i) {
    if (!pair.RoundTrip()) return Fail(metric, "round trip");
  }
  for (int s = 0; s < kSamples; ++s) {
    int64_t t0 = NowNs();
    if (!pair.RoundTrip()) return Fail(metric, "round trip");
    g_samples[s] = static_cast<double>(NowNs() - t0);
  }
  if (!pair.Stop()) return Fail(metric, "the echo child did not end cleanly", false);
  Report(metric, "ns", g_samples, kSamples, kSamples);
  return kMeasured;
}

Outcome PipeRoundTrip(const char* metric) { return RoundTrip(metric, 0); }
Outcome UnixStreamRoundTrip(const char* metric) { return RoundTrip(metric, SOCK_STREAM); }
Outcome UnixDgramRoundTrip(const char* metric) { return RoundTrip(metric, SOCK_DGRAM); }

// A process switch through a pipe pair, in the manner of lmbench's lat_ctx:
// half a round trip minus what one process pays to write a byte into a pipe
// and read it back (measured first, reported as overhead_ns). Samples of 50
// round trips (100 switches).
Outcome ContextSwitch(const char* metric) {
  constexpr int kBatch = 50, kSamples = 400;
  int self[2];
  if (pipe(self) != 0) return Fail(metric, "pipe");
  for (int s = 0; s < kSamples; ++s) {
    int64_t t0 = NowNs();
    for (int i = 0; i < kBatch; ++i) {
      char c = 'x';
      if (write(self[1], &c, 1) != 1 || read(self[0], &c, 1) != 1) {
        return Fail(metric, "pipe write/read in one process");
      }
    }
    g_samples[s] = static_cast<double>(NowNs() - t0) / kBatch;
  }
  qsort(g_samples, kSamples, sizeof g_samples[0], CompareDouble);
  double overhead = g_samples[kSamples / 2];
  close(self[0]);
  close(self[1]);

  EchoPair pair;
  if (!pair.Start()) return Fail(metric, "pipe/fork");
  for (int i = 0; i < 100; ++i) {
    if (!pair.RoundTrip()) return Fail(metric, "round trip");
  }
  for (int s = 0; s < kSamples; ++s) {
    int64_t t0 = NowNs();
    for (int i = 0; i < kBatch; ++i) {
      if (!pair.RoundTrip()) return Fail(metric, "round trip");
    }
    g_samples[s] = static_cast<double>(NowNs() - t0) / (2 * kBatch) - overhead;
  }
  if (!pair.Stop()) return Fail(metric, "the echo child did not end cleanly", false);
  char extra[48];
  snprintf(extra, sizeof extra, " overhead_ns=%.0f", overhead);
  Report(metric, "ns", g_samples, kSamples, static_cast<long>(kSamples) * kBatch * 2, extra);
  return kMeasured;
}

alignas(kPage) char g_buffer[64 * 1024];

// The parent writes `kSampleBytes` in `chunk`-byte writes to a child that
// reads them with `chunk`-byte reads and then answers with one byte; a
// sample is kSampleBytes over that time. Over two pipes, or one AF_UNIX
// stream socketpair (socket_type SOCK_STREAM).
Outcome Bandwidth(const char* metric, size_t chunk, int socket_type) {
  constexpr size_t kSampleBytes = 4 << 20;
  constexpr int kSamples = 8;
  memset(g_buffer, 0x5a, sizeof g_buffer);
  Duplex duplex;
  if (!duplex.Open(socket_type)) return Fail(metric, "pipe or socketpair");
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) return Fail(metric, "fork");
  if (child == 0) {
    duplex.CloseParentEnds();
    for (;;) {
      size_t left = kSampleBytes;
      while (left > 0) {
        ssize_t r = read(duplex.child_in, g_buffer, left < chunk ? left : chunk);
        if (r == 0 && left == kSampleBytes) _exit(0);  // EOF between samples: done
        if (r <= 0) _exit(1);
        left -= static_cast<size_t>(r);
      }
      char ack = 'k';
      if (write(duplex.child_out, &ack, 1) != 1) _exit(1);
    }
  }
  duplex.CloseChildEnds();
  const int down = duplex.parent_out, up = duplex.parent_in;
  for (int s = -1; s < kSamples; ++s) {  // sample -1 warms up
    int64_t t0 = NowNs();
    for (size_t sent = 0; sent < kSampleBytes; sent += chunk) {
      if (!WriteAll(down, g_buffer, chunk)) return Fail(metric, "write to the channel");
    }
    char ack;
    if (read(up, &ack, 1) != 1) return Fail(metric, "the reader's acknowledgement", false);
    int64_t dt = NowNs() - t0;
    if (s >= 0) g_samples[s] = static_cast<double>(kSampleBytes) * 1000.0 / static_cast<double>(dt);
  }
  if (down == up) shutdown(down, SHUT_WR);  // the reader sees EOF
  duplex.CloseParentEnds();
  if (!ReapedCleanly(child)) return Fail(metric, "the reader did not end cleanly", false);
  char extra[64];
  snprintf(extra, sizeof extra, " write_bytes=%zu sample_bytes=%zu", chunk, kSampleBytes);
  Report(metric, "MB/s", g_samples, kSamples,
         static_cast<long>(kSamples) * static_cast<long>(kSampleBytes / chunk), extra);
  return kMeasured;
}

Outcome PipeBandwidth4K(const char* metric) { return Bandwidth(metric, 4096, 0); }
Outcome PipeBandwidth64K(const char* metric) { return Bandwidth(metric, 65536, 0); }
Outcome UnixStreamBandwidth64K(const char* metric) { return Bandwidth(metric, 65536, SOCK_STREAM); }

// epoll_wait with 1 ready among 1,000 registered eventfds (level
// triggered, timeout 0): samples of 100 calls, divided by 100. The cost
// should follow the ready items, not the registered ones.
Outcome EpollOneOfThousand(const char* metric) {
  constexpr int kFds = 1000, kBatch = 100, kSamples = 400;
  rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < kFds + 64) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  int ep = epoll_create1(0);
  if (ep < 0) return Fail(metric, "epoll_create1");
  static int fds[kFds];
  for (int i = 0; i < kFds; ++i) {
    fds[i] = eventfd(0, EFD_NONBLOCK);
    if (fds[i] < 0) return Fail(metric, "eventfd");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) != 0) return Fail(metric, "epoll_ctl");
  }
  uint64_t one = 1;
  if (write(fds[kFds / 2], &one, sizeof one) != sizeof one) return Fail(metric, "eventfd write");
  epoll_event out[64];
  for (int s = -1; s < kSamples; ++s) {  // sample -1 warms up
    int64_t t0 = NowNs();
    for (int i = 0; i < kBatch; ++i) {
      if (epoll_wait(ep, out, 64, 0) != 1 || out[0].data.u32 != kFds / 2) {
        return Fail(metric, "epoll_wait did not report exactly the ready eventfd", false);
      }
    }
    if (s >= 0) g_samples[s] = static_cast<double>(NowNs() - t0) / kBatch;
  }
  for (int fd : fds) close(fd);
  close(ep);
  char extra[32];
  snprintf(extra, sizeof extra, " registered=%d", kFds);
  Report(metric, "ns", g_samples, kSamples, static_cast<long>(kSamples) * kBatch, extra);
  return kMeasured;
}

// A counter to another process through one eventfd and back through a
// second: a sample per round trip.
Outcome EventfdPingPong(const char* metric) {
  constexpr int kWarmup = 100, kSamples = 2000;
  int to_child = eventfd(0, 0), to_parent = eventfd(0, 0);
  if (to_child < 0 || to_parent < 0) return Fail(metric, "eventfd");
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) return Fail(metric, "fork");
  if (child == 0) {
    uint64_t v;
    while (read(to_child, &v, sizeof v) == sizeof v) {
      if (v == 2) _exit(0);  // the parent's "stop"
      uint64_t one = 1;
      if (write(to_parent, &one, sizeof one) != sizeof one) _exit(1);
    }
    _exit(1);
  }
  auto round_trip = [&]() {
    uint64_t v = 1;
    return write(to_child, &v, sizeof v) == sizeof v && read(to_parent, &v, sizeof v) == sizeof v;
  };
  for (int i = 0; i < kWarmup; ++i) {
    if (!round_trip()) return Fail(metric, "round trip");
  }
  for (int s = 0; s < kSamples; ++s) {
    int64_t t0 = NowNs();
    if (!round_trip()) return Fail(metric, "round trip");
    g_samples[s] = static_cast<double>(NowNs() - t0);
  }
  uint64_t stop = 2;
  if (write(to_child, &stop, sizeof stop) != sizeof stop) return Fail(metric, "stop");
  if (!ReapedCleanly(child)) return Fail(metric, "the child did not end cleanly", false);
  close(to_child);
  close(to_parent);
  Report(metric, "ns", g_samples, kSamples, kSamples);
  return kMeasured;
}

// fork, the child's _exit(0), waitpid: a sample per process.
Outcome ForkExitWait(const char* metric) {
  constexpr int kWarmup = 10, kSamples = 200;
  for (int s = -kWarmup; s < kSamples; ++s) {
    int64_t t0 = NowNs();
    pid_t pid = fork();
    if (pid < 0) return Fail(metric, "fork");
    if (pid == 0) _exit(0);
    if (!ReapedCleanly(pid)) return Fail(metric, "the child did not exit with 0", false);
    if (s >= 0) g_samples[s] = static_cast<double>(NowNs() - t0);
  }
  Report(metric, "ns", g_samples, kSamples, kSamples);
  return kMeasured;
}

// fork, execve of a tiny static program that returns 0, waitpid.
Outcome ForkExecveWait(const char* metric) {
  constexpr int kWarmup = 5, kSamples = 100;
  const char* path = g_options.tiny;
  if (access(path, X_OK) != 0) return Fail(metric, path);
  char* const argv[] = {const_cast<char*>(path), nullptr};
  char* const envp[] = {nullptr};
  for (int s = -kWarmup; s < kSamples; ++s) {
    int64_t t0 = NowNs();
    pid_t pid = fork();
    if (pid < 0) return Fail(metric, "fork");
    if (pid == 0) {
      execve(path, argv, envp);
      _exit(127);
    }
    if (!ReapedCleanly(pid)) return Fail(metric, "the tiny program did not exit with 0", false);
    if (s >= 0) g_samples[s] = static_cast<double>(NowNs() - t0);
  }
  Report(metric, "ns", g_samples, kSamples, kSamples);
  return kMeasured;
}

constexpr size_t kFaultPages = 256;  // 1 MiB: too small for a transparent huge page

char* MapAnonymous(size_t pages) {
  void* p =
      mmap(nullptr, pages * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  madvise(p, pages * kPage, MADV_NOHUGEPAGE);  // may be unsupported: only a hint
  return static_cast<char*>(p);
}

// A write to each page of a fresh anonymous private mapping (demand-zero
// fault): samples of 256 pages, divided by 256.
Outcome AnonPageFault(const char* metric) {
  constexpr int kSamples = 32;
  for (int s = -1; s < kSamples; ++s) {
    char* p = MapAnonymous(kFaultPages);
    if (p == nullptr) return Fail(metric, "mmap");
    int64_t t0 = NowNs();
    for (size_t i = 0; i < kFaultPages; ++i) p[i * kPage] = 1;
    int64_t dt = NowNs() - t0;
    if (munmap(p, kFaultPages * kPage) != 0) return Fail(metric, "munmap");
    if (s >= 0) g_samples[s] = static_cast<double>(dt) / kFaultPages;
  }
  Report(metric, "ns", g_samples, kSamples, static_cast<long>(kSamples) * kFaultPages);
  return kMeasured;
}

// Copy-on-write: the parent fills 256 pages, forks a child that waits, and
// writes each page again (each write copies a page the child still shares):
// samples of 256 pages, divided by 256.
Outcome CowPageFault(const char* metric) {
  constexpr int kSamples = 32;
  char* p = MapAnonymous(kFaultPages);
  if (p == nullptr) return Fail(metric, "mmap");
  for (size_t i = 0; i < kFaultPages; ++i) p[i * kPage] = 1;
  for (int s = -1; s < kSamples; ++s) {
    int hold[2];
    if (pipe(hold) != 0) return Fail(metric, "pipe");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return Fail(metric, "fork");
    if (pid == 0) {
      close(hold[1]);
      char c;
      while (read(hold[0], &c, 1) > 0) {
      }
      _exit(0);
    }
    close(hold[0]);
    int64_t t0 = NowNs();
    for (size_t i = 0; i < kFaultPages; ++i) p[i * kPage] = static_cast<char>(s);
    int64_t dt = NowNs() - t0;
    close(hold[1]);  // the child sees EOF and exits
    if (!ReapedCleanly(pid)) return Fail(metric, "the child did not exit with 0", false);
    if (s >= 0) g_samples[s] = static_cast<double>(dt) / kFaultPages;
  }
  Report(metric, "ns", g_samples, kSamples, static_cast<long>(kSamples) * kFaultPages);
  return kMeasured;
}

// open + read + close of a 1 KiB file in --tmp: samples of 50, divided by 50.
Outcome SmallFile(const char* metric) {
  constexpr int kBatch = 50, kSamples = 400;
  constexpr size_t kSize = 1024;
  char path[256];
  snprintf(path, sizeof path, "%s/bench-small.%d", g_options.tmp_dir, static_cast<int>(getpid()));
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Fail(metric, "creating the file");
  memset(g_buffer, 'b', kSize);
  bool written = WriteAll(fd, g_buffer, kSize);
  close(fd);
  if (!written) return Fail(metric, "writing the file");
  for (int s = -1; s < kSamples; ++s) {
    int64_t t0 = NowNs();
    for (int i = 0; i < kBatch; ++i) {
      fd = open(path, O_RDONLY);
      if (fd < 0) return Fail(metric, "open");
      ssize_t r = read(fd, g_buffer, sizeof g_buffer);
      if (r != static_cast<ssize_t>(kSize))
        return Fail(metric, "read did not return the whole file", false);
      if (close(fd) != 0) return Fail(metric, "close");
    }
    if (s >= 0) g_samples[s] = static_cast<double>(NowNs() - t0) / kBatch;
  }
  unlink(path);
  char extra[32];
  snprintf(extra, sizeof extra, " file_bytes=%zu", kSize);
  Report(metric, "ns", g_samples, kSamples, static_cast<long>(kSamples) * kBatch, extra);
  return kMeasured;
}

// ---- disk ----------------------------------------------------------------------

constexpr long kRamfsMagic = 0x858458f6;
constexpr long kTmpfsMagic = 0x01021994;
constexpr size_t kDiskChunk = 1 << 20;
constexpr int kDiskRounds = 3;

// Why the disk benchmarks cannot run in --disk, or nullptr if they can.
const char* NoDiskReason() {
  struct statfs fs;
  if (statfs(g_options.disk_dir, &fs) != 0) return "no disk (statfs failed)";
  if (static_cast<long>(fs.f_type) == kRamfsMagic)
    return "no disk (the root is a RAM file system: ramfs)";
  if (static_cast<long>(fs.f_type) == kTmpfsMagic)
    return "no disk (the root is a RAM file system: tmpfs)";
  return nullptr;
}

void DiskPath(char* path, size_t size) {
  snprintf(path, size, "%s/bench-disk.%d", g_options.disk_dir, static_cast<int>(getppid()));
}

size_t DiskBytes() { return static_cast<size_t>(g_options.disk_mib) << 20; }

// Asks the kernel to forget the file's cached pages, so reads go to the disk.
// Says whether it could.
bool DropCache(int fd) {
  bool dropped = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
  int ctl = open("/proc/sys/vm/drop_caches", O_WRONLY);
  if (ctl >= 0) {
    sync();
    dropped = write(ctl, "3\n", 2) == 2 || dropped;
    close(ctl);
  }
  return dropped;
}

// Writes the file (kDiskRounds times, each with fsync) in 1 MiB writes.
Outcome DiskSeqWrite(const char* metric) {
  if (const char* why = NoDiskReason()) return Skip(metric, why);
  char path[256];
  DiskPath(path, sizeof path);
  memset(g_buffer, 0xd1, sizeof g_buffer);
  static char chunk[kDiskChunk];
  for (size_t i = 0; i < kDiskChunk; i += sizeof g_buffer)
    memcpy(chunk + i, g_buffer, sizeof g_buffer);
  for (int s = 0; s < kDiskRounds; ++s) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return Fail(metric, path);
    int64_t t0 = NowNs();
    for (size_t done = 0; done < DiskBytes(); done += kDiskChunk) {
      if (!WriteAll(fd, chunk, kDiskChunk)) return Fail(metric, "write");
    }
    if (fsync(fd) != 0) return Fail(metric, "fsync");
    int64_t dt = NowNs() - t0;
    close(fd);
    g_samples[s] = static_cast<double>(DiskBytes()) * 1000.0 / static_cast<double>(dt);
  }
  char extra[48];
  snprintf(extra, sizeof extra, " file_mib=%ld", g_options.disk_mib);
  Report(metric, "MB/s", g_samples, kDiskRounds, kDiskRounds, extra);
  return kMeasured;  // the file stays for the read benchmarks
}

// Reads the file disk_seq_write left, from the start, in 1 MiB reads.
Outcome DiskSeqRead(const char* metric) {
  if (const char* why = NoDiskReason()) return Skip(metric, why);
  char path[256];
  DiskPath(path, sizeof path);
  static char chunk[kDiskChunk];
  int fd = open(path, O_RDONLY);
  if (fd < 0) return Fail(metric, "the file of disk_seq_write");
  bool dropped = true;
  for (int s = 0; s < kDiskRounds; ++s) {
    dropped = DropCache(fd) && dropped;
    if (lseek(fd, 0, SEEK_SET) != 0) return Fail(metric, "lseek");
    int64_t t0 = NowNs();
    for (size_t done = 0; done < DiskBytes(); done += kDiskChunk) {
      if (!ReadAll(fd, chunk, kDiskChunk)) return Fail(metric, "read");
    }
    int64_t dt = NowNs() - t0;
    g_samples[s] = static_cast<double>(DiskBytes()) * 1000.0 / static_cast<double>(dt);
  }
  close(fd);
  char extra[80];
  snprintf(extra, sizeof extra, " file_mib=%ld cache=%s", g_options.disk_mib,
           dropped ? "dropped" : "not_dropped");
  Report(metric, "MB/s", g_samples, kDiskRounds, kDiskRounds, extra);
  return kMeasured;
}

// 4 KiB preads at pseudo-random 4 KiB-aligned offsets: a sample per read.
Outcome DiskRandRead(const char* metric) {
  if (const char* why = NoDiskReason()) return Skip(metric, why);
  constexpr int kSamples = 1000;
  char path[256];
  DiskPath(path, sizeof path);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return Fail(metric, "the file of disk_seq_write");
  bool dropped = DropCache(fd);
  uint64_t blocks = DiskBytes() / 4096, x = 0x9e3779b97f4a7c15ull;
  for (int s = 0; s < kSamples; ++s) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    off_t offset = static_cast<off_t>((x % blocks) * 4096);
    int64_t t0 = NowNs();
    if (pread(fd, g_buffer, 4096, offset) != 4096) return Fail(metric, "pread");
    g_samples[s] = static_cast<double>(NowNs() - t0);
  }
  close(fd);
  unlink(path);
  char extra[80];
  snprintf(extra, sizeof extra, " file_mib=%ld cache=%s", g_options.disk_mib,
           dropped ? "dropped" : "not_dropped");
  Report(metric, "ns", g_samples, kSamples, kSamples, extra);
  return kMeasured;
}

// ---- the driver ----------------------------------------------------------------

struct Benchmark {
  const char* name;
  Outcome (*run)(const char* metric);
};

constexpr Benchmark kBenchmarks[] = {
    {"null_syscall_getppid", NullSyscall},
    {"pipe_roundtrip", PipeRoundTrip},
    {"context_switch_pipe", ContextSwitch},
    {"pipe_bw_4KiB", PipeBandwidth4K},
    {"pipe_bw_64KiB", PipeBandwidth64K},
    {"fork_exit_wait", ForkExitWait},
    {"fork_execve_wait", ForkExecveWait},
    {"page_fault_anon", AnonPageFault},
    {"page_fault_cow", CowPageFault},
    {"file_open_read_close", SmallFile},
    {"disk_seq_write", DiskSeqWrite},
    {"disk_seq_read", DiskSeqRead},
    {"disk_rand_read_4KiB", DiskRandRead},
    {"unix_stream_roundtrip", UnixStreamRoundTrip},
    {"unix_stream_bw_64KiB", UnixStreamBandwidth64K},
    {"unix_dgram_roundtrip", UnixDgramRoundTrip},
    {"epoll_wait_1_of_1000", EpollOneOfThousand},
    {"eventfd_pingpong", EventfdPingPong},
    {"tcp_loopback_roundtrip", bench::TcpLoopbackRoundTrip},
    {"tcp_loopback_bw", bench::TcpLoopbackBandwidth},
    {"tcp_host_roundtrip", bench::TcpHostRoundTrip},
    {"tcp_bw_to_host", bench::TcpBandwidthToHost},
    {"tcp_bw_from_host", bench::TcpBandwidthFromHost},
    {"http_get_1KiB", bench::HttpGet1KiB},
    {"icmp_ping_host", bench::IcmpPingHost},
};

// Runs one benchmark in a child process; returns its outcome.
Outcome RunIsolated(const Benchmark& b) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return Fail(b.name, "fork for the benchmark");
  if (pid == 0) {
    errno = 0;
    Outcome o = b.run(b.name);
    fflush(stdout);
    _exit(o);
  }
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r != pid) return Fail(b.name, "waitpid for the benchmark");
  if (WIFSIGNALED(status)) {
    printf("bench: %s error: killed by signal %d (%s)\n", b.name, WTERMSIG(status),
           strsignal(WTERMSIG(status)));
    fflush(stdout);
    return kFailed;
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : kFailed;
  if (code == kMeasured || code == kSkipped) return static_cast<Outcome>(code);
  return kFailed;
}

bool Selected(const char* name, int argc, char** argv, int first) {
  if (first >= argc) return true;
  for (int i = first; i < argc; ++i) {
    if (strstr(name, argv[i]) != nullptr) return true;
  }
  return false;
}

int Usage() {
  fprintf(stderr,
          "usage: benchsuite [--tiny PATH] [--tmp DIR] [--disk DIR] [--disk-mib N]\n"
          "                  [--peer A.B.C.D:PORT] [NAME...]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int i = 1;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
    if (i + 1 >= argc) return Usage();
    if (strcmp(argv[i], "--tiny") == 0) {
      g_options.tiny = argv[i + 1];
    } else if (strcmp(argv[i], "--tmp") == 0) {
      g_options.tmp_dir = argv[i + 1];
    } else if (strcmp(argv[i], "--disk") == 0) {
      g_options.disk_dir = argv[i + 1];
    } else if (strcmp(argv[i], "--disk-mib") == 0) {
      g_options.disk_mib = atol(argv[i + 1]);
      if (g_options.disk_mib <= 0) return Usage();
    } else if (strcmp(argv[i], "--peer") == 0) {
      if (!bench::SetPeer(argv[i + 1])) return Usage();
    } else {
      return Usage();
    }
  }
  // A pipe or a file as stdout must not hold lines back (or duplicate them in
  // forked children).
  setvbuf(stdout, nullptr, _IOLBF, 0);
  struct utsname u;
  if (uname(&u) == 0) printf("bench: system %s %s %s\n", u.sysname, u.release, u.machine);
  int measured = 0, skipped = 0, failed = 0;
  int64_t start = NowNs();
  for (const Benchmark& b : kBenchmarks) {
    if (!Selected(b.name, argc, argv, i)) continue;
    switch (RunIsolated(b)) {
      case kMeasured: ++measured; break;
      case kSkipped: ++skipped; break;
      case kFailed: ++failed; break;
    }
  }
  printf("bench: summary measured=%d skipped=%d failed=%d seconds=%.1f\n", measured, skipped,
         failed, static_cast<double>(NowNs() - start) / 1e9);
  printf("bench: done\n");
  fflush(stdout);
  return failed == 0 ? 0 : 1;
}
