// libFuzzer target for percent-decoding and the code that splits paths and
// query strings with it: percent_decode and query_param (ringkit/http/url.hpp),
// the static-file path check (detail::files::check_path in
// ringkit/middleware/file.hpp) and the router's path_segments::split
// (ringkit/routing/trie.hpp).
//
// Input: the bytes of a path or a query string, taken as both.
//
// Invariants (__builtin_trap() when broken):
//   - percent_decode, with and without plus_is_space, equals a plain reference
//     decoder: nullopt exactly when some '%' lacks two hex digits after it, else
//     input size minus two per escape (never longer than the input);
//   - decode(encode(x)) == x for the input and for its decoding, with '%XX' for
//     every byte but the unreserved ones, and with '+' for spaces in form mode;
//     text with no '%' (and no '+' in form mode) decodes to itself;
//   - query_param(q, name) equals a reference lookup for every name the query
//     holds (and "", "a"), and agrees with wrap_params' parser
//     (detail::parse_urlencoded) whenever that accepts the query;
//   - check_path refuses with 400 exactly the paths that do not start with '/',
//     fail to decode, hold NUL or '\\' once decoded, or have a "." or ".."
//     segment once decoded (so "%2e%2e%2f" is caught), with 404 exactly for a
//     dotfile when they are not allowed; its segments are the decoded path's
//     non-empty pieces, none of which can climb out of the root;
//   - path_segments::split accepts exactly the paths that start with '/' and
//     decode; its raw segments rebuild the path, each decoded one is the
//     percent_decode of its raw one, and rest_from(i) is the path's tail.
#include "ringkit/http/url.hpp"
#include "fuzz_check.hpp"
#include "ringkit/middleware/file.hpp"
#include "ringkit/middleware/params.hpp"
#include "ringkit/routing/trie.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace rk = ringkit;

int hex(char c) {
    static constexpr std::string_view digits = "0123456789abcdef";
    const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    const auto at = digits.find(lower);
    return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// Counts the escapes; nullopt when one is malformed.
std::optional<std::size_t> count_escapes(std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') continue;
        if (i + 2 >= s.size()) return std::nullopt;  // fewer than two bytes follow
        if (hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0) return std::nullopt;
        ++n;
        i += 2;
    }
    return n;
}

std::optional<std::string> reference_decode(std::string_view s, bool plus) {
    if (!count_escapes(s)) return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    return out;
}

std::string encode(std::string_view s, bool form) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else if (form && c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

void check_decode(std::string_view text, bool plus) {
    const auto got = rk::percent_decode(text, plus);
    const auto want = reference_decode(text, plus);
    FUZZ_CHECK(got == want);
    FUZZ_CHECK(got.has_value() == count_escapes(text).has_value());
    if (got) FUZZ_CHECK(got->size() == text.size() - 2 * *count_escapes(text));
    if (text.find('%') == std::string_view::npos && (!plus || text.find('+') == std::string_view::npos))
        FUZZ_CHECK(got == text);
    FUZZ_CHECK(rk::percent_decode(encode(text, plus), plus) == text);
    if (got) FUZZ_CHECK(rk::percent_decode(encode(*got, plus), plus) == *got);
}

// query_param as its comment defines it, written independently.
std::optional<std::string> reference_query_param(std::string_view query, std::string_view name) {
    std::size_t from = 0;
    while (from < query.size()) {
        std::size_t to = query.find('&', from);
        if (to == std::string_view::npos) to = query.size();
        const auto pair = query.substr(from, to - from);
        from = to + 1;
        if (pair.empty()) continue;  // as the WHATWG urlencoded parser does
        const auto eq = pair.find('=');
        const auto key = reference_decode(pair.substr(0, eq), true);
        if (!key || *key != name) continue;
        if (eq == std::string_view::npos) return std::string();
        return reference_decode(pair.substr(eq + 1), true);
    }
    return std::nullopt;
}

void check_query(std::string_view query) {
    std::vector<std::string> names = {"", "a"};
    std::size_t from = 0;
    while (from <= query.size() && names.size() < 16) {
        std::size_t to = query.find('&', from);
        if (to == std::string_view::npos) to = query.size();
        const auto pair = query.substr(from, to - from);
        if (auto key = reference_decode(pair.substr(0, pair.find('=')), true)) names.push_back(std::move(*key));
        from = to + 1;
    }
    for (auto& name : names) FUZZ_CHECK(rk::query_param(query, name) == reference_query_param(query, name));

    // req.query(name) and wrap_params read the same query string the same way.
    rk::params p;
    const rk::params_options roomy{.max_params = 100000, .max_name_length = 100000, .max_depth = 100000};
    if (rk::detail::parse_urlencoded(query, p, false, roomy)) return;  // refused: a 400 before any lookup
    for (auto& [name, value] : p.query) FUZZ_CHECK(rk::query_param(query, name) == p.query.get(name));
}

// Splits on '/', keeping empty pieces.
std::vector<std::string_view> pieces(std::string_view s) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto slash = s.find('/');
        out.push_back(s.substr(0, slash));
        if (slash == std::string_view::npos) return out;
        s.remove_prefix(slash + 1);
    }
}

void check_file_path(std::string_view raw, bool allow_dotfiles) {
    const auto r = rk::detail::files::check_path(raw, allow_dotfiles);
    FUZZ_CHECK(r.refused == 0 || r.refused == 400 || r.refused == 404);
    const auto decoded = rk::percent_decode(raw);
    bool bad = raw.empty() || raw.front() != '/' || !decoded || decoded->find('\0') != std::string::npos ||
               decoded->find('\\') != std::string::npos;
    bool dotfile = false;
    std::vector<std::string_view> segs;
    if (!bad) {
        for (auto piece : pieces(*decoded)) {
            if (piece.empty()) continue;
            bad = bad || piece == "." || piece == "..";
            dotfile = dotfile || piece.front() == '.';
            segs.push_back(piece);
        }
    }
    if (bad) {
        FUZZ_CHECK(r.refused == 400);
        return;
    }
    FUZZ_CHECK(r.refused == (dotfile && !allow_dotfiles ? 404 : 0));
    FUZZ_CHECK(r.trailing_slash == decoded->ends_with('/'));
    FUZZ_CHECK(r.segments.size() == segs.size());
    for (std::size_t i = 0; i < segs.size(); ++i) {
        const auto& s = r.segments[i];
        FUZZ_CHECK(s == segs[i]);
        FUZZ_CHECK(!s.empty() && s != "." && s != "..");
        FUZZ_CHECK(s.find_first_of(std::string_view("/\\\0", 3)) == std::string::npos);
    }
}

void check_segments(std::string_view path) {
    rk::path_segments segs;
    const bool ok = segs.split(path);
    FUZZ_CHECK(ok == (!path.empty() && path.front() == '/' && rk::percent_decode(path).has_value()));
    if (!ok) return;
    FUZZ_CHECK(segs.path() == path);
    const auto raw = path == "/" ? std::vector<std::string_view>{} : pieces(path.substr(1));
    FUZZ_CHECK(segs.size() == raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        FUZZ_CHECK(segs[i].raw == raw[i]);
        FUZZ_CHECK(rk::percent_decode(segs[i].raw) == segs[i].decoded);
        const auto tail = segs.rest_from(i);
        FUZZ_CHECK(tail.size() == path.size() - static_cast<std::size_t>(segs[i].raw.data() - path.data()) + 1);
        FUZZ_CHECK(path.ends_with(tail) && tail.front() == '/');
    }
    FUZZ_CHECK(segs.rest_from(segs.size()) == "/");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_decode(text, false);
    check_decode(text, true);
    check_query(text);
    check_file_path(text, false);
    check_file_path(text, true);
    check_segments(text);
    return 0;
}
