// Counting from many threads at once, while a scraper reads: runs under TSan
// (scripts/quick-test.sh --tsan; the TSan build's RINGKIT_TEST_ONLY_THREADED list).
#include "ringkit/metrics/shards.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "ringkit/metrics/registry.hpp"

using ringkit::metrics::label;
using ringkit::metrics::registry;

namespace metrics_shards_tests {
std::uint64_t sample(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    REQUIRE(at != std::string::npos);
    return std::stoull(text.substr(at + series.size() + 2));
}
}  // namespace metrics_shards_tests

TEST_SUITE("metrics/shards") {

TEST_CASE("threads count without a lock; a scraper sees monotonic sums and, at the end, the exact total") {
    using metrics_shards_tests::sample;
    registry reg;
    auto hits = reg.add_counter("hits_total", "x", {label{"k", {"a", "b"}, {}}});
    auto h = reg.add_histogram("h", "x", {1}).get();
    constexpr int threads = 4, per_thread = 20000;
    std::atomic<bool> done{false};
    std::uint64_t last = 0;
    bool monotonic = true;
    std::thread scraper([&] {
        while (!done.load()) {
            const std::string text = reg.expose();
            const auto now = sample(text, "hits_total{k=\"a\"}");
            monotonic = monotonic && now >= last;
            last = now;
        }
    });
    // Two rounds: the second round's threads take over the shards the first gave back.
    for (int round = 0; round < 2; ++round) {
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t)
            workers.emplace_back([&, t] {
                const auto mine = hits.at({t % 2 ? "a" : "b"});
                const auto a = hits.at({"a"});
                for (int i = 0; i < per_thread; ++i) {
                    mine.inc();
                    a.inc();
                    h.observe(i % 2 ? 0.5 : 2.0);
                }
            });
        for (auto& w : workers) w.join();
    }
    done = true;
    scraper.join();
    CHECK(monotonic);
    const std::string text = reg.expose();
    // a: every thread once per step, and the odd threads twice.
    CHECK(sample(text, "hits_total{k=\"a\"}") == 2ULL * (threads + threads / 2) * per_thread);
    CHECK(sample(text, "hits_total{k=\"b\"}") == 2ULL * (threads / 2) * per_thread);
    CHECK(sample(text, "h_count") == 2ULL * threads * per_thread);
    CHECK(sample(text, "h_bucket{le=\"1\"}") == 1ULL * threads * per_thread);
    const auto sum_at = text.find("\nh_sum ");
    REQUIRE(sum_at != std::string::npos);
    CHECK(std::stod(text.substr(sum_at + 7)) == 2.0 * threads * per_thread / 2 * 2.5);
}

TEST_CASE("a shard given back by an ended thread is taken over, not added") {
    ringkit::metrics::detail::cell_store* raw = nullptr;
    auto store = std::make_shared<ringkit::metrics::detail::cell_store>();
    raw = store.get();
    const auto cell = store->allocate(1);
    for (int i = 0; i < 3; ++i) std::thread([&] { raw->local().add(cell, 1); }).join();
    CHECK(store->shards().size() == 1);
    std::uint64_t total = 0;
    for (const auto* s : store->shards()) total += s->read(cell);
    CHECK(total == 3);
}

}  // TEST_SUITE
