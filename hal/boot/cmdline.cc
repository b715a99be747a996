#include "hal/boot/cmdline.h"

namespace hal {
namespace {

// Finds `key` as a whole word (followed by '=', ' ' or the end). Returns the
// character after the key, or nullptr.
const char* FindKey(const char* cmdline, const char* key) {
  if (cmdline == nullptr || key == nullptr || *key == '\0') return nullptr;
  const char* p = cmdline;
  while (*p != '\0') {
    while (*p == ' ') ++p;
    const char* word = p;
    const char* k = key;
    while (*k != '\0' && *p == *k) {
      ++p;
      ++k;
    }
    if (*k == '\0' && (*p == '\0' || *p == ' ' || *p == '=')) return p;
    p = word;
    while (*p != '\0' && *p != ' ') ++p;
  }
  return nullptr;
}

}  // namespace

bool CmdlineHas(const char* cmdline, const char* key) { return FindKey(cmdline, key) != nullptr; }

bool CmdlineValue(const char* cmdline, const char* key, char* out, size_t out_size) {
  const char* p = FindKey(cmdline, key);
  if (p == nullptr || *p != '=' || out_size == 0) return false;
  ++p;
  size_t n = 0;
  while (p[n] != '\0' && p[n] != ' ') {
    if (n + 1 >= out_size) return false;
    out[n] = p[n];
    ++n;
  }
  out[n] = '\0';
  return true;
}

}  // namespace hal
