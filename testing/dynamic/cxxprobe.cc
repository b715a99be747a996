// A C++ program linked the ordinary way by the host's g++ (dynamically:
// libstdc++.so.6, libgcc_s.so.1 and libm.so.6 from Debian besides libc),
// run on Tessera by dynamic_test. Each line shows a part of the C++ runtime
// working across shared objects: iostreams, an exception thrown in
// libstdc++ and caught here (the unwinder in libgcc_s finds the frames
// through dl_iterate_phdr), std::thread, a function-local static, and libm.
#include <cmath>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

int Counter() {
  static int calls = 0;  // a guarded static: __cxa_guard_acquire in libstdc++
  return ++calls;
}

}  // namespace

int main(int argc, char** argv) {
  std::cout << "cxx=" << __cplusplus << std::endl;
  try {
    std::vector<int> v(3);
    (void)v.at(5);  // throws std::out_of_range from libstdc++
    std::cout << "no-throw" << std::endl;
  } catch (const std::out_of_range& e) {
    std::cout << "caught=out_of_range" << std::endl;
  }
  try {
    throw std::runtime_error(argc > 1 ? argv[1] : "none");
  } catch (const std::exception& e) {
    std::cout << "caught=" << e.what() << std::endl;
  }
  std::map<std::string, int> counts;
  std::vector<std::thread> threads;
  int results[4] = {};
  for (int i = 0; i < 4; ++i) threads.emplace_back([i, &results] { results[i] = i * i; });
  for (auto& t : threads) t.join();
  std::cout << "threads=" << results[0] + results[1] + results[2] + results[3] << std::endl;
  Counter();
  std::cout << "static=" << Counter() << std::endl;
  // cbrt has no instruction: a call into libm.so.6 (42 with one argument).
  std::cout << "cbrt=" << std::lround(std::cbrt(74088.0 * (argc - 1))) << std::endl;
  std::cout << "cxx-ok" << std::endl;
  return 0;
}
