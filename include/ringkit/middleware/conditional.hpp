// Conditional requests (RFC 9110 §13): HTTP-dates, entity-tag comparison and
// the order in which If-Match, If-Unmodified-Since, If-None-Match,
// If-Modified-Since and If-Range are evaluated. wrap_not_modified, the file
// handler and the resource handler all decide 304 / 412 / "honour the Range"
// here, so the rules live in one place.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "ringkit/core/ascii.hpp"
#include "ringkit/http/request.hpp"
#include "ringkit/http/response.hpp"

namespace ringkit {

namespace detail::cond {

inline constexpr std::string_view day_names = "SunMonTueWedThuFriSat";
inline constexpr std::string_view month_names = "JanFebMarAprMayJunJulAugSepOctNovDec";

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm):
// no timegm(), which is neither standard nor locale-proof everywhere.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

constexpr bool is_leap(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// A tiny cursor over the date text: every step says whether it matched.
struct cursor {
    std::string_view s;
    bool lit(std::string_view want) noexcept {
        if (!s.starts_with(want)) return false;
        s.remove_prefix(want.size());
        return true;
    }
    bool digits(std::size_t n, int& out) noexcept {
        if (s.size() < n) return false;
        out = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (s[i] < '0' || s[i] > '9') return false;
            out = out * 10 + (s[i] - '0');
        }
        s.remove_prefix(n);
        return true;
    }
    bool month(int& out) noexcept {
        if (s.size() < 3) return false;
        for (int i = 0; i < 12; ++i)
            if (s.substr(0, 3) == month_names.substr(static_cast<std::size_t>(i) * 3, 3)) {
                out = i + 1;
                s.remove_prefix(3);
                return true;
            }
        return false;
    }
    bool short_day() noexcept {
        if (s.size() < 3) return false;
        for (std::size_t i = 0; i < 7; ++i)
            if (s.substr(0, 3) == day_names.substr(i * 3, 3)) {
                s.remove_prefix(3);
                return true;
            }
        return false;
    }
    bool long_day() noexcept {
        for (std::string_view d : {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"})
            if (lit(d)) return true;
        return false;
    }
    // "HH:MM:SS"
    bool time_of_day(int& h, int& m, int& sec) noexcept {
        return digits(2, h) && lit(":") && digits(2, m) && lit(":") && digits(2, sec);
    }
};

inline std::optional<std::time_t> make_time(int year, int month, int day, int h, int m, int s) noexcept {
    static constexpr int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1) return std::nullopt;
    int max_day = month_days[month - 1] + (month == 2 && is_leap(year) ? 1 : 0);
    if (day > max_day || h > 23 || m > 59 || s > 60) return std::nullopt;  // 60: a leap second
    auto days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return static_cast<std::time_t>(days * 86400 + std::int64_t{h} * 3600 + std::int64_t{m} * 60 + s);
}

// One entity-tag (RFC 9110 §8.8.3) at the front of `s`, which it consumes.
// The returned view keeps its quotes; `weak` tells whether W/ preceded it.
inline std::optional<std::string_view> take_etag(std::string_view& s, bool& weak) noexcept {
    weak = s.starts_with("W/");
    std::string_view t = weak ? s.substr(2) : s;
    if (t.empty() || t.front() != '"') return std::nullopt;
    auto close = t.find('"', 1);
    if (close == std::string_view::npos) return std::nullopt;
    for (std::size_t i = 1; i < close; ++i) {  // etagc: %x21 / %x23-7E / obs-text
        auto c = static_cast<unsigned char>(t[i]);
        if (c < 0x21 || c == 0x7f) return std::nullopt;
    }
    s = t.substr(close + 1);
    return t.substr(0, close + 1);
}

// Whether a list header (If-Match, If-None-Match) names `current`. `*` matches
// any current representation. A malformed list matches nothing.
inline bool list_matches(std::string_view list, std::optional<std::string_view> current, bool strong) noexcept {
    list = trim_ows(list);
    if (list == "*") return true;
    if (!current) return false;
    std::string_view cur = *current;
    bool cur_weak = false;
    auto cur_tag = take_etag(cur, cur_weak);
    if (!cur_tag || !trim_ows(cur).empty()) return false;
    if (strong && cur_weak) return false;
    while (true) {
        while (!list.empty() && (list.front() == ',' || list.front() == ' ' || list.front() == '\t'))
            list.remove_prefix(1);
        if (list.empty()) return false;
        bool weak = false;
        auto tag = take_etag(list, weak);
        if (!tag) return false;
        if (*tag == *cur_tag && !(strong && weak)) return true;
        list = trim_ows(list);
        if (!list.empty() && list.front() != ',') return false;
    }
}

}  // namespace detail::cond

/// Formats a time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110
/// §5.6.7), the form Last-Modified and Expires must use. Locale-free.
inline std::string format_http_date(std::time_t t) {
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[80];  // room for any int the format could see, though dates need 29
    const auto day = detail::cond::day_names.substr(static_cast<std::size_t>(tm.tm_wday) * 3, 3);
    const auto mon = detail::cond::month_names.substr(static_cast<std::size_t>(tm.tm_mon) * 3, 3);
    (void)std::snprintf(buf, sizeof buf, "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT", day.data(), tm.tm_mday, mon.data(),
                        tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

/// Parses an HTTP-date in any of the three forms RFC 9110 §5.6.7 makes
/// recipients accept (IMF-fixdate, RFC 850, asctime); nullopt when it is none
/// of them. A two-digit RFC 850 year below 70 is taken as 20xx.
inline std::optional<std::time_t> parse_http_date(std::string_view text) noexcept {
    detail::cond::cursor c{detail::trim_ows(text)};
    int day = 0, month = 0, year = 0, h = 0, m = 0, s = 0;
    auto done = [&]() { return c.s.empty() ? detail::cond::make_time(year, month, day, h, m, s) : std::nullopt; };
    {  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
        auto k = c;
        if (k.short_day() && k.lit(", ") && k.digits(2, day) && k.lit(" ") && k.month(month) && k.lit(" ") &&
            k.digits(4, year) && k.lit(" ") && k.time_of_day(h, m, s) && k.lit(" GMT")) {
            c = k;
            return done();
        }
    }
    {  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
        auto k = c;
        if (k.long_day() && k.lit(", ") && k.digits(2, day) && k.lit("-") && k.month(month) && k.lit("-") &&
            k.digits(2, year) && k.lit(" ") && k.time_of_day(h, m, s) && k.lit(" GMT")) {
            year += year < 70 ? 2000 : 1900;
            c = k;
            return done();
        }
    }
    {  // asctime: "Sun Nov  6 08:49:37 1994"
        auto k = c;
        if (k.short_day() && k.lit(" ") && k.month(month) && k.lit(" ")) {
            if (k.lit(" ")) {
                if (!k.digits(1, day)) return std::nullopt;
            } else if (!k.digits(2, day)) {
                return std::nullopt;
            }
            if (k.lit(" ") && k.time_of_day(h, m, s) && k.lit(" ") && k.digits(4, year)) {
                c = k;
                return done();
            }
        }
    }
    return std::nullopt;
}

/// What identifies the version of a representation: its ETag as sent (quotes
/// and W/ included) and its Last-Modified time, either possibly absent.
struct validators {
    std::optional<std::string_view> etag;
    std::optional<std::time_t> last_modified;

    /// The validators a response carries in its ETag and Last-Modified headers.
    static validators of(const header_list& headers) noexcept {
        validators v;
        v.etag = headers.get("ETag");
        if (auto lm = headers.get("Last-Modified")) v.last_modified = parse_http_date(*lm);
        return v;
    }
};

/// RFC 9110 §13.2.2 steps 1-2: true when If-Match (strong comparison) or, in
/// its absence, If-Unmodified-Since says the client's precondition fails (412).
inline bool precondition_failed(const request& req, const validators& v) noexcept {
    if (auto im = req.header("if-match")) return !detail::cond::list_matches(*im, v.etag, true);
    if (auto ius = req.header("if-unmodified-since")) {
        auto since = parse_http_date(*ius);  // §13.1.4: an invalid date is ignored
        return since && v.last_modified && *v.last_modified > *since;
    }
    return false;
}

/// RFC 9110 §13.2.2 steps 3-4 for GET and HEAD: true when If-None-Match (weak
/// comparison, `*`, lists) matches or, only when If-None-Match is absent,
/// If-Modified-Since is not older than Last-Modified. Unparseable dates are ignored.
inline bool is_not_modified(const request& req, const validators& v) noexcept {
    if (req.request_method != method::get && req.request_method != method::head) return false;
    if (auto inm = req.header("if-none-match")) return detail::cond::list_matches(*inm, v.etag, false);
    if (auto ims = req.header("if-modified-since")) {
        auto since = parse_http_date(*ims);
        return since && v.last_modified && *v.last_modified <= *since;
    }
    return false;
}

/// RFC 9110 §13.1.5: whether a Range header may be honoured. True without
/// If-Range; with it, only for a strong ETag match or a date equal to Last-Modified.
inline bool if_range_allows(const request& req, const validators& v) noexcept {
    auto ir = req.header("if-range");
    if (!ir) return true;
    auto value = detail::trim_ows(*ir);
    if (value.starts_with("W/")) return false;  // weak tags never satisfy If-Range
    if (value.starts_with("\"")) {
        if (!v.etag || v.etag->starts_with("W/")) return false;
        bool weak = false;
        auto tag = detail::cond::take_etag(value, weak);
        return tag && value.empty() && *tag == *v.etag;
    }
    auto date = parse_http_date(value);
    return date && v.last_modified && *date == *v.last_modified;
}

/// Turns `res` into a 304 Not Modified: no body, and of the representation
/// headers only those RFC 9110 §15.4.5 lists stay (ETag, Last-Modified,
/// Cache-Control, Expires, Vary, Content-Location...); Content-Type,
/// Content-Length and Content-Range go.
inline void make_not_modified(response& res) {
    res.status = 304;
    res.body = std::monostate{};
    for (auto name : {"Content-Type", "Content-Length", "Content-Range", "Accept-Ranges"}) res.headers.erase(name);
}

}  // namespace ringkit
