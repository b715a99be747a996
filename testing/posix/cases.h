#pragma once

#include "testing/posix/harness.h"

namespace posix_test {

extern const Case kProcessCases[];
extern const int kProcessCaseCount;
extern const Case kFdCases[];
extern const int kFdCaseCount;

}  // namespace posix_test
