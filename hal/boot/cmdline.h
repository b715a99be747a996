#pragma once

// Kernel command line options: space-separated words, each `key` or `key=value`
// (e.g. "tessera.test=boot panic=halt"). Host-testable; no allocation.

#include <stddef.h>

namespace hal {

/// True if the command line contains the word `key` or `key=<anything>`.
bool CmdlineHas(const char* cmdline, const char* key);

/// Copies the value of `key=value` into out (NUL-terminated) and returns true;
/// false if the key is absent, has no value, or the value does not fit.
bool CmdlineValue(const char* cmdline, const char* key, char* out, size_t out_size);

}  // namespace hal
