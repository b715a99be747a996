// POSIX cases for AF_UNIX sockets (unix(7)), modelled on LTP's socket*,
// socketpair*, bind*, connect*, accept*, send*/recv*, sendmsg/recvmsg and
// the SCM_RIGHTS/SCM_CREDENTIALS tests: the host's Linux is the oracle.

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

// musl's CMSG_NXTHDR compares a size_t with a long.
#pragma clang diagnostic ignored "-Wsign-compare"

#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ  // <linux/sockios.h>, which musl does not ship
#endif

namespace posix_test {
namespace {

// A socket path in the scratch directory, relative to it (the absolute
// path under Bazel's TEST_TMPDIR is longer than sun_path's 108 bytes):
// the case's process moves into the directory first.
const char* Here(const char* name) {
  if (chdir(WorkDir()) != 0) return "/nonexistent";
  return name;
}

// A sockaddr_un for a path; *len gets the length to pass.
sockaddr_un PathAddress(const char* path, socklen_t* len) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  strncpy(a.sun_path, path, sizeof a.sun_path - 1);
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + strlen(path) + 1);
  return a;
}

// An abstract name unique to this process ("\0tessera-<pid>-<tag>").
sockaddr_un AbstractAddress(const char* tag, socklen_t* len) {
  // Abstract names are shared by everything in the network namespace: the
  // pid alone collides between suites run at once in sandboxes with their
  // own pid namespaces (each its own pid 2), so a random word joins it.
  static uint32_t nonce = [] {
    uint32_t v = 0;
    if (syscall(SYS_getrandom, &v, sizeof v, 0) != static_cast<long>(sizeof v)) v = 0;
    return v;
  }();
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  int n =
      snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "tessera-%d-%08x-%s", getpid(), nonce, tag);
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + n);
  return a;
}

// A listening stream socket at `path`.
int Listener(const char* path, int type = SOCK_STREAM, int backlog = 8) {
  int s = socket(AF_UNIX, type, 0);
  if (s < 0) return -1;
  socklen_t len;
  sockaddr_un a = PathAddress(path, &len);
  if (bind(s, reinterpret_cast<sockaddr*>(&a), len) != 0) return -1;
  if (type != SOCK_DGRAM && listen(s, backlog) != 0) return -1;
  return s;
}

int ConnectTo(const char* path, int type = SOCK_STREAM) {
  int s = socket(AF_UNIX, type, 0);
  if (s < 0) return -1;
  socklen_t len;
  sockaddr_un a = PathAddress(path, &len);
  if (connect(s, reinterpret_cast<sockaddr*>(&a), len) != 0) {
    close(s);
    return -1;
  }
  return s;
}

const char* SocketpairStreamEcho() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CHECK(write(sv[0], "ping", 4) == 4);
  char buf[8] = {};
  CHECK(read(sv[1], buf, sizeof buf) == 4 && memcmp(buf, "ping", 4) == 0);
  CHECK(send(sv[1], "pong!", 5, 0) == 5);
  CHECK(recv(sv[0], buf, sizeof buf, 0) == 5 && memcmp(buf, "pong!", 5) == 0);
  struct stat st;
  CHECK(fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode));
  int type = 0;
  socklen_t tl = sizeof type;
  CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_STREAM);
  int domain = 0;
  tl = sizeof domain;
  CHECK(getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &domain, &tl) == 0 && domain == AF_UNIX);
  close(sv[0]);
  close(sv[1]);
  return nullptr;
}

const char* StreamIsAByteStream() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CHECK(write(sv[0], "ab", 2) == 2);
  CHECK(write(sv[0], "cd", 2) == 2);
  char buf[8] = {};
  // Two writes arrive as one stream.
  CHECK(read(sv[1], buf, sizeof buf) == 4 && memcmp(buf, "abcd", 4) == 0);
  close(sv[0]);
  close(sv[1]);
  return nullptr;
}

const char* DgramAndSeqpacketKeepBoundaries() {
  const int kTypes[] = {SOCK_DGRAM, SOCK_SEQPACKET};
  for (int type : kTypes) {
    int sv[2];
    CHECK(socketpair(AF_UNIX, type, 0, sv) == 0);
    CHECK(send(sv[0], "one", 3, 0) == 3);
    CHECK(send(sv[0], "second", 6, 0) == 6);
    char buf[16] = {};
    CHECK(recv(sv[1], buf, sizeof buf, 0) == 3 && memcmp(buf, "one", 3) == 0);
    // A short buffer truncates the datagram; MSG_TRUNC reports its length.
    CHECK(recv(sv[1], buf, 2, MSG_PEEK) == 2);
    CHECK(recv(sv[1], buf, 2, MSG_TRUNC) == 6);
    errno = 0;
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN);
    close(sv[0]);
    close(sv[1]);
  }
  return nullptr;
}

const char* RecvmsgReportsMsgTrunc() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
  CHECK(send(sv[0], "abcdef", 6, 0) == 6);
  char buf[3];
  iovec iov{buf, sizeof buf};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  CHECK(recvmsg(sv[1], &m, 0) == 3);
  CHECK((m.msg_flags & MSG_TRUNC) != 0);
  close(sv[0]);
  close(sv[1]);
  return nullptr;
}

const char* PeerCloseGivesEofAndEpipe() {
  signal(SIGPIPE, SIG_IGN);
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CHECK(write(sv[0], "x", 1) == 1);
  CHECK(close(sv[0]) == 0);
  char c;
  CHECK(read(sv[1], &c, 1) == 1 && c == 'x');
  CHECK(read(sv[1], &c, 1) == 0);
  CHECK_ERRNO(write(sv[1], "y", 1), EPIPE);
  pollfd p{sv[1], POLLIN | POLLOUT | POLLRDHUP, 0};
  CHECK(poll(&p, 1, 0) == 1);
  CHECK((p.revents & POLLHUP) && (p.revents & POLLIN) && (p.revents & POLLRDHUP));
  close(sv[1]);
  return nullptr;
}

const char* ClosingWithUnreadDataResetsThePeer() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CHECK(write(sv[1], "unread", 6) == 6);
  CHECK(close(sv[0]) == 0);  // sv[0] never read what sv[1] sent
  char c;
  CHECK_ERRNO(read(sv[1], &c, 1), ECONNRESET);
  CHECK(read(sv[1], &c, 1) == 0);
  close(sv[1]);
  return nullptr;
}

const char* SigpipeUnlessMsgNosignal() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  close(sv[1]);
  CHECK_ERRNO(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    signal(SIGPIPE, SIG_DFL);
    send(sv[0], "x", 1, 0);
    _exit(0);
  }
  int status;
  CHECK(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE);
  close(sv[0]);
  return nullptr;
}

const char* ShutdownSemantics() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CHECK(shutdown(sv[0], SHUT_WR) == 0);
  char c;
  CHECK(read(sv[1], &c, 1) == 0);  // the peer sees EOF
  signal(SIGPIPE, SIG_IGN);
  CHECK_ERRNO(write(sv[0], "x", 1), EPIPE);
  CHECK(write(sv[1], "y", 1) == 1);  // the other direction still works
  CHECK(read(sv[0], &c, 1) == 1 && c == 'y');
  CHECK_ERRNO(shutdown(sv[0], 7), EINVAL);
  int notsock = open("/", O_RDONLY);
  CHECK_ERRNO(shutdown(notsock, SHUT_RD), ENOTSOCK);
  close(notsock);
  close(sv[0]);
  close(sv[1]);
  return nullptr;
}

const char* PathBindListenAcceptConnect() {
  const char* path = Here("sock");
  int l = Listener(path);
  CHECK(l >= 0);
  struct stat st;
  CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
  int acceptconn = 0;
  socklen_t al = sizeof acceptconn;
  CHECK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &acceptconn, &al) == 0 && acceptconn == 1);
  int c = ConnectTo(path);
  CHECK(c >= 0);
  sockaddr_un peer{};
  socklen_t plen = sizeof peer;
  int a = accept(l, reinterpret_cast<sockaddr*>(&peer), &plen);
  CHECK(a >= 0);
  CHECK(plen == offsetof(sockaddr_un, sun_path));  // the client has no name
  CHECK(write(c, "hi", 2) == 2);
  char buf[4] = {};
  CHECK(read(a, buf, sizeof buf) == 2 && memcmp(buf, "hi", 2) == 0);
  // The client's peer name is the listener's path; the accepted socket's
  // own name too.
  sockaddr_un name{};
  socklen_t nlen = sizeof name;
  CHECK(getpeername(c, reinterpret_cast<sockaddr*>(&name), &nlen) == 0);
  CHECK(nlen == offsetof(sockaddr_un, sun_path) + strlen(path) + 1);
  CHECK(strcmp(name.sun_path, path) == 0);
  nlen = sizeof name;
  CHECK(getsockname(a, reinterpret_cast<sockaddr*>(&name), &nlen) == 0);
  CHECK(strcmp(name.sun_path, path) == 0);
  // A second bind of the path: EADDRINUSE; binding a bound socket: EINVAL.
  int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
  socklen_t len;
  sockaddr_un same = PathAddress(path, &len);
  CHECK_ERRNO(bind(s2, reinterpret_cast<sockaddr*>(&same), len), EADDRINUSE);
  sockaddr_un other = PathAddress(Here("sock2"), &len);
  CHECK_ERRNO(bind(l, reinterpret_cast<sockaddr*>(&other), len), EINVAL);
  close(s2);
  close(a);
  close(c);
  close(l);
  unlink(path);
  return nullptr;
}

const char* ConnectRefusedAndMissing() {
  const char* path = Here("nolistener");
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(s >= 0);
  socklen_t len;
  sockaddr_un a = PathAddress(path, &len);
  CHECK_ERRNO(connect(s, reinterpret_cast<sockaddr*>(&a), len), ENOENT);
  // A bound socket that does not listen refuses.
  int b = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(bind(b, reinterpret_cast<sockaddr*>(&a), len) == 0);
  CHECK_ERRNO(connect(s, reinterpret_cast<sockaddr*>(&a), len), ECONNREFUSED);
  close(b);
  // The node stays after its socket closed: still refused.
  CHECK_ERRNO(connect(s, reinterpret_cast<sockaddr*>(&a), len), ECONNREFUSED);
  unlink(path);
  // A regular file is not a socket.
  CHECK(WriteFile(path, "x", 1, 0644));
  CHECK_ERRNO(connect(s, reinterpret_cast<sockaddr*>(&a), len), ECONNREFUSED);
  unlink(path);
  // An abstract name nobody holds.
  sockaddr_un ab = AbstractAddress("nobody", &len);
  CHECK_ERRNO(connect(s, reinterpret_cast<sockaddr*>(&ab), len), ECONNREFUSED);
  close(s);
  return nullptr;
}

const char* AbstractNamespace() {
  socklen_t len;
  sockaddr_un a = AbstractAddress("abs", &len);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(bind(l, reinterpret_cast<sockaddr*>(&a), len) == 0);
  CHECK(listen(l, 4) == 0);
  sockaddr_un name{};
  socklen_t nlen = sizeof name;
  CHECK(getsockname(l, reinterpret_cast<sockaddr*>(&name), &nlen) == 0);
  CHECK(nlen == len && name.sun_path[0] == 0);
  CHECK(memcmp(name.sun_path, a.sun_path, len - offsetof(sockaddr_un, sun_path)) == 0);
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(connect(c, reinterpret_cast<sockaddr*>(&a), len) == 0);
  int s = accept(l, nullptr, nullptr);
  CHECK(s >= 0);
  CHECK(write(s, "abc", 3) == 3);
  char buf[4] = {};
  CHECK(read(c, buf, 3) == 3);
  int dup_bind = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK_ERRNO(bind(dup_bind, reinterpret_cast<sockaddr*>(&a), len), EADDRINUSE);
  close(l);
  // The name is free once its socket closed.
  CHECK(bind(dup_bind, reinterpret_cast<sockaddr*>(&a), len) == 0);
  close(dup_bind);
  close(s);
  close(c);
  return nullptr;
}

const char* AutobindPicksAnAbstractName() {
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  CHECK(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(sa_family_t)) == 0);
  sockaddr_un name{};
  socklen_t nlen = sizeof name;
  CHECK(getsockname(s, reinterpret_cast<sockaddr*>(&name), &nlen) == 0);
  CHECK(nlen == offsetof(sockaddr_un, sun_path) + 6);  // NUL + five hex digits
  CHECK(name.sun_path[0] == 0);
  close(s);
  return nullptr;
}

const char* PasscredSenderIsAutobound() {
  const char* path = Here("passcred-server");
  int server = Listener(path, SOCK_DGRAM);
  CHECK(server >= 0);
  int client = socket(AF_UNIX, SOCK_DGRAM, 0);
  int one = 1;
  CHECK(setsockopt(client, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) == 0);
  socklen_t len;
  sockaddr_un to = PathAddress(path, &len);
  CHECK(sendto(client, "q", 1, 0, reinterpret_cast<sockaddr*>(&to), len) == 1);
  sockaddr_un from{};
  socklen_t flen = sizeof from;
  char c;
  CHECK(recvfrom(server, &c, 1, 0, reinterpret_cast<sockaddr*>(&from), &flen) == 1);
  // The sender got an abstract name on the way, so a reply can reach it.
  CHECK(flen == offsetof(sockaddr_un, sun_path) + 6 && from.sun_path[0] == 0);
  CHECK(sendto(server, "r", 1, 0, reinterpret_cast<sockaddr*>(&from), flen) == 1);
  CHECK(recv(client, &c, 1, 0) == 1 && c == 'r');
  close(client);
  close(server);
  unlink(path);
  return nullptr;
}

const char* DgramSendtoRecvfrom() {
  const char* spath = Here("dgram-server");
  const char* cpath = Here("dgram-client");
  int server = Listener(spath, SOCK_DGRAM);
  CHECK(server >= 0);
  int client = Listener(cpath, SOCK_DGRAM);
  CHECK(client >= 0);
  socklen_t len;
  sockaddr_un to = PathAddress(spath, &len);
  CHECK(sendto(client, "req", 3, 0, reinterpret_cast<sockaddr*>(&to), len) == 3);
  char buf[8] = {};
  sockaddr_un from{};
  socklen_t flen = sizeof from;
  CHECK(recvfrom(server, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &flen) == 3);
  CHECK(strcmp(from.sun_path, cpath) == 0);
  CHECK(sendto(server, "rep", 3, 0, reinterpret_cast<sockaddr*>(&from), flen) == 3);
  CHECK(recv(client, buf, sizeof buf, 0) == 3 && memcmp(buf, "rep", 3) == 0);
  // Unconnected and no address: ENOTCONN.
  CHECK_ERRNO(send(client, "x", 1, 0), ENOTCONN);
  // Connected: send goes to the peer; the peer's closing refuses.
  CHECK(connect(client, reinterpret_cast<sockaddr*>(&to), len) == 0);
  CHECK(send(client, "y", 1, 0) == 1);
  CHECK(recv(server, buf, sizeof buf, 0) == 1);
  close(server);
  CHECK_ERRNO(send(client, "z", 1, 0), ECONNREFUSED);
  close(client);
  unlink(spath);
  unlink(cpath);
  return nullptr;
}

const char* DgramQueueFillsUp() {
  // A receiver holds a bounded number of datagrams from unconnected
  // senders; then a nonblocking sender gets EAGAIN.
  const char* path = Here("dgram-full");
  int r = Listener(path, SOCK_DGRAM);
  CHECK(r >= 0);
  int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  socklen_t len;
  sockaddr_un to = PathAddress(path, &len);
  int sent = 0;
  while (sent < 100000) {
    if (sendto(s, "d", 1, 0, reinterpret_cast<sockaddr*>(&to), len) != 1) break;
    ++sent;
  }
  CHECK(errno == EAGAIN);
  CHECK(sent > 0 && sent < 1000);
  char c;
  CHECK(recv(r, &c, 1, 0) == 1);  // room again
  CHECK(sendto(s, "d", 1, 0, reinterpret_cast<sockaddr*>(&to), len) == 1);
  close(s);
  close(r);
  unlink(path);
  return nullptr;
}

const char* StreamBufferLimitBlocksWriters() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CHECK(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
  static char chunk[4096];
  long total = 0;
  for (;;) {
    ssize_t n = write(sv[0], chunk, sizeof chunk);
    if (n < 0) break;
    total += n;
    if (total > 64L * 1024 * 1024) break;
  }
  CHECK(errno == EAGAIN);
  CHECK(total > 4096 && total < 16L * 1024 * 1024);
  pollfd p{sv[0], POLLOUT, 0};
  CHECK(poll(&p, 1, 0) == 0);  // not writable while full
  int queued = 0;
  CHECK(ioctl(sv[1], FIONREAD, &queued) == 0 && queued == total);
  int outq = 0;
  // Linux counts its buffers' overhead too.
  CHECK(ioctl(sv[0], SIOCOUTQ, &outq) == 0 && outq >= total);
  // A blocked writer in a child finishes once the reader drains.
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    fcntl(sv[0], F_SETFL, 0);
    _exit(write(sv[0], chunk, sizeof chunk) == static_cast<ssize_t>(sizeof chunk) ? 0 : 1);
  }
  static char sink[65536];
  long drained = 0;
  while (drained < total + static_cast<long>(sizeof chunk)) {
    ssize_t n = read(sv[1], sink, sizeof sink);
    CHECK(n > 0);
    drained += static_cast<long>(n);
  }
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(sv[0]);
  close(sv[1]);
  return nullptr;
}

const char* LargeStreamTransferAcrossFork() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  const long kTotal = 4L * 1024 * 1024;
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    close(sv[1]);
    static unsigned char buf[65536];
    long sent = 0;
    while (sent < kTotal) {
      for (size_t i = 0; i < sizeof buf; ++i) buf[i] = static_cast<unsigned char>((sent + i) * 7);
      ssize_t n = write(sv[0], buf, sizeof buf);
      if (n <= 0) _exit(1);
      // A short write resends the rest next round.
      sent += n;
      if (n != static_cast<ssize_t>(sizeof buf)) _exit(2);
    }
    _exit(0);
  }
  close(sv[0]);
  static unsigned char buf[10000];
  long got = 0;
  while (got < kTotal) {
    ssize_t n = read(sv[1], buf, sizeof buf);
    CHECK(n > 0);
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] != static_cast<unsigned char>((got + i) * 7)) return Fail("byte %ld", got + i);
    }
    got += n;
  }
  char c;
  CHECK(read(sv[1], &c, 1) == 0);
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(sv[1]);
  return nullptr;
}

const char* MsgWaitallAndPeek() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    for (int i = 0; i < 4; ++i) {
      write(sv[0], "ab", 2);
      usleep(20000);
    }
    _exit(0);
  }
  char buf[8] = {};
  CHECK(recv(sv[1], buf, 8, MSG_WAITALL) == 8);
  CHECK(memcmp(buf, "abababab", 8) == 0);
  waitpid(child, nullptr, 0);
  CHECK(write(sv[0], "xyz", 3) == 3);
  CHECK(recv(sv[1], buf, 2, MSG_PEEK) == 2 && memcmp(buf, "xy", 2) == 0);
  CHECK(recv(sv[1], buf, 8, 0) == 3 && memcmp(buf, "xyz", 3) == 0);
  close(sv[0]);
  close(sv[1]);
  return nullptr;
}

// Sends fds over `s` with SCM_RIGHTS and one data byte.
int SendFds(int s, const int* fds, int n) {
  char byte = 'F';
  iovec iov{&byte, 1};
  char control[CMSG_SPACE(sizeof(int) * 8)] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * n);
  memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
  return static_cast<int>(sendmsg(s, &m, 0));
}

// Receives up to `max` fds; returns how many (or -1), flags into *flags.
int ReceiveFds(int s, int* fds, int max, int recv_flags, int* msg_flags) {
  char byte;
  iovec iov{&byte, 1};
  char control[CMSG_SPACE(sizeof(int) * 8)] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = CMSG_LEN(sizeof(int) * max);  // room for exactly `max`
  if (recvmsg(s, &m, recv_flags) != 1) return -1;
  *msg_flags = m.msg_flags;
  int n = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int k = static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      memcpy(fds + n, CMSG_DATA(c), sizeof(int) * k);
      n += k;
    }
  }
  return n;
}

const char* ScmRightsPassesAPipeAcrossFork() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    close(sv[0]);
    int fd = -1, flags = 0;
    if (ReceiveFds(sv[1], &fd, 1, MSG_CMSG_CLOEXEC, &flags) != 1) _exit(1);
    if ((fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0) _exit(2);
    if (write(fd, "via-fd", 6) != 6) _exit(3);
    _exit(0);
  }
  close(sv[1]);
  int p[2];
  CHECK(pipe(p) == 0);
  CHECK(SendFds(sv[0], &p[1], 1) == 1);
  close(p[1]);  // the only write end left is the child's copy
  char buf[8] = {};
  CHECK(read(p[0], buf, sizeof buf) == 6 && memcmp(buf, "via-fd", 6) == 0);
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(read(p[0], buf, 1) == 0);  // every write end is gone
  close(p[0]);
  close(sv[0]);
  return nullptr;
}

const char* ScmRightsPassesASocket() {
  int sv[2], inner[2];
  CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, inner) == 0);
  CHECK(SendFds(sv[0], &inner[1], 1) == 1);
  close(inner[1]);
  int got = -1, flags = 0;
  CHECK(ReceiveFds(sv[1], &got, 1, 0, &flags) == 1);
  CHECK(write(got, "s", 1) == 1);
  char c;
  CHECK(read(inner[0], &c, 1) == 1 && c == 's');
  close(got);
  CHECK(read(inner[0], &c, 1) == 0);
  close(inner[0]);
  close(sv[0]);
  close(sv[1]);
  return nullptr;
}

const char* InFlightFdsAreReleasedWithTheSocket() {
  int sv[2], p[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CHECK(pipe(p) == 0);
  CHECK(SendFds(sv[0], &p[1], 1) == 1);
  close(p[1]);
  close(sv[0]);
  close(sv[1]);  // the message with the write end was never received
  char c;
  CHECK(read(p[0], &c, 1) == 0);  // so the write end is closed: EOF
  close(p[0]);
  return nullptr;
}

const char* SocketsPassedInACycleAreCollected() {
  // A's file waits in a message at B, B's at A, and a pipe's write end
  // rides along; once the fds are closed only the cycle holds them. The
  // collector (run when another unix socket closes) frees the cycle, so
  // the pipe's reader sees EOF.
  int sv[2], p[2];
  CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
  CHECK(pipe(p) == 0);
  int a_and_pipe[2] = {sv[0], p[1]};
  CHECK(SendFds(sv[0], a_and_pipe, 2) == 1);  // queued at sv[1]
  CHECK(SendFds(sv[1], &sv[1], 1) == 1);      // queued at sv[0]
  close(p[1]);
  close(sv[0]);
  close(sv[1]);
  pollfd pf{p[0], POLLIN, 0};
  bool eof = false;
  for (int round = 0; round < 50 && !eof; ++round) {
    int t[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, t) == 0);
    close(t[0]);
    close(t[1]);  // a release: the collector runs (Linux: in a worker)
    if (poll(&pf, 1, 100) == 1) {
      char c;
      eof = read(p[0], &c, 1) == 0;
    }
  }
  CHECK(eof);
  close(p[0]);
  return nullptr;
}

const char* ScmRightsTruncationAndErrors() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
  int fds[3] = {0, 1, 2};
  CHECK(SendFds(sv[0], fds, 3) == 1);
  int got[3] = {-1, -1, -1}, flags = 0;
  CHECK(ReceiveFds(sv[1], got, 1, 0, &flags) == 1);  // room for one
  CHECK((flags & MSG_CTRUNC) != 0);
  close(got[0]);
  int bad = 999;
  CHECK_ERRNO(SendFds(sv[0], &bad, 1), EBADF);
  // A control message whose length runs past the buffer.
  char byte = 'x';
  iovec iov{&byte, 1};
  char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = sizeof control + 64;
  CHECK_ERRNO(sendmsg(sv[0], &m, 0), EINVAL);
  // More than SCM_MAX_FD (253) files.
  static char big[CMSG_SPACE(sizeof(int) * 254)];
  memset(big, 0, sizeof big);
  m.msg_control = big;
  m.msg_controllen = sizeof big;
  c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * 254);
  int* slots = reinterpret_cast<int*>(CMSG_DATA(c));
  for (int i = 0; i < 254; ++i) slots[i] = 0;
  // musl's sendmsg refuses a control buffer this big with ENOMEM itself:
  // ask the kernel directly.
  CHECK_ERRNO(syscall(SYS_sendmsg, sv[0], &m, 0), EINVAL);
  close(sv[0]);
  close(sv[1]);
  return nullptr;
}

const char* CredentialsAndPeercred() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  ucred peer{};
  socklen_t len = sizeof peer;
  CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &peer, &len) == 0);
  CHECK(len == sizeof peer && peer.pid == getpid() && peer.uid == getuid());
  int one = 1;
  CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) == 0);
  CHECK(write(sv[0], "c", 1) == 1);
  char byte;
  iovec iov{&byte, 1};
  char control[CMSG_SPACE(sizeof(ucred))] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  CHECK(recvmsg(sv[1], &m, 0) == 1);
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  CHECK(c != nullptr && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS);
  ucred got;
  memcpy(&got, CMSG_DATA(c), sizeof got);
  CHECK(got.pid == getpid() && got.uid == getuid() && got.gid == getgid());
  close(sv[0]);
  close(sv[1]);
  return nullptr;
}

const char* BacklogFullGivesEagain() {
  const char* path = Here("backlog");
  int l = Listener(path, SOCK_STREAM, 0);
  CHECK(l >= 0);
  int clients[8];
  int connected = 0;
  for (int i = 0; i < 8; ++i) {
    clients[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    socklen_t len;
    sockaddr_un a = PathAddress(path, &len);
    if (connect(clients[i], reinterpret_cast<sockaddr*>(&a), len) != 0) {
      CHECK(errno == EAGAIN);
      break;
    }
    ++connected;
  }
  CHECK(connected >= 1 && connected < 8);
  int s = accept(l, nullptr, nullptr);
  CHECK(s >= 0);
  close(s);
  for (int i = 0; i <= connected && i < 8; ++i) close(clients[i]);
  close(l);
  unlink(path);
  return nullptr;
}

const char* BlockedSendersWakeWhenTheReceiverCloses() {
  // A datagram receiver whose queue is full, and a listener whose backlog
  // is full: a blocked sendto / connect returns ECONNREFUSED once the
  // receiving socket is closed.
  socklen_t len;
  sockaddr_un d = AbstractAddress("full-dgram", &len);
  int r = socket(AF_UNIX, SOCK_DGRAM, 0);
  CHECK(bind(r, reinterpret_cast<sockaddr*>(&d), len) == 0);
  int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  while (sendto(s, "x", 1, 0, reinterpret_cast<sockaddr*>(&d), len) == 1) {
  }
  CHECK(errno == EAGAIN);
  sockaddr_un l = AbstractAddress("full-listener", &len);
  int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(bind(listener, reinterpret_cast<sockaddr*>(&l), len) == 0);
  CHECK(listen(listener, 0) == 0);
  int first = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int second = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  CHECK(connect(first, reinterpret_cast<sockaddr*>(&l), len) == 0);
  // Linux takes backlog + 1 connections; one more is refused for now.
  while (connect(second, reinterpret_cast<sockaddr*>(&l), len) == 0) {
    close(second);
    second = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  }
  CHECK(errno == EAGAIN);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    alarm(10);
    close(r);  // the parent's close must be the last one
    close(listener);
    fcntl(s, F_SETFL, 0);
    socklen_t dl;
    sockaddr_un dd = AbstractAddress("full-dgram", &dl);
    // (the abstract names carry the parent's pid: rebuild them from it)
    int n = snprintf(dd.sun_path + 1, sizeof dd.sun_path - 1, "tessera-%d-full-dgram", getppid());
    dl = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + n);
    if (sendto(s, "y", 1, 0, reinterpret_cast<sockaddr*>(&dd), dl) != -1 || errno != ECONNREFUSED)
      _exit(1);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un ll{};
    ll.sun_family = AF_UNIX;
    n = snprintf(ll.sun_path + 1, sizeof ll.sun_path - 1, "tessera-%d-full-listener", getppid());
    socklen_t lcl = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + n);
    if (connect(c, reinterpret_cast<sockaddr*>(&ll), lcl) != -1 || errno != ECONNREFUSED) _exit(2);
    _exit(0);
  }
  SleepMs(300);  // the child blocks in sendto, then in connect
  close(r);
  SleepMs(300);
  close(listener);
  int status;
  CHECK(waitpid(child, &status, 0) == child);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return Fail("child status %#x", status);
  close(s);
  close(first);
  close(second);
  return nullptr;
}

const char* AcceptNonblockingAndFlags() {
  const char* path = Here("accept4");
  int l = Listener(path);
  CHECK(l >= 0);
  CHECK(fcntl(l, F_SETFL, O_NONBLOCK) == 0);
  CHECK_ERRNO(accept(l, nullptr, nullptr), EAGAIN);
  int c = ConnectTo(path);
  CHECK(c >= 0);
  pollfd p{l, POLLIN, 0};
  CHECK(poll(&p, 1, 1000) == 1 && (p.revents & POLLIN));
  int a = accept4(l, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  CHECK(a >= 0);
  CHECK((fcntl(a, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK((fcntl(a, F_GETFL) & O_NONBLOCK) != 0);
  // accept on a socket that does not listen.
  CHECK_ERRNO(accept(c, nullptr, nullptr), EINVAL);
  CHECK_ERRNO(listen(c, 1), EINVAL);  // connected
  close(a);
  close(c);
  close(l);
  unlink(path);
  return nullptr;
}

const char* SocketFlagsAndRefusals() {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  CHECK(s >= 0);
  CHECK((fcntl(s, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK((fcntl(s, F_GETFL) & O_NONBLOCK) != 0);
  close(s);
  CHECK_ERRNO(socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT);
  // Linux takes SOCK_RAW as SOCK_DGRAM.
  int raw = socket(AF_UNIX, SOCK_RAW, 0);
  CHECK(raw >= 0);
  int type = 0;
  socklen_t tl = sizeof type;
  CHECK(getsockopt(raw, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_DGRAM);
  close(raw);
  CHECK_ERRNO(socket(AF_UNIX, SOCK_STREAM, 99), EPROTONOSUPPORT);
  CHECK_ERRNO(socket(AF_UNIX, SOCK_STREAM | 0x10000000, 0), EINVAL);
  CHECK_ERRNO(socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT);
  int sv[2];
  CHECK_ERRNO(socketpair(AF_UNIX, SOCK_STREAM, 0, reinterpret_cast<int*>(8)), EFAULT);
  CHECK_ERRNO(getsockopt(0, SOL_SOCKET, SO_TYPE, sv, nullptr), ENOTSOCK);
  return nullptr;
}

const char* GarbageAddressesAndLengths() {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  CHECK_ERRNO(bind(s, reinterpret_cast<sockaddr*>(&a), 1), EINVAL);
  CHECK_ERRNO(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a + 1), EINVAL);
  CHECK_ERRNO(bind(s, reinterpret_cast<sockaddr*>(&a), -1), EINVAL);
  CHECK_ERRNO(bind(s, reinterpret_cast<sockaddr*>(8), 20), EFAULT);
  a.sun_family = AF_INET;
  strcpy(a.sun_path, "/x");
  CHECK_ERRNO(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), EINVAL);
  a.sun_family = AF_UNIX;
  CHECK_ERRNO(connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(sa_family_t)), EINVAL);
  socklen_t bad_len = static_cast<socklen_t>(-5);
  CHECK_ERRNO(getsockname(s, reinterpret_cast<sockaddr*>(&a), &bad_len), EINVAL);
  CHECK_ERRNO(getpeername(s, reinterpret_cast<sockaddr*>(&a), &bad_len), ENOTCONN);
  CHECK_ERRNO(getsockname(s, reinterpret_cast<sockaddr*>(&a), nullptr), EFAULT);
  // musl's sendmsg copies the msghdr itself: ask the kernel directly.
  CHECK_ERRNO(syscall(SYS_sendmsg, s, 8L, 0L), EFAULT);
  CHECK_ERRNO(syscall(SYS_recvmsg, s, 8L, 0L), EFAULT);
  int opt = 0;
  CHECK_ERRNO(setsockopt(s, SOL_SOCKET, 9999, &opt, sizeof opt), ENOPROTOOPT);
  CHECK_ERRNO(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &opt, 1), EINVAL);
  close(s);
  return nullptr;
}

const char* ReceiveTimeoutGivesEagain() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  timeval tv{0, 50000};
  CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
  timeval back{};
  socklen_t len = sizeof back;
  CHECK(getsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &back, &len) == 0);
  CHECK(back.tv_sec == 0 && back.tv_usec >= 40000 && back.tv_usec <= 60000);
  char c;
  CHECK_ERRNO(read(sv[1], &c, 1), EAGAIN);
  timeval wrong{0, 2000000};
  CHECK_ERRNO(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &wrong, sizeof wrong), EDOM);
  close(sv[0]);
  close(sv[1]);
  return nullptr;
}

const char* BufferOptionsDoubleAsLinux() {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  int v = 65536;
  CHECK(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v) == 0);
  int got = 0;
  socklen_t len = sizeof got;
  CHECK(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &got, &len) == 0 && got == 2 * 65536);
  v = 1;
  CHECK(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v) == 0);
  len = sizeof got;
  CHECK(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0 && got == 2304);
  int err = -1;
  len = sizeof err;
  CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0);
  linger l{1, 5};
  CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof l) == 0);
  linger lb{};
  len = sizeof lb;
  CHECK(getsockopt(s, SOL_SOCKET, SO_LINGER, &lb, &len) == 0 && lb.l_onoff == 1 &&
        lb.l_linger == 5);
  close(s);
  return nullptr;
}

const char* SendmmsgRecvmmsg() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
  char a[] = "one", b[] = "three";
  iovec iov[2] = {{a, 3}, {b, 5}};
  mmsghdr out[2] = {};
  out[0].msg_hdr.msg_iov = &iov[0];
  out[0].msg_hdr.msg_iovlen = 1;
  out[1].msg_hdr.msg_iov = &iov[1];
  out[1].msg_hdr.msg_iovlen = 1;
  CHECK(sendmmsg(sv[0], out, 2, 0) == 2);
  CHECK(out[0].msg_len == 3 && out[1].msg_len == 5);
  char r1[8], r2[8];
  iovec riov[2] = {{r1, sizeof r1}, {r2, sizeof r2}};
  mmsghdr in[2] = {};
  in[0].msg_hdr.msg_iov = &riov[0];
  in[0].msg_hdr.msg_iovlen = 1;
  in[1].msg_hdr.msg_iov = &riov[1];
  in[1].msg_hdr.msg_iovlen = 1;
  CHECK(recvmmsg(sv[1], in, 2, MSG_WAITFORONE, nullptr) == 2);
  CHECK(in[0].msg_len == 3 && in[1].msg_len == 5 && memcmp(r2, "three", 5) == 0);
  close(sv[0]);
  close(sv[1]);
  return nullptr;
}

const char* ScatterGatherSendmsg() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
  char a[] = "hel", b[] = "lo";
  iovec iov[2] = {{a, 3}, {b, 2}};
  msghdr m{};
  m.msg_iov = iov;
  m.msg_iovlen = 2;
  CHECK(sendmsg(sv[0], &m, 0) == 5);
  char x[2], y[8] = {};
  iovec riov[2] = {{x, 2}, {y, 8}};
  msghdr r{};
  r.msg_iov = riov;
  r.msg_iovlen = 2;
  CHECK(recvmsg(sv[1], &r, 0) == 5);
  CHECK(memcmp(x, "he", 2) == 0 && memcmp(y, "llo", 3) == 0);
  close(sv[0]);
  close(sv[1]);
  return nullptr;
}

const char* PollReadinessOfSockets() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  pollfd p{sv[1], POLLIN | POLLOUT, 0};
  CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLOUT);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    usleep(50000);
    write(sv[0], "w", 1);
    _exit(0);
  }
  p.events = POLLIN;
  CHECK(poll(&p, 1, 5000) == 1 && (p.revents & POLLIN));
  waitpid(child, nullptr, 0);
  // An unconnected stream socket polls as hung up (and writable).
  int u = socket(AF_UNIX, SOCK_STREAM, 0);
  pollfd q{u, POLLIN | POLLOUT, 0};
  CHECK(poll(&q, 1, 0) == 1 && (q.revents & POLLHUP) && (q.revents & POLLOUT));
  close(u);
  close(sv[0]);
  close(sv[1]);
  return nullptr;
}

const char* EpollEdgePerArrivalOnSockets() {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  int ep = epoll_create1(0);
  CHECK(ep >= 0);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.fd = sv[1];
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev) == 0);
  epoll_event out;
  CHECK(write(sv[0], "a", 1) == 1);
  CHECK(epoll_wait(ep, &out, 1, 1000) == 1 && out.data.fd == sv[1]);
  CHECK(epoll_wait(ep, &out, 1, 0) == 0);  // no new edge without new data
  // More data while still readable: a new edge, as Linux gives one per arrival.
  CHECK(write(sv[0], "b", 1) == 1);
  CHECK(epoll_wait(ep, &out, 1, 1000) == 1);
  // A connection arriving at a listener is an edge too; hang-up as well.
  close(sv[0]);
  CHECK(epoll_wait(ep, &out, 1, 1000) == 1 && (out.events & EPOLLIN));
  close(ep);
  close(sv[1]);
  return nullptr;
}

const char* ProcNetUnixListsBoundSockets() {
  const char* path = Here("procnet");
  int l = Listener(path);
  CHECK(l >= 0);
  int fd = open("/proc/net/unix", O_RDONLY);
  CHECK(fd >= 0);
  static char text[1 << 16];
  ssize_t n = ReadAll(fd, text, sizeof text);
  close(fd);
  CHECK(n > 0);
  CHECK(strncmp(text, "Num       RefCount Protocol Flags    Type St Inode Path", 55) == 0);
  struct stat st;
  CHECK(fstat(l, &st) == 0);
  char inode[32];
  snprintf(inode, sizeof inode, " %lu %s\n", static_cast<unsigned long>(st.st_ino), path);
  CHECK(strstr(text, inode) != nullptr);
  // A listener: flags __SO_ACCEPTCON (00010000), type 0001, state 01.
  const char* line = strstr(text, inode);
  while (line > text && line[-1] != '\n') --line;
  CHECK(strstr(line, " 00010000 0001 01 ") != nullptr);
  close(l);
  unlink(path);
  return nullptr;
}

}  // namespace

const Case kSocketCases[] = {
    {"socketpair_stream_echo", SocketpairStreamEcho},
    {"stream_is_a_byte_stream", StreamIsAByteStream},
    {"dgram_seqpacket_boundaries", DgramAndSeqpacketKeepBoundaries},
    {"recvmsg_msg_trunc", RecvmsgReportsMsgTrunc},
    {"peer_close_eof_epipe", PeerCloseGivesEofAndEpipe},
    {"close_with_unread_data_resets", ClosingWithUnreadDataResetsThePeer},
    {"sigpipe_unless_msg_nosignal", SigpipeUnlessMsgNosignal},
    {"shutdown_semantics", ShutdownSemantics},
    {"path_bind_listen_accept", PathBindListenAcceptConnect},
    {"connect_refused_and_missing", ConnectRefusedAndMissing},
    {"abstract_namespace", AbstractNamespace},
    {"autobind", AutobindPicksAnAbstractName},
    {"dgram_sendto_recvfrom", DgramSendtoRecvfrom},
    {"passcred_sender_autobound", PasscredSenderIsAutobound},
    {"dgram_queue_fills_up", DgramQueueFillsUp},
    {"stream_buffer_limit_blocks", StreamBufferLimitBlocksWriters},
    {"large_stream_transfer", LargeStreamTransferAcrossFork},
    {"msg_waitall_and_peek", MsgWaitallAndPeek},
    {"scm_rights_pipe_across_fork", ScmRightsPassesAPipeAcrossFork},
    {"scm_rights_socket", ScmRightsPassesASocket},
    {"in_flight_fds_released", InFlightFdsAreReleasedWithTheSocket},
    {"scm_rights_truncation_errors", ScmRightsTruncationAndErrors},
    {"sockets_in_a_cycle_collected", SocketsPassedInACycleAreCollected},
    {"credentials_and_peercred", CredentialsAndPeercred},
    {"backlog_full_eagain", BacklogFullGivesEagain},
    {"accept_nonblocking_flags", AcceptNonblockingAndFlags},
    {"blocked_senders_wake_on_close", BlockedSendersWakeWhenTheReceiverCloses},
    {"socket_flags_and_refusals", SocketFlagsAndRefusals},
    {"garbage_addresses", GarbageAddressesAndLengths},
    {"receive_timeout_eagain", ReceiveTimeoutGivesEagain},
    {"buffer_options", BufferOptionsDoubleAsLinux},
    {"sendmmsg_recvmmsg", SendmmsgRecvmmsg},
    {"scatter_gather_sendmsg", ScatterGatherSendmsg},
    {"poll_socket_readiness", PollReadinessOfSockets},
    {"epoll_edge_per_arrival", EpollEdgePerArrivalOnSockets},
    {"proc_net_unix", ProcNetUnixListsBoundSockets},
};
const int kSocketCaseCount = sizeof kSocketCases / sizeof kSocketCases[0];

}  // namespace posix_test
