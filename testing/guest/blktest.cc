// blktest: the in-guest test of the virtio-blk driver (tessera.test=blk,
// //testing/system:blk_test). init starts the driver and gives this program
// the client end of its service channel (handle "blk"). It prints one line
// per check ("blktest: PASS name" / "blktest: FAIL name: why") and figures.
//
// The disk is //testing/system:blk_test_disk: an ext2 file system in its first
// 4 MiB, nothing after it. On a writable disk the test writes a pattern to
// sectors [kPatternSector, kPatternSector + kPatternSectors) (outside the file
// system), which the host checks after QEMU exits (blk_test.sh). On a
// read-only disk it checks that writes fail with EROFS.

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/blkproto/client.h"
#include "lib/blkproto/ext2_block_device.h"
#include "lib/tessera/bootstrap.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace {

constexpr uint64_t kPatternSector = 12288;  // 6 MiB
constexpr uint32_t kPatternSectors = 512;   // 256 KiB
constexpr uint32_t kBufferBytes = 2u << 20;

int g_failures = 0;

void Pass(const char* name) { printf("blktest: PASS %s\n", name); }
void Fail(const char* name, const char* why, long long value) {
  printf("blktest: FAIL %s: %s (%lld)\n", name, why, value);
  ++g_failures;
}

// A block client holds no DMA right (issue 14): its shared buffer is the
// driver's memory, and it may neither make DMA memory nor learn addresses.
void NoDmaRight(tessera::Bootstrap& boot) {
  if (boot.Find("dma") != tessera::kInvalidHandle) {
    Fail("no-dma-right", "init gave the block client a dma resource", 0);
    return;
  }
  int64_t r = tessera::sys::VmoCreateContiguous(tessera::kInvalidHandle, 4096);
  if (r != -EACCES) {
    Fail("no-dma-right", "VmoCreateContiguous without the dma resource was not refused", r);
    return;
  }
  Pass("no-dma-right");
}

// Byte i of the pattern area (blk_test.sh computes the same).
uint8_t PatternByte(uint64_t i) {
  return static_cast<uint8_t>((i * 31 + (i >> 9) * 7 + 0x5a) & 0xff);
}

uint64_t g_rng = 0x9E3779B97F4A7C15ull;
uint64_t Random() {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return g_rng;
}

void Superblock(blkproto::Client& client) {
  blkproto::Ext2BlockDevice disk(client);
  uint32_t size = disk.sector_size();
  // The superblock: bytes [1024, 2048), sector 2 of 512 bytes.
  static uint8_t block[4096];
  uint64_t lba = 1024 / size;
  uint32_t count = size >= 1024 ? 1 : 1024 / size;
  auto r = disk.Read(lba, count, kstd::Span<uint8_t>(block, static_cast<size_t>(count) * size));
  if (r.is_error())
    return Fail("superblock", "read of sector 2 failed", static_cast<int>(r.error()));
  const uint8_t* sb = block + (1024 % size);
  uint16_t magic = static_cast<uint16_t>(sb[56] | (sb[57] << 8));
  uint32_t blocks = static_cast<uint32_t>(sb[4] | (sb[5] << 8) | (sb[6] << 16) | (sb[7] << 24));
  uint32_t log_block = static_cast<uint32_t>(sb[24]);
  if (magic != 0xEF53) return Fail("superblock", "no ext2 magic at byte 56", magic);
  printf("blktest: ext2 superblock: magic %#x, %u blocks of %u bytes\n", magic, blocks,
         1024u << log_block);
  Pass("superblock");
}

void BadRequests(blkproto::Client& client) {
  struct Case {
    const char* what;
    uint32_t op;
    uint64_t sector;
    uint32_t offset, length;
    int want;
  } cases[] = {
      {"empty", blkproto::kRead, 0, 0, 0, -EINVAL},
      {"partial sector", blkproto::kRead, 0, 0, 100, -EINVAL},
      {"misaligned offset", blkproto::kRead, 0, 1, 512, -EINVAL},
      {"offset past the buffer", blkproto::kRead, 0, kBufferBytes, 512, -EINVAL},
      {"runs off the buffer", blkproto::kRead, 0, kBufferBytes - 512, 1024, -EINVAL},
      {"past the disk", blkproto::kRead, client.capacity_sectors(), 0, 512, -EINVAL},
      {"unknown op", 77, 0, 0, 512, -ENOSYS},
  };
  for (const Case& c : cases) {
    int r = client.Transfer(c.op, c.sector, c.offset, c.length);
    if (r != c.want) return Fail("bad-requests-refused", c.what, r);
  }
  Pass("bad-requests-refused");
}

void WriteFlushReadBack(blkproto::Client& client) {
  const size_t bytes = static_cast<size_t>(kPatternSectors) * 512;
  auto* pattern = static_cast<uint8_t*>(malloc(bytes));
  auto* back = static_cast<uint8_t*>(malloc(bytes));
  for (size_t i = 0; i < bytes; ++i) pattern[i] = PatternByte(i);
  // First half synchronously through the copying API...
  int r = client.Write(kPatternSector, pattern, bytes / 2);
  if (r != 0) return Fail("write-flush-readback", "write failed", r);
  // ...second half as 16 pipelined 8 KiB writes straight from the buffer, then a flush.
  const uint32_t piece = 8192;
  const uint32_t pieces = static_cast<uint32_t>(bytes / 2 / piece);
  memcpy(client.buffer(), pattern + bytes / 2, bytes / 2);
  for (uint32_t i = 0; i < pieces; ++i) {
    r = client.Start(blkproto::kWrite, kPatternSector + (bytes / 2 + i * piece) / 512, i * piece,
                     piece, 100 + i);
    if (r != 0) return Fail("write-flush-readback", "start failed", r);
  }
  r = client.Start(blkproto::kFlush, 0, 0, 0, 999);
  if (r != 0) return Fail("write-flush-readback", "start flush failed", r);
  bool flushed = false;
  for (uint32_t got = 0; got < pieces + 1; ++got) {
    blkproto::Reply reply;
    r = client.WaitReply(&reply, tessera::NowNs() + 30'000'000'000);
    if (r != 0) return Fail("write-flush-readback", "no reply", r);
    if (reply.error != 0)
      return Fail("write-flush-readback", "pipelined request failed", reply.error);
    if (reply.id == 999) flushed = true;
    if (reply.id != 999 && flushed)
      return Fail("write-flush-readback", "flush answered before a write it covers", reply.id);
  }
  r = client.Flush();
  if (r != 0) return Fail("write-flush-readback", "flush failed", r);
  memset(back, 0, bytes);
  r = client.Read(kPatternSector, back, bytes);
  if (r != 0) return Fail("write-flush-readback", "read back failed", r);
  if (memcmp(back, pattern, bytes) != 0)
    return Fail("write-flush-readback", "read back other bytes", 0);
  printf("blktest: wrote %zu bytes at sector %llu, flushed, read them back\n", bytes,
         static_cast<unsigned long long>(kPatternSector));
  Pass("write-flush-readback");
  free(pattern);
  free(back);
}

void ReadOnly(blkproto::Client& client) {
  static uint8_t sector[512];
  int r = client.Write(kPatternSector, sector, sizeof sector);
  if (r != -EROFS) return Fail("readonly-write-erofs", "write to a read-only disk", r);
  r = client.Read(0, sector, sizeof sector);
  if (r != 0) return Fail("readonly-write-erofs", "read of a read-only disk", r);
  Pass("readonly-write-erofs");
}

void Figures(blkproto::Client& client) {
  const uint32_t mib = 1u << 20;
  uint64_t disk_bytes = client.capacity_sectors() * 512;
  // Sequential reads, 1 MiB requests, zero copy (into the shared buffer).
  uint64_t total = 0;
  int64_t t0 = tessera::NowNs();
  while (total < 32ull * mib) {
    for (uint64_t at = 0; at + mib <= disk_bytes && total < 32ull * mib; at += mib) {
      int r = client.Transfer(blkproto::kRead, at / 512, 0, mib);
      if (r != 0) return Fail("figures", "sequential read failed", r);
      total += mib;
    }
    if (disk_bytes < mib) return;
  }
  int64_t ns = tessera::NowNs() - t0;
  // MB/s = bytes per microsecond; in hundredths.
  unsigned long long centi = static_cast<unsigned long long>(total * 100 / (ns / 1000 + 1));
  printf("blktest: sequential read, 1 MiB requests: %llu.%02llu MB/s (%llu MiB in %lld ms)\n",
         centi / 100, centi % 100, static_cast<unsigned long long>(total / mib),
         static_cast<long long>(ns / 1000000));
  // Random 4 KiB reads: one at a time, then 16 in flight.
  uint64_t blocks = disk_bytes / 4096;
  const int reads = 2000;
  t0 = tessera::NowNs();
  for (int i = 0; i < reads; ++i) {
    int r = client.Transfer(blkproto::kRead, (Random() % blocks) * 8, 0, 4096);
    if (r != 0) return Fail("figures", "random read failed", r);
  }
  ns = tessera::NowNs() - t0;
  printf("blktest: random 4 KiB reads, 1 in flight: %lld IOPS (%d reads in %lld ms)\n",
         static_cast<long long>(reads * 1000000000ll / ns), reads,
         static_cast<long long>(ns / 1000000));
  const int depth = 16;
  t0 = tessera::NowNs();
  int started = 0, done = 0;
  for (; started < depth; ++started) {
    if (client.Start(blkproto::kRead, (Random() % blocks) * 8, started * 4096, 4096,
                     static_cast<uint64_t>(started)) != 0) {
      return;
    }
  }
  while (done < reads) {
    blkproto::Reply reply;
    int r = client.WaitReply(&reply, tessera::NowNs() + 30'000'000'000);
    if (r != 0 || reply.error != 0)
      return Fail("figures", "pipelined random read failed", r ? r : reply.error);
    ++done;
    if (started < reads) {
      uint32_t slot = static_cast<uint32_t>(reply.id % depth);
      // The id names the buffer slot: id % depth.
      if (client.Start(blkproto::kRead, (Random() % blocks) * 8, slot * 4096, 4096,
                       static_cast<uint64_t>(started) * depth + slot) != 0) {
        return;
      }
      ++started;
    }
  }
  ns = tessera::NowNs() - t0;
  printf("blktest: random 4 KiB reads, %d in flight: %lld IOPS (%d reads in %lld ms)\n", depth,
         static_cast<long long>(reads * 1000000000ll / ns), reads,
         static_cast<long long>(ns / 1000000));
}

}  // namespace

int main() {
  tessera::Bootstrap boot;
  tessera::handle_t channel = boot.Load() == 0 ? boot.Take("blk") : tessera::kInvalidHandle;
  if (channel == tessera::kInvalidHandle) {
    printf("blktest: FAIL open: no \"blk\" handle (no virtio-blk disk, or no driver)\n");
    return 1;
  }
  blkproto::Client client;
  int r = client.Open(channel, kBufferBytes);
  if (r != 0) {
    printf("blktest: FAIL open: registering the shared buffer failed (%d)\n", r);
    return 1;
  }
  const blkproto::Info& info = client.info();
  printf("blktest: disk of %llu sectors, block size %u, max transfer %u, %s, %s\n",
         static_cast<unsigned long long>(info.capacity_sectors), info.block_size, info.max_transfer,
         client.read_only() ? "read-only" : "read-write",
         (info.flags & blkproto::kInfoFlush) ? "volatile cache (flush)" : "write-through");
  Pass("open");
  NoDmaRight(boot);
  Superblock(client);
  BadRequests(client);
  if (client.read_only()) {
    ReadOnly(client);
  } else if (client.capacity_sectors() >= kPatternSector + kPatternSectors) {
    WriteFlushReadBack(client);
  } else {
    Fail("write-flush-readback", "the disk is too small for the pattern area",
         client.capacity_sectors());
  }
  Figures(client);
  client.Close();
  printf("blktest: %s\n", g_failures == 0 ? "all checks passed" : "some checks FAILED");
  return g_failures == 0 ? 0 : 1;
}
