#include "ringkit/middleware/cookie_store.hpp"

#if defined(RINGKIT_HAS_OPENSSL) && RINGKIT_HAS_OPENSSL

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/run_handler.hpp"

namespace rk = ringkit;

namespace {

// Sealed bytes of a cookie value, and back.
std::string raw(const std::string& sealed) { return rk::detail::base64url_decode(sealed).value(); }
std::string text(const std::string& raw) { return rk::detail::base64url_encode(raw); }

}  // namespace

TEST_CASE("a session sealed into the cookie reads back") {
    rk::cookie_store store(rk::random_cookie_key());
    nlohmann::json data{{"user", "bob"}, {"roles", {"admin"}}, {"n", 42}};
    auto sealed = store.write("", data);
    CHECK(sealed.find_first_not_of(rk::detail::base64url_alphabet) == std::string::npos);
    CHECK(sealed.find("bob") == std::string::npos);
    CHECK(store.read(sealed) == data);
    CHECK(store.write("", data) != sealed);  // a fresh nonce each time
    rk::cookie_store copy = store;
    CHECK(copy.read(sealed) == data);
}

TEST_CASE("tampered, truncated, foreign or garbage cookies read as no session") {
    auto key = rk::random_cookie_key();
    rk::cookie_store store(key);
    auto sealed = store.write("", {{"user", "bob"}});
    const auto bytes = raw(sealed);

    for (std::size_t i = 0; i < bytes.size(); ++i)  // every byte, one bit flipped
        for (unsigned char bit : {0x01, 0x80}) {
            auto t = bytes;
            t[i] = static_cast<char>(t[i] ^ bit);
            CHECK(!store.read(text(t)));
        }
    for (std::size_t n = 0; n < bytes.size(); ++n) CHECK(!store.read(text(bytes.substr(0, n))));  // truncated
    for (std::size_t n = 0; n < sealed.size(); ++n) CHECK(!store.read(sealed.substr(0, n)));
    CHECK(!store.read(sealed + "A"));
    CHECK(!store.read(text(bytes + "x")));  // extended

    CHECK(!rk::cookie_store(rk::random_cookie_key()).read(sealed));        // another key
    CHECK(!rk::cookie_store(key, {.context = "other-app"}).read(sealed));  // another purpose
    const std::vector<std::string> junk{
        "", "A", "====", "not base64!", "%00%00", std::string(5000, 'A'), std::string(100, '\0')};
    for (auto& j : junk) CHECK(!store.read(j));

    // A valid seal of something that is not a JSON object is no session either.
    CHECK(!store.read(store.write("", nlohmann::json::array({1, 2}))));
    CHECK(!store.read(store.write("", "text")));
    CHECK(store.read(store.write("", nlohmann::json::object())) == nlohmann::json::object());
}

TEST_CASE("through wrap_session: round trip; a tampered cookie gives a fresh empty session") {
    rk::cookie_store store(rk::random_cookie_key());
    rk::handler h = [](rk::request& req) {
        auto& s = rk::session_of(req);
        if (req.uri == "/login") s["user"] = "bob";
        return rk::response::text(s.data().value("user", "-") + (s.is_new() ? " new" : ""));
    };
    auto app = h | rk::wrap_session(store);
    auto req1 = rk::test::make_request("GET", "/login");
    auto cookie = rk::test::cookie_pair(rk::test::run_handler(app, req1));
    REQUIRE(cookie);
    auto req2 = rk::test::make_request("GET", "/", {{"Cookie", *cookie}});
    CHECK(rk::test::run_handler(app, req2).body_string() == "bob");

    auto value = cookie->substr(cookie->find('=') + 1);
    auto bytes = raw(value);
    bytes[bytes.size() / 2] ^= 1;
    auto forged = "ringkit-session=" + text(bytes);
    auto req3 = rk::test::make_request("GET", "/", {{"Cookie", forged}});
    auto res3 = rk::test::run_handler(app, req3);
    CHECK(res3.body_string() == "- new");
    CHECK(!rk::test::cookie_pair(res3));
}

TEST_CASE("max_age: an old cookie reads as no session, a fresh one reads; writing refreshes the time") {
    using namespace std::chrono_literals;
    auto now =
        std::make_shared<std::chrono::system_clock::time_point>(std::chrono::sys_days{std::chrono::year{2030} / 1 / 1});
    rk::cookie_store_options opt{.max_age = 24h, .clock = [now] { return *now; }};
    CHECK(rk::cookie_store_options{}.max_age == std::chrono::days(7));
    rk::cookie_store store(rk::random_cookie_key(), opt);
    const nlohmann::json data{{"user", "bob"}};
    auto sealed = store.write("", data);

    CHECK(store.read(sealed) == data);
    *now += 24h - 1s;
    CHECK(store.read(sealed) == data);
    auto resealed = store.write(sealed, data);  // sliding: a save starts a new 24 h
    *now += 1s;
    CHECK(!store.read(sealed));
    CHECK(store.read(resealed) == data);
    *now += 24h - 1s;
    CHECK(!store.read(resealed));

    // No server-side limit: as old as you like.
    auto unlimited_opt = opt;
    unlimited_opt.max_age = std::nullopt;
    rk::cookie_store unlimited(rk::random_cookie_key(), unlimited_opt);
    auto kept = unlimited.write("", data);
    *now += std::chrono::days(3650);
    CHECK(unlimited.read(kept) == data);
}

TEST_CASE("max_age: a cookie sealed in the future beyond the clock skew is refused") {
    using namespace std::chrono_literals;
    const auto key = rk::random_cookie_key();
    const std::chrono::system_clock::time_point t0 = std::chrono::sys_days{std::chrono::year{2030} / 1 / 1};
    auto at = [&](std::chrono::system_clock::time_point t) {
        return rk::cookie_store(key, {.max_age = 24h, .clock = [t] { return t; }});
    };
    const nlohmann::json data{{"v", 1}};
    // Another server sharing the key whose clock runs ahead.
    CHECK(at(t0).read(at(t0 + 5min).write("", data)) == data);
    CHECK(!at(t0).read(at(t0 + 5min + 1s).write("", data)));
    CHECK(!at(t0).read(at(t0 + std::chrono::days(365)).write("", data)));
    // Extreme seal times (the clock is the only way to write them) neither overflow nor pass.
    const auto lowest = std::chrono::system_clock::time_point(  // about 292 years before 1970
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(INT64_MIN / 1'000'000'000)));
    CHECK(!at(t0).read(at(lowest).write("", data)));
    CHECK(!at(lowest).read(at(t0).write("", data)));
    // A non-positive max_age opens nothing.
    CHECK(!rk::cookie_store(key, {.max_age = 0s}).read(rk::cookie_store(key).write("", data)));
    CHECK(!rk::cookie_store(key, {.max_age = -1s}).read(rk::cookie_store(key).write("", data)));
}

TEST_CASE("the seal time is authenticated: changing it (even to a valid time) breaks the seal") {
    using namespace std::chrono_literals;
    const std::chrono::system_clock::time_point t0 = std::chrono::sys_days{std::chrono::year{2030} / 1 / 1};
    rk::cookie_store store(rk::random_cookie_key(), {.max_age = 24h, .clock = [t0] { return t0; }});
    auto bytes = raw(store.write("", {{"v", 1}}));
    REQUIRE(bytes[0] == 2);            // the format's version
    for (int delta : {-1, +1, -60}) {  // bytes 1..8: the time, big-endian; 8 is the low byte
        auto t = bytes;
        t[8] = static_cast<char>(static_cast<unsigned char>(t[8]) + delta);
        CHECK(!store.read(text(t)));
    }
    auto v1 = bytes;
    v1[0] = 1;  // the old format is not read
    CHECK(!store.read(text(v1)));
}

TEST_CASE("key rotation: old keys open, only the new key seals") {
    auto old_key = rk::random_cookie_key();
    auto new_key = rk::random_cookie_key();
    auto old_sealed = rk::cookie_store(old_key).write("", {{"v", 1}});
    rk::cookie_store rotated(new_key, {.old_keys = {old_key}});
    CHECK(rotated.read(old_sealed) == nlohmann::json{{"v", 1}});
    auto resealed = rotated.write("", {{"v", 1}});
    CHECK(rk::cookie_store(new_key).read(resealed) == nlohmann::json{{"v", 1}});
    CHECK(!rk::cookie_store(old_key).read(resealed));
}

TEST_CASE("a session too large for a cookie is refused") {
    rk::cookie_store store(rk::random_cookie_key());
    nlohmann::json big{{"blob", std::string(3000, 'x')}};
    CHECK_THROWS_AS(store.write("", big), std::length_error);
    CHECK(store.write("", {{"blob", std::string(2900, 'x')}}).size() <= 4000);
    rk::cookie_store tiny(rk::random_cookie_key(), {.max_cookie_bytes = 100});
    CHECK_THROWS_AS(tiny.write("", big), std::length_error);
}

TEST_CASE("invalid UTF-8 in the session does not throw") {
    rk::cookie_store store(rk::random_cookie_key());
    auto sealed = store.write("", {{"s", std::string("\xff\xfe")}});
    CHECK(store.read(sealed));
}

TEST_CASE("keys as text") {
    auto k = rk::random_cookie_key();
    auto t = rk::cookie_key_to_text(k);
    CHECK(t.size() == 43);
    CHECK(rk::cookie_key_from_text(t) == k);
    CHECK(!rk::cookie_key_from_text(t.substr(1)));
    CHECK(!rk::cookie_key_from_text(t + "AA"));
    CHECK(!rk::cookie_key_from_text("short"));
    CHECK(rk::random_cookie_key() != k);
}

#endif  // RINGKIT_HAS_OPENSSL
