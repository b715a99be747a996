#pragma once

// Test helpers for core/exec: a LoadTarget that records mappings and keeps
// written bytes in a sparse page map, and a fixture reader.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/exec/elf_loader.h"
#include "core/exec/load_target.h"

namespace core::exec::testing {

using Bytes = std::vector<uint8_t>;

/// The whole file at `path` (relative to the runfiles root), or empty.
inline Bytes ReadFile(const std::string& path) {
  Bytes bytes;
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) return bytes;
  uint8_t buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  fclose(f);
  return bytes;
}

/// A fixture from core/exec/testdata; fails the test if it is missing.
inline Bytes ReadFixture(const std::string& name) {
  Bytes bytes = ReadFile("core/exec/testdata/" + name);
  if (bytes.empty()) ADD_FAILURE() << "cannot read fixture core/exec/testdata/" << name;
  return bytes;
}

inline kstd::ByteSpan AsSpan(const Bytes& b) { return kstd::ByteSpan(b.data(), b.size()); }

/// An address space made of recorded ranges. Mapping costs nothing per page,
/// so a corrupted p_memsz of terabytes is harmless; only written pages are
/// stored. LoadTarget contract violations are test failures.
class FakeLoadTarget final : public LoadTarget {
 public:
  struct Mapping {
    uint64_t start;
    uint64_t end;
    uint32_t prot;
  };

  kstd::Result<void> MapZeroed(uint64_t vaddr, uint64_t size, uint32_t prot) override {
    ++map_calls;
    if (map_calls == fail_map_call) return kstd::Error::kNoMemory;
    EXPECT_EQ(vaddr % kPageSize, 0u);
    EXPECT_EQ(size % kPageSize, 0u);
    EXPECT_GT(size, 0u);
    EXPECT_EQ(prot & ~(kProtRead | kProtWrite | kProtExec), 0u);
    EXPECT_GE(vaddr, kUserMin);
    EXPECT_LE(size, kUserEnd - vaddr);
    for (const Mapping& m : mappings) {
      if (vaddr < m.end && m.start < vaddr + size) {
        ADD_FAILURE() << "page mapped twice at " << std::hex << vaddr;
        return kstd::Error::kExists;
      }
    }
    mappings.push_back({vaddr, vaddr + size, prot});
    return kstd::Ok();
  }

  kstd::Result<void> Write(uint64_t vaddr, kstd::ByteSpan bytes) override {
    ++write_calls;
    if (write_calls == fail_write_call) return kstd::Error::kNoMemory;
    for (size_t done = 0; done < bytes.size();) {
      const uint64_t addr = vaddr + done;
      const uint64_t page = addr & ~(kPageSize - 1);
      if (Find(addr) == nullptr) {
        ADD_FAILURE() << "write to unmapped " << std::hex << addr;
        return kstd::Error::kFault;
      }
      const size_t chunk = std::min<uint64_t>(bytes.size() - done, page + kPageSize - addr);
      Bytes& contents = pages[page];
      contents.resize(kPageSize);
      std::copy(bytes.data() + done, bytes.data() + done + chunk, contents.begin() + (addr - page));
      done += chunk;
    }
    return kstd::Ok();
  }

  /// With `mapped_file` set, the target can map the file (CanMapFile): a
  /// MapFile records the mapping and shows the file's bytes (zero past its
  /// end) as if they were the file's shared pages.
  bool CanMapFile() const override { return mapped_file != nullptr; }
  kstd::Result<void> MapFile(uint64_t vaddr, uint64_t size, uint32_t prot,
                             uint64_t file_offset) override {
    if (mapped_file == nullptr) return kstd::Error::kNotSupported;
    ++map_file_calls;
    EXPECT_EQ(file_offset % kPageSize, 0u);
    EXPECT_LE(file_offset + size, (mapped_file->size() + kPageSize - 1) / kPageSize * kPageSize)
        << "mapping past the file's last page";
    const int before = map_calls;
    TRY(MapZeroed(vaddr, size, prot));
    map_calls = before;  // counted as a file mapping only
    for (uint64_t i = 0; i < size; i += kPageSize) {
      Bytes& contents = pages[vaddr + i];
      contents.assign(kPageSize, 0);
      for (uint64_t j = 0; j < kPageSize && file_offset + i + j < mapped_file->size(); ++j) {
        contents[j] = (*mapped_file)[file_offset + i + j];
      }
    }
    return kstd::Ok();
  }

  const Mapping* Find(uint64_t addr) const {
    for (const Mapping& m : mappings) {
      if (addr >= m.start && addr < m.end) return &m;
    }
    return nullptr;
  }
  /// The protection of the page at `addr`, or -1 if it is not mapped.
  int64_t ProtAt(uint64_t addr) const {
    const Mapping* m = Find(addr);
    return m == nullptr ? int64_t{-1} : int64_t{m->prot};
  }
  /// Bytes at [addr, addr + size); unwritten mapped bytes read as zero.
  Bytes Read(uint64_t addr, size_t size) const {
    Bytes out(size, 0);
    for (size_t i = 0; i < size;) {
      const uint64_t page = (addr + i) & ~(kPageSize - 1);
      const size_t chunk = std::min<uint64_t>(size - i, page + kPageSize - (addr + i));
      auto it = pages.find(page);
      if (it != pages.end()) {
        std::copy(it->second.begin() + (addr + i - page),
                  it->second.begin() + (addr + i - page) + chunk, out.begin() + i);
      }
      i += chunk;
    }
    return out;
  }

  int map_calls = 0;
  int map_file_calls = 0;
  int write_calls = 0;
  const Bytes* mapped_file = nullptr;  // see CanMapFile
  int fail_map_call = 0;               // the n-th MapZeroed (1-based) fails with kNoMemory
  int fail_write_call = 0;             // the n-th Write (1-based) fails with kNoMemory
  std::vector<Mapping> mappings;
  std::map<uint64_t, Bytes> pages;  // written pages, kPageSize bytes each
};

}  // namespace core::exec::testing
