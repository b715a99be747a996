// POSIX cases for AF_INET and AF_INET6 sockets on the loopback (ip(7),
// tcp(7), udp(7), ipv6(7)): the host's Linux is the oracle. On Tessera they
// need the network server (posix_iso carries net_server; the loopback needs
// no NIC).

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

sockaddr_in Loopback4(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

sockaddr* Sa(void* a) { return static_cast<sockaddr*>(a); }

// A TCP listener on 127.0.0.1 with a port the system picked; *port gets it.
int Listener4(uint16_t* port, int backlog = 8) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return -1;
  sockaddr_in a = Loopback4(0);
  if (bind(s, Sa(&a), sizeof a) != 0 || listen(s, backlog) != 0) return -1;
  socklen_t len = sizeof a;
  if (getsockname(s, Sa(&a), &len) != 0) return -1;
  *port = ntohs(a.sin_port);
  return s;
}

int Connect4(uint16_t port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return -1;
  sockaddr_in a = Loopback4(port);
  if (connect(s, Sa(&a), sizeof a) != 0) {
    close(s);
    return -1;
  }
  return s;
}

// A port nobody listens on: bound, then closed without listening.
uint16_t UnusedPort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = Loopback4(0);
  socklen_t len = sizeof a;
  if (s < 0 || bind(s, Sa(&a), sizeof a) != 0 || getsockname(s, Sa(&a), &len) != 0) return 1;
  close(s);
  return ntohs(a.sin_port);
}

const char* TcpLoopbackConnectAcceptEcho() {
  uint16_t port = 0;
  int l = Listener4(&port);
  CHECK(l >= 0 && port != 0);
  int c = Connect4(port);
  CHECK(c >= 0);
  sockaddr_in to = Loopback4(port);
  CHECK_ERRNO(connect(c, Sa(&to), sizeof to), EISCONN);  // a blocking connect finished
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  int a = accept(l, Sa(&peer), &len);
  CHECK(a >= 0);
  CHECK(len == sizeof peer && peer.sin_family == AF_INET &&
        peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
  // The accepted socket's peer is the client's local name.
  sockaddr_in mine{};
  len = sizeof mine;
  CHECK(getsockname(c, Sa(&mine), &len) == 0 && mine.sin_port == peer.sin_port);
  CHECK(write(c, "hello", 5) == 5);
  char buf[16] = {};
  CHECK(read(a, buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0);
  CHECK(send(a, "world!", 6, 0) == 6);
  char six[6];
  CHECK(recv(c, six, sizeof six, MSG_WAITALL) == 6 && memcmp(six, "world!", 6) == 0);
  close(a);
  close(c);
  close(l);
  return nullptr;
}

const char* TcpLargeTransferAndEof() {
  uint16_t port = 0;
  int l = Listener4(&port);
  CHECK(l >= 0);
  constexpr size_t kBytes = 3 << 20;
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    int c = Connect4(port);
    if (c < 0) _exit(1);
    static uint8_t chunk[8192];
    size_t sent = 0;
    while (sent < kBytes) {
      for (size_t i = 0; i < sizeof chunk; ++i) chunk[i] = static_cast<uint8_t>((sent + i) * 31);
      ssize_t n = write(c, chunk, sizeof chunk);
      if (n <= 0) _exit(2);
      sent += static_cast<size_t>(n);
      if (static_cast<size_t>(n) != sizeof chunk) _exit(3);  // a blocking stream sends all
    }
    shutdown(c, SHUT_WR);
    char b;
    _exit(read(c, &b, 1) == 0 ? 0 : 4);  // the server closes after EOF
  }
  int a = accept(l, nullptr, nullptr);
  CHECK(a >= 0);
  static uint8_t buf[65536];
  size_t got = 0;
  bool same = true;
  for (;;) {
    ssize_t n = read(a, buf, sizeof buf);
    CHECK(n >= 0);
    if (n == 0) break;
    for (ssize_t i = 0; i < n; ++i) same = same && buf[i] == static_cast<uint8_t>((got + i) * 31);
    got += static_cast<size_t>(n);
  }
  CHECK(got == kBytes && same);
  close(a);
  int status = 0;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(l);
  return nullptr;
}

const char* TcpConnectRefusedBlockingAndNonblocking() {
  uint16_t port = UnusedPort();
  int s = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(s >= 0);
  sockaddr_in a = Loopback4(port);
  CHECK_ERRNO(connect(s, Sa(&a), sizeof a), ECONNREFUSED);
  close(s);
  s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  CHECK(s >= 0);
  int r = connect(s, Sa(&a), sizeof a);
  CHECK(r == -1 && (errno == EINPROGRESS || errno == ECONNREFUSED));
  if (errno == EINPROGRESS) {
    pollfd p{s, POLLOUT, 0};
    CHECK(poll(&p, 1, 5000) == 1 && (p.revents & (POLLOUT | POLLERR)) != 0);
    int error = 0;
    socklen_t len = sizeof error;
    CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == ECONNREFUSED);
    // SO_ERROR is cleared by reading it.
    CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0);
  }
  close(s);
  return nullptr;
}

const char* TcpNonblockingConnectThenAccept() {
  uint16_t port = 0;
  int l = Listener4(&port);
  CHECK(l >= 0);
  CHECK(fcntl(l, F_SETFL, O_NONBLOCK) == 0);
  CHECK_ERRNO(accept(l, nullptr, nullptr), EAGAIN);
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  CHECK(s >= 0);
  sockaddr_in a = Loopback4(port);
  int r = connect(s, Sa(&a), sizeof a);
  CHECK(r == 0 || errno == EINPROGRESS);
  pollfd p{s, POLLOUT, 0};
  CHECK(poll(&p, 1, 5000) == 1 && (p.revents & POLLOUT) != 0);
  int error = -1;
  socklen_t len = sizeof error;
  CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0);
  pollfd lp{l, POLLIN, 0};
  CHECK(poll(&lp, 1, 5000) == 1 && (lp.revents & POLLIN) != 0);
  int acc = accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  CHECK(acc >= 0);
  CHECK((fcntl(acc, F_GETFL) & O_NONBLOCK) != 0);
  char b;
  CHECK_ERRNO(recv(acc, &b, 1, 0), EAGAIN);
  // connect again after a non-blocking connect finished: 0 once (it
  // completes the call), then EISCONN.
  CHECK(connect(s, Sa(&a), sizeof a) == 0);
  CHECK_ERRNO(connect(s, Sa(&a), sizeof a), EISCONN);
  close(acc);
  close(s);
  close(l);
  return nullptr;
}

const char* TcpStateErrors() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(s >= 0);
  char b = 0;
  CHECK_ERRNO(recv(s, &b, 1, MSG_DONTWAIT), ENOTCONN);
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  CHECK_ERRNO(getpeername(s, Sa(&peer), &len), ENOTCONN);
  // A fresh stream socket polls as writable and hung up.
  pollfd p{s, POLLIN | POLLOUT, 0};
  CHECK(poll(&p, 1, 0) == 1 && p.revents == (POLLOUT | POLLHUP));
  // shutdown fails with ENOTCONN yet shuts the socket's reading down all
  // the same (Linux: "hack to wake up other listeners"): now readable.
  CHECK_ERRNO(shutdown(s, SHUT_RDWR), ENOTCONN);
  CHECK(poll(&p, 1, 0) == 1 && p.revents == (POLLIN | POLLOUT | POLLHUP));
  int sv[2];
  CHECK_ERRNO(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
  CHECK_ERRNO(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
  close(s);
  return nullptr;
}

const char* BindErrors() {
  uint16_t port = 0;
  int l = Listener4(&port);
  CHECK(l >= 0);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(s >= 0);
  sockaddr_in a = Loopback4(port);
  CHECK_ERRNO(bind(s, Sa(&a), sizeof a), EADDRINUSE);
  a = Loopback4(0);
  a.sin_addr.s_addr = inet_addr("192.0.2.99");  // TEST-NET-1: not ours
  CHECK_ERRNO(bind(s, Sa(&a), sizeof a), EADDRNOTAVAIL);
  a = Loopback4(0);
  CHECK_ERRNO(bind(s, Sa(&a), 8), EINVAL);  // short address
  CHECK(bind(s, Sa(&a), sizeof a) == 0);
  CHECK_ERRNO(bind(s, Sa(&a), sizeof a), EINVAL);  // bound already
  close(s);
  close(l);
  return nullptr;
}

const char* PeerCloseEpipeAndReset() {
  signal(SIGPIPE, SIG_IGN);
  uint16_t port = 0;
  int l = Listener4(&port);
  CHECK(l >= 0);
  int c = Connect4(port);
  CHECK(c >= 0);
  int a = accept(l, nullptr, nullptr);
  CHECK(a >= 0);
  CHECK(write(c, "unread", 6) == 6);
  usleep(100 * 1000);
  close(a);  // unread data: the peer gets a reset (RST), as Linux sends
  usleep(200 * 1000);
  char b;
  CHECK_ERRNO(read(c, &b, 1), ECONNRESET);
  CHECK_ERRNO(send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
  close(c);
  close(l);
  signal(SIGPIPE, SIG_DFL);
  return nullptr;
}

const char* UdpLoopbackSendtoRecvfrom() {
  int r = socket(AF_INET, SOCK_DGRAM, 0);
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(r >= 0 && s >= 0);
  sockaddr_in a = Loopback4(0);
  CHECK(bind(r, Sa(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  CHECK(getsockname(r, Sa(&a), &len) == 0 && a.sin_port != 0);
  CHECK_ERRNO(send(s, "x", 1, 0), EDESTADDRREQ);
  CHECK(sendto(s, "first", 5, 0, Sa(&a), sizeof a) == 5);
  CHECK(sendto(s, "second!", 7, 0, Sa(&a), sizeof a) == 7);
  char buf[16] = {};
  sockaddr_in from{};
  len = sizeof from;
  pollfd p{r, POLLIN, 0};
  CHECK(poll(&p, 1, 5000) == 1);
  CHECK(recvfrom(r, buf, sizeof buf, 0, Sa(&from), &len) == 5 && memcmp(buf, "first", 5) == 0);
  sockaddr_in sender{};
  socklen_t sl = sizeof sender;
  CHECK(getsockname(s, Sa(&sender), &sl) == 0);
  CHECK(from.sin_port == sender.sin_port && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
  // A short buffer truncates; MSG_TRUNC reports the datagram's length.
  CHECK(recv(r, buf, 3, MSG_PEEK) == 3);
  CHECK(recv(r, buf, 3, MSG_TRUNC) == 7);
  CHECK_ERRNO(recv(r, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
  // connect fixes the peer for send and recv.
  CHECK(connect(s, Sa(&a), sizeof a) == 0);
  CHECK(send(s, "conn", 4, 0) == 4);
  CHECK(poll(&p, 1, 5000) == 1);
  CHECK(recv(r, buf, sizeof buf, 0) == 4);
  close(r);
  close(s);
  return nullptr;
}

const char* ConnectedUdpGetsConnectionRefused() {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(s >= 0);
  sockaddr_in a = Loopback4(UnusedPort());
  CHECK(connect(s, Sa(&a), sizeof a) == 0);
  CHECK(send(s, "anyone?", 7, 0) == 7);
  // The port unreachable comes back as a pending error: POLLERR, then
  // ECONNREFUSED from the next call, then nothing.
  pollfd p{s, POLLIN, 0};
  CHECK(poll(&p, 1, 5000) == 1 && (p.revents & POLLERR) != 0);
  char buf[8];
  CHECK_ERRNO(recv(s, buf, sizeof buf, MSG_DONTWAIT), ECONNREFUSED);
  CHECK_ERRNO(recv(s, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
  close(s);
  return nullptr;
}

const char* DualStackListenerTakesIpv4() {
  int l = socket(AF_INET6, SOCK_STREAM, 0);
  CHECK(l >= 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_any;
  CHECK(bind(l, Sa(&a), sizeof a) == 0 && listen(l, 4) == 0);
  socklen_t len = sizeof a;
  CHECK(getsockname(l, Sa(&a), &len) == 0 && len == sizeof a);
  int c = Connect4(ntohs(a.sin6_port));
  CHECK(c >= 0);
  sockaddr_in6 peer{};
  len = sizeof peer;
  int s = accept(l, Sa(&peer), &len);
  CHECK(s >= 0);
  CHECK(peer.sin6_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr));
  CHECK(peer.sin6_addr.s6_addr[12] == 127 && peer.sin6_addr.s6_addr[15] == 1);
  // And an IPv6 client over ::1.
  int c6 = socket(AF_INET6, SOCK_STREAM, 0);
  CHECK(c6 >= 0);
  sockaddr_in6 to = a;
  to.sin6_addr = in6addr_loopback;
  CHECK(connect(c6, Sa(&to), sizeof to) == 0);
  int s6 = accept(l, Sa(&peer), &len);
  CHECK(s6 >= 0 && IN6_IS_ADDR_LOOPBACK(&peer.sin6_addr));
  CHECK(write(c6, "six", 3) == 3);
  char buf[4] = {};
  CHECK(read(s6, buf, 3) == 3 && memcmp(buf, "six", 3) == 0);
  close(s6);
  close(c6);
  close(s);
  close(c);
  close(l);
  return nullptr;
}

const char* TcpOptions() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(s >= 0);
  int one = 1, v = 0;
  socklen_t len = sizeof v;
  CHECK(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v == 0);
  CHECK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
  len = sizeof v;
  CHECK(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v != 0);
  CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
  CHECK(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0);
  len = sizeof v;
  CHECK(getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &len) == 0 && v == 1);
  len = sizeof v;
  CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM);
  len = sizeof v;
  CHECK(getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &len) == 0 && v == AF_INET);
  len = sizeof v;
  CHECK(getsockopt(s, IPPROTO_IP, IP_TTL, &v, &len) == 0 && v == 64);
  CHECK_ERRNO(setsockopt(s, IPPROTO_TCP, 12345, &one, sizeof one), ENOPROTOOPT);
  close(s);
  return nullptr;
}

}  // namespace

const Case kInetCases[] = {
    {"tcp_loopback_connect_accept", TcpLoopbackConnectAcceptEcho},
    {"tcp_large_transfer_eof", TcpLargeTransferAndEof},
    {"tcp_connect_refused", TcpConnectRefusedBlockingAndNonblocking},
    {"tcp_nonblocking_connect_accept", TcpNonblockingConnectThenAccept},
    {"tcp_state_errors", TcpStateErrors},
    {"inet_bind_errors", BindErrors},
    {"tcp_reset_and_epipe", PeerCloseEpipeAndReset},
    {"udp_loopback", UdpLoopbackSendtoRecvfrom},
    {"udp_connection_refused", ConnectedUdpGetsConnectionRefused},
    {"dual_stack_listener", DualStackListenerTakesIpv4},
    {"tcp_options", TcpOptions},
};
const int kInetCaseCount = sizeof kInetCases / sizeof kInetCases[0];

}  // namespace posix_test
