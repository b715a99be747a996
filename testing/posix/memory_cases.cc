// POSIX cases for anonymous memory calls, modelled on LTP's mremap0* tests:
// growing, shrinking and moving mappings, the errors, shared mappings that
// stay shared when moved, and a shared futex reached through two addresses.

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

constexpr size_t kPage = 4096;

char* MapAnon(size_t pages, int sharing = MAP_PRIVATE) {
  void* p = mmap(nullptr, pages * kPage, PROT_READ | PROT_WRITE, sharing | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : static_cast<char*>(p);
}

// Whether reading `addr` in a child dies of SIGSEGV (the range is unmapped).
bool ReadFaults(const char* addr) {
  pid_t pid = fork();
  if (pid == 0) {
    volatile char c = *addr;
    (void)c;
    _exit(0);
  }
  int st;
  if (pid < 0 || waitpid(pid, &st, 0) != pid) return false;
  return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
}

const char* MremapGrowKeepsContents() {
  char* p = MapAnon(2);
  CHECK(p != nullptr);
  for (size_t i = 0; i < 2 * kPage; ++i) p[i] = static_cast<char>(i * 7);
  // A neighbour right after it: growing must move the mapping.
  char* block = static_cast<char*>(mmap(p + 2 * kPage, kPage, PROT_READ | PROT_WRITE,
                                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));
  char* q = static_cast<char*>(mremap(p, 2 * kPage, 64 * kPage, MREMAP_MAYMOVE));
  CHECK(q != MAP_FAILED);
  for (size_t i = 0; i < 2 * kPage; ++i) {
    if (q[i] != static_cast<char>(i * 7)) return Fail("byte %zu changed in the move", i);
  }
  for (size_t i = 2 * kPage; i < 64 * kPage; ++i) {
    if (q[i] != 0) return Fail("grown byte %zu is not zero", i);
  }
  memset(q + 2 * kPage, 0x5a, 62 * kPage);
  if (block == p + 2 * kPage) {
    CHECK(q != p);  // it could not have grown in place
    CHECK(ReadFaults(p));
    munmap(block, kPage);
  }
  CHECK_OK(munmap(q, 64 * kPage));
  return nullptr;
}

const char* MremapShrinkInPlace() {
  char* p = MapAnon(3);
  CHECK(p != nullptr);
  p[0] = 'a';
  p[2 * kPage] = 'c';
  CHECK(mremap(p, 3 * kPage, kPage, 0) == p);
  CHECK(p[0] == 'a');
  CHECK(ReadFaults(p + 2 * kPage));
  CHECK(ReadFaults(p + kPage));
  // Growing back in place (nothing else took the pages) shows zeros.
  CHECK(mremap(p, kPage, 3 * kPage, 0) == p);
  CHECK(p[2 * kPage] == 0);
  CHECK_OK(munmap(p, 3 * kPage));
  return nullptr;
}

const char* MremapFixedMovesAndReplaces() {
  char* p = MapAnon(4);
  char* target = MapAnon(4);
  CHECK(p != nullptr && target != nullptr);
  memset(p, 'p', 4 * kPage);
  memset(target, 't', 4 * kPage);
  char* q =
      static_cast<char*>(mremap(p, 4 * kPage, 2 * kPage, MREMAP_MAYMOVE | MREMAP_FIXED, target));
  CHECK(q == target);
  CHECK(q[0] == 'p' && q[2 * kPage - 1] == 'p');
  CHECK(target[2 * kPage] == 't');  // the rest of what was there stays
  CHECK(ReadFaults(p));
  CHECK_OK(munmap(target, 4 * kPage));
  return nullptr;
}

const char* MremapErrors() {
  char* p = MapAnon(2);
  CHECK(p != nullptr);
  errno = 0;
  CHECK(mremap(p + 1, kPage, 2 * kPage, MREMAP_MAYMOVE) == MAP_FAILED && errno == EINVAL);
  errno = 0;
  CHECK(mremap(p, kPage, 0, MREMAP_MAYMOVE) == MAP_FAILED && errno == EINVAL);
  errno = 0;
  CHECK(mremap(p, kPage, kPage, 0x80) == MAP_FAILED && errno == EINVAL);
  errno = 0;
  CHECK(mremap(p, kPage, kPage, MREMAP_FIXED, p + 8 * kPage) == MAP_FAILED && errno == EINVAL);
  errno = 0;  // a fixed target overlapping the source
  CHECK(mremap(p, 2 * kPage, 2 * kPage, MREMAP_MAYMOVE | MREMAP_FIXED, p + kPage) == MAP_FAILED &&
        errno == EINVAL);
  // Growing in place when the next page is taken, without MAYMOVE: ENOMEM.
  CHECK_OK(munmap(p + kPage, kPage));
  char* block = static_cast<char*>(
      mmap(p + kPage, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
  CHECK(block == p + kPage);
  errno = 0;
  CHECK(mremap(p, kPage, 2 * kPage, 0) == MAP_FAILED && errno == ENOMEM);
  // An address with nothing mapped, or a range past the end of a mapping: EFAULT.
  CHECK_OK(munmap(p, 2 * kPage));
  errno = 0;
  CHECK(mremap(p, kPage, 2 * kPage, MREMAP_MAYMOVE) == MAP_FAILED && errno == EFAULT);
  char* r = MapAnon(1);
  CHECK(r != nullptr);
  errno = 0;
  CHECK(mremap(r, 1 << 20, 2 << 20, MREMAP_MAYMOVE) == MAP_FAILED && errno == EFAULT);
  CHECK_OK(munmap(r, kPage));
  return nullptr;
}

const char* MremapSharedStaysShared() {
  // The parent moves its view of a shared page; the child's writes still
  // reach it.
  char* p = MapAnon(1, MAP_SHARED);
  char* target = MapAnon(1);
  CHECK(p != nullptr && target != nullptr);
  int go[2];
  CHECK_OK(pipe(go));
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    char c;
    if (read(go[0], &c, 1) != 1) _exit(1);
    strcpy(p, "from the child");
    _exit(0);
  }
  char* q = static_cast<char*>(mremap(p, kPage, kPage, MREMAP_MAYMOVE | MREMAP_FIXED, target));
  CHECK(q == target);
  CHECK_EQ(write(go[1], "g", 1), 1);
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK(strcmp(q, "from the child") == 0);
  close(go[0]);
  close(go[1]);
  CHECK_OK(munmap(q, kPage));
  return nullptr;
}

const char* MremapDuplicatesSharedMapping() {
  // old_size 0: a second address for the same shared pages.
  char* a = MapAnon(1, MAP_SHARED);
  CHECK(a != nullptr);
  char* b = static_cast<char*>(mremap(a, 0, kPage, MREMAP_MAYMOVE));
  CHECK(b != MAP_FAILED && b != a);
  a[100] = 'x';
  CHECK(b[100] == 'x');
  b[200] = 'y';
  CHECK(a[200] == 'y');
  char* priv = MapAnon(1);
  errno = 0;
  CHECK(mremap(priv, 0, kPage, MREMAP_MAYMOVE) == MAP_FAILED && errno == EINVAL);
  munmap(priv, kPage);
  munmap(b, kPage);
  munmap(a, kPage);
  return nullptr;
}

const char* SharedFutexThroughTwoAddresses() {
  // The child waits on the word at one address; the parent wakes it through
  // a second mapping of the same page at another address. Only a futex keyed
  // by the memory (not the address) meets there.
  auto* word = reinterpret_cast<uint32_t*>(MapAnon(1, MAP_SHARED));
  CHECK(word != nullptr);
  auto* alias = static_cast<uint32_t*>(mremap(word, 0, kPage, MREMAP_MAYMOVE));
  CHECK(alias != MAP_FAILED && alias != word);
  const char* failed = FutexWakeAcrossFork(word, alias);
  munmap(alias, kPage);
  munmap(word, kPage);
  return failed;
}

const char* ReallocOfLargeBlocksKeepsContents() {
  // musl's realloc moves large blocks with mremap.
  size_t size = 256 * 1024;
  auto* p = static_cast<unsigned char*>(malloc(size));
  CHECK(p != nullptr);
  for (size_t i = 0; i < size; ++i) p[i] = static_cast<unsigned char>(i % 251);
  for (int round = 0; round < 5; ++round) {
    size_t bigger = size * 2;
    auto* q = static_cast<unsigned char*>(realloc(p, bigger));
    CHECK(q != nullptr);
    for (size_t i = 0; i < size; ++i) {
      if (q[i] != static_cast<unsigned char>(i % 251))
        return Fail("round %d: byte %zu changed", round, i);
    }
    for (size_t i = size; i < bigger; ++i) q[i] = static_cast<unsigned char>(i % 251);
    p = q;
    size = bigger;
  }
  free(p);
  return nullptr;
}

// A file of `size` bytes whose byte i is (i * 7 + 3) & 0xff; returns its fd
// (opened read-write) or -1.
int PatternFile(const char* name, size_t size) {
  int fd = open(TmpPath(name), O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  char buf[4096];
  for (size_t done = 0; done < size;) {
    size_t n = size - done < sizeof buf ? size - done : sizeof buf;
    for (size_t i = 0; i < n; ++i) buf[i] = static_cast<char>(((done + i) * 7 + 3) & 0xff);
    if (write(fd, buf, n) != static_cast<ssize_t>(n)) {
      close(fd);
      return -1;
    }
    done += n;
  }
  return fd;
}

const char* MmapPrivateFileShowsItsBytes() {
  constexpr size_t kSize = 10000;
  int fd = PatternFile("mapped", kSize);
  CHECK(fd >= 0);
  auto* p = static_cast<unsigned char*>(mmap(nullptr, kSize, PROT_READ, MAP_PRIVATE, fd, 0));
  CHECK(p != MAP_FAILED);
  for (size_t i = 0; i < kSize; ++i) {
    if (p[i] != ((i * 7 + 3) & 0xff)) return Fail("byte %zu is %u", i, p[i]);
  }
  for (size_t i = kSize; i < 3 * kPage; ++i) {
    if (p[i] != 0) return Fail("byte %zu past the end is %u, not 0", i, p[i]);
  }
  CHECK_OK(munmap(p, kSize));
  // At an offset, writable: the changes stay in the mapping.
  auto* q = static_cast<unsigned char*>(
      mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, kPage));
  CHECK(q != MAP_FAILED);
  CHECK(q[0] == ((kPage * 7 + 3) & 0xff));
  q[0] = 0xAB;
  unsigned char byte = 0;
  CHECK_EQ(pread(fd, &byte, 1, kPage), 1);
  CHECK(byte == ((kPage * 7 + 3) & 0xff));  // the file is untouched
  CHECK_OK(munmap(q, kPage));
  close(fd);
  unlink(TmpPath("mapped"));
  return nullptr;
}

const char* MmapFileErrors() {
  int fd = PatternFile("maperr", 100);
  CHECK(fd >= 0);
  close(fd);
  int wronly = open(TmpPath("maperr"), O_WRONLY);
  CHECK(wronly >= 0);
  errno = 0;
  CHECK(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, wronly, 0) == MAP_FAILED && errno == EACCES);
  close(wronly);
  int rd = open(TmpPath("maperr"), O_RDONLY);
  CHECK(rd >= 0);
  errno = 0;
  CHECK(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, rd, 100) == MAP_FAILED && errno == EINVAL);
  close(rd);
  errno = 0;  // a closed descriptor
  CHECK(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, rd, 0) == MAP_FAILED && errno == EBADF);
  int dir = open(WorkDir(), O_RDONLY | O_DIRECTORY);
  CHECK(dir >= 0);
  errno = 0;
  CHECK(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, dir, 0) == MAP_FAILED && errno == ENODEV);
  close(dir);
  unlink(TmpPath("maperr"));
  return nullptr;
}

const char* MmapDevZeroShared() {
  // /dev/zero with MAP_SHARED is shared anonymous memory: a child's write
  // reaches the parent.
  int fd = open("/dev/zero", O_RDWR);
  CHECK(fd >= 0);
  auto* p =
      static_cast<volatile char*>(mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  close(fd);
  CHECK(p != MAP_FAILED);
  CHECK(p[100] == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    p[100] = 'z';
    _exit(0);
  }
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK(p[100] == 'z');
  munmap(const_cast<char*>(p), kPage);
  return nullptr;
}

const char* MmapSharedFileSeesWrites() {
  int fd = PatternFile("shared", 100);
  CHECK(fd >= 0);
  auto* p = static_cast<volatile char*>(mmap(nullptr, kPage, PROT_READ, MAP_SHARED, fd, 0));
  if (p == MAP_FAILED) {
    close(fd);
    return Fail("mmap(MAP_SHARED) of a file: %s", strerror(errno));
  }
  CHECK_EQ(pwrite(fd, "Q", 1, 5), 1);
  CHECK(p[5] == 'Q');
  munmap(const_cast<char*>(p), kPage);
  close(fd);
  unlink(TmpPath("shared"));
  return nullptr;
}

}  // namespace

extern const Case kMemoryCases[] = {
    {"mremap_grow_keeps_contents", MremapGrowKeepsContents},
    {"mremap_shrink_in_place", MremapShrinkInPlace},
    {"mremap_fixed_moves", MremapFixedMovesAndReplaces},
    {"mremap_errors", MremapErrors},
    {"mremap_shared_stays_shared", MremapSharedStaysShared},
    {"mremap_duplicates_shared", MremapDuplicatesSharedMapping},
    {"futex_shared_two_addresses", SharedFutexThroughTwoAddresses},
    {"realloc_large_blocks", ReallocOfLargeBlocksKeepsContents},
    {"mmap_private_file", MmapPrivateFileShowsItsBytes},
    {"mmap_file_errors", MmapFileErrors},
    {"mmap_dev_zero_shared", MmapDevZeroShared},
    // EXPECTED-FAIL on Tessera: shared file mappings need a page cache (ENODEV)
    {"mmap_shared_file_sees_writes", MmapSharedFileSeesWrites,
     "shared file mappings need a page cache (ENODEV)"},
};
extern const int kMemoryCaseCount = sizeof kMemoryCases / sizeof kMemoryCases[0];

}  // namespace posix_test
