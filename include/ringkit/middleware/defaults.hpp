// ring-defaults for C++: the stacks most applications start from, in the order
// Ring's presets use, configured by one struct. Every piece is an optional
// member: set it to std::nullopt (or false) to leave that middleware out, or
// give it options. The stacks are ordinary middleware:
//     auto app = rk::router{...} | rk::site_defaults({.static_root = "./public"});
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "ringkit/middleware/anti_forgery.hpp"
#include "ringkit/middleware/compress.hpp"
#include "ringkit/middleware/cookies.hpp"
#include "ringkit/middleware/cors.hpp"
#include "ringkit/middleware/default_charset.hpp"
#include "ringkit/middleware/exceptions.hpp"
#include "ringkit/middleware/file.hpp"
#include "ringkit/middleware/flash.hpp"
#include "ringkit/middleware/json.hpp"
#include "ringkit/middleware/memory_store.hpp"
#include "ringkit/middleware/mime.hpp"
#include "ringkit/middleware/multipart.hpp"
#include "ringkit/middleware/not_modified.hpp"
#include "ringkit/middleware/params.hpp"
#include "ringkit/middleware/proxy_headers.hpp"
#include "ringkit/middleware/security_headers.hpp"
#include "ringkit/middleware/session.hpp"

namespace ringkit {

/// What site_defaults() puts around a handler: a site with HTML forms, a session and static files.
struct site_options {
    std::optional<params_options> params = params_options{};
    std::optional<multipart_options> multipart = multipart_options{};
    std::optional<cookie_options> cookies = cookie_options{};
    std::optional<session_options> session = session_options{};
    /// Where sessions live; a memory_store when empty (sessions then end with the process).
    std::shared_ptr<ringkit::session_store> store = {};
    bool flash = true;
    std::optional<anti_forgery_options> anti_forgery = anti_forgery_options{};
    /// Files served before the handler is asked (wrap_file); none when empty.
    std::optional<std::string> static_root = {};
    file_options static_files = {};
    std::optional<content_type_options> content_type = content_type_options{};
    /// Charset added to text types that name none; none when empty.
    std::optional<std::string> default_charset = "utf-8";
    bool not_modified = true;
    std::optional<security_options> security = security_options{};
    std::optional<exception_options> exceptions = exception_options{};
    /// gzip/deflate for clients that ask; off by default (a proxy in front often does it).
    std::optional<compress_options> compress = {};
    /// Trusted proxies' X-Forwarded-For/-Proto (wrap_forwarded); off by default.
    std::optional<proxy_options> proxy = {};
};

/// What api_defaults() puts around a handler: a JSON API without cookies or sessions.
struct api_options {
    std::optional<params_options> params = params_options{};
    std::optional<json_options> json_body = json_options{};
    std::optional<content_type_options> content_type = content_type_options{};
    std::optional<std::string> default_charset = "utf-8";
    bool not_modified = true;
    /// nosniff only: frame options and the rest concern pages, not JSON.
    std::optional<security_options> security =
        security_options{.frame = frame_options::off, .referrer_policy = {}, .disable_xss_auditor = false};
    std::optional<exception_options> exceptions = exception_options{};
    std::optional<cors_options> cors = {};
    std::optional<compress_options> compress = {};
    std::optional<proxy_options> proxy = {};
};

namespace detail {
// Wraps h in m when the option holding m's configuration is set.
template <class Option, class Make>
handler wrap_if(handler h, const std::optional<Option>& option, Make make) {
    return option ? std::move(h) | make(*option) : std::move(h);
}  // NOLINT(clang-analyzer-cplusplus.NewDeleteLeaks): std::function owns the wrap; the analyzer loses it in a swap

// The wraps both presets share, outside the preset-specific ones (inner → outer).
template <class Options>
handler wrap_common_outer(handler h, const Options& o) {
    h = wrap_if(std::move(h), o.content_type, [](auto& x) { return wrap_content_type(x); });
    h = wrap_if(std::move(h), o.default_charset, [](auto& x) { return wrap_default_charset(x); });
    if (o.not_modified) h = std::move(h) | wrap_not_modified();
    h = wrap_if(std::move(h), o.exceptions, [](auto& x) { return wrap_exceptions(x); });
    h = wrap_if(std::move(h), o.security, [](auto& x) { return wrap_security_headers(x); });
    h = wrap_if(std::move(h), o.compress, [](auto& x) { return wrap_compress(x); });
    return wrap_if(std::move(h), o.proxy, [](auto& x) { return wrap_forwarded(x); });
}
}  // namespace detail

/// ring-defaults' site-defaults: params, multipart, cookies, session, flash,
/// anti-forgery, static files, content types, charset, 304s, security headers and
/// exceptions → 500, inner to outer in Ring's order.
inline auto site_defaults(site_options options = {}) {
    auto store = options.store ? options.store : std::make_shared<memory_store>();
    return [o = std::move(options), store = std::move(store)](handler h) {
        h = detail::wrap_if(std::move(h), o.anti_forgery, [](auto& x) { return wrap_anti_forgery(x); });
        if (o.flash) h = std::move(h) | wrap_flash();
        h = detail::wrap_if(std::move(h), o.session, [&](auto& x) { return wrap_session(store, x); });
        h = detail::wrap_if(std::move(h), o.multipart, [](auto& x) { return wrap_multipart(x); });
        h = detail::wrap_if(std::move(h), o.params, [](auto& x) { return wrap_params(x); });
        h = detail::wrap_if(std::move(h), o.cookies, [](auto& x) { return wrap_cookies(x); });
        h = detail::wrap_if(std::move(h), o.static_root, [&](auto& root) { return wrap_file(root, o.static_files); });
        return detail::wrap_common_outer(std::move(h), o);
    };
}

/// ring-defaults' api-defaults: params, JSON bodies, content types, charset, 304s,
/// nosniff and exceptions → 500; CORS, compression and proxy headers on request.
inline auto api_defaults(api_options options = {}) {
    return [o = std::move(options)](handler h) {
        h = detail::wrap_if(std::move(h), o.json_body, [](auto& x) { return wrap_json_body(x); });
        h = detail::wrap_if(std::move(h), o.params, [](auto& x) { return wrap_params(x); });
        h = detail::wrap_common_outer(std::move(h), o);
        return detail::wrap_if(std::move(h), o.cors, [](auto& x) { return wrap_cors(x); });
    };
}

}  // namespace ringkit
