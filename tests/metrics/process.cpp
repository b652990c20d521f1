#include "ringkit/metrics/process.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

using ringkit::metrics::registry;

namespace metrics_process_tests {
double sample(const std::string& text, const std::string& name) {
    const auto at = text.find("\n" + name + " ");
    REQUIRE_MESSAGE(at != std::string::npos, name);
    return std::stod(text.substr(at + name.size() + 2));
}
}  // namespace metrics_process_tests

TEST_SUITE("metrics/process") {

TEST_CASE("the process metrics, read from /proc at the scrape") {
    using metrics_process_tests::sample;
    registry reg;
    ringkit::metrics::add_process_metrics(reg);
    const std::string before = reg.expose();
    CHECK(before.find("# TYPE process_cpu_seconds_total counter\n") != std::string::npos);
    CHECK(before.find("# TYPE process_resident_memory_bytes gauge\n") != std::string::npos);
    CHECK(sample(before, "process_resident_memory_bytes") > 1e5);
    CHECK(sample(before, "process_virtual_memory_bytes") >= sample(before, "process_resident_memory_bytes"));
    CHECK(sample(before, "process_max_fds") >= sample(before, "process_open_fds"));
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    CHECK(sample(before, "process_start_time_seconds") <= now + 1);
    CHECK(sample(before, "process_start_time_seconds") > now - 24 * 3600);

    // Read again at each scrape: one more descriptor open is seen.
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    const std::string after = reg.expose();
    ::close(fd);
    CHECK(sample(after, "process_open_fds") == sample(before, "process_open_fds") + 1);
    CHECK(sample(after, "process_cpu_seconds_total") >= sample(before, "process_cpu_seconds_total"));
    CHECK_THROWS_AS(ringkit::metrics::add_process_metrics(reg), std::invalid_argument);
}

}  // TEST_SUITE
