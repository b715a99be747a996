// spin: loops forever in user mode without a single system call (after the C
// runtime's start-up), so only the timer can take the CPU from it. coretest
// uses it to check preemption, and as a "server" that never answers and is
// killed while a client waits on it.

#include <stdint.h>

int main() {
  volatile uint64_t counter = 0;
  for (;;) {
    counter = counter + 1;
  }
}
