#pragma once

// The kernel log as core spells it: core::Log, core::Print, core::Panic. The
// log itself (formatting, the console sink, panic) lives below the HAL in
// klog/, so the HAL's backends report through the same lines; core code keeps
// its short names through these using-declarations.

#include "klog/log.h"

namespace core {

using klog::kPanicExitCode;
using klog::Log;
using klog::LogAt;
using klog::Panic;
using klog::Print;
using klog::SetPanicHalts;

}  // namespace core
