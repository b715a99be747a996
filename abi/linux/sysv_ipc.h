#pragma once

// System V IPC as x86-64 Linux user space sees it (include/uapi/linux/ipc.h,
// shm.h, sem.h, asm-generic/ipcbuf.h, arch/x86/include/uapi/asm/shmbuf.h and
// sembuf.h, msg.h, asm-generic/msgbuf.h): the flags and commands of
// shmget/shmat/shmctl/shmdt, semget/semop/semtimedop/semctl and
// msgget/msgsnd/msgrcv/msgctl, and the structures they pass.

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

inline constexpr int kMsgNoError = 010000;
inline constexpr int kMsgExcept = 020000;
inline constexpr int kMsgCopy = 040000;
inline constexpr int kMsgStat = 11;
inline constexpr int kMsgInfo = 12;
inline constexpr int kMsgStatAny = 13;
inline constexpr int kMsgMax = 8192;    // default largest message (kernel.msgmax)
inline constexpr int kMsgMnb = 16384;   // default queue size in bytes (kernel.msgmnb)
inline constexpr int kMsgMni = 32000;   // default most queues (kernel.msgmni)
inline constexpr int kIpcMni = 32768;   // the most objects of one kind (the id stride)
inline constexpr int kMsgSsz = 16;      // IPC_INFO's msgssz
inline constexpr int kMsgSeg = 0xffff;  // IPC_INFO's msgseg

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

// shmctl IPC_INFO (struct shminfo64) and SHM_INFO (struct shm_info).
struct Shminfo {
  uint64_t shmmax;
  uint64_t shmmin;
  uint64_t shmmni;
  uint64_t shmseg;
  uint64_t shmall;
  uint64_t unused1;
  uint64_t unused2;
  uint64_t unused3;
  uint64_t unused4;
};

struct ShmInfo {
  int32_t used_ids;
  uint64_t shm_tot;  // pages
  uint64_t shm_rss;
  uint64_t shm_swp;
  uint64_t swap_attempts;
  uint64_t swap_successes;
};

// semctl IPC_INFO/SEM_INFO.
struct Seminfo {
  int32_t semmap;
  int32_t semmni;
  int32_t semmns;
  int32_t semmnu;
  int32_t semmsl;
  int32_t semopm;
  int32_t semume;
  int32_t semusz;
  int32_t semvmx;
  int32_t semaem;
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

struct MsqidDs {
  IpcPerm msg_perm;
  int64_t msg_stime;
  int64_t msg_rtime;
  int64_t msg_ctime;
  uint64_t msg_cbytes;
  uint64_t msg_qnum;
  uint64_t msg_qbytes;
  int32_t msg_lspid;
  int32_t msg_lrpid;
  uint64_t unused4;
  uint64_t unused5;
};

// msgctl IPC_INFO/MSG_INFO.
struct Msginfo {
  int32_t msgpool;
  int32_t msgmap;
  int32_t msgmax;
  int32_t msgmnb;
  int32_t msgmni;
  int32_t msgssz;
  int32_t msgtql;
  uint16_t msgseg;
};

struct Sembuf {
  uint16_t sem_num;
  int16_t sem_op;
  int16_t sem_flg;
};

}  // namespace linux_abi
