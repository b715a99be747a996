#pragma once

// Handle rights: what the holder of a handle may do with the object. Checked
// at every native syscall together with the handle lookup. The values are
// the native ABI's (abi/tessera/rights.h); the kernel's object model names
// them in namespace core.

#include "abi/tessera/rights.h"

namespace core {

using tessera::Rights;

using tessera::kRightDuplicate;
using tessera::kRightExecute;
using tessera::kRightManage;
using tessera::kRightMap;
using tessera::kRightNone;
using tessera::kRightRead;
using tessera::kRightsAll;
using tessera::kRightsBasic;
using tessera::kRightsIo;
using tessera::kRightTransfer;
using tessera::kRightWait;
using tessera::kRightWrite;

}  // namespace core
