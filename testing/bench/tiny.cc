// benchtiny: the program benchsuite's fork_execve_wait runs. It does nothing
// but start and exit 0, so the benchmark measures fork, execve of a small
// static image, process start-up (musl's) and exit.

int main() { return 0; }
