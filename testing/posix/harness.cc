#include "testing/posix/harness.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

namespace posix_test {

int RunAll(const Case* cases, int count, const char* filter) {
  int passed = 0, failed = 0;
  for (int i = 0; i < count; ++i) {
    if (filter != nullptr && strstr(cases[i].name, filter) == nullptr) continue;
    // Each case runs in its own child so a crash or a leaked child cannot
    // disturb the next one; the child reports through its exit status.
    fflush(stdout);
    int pipefd[2] = {-1, -1};
    pid_t pid = fork();
    if (pid < 0) {
      printf("posix: FAIL %s: fork for the case failed\n", cases[i].name);
      ++failed;
      continue;
    }
    if (pid == 0) {
      const char* why = cases[i].run();
      if (why != nullptr) {
        printf("posix: FAIL %s: %s\n", cases[i].name, why);
        fflush(stdout);
        _exit(1);
      }
      fflush(stdout);
      _exit(0);
    }
    (void)pipefd;
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) {
      printf("posix: FAIL %s: waitpid for the case failed\n", cases[i].name);
      ++failed;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      printf("posix: PASS %s\n", cases[i].name);
      ++passed;
    } else {
      if (WIFSIGNALED(status)) {
        printf("posix: FAIL %s: killed by signal %d\n", cases[i].name, WTERMSIG(status));
      }
      ++failed;
    }
  }
  printf("posix: %d passed, %d failed\n", passed, failed);
  fflush(stdout);
  return failed;
}

}  // namespace posix_test
