#pragma once

// Linux sockets as x86-64 user space sees them (include/uapi/linux/socket.h,
// include/linux/socket.h, asm-generic/socket.h, linux/un.h, linux/sockios.h):
// families, types, levels and options, message flags, control messages,
// and the structures sendmsg/recvmsg and the unix family pass.

#include <stddef.h>
#include <stdint.h>

namespace linux_abi {

// Address families (sa_family_t values).
inline constexpr int kAfUnspec = 0;
inline constexpr int kAfUnix = 1;
inline constexpr int kAfInet = 2;
inline constexpr int kAfInet6 = 10;
inline constexpr int kAfNetlink = 16;
inline constexpr int kAfPacket = 17;
inline constexpr int kAfMax = 46;

// Socket types, and the flags socket()/socketpair()/accept4() take with them.
inline constexpr int kSockStream = 1;
inline constexpr int kSockDgram = 2;
inline constexpr int kSockRaw = 3;
inline constexpr int kSockRdm = 4;
inline constexpr int kSockSeqPacket = 5;
inline constexpr int kSockTypeMask = 0xf;
inline constexpr int kSockNonBlock = 04000;    // O_NONBLOCK
inline constexpr int kSockCloExec = 02000000;  // O_CLOEXEC

// Levels and SOL_SOCKET options.
inline constexpr int kSolSocket = 1;
inline constexpr int kSoDebug = 1;
inline constexpr int kSoReuseAddr = 2;
inline constexpr int kSoType = 3;
inline constexpr int kSoError = 4;
inline constexpr int kSoDontRoute = 5;
inline constexpr int kSoBroadcast = 6;
inline constexpr int kSoSndBuf = 7;
inline constexpr int kSoRcvBuf = 8;
inline constexpr int kSoKeepAlive = 9;
inline constexpr int kSoOobInline = 10;
inline constexpr int kSoLinger = 13;
inline constexpr int kSoReusePort = 15;
inline constexpr int kSoPassCred = 16;
inline constexpr int kSoPeerCred = 17;
inline constexpr int kSoRcvLowat = 18;
inline constexpr int kSoSndLowat = 19;
inline constexpr int kSoRcvTimeoOld = 20;
inline constexpr int kSoSndTimeoOld = 21;
inline constexpr int kSoAcceptConn = 30;
inline constexpr int kSoSndBufForce = 32;
inline constexpr int kSoRcvBufForce = 33;
inline constexpr int kSoProtocol = 38;
inline constexpr int kSoDomain = 39;

// shutdown(2).
inline constexpr int kShutRd = 0;
inline constexpr int kShutWr = 1;
inline constexpr int kShutRdWr = 2;

// Message flags (send/recv and msghdr.msg_flags).
inline constexpr int kMsgOob = 0x1;
inline constexpr int kMsgPeek = 0x2;
inline constexpr int kMsgDontRoute = 0x4;
inline constexpr int kMsgCtrunc = 0x8;
inline constexpr int kMsgTrunc = 0x20;
inline constexpr int kMsgDontWait = 0x40;
inline constexpr int kMsgEor = 0x80;
inline constexpr int kMsgWaitAll = 0x100;
inline constexpr int kMsgNoSignal = 0x4000;
inline constexpr int kMsgWaitForOne = 0x10000;
inline constexpr int kMsgCmsgCloExec = 0x40000000;

// Control messages at SOL_SOCKET.
inline constexpr int kScmRights = 1;
inline constexpr int kScmCredentials = 2;
inline constexpr int kScmMaxFd = 253;  // file descriptors in one SCM_RIGHTS

// ioctls.
inline constexpr uint32_t kSiocInq = 0x541B;   // = FIONREAD
inline constexpr uint32_t kSiocOutq = 0x5411;  // = TIOCOUTQ

inline constexpr int kSoMaxConn = 4096;  // listen()'s backlog cap (net.core.somaxconn)

struct SockAddr {
  uint16_t sa_family;
  char sa_data[14];
};

inline constexpr size_t kUnixPathMax = 108;
struct SockAddrUn {
  uint16_t sun_family;
  char sun_path[kUnixPathMax];
};

inline constexpr size_t kSockAddrStorageSize = 128;

struct MsgHdr {
  uint64_t msg_name;  // void*
  uint32_t msg_namelen;
  uint32_t pad0;
  uint64_t msg_iov;  // struct iovec*
  uint64_t msg_iovlen;
  uint64_t msg_control;  // void*
  uint64_t msg_controllen;
  int32_t msg_flags;
  uint32_t pad1;
};

struct MMsgHdr {
  MsgHdr msg_hdr;
  uint32_t msg_len;
  uint32_t pad;
};

struct CmsgHdr {
  uint64_t cmsg_len;  // header + data, unaligned
  int32_t cmsg_level;
  int32_t cmsg_type;
};

/// CMSG_ALIGN: control messages are aligned to 8 bytes on x86-64.
constexpr uint64_t CmsgAlign(uint64_t n) { return (n + 7) & ~uint64_t{7}; }
/// CMSG_LEN / CMSG_SPACE for a payload of n bytes.
constexpr uint64_t CmsgLen(uint64_t n) { return CmsgAlign(sizeof(CmsgHdr)) + n; }
constexpr uint64_t CmsgSpace(uint64_t n) { return CmsgAlign(sizeof(CmsgHdr)) + CmsgAlign(n); }

struct UCred {
  int32_t pid;
  uint32_t uid;
  uint32_t gid;
};

struct Linger {
  int32_t l_onoff;
  int32_t l_linger;
};

}  // namespace linux_abi
