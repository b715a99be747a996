// eventloop: an event-driven server under load, for issue 11's "no lost
// wake-ups, no leaked fds" check. One process waits in epoll_wait on
//   - an AF_UNIX stream listener and every connection it accepted (edge
//     triggered: each is read until EAGAIN),
//   - a periodic timerfd (every 10 ms),
//   - a signalfd for SIGUSR1 (a child sends it every few milliseconds),
//   - an eventfd another child adds 1 to every 2 ms,
// while client processes open connections, run request/reply ping-pongs
// (each reply must be the request + 1, within 5 s: a longer wait is a lost
// wake-up) and reconnect often. At the end every child must have exited
// cleanly, the eventfd's sum must equal what its writer added, the timer
// must have fired, and the server's fd count (/proc/self/fd) must be what
// it was before the run.
//
//   eventloop [--seconds N] [--clients N]
//
// Prints "eventloop: ok ..." and exits 0, or "eventloop: FAIL ..." and 1.
// Runs the same on Linux (the oracle) and on Tessera.

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace {

int g_seconds = 60;
int g_clients = 8;
constexpr int kConnectionsPerClient = 4;
constexpr int kRequestsPerConnection = 50;  // then the client reconnects

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

[[noreturn]] void Die(const char* what) {
  printf("eventloop: FAIL %s (errno %d: %s)\n", what, errno, strerror(errno));
  fflush(stdout);
  _exit(1);
}

int CountFds() {
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n - 1;  // the directory's own fd
}

sockaddr_un ServerAddress(socklen_t* len) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  int n = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "eventloop-%d", getpid());
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + n);
  return a;
}

// A client: connections doing ping-pongs until the deadline. Exit status 0
// when every reply was right and timely.
[[noreturn]] void Client(sockaddr_un address, socklen_t len, int64_t deadline, int id) {
  uint32_t next = static_cast<uint32_t>(id) << 20;
  while (NowMs() < deadline) {
    int conns[kConnectionsPerClient];
    for (int& c : conns) {
      c = socket(AF_UNIX, SOCK_STREAM, 0);
      if (c < 0) Die("client socket");
      int tries = 0;
      while (connect(c, reinterpret_cast<sockaddr*>(&address), len) != 0) {
        // A full backlog gives EAGAIN on Linux's AF_UNIX when nonblocking;
        // blocking connects wait. Anything else is an error.
        if (++tries > 100) Die("client connect");
        usleep(1000);
      }
    }
    for (int r = 0; r < kRequestsPerConnection && NowMs() < deadline; ++r) {
      for (int c : conns) {
        uint32_t request = next++;
        if (write(c, &request, sizeof request) != sizeof request) Die("client write");
        pollfd p{c, POLLIN, 0};
        int ready = poll(&p, 1, 5000);
        if (ready != 1) {
          printf("eventloop: FAIL client %d: no reply within 5 s (lost wake-up?)\n", id);
          _exit(1);
        }
        uint32_t reply = 0;
        if (read(c, &reply, sizeof reply) != sizeof reply) Die("client read");
        if (reply != request + 1) {
          printf("eventloop: FAIL client %d: reply %u to %u\n", id, reply, request);
          _exit(1);
        }
      }
    }
    for (int c : conns) close(c);
  }
  _exit(0);
}

// Adds 1 to the eventfd every 2 ms until the deadline, then writes how
// many it added to `report`.
[[noreturn]] void EventWriter(int efd, int report, int64_t deadline) {
  uint64_t total = 0;
  while (NowMs() < deadline) {
    uint64_t one = 1;
    if (write(efd, &one, sizeof one) != sizeof one) Die("eventfd write");
    ++total;
    usleep(2000);
  }
  if (write(report, &total, sizeof total) != sizeof total) Die("report");
  _exit(0);
}

[[noreturn]] void Signaller(pid_t target, int64_t deadline) {
  while (NowMs() < deadline) {
    if (kill(target, SIGUSR1) != 0) Die("kill");
    usleep(3000);
  }
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--seconds") == 0) g_seconds = atoi(argv[i + 1]);
    if (strcmp(argv[i], "--clients") == 0) g_clients = atoi(argv[i + 1]);
  }
  const int fds_before = CountFds();

  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  if (sigprocmask(SIG_BLOCK, &usr1, nullptr) != 0) Die("sigprocmask");

  socklen_t len;
  sockaddr_un address = ServerAddress(&len);
  int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listener < 0) Die("socket");
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), len) != 0) Die("bind");
  if (listen(listener, 64) != 0) Die("listen");
  int ep = epoll_create1(EPOLL_CLOEXEC);
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  int sfd = signalfd(-1, &usr1, SFD_NONBLOCK | SFD_CLOEXEC);
  int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (ep < 0 || tfd < 0 || sfd < 0 || efd < 0) Die("epoll/timerfd/signalfd/eventfd");
  itimerspec period{{0, 10'000'000}, {0, 10'000'000}};
  if (timerfd_settime(tfd, 0, &period, nullptr) != 0) Die("timerfd_settime");
  const int watched[] = {listener, tfd, sfd, efd};
  for (int fd : watched) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) Die("epoll_ctl ADD");
  }

  const int64_t deadline = NowMs() + g_seconds * 1000;
  int report[2];
  if (pipe(report) != 0) Die("pipe");
  int children = 0;
  for (int i = 0; i < g_clients + 2; ++i) {
    pid_t pid = fork();
    if (pid < 0) Die("fork");
    if (pid == 0) {
      if (i < g_clients) Client(address, len, deadline, i);
      if (i == g_clients) EventWriter(efd, report[1], deadline);
      Signaller(getppid(), deadline);
    }
    ++children;
  }
  close(report[1]);

  uint64_t expirations = 0, signals = 0, events = 0, accepted = 0, replies = 0;
  int open_connections = 0;
  int exited = 0;
  bool failed = false;
  // Run until the deadline, then until every client has gone.
  while (NowMs() < deadline + 30'000) {
    epoll_event ready[32];
    int n = epoll_wait(ep, ready, 32, 100);
    if (n < 0 && errno != EINTR) Die("epoll_wait");
    for (int i = 0; i < n; ++i) {
      int fd = ready[i].data.fd;
      if (fd == listener) {
        for (;;) {
          int c = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          epoll_event ev{};
          ev.events = EPOLLIN | EPOLLET | EPOLLRDHUP;
          ev.data.fd = c;
          if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) != 0) Die("epoll_ctl ADD connection");
          ++accepted;
          ++open_connections;
        }
      } else if (fd == tfd) {
        uint64_t count;
        if (read(tfd, &count, sizeof count) == sizeof count) expirations += count;
      } else if (fd == sfd) {
        signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) == sizeof si) {
          if (si.ssi_signo != SIGUSR1) {
            printf("eventloop: FAIL signalfd gave signal %u\n", si.ssi_signo);
            failed = true;
          }
          ++signals;
        }
      } else if (fd == efd) {
        uint64_t count;
        if (read(efd, &count, sizeof count) == sizeof count) events += count;
      } else {
        // Edge triggered: read until EAGAIN (or the end).
        for (;;) {
          uint32_t request;
          ssize_t r = read(fd, &request, sizeof request);
          if (r == sizeof request) {
            uint32_t reply = request + 1;
            if (write(fd, &reply, sizeof reply) != sizeof reply) Die("server write");
            ++replies;
            continue;
          }
          if (r < 0 && errno == EAGAIN) break;
          if (r != 0) Die("server read");
          close(fd);  // closing removes it from the epoll set
          --open_connections;
          break;
        }
      }
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      ++exited;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("eventloop: FAIL child %d ended with status 0x%x\n", pid, status);
        failed = true;
      }
    }
    if (exited == children && open_connections == 0 && NowMs() >= deadline) break;
  }
  uint64_t written = 0;
  if (read(report[0], &written, sizeof written) != sizeof written) Die("the writer's report");
  // What the writer added after the loop's last read is still in the eventfd.
  uint64_t rest = 0;
  if (read(efd, &rest, sizeof rest) == sizeof rest) events += rest;
  close(report[0]);
  close(ep);
  close(tfd);
  close(sfd);
  close(efd);
  close(listener);
  const int fds_after = CountFds();

  if (exited != children) {
    printf("eventloop: FAIL %d of %d children ended\n", exited, children);
    failed = true;
  }
  if (open_connections != 0) {
    printf("eventloop: FAIL %d connections never closed\n", open_connections);
    failed = true;
  }
  if (events != written) {
    printf("eventloop: FAIL eventfd sum %llu, the writer added %llu\n",
           static_cast<unsigned long long>(events), static_cast<unsigned long long>(written));
    failed = true;
  }
  if (expirations < static_cast<uint64_t>(g_seconds) * 10) {  // 100 per second expected
    printf("eventloop: FAIL the 10 ms timer fired only %llu times in %d s\n",
           static_cast<unsigned long long>(expirations), g_seconds);
    failed = true;
  }
  if (signals == 0) {
    printf("eventloop: FAIL no SIGUSR1 through the signalfd\n");
    failed = true;
  }
  if (fds_before < 0 || fds_after != fds_before) {
    printf("eventloop: FAIL fds before %d, after %d\n", fds_before, fds_after);
    failed = true;
  }
  printf(
      "eventloop: %s %d s, %d clients: %llu connections, %llu replies, %llu timer "
      "expirations, %llu signals, %llu events, fds %d -> %d\n",
      failed ? "FAIL" : "ok", g_seconds, g_clients, static_cast<unsigned long long>(accepted),
      static_cast<unsigned long long>(replies), static_cast<unsigned long long>(expirations),
      static_cast<unsigned long long>(signals), static_cast<unsigned long long>(events), fds_before,
      fds_after);
  return failed ? 1 : 0;
}
