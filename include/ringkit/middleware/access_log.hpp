// One record per request, written once its response is made: who asked, what,
// the status, the body size and how long it took. The core hands a structured
// access_entry to a callback (for metrics or JSON logs); wrap_access_log builds
// Apache's Common or Combined Log Format line on it, the format log analysers read.
// Everything a client sent is escaped the way Apache does, so no request can
// forge a second log line.
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
};

enum class log_format : std::uint8_t {
    common,    ///< host ident user [time] "request" status bytes
    combined,  ///< common + "referer" "user-agent"
};

struct access_log_options {
    log_format format = log_format::combined;
    /// Appends the duration in microseconds as a last field (Apache's %D).
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

/// Appends the Common or Combined Log Format line for `e` (no newline), e.g.
/// 127.0.0.1 - - [26/Nov/2026:14:00:00 +0000] "GET /p?q HTTP/1.1" 200 1234 "-" "curl/8.5" 52
inline void append_access_line(std::string& out, const access_entry& e, const access_log_options& o = {}) {
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
/// an empty sink writes lines to stderr. See append_access_line for the format.
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
