#include "ringkit/ws/utf8.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using ringkit::ws::is_valid_utf8;
using ringkit::ws::utf8_validator;

namespace {

// A plain RFC 3629 decoder, written for clarity, to check the DFA against.
bool reference_valid(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto b = static_cast<unsigned char>(s[i]);
        std::size_t n;
        std::uint32_t cp, min;
        if (b < 0x80) {
            ++i;
            continue;
        }
        if ((b & 0xe0) == 0xc0) {
            n = 1;
            cp = b & 0x1f;
            min = 0x80;
        } else if ((b & 0xf0) == 0xe0) {
            n = 2;
            cp = b & 0x0f;
            min = 0x800;
        } else if ((b & 0xf8) == 0xf0) {
            n = 3;
            cp = b & 0x07;
            min = 0x10000;
        } else return false;
        if (i + n + 1 > s.size()) return false;
        for (std::size_t k = 1; k <= n; ++k) {
            auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (c & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += n + 1;
    }
    return true;
}

std::string encode(std::uint32_t cp) {
    std::string s;
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else if (cp < 0x800) {
        s += static_cast<char>(0xc0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        s += static_cast<char>(0xe0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        s += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        s += static_cast<char>(0xf0 | (cp >> 18));
        s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        s += static_cast<char>(0x80 | (cp & 0x3f));
    }
    return s;
}

// The index of the byte on which a byte-at-a-time validator first fails, if any.
std::optional<std::size_t> fail_index(std::string_view s) {
    utf8_validator v;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!v.feed(s.substr(i, 1))) return i;
    return std::nullopt;
}

// Every way of cutting `s` in two, and (for short strings) in three, agrees with
// the one-shot answer, and feed() fails on the piece holding the first bad byte.
void check_splits(std::string_view s) {
    const bool valid = is_valid_utf8(s);
    const auto bad_at = fail_index(s);
    for (std::size_t i = 0; i <= s.size(); ++i) {
        utf8_validator v;
        const bool first = v.feed(s.substr(0, i));
        CHECK(first == (!bad_at || *bad_at >= i));
        const bool second = v.feed(s.substr(i));
        CHECK(second == !bad_at);
        CHECK((first && second && v.complete()) == valid);
    }
    if (s.size() > 24) return;
    for (std::size_t i = 0; i <= s.size(); ++i)
        for (std::size_t j = i; j <= s.size(); ++j) {
            utf8_validator v;
            bool ok = v.feed(s.substr(0, i));
            ok = v.feed(s.substr(i, j - i)) && ok;
            ok = v.feed(s.substr(j)) && ok;
            CHECK((ok && v.complete()) == valid);
        }
}

struct bad_case {
    std::string_view bytes;
    std::size_t fails_at;  // first byte no valid UTF-8 string could have there
};

}  // namespace

TEST_CASE("utf8: valid text, including the boundaries of every sequence length") {
    const std::vector<std::string_view> valid = {
        "",
        "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!",  // Autobahn 6.2.x
        "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",                             // κόσμε (6.5.x)
        std::string_view("\x00", 1),                                                // U+0000
        "\x7f",                                                                     // U+007F
        "\xc2\x80",
        "\xdf\xbf",  // U+0080, U+07FF
        "\xe0\xa0\x80",
        "\xef\xbf\xbf",  // U+0800, U+FFFF
        "\xf0\x90\x80\x80",
        "\xf4\x8f\xbf\xbf",  // U+10000, U+10FFFF
        "\xed\x9f\xbf",
        "\xee\x80\x80",
        "\xef\xbf\xbd",  // U+D7FF, U+E000, U+FFFD
        "\xef\xbf\xbe",
        "\xf4\x8f\xbf\xbe",  // noncharacters are valid
        "\xf3\xbf\xbf\xbf",
        "\xf1\x80\x80\x80",
    };
    for (auto s : valid) {
        CAPTURE(std::string(s));
        CHECK(is_valid_utf8(s));
        CHECK(reference_valid(s));
        check_splits(s);
    }
}

TEST_CASE("utf8: invalid sequences fail on their first impossible byte") {
    const std::vector<bad_case> bad = {
        // stray continuation bytes and impossible bytes
        {"\x80", 0},
        {"\xbf", 0},
        {"a\x80", 1},
        {"\xc0", 0},
        {"\xc1", 0},
        {"\xf5", 0},
        {"\xf8", 0},
        {"\xfc", 0},
        {"\xfe", 0},
        {"\xff", 0},
        // overlong forms (Autobahn 6.8.x-6.10.x): fail on the lead byte or the first
        // continuation that proves the value too small
        {"\xc0\xaf", 0},
        {"\xc1\xbf", 0},
        {"\xe0\x80\xaf", 1},
        {"\xe0\x9f\xbf", 1},
        {"\xf0\x80\x80\xaf", 1},
        {"\xf0\x8f\xbf\xbf", 1},
        {"\xf8\x80\x80\x80\xaf", 0},
        {"\xfc\x80\x80\x80\x80\xaf", 0},
        // UTF-16 surrogates, alone and paired (6.19.x-6.21.x)
        {"\xed\xa0\x80", 1},
        {"\xed\xad\xbf", 1},
        {"\xed\xae\x80", 1},
        {"\xed\xaf\xbf", 1},
        {"\xed\xb0\x80", 1},
        {"\xed\xbe\x80", 1},
        {"\xed\xbf\xbf", 1},
        {"\xed\xa0\x80\xed\xb0\x80", 1},
        {"\xed\xaf\xbf\xed\xbf\xbf", 1},
        // beyond U+10FFFF (6.3.x, 6.4.x)
        {"\xf4\x90\x80\x80", 1},
        {"\xf4\xbf\xbf\xbf", 1},
        {"\xf7\xbf\xbf\xbf", 0},
        {"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80\x65\x64\x69\x74\x65\x64", 12},
        // a sequence cut short by a new character
        {"\xc2\x41", 1},
        {"\xe1\x80\x41", 2},
        {"\xf1\x80\x80\x41", 3},
        {"\xe1\xc2\x80", 1},
        {"\xce\xba\xe1\xbd\xcf\x83", 4},
        // 5- and 6-byte forms of RFC 2279
        {"\xf8\x88\x80\x80\x80", 0},
        {"\xfc\x84\x80\x80\x80\x80", 0},
    };
    for (auto& c : bad) {
        CAPTURE(std::string(c.bytes));
        CHECK_FALSE(is_valid_utf8(c.bytes));
        CHECK_FALSE(reference_valid(c.bytes));
        CHECK(fail_index(c.bytes) == c.fails_at);
        check_splits(c.bytes);
    }
}

TEST_CASE("utf8: fail fast on a split sequence") {
    utf8_validator v;
    CHECK(v.feed("\xf4"));
    CHECK_FALSE(v.complete());
    CHECK_FALSE(v.feed("\x90"));
    CHECK_FALSE(v.ok());
    CHECK_FALSE(v.feed("a"));  // sticky
    CHECK_FALSE(v.feed(""));
    CHECK_FALSE(v.complete());

    v.reset();
    CHECK(v.feed("\xed"));
    CHECK_FALSE(v.feed("\xa0"));
    v.reset();
    CHECK(v.feed("\xe0"));
    CHECK_FALSE(v.feed("\x80"));
    v.reset();
    CHECK(v.feed("\xf0"));
    CHECK_FALSE(v.feed("\x8f"));

    v.reset();
    CHECK(v.ok());
    CHECK(v.complete());
    CHECK(v.feed("\xf4"));
    CHECK(v.feed("\x8f"));
    CHECK(v.feed("\xbf"));
    CHECK_FALSE(v.complete());
    CHECK(v.feed("\xbf"));
    CHECK(v.complete());
}

TEST_CASE("utf8: truncated at the end is valid so far but not complete") {
    for (std::string_view s :
         {"\xce", "\xe1\xbd", "\xf0\x90\x80", "abc\xc2", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce"}) {
        CAPTURE(std::string(s));
        utf8_validator v;
        CHECK(v.feed(s));
        CHECK(v.ok());
        CHECK_FALSE(v.complete());
        CHECK_FALSE(is_valid_utf8(s));
        check_splits(s);
    }
}

TEST_CASE("utf8: every code point, encoded, is valid unless it is a surrogate") {
    utf8_validator stream;
    for (std::uint32_t cp = 0; cp <= 0x10ffff; ++cp) {
        auto s = encode(cp);
        const bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
        if (is_valid_utf8(s) == surrogate) FAIL("code point " << cp);
        if (!surrogate && !stream.feed(s)) FAIL("stream at code point " << cp);
    }
    CHECK(stream.complete());
}

TEST_CASE("utf8: all one- and two-byte strings agree with the reference decoder") {
    for (unsigned a = 0; a < 256; ++a) {
        const char one[1] = {static_cast<char>(a)};
        if (is_valid_utf8({one, 1}) != reference_valid({one, 1})) FAIL("byte " << a);
        for (unsigned b = 0; b < 256; ++b) {
            const char two[2] = {static_cast<char>(a), static_cast<char>(b)};
            if (is_valid_utf8({two, 2}) != reference_valid({two, 2})) FAIL("bytes " << a << " " << b);
        }
    }
}

TEST_CASE("utf8: all three-byte strings with a multi-byte lead agree with the reference decoder") {
    for (unsigned a = 0xc0; a < 0x100; ++a)
        for (unsigned b = 0x70; b < 0xd0; ++b)
            for (unsigned c = 0x70; c < 0xd0; ++c) {
                const char s[3] = {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
                if (is_valid_utf8({s, 3}) != reference_valid({s, 3})) FAIL("bytes " << a << " " << b << " " << c);
            }
}

TEST_CASE("utf8: random strings agree with the reference decoder, one-shot and split") {
    std::mt19937 rng(12345);
    // Mostly well-formed text with occasional damage, so both answers are common.
    const std::vector<std::string> pieces = {"a",
                                             "hello world, ",
                                             "\xc3\xa9",
                                             "\xce\xba\xe1\xbd\xb9",
                                             "\xf0\x9f\x98\x80",
                                             "\xf4\x8f\xbf\xbf",
                                             "\xed\x9f\xbf",
                                             "\xef\xbf\xbf",
                                             "0123456789abcdef"};
    const std::vector<std::string> damage = {"\x80",     "\xc0", "\xed\xa0", "\xf4\x90",
                                             "\xe0\x80", "\xff", "\xc2",     "\xf0"};
    int valid = 0, invalid = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string s;
        const int n = static_cast<int>(rng() % 40);
        for (int i = 0; i < n; ++i) {
            if (rng() % 60 == 0) s += damage[rng() % damage.size()];
            else s += pieces[rng() % pieces.size()];
        }
        const bool expect = reference_valid(s);
        (expect ? valid : invalid)++;
        REQUIRE(is_valid_utf8(s) == expect);
        // random cut points
        utf8_validator v;
        std::size_t at = 0;
        bool ok = true;
        while (at < s.size()) {
            std::size_t len = 1 + rng() % 20;
            ok = v.feed(std::string_view(s).substr(at, len)) && ok;
            at += len;
        }
        REQUIRE((ok && v.complete()) == expect);
    }
    CHECK(valid > 500);
    CHECK(invalid > 500);
}

TEST_CASE("utf8: the ASCII fast path hands over at every offset within a word") {
    for (std::size_t len = 1; len <= 48; ++len)
        for (std::size_t pos = 0; pos < len; ++pos) {
            std::string s(len, 'x');
            s[pos] = '\x80';  // stray continuation
            CHECK(fail_index(s) == pos);
            CHECK_FALSE(is_valid_utf8(s));
            std::string t(len, 'y');
            t.insert(pos, "\xe2\x82\xac");  // €
            CHECK(is_valid_utf8(t));
            std::string u(len, 'z');
            u.insert(pos, "\xed\xa0\x80");  // surrogate
            CHECK_FALSE(is_valid_utf8(u));
            std::string w(len, 'w');
            w += "\xe2\x82";  // truncated at the end after an ASCII run
            CHECK_FALSE(is_valid_utf8(w));
            utf8_validator v;
            CHECK(v.feed(w));
            CHECK_FALSE(v.complete());
        }
}

TEST_CASE("utf8: long valid messages in pieces") {
    std::string s;
    for (int i = 0; i < 2000; ++i)
        s += (i % 7 == 0) ? "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5 " : "plain ascii text ";
    CHECK(is_valid_utf8(s));
    for (std::size_t chunk : {1u, 3u, 7u, 8u, 9u, 64u, 1000u}) {
        utf8_validator v;
        for (std::size_t at = 0; at < s.size(); at += chunk) REQUIRE(v.feed(std::string_view(s).substr(at, chunk)));
        CHECK(v.complete());
    }
}

TEST_CASE("utf8: valid prefix, for cutting a string without breaking it") {
    using ringkit::ws::detail::utf8_valid_prefix;
    CHECK(utf8_valid_prefix("") == 0);
    CHECK(utf8_valid_prefix("abc") == 3);
    CHECK(utf8_valid_prefix("ab\xce\xba") == 4);
    CHECK(utf8_valid_prefix("ab\xce") == 2);
    CHECK(utf8_valid_prefix("ab\xe1\xbd") == 2);
    CHECK(utf8_valid_prefix("ab\x80xyz") == 2);
    CHECK(utf8_valid_prefix("\xed\xa0\x80") == 0);
}
