#include "ringkit/middleware/params.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/run_handler.hpp"

namespace rk = ringkit;

using rk::test::make_request;
using rk::test::run_handler;

namespace {

// Runs wrap_params over `req` and hands back the params it stored (a copy) and the response.
struct params_outcome {
    rk::response res;
    std::optional<rk::params> p;
};

params_outcome run(rk::request req, rk::params_options opt = {}) {
    std::optional<rk::params> seen;
    rk::handler app = [&](rk::request& r) {
        seen = rk::params_of(r);
        return rk::response::text("ok");
    };
    auto res = run_handler(app | rk::wrap_params(opt), req);
    return {std::move(res), std::move(seen)};
}

params_outcome query(std::string_view q, rk::params_options opt = {}) {
    return run(make_request("GET", "/p?" + std::string(q)), opt);
}

params_outcome form(std::string body, std::string_view type = "application/x-www-form-urlencoded") {
    return run(make_request("POST", "/p", {{"Content-Type", type}}, std::move(body)));
}

using views = std::vector<std::string_view>;

}  // namespace

TEST_CASE("query params: repeated keys, order, '+' and escapes") {
    auto o = query("a=1&b=x+y&a=2&c=%41%2b%20&d&&e=");
    REQUIRE(o.p);
    CHECK(o.res.status == 200);
    CHECK(o.p->get("a") == "1");
    CHECK(o.p->all("a") == views{"1", "2"});
    CHECK(o.p->get("b") == "x y");
    CHECK(o.p->get("c") == "A+ ");
    CHECK(o.p->get("d") == "");  // no '=': the empty value
    CHECK(o.p->get("e") == "");
    CHECK_FALSE(o.p->get("zz"));
    CHECK(o.p->query.size() == 6);  // the empty pair between && is skipped
    CHECK(o.p->form.empty());
}

TEST_CASE("query pairs keep their order when iterated") {
    auto o = query("z=1&a=2&z=3");
    REQUIRE(o.p);
    std::vector<std::string> seen;
    for (auto& [n, v] : o.p->merged) seen.push_back(n + "=" + v);
    CHECK(seen == std::vector<std::string>{"z=1", "a=2", "z=3"});
}

TEST_CASE("an encoded NUL is kept as a byte of the value") {
    auto o = query("k=a%00b");
    REQUIRE(o.p);
    CHECK(o.p->get("k") == std::string_view("a\0b", 3));
}

TEST_CASE("malformed percent-encoding is 400, in the query and in the form") {
    for (auto bad : {"a=%", "a=%4", "a=%zz", "%=1", "a=1&b%g1=2", "a=%%41"}) {
        CAPTURE(bad);
        auto q = query(bad);
        CHECK(q.res.status == 400);
        CHECK(q.res.body_string() == "Malformed percent-encoding in the query string");
        CHECK_FALSE(q.p);  // the handler never ran
        auto f = form(bad);
        CHECK(f.res.status == 400);
        CHECK(f.res.body_string() == "Malformed percent-encoding in the form body");
    }
}

TEST_CASE("a urlencoded form body: form, query and merged lists") {
    auto req =
        make_request("POST", "/p?a=q&only=query",
                     {{"content-type", "Application/X-WWW-Form-URLEncoded; charset=UTF-8"}}, "a=f&name=J%C3%BCrgen+M");
    auto o = run(std::move(req));
    REQUIRE(o.p);
    CHECK(o.p->form.get("a") == "f");
    CHECK(o.p->query.get("a") == "q");
    CHECK(o.p->all("a") == views{"q", "f"});  // query first, then form
    CHECK(o.p->get("name") == "J\xc3\xbcrgen M");
    CHECK(o.p->get("only") == "query");
    CHECK(o.p->merged.size() == 4);
}

TEST_CASE("a body of another content type is not parsed, and is left untouched") {
    for (auto type :
         {"text/plain", "application/json", "multipart/form-data; boundary=x", "application/x-www-form-urlencodedx"}) {
        CAPTURE(type);
        std::string body_seen;
        rk::handler app = [&](rk::request& r) {
            body_seen = r.body;
            CHECK(rk::params_of(r).form.empty());
            return rk::response::text("ok");
        };
        auto req = make_request("POST", "/p", {{"Content-Type", type}}, "a=%zz");
        CHECK(run_handler(app | rk::wrap_params(), req).status == 200);
        CHECK(body_seen == "a=%zz");
    }
    auto none = run(make_request("POST", "/p", {}, "a=1"));  // no Content-Type at all
    REQUIRE(none.p);
    CHECK(none.p->form.empty());
}

TEST_CASE("parse_form = false leaves the body alone") {
    rk::params_options opt;
    opt.parse_form = false;
    auto o = run(make_request("POST", "/p?x=1", {{"Content-Type", "application/x-www-form-urlencoded"}}, "a=%zz"), opt);
    REQUIRE(o.p);
    CHECK(o.p->get("x") == "1");
    CHECK(o.p->form.empty());
}

TEST_CASE("too many parameters: 414 in the query, 413 in the form; the limit itself passes") {
    rk::params_options opt{.max_params = 3};
    CHECK(query("a=1&b=2&c=3", opt).res.status == 200);
    CHECK(query("a=1&&&b=2&c=3&", opt).res.status == 200);  // empty pairs do not count
    auto q = query("a=1&b=2&c=3&d=4", opt);
    CHECK(q.res.status == 414);
    CHECK(q.res.body_string() == "Too many parameters in the query string");

    std::string big;
    for (int i = 0; i < 1001; ++i) big += "k" + std::to_string(i) + "=v&";
    auto f = form(big);  // the default limit is 1000
    CHECK(f.res.status == 413);
    CHECK(f.res.body_string() == "Too many parameters in the form body");
    big.resize(big.rfind("k1000"));
    CHECK(form(big).res.status == 200);
}

TEST_CASE("a name longer than max_name_length is 400, encoded or not") {
    rk::params_options opt{.max_name_length = 8};
    CHECK(query("abcdefgh=1", opt).res.status == 200);
    CHECK(query("abcdefghi=1", opt).res.status == 400);
    CHECK(query("%61%62%63%64%65%66%67%68=1", opt).res.status == 200);  // 8 bytes once decoded
    CHECK(query(std::string(100'000, 'a') + "=1").res.status == 400);
}

TEST_CASE("nested names: objects, arrays, appended objects") {
    auto o =
        query("user[name]=ann&user[langs][]=c&user[langs][]=clj&tags[]=a&tags[]=b&x[][id]=1&x[][id]=2&deep[a][b][c]=z");
    REQUIRE(o.p);
    CHECK(o.p->nested() == nlohmann::json::parse(R"({
        "user": {"name": "ann", "langs": ["c", "clj"]},
        "tags": ["a", "b"],
        "x": [{"id": "1"}, {"id": "2"}],
        "deep": {"a": {"b": {"c": "z"}}}
    })"));
    CHECK(o.p->get("user[name]") == "ann");  // the flat lists keep the names as sent
}

TEST_CASE("a repeated plain name collects its values into an array") {
    CHECK(query("a=1&a=2&a=3").p->nested() == nlohmann::json::parse(R"({"a":["1","2","3"]})"));
    CHECK(query("a=1&a[]=2").p->nested() == nlohmann::json::parse(R"({"a":["1","2"]})"));
    CHECK(query("a[]=1&a=2").p->nested() == nlohmann::json::parse(R"({"a":["1","2"]})"));
}

TEST_CASE("names that are not name[seg]... are plain keys") {
    auto o = query("a[b=1&a[b]c=2&[x]=3&a]=4&q[[[[[[[[[[=5&r[a[b]]=6");
    REQUIRE(o.p);
    CHECK(o.p->nested() ==
          nlohmann::json{
              {"a[b", "1"}, {"a[b]c", "2"}, {"[x]", "3"}, {"a]", "4"}, {"q[[[[[[[[[[", "5"}, {"r[a[b]]", "6"}});
}

TEST_CASE("a hostile run of brackets is linear and never nests") {
    rk::params_options opt{.max_name_length = 1 << 20};
    std::string name = "a" + std::string(50'000, '[');
    auto o = query(name + "=1", opt);
    REQUIRE(o.p);
    CHECK(o.p->nested().size() == 1);
    CHECK(o.p->nested().contains(name));
    std::string deep = "a";
    for (int i = 0; i < 10'000; ++i) deep += "[b]";
    CHECK(query(deep + "=1", opt).res.status == 400);
}

TEST_CASE("nesting deeper than max_depth is 400; at the limit it passes") {
    rk::params_options opt{.max_depth = 3};
    CHECK(query("a[b][c][d]=1", opt).res.status == 200);
    auto o = query("a[b][c][d][e]=1", opt);
    CHECK(o.res.status == 400);
    CHECK(o.res.body_string() == "Parameter nested too deeply in the query string");
    CHECK(form("a[][][][]=1").res.status == 200);
}

TEST_CASE("conflicting shapes: the first shape wins, the conflicting pair is left out of nested()") {
    auto o = query("a=1&a[b]=2&o[b]=1&o[]=2&o=3&l[]=1&l[b]=2&s[b][c]=1&s[b]=2");
    REQUIRE(o.p);
    CHECK(o.p->nested() == nlohmann::json::parse(R"({"a":"1","o":{"b":"1"},"l":["1"],"s":{"b":{"c":"1"}}})"));
    CHECK(o.p->all("a") == views{"1"});
    CHECK(o.p->get("a[b]") == "2");  // still in the flat list
    CHECK(o.p->merged.size() == 9);
}

TEST_CASE("no query string and no body: empty params, still present") {
    auto o = run(make_request("GET", "/p"));
    REQUIRE(o.p);
    CHECK(o.p->merged.empty());
    CHECK(o.p->nested() == nlohmann::json::object());
}

TEST_CASE("params_of without wrap_params names the missing middleware") {
    rk::request req;
    CHECK_THROWS_AS(rk::params_of(req), std::logic_error);
}

TEST_CASE("wrap_params twice parses once") {
    int calls = 0;
    rk::handler app = [&](rk::request& r) {
        calls += static_cast<int>(rk::params_of(r).all("a").size());
        return rk::response::text("ok");
    };
    auto req = make_request("GET", "/p?a=1");
    CHECK(run_handler(app | rk::wrap_params() | rk::wrap_params(), req).status == 200);
    CHECK(calls == 1);
}

TEST_CASE("a coroutine below sees the params too") {
    rk::handler app = [](rk::request& r) -> rk::task<rk::response> {
        co_return rk::response::text(std::string(rk::params_of(r).get("n").value_or("-")));
    };
    auto req = make_request("GET", "/p?n=7");
    CHECK(run_handler(app | rk::wrap_params(), req).body_string() == "7");
}
