#include "ringkit/routing/router.hpp"
#include "ringkit/routing/files.hpp"  // rk::files

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ringkit/middleware/middleware.hpp"
#include "support/run_handler.hpp"

namespace rk = ringkit;

using rk::test::make_request;
using rk::test::run_handler;

namespace {

// A plain handler that answers with its name, the matched route and its params.
rk::handler answer(std::string name) {
    return [name](rk::request& req) {
        std::string body = name + " " + std::string(rk::matched_route(req));
        for (auto& [n, v] : req.ext.get<rk::path_params>().values) body += " " + std::string(n) + "=" + v;
        return rk::response::text(body);
    };
}

rk::response call(const rk::handler& app, std::string_view method, std::string_view target,
                  std::initializer_list<std::pair<std::string_view, std::string_view>> headers = {}) {
    auto req = make_request(method, target, headers);
    return run_handler(app, req);
}

std::string body(const rk::handler& app, std::string_view method, std::string_view target) {
    auto res = call(app, method, target);
    return res.status == 200 ? std::string(res.body_string()) : std::to_string(res.status);
}

// Adds its name to an "x-trace" response header: which wraps a route went through, in order.
auto tracer(std::string name) {
    return [name](rk::handler next) {
        return rk::wrap(std::move(next), [name](rk::request& req, const rk::handler& n) -> rk::maybe_task {
            req.headers.add("x-in", name);
            return rk::then(n.invoke(req), req,
                            [name](rk::request&, rk::response& res) { res.headers.add("X-Out", name); });
        });
    };
}

std::vector<std::string> outs(const rk::response& res) {
    std::vector<std::string> v;
    for (auto& [n, val] : res.headers)
        if (n == "X-Out") v.push_back(val);
    return v;
}

}  // namespace

TEST_CASE("static segments beat params, params beat wildcards, and a dead end backs up") {
    rk::handler app = rk::router{
        rk::GET("/users/new", answer("new")),       rk::GET("/users/:id", answer("show")),
        rk::GET("/users/:id/edit", answer("edit")), rk::GET("/users/new/preview", answer("preview")),
        rk::GET("/users/*rest", answer("wild")),    rk::GET("/", answer("root")),
    };
    CHECK(body(app, "GET", "/users/new") == "new /users/new");
    CHECK(body(app, "GET", "/users/42") == "show /users/:id id=42");
    CHECK(body(app, "GET", "/users/42/edit") == "edit /users/:id/edit id=42");
    CHECK(body(app, "GET", "/users/new/preview") == "preview /users/new/preview");
    // "new" is static but "/users/new/edit" only exists as a param route: backtrack.
    CHECK(body(app, "GET", "/users/new/edit") == "edit /users/:id/edit id=new");
    CHECK(body(app, "GET", "/users/42/x/y") == "wild /users/*rest rest=42/x/y");
    CHECK(body(app, "GET", "/") == "root /");
}

TEST_CASE("a wildcard takes the rest of the path, decoded, and wants its slash") {
    rk::handler app = rk::router({rk::GET("/files/*path", answer("f")), rk::GET("/any/*", answer("a"))},
                                 {.redirect_trailing_slash = false});
    CHECK(body(app, "GET", "/files/a/b/c.txt") == "f /files/*path path=a/b/c.txt");
    CHECK(body(app, "GET", "/files/") == "f /files/*path path=");
    CHECK(body(app, "GET", "/files/a%20b/c%2Fd") == "f /files/*path path=a b/c/d");
    CHECK(body(app, "GET", "/files/a//b/") == "f /files/*path path=a//b/");
    CHECK(body(app, "GET", "/files") == "404");
    CHECK(body(app, "GET", "/any/x/y") == "a /any/* *=x/y");
    rk::handler both = rk::router{rk::GET("/u/:id/*rest", answer("u"))};
    CHECK(body(both, "GET", "/u/7/a/b") == "u /u/:id/*rest id=7 rest=a/b");
    CHECK(body(both, "GET", "/u/7/a") == "u /u/:id/*rest id=7 rest=a");
}

TEST_CASE("params are percent-decoded per segment: %2F stays inside, UTF-8 comes through") {
    rk::handler app = rk::router{rk::GET("/users/:id/posts/:post", answer("p")), rk::GET("/caf%C3%A9", answer("c"))};
    CHECK(body(app, "GET", "/users/a%2Fb/posts/7") == "p /users/:id/posts/:post id=a/b post=7");
    CHECK(body(app, "GET", "/users/%E2%9C%93/posts/%C3%A9t%C3%A9") ==
          "p /users/:id/posts/:post id=\xE2\x9C\x93 post=\xC3\xA9t\xC3\xA9");
    // Static segments compare decoded, whichever way the template or the request spells them.
    CHECK(body(app, "GET", "/caf\xC3\xA9") == "c /caf%C3%A9");
    CHECK(body(app, "GET", "/caf%c3%a9") == "c /caf%C3%A9");
    CHECK(body(app, "GET", "/%75sers/1/posts/2") == "p /users/:id/posts/:post id=1 post=2");
    // '+' is a plus in a path, not a space.
    CHECK(body(app, "GET", "/users/a+b/posts/1") == "p /users/:id/posts/:post id=a+b post=1");
}

TEST_CASE("path_param reads a param and says clearly what is wrong") {
    rk::handler app = rk::router{rk::GET("/users/:id", [](rk::request& req) {
        CHECK_THROWS_WITH_AS(rk::path_param(req, "name"), "ringkit: route \"/users/:id\" has no param \"name\"",
                             std::logic_error);
        return rk::response::text(std::string(rk::path_param(req, "id")));
    })};
    CHECK(body(app, "GET", "/users/7") == "7");
    rk::request bare;
    CHECK_THROWS_AS(rk::path_param(bare, "id"), std::logic_error);
    CHECK(rk::matched_route(bare).empty());
}

TEST_CASE("malformed escapes answer 400") {
    rk::handler app = rk::router{rk::GET("/users/:id", answer("u")), rk::GET("/*rest", answer("w"))};
    for (auto target : {"/users/%", "/users/%2", "/users/%zz", "/%G0/x", "/users/1%"}) {
        CAPTURE(target);
        auto res = call(app, "GET", target);
        CHECK(res.status == 400);
        CHECK(res.body_string().find("percent") != std::string_view::npos);
    }
}

TEST_CASE("no route: 404, or the not_found handler") {
    rk::handler plain = rk::router{rk::GET("/a", answer("a"))};
    auto res = call(plain, "GET", "/b");
    CHECK(res.status == 404);
    CHECK(res.body_string() == "Not Found");
    CHECK(call(plain, "OPTIONS", "*").status == 404);
    CHECK(call(plain, "GET", "").status == 404);

    rk::handler custom =
        rk::router({rk::GET("/a", answer("a"))},
                   {.not_found = [](rk::request& req) { return rk::response::text("nothing at " + req.uri, 404); }});
    CHECK(call(custom, "GET", "/b/c").body_string() == "nothing at /b/c");
}

TEST_CASE("a path without the method: 405 with the exact Allow; OPTIONS: 204 with Allow") {
    rk::handler app = rk::router{
        rk::GET("/items/:id", answer("get")),    rk::PUT("/items/:id", answer("put")),
        rk::DELETE("/items/:id", answer("del")), rk::POST("/items", answer("create")),
        rk::OPTIONS("/items", answer("opts")),   rk::route_for("PROPFIND", "/dav", answer("dav")),
    };
    auto res = call(app, "POST", "/items/3");
    CHECK(res.status == 405);
    CHECK(res.headers.get("Allow") == "GET, HEAD, PUT, DELETE, OPTIONS");
    CHECK(res.body_string() == "Method Not Allowed");

    auto opts = call(app, "OPTIONS", "/items/3");
    CHECK(opts.status == 204);
    CHECK(opts.headers.get("Allow") == "GET, HEAD, PUT, DELETE, OPTIONS");
    CHECK(body(app, "OPTIONS", "/items") == "opts /items");  // an explicit OPTIONS route wins
    CHECK(call(app, "GET", "/items").headers.get("Allow") == "POST, OPTIONS");
    CHECK(body(app, "PROPFIND", "/dav") == "dav /dav");
    CHECK(call(app, "propfind", "/dav").status == 405);  // methods are case-sensitive
    CHECK_THROWS_AS(rk::route_for("BAD METHOD", "/x", answer("x")), std::invalid_argument);

    rk::handler quiet = rk::router({rk::GET("/x", answer("x"))}, {.answer_options = false});
    auto q = call(quiet, "OPTIONS", "/x");
    CHECK(q.status == 405);
    CHECK(q.headers.get("Allow") == "GET, HEAD");
}

TEST_CASE("405 and Allow take every route the path matches, and a method found deeper wins") {
    rk::handler app = rk::router{rk::GET("/users/new", answer("form")), rk::POST("/users/:id", answer("update"))};
    CHECK(body(app, "POST", "/users/new") == "update /users/:id id=new");
    auto res = call(app, "PUT", "/users/new");
    CHECK(res.status == 405);
    CHECK(res.headers.get("Allow") == "GET, HEAD, POST, OPTIONS");
}

TEST_CASE("HEAD falls back to GET; ANY takes the methods nothing else takes") {
    rk::handler app = rk::router{
        rk::GET("/page", answer("get")), rk::GET("/both", answer("get")),     rk::HEAD("/both", answer("head")),
        rk::ANY("/both", answer("any")), rk::ANY("/anything", answer("any")),
    };
    CHECK(body(app, "HEAD", "/page") == "get /page");
    CHECK(body(app, "HEAD", "/both") == "head /both");
    CHECK(body(app, "PATCH", "/both") == "any /both");
    CHECK(body(app, "BREW", "/anything") == "any /anything");
    CHECK(body(app, "GET", "/both") == "get /both");
}

TEST_CASE("a trailing slash is part of the path; the other spelling gets a 308 when it would match") {
    rk::handler app = rk::router{rk::GET("/users", answer("list")), rk::GET("/dir/", answer("dir")),
                                 rk::POST("/form", answer("form"))};
    CHECK(body(app, "GET", "/dir/") == "dir /dir/");
    auto res = call(app, "GET", "/users/?page=2");
    CHECK(res.status == 308);
    CHECK(res.headers.get("Location") == "/users?page=2");
    res = call(app, "GET", "/dir");
    CHECK(res.status == 308);
    CHECK(res.headers.get("Location") == "/dir/");
    CHECK(call(app, "POST", "/form/").headers.get("Location") == "/form");
    CHECK(call(app, "GET", "/form/").status == 404);  // "/form" has no GET: no redirect to a 405
    CHECK(call(app, "GET", "/users//").status == 404);

    // Never a redirect to "//host": that would leave the site.
    rk::handler root = rk::router{rk::GET("/:a/", answer("x"))};
    CHECK(call(root, "GET", "/evil.com").status == 308);
    CHECK(call(root, "GET", "//evil.com").status == 404);
    // Nor to "/\host": browsers read a backslash there as '/' (WHATWG URL), so it is "//host" too.
    rk::handler slug = rk::router{rk::GET("/:slug", answer("x"))};
    CHECK(call(slug, "GET", "/evil.com/").status == 308);
    CHECK(call(slug, "GET", "/\\evil.com/").status == 404);

    rk::handler strict = rk::router({rk::GET("/users", answer("list"))}, {.redirect_trailing_slash = false});
    CHECK(call(strict, "GET", "/users/").status == 404);
}

TEST_CASE("empty, '.' and '..' segments are not interpreted") {
    rk::handler app = rk::router{rk::GET("/files/*path", answer("f")), rk::GET("/a/:x/b", answer("p"))};
    CHECK(body(app, "GET", "/files/../etc/passwd") == "f /files/*path path=../etc/passwd");
    CHECK(body(app, "GET", "/files/%2e%2e/%2E%2E/x") == "f /files/*path path=../../x");
    CHECK(body(app, "GET", "/a/../b") == "p /a/:x/b x=..");
    CHECK(body(app, "GET", "/a/./b") == "p /a/:x/b x=.");
    CHECK(body(app, "GET", "/a//b") == "404");          // a param is never empty
    CHECK(body(app, "GET", "/x/../files/a") == "404");  // no dot-removal
}

TEST_CASE("groups nest prefixes and wrap only their own routes, inner wraps inside outer ones") {
    rk::handler app = rk::router{
        rk::GET("/open", answer("open")),
        rk::group("/api",
                  {
                      rk::GET("/", answer("index")),
                      rk::GET("/items", answer("items")),
                      rk::group("/v2/:tenant", {rk::GET("/items/:id", answer("v2"))}, tracer("inner")),
                  },
                  tracer("a"), tracer("b")),
    };
    auto open = call(app, "GET", "/open");
    CHECK(open.body_string() == "open /open");
    CHECK(outs(open).empty());

    auto items = call(app, "GET", "/api/items");
    CHECK(items.body_string() == "items /api/items");
    CHECK(outs(items) == std::vector<std::string>{"a", "b"});  // as `h | a | b`

    auto index = call(app, "GET", "/api");
    CHECK(index.body_string() == "index /api");

    auto v2 = call(app, "GET", "/api/v2/acme/items/9");
    CHECK(v2.body_string() == "v2 /api/v2/:tenant/items/:id tenant=acme id=9");
    CHECK(outs(v2) == std::vector<std::string>{"inner", "a", "b"});

    // Group middleware runs only for a matched route: a 404 or 405 under the prefix skips it.
    auto miss = call(app, "GET", "/api/nothing");
    CHECK(miss.status == 404);
    CHECK(outs(miss).empty());
    auto wrong = call(app, "DELETE", "/api/items");
    CHECK(wrong.status == 405);
    CHECK(outs(wrong).empty());
}

namespace router_test {

// Counts how often it is applied, and the requests its handler sees in a counter
// made when applied (as the guide's wrap_request_id does): X-Seen on the response.
auto counting(std::shared_ptr<int> applied) {
    return [applied](rk::handler next) {
        ++*applied;
        auto seen = std::make_shared<int>(0);
        return rk::wrap(std::move(next), [seen](rk::request& req, const rk::handler& n) -> rk::maybe_task {
            ++*seen;
            return rk::then(n.invoke(req), req, [seen](rk::request&, rk::response& res) {
                res.headers.add("X-Seen", std::to_string(*seen));
            });
        });
    };
}

}  // namespace router_test

TEST_CASE("a group's middleware is applied once per group: its state is shared by the group's routes") {
    auto applied = std::make_shared<int>(0), inner_applied = std::make_shared<int>(0);
    rk::handler app = rk::router{
        rk::GET("/open", answer("open")),
        rk::group("/g",
                  {
                      rk::GET("/a", answer("a")),
                      rk::POST("/b", answer("b")),
                      rk::group("/in", {rk::GET("/c", answer("c")), rk::GET("/d", answer("d"))},
                                router_test::counting(inner_applied)),
                  },
                  router_test::counting(applied), tracer("outer")),
    };
    CHECK(*applied == 1);
    CHECK(*inner_applied == 1);
    auto a = call(app, "GET", "/g/a");
    CHECK(a.body_string() == "a /g/a");
    CHECK(a.headers.get("X-Seen") == "1");
    CHECK(call(app, "POST", "/g/b").headers.get("X-Seen") == "2");  // the same counter: one middleware
    auto c = call(app, "GET", "/g/in/c");
    CHECK(c.body_string() == "c /g/in/c");
    CHECK(rk::test::header_values(c, "X-Seen") == std::vector<std::string>{"1", "3"});  // inner's, then outer's
    CHECK(outs(c) == std::vector<std::string>{"outer"});
    auto d = call(app, "GET", "/g/in/d");
    CHECK(d.body_string() == "d /g/in/d");
    CHECK(rk::test::header_values(d, "X-Seen") == std::vector<std::string>{"2", "4"});
    CHECK_FALSE(call(app, "GET", "/open").headers.get("X-Seen"));
}

namespace router_test {

// What an outer middleware sees of the routing once the handler below is done:
// "route|path_info|mount prefix|params", in X-Outer; also after an exception.
auto outer_view() {
    return [](rk::handler next) {
        return rk::wrap(std::move(next), [](rk::request& req, const rk::handler& n) -> rk::maybe_task {
            auto view = [](const rk::request& r) {
                std::string v = std::string(rk::matched_route(r)) + "|" + std::string(rk::path_info(r)) + "|";
                if (auto* m = r.ext.find<rk::mount_point>()) v += m->prefix;
                v += "|";
                for (auto& [name, value] : r.ext.get<rk::path_params>().values)
                    v += std::string(name) + "=" + value + " ";
                return v;
            };
            try {
                return rk::then(n.invoke(req), req,
                                [view](rk::request& r, rk::response& res) { res.headers.add("X-Outer", view(r)); });
            } catch (const std::exception&) {
                auto res = rk::response::text("caught", 500);
                res.headers.add("X-Outer", view(req));
                return res;
            }
        });
    };
}

}  // namespace router_test

TEST_CASE("a router mounted in a router: the outer middleware finds its own params and mount point again") {
    auto show = [](rk::request& req) {
        return rk::response::text(req.ext.get<rk::mount_point>().prefix + " " + std::string(rk::path_info(req)));
    };
    rk::handler inner = rk::router{
        rk::GET("/posts/:post", answer("post")),
        rk::GET("/later/:post",
                [](rk::request& req) -> rk::task<rk::response> {
                    co_return rk::response::text("later " + std::string(rk::path_param(req, "post")));
                }),
        rk::GET("/boom", [](rk::request&) -> rk::response { throw std::runtime_error("boom"); }),
        rk::mount("/files", show),
    };
    rk::handler app = rk::router{rk::group("/blogs/:blog", {rk::mount("/m", inner)}, router_test::outer_view())};
    const std::string outer = "/blogs/:blog/m|";

    auto post = call(app, "GET", "/blogs/tech/m/posts/5");
    CHECK(post.body_string() == "post /posts/:post blog=tech post=5");  // the inner route sees both
    CHECK(post.headers.get("X-Outer") == outer + "/posts/5|/blogs/tech/m|blog=tech ");

    auto later = call(app, "GET", "/blogs/tech/m/later/6");  // a coroutine route: put back after it
    CHECK(later.body_string() == "later 6");
    CHECK(later.headers.get("X-Outer") == outer + "/later/6|/blogs/tech/m|blog=tech ");

    auto file = call(app, "GET", "/blogs/tech/m/files/a.css");  // the inner router's own mount
    CHECK(file.body_string() == "/blogs/tech/m/files /a.css");
    CHECK(file.headers.get("X-Outer") == outer + "/files/a.css|/blogs/tech/m|blog=tech ");

    auto boom = call(app, "GET", "/blogs/tech/m/boom");  // and when the inner route throws
    CHECK(boom.body_string() == "caught");
    CHECK(boom.headers.get("X-Outer") == outer + "/boom|/blogs/tech/m|blog=tech ");

    // Outside every router the outermost values stay, for an access log wrapped around the app.
    auto req = make_request("GET", "/blogs/tech/m/posts/5");
    run_handler(app, req);
    CHECK(rk::matched_route(req) == "/blogs/:blog/m");
}

TEST_CASE("a group's middleware may call its next twice, through a router mounted inside with groups of its own") {
    // Retries once: the second call must find the same route, through the inner group's middleware again.
    auto twice = rk::around([](rk::request& req, const rk::handler& next) -> rk::task<rk::response> {
        auto first = co_await next(req);
        auto second = co_await next(req);
        second.headers.add("X-First", std::string(first.body_string()));
        co_return second;
    });
    rk::handler inner = rk::router{rk::group("/in", {rk::GET("/:id", answer("leaf"))}, tracer("inner"))};
    rk::handler app = rk::router{rk::group("/out", {rk::mount("/m", inner)}, twice)};
    auto res = call(app, "GET", "/out/m/in/7");
    CHECK(res.body_string() == "leaf /in/:id id=7");
    CHECK(res.headers.get("X-First") == "leaf /in/:id id=7");
    CHECK(outs(res) == std::vector<std::string>{"inner"});  // the second call went through the inner group too
}

TEST_CASE("a mount takes every method and path below it and sets path_info") {
    auto show = [](rk::request& req) {
        auto& m = req.ext.get<rk::mount_point>();
        return rk::response::text(std::string(req.method_name) + " " + m.prefix + " " +
                                  std::string(rk::path_info(req)));
    };
    rk::handler app = rk::router{
        rk::mount("/static", show),
        rk::GET("/static/special", answer("special")),
        rk::mount("/u/:user/files/", show),
    };
    CHECK(body(app, "GET", "/static/css/site.css") == "GET /static /css/site.css");
    CHECK(body(app, "DELETE", "/static/a%20b") == "DELETE /static /a%20b");  // the rest stays encoded, like uri
    CHECK(body(app, "GET", "/static") == "GET /static /");
    CHECK(body(app, "GET", "/static/") == "GET /static /");
    CHECK(body(app, "GET", "/static/special") == "special /static/special");   // a route beats the mount
    CHECK(body(app, "POST", "/static/special") == "POST /static /special");    // ...for its own methods only
    CHECK(body(app, "GET", "/static/../secret") == "GET /static /../secret");  // the file handler refuses these
    CHECK(body(app, "PUT", "/u/ann/files/x/y") == "PUT /u/ann/files /x/y");
    CHECK(body(app, "GET", "/staticx") == "404");
}

TEST_CASE("a router mounted in a router matches the rest and keeps the outer params") {
    rk::handler inner = rk::router{rk::GET("/posts/:post", answer("post")), rk::GET("/", answer("home"))};
    rk::handler app = rk::router{rk::mount("/blogs/:blog", inner)};
    CHECK(body(app, "GET", "/blogs/tech/posts/5") == "post /posts/:post blog=tech post=5");
    CHECK(body(app, "GET", "/blogs/tech") == "home / blog=tech");
    auto res = call(app, "GET", "/blogs/tech/posts/5/");
    CHECK(res.status == 308);
    CHECK(res.headers.get("Location") == "/blogs/tech/posts/5");
}

TEST_CASE("websocket routes take upgrade requests; a plain GET on the same path keeps its page") {
    rk::handler app = rk::router{
        rk::GET("/chat", answer("page")),
        rk::websocket("/chat", answer("socket")),
        rk::websocket("/only-ws", answer("socket")),
    };
    std::initializer_list<std::pair<std::string_view, std::string_view>> upgrade = {{"Upgrade", "websocket"},
                                                                                    {"Connection", "Upgrade"}};
    CHECK(call(app, "GET", "/chat").body_string() == "page /chat");
    CHECK(call(app, "GET", "/chat", upgrade).body_string() == "socket /chat");
    CHECK(call(app, "GET", "/only-ws").body_string() == "socket /only-ws");  // its handshake answers 426
    auto head = call(app, "HEAD", "/only-ws");
    CHECK(head.status == 405);
    CHECK(head.headers.get("Allow") == "GET, OPTIONS");
}

TEST_CASE("conflicting routes are refused when the router is built, naming both") {
    auto h = answer("x");
    CHECK_THROWS_WITH_AS(rk::router({rk::GET("/a/:id", h), rk::GET("/a/:id", h)}),
                         "ringkit::router: GET /a/:id repeats GET /a/:id", std::invalid_argument);
    CHECK_THROWS_WITH_AS(
        rk::router({rk::GET("/a/:id", h), rk::POST("/a/:name/x", h)}),
        "ringkit::router: route \"/a/:name/x\" names a param \"name\" where route \"/a/:id\" names it \"id\"",
        std::invalid_argument);
    CHECK_THROWS_AS(rk::router({rk::GET("/f/*a", h), rk::PUT("/f/*b", h)}), std::invalid_argument);
    CHECK_THROWS_AS(rk::router({rk::ANY("/x", h), rk::ANY("/x", h)}), std::invalid_argument);
    CHECK_THROWS_AS(rk::router({rk::mount("/m", h), rk::mount("/m/", h)}), std::invalid_argument);
    CHECK_THROWS_AS(rk::router({rk::websocket("/w", h), rk::websocket("/w", h)}), std::invalid_argument);
    // Same shape through a group, spelled differently.
    CHECK_THROWS_AS(rk::router({rk::GET("/api/%69tems", h), rk::group("/api", {rk::GET("/items", h)})}),
                    std::invalid_argument);
    // Not conflicts: different methods, ANY beside GET, a GET beside a websocket, static beside param.
    CHECK_NOTHROW(rk::router({rk::GET("/a/:id", h), rk::POST("/a/:id", h), rk::ANY("/a/:id", h),
                              rk::websocket("/a/:id", h), rk::GET("/a/new", h), rk::mount("/a", h)}));
}

TEST_CASE("bad templates are refused") {
    auto h = answer("x");
    for (std::string_view t : {"users", "/a//b", "/:", "/:a b", "/*x/y", "/a/:id/:id", "/%zz", "/f/*a/"}) {
        CAPTURE(t);
        CHECK_THROWS_AS(rk::router({rk::GET(std::string(t), h)}), std::invalid_argument);
    }
    CHECK_THROWS_AS(rk::router({rk::GET("/x", rk::handler())}), std::invalid_argument);
    // Inside a group a path is checked as well: "items" under "/api" is no "/apiitems".
    CHECK_THROWS_AS(rk::router({rk::group("/api", {rk::GET("items", h)})}), std::invalid_argument);
    CHECK_THROWS_AS(rk::router({rk::group("/api", {rk::mount("static", h)})}), std::invalid_argument);
    CHECK_THROWS_AS(rk::router({rk::group("/api", {rk::group("v2", {rk::GET("/items", h)})})}), std::invalid_argument);
    CHECK_THROWS_AS(rk::router({rk::group("api", {rk::GET("/items", h)})}), std::invalid_argument);
    // An empty template is the root, as "/" is in a group.
    CHECK(body(rk::router{rk::GET("", answer("r"))}, "GET", "/") == "r /");
    std::string many;
    for (int i = 0; i < 17; ++i) many += "/:p" + std::to_string(i);
    CHECK_THROWS_AS(rk::router({rk::GET(many, h)}), std::invalid_argument);
}

TEST_CASE("plain routes answer without a coroutine; coroutine and mixed routes work") {
    rk::handler app = rk::router{
        rk::GET("/plain", [](rk::request&) { return rk::response::text("plain"); }),
        rk::GET("/coro",
                [](rk::request& req) -> rk::task<rk::response> {
                    co_return rk::response::text("coro " + std::string(rk::path_param(req, "*")));
                }),
        rk::GET("/coro/*",
                [](rk::request& req) -> rk::task<rk::response> {
                    co_return rk::response::text("coro " + std::string(rk::path_param(req, "*")));
                }),
        rk::GET("/mixed/:n",
                [](rk::request& req) -> rk::maybe_task {
                    if (rk::path_param(req, "n") == "now") return rk::response::text("now");
                    return [](std::string n) -> rk::task<rk::response> {
                        co_return rk::response::text("later " + n);
                    }(std::string(rk::path_param(req, "n")));
                }),
    };
    auto req = make_request("GET", "/plain");
    CHECK(std::holds_alternative<rk::response>(app.invoke(req)));
    auto miss = make_request("GET", "/nowhere");
    CHECK(std::holds_alternative<rk::response>(app.invoke(miss)));  // 404s too
    auto now = make_request("GET", "/mixed/now");
    CHECK(std::holds_alternative<rk::response>(app.invoke(now)));

    CHECK(body(app, "GET", "/coro/x/y") == "coro x/y");
    CHECK(body(app, "GET", "/mixed/7") == "later 7");
    CHECK_THROWS_AS(call(app, "GET", "/coro"), std::logic_error);  // no "*" in "/coro": thrown in the coroutine
    // A stack of plain wraps over the router stays plain, written as DESIGN.md §1 writes it.
    rk::handler wrapped =
        rk::router{rk::GET("/plain", [](rk::request&) { return rk::response::text("plain"); })} | tracer("t");
    auto again = make_request("GET", "/plain");
    CHECK(std::holds_alternative<rk::response>(wrapped.invoke(again)));
}

TEST_CASE("copies of a router share its routes and a request keeps nothing from the last one") {
    rk::router r{rk::GET("/a/:x", answer("a")), rk::mount("/m", answer("m"))};
    rk::handler one = r, two = r;
    CHECK(body(one, "GET", "/a/1") == "a /a/:x x=1");
    CHECK(body(two, "GET", "/a/2") == "a /a/:x x=2");
    auto req = make_request("GET", "/m/q");
    auto res = run_handler(one, req);
    CHECK(res.body_string() == "m /m");
    CHECK(req.ext.get<rk::mount_point>().rest == "/q");
}

TEST_CASE("long paths and many segments") {
    rk::handler app = rk::router{rk::GET("/a/*rest", answer("w")), rk::GET("/b/:x", answer("b"))};
    std::string deep = "/a";
    for (int i = 0; i < 100; ++i) deep += "/s" + std::to_string(i);
    auto res = call(app, "GET", deep);
    CHECK(res.status == 200);
    CHECK(res.body_string().ends_with("s98/s99"));
    CHECK(call(app, "GET", "/b/" + std::string(10000, 'x')).status == 200);
    std::string slashes(5000, '/');
    CHECK(call(app, "GET", slashes).status == 404);
}

TEST_CASE("files() mounts a directory: files below the prefix, the router's routes beside it") {
    auto root = std::filesystem::temp_directory_path() / ("ringkit-router-files-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root / "css");
    std::ofstream(root / "css" / "site.css") << "h1{}";
    rk::handler hello = [](rk::request&) { return rk::response::text("hello"); };
    rk::router app{rk::GET("/hello", hello), rk::files("/static", root.string())};

    auto req = rk::test::make_request("GET", "/static/css/site.css");
    auto res = rk::test::run_handler(app, req);
    CHECK(res.status == 200);
    CHECK(res.headers.get("Content-Type") == "text/css");
    CHECK(std::holds_alternative<rk::file_body>(res.body));
    auto traversal = rk::test::make_request("GET", "/static/%2e%2e/%2e%2e/etc/passwd");
    CHECK(rk::test::run_handler(app, traversal).status == 400);
    auto missing = rk::test::make_request("GET", "/static/nope.css");
    CHECK(rk::test::run_handler(app, missing).status == 404);
    auto other = rk::test::make_request("GET", "/hello");
    CHECK(rk::test::run_handler(app, other).body_string() == "hello");
    std::filesystem::remove_all(root);
}
