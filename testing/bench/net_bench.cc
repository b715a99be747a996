#include "testing/bench/net_bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

namespace bench {
namespace {

// A network benchmark that hangs (a lost peer, a stuck stack) ends by
// SIGALRM after this long and is reported as killed by that signal.
constexpr unsigned kNetTimeoutSeconds = 300;

sockaddr_in g_peer;
bool g_have_peer = false;

alignas(4096) char g_net_buffer[64 * 1024];

// Why the network benchmarks cannot run, or nullptr when AF_INET sockets work.
const char* NoNetworkReason() {
  static char why[96];
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0) {
    close(fd);
    return nullptr;
  }
  snprintf(why, sizeof why, "no network (socket(AF_INET): %s)", strerror(errno));
  return why;
}

// Both reasons a host benchmark may not run, or nullptr.
const char* NoPeerReason() {
  if (const char* why = NoNetworkReason()) return why;
  return g_have_peer ? nullptr : "no host peer (--peer)";
}

void SetNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// A TCP connection to `to` (TCP_NODELAY when `nodelay`), or -1.
int Connect(const sockaddr_in& to, bool nodelay) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (nodelay) SetNoDelay(fd);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

// A listening TCP socket on `ip`:`port` (0: any free port); `bound` gets
// the address. -1 on failure.
int Listen(uint32_t ip, int port, sockaddr_in* bound) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(ip);
  a.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  *bound = a;
  return fd;
}

// A connection to the host peer that has been given `command` (one line).
int PeerConnection(const char* command, bool nodelay) {
  int fd = Connect(g_peer, nodelay);
  if (fd < 0) return -1;
  if (!WriteAll(fd, command, strlen(command))) {
    close(fd);
    return -1;
  }
  return fd;
}

// 1-byte round trips on a connected stream `fd` whose other end echoes:
// warm-up ones first, then a sample per round trip.
Outcome PingPong(const char* metric, int fd, int warmup, int samples) {
  for (int s = -warmup; s < samples; ++s) {
    char c = 'p';
    int64_t t0 = NowNs();
    if (write(fd, &c, 1) != 1) return Fail(metric, "write of the ping");
    if (!ReadAll(fd, &c, 1)) return Fail(metric, "read of the pong");
    if (s >= 0) g_samples[s] = static_cast<double>(NowNs() - t0);
  }
  Report(metric, "ns", g_samples, samples, samples, " nodelay=1");
  return kMeasured;
}

// Sends `samples` (+1 warm-up) blocks of `sample_bytes` in 64 KiB writes on
// `fd`; after each block the reader answers one byte. A sample is the
// block's MB/s.
Outcome SendBlocks(const char* metric, int fd, size_t sample_bytes, int samples) {
  memset(g_net_buffer, 0x5a, sizeof g_net_buffer);
  for (int s = -1; s < samples; ++s) {
    int64_t t0 = NowNs();
    for (size_t sent = 0; sent < sample_bytes; sent += sizeof g_net_buffer) {
      if (!WriteAll(fd, g_net_buffer, sizeof g_net_buffer)) return Fail(metric, "write");
    }
    char ack;
    if (!ReadAll(fd, &ack, 1)) return Fail(metric, "the reader's acknowledgement");
    int64_t dt = NowNs() - t0;
    if (s >= 0) g_samples[s] = static_cast<double>(sample_bytes) * 1000.0 / static_cast<double>(dt);
  }
  char extra[64];
  snprintf(extra, sizeof extra, " write_bytes=%zu sample_bytes=%zu", sizeof g_net_buffer,
           sample_bytes);
  Report(metric, "MB/s", g_samples, samples,
         static_cast<long>(samples) * static_cast<long>(sample_bytes / sizeof g_net_buffer), extra);
  return kMeasured;
}

// Reads blocks of `sample_bytes` from `fd` in 64 KiB reads, answering one
// byte after each, until EOF; false on an error or an EOF inside a block.
bool ReceiveBlocks(int fd, size_t sample_bytes) {
  for (;;) {
    size_t left = sample_bytes;
    while (left > 0) {
      ssize_t r = read(fd, g_net_buffer, left < sizeof g_net_buffer ? left : sizeof g_net_buffer);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0 && left == sample_bytes) return true;  // EOF between blocks: done
      if (r <= 0) return false;
      left -= static_cast<size_t>(r);
    }
    char ack = 'k';
    if (write(fd, &ack, 1) != 1) return false;
  }
}

// Parent and child connected by TCP on 127.0.0.1: the parent gets `*fd`,
// the child runs `serve(fd)` and exits with its result (0: fine).
bool LoopbackPair(int* fd, pid_t* child, bool nodelay, bool (*serve)(int fd)) {
  sockaddr_in bound;
  int listener = Listen(INADDR_LOOPBACK, 0, &bound);
  if (listener < 0) return false;
  fflush(stdout);
  *child = fork();
  if (*child < 0) return false;
  if (*child == 0) {
    int c = accept(listener, nullptr, nullptr);
    if (c < 0) _exit(1);
    close(listener);
    if (nodelay) SetNoDelay(c);
    _exit(serve(c) ? 0 : 1);
  }
  close(listener);
  *fd = Connect(bound, nodelay);
  return *fd >= 0;
}

bool Echo(int fd) {
  char c;
  for (;;) {
    ssize_t r = read(fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return true;
    if (r < 0 || write(fd, &c, 1) != 1) return false;
  }
}

constexpr size_t kLoopbackSampleBytes = 8 << 20;
bool ReceiveLoopbackBlocks(int fd) { return ReceiveBlocks(fd, kLoopbackSampleBytes); }

// The end of a loopback benchmark: EOF to the child, which must exit 0.
Outcome EndPair(const char* metric, int fd, pid_t child, Outcome o) {
  shutdown(fd, SHUT_WR);
  close(fd);
  if (!ReapedCleanly(child) && o == kMeasured) {
    return Fail(metric, "the other end did not finish cleanly", false);
  }
  return o;
}

// ---- HTTP ----------------------------------------------------------------------

// The suite's HTTP server: one connection at a time; each request (read to
// its blank line) gets a 1 KiB body with HTTP/1.0's Connection: close.
[[noreturn]] void ServeHttp(int listener) {
  static char response[2048];
  int header = snprintf(response, sizeof response,
                        "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
                        "Content-Length: 1024\r\nConnection: close\r\n\r\n");
  memset(response + header, 'h', 1024);
  size_t length = static_cast<size_t>(header) + 1024;
  for (;;) {
    int c = accept(listener, nullptr, nullptr);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      _exit(1);
    }
    char request[2048];
    size_t got = 0;
    bool complete = false;
    while (!complete && got < sizeof request - 1) {
      ssize_t r = read(c, request + got, sizeof request - 1 - got);
      if (r <= 0) break;
      got += static_cast<size_t>(r);
      request[got] = '\0';
      complete = strstr(request, "\r\n\r\n") != nullptr;
    }
    if (complete) WriteAll(c, response, length);
    close(c);
  }
}

}  // namespace

bool SetPeer(const char* address) {
  char host[64];
  const char* colon = strrchr(address, ':');
  if (colon == nullptr || static_cast<size_t>(colon - address) >= sizeof host) return false;
  memcpy(host, address, static_cast<size_t>(colon - address));
  host[colon - address] = '\0';
  char* end = nullptr;
  long port = strtol(colon + 1, &end, 10);
  if (end == colon + 1 || *end != '\0' || port <= 0 || port > 65535) return false;
  g_peer = sockaddr_in{};
  g_peer.sin_family = AF_INET;
  g_peer.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host, &g_peer.sin_addr) != 1) return false;
  g_have_peer = true;
  return true;
}

Outcome TcpLoopbackRoundTrip(const char* metric) {
  if (const char* why = NoNetworkReason()) return Skip(metric, why);
  alarm(kNetTimeoutSeconds);
  int fd;
  pid_t child;
  if (!LoopbackPair(&fd, &child, true, Echo))
    return Fail(metric, "listen/fork/connect on 127.0.0.1");
  return EndPair(metric, fd, child, PingPong(metric, fd, 100, 2000));
}

Outcome TcpLoopbackBandwidth(const char* metric) {
  if (const char* why = NoNetworkReason()) return Skip(metric, why);
  alarm(kNetTimeoutSeconds);
  int fd;
  pid_t child;
  if (!LoopbackPair(&fd, &child, false, ReceiveLoopbackBlocks)) {
    return Fail(metric, "listen/fork/connect on 127.0.0.1");
  }
  return EndPair(metric, fd, child, SendBlocks(metric, fd, kLoopbackSampleBytes, 8));
}

Outcome TcpHostRoundTrip(const char* metric) {
  if (const char* why = NoPeerReason()) return Skip(metric, why);
  alarm(kNetTimeoutSeconds);
  int fd = PeerConnection("echo\n", true);
  if (fd < 0) return Fail(metric, "connecting to the host peer");
  Outcome o = PingPong(metric, fd, 50, 1000);
  close(fd);
  return o;
}

constexpr size_t kHostSampleBytes = 4 << 20;
constexpr int kHostSamples = 8;

Outcome TcpBandwidthToHost(const char* metric) {
  if (const char* why = NoPeerReason()) return Skip(metric, why);
  alarm(kNetTimeoutSeconds);
  char command[32];
  snprintf(command, sizeof command, "sink %zu\n", kHostSampleBytes);
  int fd = PeerConnection(command, false);
  if (fd < 0) return Fail(metric, "connecting to the host peer");
  Outcome o = SendBlocks(metric, fd, kHostSampleBytes, kHostSamples);
  close(fd);
  return o;
}

Outcome TcpBandwidthFromHost(const char* metric) {
  if (const char* why = NoPeerReason()) return Skip(metric, why);
  alarm(kNetTimeoutSeconds);
  char command[32];
  snprintf(command, sizeof command, "source %zu\n", kHostSampleBytes);
  int fd = PeerConnection(command, false);
  if (fd < 0) return Fail(metric, "connecting to the host peer");
  for (int s = -1; s < kHostSamples; ++s) {
    char go = 'g';
    int64_t t0 = NowNs();
    if (write(fd, &go, 1) != 1) return Fail(metric, "write of the request");
    for (size_t left = kHostSampleBytes; left > 0;) {
      size_t want = left < sizeof g_net_buffer ? left : sizeof g_net_buffer;
      ssize_t r = read(fd, g_net_buffer, want);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Fail(metric, "read");
      if (r == 0) return Fail(metric, "the peer closed early", false);
      left -= static_cast<size_t>(r);
    }
    int64_t dt = NowNs() - t0;
    if (s >= 0) {
      g_samples[s] = static_cast<double>(kHostSampleBytes) * 1000.0 / static_cast<double>(dt);
    }
  }
  close(fd);
  char extra[64];
  snprintf(extra, sizeof extra, " read_bytes=%zu sample_bytes=%zu", sizeof g_net_buffer,
           kHostSampleBytes);
  Report(
      metric, "MB/s", g_samples, kHostSamples,
      static_cast<long>(kHostSamples) * static_cast<long>(kHostSampleBytes / sizeof g_net_buffer),
      extra);
  return kMeasured;
}

Outcome HttpGet1KiB(const char* metric) {
  constexpr int kGets = 200, kWarmup = 10;
  if (const char* why = NoPeerReason()) return Skip(metric, why);
  alarm(kNetTimeoutSeconds);
  sockaddr_in bound;
  int listener = Listen(INADDR_ANY, kHttpGuestPort, &bound);
  if (listener < 0) return Fail(metric, "listening on the HTTP port");
  fflush(stdout);
  pid_t server = fork();
  if (server < 0) return Fail(metric, "fork of the HTTP server");
  if (server == 0) ServeHttp(listener);
  close(listener);
  char command[48];
  snprintf(command, sizeof command, "http %d %d\n", kGets, kWarmup);
  int fd = PeerConnection(command, false);
  if (fd < 0) return Fail(metric, "connecting to the host peer");
  // The answer: "ok" and kGets numbers, or "error ..." (at most ~4 KiB).
  static char answer[kGets * 24 + 256];
  size_t got = 0;
  for (;;) {
    ssize_t r = read(fd, answer + got, sizeof answer - 1 - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
    if (memchr(answer, '\n', got) != nullptr || got == sizeof answer - 1) break;
  }
  answer[got] = '\0';
  close(fd);
  kill(server, SIGKILL);
  ReapedCleanly(server);
  if (strncmp(answer, "ok ", 3) != 0) {
    char* nl = strchr(answer, '\n');
    if (nl != nullptr) *nl = '\0';
    char what[160];
    snprintf(what, sizeof what, "the host peer's GETs: %.120s", got ? answer : "no answer");
    return Fail(metric, what, false);
  }
  int n = 0;
  char* p = answer + 3;
  while (n < kGets) {
    char* end = nullptr;
    double v = strtod(p, &end);
    if (end == p) break;
    g_samples[n++] = v;
    p = end;
  }
  if (n != kGets) return Fail(metric, "the host peer sent too few times", false);
  char extra[64];
  snprintf(extra, sizeof extra, " body_bytes=1024 clock=host server=suite");
  Report(metric, "ns", g_samples, n, n, extra);
  return kMeasured;
}

namespace {

// The Internet checksum (RFC 1071) of `n` bytes.
uint16_t Checksum(const uint8_t* data, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (n % 2 != 0) sum += static_cast<uint32_t>(data[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// An ICMP echo message (RFC 792): type, code, checksum, identifier,
// sequence number, then the data.
struct IcmpEcho {
  uint8_t type, code;
  uint16_t checksum, id, sequence;
  uint8_t data[56];
};
static_assert(sizeof(IcmpEcho) == 64);
constexpr uint8_t kIcmpEchoReply = 0, kIcmpEchoRequest = 8;

}  // namespace

Outcome IcmpPingHost(const char* metric) {
  constexpr int kWarmup = 5, kSamples = 200, kWaitMs = 2000;
  if (const char* why = NoPeerReason()) return Skip(metric, why);
  alarm(kNetTimeoutSeconds);
  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  if (fd < 0 && (errno == EPERM || errno == EACCES)) {
    return Skip(metric, "raw sockets need root");
  }
  if (fd < 0) return Fail(metric, "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)");
  sockaddr_in to = g_peer;
  to.sin_port = 0;
  const uint16_t id = static_cast<uint16_t>(getpid());
  int lost = 0;
  uint16_t sequence = 0;
  for (int s = -kWarmup; s < kSamples; ++s) {
    IcmpEcho echo{};
    echo.type = kIcmpEchoRequest;
    echo.id = htons(id);
    echo.sequence = htons(sequence++);
    memset(echo.data, 'i', sizeof echo.data);
    echo.checksum = htons(Checksum(reinterpret_cast<const uint8_t*>(&echo), sizeof echo));
    int64_t t0 = NowNs();
    if (sendto(fd, &echo, sizeof echo, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) !=
        static_cast<ssize_t>(sizeof echo)) {
      return Fail(metric, "sendto");
    }
    // Wait for our reply (a raw socket also sees other ICMP traffic).
    bool answered = false;
    while (!answered) {
      int64_t left_ms = kWaitMs - (NowNs() - t0) / 1'000'000;
      pollfd p{fd, POLLIN, 0};
      int ready = left_ms > 0 ? poll(&p, 1, static_cast<int>(left_ms)) : 0;
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) return Fail(metric, "poll");
      if (ready == 0) break;
      uint8_t packet[256];
      ssize_t r = recv(fd, packet, sizeof packet, 0);
      if (r < 0) return Fail(metric, "recv");
      size_t header = static_cast<size_t>(packet[0] & 0x0f) * 4;  // IPv4 header, RFC 791
      if (static_cast<size_t>(r) < header + 8) continue;
      IcmpEcho reply;
      memcpy(&reply, packet + header, 8);
      answered =
          reply.type == kIcmpEchoReply && reply.id == echo.id && reply.sequence == echo.sequence;
    }
    if (!answered) {
      ++lost;
      if (lost > kSamples / 10)
        return Fail(metric, "over 10% of the echo requests got no reply", false);
      --s;  // a lost request is not a sample
      continue;
    }
    if (s >= 0) g_samples[s] = static_cast<double>(NowNs() - t0);
  }
  close(fd);
  char extra[48];
  snprintf(extra, sizeof extra, " bytes=%zu lost=%d", sizeof(IcmpEcho), lost);
  Report(metric, "ns", g_samples, kSamples, kSamples, extra);
  return kMeasured;
}

}  // namespace bench
