// POSIX cases for memfd_create(2) and file seals (fcntl F_ADD_SEALS /
// F_GET_SEALS), modelled on LTP's memfd_create01-04 and the seal tests of
// Linux's selftests (memfd_test.c): bytes, sizes, shared mappings across
// fork, and each seal's rule. The host's Linux is the oracle.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

// Linux's values (include/uapi/linux/memfd.h, fcntl.h); musl names only some.
constexpr unsigned kMfdCloexec = 0x1;
constexpr unsigned kMfdAllowSealing = 0x2;
constexpr unsigned kMfdNoexecSeal = 0x8;
constexpr unsigned kMfdExec = 0x10;
constexpr int kFAddSeals = 1033;
constexpr int kFGetSeals = 1034;
constexpr int kSealSeal = 0x1;
constexpr int kSealShrink = 0x2;
constexpr int kSealGrow = 0x4;
constexpr int kSealWrite = 0x8;
constexpr int kSealFutureWrite = 0x10;
constexpr int kSealExec = 0x20;

int MemfdCreate(const char* name, unsigned flags) {
  return static_cast<int>(syscall(SYS_memfd_create, name, flags));
}

const char* MemfdReadWriteSeekStat() {
  int fd = MemfdCreate("posix", kMfdAllowSealing);
  CHECK_OK(fd);
  CHECK_EQ(write(fd, "hello world", 11), 11);
  CHECK_EQ(lseek(fd, 6, SEEK_SET), 6);
  char buf[16] = {};
  CHECK_EQ(read(fd, buf, sizeof buf), 5);
  CHECK(memcmp(buf, "world", 5) == 0);
  struct stat st;
  CHECK_OK(fstat(fd, &st));
  CHECK(S_ISREG(st.st_mode));
  CHECK_EQ(st.st_size, 11);
  CHECK_EQ(st.st_nlink, 0);
  CHECK_EQ(st.st_mode & 07777, 0777);
  // ftruncate grows with zeros and shrinks.
  CHECK_OK(ftruncate(fd, 10000));
  CHECK_OK(fstat(fd, &st));
  CHECK_EQ(st.st_size, 10000);
  CHECK_EQ(pread(fd, buf, 4, 9000), 4);
  CHECK(memcmp(buf, "\0\0\0\0", 4) == 0);
  CHECK_OK(ftruncate(fd, 3));
  CHECK_EQ(pread(fd, buf, sizeof buf, 0), 3);
  CHECK(memcmp(buf, "hel", 3) == 0);
  CHECK_OK(ftruncate(fd, 5));  // the cut bytes come back as zeros
  CHECK_EQ(pread(fd, buf, sizeof buf, 0), 5);
  CHECK(memcmp(buf, "hel\0\0", 5) == 0);
  CHECK_EQ(lseek(fd, 0, SEEK_END), 5);
  CHECK_ERRNO(ftruncate(fd, -1), EINVAL);
  CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
  CHECK_OK(close(fd));
  return nullptr;
}

const char* MemfdFlagsAndName() {
  int fd = MemfdCreate("cloexec", kMfdCloexec);
  CHECK_OK(fd);
  CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
  int plain = MemfdCreate("", 0);
  CHECK_OK(plain);
  CHECK_EQ(fcntl(plain, F_GETFD), 0);
  char path[64], target[300];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, target, sizeof target - 1);
  CHECK_OK(n);
  target[n] = '\0';
  CHECK(strcmp(target, "/memfd:cloexec (deleted)") == 0);
  CHECK_ERRNO(MemfdCreate("x", 0x100), EINVAL);
  CHECK_ERRNO(MemfdCreate("x", kMfdExec | kMfdNoexecSeal), EINVAL);
  CHECK_ERRNO(MemfdCreate(reinterpret_cast<const char*>(8), 0), EFAULT);
  char name[251];
  memset(name, 'n', 249);
  name[249] = '\0';
  int longest = MemfdCreate(name, 0);
  CHECK_OK(longest);
  name[249] = 'n';
  name[250] = '\0';
  CHECK_ERRNO(MemfdCreate(name, 0), EINVAL);
  close(longest);
  close(plain);
  close(fd);
  return nullptr;
}

const char* MemfdSharedMappingAcrossFork() {
  int fd = MemfdCreate("shared", 0);
  CHECK_OK(fd);
  CHECK_OK(ftruncate(fd, 8192));
  auto* p = static_cast<char*>(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  CHECK(p != MAP_FAILED);
  strcpy(p, "parent");
  CHECK_EQ(pwrite(fd, "viawrite", 8, 4096), 8);
  CHECK(memcmp(p + 4096, "viawrite", 8) == 0);  // write(2) shows in the mapping
  pid_t child = fork();
  CHECK_OK(child);
  if (child == 0) {
    if (strcmp(p, "parent") != 0) _exit(1);
    strcpy(p + 100, "child-inherited");
    // A mapping of its own, made after the fork, shows the same pages.
    auto* q = static_cast<char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096));
    if (q == MAP_FAILED || memcmp(q, "viawrite", 8) != 0) _exit(2);
    strcpy(q + 200, "child-own");
    _exit(pwrite(fd, "W", 1, 300) == 1 ? 0 : 3);
  }
  int status;
  CHECK_EQ(waitpid(child, &status, 0), child);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(strcmp(p + 100, "child-inherited") == 0);
  CHECK(strcmp(p + 4096 + 200, "child-own") == 0);
  CHECK_EQ(p[300], 'W');
  char buf[16] = {};
  CHECK_EQ(pread(fd, buf, 9, 4096 + 200), 9);
  CHECK(memcmp(buf, "child-own", 9) == 0);
  // A private mapping is the process's own copy.
  auto* priv = static_cast<char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
  CHECK(priv != MAP_FAILED);
  CHECK(strcmp(priv, "parent") == 0);
  priv[0] = 'X';
  CHECK_EQ(p[0], 'p');
  CHECK_OK(munmap(priv, 4096));
  CHECK_OK(munmap(p, 8192));
  close(fd);
  return nullptr;
}

const char* MemfdSealingNeedsAllowSealing() {
  int fd = MemfdCreate("sealed", 0);
  CHECK_OK(fd);
  CHECK_EQ(fcntl(fd, kFGetSeals), kSealSeal);
  CHECK_ERRNO(fcntl(fd, kFAddSeals, kSealWrite), EPERM);
  int open_fd = MemfdCreate("open", kMfdAllowSealing);
  CHECK_OK(open_fd);
  CHECK_EQ(fcntl(open_fd, kFGetSeals), 0);
  CHECK_ERRNO(fcntl(open_fd, kFAddSeals, 0x1000), EINVAL);
  CHECK_OK(fcntl(open_fd, kFAddSeals, kSealSeal));
  CHECK_ERRNO(fcntl(open_fd, kFAddSeals, kSealGrow), EPERM);
  CHECK_EQ(fcntl(open_fd, kFGetSeals), kSealSeal);
  // Not a memfd.
  int pipes[2];
  CHECK_OK(pipe(pipes));
  CHECK_ERRNO(fcntl(pipes[1], kFAddSeals, kSealWrite), EINVAL);
  CHECK_ERRNO(fcntl(pipes[0], kFGetSeals), EINVAL);
  close(pipes[0]);
  close(pipes[1]);
  close(open_fd);
  close(fd);
  return nullptr;
}

const char* MemfdSealShrinkAndGrow() {
  int fd = MemfdCreate("size", kMfdAllowSealing);
  CHECK_OK(fd);
  CHECK_EQ(write(fd, "0123456789", 10), 10);
  CHECK_OK(fcntl(fd, kFAddSeals, kSealShrink));
  CHECK_EQ(fcntl(fd, kFGetSeals), kSealShrink);
  CHECK_ERRNO(ftruncate(fd, 5), EPERM);
  CHECK_OK(ftruncate(fd, 20));
  CHECK_OK(fcntl(fd, kFAddSeals, kSealGrow));
  CHECK_ERRNO(ftruncate(fd, 21), EPERM);
  CHECK_OK(ftruncate(fd, 20));                   // the same size is no change
  CHECK_ERRNO(pwrite(fd, "abc", 3, 19), EPERM);  // would grow
  CHECK_EQ(pwrite(fd, "abc", 3, 17), 3);         // within: fine
  struct stat st;
  CHECK_OK(fstat(fd, &st));
  CHECK_EQ(st.st_size, 20);
  CHECK_EQ(fcntl(fd, kFGetSeals), kSealShrink | kSealGrow);
  close(fd);
  return nullptr;
}

const char* MemfdSealWrite() {
  int fd = MemfdCreate("write", kMfdAllowSealing);
  CHECK_OK(fd);
  CHECK_OK(ftruncate(fd, 4096));
  CHECK_EQ(pwrite(fd, "keep", 4, 0), 4);
  CHECK_OK(fcntl(fd, kFAddSeals, kSealWrite));
  CHECK_ERRNO(write(fd, "x", 1), EPERM);
  CHECK_ERRNO(pwrite(fd, "x", 1, 0), EPERM);
  CHECK(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
  CHECK_EQ(errno, EPERM);
  // Read-only shared mappings are fine, but can never gain write.
  auto* ro = static_cast<char*>(mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0));
  CHECK(ro != MAP_FAILED);
  CHECK(memcmp(ro, "keep", 4) == 0);
  CHECK_ERRNO(mprotect(ro, 4096, PROT_READ | PROT_WRITE), EACCES);
  // A private mapping may write its own copy.
  auto* priv = static_cast<char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
  CHECK(priv != MAP_FAILED);
  priv[0] = 'K';
  CHECK_EQ(ro[0], 'k');
  // The size may still change (no size seals).
  CHECK_OK(ftruncate(fd, 8192));
  CHECK_OK(munmap(priv, 4096));
  CHECK_OK(munmap(ro, 4096));
  close(fd);
  return nullptr;
}

const char* MemfdSealWriteBusyWhileMapped() {
  int fd = MemfdCreate("busy", kMfdAllowSealing);
  CHECK_OK(fd);
  CHECK_OK(ftruncate(fd, 4096));
  auto* p = static_cast<char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  CHECK(p != MAP_FAILED);
  CHECK_ERRNO(fcntl(fd, kFAddSeals, kSealWrite), EBUSY);
  CHECK_EQ(fcntl(fd, kFGetSeals), 0);
  CHECK_OK(munmap(p, 4096));
  // A read-only shared mapping of a description open for writing may
  // become writable (mprotect): it counts as well.
  auto* ro = static_cast<char*>(mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0));
  CHECK(ro != MAP_FAILED);
  CHECK_ERRNO(fcntl(fd, kFAddSeals, kSealWrite), EBUSY);
  CHECK_OK(munmap(ro, 4096));
  CHECK_OK(fcntl(fd, kFAddSeals, kSealWrite));
  CHECK_EQ(fcntl(fd, kFGetSeals), kSealWrite);
  close(fd);
  return nullptr;
}

const char* MemfdSealFutureWrite() {
  int fd = MemfdCreate("future", kMfdAllowSealing);
  CHECK_OK(fd);
  CHECK_OK(ftruncate(fd, 4096));
  auto* p = static_cast<char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  CHECK(p != MAP_FAILED);
  CHECK_OK(fcntl(fd, kFAddSeals, kSealFutureWrite));  // no EBUSY: mappings may stay
  p[0] = 'm';                                         // the existing mapping still writes
  char c = 0;
  CHECK_EQ(pread(fd, &c, 1, 0), 1);
  CHECK_EQ(c, 'm');
  CHECK_ERRNO(pwrite(fd, "x", 1, 0), EPERM);
  CHECK(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
  CHECK_EQ(errno, EPERM);
  CHECK_OK(munmap(p, 4096));
  close(fd);
  return nullptr;
}

const char* MemfdNoexecSeal() {
  int fd = MemfdCreate("noexec", kMfdNoexecSeal);
  CHECK_OK(fd);
  struct stat st;
  CHECK_OK(fstat(fd, &st));
  CHECK_EQ(st.st_mode & 07777, 0666);
  CHECK_EQ(fcntl(fd, kFGetSeals), kSealExec);
  CHECK_ERRNO(fchmod(fd, 0777), EPERM);
  CHECK_OK(fchmod(fd, 0600));
  CHECK_EQ(write(fd, "w", 1), 1);  // sealing is allowed, writing too
  // An executable memfd sealed against exec is sealed against change.
  int ex = MemfdCreate("exec", kMfdAllowSealing | kMfdExec);
  CHECK_OK(ex);
  CHECK_OK(fcntl(ex, kFAddSeals, kSealExec));
  CHECK_EQ(fcntl(ex, kFGetSeals),
           kSealExec | kSealShrink | kSealGrow | kSealWrite | kSealFutureWrite);
  CHECK_ERRNO(write(ex, "w", 1), EPERM);
  close(ex);
  close(fd);
  return nullptr;
}

const char* MemfdFallocate() {
  constexpr int kKeepSize = 1, kPunchHole = 2;  // linux/falloc.h
  int fd = MemfdCreate("falloc", kMfdAllowSealing);
  CHECK_OK(fd);
  CHECK_EQ(write(fd, "0123456789", 10), 10);
  CHECK_OK(fallocate(fd, 0, 0, 100));
  struct stat st;
  CHECK_OK(fstat(fd, &st));
  CHECK_EQ(st.st_size, 100);
  CHECK_OK(fallocate(fd, kKeepSize, 0, 200));
  CHECK_OK(fstat(fd, &st));
  CHECK_EQ(st.st_size, 100);
  CHECK_ERRNO(fallocate(fd, kPunchHole, 2, 3), EOPNOTSUPP);
  CHECK_OK(fallocate(fd, kPunchHole | kKeepSize, 2, 3));
  char b[10];
  CHECK_EQ(pread(fd, b, 10, 0), 10);
  CHECK(memcmp(b,
               "01\0\0\0"
               "56789",
               10) == 0);
  CHECK_ERRNO(fallocate(fd, 0, 0, 0), EINVAL);
  CHECK_ERRNO(fallocate(fd, 0, -1, 5), EINVAL);
  CHECK_OK(fcntl(fd, kFAddSeals, kSealGrow));
  CHECK_ERRNO(fallocate(fd, 0, 0, 200), EPERM);
  CHECK_ERRNO(fallocate(fd, kKeepSize, 0, 200), EPERM);  // even keeping the size
  CHECK_OK(fallocate(fd, 0, 0, 50));
  CHECK_OK(fcntl(fd, kFAddSeals, kSealWrite));
  CHECK_ERRNO(fallocate(fd, kPunchHole | kKeepSize, 0, 5), EPERM);
  CHECK_OK(fallocate(fd, 0, 0, 50));
  int pipes[2];
  CHECK_OK(pipe(pipes));
  CHECK_ERRNO(fallocate(pipes[1], 0, 0, 5), ESPIPE);
  close(pipes[0]);
  close(pipes[1]);
  close(fd);
  return nullptr;
}

}  // namespace

void* volatile g_bus_address = nullptr;  // where the SIGBUS case touches

// A shared mapping of a memfd past the file's end: a touch of a page wholly
// past it raises SIGBUS (BUS_ADRERR, si_addr the address), while the last
// partial page reads zeros past the end; a shrink makes mapped pages past
// the new end fault too (shmem's rules).
const char* MemfdMappingPastTheEndRaisesSigbus() {
  int fd = MemfdCreate("bus", 0);
  CHECK(fd >= 0);
  const long page = sysconf(_SC_PAGESIZE);
  CHECK_OK(ftruncate(fd, page + 10));
  auto* map = static_cast<volatile char*>(
      mmap(nullptr, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  CHECK(map != MAP_FAILED);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    if (map[page + 100] != 0) _exit(10);  // the last page: zeros past the end
    map[page + 5] = 'x';
    struct sigaction sa = {};
    sa.sa_flags = SA_SIGINFO;
    sa.sa_sigaction = [](int sig, siginfo_t* info, void* ctx) {
      (void)ctx;
      const bool as_linux =
          sig == SIGBUS && info->si_code == BUS_ADRERR && info->si_addr == g_bus_address;
      _exit(as_linux ? 0 : 13);
    };
    sigaction(SIGBUS, &sa, nullptr);
    g_bus_address = const_cast<char*>(map + 2 * page + 1);
    (void)map[2 * page + 1];  // wholly past the end
    _exit(11);
  }
  int status = 0;
  CHECK(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
  char c = 0;
  CHECK(pread(fd, &c, 1, page + 5) == 1 && c == 'x');  // the child's store is in the file
  // Without a handler SIGBUS kills; after a shrink the second page faults too.
  CHECK_OK(ftruncate(fd, 10));
  child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    (void)map[page + 5];
    _exit(12);
  }
  CHECK(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK_EQ(WTERMSIG(status), SIGBUS);
  CHECK(map[5] == 0);  // the first page is still inside the file
  munmap(const_cast<char*>(map), 3 * page);
  close(fd);
  return nullptr;
}

extern const Case kMemfdCases[] = {
    {"memfd_read_write_seek_stat", MemfdReadWriteSeekStat},
    {"memfd_flags_and_name", MemfdFlagsAndName},
    {"memfd_shared_mapping_across_fork", MemfdSharedMappingAcrossFork},
    {"memfd_sealing_needs_allow_sealing", MemfdSealingNeedsAllowSealing},
    {"memfd_seal_shrink_and_grow", MemfdSealShrinkAndGrow},
    {"memfd_seal_write", MemfdSealWrite},
    {"memfd_seal_write_busy_while_mapped", MemfdSealWriteBusyWhileMapped},
    {"memfd_seal_future_write", MemfdSealFutureWrite},
    {"memfd_noexec_seal", MemfdNoexecSeal},
    {"memfd_fallocate", MemfdFallocate},
    {"memfd_mapping_past_the_end_sigbus", MemfdMappingPastTheEndRaisesSigbus},
};
const int kMemfdCaseCount = sizeof kMemfdCases / sizeof kMemfdCases[0];

}  // namespace posix_test
