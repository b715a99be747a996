// abi/linux/sysv_ipc.h against the host's <sys/ipc.h>, <sys/shm.h>, <sys/sem.h>.

#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "abi/linux/abi_test_util.h"
#include "abi/linux/sysv_ipc.h"

namespace linux_abi {
namespace {

TEST(SysvIpcAbiTest, FlagsAndCommands) {
  EXPECT_SAME_VALUE(kIpcPrivate, IPC_PRIVATE);
  EXPECT_SAME_VALUE(kIpcCreat, IPC_CREAT);
  EXPECT_SAME_VALUE(kIpcExcl, IPC_EXCL);
  EXPECT_SAME_VALUE(kIpcNoWait, IPC_NOWAIT);
  EXPECT_SAME_VALUE(kIpcRmid, IPC_RMID);
  EXPECT_SAME_VALUE(kIpcSet, IPC_SET);
  EXPECT_SAME_VALUE(kIpcStat, IPC_STAT);
  EXPECT_SAME_VALUE(kIpcInfo, IPC_INFO);
  EXPECT_SAME_VALUE(kShmRdonly, SHM_RDONLY);
  EXPECT_SAME_VALUE(kShmRnd, SHM_RND);
  EXPECT_SAME_VALUE(kShmRemap, SHM_REMAP);
  EXPECT_SAME_VALUE(kShmExec, SHM_EXEC);
  EXPECT_SAME_VALUE(kShmStat, SHM_STAT);
  EXPECT_SAME_VALUE(kShmInfo, SHM_INFO);
  EXPECT_SAME_VALUE(kShmLba, SHMLBA);
  EXPECT_SAME_VALUE(kMsgNoError, MSG_NOERROR);
  EXPECT_SAME_VALUE(kMsgExcept, MSG_EXCEPT);
  EXPECT_SAME_VALUE(kMsgCopy, MSG_COPY);
  EXPECT_SAME_VALUE(kMsgStat, MSG_STAT);
  EXPECT_SAME_VALUE(kMsgInfo, MSG_INFO);
  EXPECT_SAME_VALUE(kMsgStatAny, MSG_STAT_ANY);
  EXPECT_SAME_VALUE(kSemUndo, SEM_UNDO);
  EXPECT_SAME_VALUE(kGetPid, GETPID);
  EXPECT_SAME_VALUE(kGetVal, GETVAL);
  EXPECT_SAME_VALUE(kGetAll, GETALL);
  EXPECT_SAME_VALUE(kGetNcnt, GETNCNT);
  EXPECT_SAME_VALUE(kGetZcnt, GETZCNT);
  EXPECT_SAME_VALUE(kSetVal, SETVAL);
  EXPECT_SAME_VALUE(kSetAll, SETALL);
  EXPECT_SAME_VALUE(kSemStat, SEM_STAT);
  EXPECT_SAME_VALUE(kSemInfo, SEM_INFO);
}

TEST(SysvIpcAbiTest, StructuresMatchTheHost) {
  EXPECT_EQ(sizeof(IpcPerm), sizeof(struct ipc_perm));
  EXPECT_SAME_OFFSET(IpcPerm, key, struct ipc_perm, __key);
  EXPECT_SAME_OFFSET(IpcPerm, uid, struct ipc_perm, uid);
  EXPECT_SAME_OFFSET(IpcPerm, cgid, struct ipc_perm, cgid);
  EXPECT_SAME_OFFSET(IpcPerm, mode, struct ipc_perm, mode);
  EXPECT_SAME_OFFSET(IpcPerm, seq, struct ipc_perm, __seq);
  EXPECT_EQ(sizeof(ShmidDs), sizeof(struct shmid_ds));
  EXPECT_SAME_OFFSET(ShmidDs, shm_segsz, struct shmid_ds, shm_segsz);
  EXPECT_SAME_OFFSET(ShmidDs, shm_atime, struct shmid_ds, shm_atime);
  EXPECT_SAME_OFFSET(ShmidDs, shm_ctime, struct shmid_ds, shm_ctime);
  EXPECT_SAME_OFFSET(ShmidDs, shm_cpid, struct shmid_ds, shm_cpid);
  EXPECT_SAME_OFFSET(ShmidDs, shm_lpid, struct shmid_ds, shm_lpid);
  EXPECT_SAME_OFFSET(ShmidDs, shm_nattch, struct shmid_ds, shm_nattch);
  EXPECT_EQ(sizeof(MsqidDs), sizeof(struct msqid_ds));
  EXPECT_SAME_OFFSET(MsqidDs, msg_stime, struct msqid_ds, msg_stime);
  EXPECT_SAME_OFFSET(MsqidDs, msg_rtime, struct msqid_ds, msg_rtime);
  EXPECT_SAME_OFFSET(MsqidDs, msg_ctime, struct msqid_ds, msg_ctime);
  EXPECT_SAME_OFFSET(MsqidDs, msg_qnum, struct msqid_ds, msg_qnum);
  EXPECT_SAME_OFFSET(MsqidDs, msg_qbytes, struct msqid_ds, msg_qbytes);
  EXPECT_SAME_OFFSET(MsqidDs, msg_lspid, struct msqid_ds, msg_lspid);
  EXPECT_SAME_OFFSET(MsqidDs, msg_lrpid, struct msqid_ds, msg_lrpid);
  EXPECT_EQ(sizeof(Msginfo), sizeof(struct msginfo));
  EXPECT_SAME_OFFSET(Msginfo, msgtql, struct msginfo, msgtql);
  EXPECT_SAME_OFFSET(Msginfo, msgseg, struct msginfo, msgseg);
  EXPECT_EQ(sizeof(Shminfo), sizeof(struct shminfo));
  EXPECT_SAME_OFFSET(Shminfo, shmall, struct shminfo, shmall);
  EXPECT_EQ(sizeof(ShmInfo), sizeof(struct shm_info));
  EXPECT_SAME_OFFSET(ShmInfo, shm_tot, struct shm_info, shm_tot);
  EXPECT_SAME_OFFSET(ShmInfo, shm_rss, struct shm_info, shm_rss);
  EXPECT_EQ(sizeof(Seminfo), sizeof(struct seminfo));
  EXPECT_SAME_OFFSET(Seminfo, semusz, struct seminfo, semusz);
  EXPECT_SAME_OFFSET(Seminfo, semaem, struct seminfo, semaem);
  EXPECT_EQ(sizeof(SemidDs), sizeof(struct semid_ds));
  EXPECT_SAME_OFFSET(SemidDs, sem_otime, struct semid_ds, sem_otime);
  EXPECT_SAME_OFFSET(SemidDs, sem_ctime, struct semid_ds, sem_ctime);
  EXPECT_SAME_OFFSET(SemidDs, sem_nsems, struct semid_ds, sem_nsems);
  EXPECT_EQ(sizeof(Sembuf), sizeof(struct sembuf));
  EXPECT_SAME_OFFSET(Sembuf, sem_op, struct sembuf, sem_op);
  EXPECT_SAME_OFFSET(Sembuf, sem_flg, struct sembuf, sem_flg);
}

}  // namespace
}  // namespace linux_abi
