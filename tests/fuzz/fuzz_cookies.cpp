// libFuzzer target for the Cookie header parser and the Set-Cookie writer
// (ringkit/middleware/cookies.hpp), base64url, and the sealed cookie store's
// reader (ringkit/middleware/cookie_store.hpp) on arbitrary cookie text.
//
// Input: the bytes of a Cookie header value.
//
// Invariants (__builtin_trap() when broken):
//   - parse_cookies: at most max_cookies, names unique RFC 9110 tokens, raw
//     values free of CTLs, DQUOTE, ';', '\\' and non-ASCII; find_cookie agrees
//     with it for every name it kept;
//   - a parsed (decoded) value written back with format_set_cookie (or refused
//     with invalid_argument) parses back to the same value, and the line holds no
//     CR, LF or NUL;
//   - format_set_cookie with a Path and a Domain taken from the header's raw pairs,
//     and attributes chosen by their bytes, refuses (std::invalid_argument) or
//     writes a line with no CR, LF or NUL whose "; "-separated attributes are
//     exactly the ones asked for: attacker-chosen text cannot add an attribute;
//   - base64url_decode(x), when it succeeds, encodes back to x exactly;
//   - cookie_store::read of any value is nullopt or a JSON object, never a throw.
#include "ringkit/middleware/cookies.hpp"
#include "fuzz_check.hpp"
#include "ringkit/middleware/session.hpp"
#if defined(RINGKIT_HAS_OPENSSL) && RINGKIT_HAS_OPENSSL
#include "ringkit/middleware/cookie_store.hpp"
#endif

#include <cstddef>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace rk = ringkit;

void check_raw(std::string_view header) {
    const rk::cookie_options opt{.decode = false, .max_cookies = 50};
    const auto cookies = rk::parse_cookies(header, opt);
    FUZZ_CHECK(cookies.size() <= opt.max_cookies);
    for (auto it = cookies.begin(); it != cookies.end(); ++it) {
        FUZZ_CHECK(rk::detail::is_token(it->first));
        for (unsigned char c : it->second) FUZZ_CHECK(rk::detail::is_lenient_cookie_value_char(c));
        for (auto later = it + 1; later != cookies.end(); ++later) FUZZ_CHECK(later->first != it->first);
        FUZZ_CHECK(rk::find_cookie(header, it->first, false) == it->second);
    }
}

void check_round_trip(std::string_view header) {
    for (auto& [name, value] : rk::parse_cookies(header)) {
        std::string line;
        try {
            line = rk::format_set_cookie(name, {.value = value});
        } catch (const std::invalid_argument&) {
            continue;  // a __Secure-/__Host- name without Secure
        }
        FUZZ_CHECK(line.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
        FUZZ_CHECK(rk::parse_cookies(line).get(name) == value);
    }
}

// Applications set Path and Domain from data that may come from a request.
void check_set_cookie_attributes(std::string_view header) {
    for (const auto& pair : rk::parse_cookies(header, {.decode = false})) {
        const std::string& name = pair.first;
        const std::string& raw = pair.second;
        const auto byte = [&](std::size_t i) { return i < raw.size() ? static_cast<unsigned char>(raw[i]) : 0u; };
        rk::set_cookie c{.value = raw};
        const unsigned bits = byte(0) ^ static_cast<unsigned>(name.size());
        if (bits & 1) c.path = raw.substr(raw.size() / 2);
        if (bits & 2) c.domain = raw.substr(0, raw.size() / 2);
        // Up to 2212: system_clock counts nanoseconds in 64 bits.
        if (bits & 4) c.expires = std::chrono::system_clock::time_point(std::chrono::seconds(byte(1) * 30'000'000ll));
        if (bits & 8) c.max_age = std::chrono::seconds(static_cast<int>(byte(2)) - 128);
        c.secure = bits & 16;
        c.http_only = bits & 32;
        c.same_site = static_cast<rk::same_site_policy>((bits >> 6) & 3);
        c.partitioned = byte(3) & 1;
        std::string line;
        try {
            line = rk::format_set_cookie(name, c);
        } catch (const std::invalid_argument&) {
            continue;
        }
        FUZZ_CHECK(line.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
        std::vector<std::string_view> attrs;
        for (std::string_view rest = line;;) {
            const auto semi = rest.find("; ");
            attrs.push_back(rest.substr(0, semi));
            if (semi == std::string_view::npos) break;
            rest.remove_prefix(semi + 2);
        }
        std::vector<std::string> want = {name + "=" + rk::detail::percent_encode_cookie_value(c.value)};
        if (c.path) want.push_back("Path=" + *c.path);
        if (c.domain) want.push_back("Domain=" + *c.domain);
        FUZZ_CHECK(attrs.size() == want.size() + !!c.expires + !!c.max_age + c.secure + c.http_only +
                                       (c.same_site != rk::same_site_policy::unset) + c.partitioned);
        for (std::size_t i = 0; i < want.size(); ++i) FUZZ_CHECK(attrs[i] == want[i]);
        std::size_t i = want.size();
        if (c.expires) FUZZ_CHECK(attrs[i++].starts_with("Expires=") && attrs[i - 1].size() == 8 + 29);
        if (c.max_age)
            FUZZ_CHECK(attrs[i++] == "Max-Age=" + std::to_string(std::max<long long>(0, c.max_age->count())));
    }
}

void check_base64url(std::string_view text) {
    if (auto raw = rk::detail::base64url_decode(text)) FUZZ_CHECK(rk::detail::base64url_encode(*raw) == text);
}

#if defined(RINGKIT_HAS_OPENSSL) && RINGKIT_HAS_OPENSSL
const rk::cookie_store& store() {
    static const rk::cookie_store s(rk::cookie_key{});  // a fixed key: runs are reproducible
    return s;
}
#endif

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_raw(text);
    check_round_trip(text);
    check_set_cookie_attributes(text);
    check_base64url(text);
#if defined(RINGKIT_HAS_OPENSSL) && RINGKIT_HAS_OPENSSL
    for (auto& [name, value] : rk::parse_cookies(text, {.decode = false})) {
        auto s = store();  // copies share the key
        auto read = s.read(value);
        FUZZ_CHECK(!read || read->is_object());
    }
#endif
    return 0;
}
