// rk::client against ringkit's own server: requests and their bodies, query
// parameters, basic auth, redirects (the limit, 303 and 301/302 to GET, 307 and
// 308 keeping the body, Authorization dropped across origins), and the three
// forms of a call: coroutine, future, callback.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "integration/client_support.hpp"

// After client_support.hpp, which includes core/asio.hpp (Asio configured).
#include <asio/executor_work_guard.hpp>

namespace client_http_tests {

using ringkit::client_error;
using ringkit::client_request;
using ringkit::method;
using ringkit::request;
using ringkit::response;
using ringkit::test::test_server;
using ringkit::test::client_support::base_url;
using ringkit::test::client_support::client_rig;

// What the server saw, as text.
response echo(request& req) {
    std::string out = std::string(req.method_name) + " " + req.uri;
    if (req.query_string) out += "?" + *req.query_string;
    out += " auth=" + std::string(req.header("authorization").value_or("-"));
    out += " type=" + std::string(req.header("content-type").value_or("-"));
    out += " length=" + std::string(req.header("content-length").value_or("-"));
    out += " agent=" + std::string(req.header("user-agent").value_or("-"));
    out += " body=" + req.body;
    return response::text(out);
}

// /redirect/<status>/<n>: n redirects with <status>, then the echo; /loop: itself forever.
response app(request& req) {
    const std::string& uri = req.uri;
    if (uri == "/loop") return response::redirect("/loop");
    if (uri.starts_with("/redirect/")) {
        const auto slash = uri.rfind('/');
        const int status = std::stoi(uri.substr(10, 3));
        const int n = std::stoi(uri.substr(slash + 1));
        if (n == 0) return echo(req);
        return response::redirect(uri.substr(0, slash + 1) + std::to_string(n - 1), status);
    }
    if (uri == "/away") return response::redirect(std::string(*req.header("x-to")), 307);
    if (uri == "/big") return response::text(std::string(200'000, 'b'));
    if (uri == "/head") return response::text("a body a HEAD never sees");
    return echo(req);
}

// The coroutine form: a GET, and a URL the client refuses (parameters, not a
// lambda's captures: the coroutine outlives the statement that starts it).
ringkit::task<void> from_a_coroutine(ringkit::client& client, std::string url, std::string& body,
                                     std::error_code& bad_url_error) {
    auto r = co_await client.get(url);
    body = r.body;
    try {
        co_await client.get("ftp://example.com/");
    } catch (const std::system_error& e) {
        bad_url_error = e.code();
    }
}

// A client with the test run's TLS trust, when the suite runs over TLS.
ringkit::client_options options_for_this_run(bool single_thread = false) {
    ringkit::client_options o;
#if RINGKIT_HAS_OPENSSL
    if (ringkit::test::tls_mode()) o.tls.ca_file = ringkit::test::test_certs().ca();
#endif
    o.single_thread = single_thread;
    return o;
}

// Closes the client's idle connections once `n` pieces of work have called
// done(): a pooled connection's idle timer keeps io_context::run() going until
// idle_timeout otherwise (30 s), as client.close_idle() says.
struct when_all_done {
    ringkit::client& client;
    std::atomic<int> left;
    when_all_done(ringkit::client& c, int n) : client(c), left(n) {}
    void done() {
        if (--left == 0) client.close_idle();
    }
    auto on_coroutine_end() {
        return [this](const std::exception_ptr&) { done(); };
    }
};

// `n` GETs one after another; each good answer counted.
ringkit::task<void> get_n(ringkit::client& client, std::string url, int n, std::atomic<int>& ok) {
    for (int i = 0; i < n; ++i) {
        auto r = co_await client.get(url);
        if (r.status == 200 && r.body.starts_with("GET /n ")) ++ok;
    }
}

TEST_SUITE("integration/client") {

TEST_CASE("GET: status, headers, body; the pool keeps one connection") {
    test_server srv(app);
    client_rig rig;
    for (int i = 0; i < 3; ++i) {
        auto r = rig.fetch(base_url(srv.port()) + "/hello?x=" + std::to_string(i));
        CHECK(r.status == 200);
        CHECK(r.reason == "OK");
        CHECK(r.headers.get("content-type") == "text/plain; charset=utf-8");
        CHECK(r.body == "GET /hello?x=" + std::to_string(i) + " auth=- type=- length=- agent=ringkit/" +
                            RINGKIT_VERSION_STRING + " body=");
        CHECK(r.url == base_url(srv.port()) + "/hello?x=" + std::to_string(i));
    }
    CHECK(rig.get().open_connections() == 1);
    auto big = rig.fetch(base_url(srv.port()) + "/big");
    CHECK(big.body == std::string(200'000, 'b'));
    auto head = rig.fetch({.method = method::head, .url = base_url(srv.port()) + "/head"});
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(rig.fetch(base_url(srv.port()) + "/after-head").status == 200);  // the connection still in step
    CHECK(rig.get().open_connections() == 1);
}

TEST_CASE("bodies: JSON, a form, bytes; query parameters; headers") {
    test_server srv(app);
    client_rig rig;
    const auto url = base_url(srv.port()) + "/e";
    CHECK(rig.fetch({.method = method::post, .url = url, .body = ringkit::request_body::json(R"({"a":1})")}).body ==
          R"(POST /e auth=- type=application/json length=7 agent=ringkit/)" RINGKIT_VERSION_STRING R"( body={"a":1})");
    CHECK(rig.fetch({.method = method::put, .url = url, .body = ringkit::request_body::form({{"n", "Ada L"}})}).body ==
          "PUT /e auth=- type=application/x-www-form-urlencoded length=7 agent=ringkit/" RINGKIT_VERSION_STRING
          " body=n=Ada+L");
    CHECK(rig.fetch({.method = method::post, .url = url}).body ==
          "POST /e auth=- type=- length=0 agent=ringkit/" RINGKIT_VERSION_STRING " body=");
    CHECK(rig.fetch({.url = url + "?a=1", .headers = {{"User-Agent", "me"}}, .query = {{"q", "x y&z"}}}).body ==
          "GET /e?a=1&q=x+y%26z auth=- type=- length=- agent=me body=");
}

TEST_CASE("a multipart body, as ringkit's wrap_multipart reads it") {
    ringkit::handler upload = [](request& req) {
        const auto& form = ringkit::multipart_of(req);
        std::string out = "title=" + std::string(form.fields.get("title").value_or("-"));
        if (const auto* f = form.file("doc")) out += " file=" + f->filename + " " + f->content_type + " " + f->data;
        return response::text(out);
    };
    test_server srv(upload | ringkit::wrap_multipart());
    client_rig rig;
    auto r = rig.fetch({.method = method::post,
                        .url = base_url(srv.port()) + "/up",
                        .body = ringkit::request_body::multipart(
                            {{.name = "title", .data = "Hi there"},
                             {.name = "doc", .data = "x,y\r\n1,2", .filename = "t.csv", .content_type = "text/csv"}})});
    CHECK(r.body == "title=Hi there file=t.csv text/csv x,y\r\n1,2");
}

TEST_CASE("basic auth from the request or from the URL's userinfo") {
    test_server srv(app);
    client_rig rig;
    CHECK(rig.fetch({.url = base_url(srv.port()) + "/", .auth = ringkit::basic_auth{"Aladdin", "open sesame"}})
              .body.find("auth=Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ== ") != std::string::npos);
    const auto with_userinfo = std::string(ringkit::test::tls_mode() ? "https" : "http") +
                               "://Aladdin:open%20sesame@127.0.0.1:" + std::to_string(srv.port()) + "/";
    auto r = rig.fetch(with_userinfo);
    CHECK(r.body.find("auth=Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ== ") != std::string::npos);
    CHECK(r.url.find("Aladdin") == std::string::npos);  // credentials never in the URL given back
}

TEST_CASE("redirects are followed up to the limit") {
    test_server srv(app);
    client_rig rig;
    auto r = rig.fetch(base_url(srv.port()) + "/redirect/302/3");
    CHECK(r.status == 200);
    CHECK(r.redirects == 3);
    CHECK(r.url == base_url(srv.port()) + "/redirect/302/0");
    CHECK(rig.error_code_of({.url = base_url(srv.port()) + "/loop"}) == client_error::too_many_redirects);
    CHECK(rig.error_code_of({.url = base_url(srv.port()) + "/redirect/301/3", .max_redirects = 2}) ==
          client_error::too_many_redirects);
    // Off: the 3xx itself.
    auto off = rig.fetch(client_request{.url = base_url(srv.port()) + "/loop", .max_redirects = 0});
    CHECK(off.status == 302);
    CHECK(off.headers.get("location") == "/loop");
}

TEST_CASE("a redirect's method: 303 and 301/302 turn a POST into a GET; 307 and 308 keep it and the body") {
    test_server srv(app);
    client_rig rig;
    auto post = [&](int status) {
        return rig
            .fetch({.method = method::post,
                    .url = base_url(srv.port()) + "/redirect/" + std::to_string(status) + "/1",
                    .body = ringkit::request_body::text("payload")})
            .body;
    };
    CHECK(post(303).starts_with("GET /redirect/303/0 auth=- type=- length=- "));
    CHECK(post(302).starts_with("GET /redirect/302/0 auth=- type=- length=- "));
    CHECK(post(301).starts_with("GET /redirect/301/0 auth=- type=- length=- "));
    CHECK(post(307) == "POST /redirect/307/0 auth=- type=text/plain; charset=utf-8 length=7 agent=ringkit/" +
                           std::string(RINGKIT_VERSION_STRING) + " body=payload");
    CHECK(post(308).ends_with(" length=7 agent=ringkit/" + std::string(RINGKIT_VERSION_STRING) + " body=payload"));
    // A PUT keeps its method through a 303? No: 303 is always a GET.
    CHECK(rig.fetch({.method = method::put, .url = base_url(srv.port()) + "/redirect/303/1"}).body.starts_with("GET "));
}

TEST_CASE("Authorization is dropped when a redirect leaves the origin, kept when it stays") {
    test_server a(app), b(app);
    client_rig rig;
    const auto to_b = base_url(b.port()) + "/landed";
    const auto to_a = base_url(a.port()) + "/landed";
    for (bool header : {false, true}) {
        CAPTURE(header);
        client_request r{.url = base_url(a.port()) + "/away"};
        if (header) r.headers.add("Authorization", "Bearer secret");
        else r.auth = ringkit::basic_auth{"u", "p"};
        r.headers.add("X-To", to_b);
        auto away = rig.fetch(r);
        CHECK(away.url == to_b);
        CHECK(away.body.find("auth=- ") != std::string::npos);
        r.headers.set("X-To", to_a);
        auto stay = rig.fetch(r);
        CHECK(stay.url == to_a);
        CHECK(stay.body.find(header ? "auth=Bearer secret " : "auth=Basic dTpw ") != std::string::npos);
    }
}

TEST_CASE("the future form, from a thread that does not run the io_context") {
    test_server srv(app);
    client_rig rig;
    std::future<ringkit::client_response> f =
        rig.get().request({.url = base_url(srv.port()) + "/future"}, asio::use_future);
    CHECK(f.get().body.starts_with("GET /future "));
    CHECK(rig.get().get(base_url(srv.port()) + "/f2", asio::use_future).get().status == 200);
}

TEST_CASE("the coroutine form and the callback form") {
    test_server srv(app);
    asio::io_context io;
    ringkit::client client(io, options_for_this_run());
    const auto url = base_url(srv.port()) + "/co";
    std::string from_coroutine, from_callback;
    std::error_code callback_error = client_error::closed_early, bad_url_error;
    when_all_done all(client, 2);
    asio::co_spawn(io, from_a_coroutine(client, url, from_coroutine, bad_url_error), all.on_coroutine_end());
    client.request({.url = url}, [&](std::error_code ec, ringkit::client_response r) {
        callback_error = ec;
        from_callback = r.body;
        all.done();
    });
    io.run_for(std::chrono::seconds(10));
    CHECK(from_coroutine.starts_with("GET /co "));
    CHECK(from_callback.starts_with("GET /co "));
    CHECK_FALSE(callback_error);
    CHECK(bad_url_error == client_error::unsupported_scheme);
}

TEST_CASE("the same URL again and again: each request still says what it asked") {
    test_server srv(app);
    client_rig rig;
    const auto url = base_url(srv.port()) + "/same";
    const std::string agent = " agent=ringkit/" RINGKIT_VERSION_STRING;
    for (int i = 0; i < 2; ++i) {
        CHECK(rig.fetch(url).body == "GET /same auth=- type=- length=-" + agent + " body=");
        CHECK(rig.fetch({.url = url, .auth = ringkit::basic_auth{"u", "p"}}).body ==
              "GET /same auth=Basic dTpw type=- length=-" + agent + " body=");
        CHECK(rig.fetch({.url = url, .query = {{"q", "1"}}}).body ==
              "GET /same?q=1 auth=- type=- length=-" + agent + " body=");
        CHECK(rig.fetch({.method = method::post, .url = url}).body ==
              "POST /same auth=- type=- length=0" + agent + " body=");
        CHECK(rig.fetch({.url = url, .headers = {{"User-Agent", "other"}}}).body ==
              "GET /same auth=- type=- length=- agent=other body=");
        CHECK(rig.fetch(url).url == url);
        CHECK(rig.fetch(base_url(srv.port()) + "/other").body ==
              "GET /other auth=- type=- length=-" + agent + " body=");
    }
    CHECK(rig.error_code_of({.url = ""}) == client_error::bad_url);
    CHECK(rig.fetch(url).status == 200);
    CHECK(rig.error_code_of({.url = ""}) == client_error::bad_url);
}

TEST_CASE("two threads run the io_context: coroutines on it and on the client's strand share one pool") {
    test_server srv(app);
    asio::io_context io;
    ringkit::client client(io, options_for_this_run());
    const auto url = base_url(srv.port()) + "/n";
    std::atomic<int> ok{0};
    when_all_done all(client, 12);
    for (int i = 0; i < 6; ++i) {
        asio::co_spawn(io, get_n(client, url, 5, ok), all.on_coroutine_end());  // over to the strand and back
        asio::co_spawn(client.get_executor(), get_n(client, url, 5, ok), all.on_coroutine_end());  // no hop
    }
    std::thread other([&io] { io.run(); });
    io.run();
    other.join();
    CHECK(ok == 60);
    CHECK(client.open_connections() <= client.options().pool.max_per_origin);
}

TEST_CASE("single_thread: coroutines of the io_context's thread, a future from another thread, a callback") {
    test_server srv(app);
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    ringkit::client client(io, options_for_this_run(true));
    CHECK(client.get_executor() == asio::any_io_executor(io.get_executor()));
    const auto url = base_url(srv.port()) + "/n";
    std::atomic<int> ok{0};
    when_all_done all(client, 6);
    for (int i = 0; i < 4; ++i) asio::co_spawn(io, get_n(client, url, 5, ok), all.on_coroutine_end());
    std::string from_callback;
    client.request({.url = url}, [&](std::error_code, ringkit::client_response r) {
        from_callback = r.body;
        all.done();
    });
    std::string from_future;
    std::thread asker([&] {
        from_future = client.get(url, asio::use_future).get().body;
        work.reset();
        all.done();
    });
    io.run();
    asker.join();
    CHECK(ok == 20);
    CHECK(from_callback.starts_with("GET /n "));
    CHECK(from_future.starts_with("GET /n "));
    CHECK(client.open_connections() <= client.options().pool.max_per_origin);
}
}

}  // namespace client_http_tests
