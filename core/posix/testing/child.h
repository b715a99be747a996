#pragma once

// Runs code in a forked child process (to poke at the host kernel's real
// signal, wait and tty behaviour without disturbing the test process) and
// brings back what it printed.

#include <dirent.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace core::posix::testing {

/// Runs fn(std::string* out) in a child; returns what it put in *out. The
/// child exits with _exit(0) after fn; a crash shows up as "<child died: N>".
template <typename Fn>
std::string RunInChild(Fn fn) {
  int fds[2];
  if (pipe(fds) != 0) return "<pipe failed>";
  pid_t pid = fork();
  if (pid < 0) return "<fork failed>";
  if (pid == 0) {
    close(fds[0]);
    std::string out;
    fn(&out);
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string result;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n <= 0) break;
    result.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    result += "<child died: " + std::to_string(status) + ">";
  }
  return result;
}

/// A fresh private directory (under $TEST_TMPDIR or /tmp), e.g. for the
/// core files of children killed by core-dumping signals.
inline std::string MakeTempDir() {
  const char* base = getenv("TEST_TMPDIR");
  std::string templ = std::string(base != nullptr ? base : "/tmp") + "/posix_test.XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) return base != nullptr ? base : "/tmp";
  return templ;
}

/// Removes a directory made by MakeTempDir and the files in it.
inline void RemoveTempDir(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") unlink((dir + "/" + name).c_str());
  }
  closedir(d);
  rmdir(dir.c_str());
}

}  // namespace core::posix::testing
