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
//   - base64url_decode(x), when it succeeds, encodes back to x exactly;
//   - cookie_store::read of any value is nullopt or a JSON object, never a throw.
#include "ringkit/middleware/cookies.hpp"
#include "fuzz_check.hpp"
#include "ringkit/middleware/session.hpp"
#if defined(RINGKIT_HAS_OPENSSL) && RINGKIT_HAS_OPENSSL
#include "ringkit/middleware/cookie_store.hpp"
#endif

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

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
