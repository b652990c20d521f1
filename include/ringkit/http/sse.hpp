// Server-Sent Events (the WHATWG `text/event-stream` format) over a streamed
// response or an HTTP channel: the head to send first, and events as bytes.
#pragma once

#include <string>
#include <string_view>

#include "ringkit/http/response.hpp"

namespace ringkit::sse {

/// The first send of an event stream: 200, text/event-stream, no caching, and a
/// hint to proxies (nginx) not to buffer it.
inline response response() {
    ringkit::response r(200);
    r.headers.add("Content-Type", "text/event-stream");
    r.headers.add("Cache-Control", "no-cache");
    r.headers.add("X-Accel-Buffering", "no");
    return r;
}

struct event_fields {
    std::string_view event;  ///< the event type; empty: "message"
    std::string_view id;     ///< the last-event id a reconnecting client sends back
    int retry_ms = -1;       ///< reconnection delay for the client; < 0: not sent
};

namespace detail {
// A field value ends at a line break: one would start a new field.
inline void append_field(std::string& out, std::string_view name, std::string_view value) {
    out.append(name);
    out.append(": ");
    for (char c : value)
        if (c != '\n' && c != '\r') out.push_back(c);
    out.push_back('\n');
}
}  // namespace detail

/// One event; every line of `data` becomes a `data:` line, so any text survives.
inline std::string event(std::string_view data, const event_fields& f = {}) {
    std::string out;
    if (!f.event.empty()) detail::append_field(out, "event", f.event);
    if (!f.id.empty()) detail::append_field(out, "id", f.id);
    if (f.retry_ms >= 0) detail::append_field(out, "retry", std::to_string(f.retry_ms));
    std::size_t start = 0;
    for (;;) {
        auto end = data.find_first_of("\r\n", start);
        out.append("data: ");
        out.append(data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        out.push_back('\n');
        if (end == std::string_view::npos) break;
        start = end + (data.compare(end, 2, "\r\n") == 0 ? 2 : 1);
    }
    out.push_back('\n');
    return out;
}

/// A comment line: keeps an idle stream (and the proxies on its way) alive.
inline std::string comment(std::string_view text = {}) {
    std::string out(":");
    if (!text.empty()) out.push_back(' ');
    for (char c : text)
        if (c != '\n' && c != '\r') out.push_back(c);
    out.push_back('\n');
    return out;
}

}  // namespace ringkit::sse
