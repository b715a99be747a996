// POSIX cases for /proc/sys and vm.max_map_count: the host's Linux is the
// oracle. Writes that would change the host (the host name, the IPC limits)
// run in a new UTS or IPC namespace there (the host run is root); global
// ones (vm.max_map_count) write back the current value on the host and a
// new one only on Tessera, which restores it.

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

// The file's content (NUL-terminated) or "" if it cannot be read.
const char* ReadSysctl(const char* path) {
  static char text[4][256];
  static int next = 0;
  char* out = text[next++ % 4];
  out[0] = 0;
  int fd = open(path, O_RDONLY);
  if (fd < 0) return out;
  ssize_t n = read(fd, out, sizeof text[0] - 1);
  close(fd);
  out[n > 0 ? n : 0] = 0;
  return out;
}

long ReadLong(const char* path) {
  const char* text = ReadSysctl(path);
  return text[0] == 0 ? -1 : strtol(text, nullptr, 10);
}

// write(2) of `text` in one call; returns its result (errno set).
ssize_t WriteSysctl(const char* path, const char* text) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  int saved = errno;
  close(fd);
  errno = saved;
  return n;
}

bool IsUuid(const char* s) {
  if (strlen(s) != 37 || s[36] != '\n') return false;
  for (int i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
      return false;
    }
  }
  return s[14] == '4' && strchr("89ab", s[19]) != nullptr;
}

// Runs `body` in a child (in a new namespace of `ns_flag`: on Linux, and
// on Tessera for CLONE_NEWUTS, the kind it has) and returns its failure
// text or nullptr.
const char* InChild(int ns_flag, const char* (*body)()) {
  int pipefd[2];
  CHECK(pipe(pipefd) == 0);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    close(pipefd[0]);
    const char* why = nullptr;
    const bool can_unshare = !OnTessera() || ns_flag == CLONE_NEWUTS;
    if (can_unshare && unshare(ns_flag) != 0) {
      why = "unshare failed (the sysctl cases need root on Linux)";
    } else {
      why = body();
    }
    if (why != nullptr) (void)!write(pipefd[1], why, strlen(why));
    _exit(why == nullptr ? 0 : 1);
  }
  close(pipefd[1]);
  static char why[512];
  ssize_t n = read(pipefd[0], why, sizeof why - 1);
  close(pipefd[0]);
  int status;
  CHECK(waitpid(child, &status, 0) == child);
  if (n > 0) {
    why[n] = 0;
    return why;
  }
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return nullptr;
}

const char* SysctlReadOnlyEntries() {
  CHECK(strcmp(ReadSysctl("/proc/sys/kernel/ostype"), "Linux\n") == 0);
  struct utsname u;
  CHECK(uname(&u) == 0);
  char expect[80];
  snprintf(expect, sizeof expect, "%s\n", u.release);
  CHECK(strcmp(ReadSysctl("/proc/sys/kernel/osrelease"), expect) == 0);
  snprintf(expect, sizeof expect, "%s\n", u.version);
  CHECK(strcmp(ReadSysctl("/proc/sys/kernel/version"), expect) == 0);
  CHECK_EQ(ReadLong("/proc/sys/kernel/ngroups_max"), 65536);
  CHECK(ReadLong("/proc/sys/kernel/pid_max") >= 301);
  long aslr = ReadLong("/proc/sys/kernel/randomize_va_space");
  CHECK(aslr >= 0 && aslr <= 2);
  long overcommit = ReadLong("/proc/sys/vm/overcommit_memory");
  CHECK(overcommit >= 0 && overcommit <= 2);
  CHECK(ReadLong("/proc/sys/fs/pipe-max-size") >= 65536);
  CHECK(ReadLong("/proc/sys/fs/nr_open") >= 1024);
  CHECK(ReadLong("/proc/sys/net/core/somaxconn") >= 128);
  CHECK(ReadLong("/proc/sys/kernel/shmmni") > 0 && ReadLong("/proc/sys/kernel/shmmax") > 0);
  long low = 0, high = 0;
  CHECK(sscanf(ReadSysctl("/proc/sys/net/ipv4/ip_local_port_range"), "%ld\t%ld", &low, &high) == 2);
  CHECK(low > 1024 && low < high && high <= 65535);
  int semmsl = 0, semmns = 0, semopm = 0, semmni = 0;
  CHECK(sscanf(ReadSysctl("/proc/sys/kernel/sem"), "%d\t%d\t%d\t%d", &semmsl, &semmns, &semopm,
               &semmni) == 4);
  CHECK(semmsl > 0 && semopm == 500 && semmni > 0 && semmns >= semmsl);
  // 0444: no writing, for root either.
  CHECK_ERRNO(open("/proc/sys/kernel/ostype", O_WRONLY), EACCES);
  CHECK_ERRNO(open("/proc/sys/kernel/ngroups_max", O_RDWR), EACCES);
  CHECK_ERRNO(open("/proc/sys/kernel/random/uuid", O_WRONLY), EACCES);
  // 0200: no reading.
  CHECK_ERRNO(open("/proc/sys/vm/drop_caches", O_RDONLY), EACCES);
  CHECK_ERRNO(WriteSysctl("/proc/sys/vm/drop_caches", "0\n"), EINVAL);
  CHECK_ERRNO(WriteSysctl("/proc/sys/vm/drop_caches", "x\n"), EINVAL);
  // Dropping caches slows the whole host: only on Tessera.
  if (OnTessera()) CHECK(WriteSysctl("/proc/sys/vm/drop_caches", "3\n") == 2);
  CHECK_ERRNO(open("/proc/sys/kernel/no_such_entry", O_RDONLY), ENOENT);
  return nullptr;
}

const char* SysctlUuidFreshBootIdFixed() {
  char first[64], second[64];
  snprintf(first, sizeof first, "%s", ReadSysctl("/proc/sys/kernel/random/uuid"));
  snprintf(second, sizeof second, "%s", ReadSysctl("/proc/sys/kernel/random/uuid"));
  CHECK(IsUuid(first) && IsUuid(second));
  CHECK(strcmp(first, second) != 0);
  snprintf(first, sizeof first, "%s", ReadSysctl("/proc/sys/kernel/random/boot_id"));
  snprintf(second, sizeof second, "%s", ReadSysctl("/proc/sys/kernel/random/boot_id"));
  CHECK(IsUuid(first));
  CHECK(strcmp(first, second) == 0);
  return nullptr;
}

const char* HostnameBody() {
  const char* path = "/proc/sys/kernel/hostname";
  char before[80];
  snprintf(before, sizeof before, "%s", ReadSysctl(path));
  struct utsname u;
  CHECK(uname(&u) == 0);
  char expect[80];
  snprintf(expect, sizeof expect, "%s\n", u.nodename);
  CHECK(strcmp(before, expect) == 0);
  CHECK(WriteSysctl(path, "sysctl-box\n") == 11);
  CHECK(uname(&u) == 0 && strcmp(u.nodename, "sysctl-box") == 0);
  CHECK(strcmp(ReadSysctl(path), "sysctl-box\n") == 0);
  CHECK(sethostname("via-call", 8) == 0);
  CHECK(strcmp(ReadSysctl(path), "via-call\n") == 0);
  // Longer than 64 bytes: cut to 64.
  char longer[100];
  memset(longer, 'h', 80);
  longer[80] = 0;
  CHECK(WriteSysctl(path, longer) == 80);
  CHECK(uname(&u) == 0 && strlen(u.nodename) == 64);
  CHECK(WriteSysctl("/proc/sys/kernel/domainname", "example.org") == 11);
  CHECK(uname(&u) == 0 && strcmp(u.domainname, "example.org") == 0);
  CHECK(strcmp(ReadSysctl("/proc/sys/kernel/domainname"), "example.org\n") == 0);
  if (OnTessera()) {  // one UTS namespace: put the names back
    CHECK(WriteSysctl(path, before) >= 0);
    CHECK(setdomainname("(none)", 6) == 0);
  }
  return nullptr;
}

const char* SysctlHostnameRoundTrip() { return InChild(CLONE_NEWUTS, HostnameBody); }

const char* MsgLimitsBody() {
  // A new IPC namespace on Linux starts from the defaults, as Tessera does.
  CHECK_EQ(ReadLong("/proc/sys/kernel/msgmax"), 8192);
  CHECK_EQ(ReadLong("/proc/sys/kernel/msgmnb"), 16384);
  CHECK_EQ(ReadLong("/proc/sys/kernel/msgmni"), 32000);
  CHECK(WriteSysctl("/proc/sys/kernel/msgmax", "100\n") == 4);
  CHECK(WriteSysctl("/proc/sys/kernel/msgmnb", "  300 \n") == 7);
  CHECK_ERRNO(WriteSysctl("/proc/sys/kernel/msgmax", "-1\n"), EINVAL);
  CHECK_ERRNO(WriteSysctl("/proc/sys/kernel/msgmax", "12x\n"), EINVAL);
  CHECK_ERRNO(WriteSysctl("/proc/sys/kernel/msgmax", "\n"), EINVAL);
  CHECK_ERRNO(WriteSysctl("/proc/sys/kernel/msgmax", "2147483648\n"), EINVAL);
  CHECK_ERRNO(WriteSysctl("/proc/sys/kernel/msgmni", "40000\n"), EINVAL);  // beyond IPCMNI
  CHECK_EQ(ReadLong("/proc/sys/kernel/msgmax"), 100);
  int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  CHECK(id >= 0);
  msqid_ds ds;
  CHECK(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qbytes == 300);
  static struct {
    long type;
    char text[200];
  } m;
  m.type = 1;
  CHECK(msgsnd(id, &m, 100, IPC_NOWAIT) == 0);
  CHECK_ERRNO(msgsnd(id, &m, 101, IPC_NOWAIT), EINVAL);
  msginfo info;
  CHECK(msgctl(0, IPC_INFO, reinterpret_cast<msqid_ds*>(&info)) >= 0);
  CHECK(info.msgmax == 100 && info.msgmnb == 300);
  CHECK(msgctl(id, IPC_RMID, nullptr) == 0);
  // No queue at all once msgmni is 0.
  CHECK(WriteSysctl("/proc/sys/kernel/msgmni", "0x0\n") == 4);
  CHECK_ERRNO(msgget(IPC_PRIVATE, IPC_CREAT | 0600), ENOSPC);
  if (OnTessera()) {  // one IPC namespace: put the limits back
    CHECK(WriteSysctl("/proc/sys/kernel/msgmax", "8192") == 4);
    CHECK(WriteSysctl("/proc/sys/kernel/msgmnb", "16384") == 5);
    CHECK(WriteSysctl("/proc/sys/kernel/msgmni", "32000") == 5);
  }
  return nullptr;
}

const char* SysctlMsgLimitsEnforced() { return InChild(CLONE_NEWIPC, MsgLimitsBody); }

const char* SysctlMaxMapCountWrites() {
  const char* path = "/proc/sys/vm/max_map_count";
  long limit = ReadLong(path);
  CHECK(limit > 0);
  char text[32];
  snprintf(text, sizeof text, "%ld\n", limit);
  CHECK(WriteSysctl(path, text) == static_cast<ssize_t>(strlen(text)));  // the same value
  CHECK_ERRNO(WriteSysctl(path, "lots\n"), EINVAL);
  CHECK_ERRNO(WriteSysctl(path, "-5\n"), EINVAL);
  CHECK_ERRNO(WriteSysctl(path, "99999999999\n"), EINVAL);
  CHECK_EQ(ReadLong(path), limit);
  if (OnTessera()) {
    // A limit below what the process has (its /proc/self/maps lines, less
    // one): no new mapping; then back.
    FILE* maps = fopen("/proc/self/maps", "r");
    CHECK(maps != nullptr);
    int lines = 0;
    for (int c; (c = fgetc(maps)) != EOF;) lines += c == '\n';
    fclose(maps);
    CHECK(lines >= 2);
    char lower[32];
    snprintf(lower, sizeof lower, "%d\n", lines - 1);
    CHECK(WriteSysctl(path, lower) == static_cast<ssize_t>(strlen(lower)));
    CHECK_EQ(ReadLong(path), lines - 1);
    void* p = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int saved = errno;
    CHECK(WriteSysctl(path, text) > 0);
    CHECK(p == MAP_FAILED && saved == ENOMEM);
    p = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED && munmap(p, 4096) == 0);
  }
  return nullptr;
}

// Maps single pages (with a page between them, so Linux cannot merge them)
// until mmap fails at vm.max_map_count, then checks Linux's rules at the
// limit: an unmap or mprotect that would split a mapping fails with ENOMEM
// while the count is at or above the limit, a whole mapping can always go.
const char* MaxMapCountEnforced() {
  const long limit = ReadLong("/proc/sys/vm/max_map_count");
  CHECK(limit > 1000 && limit < 1000000);
  static uintptr_t pages[1000000];
  const uintptr_t kPage = 4096;
  // Above the program and its heap, below the stack and the top-down mmaps.
  const uintptr_t base = uintptr_t{0x100000000000};
  char* three =
      static_cast<char*>(mmap(reinterpret_cast<void*>(base - 16 * kPage), 3 * kPage,
                              PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  CHECK(three != MAP_FAILED);
  long n = 0;
  int err = 0;
  for (;;) {
    void* want = reinterpret_cast<void*>(base + 2 * kPage * static_cast<uintptr_t>(n));
    void* p = mmap(want, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      err = errno;
      break;
    }
    pages[n++] = reinterpret_cast<uintptr_t>(p);
    if (n == limit + 10) break;
  }
  const char* failure = nullptr;
  auto expect = [&](bool ok, const char* what) {
    if (!ok && failure == nullptr) failure = what;
  };
  expect(err == ENOMEM, "mmap past the limit: ENOMEM");
  expect(n > limit - 1000 && n <= limit, "about max_map_count mappings made");
  // Over the limit by one: no splits.
  expect(munmap(three + kPage, kPage) == -1 && errno == ENOMEM, "munmap split at limit + 1");
  expect(mprotect(three + kPage, kPage, PROT_READ) == -1 && errno == ENOMEM,
         "mprotect split at limit + 1");
  expect(mprotect(three, kPage, PROT_READ) == -1 && errno == ENOMEM, "mprotect head at limit + 1");
  // A whole mapping goes; at the limit, a split still fails.
  expect(munmap(reinterpret_cast<void*>(pages[n - 1]), kPage) == 0, "munmap a whole mapping");
  expect(munmap(three + kPage, kPage) == -1 && errno == ENOMEM, "munmap split at the limit");
  expect(mprotect(three, kPage, PROT_READ) == -1 && errno == ENOMEM, "mprotect head at the limit");
  // One below: the split fits (and the count is back at the limit).
  expect(munmap(reinterpret_cast<void*>(pages[n - 2]), kPage) == 0, "munmap another");
  expect(munmap(three + kPage, kPage) == 0, "munmap split below the limit");
  expect(three[0] == 0 && three[2 * kPage] == 0, "both halves still mapped");
  // At the limit a new mapping is still allowed (Linux checks "above").
  void* again = mmap(reinterpret_cast<void*>(pages[n - 1]), kPage, PROT_READ,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  expect(again != MAP_FAILED, "mmap at the limit");
  void* more = mmap(reinterpret_cast<void*>(pages[n - 2]), kPage, PROT_READ,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  expect(more == MAP_FAILED && errno == ENOMEM, "mmap above the limit");
  // Clean up, highest first.
  if (again != MAP_FAILED) munmap(again, kPage);
  for (long i = n - 3; i >= 0; --i) munmap(reinterpret_cast<void*>(pages[i]), kPage);
  munmap(three, 3 * kPage);
  if (failure != nullptr) return Fail("%s (%ld mappings made, limit %ld)", failure, n, limit);
  return nullptr;
}

// kernel.pid_max: root writes values in [301, 4194304] (EINVAL outside);
// others may not open it for writing. On Tessera only (the host's value
// is the whole machine's): a low pid_max makes pids wrap to 300, skip live
// ones, and fork fail with EAGAIN once none is free.
const char* PidMaxBody() {
  const char* path = "/proc/sys/kernel/pid_max";
  const long old_max = ReadLong(path);
  CHECK(old_max >= 301 && old_max <= 4194304);
  char text[32];
  snprintf(text, sizeof text, "%ld\n", old_max);
  CHECK_EQ(WriteSysctl(path, text), static_cast<ssize_t>(strlen(text)));  // the same value
  CHECK_ERRNO(WriteSysctl(path, "300\n"), EINVAL);
  CHECK_ERRNO(WriteSysctl(path, "4194305\n"), EINVAL);
  CHECK_ERRNO(WriteSysctl(path, "0\n"), EINVAL);
  CHECK_ERRNO(WriteSysctl(path, "many\n"), EINVAL);
  CHECK_EQ(ReadLong(path), old_max);
  if (!OnTessera()) return nullptr;
  // 60 pids: [300, 360); children wait on a pipe until it closes.
  CHECK(WriteSysctl(path, "360\n") == 4);
  int gate[2];
  CHECK(pipe(gate) == 0);
  pid_t kids[80];
  int count = 0;
  int fork_errno = 0;
  while (count < 80) {
    pid_t pid = fork();
    if (pid == 0) {
      close(gate[1]);
      char c;
      (void)!read(gate[0], &c, 1);
      _exit(0);
    }
    if (pid < 0) {
      fork_errno = errno;
      break;
    }
    kids[count++] = pid;
  }
  close(gate[1]);
  close(gate[0]);
  bool in_range = true, distinct = true;
  for (int i = 0; i < count; ++i) {
    in_range = in_range && kids[i] >= 300 && kids[i] < 360;
    for (int j = 0; j < i; ++j) distinct = distinct && kids[i] != kids[j];
  }
  for (int i = 0; i < count; ++i) waitpid(kids[i], nullptr, 0);
  // A freed pid is taken again.
  pid_t again = fork();
  if (again == 0) _exit(0);
  bool reused = again >= 300 && again < 360;
  if (again > 0) waitpid(again, nullptr, 0);
  CHECK(WriteSysctl(path, text) > 0);  // back
  CHECK(in_range);
  CHECK(distinct);
  CHECK(count > 0 && count < 60);  // a few of [300, 360) may be taken by others
  CHECK_EQ(fork_errno, EAGAIN);
  CHECK(reused);
  return nullptr;
}

const char* SysctlPidMax() {
  if (const char* why = PidMaxBody(); why != nullptr) return why;
  // Not root: no opening for writing (a host without other uids skips it).
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    if (setuid(65534) != 0) _exit(0);
    int fd = open("/proc/sys/kernel/pid_max", O_WRONLY);
    _exit(fd < 0 && errno == EACCES ? 0 : 1);
  }
  int status;
  CHECK(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return nullptr;
}

}  // namespace

const Case kSysctlCases[] = {
    {"sysctl_read_only_entries", SysctlReadOnlyEntries},
    {"sysctl_uuid_fresh_boot_id_fixed", SysctlUuidFreshBootIdFixed},
    {"sysctl_hostname_round_trip", SysctlHostnameRoundTrip},
    {"sysctl_msg_limits_enforced", SysctlMsgLimitsEnforced},
    {"sysctl_max_map_count_writes", SysctlMaxMapCountWrites},
    {"max_map_count_enforced", MaxMapCountEnforced},
    {"sysctl_pid_max", SysctlPidMax},
};
const int kSysctlCaseCount = sizeof kSysctlCases / sizeof kSysctlCases[0];

}  // namespace posix_test
