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
// Native calls get handle arguments most of the time, from a pool each child
// builds first: live handles (channel ends, a notification, a memory
// object, duplicates with fewer rights), closed ones (created, then closed),
// transferred ones (written into a channel message, so no longer the
// child's), and forged ones (a live value with a bit flipped).
//
//   syscallfuzz [--children N] [--calls N] [--seed S] [--first N]
//
// --first N starts with child N of the sequence (the children before it are
// skipped, not run): to replay a failure a long run found.
//
// tessera.test=fuzz (CI) runs the defaults: 128 children of 250 calls. The
// long run (//testing/system:fuzz_long, outside CI) types
// `syscallfuzz --children 8000` at the shell: 2,000,000 calls.
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
#include "abi/tessera/rights.h"
#include "lib/tessera/syscalls.h"

namespace {

int g_children = 128;
int g_first = 0;
int g_calls_per_child = 250;
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

// The child's handles, by kind (see the header).
struct HandlePool {
  static constexpr int kMax = 16;
  tessera::handle_t live[kMax] = {};
  int live_count = 0;
  tessera::handle_t closed[kMax] = {};
  int closed_count = 0;
  tessera::handle_t sent[kMax] = {};
  int sent_count = 0;

  void AddLive(int64_t h) {
    if (h > 0 && live_count < kMax) live[live_count++] = static_cast<tessera::handle_t>(h);
  }
  void Build() {
    namespace sys = tessera::sys;
    tessera::handle_t a = 0, b = 0;
    if (sys::ChannelCreate(&a, &b) >= 0) {
      AddLive(a);
      AddLive(b);
    }
    AddLive(sys::NotificationCreate());
    AddLive(sys::VmoCreate(4096));
    if (live_count > 0) AddLive(sys::HandleDuplicate(live[0], tessera::kRightRead));
    // Closed: made and closed again.
    for (int i = 0; i < 3; ++i) {
      int64_t h = sys::NotificationCreate();
      if (h > 0 && sys::HandleClose(static_cast<tessera::handle_t>(h)) >= 0 &&
          closed_count < kMax) {
        closed[closed_count++] = static_cast<tessera::handle_t>(h);
      }
    }
    // Transferred: written into a message on a channel of the child's own.
    tessera::handle_t t0 = 0, t1 = 0;
    if (sys::ChannelCreate(&t0, &t1) >= 0) {
      AddLive(t1);
      for (int i = 0; i < 3; ++i) {
        int64_t h = sys::NotificationCreate();
        if (h <= 0) continue;
        tessera::handle_t moved = static_cast<tessera::handle_t>(h);
        char byte = 'h';
        if (sys::ChannelWrite(t0, &byte, 1, &moved, 1, 0) >= 0 && sent_count < kMax) {
          sent[sent_count++] = moved;
        }
      }
      AddLive(t0);
    }
  }
  tessera::handle_t Pick() {
    switch (Next() % 4) {
      case 0:
        if (closed_count > 0) return closed[Next() % closed_count];
        break;
      case 1:
        if (sent_count > 0) return sent[Next() % sent_count];
        break;
      case 2:  // forged: a live value with one bit flipped
        if (live_count > 0) return live[Next() % live_count] ^ (1u << (Next() % 32));
        break;
      default: break;
    }
    return live_count > 0 ? live[Next() % live_count] : 0;
  }
};

HandlePool g_handles;

uint64_t Arg(uint8_t* scratch, size_t scratch_size) {
  switch (Next() % 13) {
    case 12: return g_handles.Pick();
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
  g_handles.Build();
  for (int call = 0; call < g_calls_per_child; ++call) {
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
    // A native call's first argument is a handle for most of them.
    if (n >= static_cast<long>(tessera::kNativeBase) && Next() % 4 != 0) a[0] = g_handles.Pick();
    syscall(n, a[0], a[1], a[2], a[3], a[4], a[5]);
  }
  (void)child;
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--children") == 0) g_children = atoi(argv[i + 1]);
    if (strcmp(argv[i], "--calls") == 0) g_calls_per_child = atoi(argv[i + 1]);
    if (strcmp(argv[i], "--seed") == 0) g_state = strtoull(argv[i + 1], nullptr, 0) | 1;
    if (strcmp(argv[i], "--first") == 0) g_first = atoi(argv[i + 1]);
  }
  if (g_children <= 0 || g_calls_per_child <= 0 || g_first < 0) {
    printf("usage: syscallfuzz [--children N] [--calls N] [--seed S] [--first N]\n");
    return 2;
  }
  printf("fuzz: %d children x %d calls, seed %#llx\n", g_children, g_calls_per_child,
         static_cast<unsigned long long>(g_state));
  fflush(stdout);
  int signalled = 0, timed_out = 0;
  long calls = 0;
  for (int c = 0; c < g_first; ++c) Next();  // the skipped children's seeds
  for (int c = g_first; c < g_first + g_children; ++c) {
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
    calls += g_calls_per_child;
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
    // A long run reports as it goes.
    if ((c + 1) % 1000 == 0 || (g_first > 0 && (c + 1) % 20 == 0)) {
      printf("fuzz: %d children so far, %ld calls, %d killed by a signal, %d timed out\n", c + 1,
             calls, signalled, timed_out);
      fflush(stdout);
    }
  }
  printf("fuzz: %d children, %ld calls, %d killed by a signal, %d timed out\n", g_children, calls,
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
