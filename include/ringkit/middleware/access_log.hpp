// One record per request, written once its response is made: who asked, what,
// the status, the body size, how long it took and the request id. The core hands
// a structured access_entry to a callback (for metrics); wrap_access_log builds
// on it Apache's Common or Combined Log Format line, the format log analysers
// read, or a JSON object per line, what log shippers (Loki, Elasticsearch, jq)
// read. Everything a client sent is escaped (Apache's way, or JSON's), so no
// request can forge a second log line or break the JSON.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "ringkit/core/ascii.hpp"
#include "ringkit/middleware/middleware.hpp"

namespace ringkit {

/// What the log knows about one request. The views are valid during the callback only.
struct access_entry {
    std::string_view remote_addr;                ///< the client (wrap_forwarded's, when it is outside)
    std::chrono::system_clock::time_point time;  ///< when the request reached this middleware
    std::string_view method;
    std::string_view target;    ///< path and query as the request arrived ("/p?q=1")
    std::string_view protocol;  ///< "HTTP/1.1"
    int status = 0;
    /// Body bytes sent; 0 when none (HEAD, 204, 304, 1xx); nothing when unknown (a stream).
    std::optional<std::uint64_t> body_bytes;
    std::optional<std::string_view> referer;
    std::optional<std::string_view> user_agent;
    /// Until the response was made: a streamed or file body is still to be sent.
    std::chrono::microseconds duration{0};
    /// The handler threw: status is 500 and the exception goes on to the wraps outside.
    bool threw = false;
    /// request::request_id (wrap_request_id, in either order); empty when none.
    std::string_view request_id;
};

enum class log_format : std::uint8_t {
    common,    ///< host ident user [time] "request" status bytes
    combined,  ///< common + "referer" "user-agent"
    /// One JSON object: {"time":"2026-11-26T14:03:09.250Z","remote_addr":..,"request_id":..,
    /// "method":..,"path":..,"query":..,"protocol":..,"status":..,"bytes":..,
    /// "duration_us":..,"referer":..,"user_agent":..}; null for what is missing.
    json,
};

struct access_log_options {
    log_format format = log_format::combined;
    /// Appends the duration in microseconds as a last field (Apache's %D); JSON always has it.
    bool duration = true;
    /// Where the time comes from; empty: the system clock. For tests.
    std::function<std::chrono::system_clock::time_point()> clock = {};
};

namespace detail {

/// "26/Nov/2026:14:00:00 +0000", always UTC, by hand: strftime's month names follow the locale.
inline void append_clf_time(std::string& out, std::chrono::system_clock::time_point t) {
    static constexpr char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[40];
    int n = std::snprintf(buf, sizeof buf, "%02d/%.3s/%04d:%02d:%02d:%02d +0000", tm.tm_mday,
                          months + 3 * static_cast<std::size_t>(tm.tm_mon), tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                          tm.tm_sec);
    if (n > 0) out.append(buf, static_cast<std::size_t>(n) < sizeof buf ? static_cast<std::size_t>(n) : sizeof buf - 1);
}

/// "2026-11-26T14:03:09.250Z": RFC 3339, UTC, milliseconds.
inline void append_rfc3339_ms(std::string& out, std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::floor<std::chrono::milliseconds>(t);
    const auto days = std::chrono::floor<std::chrono::days>(ms);
    const std::chrono::year_month_day ymd(days);
    const std::chrono::hh_mm_ss hms(ms - days);
    char buf[40];
    int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                          static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                          static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
    if (n > 0) out.append(buf, static_cast<std::size_t>(n) < sizeof buf ? static_cast<std::size_t>(n) : sizeof buf - 1);
}

/// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629:
/// no overlong forms, no surrogates, nothing past U+10FFFF), or 0 when it is not one.
inline std::size_t utf8_sequence(std::string_view s) noexcept {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = byte(0);
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // the range of the second byte
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0) lo = 0xa0;       // overlong
        else if (c == 0xed) hi = 0x9f;  // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0) lo = 0x90;       // overlong
        else if (c == 0xf4) hi = 0x8f;  // past U+10FFFF
    } else {
        return 0;
    }
    if (s.size() < len || byte(1) < lo || byte(1) > hi) return 0;
    for (std::size_t i = 2; i < len; ++i)
        if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
    return len;
}

/// `s` as a JSON string, quotes included (RFC 8259): `"` and `\` escaped, control
/// characters and DEL as \uXXXX (\n, \t... in short), well-formed UTF-8 kept as
/// it is, and each byte of anything else as U+FFFD, since JSON text must be
/// UTF-8 and a path may hold any byte a client sent.
inline void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            if (const std::size_t len = utf8_sequence(s.substr(i))) {
                out.append(s.substr(i, len));
                i += len;
            } else {
                out += "\\ufffd";
                ++i;
            }
            continue;
        }
        ++i;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
}

/// A JSON string, or null when there is none.
inline void append_json_string_or_null(std::string& out, std::optional<std::string_view> s) {
    if (s) append_json_string(out, *s);
    else out += "null";
}

/// What the middleware keeps from the request's arrival until its response.
struct access_start {
    std::chrono::system_clock::time_point time;
    std::chrono::steady_clock::time_point t0;
    std::string line;  // "METHOD target": copied, since inner wraps may rewrite the request
    std::size_t method_len;
};

inline access_start start_entry(const request& req, const access_log_options& o) {
    access_start s{o.clock ? o.clock() : std::chrono::system_clock::now(),
                   std::chrono::steady_clock::now(),
                   {},
                   req.method_name.size()};
    s.line.reserve(req.method_name.size() + 1 + req.uri.size() + (req.query_string ? req.query_string->size() + 1 : 0));
    s.line += req.method_name;
    s.line += ' ';
    s.line += req.uri;
    if (req.query_string) {
        s.line += '?';
        s.line += *req.query_string;
    }
    return s;
}

inline std::optional<std::uint64_t> body_bytes(const request& req, const response& res) {
    if (req.request_method == method::head || res.status < 200 || res.status == 204 || res.status == 304) return 0;
    if (auto* s = std::get_if<std::string>(&res.body)) return s->size();
    if (auto* f = std::get_if<file_body>(&res.body)) return f->length;
    if (std::holds_alternative<stream_body>(res.body)) return std::nullopt;
    return 0;
}

struct access_state {
    std::function<void(const access_entry&)> observer;
    access_log_options options;

    /// `res` null: the handler threw.
    void finish(const request& req, const access_start& s, const response* res) const noexcept {
        try {
            access_entry e;
            e.remote_addr = req.remote_addr;
            e.time = s.time;
            e.method = std::string_view(s.line).substr(0, s.method_len);
            e.target = std::string_view(s.line).substr(s.method_len + 1);
            e.protocol = req.protocol;
            e.status = res ? res->status : 500;
            e.body_bytes = res ? body_bytes(req, *res) : std::nullopt;
            e.referer = req.header("referer");
            e.user_agent = req.header("user-agent");
            e.duration = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - s.t0);
            e.threw = res == nullptr;
            e.request_id = req.request_id;
            observer(e);
        } catch (...) {
            // A log that fails must not fail the request it describes.
        }
    }
};

inline task<response> log_async(task<response> pending, request& req, access_start s,
                                std::shared_ptr<const access_state> state) {
    std::exception_ptr error;
    try {
        response res = co_await std::move(pending);
        state->finish(req, s, &res);
        co_return res;
    } catch (...) {
        error = std::current_exception();
    }
    state->finish(req, s, nullptr);
    std::rethrow_exception(error);
}

}  // namespace detail

/// Appends `e` as one JSON object (no newline); log_format::json says which fields.
inline void append_access_json(std::string& out, const access_entry& e) {
    const auto optional = [](std::string_view v) { return v.empty() ? std::nullopt : std::optional(v); };
    const auto q = e.target.find('?');
    out += R"({"time":")";
    detail::append_rfc3339_ms(out, e.time);
    out += R"(","remote_addr":)";
    detail::append_json_string_or_null(out, optional(e.remote_addr));
    out += R"(,"request_id":)";
    detail::append_json_string_or_null(out, optional(e.request_id));
    out += R"(,"method":)";
    detail::append_json_string(out, e.method);
    out += R"(,"path":)";
    detail::append_json_string(out, e.target.substr(0, q));
    out += R"(,"query":)";
    detail::append_json_string_or_null(
        out, q == std::string_view::npos ? std::nullopt : std::optional(e.target.substr(q + 1)));
    out += R"(,"protocol":)";
    detail::append_json_string(out, e.protocol);
    out += R"(,"status":)";
    out += std::to_string(e.status);
    out += R"(,"bytes":)";
    out += e.body_bytes ? std::to_string(*e.body_bytes) : "null";
    out += R"(,"duration_us":)";
    out += std::to_string(e.duration.count());
    out += R"(,"referer":)";
    detail::append_json_string_or_null(out, e.referer);
    out += R"(,"user_agent":)";
    detail::append_json_string_or_null(out, e.user_agent);
    out += '}';
}

/// Appends the line for `e` in `o.format` (no newline): a JSON object
/// (append_access_json), or the Common or Combined Log Format line, e.g.
/// 127.0.0.1 - - [26/Nov/2026:14:00:00 +0000] "GET /p?q HTTP/1.1" 200 1234 "-" "curl/8.5" 52
inline void append_access_line(std::string& out, const access_entry& e, const access_log_options& o = {}) {
    if (o.format == log_format::json) return append_access_json(out, e);
    if (e.remote_addr.empty()) out += '-';
    else detail::append_log_escaped(out, e.remote_addr);
    out += " - - [";
    detail::append_clf_time(out, e.time);
    out += "] \"";
    detail::append_log_escaped(out, e.method);
    out += ' ';
    detail::append_log_escaped(out, e.target);
    out += ' ';
    detail::append_log_escaped(out, e.protocol);
    out += "\" ";
    out += std::to_string(e.status);
    out += ' ';
    // CLF writes "-" for no bytes as well as for an unknown count.
    if (e.body_bytes && *e.body_bytes > 0) out += std::to_string(*e.body_bytes);
    else out += '-';
    if (o.format == log_format::combined) {
        for (auto& field : {e.referer, e.user_agent}) {
            out += " \"";
            if (field) detail::append_log_escaped(out, *field);
            else out += '-';
            out += '"';
        }
    }
    if (o.duration) {
        out += ' ';
        out += std::to_string(e.duration.count());
    }
}

/// The line append_access_line writes, as a string.
inline std::string format_access_line(const access_entry& e, const access_log_options& o = {}) {
    std::string line;
    append_access_line(line, e, o);
    return line;
}

/// Middleware: calls `observer` with an access_entry once per request, when the
/// response is made (for a coroutine handler, when its task completes). When the
/// handler throws, the entry says 500 and threw, and the exception goes on.
/// An exception from `observer` is swallowed. Of `options`, only clock is used.
inline auto wrap_access_events(std::function<void(const access_entry&)> observer, access_log_options options = {}) {
    auto state =
        std::make_shared<const detail::access_state>(detail::access_state{std::move(observer), std::move(options)});
    return [state](handler next) {
        return wrap(std::move(next), [state](request& req, const handler& n) -> maybe_task {
            auto start = detail::start_entry(req, state->options);
            maybe_task r;
            try {
                r = n.invoke(req);
            } catch (...) {
                state->finish(req, start, nullptr);
                throw;
            }
            if (auto* pending = std::get_if<task<response>>(&r))
                return detail::log_async(std::move(*pending), req, std::move(start), state);
            state->finish(req, start, &std::get<response>(r));
            return r;
        });
    };
}

/// Middleware: writes one access line per request to `sink` (without a newline);
/// an empty sink writes lines to stderr. See append_access_line for the formats:
/// `{.format = log_format::json}` for JSON lines.
inline auto wrap_access_log(std::function<void(std::string_view line)> sink = {}, access_log_options options = {}) {
    auto write = [sink = std::move(sink), options](const access_entry& e) {
        std::string line;
        line.reserve(160);
        append_access_line(line, e, options);
        if (sink) return sink(line);
        line += '\n';
        // One write per line: lines from threads stay whole. A failed write to
        // stderr has nowhere to be reported.
        (void)std::fwrite(line.data(), 1, line.size(), stderr);
    };
    return wrap_access_events(std::move(write), std::move(options));
}

}  // namespace ringkit
