// The process metrics every Prometheus client exposes, with their usual names,
// read from /proc (Linux) at each scrape: process_cpu_seconds_total,
// process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "ringkit/metrics/registry.hpp"

namespace ringkit::metrics {

namespace detail {

/// The fields of /proc/self/stat after the command name (which may hold spaces
/// and parentheses), so that fields()[0] is field 3 of proc(5), the state.
inline std::vector<std::string> proc_stat_fields() {
    std::ifstream in("/proc/self/stat");
    const std::string all{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const auto close = all.rfind(')');
    std::vector<std::string> out;
    if (close == std::string::npos) return out;
    std::istringstream rest(all.substr(close + 1));
    for (std::string f; rest >> f;) out.push_back(f);
    return out;
}

/// Field `n` of /proc/self/stat as proc(5) numbers them (from 1), or 0.
inline double proc_stat_field(const std::vector<std::string>& fields, std::size_t n) {
    return n >= 3 && n - 3 < fields.size() ? std::strtod(fields[n - 3].c_str(), nullptr) : 0;
}

/// The boot time (the btime line of /proc/stat), in seconds since the epoch.
inline double boot_time() {
    std::ifstream in("/proc/stat");
    for (std::string line; std::getline(in, line);)
        if (line.starts_with("btime ")) return std::strtod(line.c_str() + 6, nullptr);
    return 0;
}

}  // namespace detail

/// Registers the process metrics in `reg`. Each is read when scraped; a value
/// that cannot be read is 0. Throws std::invalid_argument if already registered.
inline void add_process_metrics(registry& reg) {
    const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const auto page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    reg.add_counter_fn("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", [ticks] {
        const auto f = detail::proc_stat_fields();
        return (detail::proc_stat_field(f, 14) + detail::proc_stat_field(f, 15)) / ticks;
    });
    reg.add_gauge_fn("process_resident_memory_bytes", "Resident memory size in bytes.",
                     [page] { return detail::proc_stat_field(detail::proc_stat_fields(), 24) * page; });
    reg.add_gauge_fn("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                     [] { return detail::proc_stat_field(detail::proc_stat_fields(), 23); });
    reg.add_gauge_fn("process_open_fds", "Number of open file descriptors.", [] {
        std::error_code ec;
        double n = 0;
        for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
        return n > 0 ? n - 1 : 0;  // less the directory's own descriptor, open while it is read
    });
    reg.add_gauge_fn("process_max_fds", "Maximum number of open file descriptors.", [] {
        rlimit r{};
        if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return 0.0;
        return static_cast<double>(r.rlim_cur);
    });
    // Computed once: a process starts once.
    const double start = detail::boot_time() + detail::proc_stat_field(detail::proc_stat_fields(), 22) / ticks;
    reg.add_gauge_fn("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                     [start] { return start; });
}

}  // namespace ringkit::metrics
