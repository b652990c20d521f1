// Calling a handler in a unit test without a server: its response, whether it is
// a plain function or a coroutine (driven to completion on a local io_context).
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "ringkit/core/ascii.hpp"
#include "ringkit/core/asio.hpp"
#include "ringkit/http/handler.hpp"

namespace ringkit::test {

/// The response `h` makes for `req`; rethrows what the handler threw.
inline response run_handler(const handler& h, request& req) {
    auto r = h.invoke(req);
    if (auto* done = std::get_if<response>(&r)) return std::move(*done);
    asio::io_context io;
    std::optional<response> out;
    std::exception_ptr error;
    asio::co_spawn(io, std::move(std::get<task<response>>(r)), [&](std::exception_ptr e, response res) {
        error = e;
        if (!e) out = std::move(res);
    });
    io.run();
    if (error) std::rethrow_exception(error);
    return std::move(out.value());
}

/// A request as a client would send it: method, target ("/p?q=1"), headers, body.
inline request make_request(std::string_view method_name, std::string_view target,
                            std::initializer_list<std::pair<std::string_view, std::string_view>> headers = {},
                            std::string body = {}) {
    request req;
    req.method_name = method_name;
    req.request_method = method_from_name(method_name);
    auto q = target.find('?');
    req.uri = std::string(target.substr(0, q));
    if (q != std::string_view::npos) req.query_string = std::string(target.substr(q + 1));
    for (auto& [n, v] : headers) req.headers.add(n, v);
    req.body = std::move(body);
    return req;
}

/// "name=value" of the response's first Set-Cookie for `name` (what a browser
/// sends back in its Cookie header), or nullopt.
inline std::optional<std::string> cookie_pair(const response& res, std::string_view name = "ringkit-session") {
    for (auto& [n, v] : res.headers)
        if (detail::iequals(n, "Set-Cookie") && v.size() > name.size() && v.starts_with(name) && v[name.size()] == '=')
            return v.substr(0, v.find(';'));
    return std::nullopt;
}

/// A handler and a short way to ask it: `get("/a.css", {{"range", "bytes=0-9"}}, "HEAD")`.
struct fetcher {
    handler h;
    response operator()(std::string_view target,
                        std::initializer_list<std::pair<std::string_view, std::string_view>> headers = {},
                        std::string_view method = "GET") const {
        auto req = make_request(method, target, headers);
        return run_handler(h, req);
    }
};

/// Every value of header `name` in the response, in order (names compared case-insensitively).
inline std::vector<std::string> header_values(const response& res, std::string_view name) {
    std::vector<std::string> out;
    for (auto& [n, v] : res.headers)
        if (detail::iequals(n, name)) out.push_back(v);
    return out;
}

}  // namespace ringkit::test
