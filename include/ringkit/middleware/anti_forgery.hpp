// Cross-site request forgery protection, as ring-anti-forgery's session
// strategy: each session holds a random token; pages put it in their forms (or
// scripts in a header), and a request with an unsafe method must present it.
// Another site can make a browser send the session cookie but cannot read the
// token, so it cannot forge the request. Safe methods (GET, HEAD, OPTIONS,
// TRACE, RFC 9110 §9.2.1) pass unchecked: they must not change anything.
//
// The token is created only when a handler asks for it (anti_forgery_token), so
// visitors who never see a form get no session. Needs wrap_session() outside it:
// `app | rk::wrap_anti_forgery() | rk::wrap_session(store)`.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkit/core/ascii.hpp"
#include "ringkit/http/url.hpp"
#include "ringkit/middleware/middleware.hpp"
#include "ringkit/middleware/session.hpp"

namespace ringkit {

/// The session key the token is kept under (the same as Ring's).
inline constexpr std::string_view anti_forgery_session_key = "__anti-forgery-token";

/// Where wrap_anti_forgery() looks for the token and what it answers without one.
struct anti_forgery_options {
    /// The field of an application/x-www-form-urlencoded body.
    std::string form_field = "__anti-forgery-token";
    /// Headers checked before the form, for scripts (names case-insensitive).
    std::vector<std::string> header_names = {"x-csrf-token", "x-xsrf-token"};
    /// Replaces the header and form lookup when set (e.g. to read a multipart
    /// field parsed by another middleware); returns the token the request presents.
    std::function<std::optional<std::string>(const request&)> read_token{};
    /// The answer to a request without the right token; 403 "Invalid anti-forgery token" when empty.
    handler error_handler{};
};

/// Marks a request as checked by wrap_anti_forgery(), for anti_forgery_token().
struct anti_forgery_guard {};

namespace detail {
constexpr bool is_safe_method(method m) noexcept {
    return m == method::get || m == method::head || m == method::options || m == method::trace;
}

inline std::optional<std::string> presented_token(const request& req, const anti_forgery_options& opt) {
    if (opt.read_token) return opt.read_token(req);
    for (auto& name : opt.header_names)
        if (auto v = req.header(name)) return std::string(*v);
    auto type = req.header("content-type");
    if (!type) return std::nullopt;
    auto media = trim_ows(type->substr(0, type->find(';')));
    if (!iequals(media, "application/x-www-form-urlencoded")) return std::nullopt;
    return query_param(req.body, opt.form_field);
}
}  // namespace detail

/// Answers 403 (or opt.error_handler) to a request with an unsafe method unless
/// it presents its session's token in a header or form field; compared in
/// constant time. Throws std::logic_error on each request when wrap_session()
/// is not outside it.
inline auto wrap_anti_forgery(anti_forgery_options options = {}) {
    auto opt = std::make_shared<const anti_forgery_options>(std::move(options));
    return [opt](handler next) {
        return wrap(std::move(next), [opt](request& req, const handler& n) -> maybe_task {
            auto* s = req.ext.find<session>();
            if (!s)
                throw std::logic_error(
                    "ringkit: wrap_anti_forgery() needs rk::wrap_session(store) outside it: "
                    "app | rk::wrap_anti_forgery() | rk::wrap_session(store)");
            req.ext.emplace<anti_forgery_guard>();
            if (detail::is_safe_method(req.request_method)) return n.invoke(req);
            const auto& data = s->data();
            auto it = data.find(anti_forgery_session_key);
            // An empty stored token is no token: "" must never match an empty field.
            const bool ok = it != data.end() && it->is_string() && !it->get_ref<const std::string&>().empty() && [&] {
                auto presented = detail::presented_token(req, *opt);
                return presented && detail::constant_time_equals(*presented, it->get_ref<const std::string&>());
            }();
            if (ok) return n.invoke(req);
            if (opt->error_handler) return opt->error_handler.invoke(req);
            return response::text("Invalid anti-forgery token", 403);
        });
    };
}

/// The session's anti-forgery token (256 random bits, base64url), created and
/// stored in the session on first use: put it in forms as the
/// "__anti-forgery-token" field. Throws std::logic_error without wrap_anti_forgery().
inline std::string anti_forgery_token(request& req) {
    if (!req.ext.contains<anti_forgery_guard>())
        throw std::logic_error("ringkit: anti_forgery_token() needs rk::wrap_anti_forgery() in the middleware stack");
    auto& s = session_of(req);
    auto& slot = s[anti_forgery_session_key];
    if (!slot.is_string() || slot.get_ref<const std::string&>().empty()) slot = detail::random_token(32);
    return slot.get<std::string>();
}

}  // namespace ringkit
