// The router: a handler that picks a route by method and path, like Compojure's
// `routes` or reitit, built once from a list of route values:
//
//     auto app = rk::router{
//         rk::GET("/users/:id", show),
//         rk::group("/api", {rk::GET("/items", list)}, rk::wrap_cors(api_cors)),
//         rk::mount("/admin", admin),   // any handler: another router, say
//     } | rk::wrap_params();
//
// (rk::files, a mount serving a directory, is in routing/files.hpp, so that a
// router does not bring the file-serving middleware with it.)
//
// Matching walks a segment trie (routing/trie.hpp): the cost follows the path's
// length, not the number of routes. The rules, each chosen to be unsurprising:
//   - Segments compare percent-decoded; params are decoded ("%2F" stays inside
//     its param); a malformed escape answers 400.
//   - Static beats param beats wildcard beats mount; a dead end backs up.
//   - A path that matches but not for this method: 405 with Allow (RFC 9110
//     §15.5.6); OPTIONS without a route of its own: 204 with Allow (§9.3.7);
//     HEAD without one: the GET route (§9.3.2, the server drops the body).
//   - No match: a trailing slash added or removed that would match answers 308
//     (method kept, RFC 9110 §15.4.9); else router_options::not_found (404).
//   - The router does not normalise: "." and ".." are plain segments. Handlers
//     that touch the file system must refuse them (the file handler does).
// A router matches rk::path_info(req), so a router mounted in another works;
// when the inner router's route is done, the outer router's path_params and
// mount_point are back in place for the outer middleware.
//
// A group's middleware is applied once, when the router is built, to one
// handler that passes each request on to the route that matched (found in
// req.ext): state a middleware makes when it is applied is the group's,
// shared by all its routes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkit/core/ascii.hpp"
#include "ringkit/http/handler.hpp"
#include "ringkit/http/path_info.hpp"
#include "ringkit/middleware/middleware.hpp"
#include "ringkit/routing/trie.hpp"

namespace ringkit {

/// What the router found, in req.ext for every route it calls: the route's
/// template (for logs and metrics) and its params, decoded. Names and template
/// point into the router, which must outlive the request (an app's router does).
struct path_params {
    /// The matched template with its groups' prefixes, e.g. "/api/users/:id"
    /// (for a mount, its prefix: "/static").
    std::string_view route;
    /// (name, decoded value) in template order; a wildcard's value is the rest of
    /// the path decoded, without its leading '/'. A mounted router's params follow
    /// those of the router it is mounted in.
    std::vector<std::pair<std::string_view, std::string>> values;

    /// The value of param `name`, or nullptr.
    const std::string* find(std::string_view name) const noexcept {
        for (auto& [n, v] : values)
            if (n == name) return &v;
        return nullptr;
    }
};

/// The decoded value of path param `name` ("id" for "/users/:id"). Throws
/// std::logic_error when the request was not routed or its route has no such param.
inline std::string_view path_param(const request& req, std::string_view name) {
    auto* p = req.ext.find<path_params>();
    if (!p) throw std::logic_error("ringkit: path_param(\"" + std::string(name) + "\") on a request no router matched");
    if (auto* v = p->find(name)) return *v;
    throw std::logic_error("ringkit: route \"" + std::string(p->route) + "\" has no param \"" + std::string(name) +
                           "\"");
}

/// The template of the route that matched ("" when no router matched): for logs.
inline std::string_view matched_route(const request& req) noexcept {
    auto* p = req.ext.find<path_params>();
    return p ? p->route : std::string_view();
}

/// A middleware as a group stores it.
using route_wrap = std::function<handler(handler)>;

/// One entry of a router: an endpoint, a group of entries, or a mount. Made by
/// GET/POST/.../ANY, websocket, group and mount rather than by hand.
struct route {
    enum class kind : std::uint8_t { endpoint, group, mount };

    /// An endpoint for `method` ("" for any method) at template `path`.
    route(std::string method, std::string path, handler h, bool websocket = false)
        : method(std::move(method)), path(std::move(path)), target(std::move(h)), websocket(websocket) {}

    kind what = kind::endpoint;
    std::string method;
    std::string path;
    handler target;
    bool websocket = false;
    std::vector<route> routes;      ///< a group's entries
    std::vector<route_wrap> wraps;  ///< a group's middleware, innermost first
};

/// A route for any method token, e.g. route_for("PROPFIND", "/dav/*path", h).
/// Methods are case-sensitive (RFC 9110 §9.1).
inline route route_for(std::string method, std::string path, handler h) {
    if (!detail::is_token(method))
        throw std::invalid_argument("ringkit::router: \"" + method + "\" is not a method token");
    return route(std::move(method), std::move(path), std::move(h));
}
// NOLINTBEGIN(readability-identifier-naming): named like the methods, as in Ring's routing libraries
/// GET (also serves HEAD unless a HEAD route exists).
inline route GET(std::string path, handler h) { return route("GET", std::move(path), std::move(h)); }
/// HEAD, when it must differ from GET's.
inline route HEAD(std::string path, handler h) { return route("HEAD", std::move(path), std::move(h)); }
/// POST.
inline route POST(std::string path, handler h) { return route("POST", std::move(path), std::move(h)); }
/// PUT.
inline route PUT(std::string path, handler h) { return route("PUT", std::move(path), std::move(h)); }
/// PATCH.
inline route PATCH(std::string path, handler h) { return route("PATCH", std::move(path), std::move(h)); }
/// DELETE.
inline route DELETE(std::string path, handler h) { return route("DELETE", std::move(path), std::move(h)); }
/// OPTIONS, replacing the router's automatic answer for this path.
inline route OPTIONS(std::string path, handler h) { return route("OPTIONS", std::move(path), std::move(h)); }
/// Every method (a route for the request's own method still wins).
inline route ANY(std::string path, handler h) { return route("", std::move(path), std::move(h)); }
// NOLINTEND(readability-identifier-naming)

/// A WebSocket endpoint: a GET route that upgrade requests ("Upgrade: websocket")
/// prefer, so one path can serve a page to browsers and a socket to scripts. A
/// GET without the upgrade reaches it only when the path has no plain GET route;
/// the handshake (ws::accept) then answers 426. HEAD does not fall back to it.
inline route websocket(std::string path, handler h) { return route("GET", std::move(path), std::move(h), true); }

/// `h` for every method and every path at or below `prefix` ("/static" takes
/// "/static", "/static/" and "/static/a/b"), with rk::mount_point set so the
/// handler reads rk::path_info(req) = the rest ("/a/b"). Routes of the router
/// win over a mount for the paths they match.
inline route mount(std::string prefix, handler h) {
    route r("", std::move(prefix), std::move(h));
    r.what = route::kind::mount;
    return r;
}

/// Routes under a common prefix, wrapped in middleware of their own: the group's
/// routes see it, the rest of the router does not. Wraps apply as in
/// `h | wraps...` (the last outermost); an outer group's wrap encloses an inner
/// one's. Each wrap is applied once per group when the router is built (not
/// once per route), so what a middleware makes when applied (a counter, a
/// cache) is shared by the group's routes. The handler it wraps finds the
/// matched route in the request: a middleware calls it as any `next`.
/// A route "/" (or "") in a group is the prefix itself ("/api"), not "/api/".
template <class... M>
requires(middleware_fn<M>&&...) route group(std::string prefix, std::vector<route> routes, M... wraps) {
    route r("", std::move(prefix), handler());
    r.what = route::kind::group;
    r.routes = std::move(routes);
    (r.wraps.emplace_back([w = std::move(wraps)](handler h) mutable -> handler { return w(std::move(h)); }), ...);
    return r;
}

/// How a router answers what none of its routes take.
struct router_options {
    /// Called when no route matches the path (Compojure's route/not-found); a
    /// plain 404 "Not Found" when empty.
    handler not_found = {};
    /// Answer 308 to the same path with the trailing slash added or removed when
    /// only that one matches.
    bool redirect_trailing_slash = true;
    /// Answer OPTIONS with 204 and Allow on paths without an OPTIONS route.
    bool answer_options = true;
};

namespace detail {

struct route_entry {
    std::string method;  // "" for any method (and mounts)
    bool websocket = false;
    handler target;                     // the route's own handler, without its groups' wraps
    std::string tmpl;                   // the full template, for path_params::route and error messages
    std::vector<std::uint32_t> groups;  // router_table::groups enclosing it, outermost first
};

// The route a request matched, for the groups' handlers to pass it on to: in
// req.ext only while a route inside a group runs.
struct route_match {
    const route_entry* entry = nullptr;
};

// What an inner router replaced in req.ext, put back when its route is done
// (also when it throws) so that the outer router's middleware reads its own
// path_params and mount_point on the way out, and its groups find their route.
class route_scope {
public:
    // Before the inner router puts its own values in: path_params is always
    // replaced, so it is moved out; the others are copied, as they may stay.
    explicit route_scope(request& req) : req_(&req) {
        if (auto* p = req.ext.find<path_params>()) params_ = std::move(*p);
        if (auto* m = req.ext.find<mount_point>()) mount_ = *m;
        if (auto* r = req.ext.find<route_match>()) match_ = *r;
    }
    route_scope(route_scope&& o) noexcept
        : req_(std::exchange(o.req_, nullptr)), params_(std::move(o.params_)), mount_(std::move(o.mount_)),
          match_(o.match_) {}
    route_scope(const route_scope&) = delete;
    route_scope& operator=(const route_scope&) = delete;
    route_scope& operator=(route_scope&&) = delete;
    ~route_scope() { restore(); }

    /// Puts the outer values back (once).
    void restore() noexcept {
        if (!req_) return;
        put_back(params_, *req_);
        put_back(mount_, *req_);
        put_back(match_, *req_);
        req_ = nullptr;
    }

private:
    template <class T>
    static void put_back(std::optional<T>& slot, request& req) noexcept {
        if (!slot) return req.ext.erase<T>();
        if (auto* v = req.ext.find<T>()) *v = std::move(*slot);
        else {
            try {
                req.ext.emplace<T>(std::move(*slot));
            } catch (...) {}  // out of memory while unwinding: the outer middleware reads none
        }
    }

    request* req_;
    std::optional<path_params> params_;
    std::optional<mount_point> mount_;
    std::optional<route_match> match_;
};

// Awaits an inner router's route, then puts the outer values back before the
// outer middleware sees the response (or the exception).
inline task<response> finish_in_scope(task<response> pending, route_scope scope) {
    std::exception_ptr error;
    std::optional<response> res;
    try {
        res.emplace(co_await std::move(pending));
    } catch (...) {
        error = std::current_exception();
    }
    scope.restore();
    if (error) std::rethrow_exception(error);
    co_return std::move(*res);
}

struct route_leaf {
    std::vector<route_entry> entries;

    /// The entry that serves this request, or nullptr (→ 405).
    const route_entry* pick(const request& req, bool upgrade) const noexcept {
        const route_entry *exact = nullptr, *any = nullptr, *get = nullptr, *ws = nullptr;
        for (auto& e : entries) {
            if (e.method.empty()) any = &e;
            else if (e.websocket) ws = &e;
            else if (e.method == req.method_name) exact = &e;
            else if (e.method == "GET") get = &e;
        }
        const bool is_get = req.method_name == "GET";
        if (is_get && upgrade && ws) return ws;
        if (exact) return exact;
        if (is_get && ws) return ws;
        if (get && req.method_name == "HEAD") return get;
        return any;
    }
};

inline std::string describe(const route_entry& e) {
    return (e.websocket ? std::string("websocket") : e.method.empty() ? std::string("ANY") : e.method) + " " + e.tmpl;
}

// A group's prefix and one of its paths; both start with '/' (or are empty), so
// "items" under "/api" is refused rather than read as "/apiitems".
inline std::string join_path(std::string_view prefix, std::string_view path) {
    if (!path.empty() && path.front() != '/')
        throw std::invalid_argument("ringkit::router: bad route template \"" + std::string(path) +
                                    "\": it must start with '/'");
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    if (path.empty() || path == "/") return prefix.empty() ? std::string("/") : std::string(prefix);
    return std::string(prefix) + std::string(path);
}

struct router_table {
    path_trie trie;
    std::vector<route_leaf> leaves;
    std::vector<handler> groups;  // each group's wraps around its pass-on handler (group_next)
    router_options options;

    // The handler a group's wraps enclose: the next group inside it on the
    // matched route's way, or the route itself. The table outlives it (it owns it).
    handler group_next(std::size_t depth) const {
        return [this, depth](request& req) -> maybe_task {
            const route_entry& e = *req.ext.get<route_match>().entry;
            if (depth + 1 < e.groups.size()) return groups[e.groups[depth + 1]].invoke(req);
            return e.target.invoke(req);
        };
    }

    void add(const route& r, const std::string& prefix, std::vector<std::uint32_t>& enclosing) {
        const std::string full = join_path(prefix, r.path);
        if (r.what == route::kind::group) {
            handler h = group_next(enclosing.size());
            for (auto& w : r.wraps) h = w(std::move(h));
            enclosing.push_back(static_cast<std::uint32_t>(groups.size()));
            groups.push_back(std::move(h));
            for (auto& child : r.routes) add(child, full, enclosing);
            enclosing.pop_back();
            return;
        }
        if (!r.target) throw std::invalid_argument("ringkit::router: route " + full + " has no handler");
        auto segs = parse_template(full);
        auto kind = path_trie::leaf_kind::exact;
        if (r.what == route::kind::mount) {
            kind = path_trie::leaf_kind::mount;
            if (!segs.empty() && segs.back().what == template_segment::kind::literal && segs.back().text.empty())
                segs.pop_back();  // "/static/" mounts at "/static"
        } else if (!segs.empty() && segs.back().what == template_segment::kind::wildcard) {
            kind = path_trie::leaf_kind::wildcard;
        }
        auto& slot = trie.slot(segs, kind, full);
        if (slot == path_trie::none) {
            slot = static_cast<std::uint32_t>(leaves.size());
            leaves.emplace_back();
        }
        route_entry entry{r.method, r.websocket, r.target, full, enclosing};
        for (auto& e : leaves[slot].entries)
            if (e.method == entry.method && e.websocket == entry.websocket)
                throw std::invalid_argument("ringkit::router: " + describe(entry) + " repeats " + describe(e));
        leaves[slot].entries.push_back(std::move(entry));
    }

    /// The methods the leaves allow, for Allow: in route order, HEAD after a GET,
    /// OPTIONS when the router answers it.
    std::string allow(std::span<const std::uint32_t> seen) const {
        std::vector<std::string_view> names;
        auto add_name = [&](std::string_view m) {
            for (auto n : names)
                if (n == m) return;
            names.push_back(m);
        };
        for (auto leaf : seen)
            for (auto& e : leaves[leaf].entries) {
                add_name(e.method);
                if (e.method == "GET" && !e.websocket) add_name("HEAD");
            }
        if (options.answer_options) add_name("OPTIONS");
        std::string out;
        for (auto n : names) {
            if (!out.empty()) out += ", ";
            out += n;
        }
        return out;
    }
};

inline bool wants_websocket(const request& req) noexcept {
    auto upgrade = req.header("upgrade");
    return upgrade && has_token(*upgrade, "websocket");
}

}  // namespace detail

/// A handler made of routes. Built once (the trie, the groups' middleware);
/// copies share the built table. Construction throws std::invalid_argument for a
/// bad template or two routes that conflict, naming both. Calling it costs no
/// coroutine frame of its own: a plain route's response comes back at once.
class router {
public:
    router(std::initializer_list<route> routes) : router(std::vector<route>(routes)) {}

    explicit router(const std::vector<route>& routes, router_options options = {}) {
        auto t = std::make_shared<detail::router_table>();
        t->options = std::move(options);
        std::vector<std::uint32_t> groups;
        for (auto& r : routes) t->add(r, "", groups);
        t->trie.finalize();
        table_ = std::move(t);
    }

    /// Every route template of this router, each once, in the order routed:
    /// endpoints with their groups' prefixes ("/api/users/:id") and mounts'
    /// prefixes ("/static"). What req.route can be after this router matched, so
    /// what a metric's route label declares:
    /// `metrics::server_metrics(reg, {.routes = app.templates()})`.
    std::vector<std::string> templates() const {
        std::vector<std::string> out;
        for (const auto& leaf : table_->leaves)
            for (const auto& e : leaf.entries)
                if (std::find(out.begin(), out.end(), e.tmpl) == out.end()) out.push_back(e.tmpl);
        return out;
    }

    /// Routes `req` and calls the route's handler (see the top of this file).
    maybe_task operator()(request& req) const {
        const auto& t = *table_;
        const std::string_view path = path_info(req);
        path_segments segs;
        if (!segs.split(path)) {
            if (!path.empty() && path.front() == '/')
                return response::text("Bad Request: malformed percent-escape in the path", 400);
            return not_found(req);  // "*" (OPTIONS *) and other non-path targets
        }
        const bool upgrade = detail::wants_websocket(req);
        const detail::route_entry* hit = nullptr;
        path_params params;
        std::optional<mount_point> mounted;
        std::vector<std::uint32_t> seen;  // leaves on this path that lack the method
        t.trie.match(segs, [&](std::uint32_t leaf, path_trie::leaf_kind kind, std::span<const path_capture> caps,
                               std::size_t consumed) {
            hit = t.leaves[leaf].pick(req, upgrade);
            if (!hit) {
                seen.push_back(leaf);
                return false;
            }
            const auto* outer_params = req.ext.find<path_params>();
            params.values.reserve(caps.size() + (outer_params ? outer_params->values.size() : 0));
            if (outer_params) params.values = outer_params->values;
            params.route = hit->tmpl;
            for (auto& c : caps) params.values.emplace_back(c.name, c.value(segs));
            if (kind == path_trie::leaf_kind::mount) {
                const auto rest = segs.rest_from(consumed);
                auto* outer = req.ext.find<mount_point>();
                std::string prefix = outer ? outer->prefix : std::string();
                prefix += path.substr(0, consumed == segs.size() ? path.size() : path.size() - rest.size());
                if (!prefix.empty() && prefix.back() == '/') prefix.pop_back();  // "/static/" mounted at "/static"
                mounted = mount_point{std::move(prefix), std::string(rest)};
            }
            return true;
        });
        if (hit) {
            // A router inside another: the outer one's values come back when this route is done.
            std::optional<detail::route_scope> scope;
            if (req.ext.contains<path_params>() || req.ext.contains<mount_point>()) scope.emplace(req);
            // `path` may point into the mount_point replaced here: it is not used below.
            req.ext.emplace<path_params>(std::move(params));
            // The outermost router's template labels the request (a mount's prefix
            // for a router mounted in it): the one set its templates() declared.
            if (req.route.empty()) req.route = hit->tmpl;
            if (mounted) req.ext.emplace<mount_point>(std::move(*mounted));
            const handler* first = &hit->target;
            if (!hit->groups.empty()) {
                req.ext.emplace<detail::route_match>(detail::route_match{hit});
                first = &t.groups[hit->groups.front()];
            }
            auto r = first->invoke(req);  // on a throw, `scope` puts the outer values back
            if (scope)
                if (auto* pending = std::get_if<task<response>>(&r))
                    return detail::finish_in_scope(std::move(*pending), std::move(*scope));
            return r;
        }
        if (!seen.empty()) {
            response res(req.method_name == "OPTIONS" && t.options.answer_options ? 204 : 405);
            res.headers.add("Allow", t.allow(seen));
            if (res.status == 405) {
                res.headers.add("Content-Type", "text/plain; charset=utf-8");
                res.body = std::string("Method Not Allowed");
            }
            return res;
        }
        if (t.options.redirect_trailing_slash)
            if (auto location = slash_redirect(req, path, upgrade))
                return response::redirect(std::move(*location), 308);
        return not_found(req);
    }

private:
    maybe_task not_found(request& req) const {
        if (table_->options.not_found) return table_->options.not_found.invoke(req);
        return response::not_found();
    }

    /// Where a 308 should send a path that would match with its trailing slash
    /// toggled, if anywhere.
    std::optional<std::string> slash_redirect(const request& req, std::string_view path, bool upgrade) const {
        if (path.size() <= 1 || req.uri.size() < path.size() || !req.uri.ends_with(path)) return std::nullopt;
        const bool strip = path.back() == '/';
        std::string other(path.substr(0, strip ? path.size() - 1 : path.size()));
        if (!strip) other += '/';
        path_segments segs;
        if (!segs.split(other)) return std::nullopt;
        const bool found = table_->trie.match(
            segs, [&](std::uint32_t leaf, auto&&...) { return table_->leaves[leaf].pick(req, upgrade) != nullptr; });
        if (!found) return std::nullopt;
        std::string location = req.uri.substr(0, req.uri.size() - path.size()) + other;
        // "//host/" would be a scheme-relative reference to another site (RFC 3986 §4.2),
        // and so is "/\host/" to a browser (the WHATWG URL parser reads '\' as '/').
        if (location.size() > 1 && (location[1] == '/' || location[1] == '\\')) return std::nullopt;
        if (req.query_string) location += "?" + *req.query_string;
        return location;
    }

    std::shared_ptr<const detail::router_table> table_;
};

}  // namespace ringkit
