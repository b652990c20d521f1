// Byte ranges (RFC 9110 §14): what a Range header asks of a representation of
// known size. Resumed downloads and media players seeking in a video depend
// on it; the file and resource handlers answer 206 / 416 from this.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "ringkit/core/ascii.hpp"

namespace ringkit {

/// What a Range header means for a representation of a given size.
struct byte_range {
    enum class kind {
        whole,          ///< no usable Range: send everything (absent, invalid, other unit, several ranges)
        partial,        ///< send [first, first + length) as 206
        unsatisfiable,  ///< 416 with "Content-Range: bytes */size"
    };
    kind what = kind::whole;
    std::uint64_t first = 0;
    std::uint64_t length = 0;

    /// The Content-Range value for a partial answer, "bytes first-last/size".
    std::string content_range(std::uint64_t size) const {
        if (what == kind::unsatisfiable) return "bytes */" + std::to_string(size);
        return "bytes " + std::to_string(first) + "-" + std::to_string(first + length - 1) + "/" + std::to_string(size);
    }
};

namespace detail::range {

// Decimal digits at the front of `s`, saturating instead of overflowing: a
// position past any file is as good as UINT64_MAX. nullopt when there are none.
inline std::optional<std::uint64_t> take_number(std::string_view& s) noexcept {
    std::size_t i = 0;
    std::uint64_t v = 0;
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        auto d = static_cast<std::uint64_t>(s[i] - '0');
        v = v > (max - d) / 10 ? max : v * 10 + d;
    }
    if (i == 0) return std::nullopt;
    s.remove_prefix(i);
    return v;
}

}  // namespace detail::range

/// Interprets a Range header for a representation of `size` bytes. One range
/// ("bytes=a-b", "a-", "-n") gives partial or unsatisfiable; a syntactically
/// invalid header or another unit is ignored (whole), as RFC 9110 §14.2
/// allows. Several ranges are also answered with the whole representation:
/// allowed by §14.2, and it spares clients and us multipart/byteranges.
inline byte_range parse_range(std::string_view header, std::uint64_t size) noexcept {
    using k = byte_range::kind;
    auto s = detail::trim_ows(header);
    if (s.size() < 6 || !detail::iequals(s.substr(0, 6), "bytes=")) return {};
    s.remove_prefix(6);
    s = detail::trim_ows(s);
    if (s.find(',') != std::string_view::npos) return {};  // several ranges (or a malformed list): whole
    std::optional<std::uint64_t> first, last;
    if (!s.empty() && s.front() == '-') {  // suffix-range: the last n bytes
        s.remove_prefix(1);
        auto n = detail::range::take_number(s);
        if (!n || !s.empty()) return {};
        if (*n == 0 || size == 0) return {k::unsatisfiable};
        auto len = *n < size ? *n : size;
        return {k::partial, size - len, len};
    }
    first = detail::range::take_number(s);
    if (!first || s.empty() || s.front() != '-') return {};
    s.remove_prefix(1);
    if (!s.empty()) {
        last = detail::range::take_number(s);
        if (!last || !s.empty() || *last < *first) return {};  // §14.1.1: last < first is invalid
    }
    if (*first >= size) return {k::unsatisfiable};
    auto end = last && *last < size - 1 ? *last : size - 1;
    return {k::partial, *first, end - *first + 1};
}

}  // namespace ringkit
