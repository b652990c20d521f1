// The IMF-fixdate for the Date header (RFC 9110 §5.6.7), formatted at most once
// a second per thread: every response needs it. Formatted by hand because
// strftime's day and month names follow the process locale.
#pragma once

#include <cstddef>
#include <ctime>
#include <string_view>

namespace ringkit::detail {

inline std::string_view http_date() noexcept {
    struct cache {
        std::time_t second = -1;
        char text[29] = {};
    };
    thread_local cache c;
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    if (ts.tv_sec != c.second) {
        static constexpr char days[] = "SunMonTueWedThuFriSat";
        static constexpr char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
        std::tm tm{};
        ::gmtime_r(&ts.tv_sec, &tm);
        char* p = c.text;
        auto put3 = [&](const char* s) {
            *p++ = s[0];
            *p++ = s[1];
            *p++ = s[2];
        };
        auto put2 = [&](int v) {
            *p++ = static_cast<char>('0' + v / 10);
            *p++ = static_cast<char>('0' + v % 10);
        };
        put3(days + 3 * static_cast<std::size_t>(tm.tm_wday));
        *p++ = ',';
        *p++ = ' ';
        put2(tm.tm_mday);
        *p++ = ' ';
        put3(months + 3 * static_cast<std::size_t>(tm.tm_mon));
        *p++ = ' ';
        int year = tm.tm_year + 1900;
        put2(year / 100);
        put2(year % 100);
        *p++ = ' ';
        put2(tm.tm_hour);
        *p++ = ':';
        put2(tm.tm_min);
        *p++ = ':';
        put2(tm.tm_sec);
        *p++ = ' ';
        *p++ = 'G';
        *p++ = 'M';
        *p++ = 'T';
        c.second = ts.tv_sec;
    }
    return {c.text, sizeof c.text};
}

}  // namespace ringkit::detail
