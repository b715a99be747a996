// syscallfuzz: every Linux system call number and every native one, called
// with random arguments from short-lived child processes, to show that bad
// input gets an error (or kills only the caller, for a bad memory call),
// never a kernel panic or a hung system. tessera.test=fuzz runs it
// (//testing/system:fuzz_test checks the serial log).
//
// Arguments mix what breaks kernels: 0, -1, small integers, huge lengths,
// pointers into the child's own memory (valid, misaligned, at a page end),
// unmapped, kernel-half and non-canonical addresses. The calls that would
// reach outside the child (kill/tkill/tgkill/sigqueue to arbitrary pids,
// reboot) or multiply it (fork, vfork, clone, clone3) are left out; so are
// exit and exit_group (they only end the child early). Each child has a
// deadline (1 s): a call that blocks forever (pause, a read of the console)
// is ended by SIGKILL from the parent. The seed is fixed, so a failure replays.
//
// Output: "fuzz: N children, N calls, N killed by a signal, N timed out" and
// "fuzz: PASS" once a final fork+exec+wait shows the system still works.

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "abi/tessera/native.h"

namespace {

constexpr int kChildren = 128;
constexpr int kCallsPerChild = 250;
constexpr long kLinuxMax = 460;  // a little past Linux 6.1's last number

uint64_t g_state = 0x9e3779b97f4a7c15ull;
uint64_t Next() {
  g_state ^= g_state << 13;
  g_state ^= g_state >> 7;
  g_state ^= g_state << 17;
  return g_state;
}

bool Excluded(long n) {
  switch (n) {
    case 56:
    case 57:
    case 58:
    case 435:  // clone, fork, vfork, clone3
    case 60:
    case 231:  // exit, exit_group
    case 62:
    case 200:
    case 234:  // kill, tkill, tgkill
    case 129:
    case 297:  // rt_sigqueueinfo, rt_tgsigqueueinfo
    case 169:  // reboot
      return true;
    default: return false;
  }
}

uint64_t Arg(uint8_t* scratch, size_t scratch_size) {
  switch (Next() % 12) {
    case 0: return 0;
    case 1: return ~0ull;        // -1
    case 2: return Next() % 64;  // small
    case 3: return Next() % 4096;
    case 4: return 1ull << (Next() % 63);                                        // huge
    case 5: return reinterpret_cast<uint64_t>(scratch);                          // valid memory
    case 6: return reinterpret_cast<uint64_t>(scratch) + Next() % scratch_size;  // misaligned
    case 7:
      return reinterpret_cast<uint64_t>(scratch) + scratch_size - (Next() % 16);  // at the end
    case 8: return 0xffff800000000000ull + (Next() & 0xffffff);                   // kernel half
    case 9: return 0x0000800000000000ull + (Next() & 0xffff);                     // non-canonical
    case 10: return 0x10000 + (Next() & 0xffff000);  // probably unmapped
    default: return Next();
  }
}

void FuzzInChild(int child) {
  // Scratch memory the pointers may point into: readable, writable, filled
  // with bytes that are sometimes valid strings and sometimes not.
  const size_t scratch_size = 2 * 4096;
  auto* scratch = static_cast<uint8_t*>(
      mmap(nullptr, scratch_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (scratch == MAP_FAILED) _exit(3);
  for (int call = 0; call < kCallsPerChild; ++call) {
    for (size_t i = 0; i < scratch_size; ++i)
      scratch[i] = (Next() % 4 == 0) ? 0 : static_cast<uint8_t>('a' + Next() % 26);
    long n;
    if (Next() % 5 == 0) {
      n = static_cast<long>(tessera::kNativeBase +
                            Next() % (tessera::kNativeEnd - tessera::kNativeBase));
    } else {
      n = static_cast<long>(Next() % kLinuxMax);
    }
    if (Excluded(n)) continue;
    uint64_t a[6];
    for (uint64_t& x : a) x = Arg(scratch, scratch_size);
    syscall(n, a[0], a[1], a[2], a[3], a[4], a[5]);
  }
  (void)child;
  _exit(0);
}

}  // namespace

int main() {
  printf("fuzz: %d children x %d calls, seed %#llx\n", kChildren, kCallsPerChild,
         static_cast<unsigned long long>(g_state));
  fflush(stdout);
  int signalled = 0, timed_out = 0, calls = 0;
  for (int c = 0; c < kChildren; ++c) {
    // Each child draws from the sequence where the previous one stopped.
    uint64_t child_seed = Next();
    pid_t pid = fork();
    if (pid < 0) {
      printf("fuzz: FAIL fork: %s\n", strerror(errno));
      return 1;
    }
    if (pid == 0) {
      g_state = child_seed | 1;
      setpgid(0, 0);
      // Relative paths land in a directory of its own.
      char dir[64];
      snprintf(dir, sizeof dir, "/tmp/fuzz.%d", c);
      if (mkdir(dir, 0755) != 0 || chdir(dir) != 0) _exit(4);
      FuzzInChild(c);
    }
    calls += kCallsPerChild;
    // Up to 1 s for the child, then it is killed (a blocking call).
    int status = 0;
    pid_t done = 0;
    for (int waited = 0; waited < 100; ++waited) {
      done = waitpid(pid, &status, WNOHANG);
      if (done != 0) break;
      struct timespec ten_ms = {0, 10 * 1000 * 1000};
      nanosleep(&ten_ms, nullptr);
    }
    if (done == 0) {
      kill(pid, SIGKILL);
      ++timed_out;
      done = waitpid(pid, &status, 0);
    }
    if (done != pid) {
      printf("fuzz: FAIL waitpid: %s\n", strerror(errno));
      return 1;
    }
    if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) ++signalled;
  }
  printf("fuzz: %d children, %d calls, %d killed by a signal, %d timed out\n", kChildren, calls,
         signalled, timed_out);
  // The system still works: a child runs a program and its status comes back.
  pid_t pid = fork();
  if (pid == 0) {
    const char* argv[] = {"true", nullptr};
    execve("/bin/true", const_cast<char* const*>(argv), nullptr);
    _exit(42);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
    printf("fuzz: FAIL the final fork/exec/wait (status %#x)\n", status);
    return 1;
  }
  printf("fuzz: PASS (final child exited with %d)\n", WEXITSTATUS(status));
  return 0;
}
