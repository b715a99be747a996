#pragma once

// netproto: how the kernel's AF_INET and AF_INET6 sockets talk to the network
// server (servers/net).
//
// Shared by the kernel (core/net/net_transport, core/net/inet_socket,
// core/syscall/sys_net.cc) and the server. Freestanding: <stdint.h> only,
// plain layouts, no pointers; sizes are checked below.
//
// ## Transport
//
// The server makes a channel pair, keeps one end (the *server end*) and gives
// the other to the kernel with NetServe (needs the "net" resource, which init
// grants only to the network server). Then:
//
//   Kernel -> server: messages on the channel, each exactly one Request. The
//   first is kHello with ONE handle, the *data area*: kDataAreaSize bytes,
//   kSlotCount slots of kSlotSize each, which the server maps read-write.
//   Every later Request with a non-zero txid (the channel message's txid)
//   wants exactly one reply; txid 0 wants none (kClose).
//
//   Server -> kernel: NetDeliver(server end, records, count), a batch of
//   Delivery records: replies (kReply, `id` = the request's txid) and
//   readiness events (kEvent, `id` = a socket id). Only the holder of the
//   registered server end may deliver. The kernel checks every record; a
//   record it cannot use (unknown txid, wrong kind, lengths past the slot)
//   is dropped and counted, and the batch goes on.
//
// Many requests are in flight at once (one per calling thread); the server
// may answer in any order. It never waits on one socket: every request is
// answered at once, from the socket's current state. A call that must wait
// (a blocking recv, send, accept or connect) waits in the kernel on the
// socket's readiness, which the server pushes with kEvent records whenever
// it changes, and then asks again. So signals, timeouts, poll, select and
// epoll are the kernel's business only, and a server never holds a caller.
//
// ## Data
//
// A request that carries bytes (kSend, kSetOption) or wants bytes (kReceive,
// kGetOption) names a slot: the kernel owns it until the reply arrives. Send
// payloads and option values are at the slot's start (`length` bytes); the
// server writes received bytes and option values there and says how many in
// the reply's `length`, never more than the request's `length`.
//
// ## Sockets
//
// The kernel names each socket with a 64-bit id of its own (never 0), sent
// in kSocket (and, for accepted ones, in kAccept's arg[0]). After kClose the
// server forgets the id (and finishes the connection as close(2) would).

#include <stdint.h>

namespace netproto {

inline constexpr uint32_t kMagic = 0x5054454e;  // "NETP"
inline constexpr uint32_t kVersion = 1;

inline constexpr uint32_t kSlotSize = 64 * 1024;
inline constexpr uint32_t kSlotCount = 32;
inline constexpr uint32_t kDataAreaSize = kSlotSize * kSlotCount;
inline constexpr uint32_t kNoSlot = 0xffffffffu;

/// A sockaddr_in (16 bytes) or sockaddr_in6 (28 bytes), Linux's layout.
inline constexpr uint32_t kMaxAddress = 28;

enum Op : uint32_t {
  kHello = 1,    // carries the data area; no reply
  kSocket,       // arg[0] family, arg[1] type (SOCK_* without flags), arg[2] protocol
  kClose,        // txid 0: no reply
  kBind,         // address
  kListen,       // arg[0] backlog
  kAccept,       // arg[0] the new socket's id; reply: the peer's address; -EAGAIN if none
  kConnect,      // address; arg[0] 1: the caller waits for the outcome itself (a later
                 // connect is then EISCONN); reply 0 (done) or -EINPROGRESS (TCP: the result comes
                 // as an event with kWritable or kError; SO_ERROR tells which)
  kShutdown,     // arg[0] SHUT_RD / SHUT_WR / SHUT_RDWR
  kSend,         // slot: `length` bytes; flags MSG_*; address: sendto's, if any;
                 // arg[0] kSendFromNetAdmin when the sender holds CAP_NET_ADMIN.
                 // reply: bytes taken (a stream may take fewer), or -EAGAIN when full
  kReceive,      // slot: room for `length` bytes; flags MSG_PEEK / MSG_TRUNC.
                 // reply: `length` bytes written, `value` the datagram's full size,
                 // address the sender's; 0 bytes and value 0 at end of stream;
                 // -EAGAIN when nothing is there
  kLocalName,    // reply: address
  kPeerName,     // reply: address, or -ENOTCONN
  kGetOption,    // arg[0] level, arg[1] name; slot: room for `length` bytes
  kSetOption,    // arg[0] level, arg[1] name; slot: `length` bytes of value
  kBytesQueued,  // reply value: bytes to read (FIONREAD), arg[0] 1: unsent (SIOCOUTQ)
  kIoctl,        // arg[0] an interface ioctl (SIOCGIFFLAGS, ...); slot: the struct ifreq
                 // (40 bytes) in and out; SIOCGIFCONF: room for the ifreq array, arg[1] 1:
                 // only the length it needs (reply length: the bytes used)
  kProcNet,      // arg[0] a ProcNetFile; slot: room for the text; reply: its length
  kOpCount,
};

/// kSend's arg[0]: the sender holds CAP_NET_ADMIN (rtnetlink's requests other
/// than RTM_GET* need it, as Linux's rtnetlink_rcv_msg).
inline constexpr uint64_t kSendFromNetAdmin = 1;

/// The /proc/net files the server renders (kProcNet), in Linux's formats
/// (kProcNetFrameproto is Tessera's own: the NIC driver's batching figures).
enum ProcNetFile : uint32_t {
  kProcNetDev = 1,
  kProcNetRoute,
  kProcNetArp,
  kProcNetTcp,
  kProcNetTcp6,
  kProcNetUdp,
  kProcNetUdp6,
  kProcNetIfInet6,
  kProcNetSnmp,
  kProcNetFrameproto,
  kProcNetFileCount,
};

/// sizeof(struct ifreq) on x86-64 Linux.
inline constexpr uint32_t kIfreqSize = 40;

struct Request {
  uint32_t magic;
  uint32_t op;
  uint64_t socket;  // the kernel's id (0 for kHello)
  uint64_t arg[3];
  uint32_t slot;    // kNoSlot: none
  uint32_t length;  // bytes in the slot (in), or room in it (out)
  int32_t flags;    // MSG_* for kSend / kReceive
  uint32_t address_length;
  uint8_t address[kMaxAddress];
  uint32_t version;  // kVersion in kHello
};
static_assert(sizeof(Request) == 88, "netproto::Request layout");

enum DeliveryKind : uint32_t {
  kReply = 1,
  kEvent = 2,
};

/// Readiness bits of a kEvent (value).
enum Readiness : uint64_t {
  kReadable = 1u << 0,    // data, a connection to accept, end of stream or an error
  kWritable = 1u << 1,    // room to send (or connected, after kConnect's EINPROGRESS)
  kReadClosed = 1u << 2,  // the peer will send nothing more (POLLRDHUP)
  kHangup = 1u << 3,      // both directions are finished (POLLHUP)
  kError = 1u << 4,       // a pending error (SO_ERROR; POLLERR)
};

struct Delivery {
  uint32_t kind;    // DeliveryKind
  int32_t result;   // kReply: >= 0, or -errno
  uint64_t id;      // kReply: the request's txid; kEvent: the socket id
  uint64_t value;   // kReply: per op (kReceive: datagram size); kEvent: Readiness
  uint32_t length;  // kReply: bytes the server put in the request's slot
  uint32_t address_length;
  uint8_t address[kMaxAddress];
  uint32_t reserved;
};
static_assert(sizeof(Delivery) == 64, "netproto::Delivery layout");

/// The most records one NetDeliver takes.
inline constexpr uint32_t kMaxDeliveries = 256;

}  // namespace netproto
