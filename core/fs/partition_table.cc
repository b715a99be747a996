#include "core/fs/partition_table.h"

namespace core::fs {
namespace {

uint16_t Le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t Le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t Le64(const uint8_t* p) {
  return static_cast<uint64_t>(Le32(p)) | (static_cast<uint64_t>(Le32(p + 4)) << 32);
}

// The CRC-32 register after `bytes` (start with 0xffffffff; the CRC is the
// final register inverted).
uint32_t Crc32Update(uint32_t crc, const uint8_t* bytes, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    crc ^= bytes[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
  }
  return crc;
}

constexpr uint8_t kTypeGptProtective = 0xee;
bool IsExtended(uint8_t type) { return type == 0x05 || type == 0x0f || type == 0x85; }

struct Scanner {
  SectorReader read;
  void* context;
  uint64_t disk_sectors;
  kstd::Span<Partition> out;
  PartitionScan scan;

  // Adds a partition if it lies on the disk (Linux drops ones that do not
  // start on it and cuts ones that run past its end).
  void Add(uint32_t number, uint64_t first, uint64_t sectors) {
    if (number == 0 || number > kMaxPartitions || sectors == 0) return;
    if (first >= disk_sectors || scan.count >= out.size()) return;
    if (sectors > disk_sectors - first) sectors = disk_sectors - first;
    out[scan.count++] = Partition{number, first, sectors};
  }

  kstd::Result<void> Gpt() {
    uint8_t header[kTableSectorSize];
    TRY(read(context, 1, header));
    static constexpr char kSignature[8] = {'E', 'F', 'I', ' ', 'P', 'A', 'R', 'T'};
    if (__builtin_memcmp(header, kSignature, 8) != 0) {
      scan.problem = "protective MBR, but no GPT header at LBA 1";
      return kstd::Ok();
    }
    uint32_t header_size = Le32(header + 12);
    if (header_size < 92 || header_size > kTableSectorSize) {
      scan.problem = "GPT header size out of range";
      return kstd::Ok();
    }
    uint32_t crc = Le32(header + 16);
    uint8_t copy[kTableSectorSize];
    __builtin_memcpy(copy, header, header_size);
    __builtin_memset(copy + 16, 0, 4);
    if (Crc32(copy, header_size) != crc) {
      scan.problem = "GPT header CRC mismatch";
      return kstd::Ok();
    }
    uint64_t my_lba = Le64(header + 24);
    uint64_t entries_lba = Le64(header + 72);
    uint32_t entry_count = Le32(header + 80);
    uint32_t entry_size = Le32(header + 84);
    uint32_t entries_crc = Le32(header + 88);
    if (my_lba != 1 || entry_size < 128 || entry_size > kTableSectorSize ||
        (entry_size & (entry_size - 1)) != 0 || entry_count == 0 || entry_count > 1024 ||
        entries_lba < 2 || entries_lba >= disk_sectors) {
      scan.problem = "GPT header fields out of range";
      return kstd::Ok();
    }
    // The entries' CRC covers all of them; read them sector by sector.
    uint64_t bytes = static_cast<uint64_t>(entry_count) * entry_size;
    uint64_t sectors = (bytes + kTableSectorSize - 1) / kTableSectorSize;
    if (entries_lba + sectors > disk_sectors) {
      scan.problem = "GPT entries past the end of the disk";
      return kstd::Ok();
    }
    uint32_t running = 0xffffffffu;
    uint64_t done = 0;
    Partition found[kMaxPartitions];
    size_t nfound = 0;
    for (uint64_t s = 0; s < sectors; ++s) {
      uint8_t sector[kTableSectorSize];
      TRY(read(context, entries_lba + s, sector));
      size_t take =
          bytes - done < kTableSectorSize ? static_cast<size_t>(bytes - done) : kTableSectorSize;
      running = Crc32Update(running, sector, take);
      for (size_t at = 0; at + entry_size <= take; at += entry_size) {
        uint64_t index = (done + at) / entry_size;
        const uint8_t* e = sector + at;
        bool used = false;
        for (int i = 0; i < 16; ++i) used = used || e[i] != 0;
        if (!used || index >= kMaxPartitions || nfound == kMaxPartitions) continue;
        uint64_t first = Le64(e + 32), last = Le64(e + 40);
        if (last < first) continue;
        found[nfound++] = Partition{static_cast<uint32_t>(index + 1), first, last - first + 1};
      }
      done += take;
    }
    if ((running ^ 0xffffffffu) != entries_crc) {
      scan.problem = "GPT entries CRC mismatch";
      return kstd::Ok();
    }
    scan.kind = "gpt";
    for (size_t i = 0; i < nfound; ++i)
      Add(found[i].number, found[i].first_sector, found[i].sectors);
    return kstd::Ok();
  }

  // The logical partitions in extended partition [start, start + size).
  kstd::Result<void> Logical(uint64_t start, uint64_t size) {
    uint64_t ebr = start;
    uint32_t number = 5;
    for (int hops = 0; hops < 64 && number <= kMaxPartitions; ++hops) {
      if (ebr >= disk_sectors) return kstd::Ok();
      uint8_t sector[kTableSectorSize];
      TRY(read(context, ebr, sector));
      if (Le16(sector + 510) != 0xaa55) return kstd::Ok();
      const uint8_t* logical = sector + 446;
      const uint8_t* next = sector + 462;
      if (logical[4] != 0 && Le32(logical + 12) != 0) {
        Add(number++, ebr + Le32(logical + 8), Le32(logical + 12));
      }
      if (!IsExtended(next[4]) || Le32(next + 12) == 0) return kstd::Ok();
      uint64_t offset = Le32(next + 8);
      if (offset == 0 || offset >= size) return kstd::Ok();  // a loop or outside the extended one
      ebr = start + offset;
    }
    return kstd::Ok();
  }

  kstd::Result<void> Mbr(const uint8_t* mbr) {
    scan.kind = "mbr";
    uint64_t ext_start = 0, ext_size = 0;
    for (uint32_t slot = 0; slot < 4; ++slot) {
      const uint8_t* e = mbr + 446 + 16 * slot;
      uint8_t type = e[4];
      uint64_t first = Le32(e + 8), sectors = Le32(e + 12);
      if (type == 0 || sectors == 0) continue;
      if (IsExtended(type)) {
        Add(slot + 1, first, sectors < 2 ? sectors : 2);
        if (ext_size == 0) {
          ext_start = first;
          ext_size = sectors;
        }
      } else {
        Add(slot + 1, first, sectors);
      }
    }
    if (ext_size != 0) TRY(Logical(ext_start, ext_size));
    return kstd::Ok();
  }
};

}  // namespace

uint32_t Crc32(const uint8_t* bytes, size_t size) {
  return Crc32Update(0xffffffffu, bytes, size) ^ 0xffffffffu;
}

kstd::Result<PartitionScan> ScanPartitions(SectorReader read, void* context, uint64_t disk_sectors,
                                           kstd::Span<Partition> out) {
  Scanner s{read, context, disk_sectors, out, {}};
  if (disk_sectors < 2) return s.scan;
  uint8_t mbr[kTableSectorSize];
  TRY(read(context, 0, mbr));
  if (Le16(mbr + 510) != 0xaa55) return s.scan;
  bool protective = false;
  for (uint32_t slot = 0; slot < 4; ++slot) {
    protective = protective || mbr[446 + 16 * slot + 4] == kTypeGptProtective;
  }
  if (protective) {
    TRY(s.Gpt());
  } else {
    TRY(s.Mbr(mbr));
  }
  return s.scan;
}

}  // namespace core::fs
