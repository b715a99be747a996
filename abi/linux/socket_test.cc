// abi/linux/socket.h against the host's <sys/socket.h>, <sys/un.h> and
// <linux/sockios.h>.

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "abi/linux/abi_test_util.h"
#include "abi/linux/socket.h"

namespace linux_abi {
namespace {

TEST(SocketAbiTest, FamiliesTypesAndFlags) {
  EXPECT_SAME_VALUE(kAfUnspec, AF_UNSPEC);
  EXPECT_SAME_VALUE(kAfUnix, AF_UNIX);
  EXPECT_SAME_VALUE(kAfInet, AF_INET);
  EXPECT_SAME_VALUE(kAfInet6, AF_INET6);
  EXPECT_SAME_VALUE(kAfNetlink, AF_NETLINK);
  EXPECT_SAME_VALUE(kAfPacket, AF_PACKET);
  EXPECT_SAME_VALUE(kSockStream, SOCK_STREAM);
  EXPECT_SAME_VALUE(kSockDgram, SOCK_DGRAM);
  EXPECT_SAME_VALUE(kSockRaw, SOCK_RAW);
  EXPECT_SAME_VALUE(kSockRdm, SOCK_RDM);
  EXPECT_SAME_VALUE(kSockSeqPacket, SOCK_SEQPACKET);
  EXPECT_SAME_VALUE(kSockNonBlock, SOCK_NONBLOCK);
  EXPECT_SAME_VALUE(kSockCloExec, SOCK_CLOEXEC);
  EXPECT_SAME_VALUE(kShutRd, SHUT_RD);
  EXPECT_SAME_VALUE(kShutWr, SHUT_WR);
  EXPECT_SAME_VALUE(kShutRdWr, SHUT_RDWR);
}

TEST(SocketAbiTest, Options) {
  EXPECT_SAME_VALUE(kSolSocket, SOL_SOCKET);
  EXPECT_SAME_VALUE(kSoDebug, SO_DEBUG);
  EXPECT_SAME_VALUE(kSoReuseAddr, SO_REUSEADDR);
  EXPECT_SAME_VALUE(kSoType, SO_TYPE);
  EXPECT_SAME_VALUE(kSoError, SO_ERROR);
  EXPECT_SAME_VALUE(kSoDontRoute, SO_DONTROUTE);
  EXPECT_SAME_VALUE(kSoBroadcast, SO_BROADCAST);
  EXPECT_SAME_VALUE(kSoSndBuf, SO_SNDBUF);
  EXPECT_SAME_VALUE(kSoRcvBuf, SO_RCVBUF);
  EXPECT_SAME_VALUE(kSoKeepAlive, SO_KEEPALIVE);
  EXPECT_SAME_VALUE(kSoOobInline, SO_OOBINLINE);
  EXPECT_SAME_VALUE(kSoLinger, SO_LINGER);
  EXPECT_SAME_VALUE(kSoReusePort, SO_REUSEPORT);
  EXPECT_SAME_VALUE(kSoPassCred, SO_PASSCRED);
  EXPECT_SAME_VALUE(kSoPeerCred, SO_PEERCRED);
  EXPECT_SAME_VALUE(kSoRcvLowat, SO_RCVLOWAT);
  EXPECT_SAME_VALUE(kSoSndLowat, SO_SNDLOWAT);
  EXPECT_SAME_VALUE(kSoRcvTimeoOld, 20);  // SO_RCVTIMEO_OLD; glibc maps SO_RCVTIMEO to it on x86-64
  EXPECT_SAME_VALUE(kSoSndTimeoOld, 21);
  EXPECT_SAME_VALUE(kSoRcvTimeoOld, SO_RCVTIMEO);
  EXPECT_SAME_VALUE(kSoSndTimeoOld, SO_SNDTIMEO);
  EXPECT_SAME_VALUE(kSoAcceptConn, SO_ACCEPTCONN);
  EXPECT_SAME_VALUE(kSoSndBufForce, SO_SNDBUFFORCE);
  EXPECT_SAME_VALUE(kSoRcvBufForce, SO_RCVBUFFORCE);
  EXPECT_SAME_VALUE(kSoProtocol, SO_PROTOCOL);
  EXPECT_SAME_VALUE(kSoDomain, SO_DOMAIN);
  EXPECT_SAME_VALUE(kSiocInq, FIONREAD);
  EXPECT_SAME_VALUE(kSiocInq, SIOCINQ);
  EXPECT_SAME_VALUE(kSiocOutq, SIOCOUTQ);
}

TEST(SocketAbiTest, MessageFlagsAndControlMessages) {
  EXPECT_SAME_VALUE(kMsgOob, MSG_OOB);
  EXPECT_SAME_VALUE(kMsgPeek, MSG_PEEK);
  EXPECT_SAME_VALUE(kMsgDontRoute, MSG_DONTROUTE);
  EXPECT_SAME_VALUE(kMsgCtrunc, MSG_CTRUNC);
  EXPECT_SAME_VALUE(kMsgTrunc, MSG_TRUNC);
  EXPECT_SAME_VALUE(kMsgDontWait, MSG_DONTWAIT);
  EXPECT_SAME_VALUE(kMsgEor, MSG_EOR);
  EXPECT_SAME_VALUE(kMsgWaitAll, MSG_WAITALL);
  EXPECT_SAME_VALUE(kMsgNoSignal, MSG_NOSIGNAL);
  EXPECT_SAME_VALUE(kMsgWaitForOne, MSG_WAITFORONE);
  EXPECT_SAME_VALUE(kMsgCmsgCloExec, MSG_CMSG_CLOEXEC);
  EXPECT_SAME_VALUE(kScmRights, SCM_RIGHTS);
  EXPECT_SAME_VALUE(kScmCredentials, SCM_CREDENTIALS);
  EXPECT_SAME_VALUE(CmsgLen(4), CMSG_LEN(4));
  EXPECT_SAME_VALUE(CmsgSpace(4), CMSG_SPACE(4));
  EXPECT_SAME_VALUE(CmsgSpace(12), CMSG_SPACE(12));
}

TEST(SocketAbiTest, StructuresMatchTheHost) {
  EXPECT_EQ(sizeof(SockAddr), sizeof(struct sockaddr));
  EXPECT_EQ(sizeof(SockAddrUn), sizeof(struct sockaddr_un));
  EXPECT_SAME_OFFSET(SockAddrUn, sun_path, struct sockaddr_un, sun_path);
  EXPECT_EQ(kSockAddrStorageSize, sizeof(struct sockaddr_storage));
  EXPECT_EQ(sizeof(MsgHdr), sizeof(struct msghdr));
  EXPECT_SAME_OFFSET(MsgHdr, msg_name, struct msghdr, msg_name);
  EXPECT_SAME_OFFSET(MsgHdr, msg_namelen, struct msghdr, msg_namelen);
  EXPECT_SAME_OFFSET(MsgHdr, msg_iov, struct msghdr, msg_iov);
  EXPECT_SAME_OFFSET(MsgHdr, msg_iovlen, struct msghdr, msg_iovlen);
  EXPECT_SAME_OFFSET(MsgHdr, msg_control, struct msghdr, msg_control);
  EXPECT_SAME_OFFSET(MsgHdr, msg_controllen, struct msghdr, msg_controllen);
  EXPECT_SAME_OFFSET(MsgHdr, msg_flags, struct msghdr, msg_flags);
  EXPECT_EQ(sizeof(MMsgHdr), sizeof(struct mmsghdr));
  EXPECT_SAME_OFFSET(MMsgHdr, msg_len, struct mmsghdr, msg_len);
  EXPECT_EQ(sizeof(CmsgHdr), sizeof(struct cmsghdr));
  EXPECT_SAME_OFFSET(CmsgHdr, cmsg_level, struct cmsghdr, cmsg_level);
  EXPECT_SAME_OFFSET(CmsgHdr, cmsg_type, struct cmsghdr, cmsg_type);
  EXPECT_EQ(sizeof(UCred), sizeof(struct ucred));
  EXPECT_SAME_OFFSET(UCred, uid, struct ucred, uid);
  EXPECT_SAME_OFFSET(UCred, gid, struct ucred, gid);
  EXPECT_EQ(sizeof(Linger), sizeof(struct linger));
  EXPECT_SAME_VALUE(kSoMaxConn, 4096);
}

}  // namespace
}  // namespace linux_abi
