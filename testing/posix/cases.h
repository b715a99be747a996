#pragma once

#include "testing/posix/harness.h"

namespace posix_test {

extern const Case kProcessCases[];
extern const int kProcessCaseCount;

}  // namespace posix_test
