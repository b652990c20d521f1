#include "ringkit/middleware/memory_store.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace rk = ringkit;
using namespace std::chrono_literals;

namespace {

// A clock the test moves by hand: expiry is tested without sleeping.
struct fake_clock {
    std::shared_ptr<std::chrono::steady_clock::time_point> t =
        std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::time_point(1000h));
    auto fn() const {
        return [t = t] { return *t; };
    }
    void advance(std::chrono::seconds d) const { *t += d; }
};

}  // namespace

TEST_CASE("write, read, overwrite, erase") {
    rk::memory_store store;
    auto key = store.write("", {{"a", 1}});
    CHECK(store.read(key) == nlohmann::json{{"a", 1}});
    CHECK(store.write(key, {{"a", 2}}) == key);
    CHECK(store.read(key) == nlohmann::json{{"a", 2}});
    store.erase(key);
    CHECK(!store.read(key));
    store.erase(key);  // twice is harmless
    store.erase("never-existed");
    CHECK(store.size() == 0);
}

TEST_CASE("keys are long, random, cookie-safe and never chosen by the caller") {
    rk::memory_store store;
    std::set<std::string> keys;
    for (int i = 0; i < 1000; ++i) {
        auto key = store.write("", nlohmann::json::object());
        CHECK(key.size() == 32);
        CHECK(key.find_first_not_of(rk::detail::base64url_alphabet) == std::string::npos);
        keys.insert(key);
    }
    CHECK(keys.size() == 1000);
    auto key = store.write("chosen-by-attacker", {{"x", 1}});
    CHECK(key != "chosen-by-attacker");
    CHECK(!store.read("chosen-by-attacker"));
}

TEST_CASE("copies share one store") {
    rk::memory_store a;
    rk::memory_store b = a;
    auto key = a.write("", {{"x", 1}});
    CHECK(b.read(key) == nlohmann::json{{"x", 1}});
    CHECK(b.size() == 1);
}

TEST_CASE("an idle session expires; use keeps it alive") {
    fake_clock clock;
    rk::memory_store store({.idle_timeout = 60s, .clock = clock.fn()});
    auto idle = store.write("", {{"k", "idle"}});
    auto busy = store.write("", {{"k", "busy"}});
    clock.advance(59s);
    CHECK(store.read(busy));
    clock.advance(59s);  // idle: 118 s unused; busy: 59 s
    CHECK(!store.read(idle));
    CHECK(store.read(busy));
    CHECK(store.size() == 1);  // the expired one is pruned, not just hidden
    // Writing to an expired key does not revive it: a new key is issued.
    clock.advance(60s);
    auto again = store.write(busy, {{"k", "new"}});
    CHECK(again != busy);
    CHECK(!store.read(busy));
    CHECK(store.read(again) == nlohmann::json{{"k", "new"}});
}

TEST_CASE("expired sessions are pruned even when nobody reads them") {
    fake_clock clock;
    rk::memory_store store({.idle_timeout = 10s, .clock = clock.fn()});
    for (int i = 0; i < 100; ++i) store.write("", {{"i", i}});
    CHECK(store.size() == 100);
    clock.advance(11s);
    store.write("", {{"i", "fresh"}});
    CHECK(store.size() == 1);
}

TEST_CASE("max_sessions drops the least recently used") {
    rk::memory_store store({.max_sessions = 3});
    auto a = store.write("", {{"n", "a"}});
    auto b = store.write("", {{"n", "b"}});
    auto c = store.write("", {{"n", "c"}});
    CHECK(store.read(a));  // a is now the most recently used; b the least
    auto d = store.write("", {{"n", "d"}});
    CHECK(store.size() == 3);
    CHECK(!store.read(b));
    CHECK(store.read(a));
    CHECK(store.read(c));
    CHECK(store.read(d));
}

TEST_CASE("many threads at once") {
    rk::memory_store store({.max_sessions = 10000});
    std::vector<std::thread> threads;
    std::vector<int> ok(4, 0);
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                auto key = store.write("", {{"t", t}, {"i", i}});
                store.write(key, {{"t", t}, {"i", i + 1}});
                auto back = store.read(key);
                if (back && (*back)["i"] == i + 1) ++ok[t];
                if (i % 2) store.erase(key);
            }
        });
    for (auto& th : threads) th.join();
    for (int n : ok) CHECK(n == 500);
    CHECK(store.size() == 1000);
}
