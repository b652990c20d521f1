// Open file descriptors of the test process, to check that nothing leaked one.
#pragma once

#include <cstddef>
#include <filesystem>

namespace ringkit::test {

/// Entries of /proc/self/fd, less the one the listing itself holds open: equal
/// counts before and after an operation mean it closed every descriptor it opened.
inline std::size_t open_fds() {
    std::size_t n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd"); it != std::filesystem::directory_iterator();
         ++it)
        ++n;
    return n - 1;
}

}  // namespace ringkit::test
