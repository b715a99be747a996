#pragma once

// System V IPC as x86-64 Linux user space sees it (include/uapi/linux/ipc.h,
// shm.h, sem.h, asm-generic/ipcbuf.h, arch/x86/include/uapi/asm/shmbuf.h and
// sembuf.h): the flags and commands of shmget/shmat/shmctl/shmdt and
// semget/semop/semtimedop/semctl, and the structures they pass.

#include <stdint.h>

namespace linux_abi {

inline constexpr int32_t kIpcPrivate = 0;
inline constexpr int kIpcCreat = 01000;
inline constexpr int kIpcExcl = 02000;
inline constexpr int kIpcNoWait = 04000;
inline constexpr int kIpcRmid = 0;
inline constexpr int kIpcSet = 1;
inline constexpr int kIpcStat = 2;
inline constexpr int kIpcInfo = 3;
inline constexpr int kIpc64 = 0x100;  // glibc and musl or it into every cmd

inline constexpr int kShmRdonly = 010000;
inline constexpr int kShmRnd = 020000;
inline constexpr int kShmRemap = 040000;
inline constexpr int kShmExec = 0100000;
inline constexpr int kShmStat = 13;
inline constexpr int kShmInfo = 14;
inline constexpr uint64_t kShmLba = 4096;

inline constexpr int kSemUndo = 0x1000;
inline constexpr int kGetPid = 11;
inline constexpr int kGetVal = 12;
inline constexpr int kGetAll = 13;
inline constexpr int kGetNcnt = 14;
inline constexpr int kGetZcnt = 15;
inline constexpr int kSetVal = 16;
inline constexpr int kSetAll = 17;
inline constexpr int kSemStat = 18;
inline constexpr int kSemInfo = 19;
inline constexpr int kSemMsl = 32000;  // semaphores per set
inline constexpr int kSemVmx = 32767;  // a semaphore's largest value
inline constexpr int kSemOpm = 500;    // operations per semop

struct IpcPerm {
  int32_t key;
  uint32_t uid;
  uint32_t gid;
  uint32_t cuid;
  uint32_t cgid;
  uint32_t mode;
  uint16_t seq;
  uint16_t pad2;
  uint32_t pad3;
  uint64_t unused1;
  uint64_t unused2;
};

struct ShmidDs {
  IpcPerm shm_perm;
  uint64_t shm_segsz;
  int64_t shm_atime;
  int64_t shm_dtime;
  int64_t shm_ctime;
  int32_t shm_cpid;
  int32_t shm_lpid;
  uint64_t shm_nattch;
  uint64_t unused4;
  uint64_t unused5;
};

struct SemidDs {
  IpcPerm sem_perm;
  int64_t sem_otime;
  uint64_t unused1;
  int64_t sem_ctime;
  uint64_t unused2;
  uint64_t sem_nsems;
  uint64_t unused3;
  uint64_t unused4;
};

struct Sembuf {
  uint16_t sem_num;
  int16_t sem_op;
  int16_t sem_flg;
};

}  // namespace linux_abi
