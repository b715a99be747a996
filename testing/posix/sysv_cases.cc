// POSIX cases for System V shared memory and semaphores, modelled on LTP's
// shmget*, shmat*, shmdt*, shmctl*, semget*, semop*, semctl*: the host's
// Linux is the oracle.

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

// musl and glibc leave union semun to the program.
union semun {
  int val;
  struct semid_ds* buf;
  unsigned short* array;
};

// A key no other run uses.
key_t UniqueKey(int salt) { return static_cast<key_t>(0x54000000 | (getpid() << 4) | salt); }

const char* ShmSharedAcrossFork() {
  int id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
  CHECK(id >= 0);
  auto* p = static_cast<char*>(shmat(id, nullptr, 0));
  CHECK(p != reinterpret_cast<char*>(-1));
  strcpy(p, "parent");
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) != 0 || ds.shm_nattch != 2) _exit(1);
    if (strcmp(p, "parent") != 0) _exit(2);
    strcpy(p + 4096, "child");
    _exit(shmdt(p) == 0 ? 0 : 3);
  }
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(strcmp(p + 4096, "child") == 0);
  shmid_ds ds;
  CHECK(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_nattch == 1 && ds.shm_segsz == 8192);
  CHECK(ds.shm_cpid == getpid());
  CHECK((ds.shm_perm.mode & 0777) == 0600);
  CHECK(shmdt(p) == 0);
  CHECK(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_nattch == 0);
  CHECK(shmctl(id, IPC_RMID, nullptr) == 0);
  CHECK_ERRNO(shmctl(id, IPC_STAT, &ds), EINVAL);
  return nullptr;
}

const char* ShmKeysAndErrors() {
  key_t key = UniqueKey(1);
  int id = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0644);
  CHECK(id >= 0);
  CHECK_ERRNO(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0644), EEXIST);
  CHECK(shmget(key, 0, 0) == id);
  CHECK(shmget(key, 100, IPC_CREAT) == id);
  CHECK_ERRNO(shmget(key, 8192, 0), EINVAL);  // bigger than the segment
  CHECK_ERRNO(shmget(UniqueKey(2), 4096, 0), ENOENT);
  CHECK_ERRNO(shmget(IPC_PRIVATE, 0, IPC_CREAT), EINVAL);
  CHECK_ERRNO(reinterpret_cast<intptr_t>(shmat(id + 1 + 32768 * 7, nullptr, 0)), EINVAL);
  CHECK_ERRNO(reinterpret_cast<intptr_t>(shmat(id, reinterpret_cast<void*>(0x1234567), 0)),
              EINVAL);  // unaligned
  int local;
  CHECK_ERRNO(shmdt(&local), EINVAL);
  // Read-only: a write is a fault.
  auto* ro = static_cast<volatile char*>(shmat(id, nullptr, SHM_RDONLY));
  CHECK(ro != reinterpret_cast<volatile char*>(-1));
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    ro[0] = 'x';
    _exit(0);
  }
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
  CHECK(shmdt(const_cast<char*>(ro)) == 0);
  CHECK(shmctl(id, IPC_RMID, nullptr) == 0);
  CHECK_ERRNO(shmget(key, 0, 0), ENOENT);
  return nullptr;
}

const char* ShmRemovedWhileAttached() {
  key_t key = UniqueKey(3);
  int id = shmget(key, 4096, IPC_CREAT | 0600);
  CHECK(id >= 0);
  auto* p = static_cast<char*>(shmat(id, nullptr, 0));
  CHECK(p != reinterpret_cast<char*>(-1));
  CHECK(shmctl(id, IPC_RMID, nullptr) == 0);
  p[0] = 'k';  // still mapped and usable
  CHECK(p[0] == 'k');
  shmid_ds ds;
  CHECK(shmctl(id, IPC_STAT, &ds) == 0);
  CHECK(ds.shm_perm.__key == IPC_PRIVATE && (ds.shm_perm.mode & 01000) != 0);  // SHM_DEST
  CHECK_ERRNO(shmget(key, 0, 0), ENOENT);  // the key is free at once
  CHECK(shmdt(p) == 0);
  CHECK_ERRNO(shmctl(id, IPC_STAT, &ds), EINVAL);  // gone with its last mapping
  return nullptr;
}

const char* SemValuesAndErrors() {
  int id = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  CHECK(id >= 0);
  semun arg;
  arg.val = 1;
  CHECK(semctl(id, 0, SETVAL, arg) == 0);
  CHECK(semctl(id, 0, GETVAL) == 1);
  sembuf down{0, -1, 0};
  CHECK(semop(id, &down, 1) == 0);
  CHECK(semctl(id, 0, GETVAL) == 0);
  CHECK(semctl(id, 0, GETPID) == getpid());
  sembuf nowait{0, -1, IPC_NOWAIT};
  CHECK_ERRNO(semop(id, &nowait, 1), EAGAIN);
  timespec short_wait{0, 50'000'000};
  CHECK_ERRNO(semtimedop(id, &down, 1, &short_wait), EAGAIN);
  // All or nothing: sem 1 does not move when sem 0 cannot.
  sembuf both[2] = {{1, +1, 0}, {0, -1, IPC_NOWAIT}};
  CHECK_ERRNO(semop(id, both, 2), EAGAIN);
  CHECK(semctl(id, 1, GETVAL) == 0);
  unsigned short values[2] = {3, 4};
  arg.array = values;
  CHECK(semctl(id, 0, SETALL, arg) == 0);
  unsigned short got[2] = {};
  arg.array = got;
  CHECK(semctl(id, 0, GETALL, arg) == 0 && got[0] == 3 && got[1] == 4);
  arg.val = 40000;
  CHECK_ERRNO(semctl(id, 0, SETVAL, arg), ERANGE);
  sembuf beyond{5, 1, 0};
  CHECK_ERRNO(semop(id, &beyond, 1), EFBIG);
  semid_ds ds;
  arg.buf = &ds;
  CHECK(semctl(id, 0, IPC_STAT, arg) == 0 && ds.sem_nsems == 2);
  CHECK_ERRNO(semget(IPC_PRIVATE, 0, IPC_CREAT), EINVAL);
  CHECK_ERRNO(semget(UniqueKey(4), 1, 0), ENOENT);
  CHECK(semctl(id, 0, IPC_RMID) == 0);
  CHECK_ERRNO(semctl(id, 0, GETVAL), EINVAL);
  return nullptr;
}

const char* SemBlockedWaiterWakes() {
  int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  CHECK(id >= 0);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    alarm(10);
    sembuf down{0, -1, 0};
    _exit(semop(id, &down, 1) == 0 ? 0 : 1);
  }
  int waiting = 0;
  for (int i = 0; i < 100 && waiting == 0; ++i) {
    SleepMs(20);
    waiting = semctl(id, 0, GETNCNT);
  }
  CHECK(waiting == 1);
  sembuf up{0, +1, 0};
  CHECK(semop(id, &up, 1) == 0);
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(semctl(id, 0, GETVAL) == 0);
  CHECK(semctl(id, 0, IPC_RMID) == 0);
  return nullptr;
}

const char* SemUndoOnExit() {
  int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  CHECK(id >= 0);
  semun arg;
  arg.val = 1;
  CHECK(semctl(id, 0, SETVAL, arg) == 0);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    sembuf take{0, -1, SEM_UNDO};
    if (semop(id, &take, 1) != 0) _exit(1);
    _exit(semctl(id, 0, GETVAL) == 0 ? 0 : 2);  // dies holding it
  }
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(semctl(id, 0, GETVAL) == 1);  // given back at its exit
  CHECK(semctl(id, 0, GETPID) == child);
  CHECK(semctl(id, 0, IPC_RMID) == 0);
  return nullptr;
}

volatile sig_atomic_t g_usr1 = 0;
void OnUsr1(int) { g_usr1 = 1; }

const char* SemWaitersSeeEidrmAndEintr() {
  int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  CHECK(id >= 0);
  pid_t removed = fork();
  CHECK(removed >= 0);
  if (removed == 0) {
    alarm(10);
    sembuf down{0, -1, 0};
    _exit(semop(id, &down, 1) == -1 && errno == EIDRM ? 0 : 1);
  }
  int interrupted_sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  CHECK(interrupted_sem >= 0);
  pid_t interrupted = fork();
  CHECK(interrupted >= 0);
  if (interrupted == 0) {
    alarm(10);
    SetHandler(SIGUSR1, OnUsr1, SA_RESTART);  // semop is never restarted (Linux)
    sembuf down{0, -1, 0};
    _exit(semop(interrupted_sem, &down, 1) == -1 && errno == EINTR && g_usr1 ? 0 : 1);
  }
  while (semctl(id, 0, GETNCNT) != 1 || semctl(interrupted_sem, 0, GETNCNT) != 1) SleepMs(20);
  CHECK(semctl(id, 0, IPC_RMID) == 0);
  CHECK(kill(interrupted, SIGUSR1) == 0);
  int status;
  CHECK(waitpid(removed, &status, 0) == removed && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(waitpid(interrupted, &status, 0) == interrupted && WIFEXITED(status) &&
        WEXITSTATUS(status) == 0);
  CHECK(semctl(interrupted_sem, 0, IPC_RMID) == 0);
  return nullptr;
}

}  // namespace

const Case kSysvCases[] = {
    {"shm_shared_across_fork", ShmSharedAcrossFork},
    {"shm_keys_and_errors", ShmKeysAndErrors},
    {"shm_removed_while_attached", ShmRemovedWhileAttached},
    {"sem_values_and_errors", SemValuesAndErrors},
    {"sem_blocked_waiter_wakes", SemBlockedWaiterWakes},
    {"sem_undo_on_exit", SemUndoOnExit},
    {"sem_waiters_eidrm_eintr", SemWaitersSeeEidrmAndEintr},
};
const int kSysvCaseCount = sizeof kSysvCases / sizeof kSysvCases[0];

}  // namespace posix_test
