// Partition tables (partition_table.h) on disk images built here byte by
// byte: MBR primaries, an extended partition's logical chain (and a loop in
// it), GPT with its CRCs (and a corrupted one), partitions past the end.

#include "core/fs/partition_table.h"

#include <gtest/gtest.h>
#include <string.h>

#include <vector>

namespace core::fs {
namespace {

struct Image {
  explicit Image(uint64_t sectors) : bytes(sectors * 512, 0) {}
  uint8_t* Sector(uint64_t lba) { return bytes.data() + lba * 512; }
  uint64_t sectors() const { return bytes.size() / 512; }
  std::vector<uint8_t> bytes;
};

kstd::Result<void> ReadImage(void* context, uint64_t lba, uint8_t* out) {
  auto* image = static_cast<Image*>(context);
  if (lba >= image->sectors()) return kstd::Error::kIo;
  memcpy(out, image->Sector(lba), 512);
  return kstd::Ok();
}

void Put32(uint8_t* p, uint32_t v) { memcpy(p, &v, 4); }
void Put64(uint8_t* p, uint64_t v) { memcpy(p, &v, 8); }

void MbrEntry(uint8_t* sector, int slot, uint8_t type, uint32_t first, uint32_t count) {
  uint8_t* e = sector + 446 + 16 * slot;
  e[4] = type;
  Put32(e + 8, first);
  Put32(e + 12, count);
  sector[510] = 0x55;
  sector[511] = 0xaa;
}

std::vector<Partition> Scan(Image& image, PartitionScan* scan = nullptr) {
  Partition out[kMaxPartitions];
  auto r = ScanPartitions(ReadImage, &image, image.sectors(),
                          kstd::Span<Partition>(out, kMaxPartitions));
  EXPECT_TRUE(r.ok());
  if (scan != nullptr && r.ok()) *scan = r.value();
  return std::vector<Partition>(out, out + (r.ok() ? r.value().count : 0));
}

TEST(PartitionTable, Crc32KnownVector) {
  const char* s = "123456789";
  EXPECT_EQ(Crc32(reinterpret_cast<const uint8_t*>(s), 9), 0xcbf43926u);
}

TEST(PartitionTable, NoSignatureNoPartitions) {
  Image image(64);
  PartitionScan scan;
  EXPECT_TRUE(Scan(image, &scan).empty());
  EXPECT_STREQ(scan.kind, "none");
}

TEST(PartitionTable, MbrPrimariesAndLogicals) {
  Image image(4096);
  MbrEntry(image.Sector(0), 0, 0x83, 2048, 1000);
  MbrEntry(image.Sector(0), 2, 0x05, 3100, 900);  // extended, slot 3
  // EBR 1 at 3100: logical at +63 (100 sectors), next EBR at +200.
  MbrEntry(image.Sector(3100), 0, 0x83, 63, 100);
  MbrEntry(image.Sector(3100), 1, 0x05, 200, 300);
  // EBR 2 at 3300: logical at +10 (50 sectors), the end of the chain.
  MbrEntry(image.Sector(3300), 0, 0x82, 10, 50);
  PartitionScan scan;
  auto p = Scan(image, &scan);
  EXPECT_STREQ(scan.kind, "mbr");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].number, 1u);
  EXPECT_EQ(p[0].first_sector, 2048u);
  EXPECT_EQ(p[0].sectors, 1000u);
  EXPECT_EQ(p[1].number, 3u);  // the extended one: 2 sectors, as Linux shows it
  EXPECT_EQ(p[1].sectors, 2u);
  EXPECT_EQ(p[2].number, 5u);
  EXPECT_EQ(p[2].first_sector, 3163u);
  EXPECT_EQ(p[2].sectors, 100u);
  EXPECT_EQ(p[3].number, 6u);
  EXPECT_EQ(p[3].first_sector, 3310u);
  EXPECT_EQ(p[3].sectors, 50u);
}

TEST(PartitionTable, ExtendedChainLoopEnds) {
  Image image(2048);
  MbrEntry(image.Sector(0), 0, 0x0f, 100, 1000);
  MbrEntry(image.Sector(100), 0, 0x83, 1, 10);
  MbrEntry(image.Sector(100), 1, 0x05, 200, 10);
  MbrEntry(image.Sector(300), 0, 0x83, 1, 10);
  MbrEntry(image.Sector(300), 1, 0x05, 200, 10);  // points at itself
  auto p = Scan(image);
  EXPECT_LE(p.size(), kMaxPartitions);
  for (const Partition& x : p) EXPECT_LE(x.number, kMaxPartitions);
}

TEST(PartitionTable, PartitionsOffTheDiskAreDroppedOrCut) {
  Image image(1000);
  MbrEntry(image.Sector(0), 0, 0x83, 5000, 10);  // starts past the end
  MbrEntry(image.Sector(0), 1, 0x83, 900, 500);  // runs past the end
  auto p = Scan(image);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].number, 2u);
  EXPECT_EQ(p[0].sectors, 100u);
}

// A GPT with entries 1, 2 and 5 used (128 entries of 128 bytes at LBA 2).
void BuildGpt(Image& image) {
  MbrEntry(image.Sector(0), 0, 0xee, 1, static_cast<uint32_t>(image.sectors() - 1));
  uint8_t* entries = image.Sector(2);
  auto entry = [&](int index, uint64_t first, uint64_t last) {
    uint8_t* e = entries + 128 * index;
    memset(e, 0xab, 16);  // a type GUID (any non-zero one)
    Put64(e + 32, first);
    Put64(e + 40, last);
  };
  entry(0, 2048, 4095);
  entry(1, 4096, 8191);
  entry(4, 10000, 10099);
  uint8_t* h = image.Sector(1);
  memcpy(h, "EFI PART", 8);
  Put32(h + 8, 0x00010000);
  Put32(h + 12, 92);
  Put64(h + 24, 1);
  Put64(h + 32, image.sectors() - 1);
  Put64(h + 72, 2);
  Put32(h + 80, 128);
  Put32(h + 84, 128);
  Put32(h + 88, Crc32(entries, 128 * 128));
  Put32(h + 16, 0);
  Put32(h + 16, Crc32(h, 92));
}

TEST(PartitionTable, GptEntriesByIndex) {
  Image image(20480);
  BuildGpt(image);
  PartitionScan scan;
  auto p = Scan(image, &scan);
  EXPECT_STREQ(scan.kind, "gpt");
  EXPECT_EQ(scan.problem, nullptr);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].number, 1u);
  EXPECT_EQ(p[0].first_sector, 2048u);
  EXPECT_EQ(p[0].sectors, 2048u);
  EXPECT_EQ(p[1].number, 2u);
  EXPECT_EQ(p[2].number, 5u);
  EXPECT_EQ(p[2].sectors, 100u);
}

TEST(PartitionTable, GptWithBadCrcsIsNotUsed) {
  Image image(20480);
  BuildGpt(image);
  image.Sector(2)[40] ^= 1;  // an entry byte: the entries' CRC no longer matches
  PartitionScan scan;
  EXPECT_TRUE(Scan(image, &scan).empty());
  EXPECT_STREQ(scan.problem, "GPT entries CRC mismatch");
  BuildGpt(image);
  image.Sector(1)[72] ^= 1;  // a header byte
  EXPECT_TRUE(Scan(image, &scan).empty());
  EXPECT_STREQ(scan.problem, "GPT header CRC mismatch");
}

}  // namespace
}  // namespace core::fs
