#pragma once

// fcntl's memfd commands (the rest of memfd_create is sys_memfd.cc).

#include <stdint.h>

#include "core/fd/file.h"
#include "kstd/result.h"

namespace core::syscall {

/// F_ADD_SEALS (`arg`: the seals) and F_GET_SEALS on `file`. Errors: EPERM
/// (F_ADD_SEALS on a description not open for writing; F_SEAL_SEAL set; a
/// sealed operation), EINVAL (unknown seal bits; not a memfd), EBUSY
/// (F_SEAL_WRITE while a shared mapping may write).
kstd::Result<uint64_t> FcntlSeals(fd::FileDescription* file, int32_t cmd, uint64_t arg);

}  // namespace core::syscall
