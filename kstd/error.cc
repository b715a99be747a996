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
    case Error::kBusy: return "EBUSY";
    case Error::kExists: return "EEXIST";
    case Error::kNotTty: return "ENOTTY";
    case Error::kInvalid: return "EINVAL";
    case Error::kTooManyHandles: return "EMFILE";
    case Error::kNoSpace: return "ENOSPC";
    case Error::kPipe: return "EPIPE";
    case Error::kRange: return "ERANGE";
    case Error::kNameTooLong: return "ENAMETOOLONG";
    case Error::kNotSupported: return "ENOSYS";
    case Error::kOverflow: return "EOVERFLOW";
    case Error::kBadMessage: return "EBADMSG";
    case Error::kMessageSize: return "EMSGSIZE";
    case Error::kTimedOut: return "ETIMEDOUT";
  }
  return "E?";
}

}  // namespace kstd
