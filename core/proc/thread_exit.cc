#include "core/proc/thread_exit.h"

#include "core/proc/futex.h"
#include "core/proc/process.h"
#include "core/sched/scheduler.h"

namespace core {

void ExitCurrentThread() {
  sched::Thread* t = sched::Current();
  Process* p = t->process();
  // Still on the process's address space: the robust list can be read, and
  // the clear-tid word written (pthread_join waits on it).
  if (p != nullptr) {
    ReleaseRobustFutexes(t);
    ClearChildTid(t);
    p->OnThreadExit(t);
  }
  sched::ExitCurrent();
}

}  // namespace core
