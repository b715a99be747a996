// sockname: binds or connects an AF_UNIX stream socket at a path, for the
// shell and disk tests (busybox has no unix-socket client):
//
//   sockname bind PATH      binds and listens, prints "bound PATH", exits
//                           (the socket closes; its S_IFSOCK node stays)
//   sockname connect PATH   connects, prints "connected" or the errno's name
//
// Exit status 0 when the call succeeded, 1 otherwise.

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

const char* ErrnoName(int e) {
  switch (e) {
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENOENT: return "ENOENT";
    case EADDRINUSE: return "EADDRINUSE";
    case EACCES: return "EACCES";
    default: return strerror(e);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (strcmp(argv[1], "bind") != 0 && strcmp(argv[1], "connect") != 0)) {
    fprintf(stderr, "usage: sockname bind|connect PATH\n");
    return 2;
  }
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (strlen(argv[2]) >= sizeof a.sun_path) {
    fprintf(stderr, "sockname: path too long\n");
    return 2;
  }
  strcpy(a.sun_path, argv[2]);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (s < 0) {
    printf("socket: %s\n", ErrnoName(errno));
    return 1;
  }
  if (strcmp(argv[1], "bind") == 0) {
    if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(s, 1) != 0) {
      printf("bind: %s\n", ErrnoName(errno));
      return 1;
    }
    printf("bound %s\n", argv[2]);
    return 0;
  }
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    printf("connect: %s\n", ErrnoName(errno));
    return 1;
  }
  printf("connected\n");
  return 0;
}
