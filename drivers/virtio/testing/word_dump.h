#pragma once

// Reads the QEMU monitor's `xp /Nwx` output (see testdata/README.md) back
// into bytes, for tests that use captured device data.

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

namespace virtio::testing {

inline std::vector<uint8_t> ReadWordDump(const std::string& path) {
  std::vector<uint8_t> bytes;
  FILE* f = fopen(path.c_str(), "r");
  if (f == nullptr) return bytes;
  char line[512];
  while (fgets(line, sizeof(line), f) != nullptr) {
    if (line[0] == '#') continue;
    char* p = strchr(line, ':');
    if (p == nullptr) continue;
    ++p;
    unsigned int word;
    int used;
    while (sscanf(p, " 0x%x%n", &word, &used) == 1) {
      for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(word >> (8 * i)));
      p += used;
    }
  }
  fclose(f);
  return bytes;
}

}  // namespace virtio::testing
