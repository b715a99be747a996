// POSIX cases for System V shared memory, semaphores and message queues,
// modelled on LTP's shmget*, shmat*, shmdt*, shmctl*, semget*, semop*,
// semctl*, msgget*, msgsnd*, msgrcv*, msgctl*: the host's Linux is the oracle.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
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

// ---- Message queues.

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif
#ifndef MSG_EXCEPT
#define MSG_EXCEPT 020000
#endif

struct Msg {
  long type;
  char text[9000];
};

int Send(int id, long type, const char* text, int flags = 0) {
  Msg m;
  m.type = type;
  size_t n = strlen(text);
  memcpy(m.text, text, n);
  return msgsnd(id, &m, n, flags);
}

// Receives into `out` (NUL-terminated); returns msgrcv's result.
ssize_t Receive(int id, long type, int flags, Msg* out, size_t size = 100) {
  memset(out, 0, sizeof *out);
  return msgrcv(id, out, size, type, flags);
}

const char* MsgTypesAndOrder() {
  int id = msgget(IPC_PRIVATE, IPC_CREAT | 0640);
  CHECK(id >= 0);
  CHECK(Send(id, 3, "three") == 0);
  CHECK(Send(id, 1, "one") == 0);
  CHECK(Send(id, 2, "two") == 0);
  CHECK(Send(id, 1, "uno") == 0);
  msqid_ds ds;
  CHECK(msgctl(id, IPC_STAT, &ds) == 0);
  CHECK(ds.msg_qnum == 4 && ds.msg_cbytes == 14 && ds.msg_qbytes == 16384);
  CHECK(ds.msg_lspid == getpid() && ds.msg_lrpid == 0 && (ds.msg_perm.mode & 0777) == 0640);
  Msg m;
  CHECK(Receive(id, 1, 0, &m) == 3 && m.type == 1 && strcmp(m.text, "one") == 0);
  CHECK(Receive(id, -2, 0, &m) == 3 && m.type == 1 && strcmp(m.text, "uno") == 0);
  CHECK(Receive(id, 3, MSG_EXCEPT, &m) == 3 && m.type == 2 && strcmp(m.text, "two") == 0);
  CHECK_ERRNO(Receive(id, 2, IPC_NOWAIT, &m), ENOMSG);
  CHECK_ERRNO(Receive(id, -2, IPC_NOWAIT, &m), ENOMSG);
  CHECK(Receive(id, 0, 0, &m) == 5 && m.type == 3 && strcmp(m.text, "three") == 0);
  CHECK_ERRNO(Receive(id, 0, IPC_NOWAIT, &m), ENOMSG);
  CHECK(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 0 && ds.msg_cbytes == 0);
  CHECK(ds.msg_lrpid == getpid() && ds.msg_rtime != 0);
  // Sizes: E2BIG leaves the message; MSG_NOERROR cuts it.
  CHECK(Send(id, 7, "0123456789") == 0);
  CHECK_ERRNO(Receive(id, 0, 0, &m, 4), E2BIG);
  CHECK(Receive(id, 0, MSG_NOERROR, &m, 4) == 4 && strcmp(m.text, "0123") == 0);
  CHECK_ERRNO(Receive(id, 0, IPC_NOWAIT, &m), ENOMSG);  // the rest is gone
  // The largest message (kernel.msgmax) and one byte more; type 0; a bad id.
  static Msg big;
  big.type = 1;
  memset(big.text, 'x', sizeof big.text);
  CHECK(msgsnd(id, &big, 8192, 0) == 0);
  CHECK_ERRNO(msgsnd(id, &big, 8193, 0), EINVAL);
  CHECK(msgrcv(id, &big, 8192, 0, 0) == 8192);
  big.type = 0;
  CHECK_ERRNO(msgsnd(id, &big, 1, 0), EINVAL);
  CHECK_ERRNO(msgsnd(id, reinterpret_cast<void*>(8), 1, 0), EFAULT);
  CHECK_ERRNO(msgrcv(id, &m, static_cast<size_t>(-1), 0, 0), EINVAL);
  CHECK_ERRNO(msgsnd(-1, &m, 1, 0), EINVAL);
  CHECK(Send(id, 1, "empty") == 0);
  CHECK(msgctl(id, IPC_RMID, nullptr) == 0);
  CHECK_ERRNO(msgctl(id, IPC_STAT, &ds), EINVAL);
  CHECK_ERRNO(Send(id, 1, "x"), EINVAL);
  CHECK_ERRNO(Receive(id, 0, IPC_NOWAIT, &m), EINVAL);
  return nullptr;
}

const char* MsgKeysCtlAndInfo() {
  key_t key = UniqueKey(5);
  int id = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
  CHECK(id >= 0);
  CHECK_ERRNO(msgget(key, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
  CHECK(msgget(key, 0) == id);
  CHECK(msgget(key, IPC_CREAT | 0666) == id);
  CHECK_ERRNO(msgget(UniqueKey(6), 0), ENOENT);
  int fresh = msgget(IPC_PRIVATE, 0600);  // IPC_PRIVATE always makes a new one
  CHECK(fresh >= 0 && fresh != id);
  CHECK(msgctl(fresh, IPC_RMID, nullptr) == 0);
  msqid_ds ds;
  CHECK(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_perm.__key == key);
  CHECK((ds.msg_perm.mode & 0777) == 0600 && ds.msg_ctime != 0);
  ds.msg_perm.mode = 0604;
  ds.msg_qbytes = 100;
  CHECK(msgctl(id, IPC_SET, &ds) == 0);
  CHECK(msgctl(id, IPC_STAT, &ds) == 0 && (ds.msg_perm.mode & 0777) == 0604);
  CHECK(ds.msg_qbytes == 100);
  CHECK_ERRNO(msgctl(id, 999, &ds), EINVAL);
  // IPC_INFO: the limits; MSG_INFO: the use; both give the highest index.
  msginfo info;
  memset(&info, 0, sizeof info);
  int highest = msgctl(0, IPC_INFO, reinterpret_cast<msqid_ds*>(&info));
  CHECK(highest >= 0);
  CHECK(info.msgmax == 8192 && info.msgmnb == 16384 && info.msgmni == 32000);
  CHECK(info.msgssz == 16 && info.msgseg == 0xffff);
  CHECK(Send(id, 1, "abc") == 0);
  memset(&info, 0, sizeof info);
  CHECK(msgctl(0, MSG_INFO, reinterpret_cast<msqid_ds*>(&info)) == highest);
  CHECK(info.msgpool >= 1 && info.msgmap >= 1 && info.msgtql >= 3);
  // MSG_STAT takes an index and answers the id: this queue is among them.
  bool found = false;
  for (int i = 0; i <= highest && !found; ++i) {
    msqid_ds at;
    int r = msgctl(i, MSG_STAT, &at);
    if (r == id) found = at.msg_qnum == 1 && at.msg_cbytes == 3;
  }
  CHECK(found);
  CHECK(msgctl(id, IPC_RMID, nullptr) == 0);
  CHECK_ERRNO(msgget(key, 0), ENOENT);
  return nullptr;
}

const char* MsgFullQueueBlocksSender() {
  int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  CHECK(id >= 0);
  msqid_ds ds;
  CHECK(msgctl(id, IPC_STAT, &ds) == 0);
  ds.msg_qbytes = 8;
  CHECK(msgctl(id, IPC_SET, &ds) == 0);
  CHECK(Send(id, 1, "12345") == 0);
  CHECK_ERRNO(Send(id, 1, "6789", IPC_NOWAIT), EAGAIN);  // 9 bytes > 8
  CHECK(Send(id, 1, "678") == 0);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    alarm(10);
    _exit(Send(id, 2, "later") == 0 ? 0 : 1);  // waits for room
  }
  SleepMs(100);
  int status;
  CHECK(waitpid(child, &status, WNOHANG) == 0);  // still waiting
  Msg m;
  CHECK(Receive(id, 0, 0, &m) == 5);
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(Receive(id, 2, IPC_NOWAIT, &m) == 5 && strcmp(m.text, "later") == 0);
  CHECK(Receive(id, 0, IPC_NOWAIT, &m) == 3);
  // One message per byte of msg_qbytes: two empty ones fill a 2-byte queue.
  ds.msg_qbytes = 2;
  CHECK(msgctl(id, IPC_SET, &ds) == 0);
  CHECK(Send(id, 1, "") == 0 && Send(id, 1, "") == 0);
  CHECK_ERRNO(Send(id, 1, "", IPC_NOWAIT), EAGAIN);
  CHECK(msgctl(id, IPC_RMID, nullptr) == 0);
  return nullptr;
}

const char* MsgBlockedReceiverWakes() {
  int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  CHECK(id >= 0);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    alarm(10);
    Msg m;
    if (Receive(id, 5, 0, &m) != 4 || strcmp(m.text, "five") != 0) _exit(1);
    _exit(0);
  }
  SleepMs(100);
  CHECK(Send(id, 4, "four") == 0);  // not what it waits for
  SleepMs(100);
  int status;
  CHECK(waitpid(child, &status, WNOHANG) == 0);
  CHECK(Send(id, 5, "five") == 0);
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  Msg m;
  CHECK(Receive(id, 0, IPC_NOWAIT, &m) == 4 && m.type == 4);
  CHECK(msgctl(id, IPC_RMID, nullptr) == 0);
  return nullptr;
}

// Each waiter writes a byte to `ready` just before it blocks (no waiter
// count shows blocked msgrcv/msgsnd callers); the parent reads them and then
// gives the waiters time to get into the call.
bool AwaitReady(int ready_fd, int waiters) {
  char c;
  for (int i = 0; i < waiters; ++i) {
    if (read(ready_fd, &c, 1) != 1) return false;
  }
  SleepMs(200);
  return true;
}

const char* MsgWaitersSeeEidrmAndEintr() {
  int ready[2];
  CHECK(pipe(ready) == 0);
  int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  CHECK(id >= 0);
  pid_t removed = fork();
  CHECK(removed >= 0);
  if (removed == 0) {
    alarm(10);
    Msg m;
    (void)!write(ready[1], "r", 1);
    _exit(Receive(id, 0, 0, &m) == -1 && errno == EIDRM ? 0 : 1);
  }
  int other = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  CHECK(other >= 0);
  pid_t interrupted = fork();
  CHECK(interrupted >= 0);
  if (interrupted == 0) {
    alarm(10);
    SetHandler(SIGUSR1, OnUsr1, SA_RESTART);  // msgrcv is not restarted after a handler
    Msg m;
    (void)!write(ready[1], "r", 1);
    _exit(Receive(other, 0, 0, &m) == -1 && errno == EINTR && g_usr1 ? 0 : 1);
  }
  CHECK(AwaitReady(ready[0], 2));
  CHECK(msgctl(id, IPC_RMID, nullptr) == 0);
  CHECK(kill(interrupted, SIGUSR1) == 0);
  int status;
  CHECK(waitpid(removed, &status, 0) == removed && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(waitpid(interrupted, &status, 0) == interrupted && WIFEXITED(status) &&
        WEXITSTATUS(status) == 0);
  // A blocked sender is not restarted either.
  msqid_ds ds;
  CHECK(msgctl(other, IPC_STAT, &ds) == 0);
  ds.msg_qbytes = 1;
  CHECK(msgctl(other, IPC_SET, &ds) == 0);
  CHECK(Send(other, 1, "a") == 0);
  pid_t sender = fork();
  CHECK(sender >= 0);
  if (sender == 0) {
    alarm(10);
    SetHandler(SIGUSR1, OnUsr1, SA_RESTART);
    (void)!write(ready[1], "r", 1);
    _exit(Send(other, 1, "b") == -1 && errno == EINTR && g_usr1 ? 0 : 1);
  }
  CHECK(AwaitReady(ready[0], 1));
  CHECK(kill(sender, SIGUSR1) == 0);
  CHECK(waitpid(sender, &status, 0) == sender && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(msgctl(other, IPC_STAT, &ds) == 0 && ds.msg_qnum == 1);
  CHECK(msgctl(other, IPC_RMID, nullptr) == 0);
  close(ready[0]);
  close(ready[1]);
  return nullptr;
}

const char* MsgCopyLeavesTheMessage() {
  int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  CHECK(id >= 0);
  CHECK(Send(id, 1, "first") == 0);
  CHECK(Send(id, 2, "second") == 0);
  Msg m;
  CHECK_ERRNO(Receive(id, 1, MSG_COPY, &m), EINVAL);  // needs IPC_NOWAIT
  CHECK_ERRNO(Receive(id, 1, MSG_COPY | IPC_NOWAIT | MSG_EXCEPT, &m), EINVAL);
  CHECK(Receive(id, 1, MSG_COPY | IPC_NOWAIT, &m) == 6 && m.type == 2);
  CHECK(strcmp(m.text, "second") == 0);
  CHECK_ERRNO(Receive(id, 2, MSG_COPY | IPC_NOWAIT, &m), ENOMSG);
  msqid_ds ds;
  CHECK(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 2);
  CHECK(Receive(id, 0, 0, &m) == 5 && strcmp(m.text, "first") == 0);
  CHECK(msgctl(id, IPC_RMID, nullptr) == 0);
  return nullptr;
}

// ---- /proc/sysvipc and the INFO commands (what ipcs reads).

// The line of /proc/sysvipc/`file` whose second field is `id`, split into
// fields (at most 16); returns the field count, 0 if not found. Also checks
// the header line against `header`.
int SysvipcLine(const char* file, const char* header, int id, long fields[16]) {
  static char text[65536];
  char path[64];
  snprintf(path, sizeof path, "/proc/sysvipc/%s", file);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = ReadAll(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = 0;
  size_t header_length = strlen(header);
  if (strncmp(text, header, header_length) != 0) return -2;
  for (char* line = text + header_length; *line != 0;) {
    char* end = strchr(line, '\n');
    if (end == nullptr) break;
    *end = 0;
    int count = 0;
    char* p = line;
    while (count < 16) {
      char* next = nullptr;
      long v = strtol(p, &next, count == 2 ? 8 : 10);  // perms are octal
      if (next == p) break;
      fields[count++] = v;
      p = next;
    }
    if (count >= 2 && fields[1] == id) return count;
    line = end + 1;
  }
  return 0;
}

const char* SysvipcProcFilesAndInfo() {
  int shm = shmget(IPC_PRIVATE, 5000, IPC_CREAT | 0640);
  int sem = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
  int msg = msgget(IPC_PRIVATE, IPC_CREAT | 0604);
  CHECK(shm >= 0 && sem >= 0 && msg >= 0);
  CHECK(Send(msg, 9, "seven!!") == 0);
  long f[16];
  CHECK_EQ(SysvipcLine("shm",
                       "       key      shmid perms                  size  cpid  lpid nattch   uid"
                       "   gid  cuid  cgid      atime      dtime      ctime                   rss"
                       "                  swap\n",
                       shm, f),
           16);
  CHECK(f[0] == 0 && f[2] == 0640 && f[3] == 5000 && f[4] == getpid() && f[6] == 0);
  CHECK_EQ(SysvipcLine("sem",
                       "       key      semid perms      nsems   uid   gid  cuid  cgid      otime"
                       "      ctime\n",
                       sem, f),
           10);
  CHECK(f[0] == 0 && f[2] == 0600 && f[3] == 3);
  CHECK_EQ(SysvipcLine("msg",
                       "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid"
                       "  cuid  cgid      stime      rtime      ctime\n",
                       msg, f),
           14);
  CHECK(f[2] == 0604 && f[3] == 7 && f[4] == 1 && f[5] == getpid() && f[6] == 0);
  // shmctl IPC_INFO / SHM_INFO, then SHM_STAT over the indexes (ipcs -m).
  shminfo limits;
  memset(&limits, 0, sizeof limits);
  int highest = shmctl(0, IPC_INFO, reinterpret_cast<shmid_ds*>(&limits));
  CHECK(highest >= 0);
  CHECK(limits.shmmin == 1 && limits.shmmax >= 5000 && limits.shmmni > 0 && limits.shmall > 0);
  shm_info use;
  memset(&use, 0, sizeof use);
  CHECK(shmctl(0, SHM_INFO, reinterpret_cast<shmid_ds*>(&use)) == highest);
  CHECK(use.used_ids >= 1 && use.shm_tot >= 2);
  bool found = false;
  for (int i = 0; i <= highest && !found; ++i) {
    shmid_ds ds;
    found = shmctl(i, SHM_STAT, &ds) == shm && ds.shm_segsz == 5000;
  }
  CHECK(found);
  // semctl IPC_INFO / SEM_INFO (ipcs -s).
  seminfo info;
  memset(&info, 0, sizeof info);
  semun arg;
  arg.buf = reinterpret_cast<semid_ds*>(&info);
  highest = semctl(0, 0, IPC_INFO, arg);
  CHECK(highest >= 0);
  CHECK(info.semopm == 500 && info.semvmx == 32767 && info.semusz == 20 && info.semaem == 32767);
  CHECK(info.semmsl > 0 && info.semmni > 0);
  memset(&info, 0, sizeof info);
  CHECK(semctl(0, 0, SEM_INFO, arg) == highest);
  CHECK(info.semusz >= 1 && info.semaem >= 3);
  CHECK(shmctl(shm, IPC_RMID, nullptr) == 0);
  CHECK(semctl(sem, 0, IPC_RMID) == 0);
  CHECK(msgctl(msg, IPC_RMID, nullptr) == 0);
  CHECK_EQ(SysvipcLine("msg",
                       "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid"
                       "  cuid  cgid      stime      rtime      ctime\n",
                       msg, f),
           0);
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
    {"msg_types_and_order", MsgTypesAndOrder},
    {"msg_keys_ctl_and_info", MsgKeysCtlAndInfo},
    {"msg_full_queue_blocks_sender", MsgFullQueueBlocksSender},
    {"msg_blocked_receiver_wakes", MsgBlockedReceiverWakes},
    {"msg_waiters_eidrm_eintr", MsgWaitersSeeEidrmAndEintr},
    {"msg_copy_leaves_the_message", MsgCopyLeavesTheMessage},
    {"sysvipc_proc_files_and_info", SysvipcProcFilesAndInfo},
};
const int kSysvCaseCount = sizeof kSysvCases / sizeof kSysvCases[0];

}  // namespace posix_test
