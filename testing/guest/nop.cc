// nop: the smallest program: starts and exits with status 0. corebench times
// spawn + exit + wait with it; coretest uses it where any executable will do.

int main() { return 0; }
