#pragma once

#include "core/fd/file.h"
#include "core/proc/process.h"
#include "hal/boot/boot_info.h"
#include "kstd/result.h"

namespace core {

/// Starts the boot module named "init" as PID 1. Its bootstrap message holds
/// a read+execute handle to every boot module (init's own included), named by
/// module name; its argv is its module command line; its environment carries
/// the kernel's `tessera.test=` mode as TESSERA_TEST. Errors: kNotFound (no
/// init module), and Spawn's errors. `stdio` becomes its fds 0, 1 and 2.
kstd::Result<kstd::RefPtr<Process>> StartInit(const hal::BootInfo& boot_info,
                                              kstd::RefPtr<fd::FileDescription> stdio);

}  // namespace core
