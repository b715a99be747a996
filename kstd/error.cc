#include "kstd/error.h"

namespace kstd {

const char* ErrorName(Error error) {
  switch (error) {
    case Error::kPermission: return "EPERM";
    case Error::kNotFound: return "ENOENT";
    case Error::kSearch: return "ESRCH";
    case Error::kInterrupted: return "EINTR";
    case Error::kIo: return "EIO";
    case Error::kTooBig: return "E2BIG";
    case Error::kBadExecutable: return "ENOEXEC";
    case Error::kBadHandle: return "EBADF";
    case Error::kNoChild: return "ECHILD";
    case Error::kAgain: return "EAGAIN";
    case Error::kNoMemory: return "ENOMEM";
    case Error::kAccess: return "EACCES";
    case Error::kFault: return "EFAULT";
    case Error::kNotBlock: return "ENOTBLK";
    case Error::kBusy: return "EBUSY";
    case Error::kExists: return "EEXIST";
    case Error::kNotTty: return "ENOTTY";
    case Error::kInvalid: return "EINVAL";
    case Error::kTooManyHandles: return "EMFILE";
    case Error::kNoSpace: return "ENOSPC";
    case Error::kIllegalSeek: return "ESPIPE";
    case Error::kReadOnlyFs: return "EROFS";
    case Error::kPipe: return "EPIPE";
    case Error::kDomain: return "EDOM";
    case Error::kRange: return "ERANGE";
    case Error::kNameTooLong: return "ENAMETOOLONG";
    case Error::kNotSupported: return "ENOSYS";
    case Error::kOverflow: return "EOVERFLOW";
    case Error::kBadMessage: return "EBADMSG";
    case Error::kMessageSize: return "EMSGSIZE";
    case Error::kTimedOut: return "ETIMEDOUT";
    case Error::kStale: return "ESTALE";
    case Error::kIdRemoved: return "EIDRM";
    case Error::kNoMessage: return "ENOMSG";
    case Error::kDeadlock: return "EDEADLK";
    case Error::kNoLocks: return "ENOLCK";
    case Error::kNotSocket: return "ENOTSOCK";
    case Error::kDestinationRequired: return "EDESTADDRREQ";
    case Error::kWrongProtocolType: return "EPROTOTYPE";
    case Error::kNoProtocolOption: return "ENOPROTOOPT";
    case Error::kProtocolNotSupported: return "EPROTONOSUPPORT";
    case Error::kSocketTypeNotSupported: return "ESOCKTNOSUPPORT";
    case Error::kOperationNotSupported: return "EOPNOTSUPP";
    case Error::kFamilyNotSupported: return "EAFNOSUPPORT";
    case Error::kAddressInUse: return "EADDRINUSE";
    case Error::kAddressNotAvailable: return "EADDRNOTAVAIL";
    case Error::kConnectionAborted: return "ECONNABORTED";
    case Error::kConnectionReset: return "ECONNRESET";
    case Error::kNoBuffers: return "ENOBUFS";
    case Error::kIsConnected: return "EISCONN";
    case Error::kNotConnected: return "ENOTCONN";
    case Error::kTooManyReferences: return "ETOOMANYREFS";
    case Error::kConnectionRefused: return "ECONNREFUSED";
    case Error::kAlready: return "EALREADY";
    case Error::kInProgress: return "EINPROGRESS";
    case Error::kNetworkDown: return "ENETDOWN";
    case Error::kNetworkUnreachable: return "ENETUNREACH";
    case Error::kHostUnreachable: return "EHOSTUNREACH";
    case Error::kRestartSys: return "ERESTARTSYS";
    case Error::kRestartNoIntr: return "ERESTARTNOINTR";
    case Error::kRestartNoHand: return "ERESTARTNOHAND";
    case Error::kRestartBlock: return "ERESTART_RESTARTBLOCK";
    case Error::kLoop: return "ELOOP";
    case Error::kNotEmpty: return "ENOTEMPTY";
    case Error::kTooManyLinks: return "EMLINK";
    case Error::kFileTooBig: return "EFBIG";
    case Error::kIsDirectory: return "EISDIR";
    case Error::kNoDevice: return "ENODEV";
    case Error::kNotDirectory: return "ENOTDIR";
    case Error::kCrossDevice: return "EXDEV";
    case Error::kNoDeviceOrAddress: return "ENXIO";
  }
  return "E?";
}

}  // namespace kstd
