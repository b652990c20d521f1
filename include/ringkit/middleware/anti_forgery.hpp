// Cross-site request forgery protection, as ring-anti-forgery's session
// strategy: each session holds a random token; pages put it in their forms (or
// scripts in a header), and a request with an unsafe method must present it.
// Another site can make a browser send the session cookie but cannot read the
// token, so it cannot forge the request. Safe methods (GET, HEAD, OPTIONS,
// TRACE, RFC 9110 §9.2.1) pass unchecked: they must not change anything.
//
// Pages never show the session's token itself, but a masked copy, new on each
// call (BREACH, CVE-2013-3587: with HTTP compression, an attacker who can
// reflect text into a page that also holds a fixed secret can recover the
// secret from the response sizes, a byte at a time). The copy is
// base64url(pad || pad XOR token) with a fresh random pad, as Rails and Django
// do, so no two pages hold the same string; the check unmasks it.
//
// The token is created only when a handler asks for it (anti_forgery_token), so
// visitors who never see a form get no session. Needs wrap_session() outside it:
// `app | rk::wrap_anti_forgery() | rk::wrap_session(store)`.
#pragma once

#include <cstddef>
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
#include "ringkit/middleware/multipart.hpp"
#include "ringkit/middleware/session.hpp"

namespace ringkit {

/// The session key the token is kept under (the same as Ring's).
inline constexpr std::string_view anti_forgery_session_key = "__anti-forgery-token";

/// Where wrap_anti_forgery() looks for the token and what it answers without one.
struct anti_forgery_options {
    /// The form field: of an application/x-www-form-urlencoded body, or of a
    /// multipart/form-data one that wrap_multipart() (outside this) has parsed.
    std::string form_field = "__anti-forgery-token";
    /// Headers checked before the form, for scripts (names case-insensitive).
    std::vector<std::string> header_names = {"x-csrf-token", "x-xsrf-token"};
    /// Replaces the header and form lookup when set; returns the token the request presents.
    std::function<std::optional<std::string>(const request&)> read_token{};
    /// The answer to a request without the right token; 403 "Invalid anti-forgery token" when empty.
    handler error_handler{};
};

/// Marks a request as checked by wrap_anti_forgery(), for anti_forgery_token().
struct anti_forgery_guard {};

namespace detail {
// The session token's size: 256 random bits.
inline constexpr std::size_t anti_forgery_token_bytes = 32;

// The raw bytes of a stored token; nullopt for anything anti_forgery_token()
// would not have stored (empty, another size, not base64url): no token.
inline std::optional<std::string> stored_token_bytes(const nlohmann::json& data) {
    auto it = data.find(anti_forgery_session_key);
    if (it == data.end() || !it->is_string()) return std::nullopt;
    auto raw = base64url_decode(it->get_ref<const std::string&>());
    if (!raw || raw->size() != anti_forgery_token_bytes) return std::nullopt;
    return raw;
}

// base64url(pad || pad XOR token), with a fresh random pad.
inline std::string mask_token(std::string_view token) {
    std::string out(2 * token.size(), '\0');
    random_bytes(out.data(), token.size());
    for (std::size_t i = 0; i < token.size(); ++i) out[token.size() + i] = static_cast<char>(out[i] ^ token[i]);
    return base64url_encode(out);
}

// Whether `presented` is a masked copy of `token` (compared in constant time).
inline bool masked_token_matches(std::string_view presented, std::string_view token) {
    auto raw = base64url_decode(presented);
    if (token.empty() || !raw || raw->size() != 2 * token.size()) return false;
    std::string unmasked(token.size(), '\0');
    for (std::size_t i = 0; i < token.size(); ++i)
        unmasked[i] = static_cast<char>((*raw)[i] ^ (*raw)[token.size() + i]);
    return constant_time_equals(unmasked, token);
}

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
    if (iequals(media, "multipart/form-data")) {
        // A form with a file: its fields are there when wrap_multipart() runs outside (site_defaults).
        auto* form = req.ext.find<multipart_form>();
        auto field = form ? form->fields.get(opt.form_field) : std::nullopt;
        return field ? std::optional<std::string>(*field) : std::nullopt;
    }
    if (!iequals(media, "application/x-www-form-urlencoded")) return std::nullopt;
    return query_param(req.body, opt.form_field);
}
}  // namespace detail

/// Answers 403 (or opt.error_handler) to a request with an unsafe method unless
/// it presents a masked copy of its session's token (any anti_forgery_token()
/// gave out in this session) in a header or form field; compared in constant
/// time. The bare session token is refused: ringkit never puts it in a page,
/// so one presented means an app showed the session's token itself, which
/// BREACH can read; better that fails at once than passes (Rails accepts it,
/// for tokens from before it masked; nothing here predates masking). Throws
/// std::logic_error on each request when wrap_session() is not outside it.
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
            // An empty (or malformed) stored token is no token: "" must never
            // match an empty field.
            const auto token = detail::stored_token_bytes(s->data());
            const bool ok = token && [&] {
                auto presented = detail::presented_token(req, *opt);
                return presented && detail::masked_token_matches(*presented, *token);
            }();
            if (ok) return n.invoke(req);
            if (opt->error_handler) return opt->error_handler.invoke(req);
            return response::text("Invalid anti-forgery token", 403);
        });
    };
}

/// A masked copy of the session's anti-forgery token (86 base64url characters),
/// different on every call and each one valid for the whole session: put it in
/// forms as the "__anti-forgery-token" field or in a page for scripts to send
/// as X-CSRF-Token. The token itself (256 random bits) is created and stored in
/// the session on first use. Throws std::logic_error without wrap_anti_forgery().
inline std::string anti_forgery_token(request& req) {
    if (!req.ext.contains<anti_forgery_guard>())
        throw std::logic_error("ringkit: anti_forgery_token() needs rk::wrap_anti_forgery() in the middleware stack");
    auto& s = session_of(req);
    auto token = detail::stored_token_bytes(s.data());
    if (!token) {
        token = std::string(detail::anti_forgery_token_bytes, '\0');
        std::string& fresh = *token;
        detail::random_bytes(fresh.data(), fresh.size());
        s[anti_forgery_session_key] = detail::base64url_encode(*token);
    }
    return detail::mask_token(*token);
}

}  // namespace ringkit
