// The response headers that make browsers safer by default, as ring-defaults'
// site-defaults and secure-site-defaults add them (ring-headers' wrap-frame-options
// and wrap-content-type-options, ring-ssl's wrap-hsts) plus Referrer-Policy and an
// optional Content-Security-Policy. A header the handler set itself is never
// replaced: a page that must be framed, or has its own CSP, says so.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ringkit/core/ascii.hpp"
#include "ringkit/middleware/middleware.hpp"

namespace ringkit {

/// X-Frame-Options (RFC 7034): who may show the page in a frame. ALLOW-FROM is
/// left out: browsers never agreed on it; use CSP's frame-ancestors instead.
enum class frame_options : std::uint8_t { off, deny, sameorigin };

/// Strict-Transport-Security (RFC 6797): browsers use only https for the host
/// for max_age seconds. Hard to undo once sent, hence off unless asked for.
struct hsts_options {
    std::uint32_t max_age = 31'536'000;  ///< one year, as ring-ssl
    bool include_subdomains = true;
    /// Asks to be built into browsers (hstspreload.org wants max_age >= 1 year and include_subdomains).
    bool preload = false;
};

struct security_options {
    frame_options frame = frame_options::sameorigin;
    /// X-Content-Type-Options: nosniff, so a browser never runs an upload it guessed is a script.
    bool nosniff = true;
    /// Off by default; set to hsts_options{} (or with your own values) on an https site.
    std::optional<hsts_options> hsts = std::nullopt;
    /// Referrer-Policy; "" sends none.
    std::string referrer_policy = "strict-origin-when-cross-origin";
    /// Content-Security-Policy; "" sends none (a useful policy depends on the site).
    std::string content_security_policy = {};
    /// X-XSS-Protection: 0. The XSS auditor this header switched on is gone from
    /// every browser, and where it survives it opened cross-site leaks of its own;
    /// OWASP now recommends turning it off explicitly ("0"), as helmet does.
    bool disable_xss_auditor = true;
};

namespace detail {

struct security_state {
    std::vector<std::pair<std::string, std::string>> always;  // for every response
    std::string hsts;                                         // "" = none; https only
};

inline std::string hsts_value(const hsts_options& h) {
    auto v = "max-age=" + std::to_string(h.max_age);
    if (h.include_subdomains) v += "; includeSubDomains";
    if (h.preload) v += "; preload";
    return v;
}

}  // namespace detail

/// Middleware: adds the security headers `options` asks for to every response
/// that does not already have them; HSTS only on https requests (RFC 6797 §7.2:
/// never over plain http). Throws std::invalid_argument for a policy string that
/// cannot be a header value.
inline auto wrap_security_headers(security_options options = {}) {
    auto state = std::make_shared<detail::security_state>();
    auto add = [&](std::string name, std::string value) {
        if (!detail::is_field_value(value))
            throw std::invalid_argument("ringkit: " + name + " is not a valid header value");
        state->always.emplace_back(std::move(name), std::move(value));
    };
    if (options.frame == frame_options::deny) add("X-Frame-Options", "DENY");
    if (options.frame == frame_options::sameorigin) add("X-Frame-Options", "SAMEORIGIN");
    if (options.nosniff) add("X-Content-Type-Options", "nosniff");
    if (!options.referrer_policy.empty()) add("Referrer-Policy", std::move(options.referrer_policy));
    if (!options.content_security_policy.empty())
        add("Content-Security-Policy", std::move(options.content_security_policy));
    if (options.disable_xss_auditor) add("X-XSS-Protection", "0");
    if (options.hsts) state->hsts = detail::hsts_value(*options.hsts);

    return [state](handler next) {
        return wrap(std::move(next), [state](request& req, const handler& n) -> maybe_task {
            return then(n.invoke(req), req, [state](request& r, response& res) {
                for (auto& [name, value] : state->always)
                    if (!res.headers.contains(name)) res.headers.add(name, value);
                if (!state->hsts.empty() && r.scheme == "https" && !res.headers.contains("Strict-Transport-Security"))
                    res.headers.add("Strict-Transport-Security", state->hsts);
            });
        });
    };
}

}  // namespace ringkit
