// The WebSocket client (ws::connect) over loopback: against ringkit's own server
// (echo, the close handshake from either end with codes, ping and pong,
// permessage-deflate on and off, subprotocols, the message limit) and against a
// scripted raw server that sends what a broken or hostile one would (a masked
// frame, frames in the same packet as the 101, a bad 101, no answer at all);
// and wss:// against ringkit's TLS server with the test CA (support/tls_certs.hpp,
// made at test time): the same echoes and closes over TLS, deflate on and off,
// the listener form, and the certificate checks (an unknown CA, another host's
// certificate, insecure). The TLS cases set the server's certificate themselves,
// whatever RINGKIT_TEST_TLS says. Events and frames are asserted, never timings.
#include "ringkit/client/ws_connect.hpp"

#include <doctest/doctest.h>

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "integration/websocket_protocol_support.hpp"
#include "integration/ws_client_support.hpp"

using namespace ringkit;
using namespace ringkit::test;
using namespace ringkit::test::wsp;

namespace ws_client_test {

std::string url(std::uint16_t port, std::string_view path) {
    return "ws://127.0.0.1:" + std::to_string(port) + std::string(path);
}

// ---- ringkit's server ---------------------------------------------------------------

// Echo until closed, then log how. "close:CODE:REASON" makes the server close.
task<response> echo(request& req, event_log& log, ws::accept_options opts = {}) {
    auto ws = co_await ws::accept(req, std::move(opts));
    if (!ws) co_return ws.answer();
    log.add("open " + ws.protocol());
    while (auto m = co_await ws.receive()) {
        if (m->data.starts_with("close:")) {
            auto colon = m->data.find(':', 6);
            ws.close(static_cast<std::uint16_t>(std::stoi(m->data.substr(6, colon - 6))), m->data.substr(colon + 1));
            continue;
        }
        co_await ws.send(std::move(*m));
    }
    if (auto st = ws.status())
        log.add("close " + std::to_string(st->code) + " " + st->reason + (st->by_server ? " by-server" : " by-client"));
    co_return ws.answer();
}

// Pings the client once open, logs the pong, then echoes.
task<response> pinger(request& req, event_log& log) {
    auto ws = co_await ws::accept(req);
    ws.channel().on_pong([&log](channel&, std::string_view d) { log.add("pong " + std::string(d)); });
    ws.ping("are you there");
    while (auto m = co_await ws.receive()) co_await ws.send(std::move(*m));
    co_return ws.answer();
}

// Says whether the connection is TLS, and what SNI and ALPN it agreed, then echoes.
task<response> whoami(request& req) {
    const std::string tls = req.tls ? "tls sni=" + req.tls->server_name + " alpn=" + req.tls->alpn : "plain";
    auto ws = co_await ws::accept(req);
    co_await ws.send(tls);
    while (auto m = co_await ws.receive()) co_await ws.send(std::move(*m));
    co_return ws.answer();
}

// Sends a message of 2000 bytes at once.
task<response> big(request& req, event_log& log) {
    auto ws = co_await ws::accept(req);
    co_await ws.send(std::string(2000, 'b'));
    while (co_await ws.receive()) {}
    if (auto st = ws.status()) log.add("close " + std::to_string(st->code));
    co_return ws.answer();
}

handler app(event_log& log) {
    return [&log](request& req) -> maybe_task {
        const auto& p = req.uri;
        if (p == "/echo") return echo(req, log);
        if (p == "/proto") return echo(req, log, {.protocols = {"chat", "superchat"}});
        if (p == "/deflate") return echo(req, log, {.deflate = ws::deflate_options{.enabled = true}});
        if (p == "/deflate-small")
            return echo(req, log,
                        {.deflate = ws::deflate_options{.enabled = true,
                                                        .server_max_window_bits = 10,
                                                        .client_max_window_bits = 9,
                                                        .server_no_context_takeover = true,
                                                        .client_no_context_takeover = true}});
        if (p == "/ping") return pinger(req, log);
        if (p == "/big") return big(req, log);
        if (p == "/whoami") return whoami(req);
        if (p == "/listener") return ws::listener_response(req, logging_listener(log, "listener", true));
        return response::not_found();
    };
}

struct server {
    event_log log;
    test_server srv{app(log)};
    std::string url(std::string_view path) const { return ws_client_test::url(srv.port(), path); }
};

TEST_CASE("ws::connect to ringkit's server: messages of every kind and size echo, and the client closes") {
    server s;
    std::optional<close_status> status;
    CHECK(run_client([&]() -> task<void> {
        auto ws = co_await ws::connect(s.url("/echo"));
        REQUIRE(ws);
        CHECK(ws.is_open());
        const std::vector<ws::message> messages{ws::text("hello"), ws::binary(all_bytes(300)), ws::text(""),
                                                ws::binary(all_bytes(1 << 20)), ws::text(compressible(70'000))};
        co_await expect_echoes(ws, messages);
        CHECK(ws.close(4005, "done here"));
        CHECK_FALSE(co_await ws.receive());
        status = ws.status();
    }));
    REQUIRE(status);
    CHECK(status->code == 4005);
    CHECK_FALSE(status->by_server);
    CHECK(s.log.wait_for("close 4005 done here by-client"));
    CHECK(wait_for_connections(s.srv, 0));
}

// Asks the echo server at `url` to close with 4001 "bye": the client sees that
// close, by the server, and the server the client's echo of it (in `log`).
void expect_server_close(const std::string& url, const event_log& log, const ws::connect_options& options = {}) {
    std::optional<close_status> status;
    CHECK(run_client([&]() -> task<void> {
        auto ws = co_await ws::connect(url, options);
        co_await ws.send("close:4001:bye");
        CHECK_FALSE(co_await ws.receive());
        status = ws.status();
    }));
    REQUIRE(status);
    CHECK(status->code == 4001);
    CHECK(status->reason == "bye");
    CHECK(status->by_server);
    CHECK(log.wait_for("close 4001 bye by-server"));
}

TEST_CASE("the server closes: its code and reason reach the client, which echoes them") {
    server s;
    expect_server_close(s.url("/echo"), s.log);
}

TEST_CASE("ping and pong both ways: the client answers the server's ping, and gets the pong to its own") {
    server s;
    std::string pong;
    CHECK(run_client([&]() -> task<void> {
        auto ws = co_await ws::connect(s.url("/ping"));
        ws.channel().on_pong([&](channel&, std::string_view d) { pong = d; });
        CHECK(ws.ping("abc") == send_status::queued);
        co_await ws.send("after the ping");
        auto back = co_await ws.receive();  // the pong came before it
        REQUIRE(back);
        CHECK(back->data == "after the ping");
        ws.close();
        while (co_await ws.receive()) {}
    }));
    CHECK(pong == "abc");
    CHECK(s.log.wait_for("pong are you there"));
}

TEST_CASE("permessage-deflate: agreed when both ends want it, with each side's parameters") {
    server s;
    struct agreed {
        bool on;
        ws::deflate_params params;
    };
    auto connect = [&](std::string_view path, ws::deflate_options d) {
        agreed a{};
        CHECK(run_client([&]() -> task<void> {
            ws::connect_options o;
            o.config.deflate = d;
            o.config.deflate.min_size = 1;
            auto ws = co_await ws::connect(s.url(path), o);
            const auto& core = ws.channel().core();
            a.on = core->deflate.has_value();
            if (a.on) a.params = core->deflate->params;
            const std::vector<ws::message> messages{ws::text(compressible(50'000)), ws::text("x"),
                                                    ws::text(compressible(3000)), ws::text("")};
            co_await expect_echoes(ws, messages);
            ws.close();
            while (co_await ws.receive()) {}
        }));
        return a;
    };
    SUBCASE("on") {
        auto a = connect("/deflate", {.enabled = true});
        CHECK(a.on);
        CHECK(a.params == ws::deflate_params{});
    }
    SUBCASE("on, with windows and resets: the client's session holds them from its side") {
        auto a = connect("/deflate-small", {.enabled = true});
        REQUIRE(a.on);
        CHECK(a.params.server_max_window_bits == 9);  // ours: the server's client_max_window_bits
        CHECK(a.params.client_max_window_bits == 10);
        CHECK(a.params.server_no_context_takeover);
        CHECK(a.params.client_no_context_takeover);
    }
    SUBCASE("the client asks for resets and a small server window") {
        auto a = connect("/deflate", {.enabled = true,
                                      .server_max_window_bits = 11,
                                      .client_max_window_bits = 12,
                                      .server_no_context_takeover = true,
                                      .client_no_context_takeover = true});
        REQUIRE(a.on);
        CHECK(a.params.server_max_window_bits == 12);
        CHECK(a.params.client_max_window_bits == 11);
        CHECK(a.params.server_no_context_takeover);
        CHECK(a.params.client_no_context_takeover);
    }
    SUBCASE("off: the client does not offer") { CHECK_FALSE(connect("/deflate", {}).on); }
    SUBCASE("off: the server does not agree") { CHECK_FALSE(connect("/echo", {.enabled = true}).on); }
}

TEST_CASE("subprotocols: the server's choice among those offered") {
    server s;
    std::string chosen = "unset";
    CHECK(run_client([&]() -> task<void> {
        ws::connect_options o;
        o.protocols = {"other", "superchat", "chat"};
        auto ws = co_await ws::connect(s.url("/proto"), o);
        chosen = ws.protocol();
        ws.close();
        while (co_await ws.receive()) {}
    }));
    CHECK(chosen == "chat");  // the server's preference
    CHECK(s.log.wait_for("open chat"));
}

TEST_CASE("a message over the client's max_message: the client closes with 1009") {
    server s;
    std::optional<close_status> status;
    CHECK(run_client([&]() -> task<void> {
        ws::connect_options o;
        o.config.max_message = 1000;
        auto ws = co_await ws::connect(s.url("/big"), o);
        CHECK_FALSE(co_await ws.receive());
        status = ws.status();
    }));
    REQUIRE(status);
    CHECK(status->code == 1009);
    CHECK_FALSE(status->by_server);
    CHECK(s.log.wait_for("close 1009"));
}

TEST_CASE("a refused or failed handshake throws its error") {
    server s;
    CHECK(connect_error(s.url("/nowhere")) == ws::handshake_error::not_switching);
    CHECK(connect_error("ws://127.0.0.1:1/") == asio::error::connection_refused);
    CHECK(connect_error("ws://bad host/") == client_error::bad_url);
    CHECK(connect_error("http://127.0.0.1/") == client_error::unsupported_scheme);
#if RINGKIT_HAS_OPENSSL
    CHECK(connect_error("wss://127.0.0.1:1/") == asio::error::connection_refused);
#else
    std::string what;
    CHECK(connect_error("wss://127.0.0.1/", {}, &what) == client_error::unsupported_scheme);
    CHECK(what.find("OpenSSL") != std::string::npos);
#endif
}

// A Ring listener connected to `url`'s /listener (ringkit's logging listener):
// sends "hi", closes with 4003 on the echo; the client's events in order.
std::vector<std::string> listener_round(const std::string& url, const ws::connect_options& options = {}) {
    event_log events;
    asio::io_context io;
    ws::connect(
        io.get_executor(), url,
        {
            .on_open = [&](ws::socket& sock) { sock.send("hi"); },
            .on_message =
                [&](ws::socket& sock, ws::message&& m) {
                    events.add("message " + m.data);
                    sock.close(4003, "enough");
                },
            .on_error = [&](ws::socket&, std::error_code ec) { events.add("error " + ec.message()); },
            .on_close = [&](ws::socket&, const close_status& st) { events.add("close " + std::to_string(st.code)); },
        },
        options);
    io.run_for(io_timeout);
    CHECK(io.stopped());
    return events.events();
}

TEST_CASE("the Ring listener form: callbacks on the client's thread, on_close once") {
    server s;
    CHECK(listener_round(s.url("/listener")) == std::vector<std::string>{"message hi", "close 4003"});
    CHECK(s.log.wait_for("listener/close 4003 enough"));

    event_log failed;
    asio::io_context io2;
    ws::connect(io2.get_executor(), s.url("/nowhere"),
                {
                    .on_open = [&](ws::socket&) { failed.add("open"); },
                    .on_error =
                        [&](ws::socket& sock, std::error_code ec) {
                            failed.add(ec == ws::handshake_error::not_switching && !sock.is_open() ? "refused" : "?");
                        },
                    .on_close = [&](ws::socket&, const close_status&) { failed.add("close"); },
                });
    io2.run_for(io_timeout);
    CHECK(failed.events() == std::vector<std::string>{"refused"});
}

// ---- a scripted raw server ----------------------------------------------------------

// One connection on 127.0.0.1: reads the handshake request, then `script` gets the
// socket and the request's Sec-WebSocket-Key. Blocking, on a thread of its own:
// each script reads only what the client under test sends, or its end.
class raw_server {
public:
    using script_fn = std::function<void(asio::ip::tcp::socket&, const std::string& key)>;
    explicit raw_server(script_fn script)
        : acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0)),
          thread_([this, script = std::move(script)] { serve(script); }) {}
    raw_server(const raw_server&) = delete;
    raw_server& operator=(const raw_server&) = delete;
    ~raw_server() {
        std::error_code ignored;
        acceptor_.close(ignored);
        wait();
    }
    // Until the script is done (the client must have connected): what it wrote
    // may be read after this (a join; the socket between them is no sync to TSan).
    void wait() {
        if (thread_.joinable()) thread_.join();
    }
    std::string url() const { return ws_client_test::url(acceptor_.local_endpoint().port(), "/"); }

private:
    void serve(const script_fn& script) {
        std::error_code ec;
        asio::ip::tcp::socket s(io_);
        acceptor_.accept(s, ec);
        if (ec) return;
        std::string request;
        asio::read_until(s, asio::dynamic_buffer(request), "\r\n\r\n", ec);
        if (ec) return;
        const auto at = request.find("Sec-WebSocket-Key: ");
        if (at == std::string::npos) return;
        script(s, request.substr(at + 19, 24));
    }

    asio::io_context io_;
    asio::ip::tcp::acceptor acceptor_;
    std::thread thread_;
};

std::string switching(const std::string& key) {
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
           ws::accept_key(key) + "\r\n\r\n";
}

// The next frame from the client, which must be masked; unmasked here.
std::optional<ws_frame> read_client_frame(asio::ip::tcp::socket& s, std::string& pending) {
    ws::frame_header h;
    for (;;) {
        auto st = ws::decode_header(pending, h, {.require_mask = true, .allow_rsv1 = true});
        if (st == ws::header_status::protocol_error) return std::nullopt;
        if (st == ws::header_status::ok && pending.size() >= h.size + h.length) break;
        char buf[4096];
        std::error_code ec;
        auto n = s.read_some(asio::buffer(buf), ec);
        if (ec) return std::nullopt;
        pending.append(buf, n);
    }
    std::string payload = pending.substr(h.size, static_cast<std::size_t>(h.length));
    ws::apply_mask(payload, h.mask_key, 0);
    pending.erase(0, h.size + static_cast<std::size_t>(h.length));
    return ws_frame{h.op, h.fin, h.rsv1, std::move(payload)};
}

TEST_CASE("frames sent in the same packet as the 101 are the WebSocket's first messages") {
    std::optional<ws_frame> close_frame;
    raw_server raw([&](asio::ip::tcp::socket& s, const std::string& key) {
        asio::write(s, asio::buffer(switching(key) + client_frame(opcode::text, "early", true, false, false) +
                                    client_frame(opcode::binary, "bird", true, false, false)));
        std::string pending;
        close_frame = read_client_frame(s, pending);
        asio::write(s, asio::buffer(client_frame(opcode::close, close_payload(1000), true, false, false)));
    });
    std::vector<std::string> got;
    CHECK(run_client([&]() -> task<void> {
        auto ws = co_await ws::connect(raw.url());
        for (int i = 0; i < 2; ++i)
            if (auto m = co_await ws.receive()) got.push_back(m->data);
        ws.close();
        while (co_await ws.receive()) {}
    }));
    CHECK(got == std::vector<std::string>{"early", "bird"});
    raw.wait();
    REQUIRE(close_frame);  // masked, or read_client_frame would have refused it
    CHECK(close_frame->op == opcode::close);
    CHECK(close_frame->close_code() == 1000);
}

TEST_CASE("a masked frame from the server: the client fails the connection with 1002") {
    std::optional<ws_frame> close_frame;
    raw_server raw([&](asio::ip::tcp::socket& s, const std::string& key) {
        asio::write(s, asio::buffer(switching(key)));
        asio::write(s, asio::buffer(client_frame(opcode::text, "masked")));  // masked, as only a client may
        std::string pending;
        close_frame = read_client_frame(s, pending);
    });
    std::optional<close_status> status;
    std::vector<std::string> got;
    CHECK(run_client([&]() -> task<void> {
        auto ws = co_await ws::connect(raw.url());
        while (auto m = co_await ws.receive()) got.push_back(m->data);
        status = ws.status();
    }));
    CHECK(got.empty());
    REQUIRE(status);
    CHECK(status->code == 1002);
    raw.wait();
    REQUIRE(close_frame);
    CHECK(close_frame->close_code() == 1002);
}

TEST_CASE("a 101 with the wrong Sec-WebSocket-Accept is refused") {
    raw_server raw([](asio::ip::tcp::socket& s, const std::string&) {
        asio::write(s, asio::buffer(switching("dGhlIHNhbXBsZSBub25jZQ==")));
        char c;
        std::error_code ec;
        s.read_some(asio::buffer(&c, 1), ec);  // until the client goes
    });
    CHECK(connect_error(raw.url()) == ws::handshake_error::bad_accept);
}

TEST_CASE("a server that never answers: handshake_error::timeout") {
    raw_server raw([](asio::ip::tcp::socket& s, const std::string&) {
        char c;
        std::error_code ec;
        s.read_some(asio::buffer(&c, 1), ec);  // until the client gives up
    });
    ws::connect_options o;
    o.handshake_timeout = 200ms;
    CHECK(connect_error(raw.url(), o) == ws::handshake_error::timeout);
}

TEST_CASE("a server that closes before its answer is complete: closed_early") {
    raw_server raw([](asio::ip::tcp::socket& s, const std::string&) {
        asio::write(s, asio::buffer(std::string_view("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n")));
    });
    CHECK(connect_error(raw.url()) == client_error::closed_early);
}

// ---- wss, against ringkit's TLS server ------------------------------------------------

#if RINGKIT_HAS_OPENSSL

// A server with the test CA's certificate `cert` ("server": localhost and
// 127.0.0.1; "other": other.test only).
struct tls_server {
    event_log log;
    test_server srv;
    explicit tls_server(const std::string& cert = "server") : srv(app(log), serving(cert)) {}
    std::string url(std::string_view path, std::string_view host = "localhost") const {
        return "wss://" + std::string(host) + ':' + std::to_string(srv.port()) + std::string(path);
    }
    static server_options serving(const std::string& cert) {
        server_options o;
        o.tls.certificates.push_back({test_certs().path(cert + ".pem"), test_certs().path(cert + ".key")});
        return o;
    }
};

ws::connect_options trusting_test_ca() {
    ws::connect_options o;
    o.tls.ca_file = test_certs().ca();
    return o;
}

TEST_CASE("wss: messages of every kind and size echo over TLS, permessage-deflate on and off; the client closes") {
    tls_server s;
    for (bool deflate : {false, true}) {
        CAPTURE(deflate);
        std::string hello;
        bool agreed = !deflate;
        std::optional<close_status> status;
        CHECK(run_client([&]() -> task<void> {
            auto o = trusting_test_ca();
            o.config.deflate.enabled = deflate;
            o.config.deflate.min_size = 1;
            auto who = co_await ws::connect(s.url("/whoami"), o);
            if (auto m = co_await who.receive()) hello = m->data;
            who.close();
            while (co_await who.receive()) {}

            auto ws = co_await ws::connect(s.url("/deflate"), o);
            agreed = ws.channel().core()->deflate.has_value();
            const std::vector<ws::message> messages{ws::text("hello"), ws::binary(all_bytes(300)), ws::text(""),
                                                    ws::binary(all_bytes(1 << 20)), ws::text(compressible(70'000))};
            co_await expect_echoes(ws, messages);
            co_await expect_echoes(ws, messages);  // over the contexts the first round left
            CHECK(ws.close(4005, "done here"));
            CHECK_FALSE(co_await ws.receive());
            status = ws.status();
        }));
        CHECK(hello == "tls sni=localhost alpn=http/1.1");
        CHECK(agreed == deflate);
        REQUIRE(status);
        CHECK(status->code == 4005);
        CHECK_FALSE(status->by_server);
        CHECK(s.log.wait_for("close 4005 done here by-client"));
        s.log.clear();
    }
    CHECK(wait_for_connections(s.srv, 0));
}

TEST_CASE("wss: the server closes; its code and reason reach the client, which echoes them") {
    tls_server s;
    for (bool deflate : {false, true}) {
        CAPTURE(deflate);
        auto o = trusting_test_ca();
        o.config.deflate.enabled = deflate;
        expect_server_close(s.url("/deflate"), s.log, o);
        s.log.clear();
    }
}

TEST_CASE("wss: the Ring listener form") {
    tls_server s;
    CHECK(listener_round(s.url("/listener"), trusting_test_ca()) ==
          std::vector<std::string>{"message hi", "close 4003"});
    CHECK(s.log.wait_for("listener/close 4003 enough"));
}

TEST_CASE("wss: the server's certificate is verified, against the system's store unless told otherwise") {
    tls_server s;
    std::string what;
    SUBCASE("the system's store does not know the test CA: verification fails, saying why") {
        CHECK(connect_error(s.url("/echo"), {}, &what) == client_error::tls_verification_failed);
        CHECK(what.find("local issuer") != std::string::npos);  // OpenSSL's reason
    }
    SUBCASE("the test CA: by name, and by IP address (no SNI then)") {
        std::string by_ip;
        CHECK(run_client([&]() -> task<void> {
            auto ws = co_await ws::connect(s.url("/whoami", "127.0.0.1"), trusting_test_ca());
            if (auto m = co_await ws.receive()) by_ip = m->data;
            ws.close();
            while (co_await ws.receive()) {}
        }));
        CHECK(by_ip == "tls sni= alpn=http/1.1");
    }
    SUBCASE("a CA file that cannot be loaded: std::runtime_error, or invalid_argument for a listener") {
        ws::connect_options o;
        o.tls.ca_file = "/nonexistent/ca.pem";
        bool thrown = false;
        CHECK(run_client([&]() -> task<void> {
            try {
                co_await ws::connect(s.url("/echo"), o);
            } catch (const std::system_error&) {
            } catch (const std::runtime_error& e) {
                thrown = std::string(e.what()).find("/nonexistent/ca.pem") != std::string::npos;
            }
        }));
        CHECK(thrown);
        std::error_code got;
        asio::io_context io;
        ws::connect(io.get_executor(), s.url("/echo"), {.on_error = [&](ws::socket&, std::error_code ec) { got = ec; }},
                    o);
        io.run_for(io_timeout);
        CHECK(got == std::errc::invalid_argument);
    }
    SUBCASE("wss to a plain server: the handshake fails, and not as verification") {
        server plain;
        auto ec = connect_error("wss://localhost:" + std::to_string(plain.srv.port()) + "/echo", trusting_test_ca());
        CHECK(ec);
        CHECK(ec != client_error::tls_verification_failed);
    }
}

TEST_CASE("wss: a certificate for another host fails verification; insecure skips every check") {
    tls_server s("other");  // other.test and *.other.test
    std::string what;
    CHECK(connect_error(s.url("/echo"), trusting_test_ca(), &what) == client_error::tls_verification_failed);
    CHECK(what.find("mismatch") != std::string::npos);
    CHECK(connect_error(s.url("/echo", "127.0.0.1"), trusting_test_ca()) == client_error::tls_verification_failed);

    ws::connect_options insecure;
    insecure.tls.insecure = true;
    std::string hello;
    CHECK(run_client([&]() -> task<void> {
        auto ws = co_await ws::connect(s.url("/whoami"), insecure);
        if (auto m = co_await ws.receive()) hello = m->data;
        const std::vector<ws::message> one{ws::text("over an unchecked connection")};
        co_await expect_echoes(ws, one);
        ws.close();
        while (co_await ws.receive()) {}
    }));
    CHECK(hello == "tls sni=localhost alpn=http/1.1");
}

TEST_CASE("wss: a server that accepts TCP and never answers the TLS handshake: handshake_error::timeout") {
    raw_server raw([](asio::ip::tcp::socket&, const std::string&) {});  // reads until the client gives up
    ws::connect_options o = trusting_test_ca();
    o.handshake_timeout = 200ms;
    auto url = raw.url();
    url.replace(0, 2, "wss");
    CHECK(connect_error(url, o) == ws::handshake_error::timeout);
}

#endif

}  // namespace ws_client_test
