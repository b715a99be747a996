#pragma once

// /dev/kmsg (character device 1:11), as Linux's: each open that can read
// has its own LogCursor, starting at the oldest record kept.
//
//   read     one record per call in the /dev/kmsg form (record_format.h);
//            EINVAL if the buffer is smaller than the record, EPIPE once
//            when records at the position were overwritten (the position
//            moves to the oldest), EAGAIN at the end with O_NONBLOCK,
//            otherwise it waits for the next record
//   poll     POLLIN | POLLRDNORM while a record is there
//   lseek    offset 0 only (else ESPIPE): SEEK_SET the oldest record,
//            SEEK_DATA the first after the last syslog clear, SEEK_END
//            after the newest; other whence EINVAL; a write-only open EBADF
//   write    stores one record per call (at most 1024 bytes, else EINVAL):
//            a leading "<N>" sets the level (and facility), Linux's default
//            is LOG_USER/KERN_WARNING; the line also goes to the console,
//            tagged with the writer's name, when its level is shown there.
//
// /proc/kmsg (OpenProcKmsg): reads consume from the syslog cursor in the
// syslog form, as SYSLOG_ACTION_READ does (O_NONBLOCK: EAGAIN when nothing
// is unread); poll is readable while something is unread.

#include <stdint.h>

#include "abi/linux/stat.h"
#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::kmsg {

inline constexpr uint64_t kDevKmsg = linux_abi::MakeDev(1, 11);

/// Registers the driver and makes `dir`/kmsg (mode 0644). Errors: those of
/// vfs::DevFs::AddDevice.
kstd::Result<void> AddKmsgDevice(vfs::Vnode* dir);

/// The /proc/kmsg node (mode 0400) for a synthetic file system. Null when
/// memory is short.
kstd::RefPtr<vfs::Vnode> MakeProcKmsgNode(kstd::RefPtr<vfs::FileSystem> fs, uint64_t ino);

}  // namespace core::kmsg
