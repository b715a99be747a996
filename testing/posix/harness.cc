#include "testing/posix/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace posix_test {
namespace {

// A case that runs longer than this (TCG is slow: generous) is killed with its
// whole process group and fails.
constexpr int kCaseTimeoutSeconds = 30;

int64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Waits for the case's child; kills its process group after the timeout.
// Returns false on timeout (the child is then reaped, status is its kill).
bool WaitForCase(pid_t pid, int* status) {
  int64_t deadline = NowMs() + kCaseTimeoutSeconds * 1000;
  int delay_us = 1000;
  for (;;) {
    pid_t got = waitpid(pid, status, WNOHANG);
    if (got == pid) return true;
    if (got < 0 && errno != EINTR) {
      *status = -1;
      return true;
    }
    if (NowMs() > deadline) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, status, 0);
      return false;
    }
    usleep(delay_us);
    if (delay_us < 20000) delay_us *= 2;
  }
}

}  // namespace

bool OnTessera() {
  struct utsname u;
  if (uname(&u) != 0) return false;
  return strstr(u.version, "Tessera") != nullptr;
}

const char* Fail(const char* fmt, ...) {
  static char buffer[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buffer, sizeof buffer, fmt, ap);
  va_end(ap);
  return buffer;
}

int RunAll(const Case* cases, int count, const char* filter) {
  const bool tessera = OnTessera();
  int passed = 0, failed = 0, xfailed = 0, xpassed = 0;
  for (int i = 0; i < count; ++i) {
    const Case& c = cases[i];
    if (filter != nullptr && strstr(c.name, filter) == nullptr) continue;
    const bool expect_fail = tessera && c.xfail_on_tessera != nullptr;
    fflush(stdout);
    // The case's result travels through a pipe, so the parent prints the one
    // line (PASS, FAIL or XFAIL with the reason).
    int result[2];
    if (pipe(result) != 0) {
      printf("posix: FAIL %s: pipe for the case failed\n", c.name);
      ++failed;
      continue;
    }
    pid_t pid = fork();
    if (pid < 0) {
      printf("posix: FAIL %s: fork for the case failed\n", c.name);
      close(result[0]);
      close(result[1]);
      ++failed;
      continue;
    }
    if (pid == 0) {
      close(result[0]);
      setpgid(0, 0);
      const char* why = c.run();
      fflush(stdout);
      if (why != nullptr) {
        ssize_t unused = write(result[1], why, strlen(why));
        (void)unused;
        _exit(1);
      }
      _exit(0);
    }
    setpgid(pid, pid);  // (also done by the child; whichever runs first)
    close(result[1]);
    int status = 0;
    bool finished = WaitForCase(pid, &status);
    // Grandchildren left in the case's group go with it; and the reason is
    // read without blocking (a straggler outside the group may still hold the
    // pipe's write end).
    kill(-pid, SIGKILL);
    fcntl(result[0], F_SETFL, O_NONBLOCK);
    char why[600] = {};
    size_t got = 0;
    ssize_t n;
    while (got < sizeof why - 1 && (n = read(result[0], why + got, sizeof why - 1 - got)) > 0) {
      got += n;
    }
    close(result[0]);
    bool ok = finished && status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok && why[0] == '\0') {
      if (!finished) {
        snprintf(why, sizeof why, "timed out after %d s", kCaseTimeoutSeconds);
      } else if (status == -1) {
        snprintf(why, sizeof why, "waitpid for the case failed");
      } else if (WIFSIGNALED(status)) {
        snprintf(why, sizeof why, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
      } else {
        snprintf(why, sizeof why, "exited with status %d",
                 WIFEXITED(status) ? WEXITSTATUS(status) : status);
      }
    }
    if (ok && !expect_fail) {
      printf("posix: PASS %s\n", c.name);
      ++passed;
    } else if (ok) {
      printf("posix: XPASS %s (expected to fail on Tessera: %s; remove the EXPECTED-FAIL entry)\n",
             c.name, c.xfail_on_tessera);
      ++passed;
      ++xpassed;
    } else if (expect_fail) {
      printf("posix: XFAIL %s: %s [expected on Tessera: %s]\n", c.name, why, c.xfail_on_tessera);
      ++xfailed;
    } else {
      printf("posix: FAIL %s: %s\n", c.name, why);
      ++failed;
    }
  }
  if (xfailed != 0 || xpassed != 0) {
    printf("posix: %d passed, %d failed, %d xfail, %d xpass\n", passed, failed, xfailed, xpassed);
  } else {
    printf("posix: %d passed, %d failed\n", passed, failed);
  }
  fflush(stdout);
  return failed;
}

}  // namespace posix_test
