// libFuzzer target for the router's path matcher (ringkit/routing/trie.hpp) and
// its dispatch (ringkit/routing/router.hpp) on arbitrary templates and paths.
//
// Input layout:  [method byte] [template] '\n' [path]
//   method byte   picks the request method (GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH, BREW)
//   template      added to a fixed set of routes when it parses and does not conflict
//                 (no '\n': no extra template, the rest is the path)
//   path          the request target's path (a '?' starts its query string)
//
// Invariants (__builtin_trap() when broken):
//   - parse_template either throws std::invalid_argument or gives segments that,
//     written back, parse to the same segments;
//   - path_segments::split accepts exactly the paths that start with '/' and
//     percent-decode; each leaf the matcher offers re-substitutes: the template
//     with its captures put back (and a mount's rest) is the decoded path; params
//     are never empty;
//   - the router answers 200 (a route), 204/405 with Allow, 308 to the same path
//     with the trailing slash toggled (never "//..."), 400 exactly for malformed
//     escapes, or 404 only when the matcher reached no leaf; on 200 the reported
//     route with path_params (and the mount's rest) put back is the decoded path.
#include "ringkit/routing/router.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace rk = ringkit;
using kind = rk::template_segment::kind;

const char* const fixed_routes[] = {
    "/",          "/users",          "/users/",      "/users/new",
    "/users/:id", "/users/:id/edit", "/files/*path", "/a/:x/b/:y",
    "/a/%2F/c",   "/caf%C3%A9",      "/:top/deep/*", "/m/:n",
    "/x/*",
};
const char* const fixed_mounts[] = {"/static", "/m/:n/sub", "/x"};

std::string write_back(const std::vector<rk::template_segment>& segs) {
    if (segs.empty()) return "/";
    std::string out;
    for (auto& s : segs) {
        out += '/';
        if (s.what == kind::param) out += ':' + s.text;
        else if (s.what == kind::wildcard) out += s.text == "*" ? std::string("*") : '*' + s.text;
        else
            for (unsigned char c : s.text) {  // escape all but unreserved bytes, so ':' '*' '/' '%' stay literal
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~') {
                    out += static_cast<char>(c);
                } else {
                    static const char hex[] = "0123456789ABCDEF";
                    out += '%';
                    out += hex[c >> 4];
                    out += hex[c & 15];
                }
            }
    }
    return out;
}

bool same(const std::vector<rk::template_segment>& a, const std::vector<rk::template_segment>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].what != b[i].what || a[i].text != b[i].text) return false;
    return true;
}

struct leaf_info {
    std::vector<rk::template_segment> segs;
    rk::path_trie::leaf_kind kind;
};

// The template with its captures substituted, as a decoded path.
std::string substitute(const leaf_info& leaf, std::span<const rk::path_capture> caps, const rk::path_segments& path,
                       std::size_t consumed) {
    std::string out;
    std::size_t c = 0;
    for (auto& s : leaf.segs) {
        out += '/';
        if (s.what == kind::literal) {
            out += s.text;
            continue;
        }
        FUZZ_CHECK(c < caps.size() && caps[c].name == s.text);
        FUZZ_CHECK(caps[c].wildcard == (s.what == kind::wildcard));
        const auto v = caps[c++].value(path);
        if (s.what == kind::param) FUZZ_CHECK(!v.empty());
        out += v;
    }
    FUZZ_CHECK(c == caps.size());
    if (leaf.kind == rk::path_trie::leaf_kind::mount) {
        if (consumed < path.size()) out += *rk::percent_decode(path.rest_from(consumed));
        else FUZZ_CHECK(path.rest_from(consumed) == "/");
    }
    return out.empty() ? "/" : out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    static const char* const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "BREW"};
    const std::string_view method = methods[data[0] & 7];
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    std::string_view extra;
    if (auto nl = text.find('\n'); nl != std::string_view::npos) {
        extra = text.substr(0, nl);
        text.remove_prefix(nl + 1);
    }
    const auto q = text.find('?');
    const std::string_view path = text.substr(0, q);

    // Templates: parse, write back, parse again.
    std::vector<rk::template_segment> extra_segs;
    bool have_extra = false;
    if (!extra.empty()) {
        try {
            extra_segs = rk::parse_template(extra);
            have_extra = true;
            FUZZ_CHECK(same(rk::parse_template(write_back(extra_segs)), extra_segs));
        } catch (const std::invalid_argument&) {}
    }

    // The matcher alone: every leaf the path reaches re-substitutes to the path.
    rk::path_trie trie;
    std::vector<leaf_info> leaves;
    auto add = [&](std::vector<rk::template_segment> segs, rk::path_trie::leaf_kind k, std::string_view origin) {
        auto& slot = trie.slot(segs, k, origin);
        if (slot != rk::path_trie::none) return;
        slot = static_cast<std::uint32_t>(leaves.size());
        leaves.push_back({std::move(segs), k});
    };
    auto kind_of = [](const std::vector<rk::template_segment>& segs) {
        return !segs.empty() && segs.back().what == kind::wildcard ? rk::path_trie::leaf_kind::wildcard
                                                                   : rk::path_trie::leaf_kind::exact;
    };
    for (auto t : fixed_routes) add(rk::parse_template(t), kind_of(rk::parse_template(t)), t);
    for (auto t : fixed_mounts) add(rk::parse_template(t), rk::path_trie::leaf_kind::mount, t);
    bool extra_added = false;
    if (have_extra) {
        try {
            add(extra_segs, kind_of(extra_segs), extra);
            extra_added = true;
        } catch (const std::invalid_argument&) {}
    }
    if (data[0] & 8) trie.finalize();

    rk::path_segments segs;
    const bool ok = segs.split(path);
    const auto decoded = rk::percent_decode(path);
    FUZZ_CHECK(ok == (!path.empty() && path.front() == '/' && decoded.has_value()));
    bool reached = false;
    if (ok) {
        trie.match(segs, [&](std::uint32_t leaf, rk::path_trie::leaf_kind k, std::span<const rk::path_capture> caps,
                             std::size_t consumed) {
            FUZZ_CHECK(leaf < leaves.size() && leaves[leaf].kind == k);
            FUZZ_CHECK(substitute(leaves[leaf], caps, segs, consumed) == *decoded);
            reached = true;
            return false;
        });
    }

    // The router over the same routes.
    auto answer = [](rk::request& req) { return rk::response::text(std::string(rk::matched_route(req))); };
    std::vector<rk::route> routes;
    for (auto t : fixed_routes) routes.push_back(rk::GET(t, answer));
    routes.push_back(rk::POST("/users/:id", answer));
    routes.push_back(rk::websocket("/users/:id/ws", answer));
    for (auto t : fixed_mounts) routes.push_back(rk::mount(t, answer));
    if (extra_added) routes.push_back(rk::route_for("PUT", std::string(extra), answer));
    std::optional<rk::router> router;
    try {
        router.emplace(routes);
    } catch (const std::invalid_argument&) {
        FUZZ_CHECK(false);  // the extra template was checked against the same shapes above
    }
    rk::request req;
    req.method_name = method;
    req.request_method = rk::method_from_name(method);
    req.uri = std::string(path);
    if (q != std::string_view::npos) req.query_string = std::string(text.substr(q + 1));
    auto result = (*router)(req);
    FUZZ_CHECK(std::holds_alternative<rk::response>(result));  // every route here is a plain function
    const auto& res = std::get<rk::response>(result);
    switch (res.status) {
    case 200: {
        FUZZ_CHECK(ok && res.body_string() == rk::matched_route(req));
        const auto& params = req.ext.get<rk::path_params>();
        std::string back;
        std::size_t i = 0;
        for (auto& seg : rk::parse_template(params.route)) {
            back += '/';
            if (seg.what == kind::literal) back += seg.text;
            else {
                FUZZ_CHECK(i < params.values.size() && params.values[i].first == seg.text);
                back += params.values[i++].second;
            }
        }
        FUZZ_CHECK(i == params.values.size());
        if (auto* m = req.ext.find<rk::mount_point>()) {
            FUZZ_CHECK(m->rest.starts_with('/') && req.uri.ends_with(m->rest == "/" ? "" : m->rest));
            if (m->rest != "/") back += *rk::percent_decode(m->rest);
            FUZZ_CHECK(back == *decoded || back + "/" == *decoded || (back.empty() && *decoded == "/"));
        } else {
            FUZZ_CHECK((back.empty() ? std::string("/") : back) == *decoded);
        }
        break;
    }
    case 204: FUZZ_CHECK(method == "OPTIONS" && res.headers.contains("Allow")); break;
    case 405: FUZZ_CHECK(ok && res.headers.contains("Allow")); break;
    case 400: FUZZ_CHECK(!path.empty() && path.front() == '/' && !decoded); break;
    case 308: {
        auto loc = std::string(*res.headers.get("Location"));
        if (req.query_string) {
            FUZZ_CHECK(loc.ends_with("?" + *req.query_string));
            loc.resize(loc.size() - req.query_string->size() - 1);
        }
        FUZZ_CHECK(ok && !loc.starts_with("//"));
        FUZZ_CHECK(loc + "/" == req.uri || loc == req.uri + "/");
        break;
    }
    case 404: FUZZ_CHECK(!reached); break;
    default: FUZZ_CHECK(false);
    }
    return 0;
}
