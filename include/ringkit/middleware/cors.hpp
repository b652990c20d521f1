// Cross-Origin Resource Sharing, as the WHATWG Fetch standard (§3.2, "CORS
// protocol") defines it: which other origins' pages may read our responses.
// A browser sends Origin on cross-origin requests and reads the response only
// if Access-Control-Allow-Origin lets it. Before a request a plain form could
// not have made (another method, a JSON body, a custom header) it first sends a
// preflight: OPTIONS with Access-Control-Request-Method (and -Headers), which
// this middleware answers itself, never passing it to the handler.
//
// Choices where the standard leaves room:
// - A refused preflight (origin, method or header not allowed) is answered 403
//   with a one-line reason and no CORS headers: the browser blocks the request
//   either way, and the 403 says why in the network log. A refused actual request
//   goes through to the handler but its response gets no CORS headers (the
//   browser then hides it from the page); refusing it here would not protect
//   anything, since CORS guards reading, not sending.
// - The allowed origin is echoed, with Vary: Origin, whenever the answer depends
//   on the Origin (a list, a predicate, credentials). Vary: Origin then goes on
//   responses to requests without an Origin too, or a shared cache could hand a
//   response stored for one origin to another (Fetch §3.2.5, "CORS protocol and
//   HTTP caches"). A "*" configuration without credentials answers "*" and never varies.
// - "*" for origins with credentials is refused when the stack is built: Fetch
//   forbids it, and echoing every origin with credentials would let any site read
//   a user's data. Write allow_origin for that, knowingly.
// - "*" for headers echoes the requested headers instead of sending "*", which
//   would not cover Authorization and means nothing with credentials; "*" for
//   methods echoes the requested method for the same reason.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkit/core/ascii.hpp"
#include "ringkit/middleware/middleware.hpp"
#include "ringkit/middleware/vary.hpp"

namespace ringkit {

/// What wrap_cors() allows; every field has a default, and the default allows no origin.
struct cors_options {
    /// Origins as browsers send them: "https://app.example.com" or
    /// "http://localhost:3000" (scheme, host, port; no path, no trailing '/'),
    /// matched case-insensitively; "*" allows every origin (not with credentials).
    std::vector<std::string> allowed_origins = {};
    /// Allows origins the list does not name (e.g. every subdomain); they are echoed
    /// back. Called on I/O threads, possibly at once: keep it thread-safe.
    std::function<bool(std::string_view origin)> allow_origin = {};
    /// Methods a preflight may ask for, matched case-sensitively (RFC 9110 §9.1); "*": any.
    std::vector<std::string> allowed_methods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
    /// Request headers a preflight may ask for, matched case-insensitively; "*": any.
    std::vector<std::string> allowed_headers = {"Content-Type"};
    /// Response headers the page may read beyond the CORS-safelisted ones; "*": all.
    std::vector<std::string> exposed_headers = {};
    /// Whether the page may send cookies and HTTP auth and read the answer
    /// (Access-Control-Allow-Credentials: true). Origins are then always echoed.
    bool allow_credentials = false;
    /// How long a browser may cache a preflight's answer (Access-Control-Max-Age);
    /// nullopt: not sent (browsers then keep it 5 s). Chrome caps it at 2 h.
    std::optional<std::chrono::seconds> max_age = std::chrono::seconds(600);
};

namespace detail {

struct cors_config {
    bool any_origin = false;
    std::vector<std::string> origins;
    std::function<bool(std::string_view)> allow_origin;
    bool any_method = false;
    std::vector<std::string> methods;
    std::string methods_value;  // "GET, POST"
    bool any_header = false;
    std::vector<std::string> headers;
    std::string headers_value;
    bool expose_any = false;
    std::string exposed_value;
    bool credentials = false;
    std::string max_age_value;  // empty: not sent

    // Whether the answer depends on the request's Origin.
    bool varies() const noexcept { return !any_origin || credentials; }

    // The Access-Control-Allow-Origin value for `origin`; empty when refused.
    std::string allow_origin_value(std::string_view origin) const {
        if (any_origin) return credentials ? std::string(origin) : std::string("*");
        for (auto& o : origins)
            if (iequals(o, origin)) return std::string(origin);
        if (allow_origin && allow_origin(origin)) return std::string(origin);
        return {};
    }

    bool method_allowed(std::string_view m) const {
        if (any_method) return true;
        for (auto& a : methods)
            if (a == m) return true;
        return false;
    }

    bool header_allowed(std::string_view h) const {
        if (any_header) return true;
        for (auto& a : headers)
            if (iequals(a, h)) return true;
        return false;
    }
};

inline std::string join_list(const std::vector<std::string>& items) {
    std::string out;
    for (auto& i : items) {
        if (!out.empty()) out.append(", ");
        out.append(i);
    }
    return out;
}

// Validates one list of tokens (or "*"); returns whether "*" was in it.
inline bool check_token_list(const std::vector<std::string>& items, std::string_view what) {
    bool star = false;
    for (auto& i : items) {
        if (i == "*") star = true;
        else if (!is_token(i))
            throw std::invalid_argument("wrap_cors: " + std::string(what) + " '" + i + "' is not a token");
    }
    return star;
}

inline cors_config make_cors_config(cors_options o) {
    cors_config c;
    c.credentials = o.allow_credentials;
    for (auto& origin : o.allowed_origins) {
        if (origin == "*") {
            c.any_origin = true;
            continue;
        }
        // An origin never has a path; "https://a.example/" would silently match nothing.
        auto scheme_end = origin.find("://");
        bool ok =
            origin == "null" || (scheme_end != std::string::npos && scheme_end > 0 && origin.size() > scheme_end + 3 &&
                                 origin.find('/', scheme_end + 3) == std::string::npos && is_field_value(origin) &&
                                 origin.find_first_of(" ,\t") == std::string::npos);
        if (!ok)
            throw std::invalid_argument("wrap_cors: '" + origin + "' is not an origin (scheme://host[:port], no path)");
        c.origins.push_back(std::move(origin));
    }
    if (c.any_origin && c.credentials)
        throw std::invalid_argument(
            "wrap_cors: allowed_origins \"*\" with allow_credentials would let every site read users' data; "
            "list the origins, or decide in allow_origin");
    c.allow_origin = std::move(o.allow_origin);
    c.any_method = check_token_list(o.allowed_methods, "method");
    c.methods = std::move(o.allowed_methods);
    c.methods_value = join_list(c.methods);
    c.any_header = check_token_list(o.allowed_headers, "header");
    c.headers = std::move(o.allowed_headers);
    c.headers_value = join_list(c.headers);
    c.expose_any = check_token_list(o.exposed_headers, "exposed header");
    c.exposed_value = c.expose_any ? std::string("*") : join_list(o.exposed_headers);
    if (o.max_age) {
        if (o.max_age->count() < 0) throw std::invalid_argument("wrap_cors: negative max_age");
        c.max_age_value = std::to_string(o.max_age->count());
    }
    return c;
}

inline response refuse_preflight(std::string_view why, const cors_config& c, int status = 403) {
    auto res = response::text("CORS preflight refused: " + std::string(why), status);
    if (c.varies()) add_vary(res.headers, "Origin");
    return res;
}

// The answer to a preflight: 204 with what may follow, or 403 (400 for a malformed one).
inline response answer_preflight(const request& req, std::string_view origin, std::string_view method,
                                 const cors_config& c) {
    auto allow = c.allow_origin_value(origin);
    if (allow.empty()) return refuse_preflight("origin not allowed", c);
    method = trim_ows(method);
    if (!is_token(method)) return refuse_preflight("malformed Access-Control-Request-Method", c, 400);
    if (!c.method_allowed(method)) return refuse_preflight("method not allowed", c);
    // Fetch sends the names lower-cased and sorted, but any client may not.
    std::string requested;
    std::string_view list = req.header("access-control-request-headers").value_or("");
    while (!list.empty()) {
        auto comma = list.find(',');
        auto name = trim_ows(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        if (name.empty()) continue;
        if (!is_token(name)) return refuse_preflight("malformed Access-Control-Request-Headers", c, 400);
        if (!c.header_allowed(name)) return refuse_preflight("header not allowed: " + std::string(name), c);
        if (!requested.empty()) requested.append(", ");
        requested.append(name);
    }

    response res(204);
    res.headers.add("Access-Control-Allow-Origin", std::move(allow));
    if (c.credentials) res.headers.add("Access-Control-Allow-Credentials", "true");
    res.headers.add("Access-Control-Allow-Methods", c.any_method ? std::string(method) : c.methods_value);
    if (c.any_header) {
        if (!requested.empty()) res.headers.add("Access-Control-Allow-Headers", std::move(requested));
    } else if (!c.headers_value.empty()) {
        res.headers.add("Access-Control-Allow-Headers", c.headers_value);
    }
    if (!c.max_age_value.empty()) res.headers.add("Access-Control-Max-Age", c.max_age_value);
    if (c.varies()) add_vary(res.headers, "Origin");
    if (c.any_method) add_vary(res.headers, "Access-Control-Request-Method");
    if (c.any_header) add_vary(res.headers, "Access-Control-Request-Headers");
    return res;
}

// Adds the CORS headers to an actual (non-preflight) response. `allow` is empty
// when the origin is refused or absent.
inline void decorate_response(response& res, const std::string& allow, const cors_config& c) {
    if (c.varies()) add_vary(res.headers, "Origin");
    if (allow.empty() || res.headers.contains("access-control-allow-origin")) return;  // the handler decided itself
    res.headers.add("Access-Control-Allow-Origin", allow);
    if (c.credentials) res.headers.add("Access-Control-Allow-Credentials", "true");
    if (c.expose_any && c.credentials) {
        // "*" is a literal name when credentials are included (Fetch): name them.
        std::string names;
        for (auto& [name, value] : res.headers) {
            constexpr std::string_view cors_prefix = "access-control-";
            if (iequals(name, "vary") || iequals(std::string_view(name).substr(0, cors_prefix.size()), cors_prefix) ||
                has_token(names, name))
                continue;
            if (!names.empty()) names.append(", ");
            names.append(name);
        }
        if (!names.empty()) res.headers.add("Access-Control-Expose-Headers", std::move(names));
    } else if (!c.exposed_value.empty()) {
        res.headers.add("Access-Control-Expose-Headers", c.exposed_value);
    }
}

}  // namespace detail

/// Middleware that lets the origins in `options` read responses across origins
/// (Fetch standard §3.2): it answers preflights itself (204, or 403 when the
/// origin, method or a header is not allowed) and adds Access-Control-* headers
/// to the responses of allowed origins. Requests without Origin reach the
/// handler unchanged. Throws std::invalid_argument for options that cannot work
/// ("*" origins with credentials, a malformed origin, method or header name).
inline auto wrap_cors(cors_options options = {}) {
    auto config = std::make_shared<const detail::cors_config>(detail::make_cors_config(std::move(options)));
    return [config](handler next) {
        return wrap(std::move(next), [config](request& req, const handler& n) -> maybe_task {
            const auto& c = *config;
            auto origin = req.header("origin");
            if (!origin) {
                if (!c.varies()) return n.invoke(req);
                return then(n.invoke(req), req, [](request&, response& res) { add_vary(res.headers, "Origin"); });
            }
            if (req.request_method == method::options)
                if (auto asked = req.header("access-control-request-method"))
                    return detail::answer_preflight(req, *origin, *asked, c);
            return then(n.invoke(req), req, [config, allow = c.allow_origin_value(*origin)](request&, response& res) {
                detail::decorate_response(res, allow, *config);
            });
        });
    };
}

}  // namespace ringkit
