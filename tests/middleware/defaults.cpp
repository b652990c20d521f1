#include "ringkit/middleware/defaults.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/run_handler.hpp"

namespace rk = ringkit;
using rk::test::make_request;
using rk::test::run_handler;

namespace {

// A small site: a form page that shows the flash and the token, a POST that
// stores a note in the session and flashes, one that throws.
rk::handler site_app() {
    return [](rk::request& req) -> rk::response {
        if (req.uri == "/form") {
            auto flash = rk::flash_of(req);
            return rk::response::html("token=" + rk::anti_forgery_token(req) +
                                      " flash=" + (flash ? flash->get<std::string>() : std::string("none")));
        }
        if (req.uri == "/note" && req.request_method == rk::method::post) {
            rk::session_of(req)["note"] = std::string(rk::params_of(req).get("note").value_or(""));
            rk::set_flash(req, "saved");
            return rk::response::redirect("/form", 303);
        }
        if (req.uri == "/note") return rk::response::text(rk::session_of(req).data().value("note", ""));
        if (req.uri == "/boom") throw std::runtime_error("boom");
        return rk::response::not_found();
    };
}

}  // namespace

TEST_CASE("site_defaults: a form round trip with session, flash and anti-forgery, through real cookies") {
    auto app = site_app() | rk::site_defaults();

    auto req = make_request("GET", "/form");
    auto page = run_handler(app, req);
    REQUIRE(page.status == 200);
    auto cookie = rk::test::cookie_pair(page).value_or("");
    REQUIRE_FALSE(cookie.empty());
    auto body = std::string(page.body_string());
    auto token = body.substr(6, body.find(' ') - 6);
    CHECK(body.ends_with("flash=none"));
    CHECK(page.headers.get("Content-Type") == "text/html; charset=utf-8");
    CHECK(page.headers.get("X-Frame-Options") == "SAMEORIGIN");
    CHECK(page.headers.get("X-Content-Type-Options") == "nosniff");

    SUBCASE("without the token, a POST is refused before the handler, and still gets the security headers") {
        auto post = make_request(
            "POST", "/note", {{"cookie", cookie}, {"content-type", "application/x-www-form-urlencoded"}}, "note=hi");
        auto res = run_handler(app, post);
        CHECK(res.status == 403);
        CHECK(res.headers.get("X-Content-Type-Options") == "nosniff");
        auto check = make_request("GET", "/note", {{"cookie", cookie}});
        CHECK(run_handler(app, check).body_string() == "");
    }
    SUBCASE("with it, params, session and flash all work, and the flash shows once") {
        auto post =
            make_request("POST", "/note", {{"cookie", cookie}, {"content-type", "application/x-www-form-urlencoded"}},
                         "note=hello+world&__anti-forgery-token=" + token);
        auto res = run_handler(app, post);
        CHECK(res.status == 303);
        auto get = make_request("GET", "/form", {{"cookie", cookie}});
        CHECK(std::string(run_handler(app, get).body_string()).ends_with("flash=saved"));
        auto again = make_request("GET", "/form", {{"cookie", cookie}});
        CHECK(std::string(run_handler(app, again).body_string()).ends_with("flash=none"));
        auto note = make_request("GET", "/note", {{"cookie", cookie}});
        CHECK(run_handler(app, note).body_string() == "hello world");
    }
}

TEST_CASE("site_defaults: a malformed query is 400, an exception 500 with the security headers, both without details") {
    std::string logged;
    auto app =
        site_app() | rk::site_defaults({.exceptions = rk::exception_options{
                                            .logger = [&](std::string_view m, std::exception_ptr) { logged = m; }}});
    auto bad = make_request("GET", "/form?x=%zz");
    CHECK(run_handler(app, bad).status == 400);
    auto boom = make_request("GET", "/boom");
    auto res = run_handler(app, boom);
    CHECK(res.status == 500);
    CHECK(res.body_string().find("boom") == std::string_view::npos);
    CHECK(res.headers.get("X-Frame-Options") == "SAMEORIGIN");
    CHECK(logged.find("/boom") != std::string::npos);
}

TEST_CASE("the presets report a caught exception to the request's logger: the server's") {
    std::vector<std::string> logged;
    auto boom = [](rk::request&) -> rk::response { throw std::runtime_error("boom"); };
    for (const auto& app : {rk::handler(boom) | rk::site_defaults(), rk::handler(boom) | rk::api_defaults()}) {
        auto req = make_request("GET", "/boom");
        req.logger = [&](std::string_view m, std::exception_ptr e) {
            logged.push_back(std::string(m) + ": " + rk::exception_message(e));
        };
        CHECK(run_handler(app, req).status == 500);
    }
    CHECK(logged == std::vector<std::string>(2, "handler threw on GET /boom; sent 500: boom"));
}

TEST_CASE("site_defaults: static files are served before the handler, with ETag and 304") {
    auto root = std::filesystem::temp_directory_path() / ("ringkit-defaults-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root);
    std::ofstream(root / "style.css") << "body { color: red }";
    auto app = site_app() | rk::site_defaults({.static_root = root.string()});

    auto req = make_request("GET", "/style.css");
    auto res = run_handler(app, req);
    CHECK(res.status == 200);
    CHECK(res.headers.get("Content-Type") == "text/css; charset=utf-8");
    auto etag = res.headers.get("ETag");
    REQUIRE(etag);
    auto again = make_request("GET", "/style.css", {{"if-none-match", *etag}});
    CHECK(run_handler(app, again).status == 304);
    auto other = make_request("GET", "/note");  // not a file: the handler answers
    CHECK(run_handler(app, other).status == 200);
    std::filesystem::remove_all(root);
}

TEST_CASE("site_defaults: each piece can be left out") {
    auto app = site_app() | rk::site_defaults({.anti_forgery = std::nullopt, .security = std::nullopt});
    auto req = make_request("GET", "/note");
    auto res = run_handler(app, req);
    CHECK_FALSE(res.headers.contains("X-Frame-Options"));
    auto post = make_request("POST", "/note", {{"content-type", "application/x-www-form-urlencoded"}}, "note=x");
    CHECK(run_handler(app, post).status == 303);  // no anti-forgery: accepted
}

TEST_CASE("api_defaults: JSON in, JSON out, bad JSON 400, nosniff but no page headers") {
    rk::handler api = [](rk::request& req) -> rk::response {
        auto& body = rk::json_of(req);
        return rk::response::json({{"got", body}, {"q", rk::params_of(req).get("q").value_or("")}}, 201);
    };
    auto app = api | rk::api_defaults();
    auto req = make_request("POST", "/items?q=1", {{"content-type", "application/json"}}, R"({"title":"x"})");
    auto res = run_handler(app, req);
    CHECK(res.status == 201);
    CHECK(nlohmann::json::parse(res.body_string()) == nlohmann::json{{"got", {{"title", "x"}}}, {"q", "1"}});
    CHECK(res.headers.get("X-Content-Type-Options") == "nosniff");
    CHECK_FALSE(res.headers.contains("X-Frame-Options"));
    auto bad = make_request("POST", "/items", {{"content-type", "application/json"}}, R"({"title":)");
    CHECK(run_handler(app, bad).status == 400);
}

TEST_CASE("api_defaults: CORS when asked for, outermost, so a preflight never reaches the handler") {
    int calls = 0;
    rk::handler api = [&](rk::request&) {
        ++calls;
        return rk::response::json({{"ok", true}});
    };
    auto app = api | rk::api_defaults({.cors = rk::cors_options{.allowed_origins = {"https://app.example"}}});
    auto pre = make_request("OPTIONS", "/items",
                            {{"origin", "https://app.example"}, {"access-control-request-method", "PUT"}});
    auto res = run_handler(app, pre);
    CHECK(res.status == 204);
    CHECK(res.headers.get("Access-Control-Allow-Origin") == "https://app.example");
    CHECK(calls == 0);
}

TEST_CASE("the presets keep a stack of plain functions free of coroutines") {
    auto app = site_app() | rk::site_defaults();
    auto req = make_request("GET", "/note");
    CHECK(std::holds_alternative<rk::response>(app.invoke(req)));
}
