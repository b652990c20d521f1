#include "ringkit/server/connection.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "ringkit/ws/upgrade.hpp"
#include "support/test_stream.hpp"
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

using namespace std::chrono_literals;
using ringkit::handler;
using ringkit::request;
using ringkit::response;
using ringkit::test::stream_script;
using ringkit::test::test_stream;

namespace {

// One connection over a scripted stream, run on a private io_context.
struct harness {
    // Before ctx: a resumed connection's frame, destroyed with ctx, leaves the list.
    ringkit::detail::connection_list list;
    int ended = 0;
    asio::io_context ctx;
    std::shared_ptr<stream_script> script = std::make_shared<stream_script>();
    ringkit::detail::connection_config config;
    handler app = [](request& req) { return response::text("path=" + req.uri); };
    std::unique_ptr<ringkit::connection<test_stream>> conn;
    ringkit::detail::registration registered;  // after conn: it leaves the list first
    std::vector<std::string> logged;
    bool finished = false;

    harness() {
        config.logger = [this](std::string_view m, std::exception_ptr) { logged.emplace_back(m); };
        config.linger_timeout = 50ms;
    }

    /// `in_list`: registered in `list`, as a server's connections are; only such
    /// a connection parks when idle.
    void start(bool in_list = false) {
        conn = std::make_unique<ringkit::connection<test_stream>>(
            test_stream(ctx.get_executor(), script), config, app,
            ringkit::detail::peer_info{"10.0.0.9", "127.0.0.1", 8080});
        if (in_list)
            registered = ringkit::detail::registration(
                list, *conn, [](void* self) noexcept { ++static_cast<harness*>(self)->ended; }, this);
        asio::co_spawn(ctx, conn->run(in_list ? &registered : nullptr), [this](std::exception_ptr e) {
            finished = true;
            if (e) std::rethrow_exception(e);
        });
    }
    /// Closes every connection in the list and lets each end: one still waiting
    /// on the scripted stream at the end of a test would hold its frames there.
    void close_listed() {
        list.for_each([](ringkit::detail::connection_base& c) { c.force_close(); });
        ctx.run_for(1s);
    }
    /// Starts the connection with a registration on a client that sends one GET
    /// and keeps the connection, and runs until it waits for the next request
    /// (parked, by then).
    void answer_then_idle();
    /// Runs the connection until it has closed (bounded).
    std::string run(std::string input) {
        script->input = std::move(input);
        start();
        ctx.run_for(5s);
        CHECK(finished);
        return script->output;
    }
};

/// How many of the list's connections are parked.
int parked(ringkit::detail::connection_list& list) {
    int n = 0;
    list.for_each([&](ringkit::detail::connection_base& c) {
        n += dynamic_cast<ringkit::detail::parked<ringkit::connection<test_stream>>*>(&c) != nullptr;
    });
    return n;
}

int count(const std::string& s, std::string_view what) {
    int n = 0;
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

const std::string get_a = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";

void harness::answer_then_idle() {
    script->eof_when_drained = false;
    script->input = get_a;
    start(true);
    ctx.poll();
}

}  // namespace

TEST_CASE("a request read one byte at a time is answered, then EOF closes") {
    harness h;
    h.script->read_size = 1;
    auto out = h.run(get_a);
    CHECK(out.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(out.ends_with("\r\n\r\npath=/a"));
    CHECK(h.script->closed);
}

TEST_CASE("the request value carries the connection's Ring keys") {
    harness h;
    h.app = [](request& r) {
        return response::text(r.remote_addr + "|" + std::to_string(r.server_port) + "|" + r.server_name + "|" +
                              std::string(r.scheme));
    };
    CHECK(h.run("GET / HTTP/1.0\r\n\r\n").ends_with("10.0.0.9|8080|127.0.0.1|http"));
}

TEST_CASE("a pipelined batch is answered in order with one write") {
    harness h;
    std::string in;
    for (int i = 0; i < 20; ++i) in += "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
    auto out = h.run(in);
    CHECK(count(out, "HTTP/1.1 200 OK") == 20);
    std::size_t pos = 0;
    for (int i = 0; i < 20; ++i) {
        auto at = out.find("path=/" + std::to_string(i), pos);
        REQUIRE(at != std::string::npos);
        pos = at;
    }
    CHECK(h.script->writes == 1);
}

TEST_CASE("partial writes still deliver every byte") {
    harness h;
    h.script->write_size = 3;
    h.app = [](request&) { return response::text(std::string(100000, 'x')); };
    auto out = h.run(get_a + get_a);
    CHECK(count(out, "HTTP/1.1 200 OK") == 2);
    CHECK(count(out, std::string(100000, 'x')) == 2);
}

TEST_CASE("an injected read error ends the connection without an answer") {
    harness h;
    h.script->read_size = 5;
    h.script->fail_read_at = 2;
    auto out = h.run(get_a);
    CHECK(out.empty());
    CHECK(h.script->closed);
}

TEST_CASE("an injected write error ends the connection") {
    harness h;
    h.script->fail_write_at = 0;
    h.run(get_a + get_a);
    CHECK(h.script->output.empty());
    CHECK(h.script->closed);
}

TEST_CASE("a handler exception becomes a generic 500 and reaches the logger") {
    harness h;
    h.app = [](request&) -> response { throw std::runtime_error("secret detail"); };
    auto out = h.run(get_a + get_a);
    CHECK(count(out, "HTTP/1.1 500 Internal Server Error") == 2);  // the connection survives it
    CHECK(out.find("secret") == std::string::npos);
    REQUIRE(h.logged.size() == 2);
}

TEST_CASE("coroutine handlers are awaited") {
    harness h;
    h.app = [](request& req) -> ringkit::task<response> {
        asio::steady_timer t(co_await asio::this_coro::executor, 1ms);
        co_await t.async_wait(asio::use_awaitable);
        co_return response::text("later " + req.uri);
    };
    CHECK(h.run(get_a).ends_with("later /a"));
}

TEST_CASE("a parse error answers the earlier pipelined requests first, then 400 and close") {
    harness h;
    auto out = h.run(get_a + "GET /b HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n" + get_a);
    CHECK(count(out, "HTTP/1.1 200 OK") == 1);
    CHECK(out.find("HTTP/1.1 400 Bad Request") != std::string::npos);
    CHECK(out.find("Connection: close") != std::string::npos);
    CHECK(h.script->shut_down_send);
}

TEST_CASE("Connection: close in a pipeline: answer it, drop what follows") {
    harness h;
    auto out = h.run(get_a + "GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" + get_a);
    CHECK(count(out, "HTTP/1.1 200 OK") == 2);
    CHECK(out.ends_with("path=/c"));
}

TEST_CASE("Expect: 100-continue: the interim response comes before the client sends the body") {
    harness h;
    h.script->eof_when_drained = false;
    h.app = [](request& r) { return response::text("got " + r.body); };
    h.script->input = "PUT /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n";
    h.start();
    h.ctx.poll();
    CHECK(h.script->output == "HTTP/1.1 100 Continue\r\n\r\n");
    h.script->push("data");
    h.ctx.poll();
    CHECK(h.script->output.ends_with("got data"));
    h.conn->force_close();
    h.ctx.run_for(1s);
    CHECK(h.finished);
}

TEST_CASE("request_stop closes an idle connection and lets a busy one finish") {
    harness h;
    h.script->eof_when_drained = false;
    h.script->input = get_a;
    h.start();
    h.ctx.poll();
    CHECK(h.script->output.ends_with("path=/a"));
    h.conn->request_stop();
    h.ctx.run_for(1s);
    CHECK(h.finished);

    harness busy;
    busy.script->eof_when_drained = false;
    asio::steady_timer gate(busy.ctx, std::chrono::steady_clock::time_point::max());
    busy.app = [&](request&) -> ringkit::task<response> {
        co_await gate.async_wait(ringkit::detail::use_tuple);
        co_return response::text("finished");
    };
    busy.script->input = get_a;
    busy.start();
    busy.ctx.poll();
    busy.conn->request_stop();
    busy.ctx.poll();
    CHECK_FALSE(busy.finished);
    gate.cancel();
    busy.ctx.run_for(1s);
    CHECK(busy.finished);
    CHECK(busy.script->output.find("Connection: close") != std::string::npos);
    CHECK(busy.script->output.ends_with("finished"));
}

TEST_CASE("the idle timeout closes a silent keep-alive connection without a response") {
    harness h;
    h.config.idle_timeout = 20ms;
    h.script->eof_when_drained = false;
    auto out = h.run(get_a);
    CHECK(count(out, "HTTP/1.1 200 OK") == 1);
    CHECK(out.find("408") == std::string::npos);
}

TEST_CASE("the header timeout answers 408 to a slow sender") {
    harness h;
    h.config.header_timeout = 20ms;
    h.script->eof_when_drained = false;
    auto out = h.run("GET / HTTP/1.1\r\nHost: h\r\n");
    CHECK(out.starts_with("HTTP/1.1 408 Request Timeout\r\n"));
}

TEST_CASE("streamed bodies are chunked and terminated") {
    harness h;
    h.app = [](request&) {
        return response::stream([](ringkit::body_writer& w) -> ringkit::task<void> {
            co_await w.write("ab");
            co_await w.write("");  // ignored: an empty chunk would end the body early
            co_await w.write(std::string(20, 'c'));
        });
    };
    auto out = h.run(get_a);
    CHECK(out.find("Transfer-Encoding: chunked") != std::string::npos);
    CHECK(out.ends_with("\r\n\r\n2\r\nab\r\n14\r\ncccccccccccccccccccc\r\n0\r\n\r\n"));

    harness old;
    old.app = h.app;
    auto out10 = old.run("GET / HTTP/1.0\r\n\r\n");
    CHECK(out10.find("Connection: close") != std::string::npos);
    CHECK(out10.ends_with("\r\n\r\nabcccccccccccccccccccc"));
}

TEST_CASE("file bodies without sendfile fall back to reads") {
    char path[] = "/tmp/ringkit-conn-XXXXXX";
    int fd = ::mkstemp(path);
    std::string content(200000, '\0');
    for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 26);
    REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    ::close(fd);
    harness h;
    std::string p = path;
    h.app = [p](request&) { return response::file(p); };
    auto out = h.run(get_a);
    CHECK(out.find("Content-Length: 200000") != std::string::npos);
    CHECK(out.ends_with(content));
    std::remove(path);
}

TEST_CASE("HEAD sends the headers of GET and no body") {
    harness h;
    auto out = h.run("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n" + get_a);
    CHECK(out.find("Content-Length: 7\r\n\r\nHTTP/1.1 200 OK") != std::string::npos);
    CHECK(out.ends_with("path=/a"));
}

TEST_CASE("an invalid response from a handler becomes 500") {
    harness h;
    h.app = [](request&) {
        auto r = response::text("x");
        r.headers.add("X-Injected", "a\r\nSet-Cookie: evil=1");
        return r;
    };
    auto out = h.run(get_a);
    CHECK(out.starts_with("HTTP/1.1 500"));
    CHECK(out.find("evil") == std::string::npos);
}

TEST_CASE("ws::accept hands the stream and the bytes after the handshake to a WebSocket session") {
    // The frames arrive over several reads, the first ones together with the
    // handshake: the session starts with them as leftover bytes.
    harness h;
    h.app = [](request& req) -> ringkit::task<response> {
        auto ws = co_await ringkit::ws::accept(req);
        while (auto m = co_await ws.receive()) co_await ws.send(*m);
        co_return response::upgraded();
    };
    const std::string handshake =
        "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    // Masked with the key 00 00 00 00, so the payloads read as sent.
    const std::string text_hi("\x81\x82\0\0\0\0hi", 8);
    const std::string close_1000("\x88\x82\0\0\0\0\x03\xe8", 8);
    h.script->read_size = 3;  // the frames arrive over several reads
    auto out = h.run(handshake + text_hi + close_1000);
    CHECK(out.starts_with("HTTP/1.1 101"));
    CHECK(out.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != std::string::npos);
    CHECK(out.find(std::string("\x81\x02hi", 4)) != std::string::npos);
    CHECK(out.ends_with(std::string("\x88\x02\x03\xe8", 4)));
}

TEST_CASE("a 101 that cannot be written ends the connection instead of waiting for a session") {
    harness h;
    bool opened = true;
    h.app = [&](request& req) -> ringkit::task<response> {
        auto ws = co_await ringkit::ws::accept(req);
        opened = static_cast<bool>(ws);
        co_return response::upgraded();
    };
    h.script->fail_write_at = 0;
    h.run(
        "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    CHECK_FALSE(opened);
    CHECK(h.script->closed);
}

// ---- the response writer, shared by ordinary responses and HTTP channels ------

TEST_CASE("an HTTP channel streams through the response writer: chunks, the last chunk, then the next request") {
    harness h;
    h.script->write_size = 7;           // partial writes all along
    const std::string big(20000, 'y');  // past the cork limit: a buffer of its own
    h.app = [&big](request& req) {
        if (req.uri != "/a") return response::text("path=" + req.uri);
        return ringkit::as_channel(req, {.on_open = [&big](ringkit::channel& ch) {
                                       ch.send(response::text("first"), false);
                                       ch.send(std::string(), false);  // no bytes: no chunk
                                       ch.send(big, false);
                                       ch.close();
                                   }});
    };
    auto out = h.run(get_a + "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(count(out, "Transfer-Encoding: chunked\r\n") == 1);
    CHECK(out.find("\r\n\r\n5\r\nfirst\r\n4e20\r\n" + big + "\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n") != std::string::npos);
    CHECK(out.ends_with("path=/b"));
}

TEST_CASE("an HTTP channel to an HTTP/1.0 client: the body ends with the connection, no chunk framing") {
    harness h;
    h.app = [](request& req) {
        return ringkit::as_channel(req, {.on_open = [](ringkit::channel& ch) {
                                       ch.send(response::text("ab"), false);
                                       ch.send("cd", false);
                                       ch.close();
                                   }});
    };
    auto out = h.run("GET /a HTTP/1.0\r\n\r\n");
    CHECK(out.find("Transfer-Encoding") == std::string::npos);
    CHECK(out.find("Connection: close\r\n") != std::string::npos);
    CHECK(out.ends_with("\r\n\r\nabcd"));
    CHECK(h.script->closed);
}

TEST_CASE("keep-alive is decided once for every answer: the response's Connection: close ends a channel's stream too") {
    harness h;
    h.app = [&ctx = h.ctx](request& req) {
        if (req.uri != "/a") return response::text("path=" + req.uri);
        auto head = response::text("x");
        head.headers.set("Connection", "close");
        return ringkit::as_channel(req, {.on_open = [head, &ctx](ringkit::channel& ch) {
                                       ch.send(head, false);
                                       // Later, so the head goes out as a streamed response's.
                                       asio::post(ctx, [ch] { ch.close(); });
                                   }});
    };
    auto out = h.run(get_a + "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(out.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    CHECK(out.find("Connection: close\r\n") != std::string::npos);
    CHECK(out.ends_with("\r\n\r\n1\r\nx\r\n0\r\n\r\n"));  // the pipelined /b is not answered
    CHECK(count(out, "HTTP/1.1 ") == 1);
    CHECK(h.script->closed);
}

TEST_CASE("a request kept past its connection finds no connection to take over") {
    request kept;
    {
        harness h;
        h.app = [&kept](request& req) {
            kept = req;
            return response::text("ok");
        };
        h.run(get_a);
    }
    REQUIRE(kept.upgrade);                                        // the handle outlives the connection...
    CHECK(ringkit::detail::upgrade_context_of(kept) == nullptr);  // ...and says there is none
    CHECK(ringkit::as_channel(kept, {}).status == 404);           // as outside a server
}

// ---- parking: an idle keep-alive connection (server/parked.hpp) -----------

TEST_CASE("an answered keep-alive connection parks, and its next request is served by a new one") {
    harness h;
    h.answer_then_idle();
    CHECK(count(h.script->output, "HTTP/1.1 200 OK") == 1);
    CHECK(h.finished);           // the connection and its coroutine are gone...
    CHECK(parked(h.list) == 1);  // ...and the socket waits in the parked state
    CHECK_FALSE(h.script->closed);
    CHECK(h.ended == 0);
    h.script->push("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
    h.ctx.poll();
    CHECK(count(h.script->output, "HTTP/1.1 200 OK") == 2);
    CHECK(h.script->output.ends_with("path=/b"));
    CHECK(h.list.size() == 1);
    CHECK(h.ended == 0);
    h.close_listed();
    CHECK(h.script->closed);
    CHECK(h.ended == 1);
    CHECK(h.list.size() == 0);
}

TEST_CASE("requests pipelined into a parked connection are answered in order, in one write") {
    harness h;
    h.answer_then_idle();
    REQUIRE(parked(h.list) == 1);
    const int writes = h.script->writes;
    h.script->push("GET /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\n\r\n");
    h.ctx.poll();
    const auto& out = h.script->output;
    CHECK(count(out, "HTTP/1.1 200 OK") == 3);
    CHECK(out.find("path=/a") < out.find("path=/b"));
    CHECK(out.find("path=/b") < out.find("path=/c"));
    CHECK(h.script->writes == writes + 1);
    h.close_listed();
    CHECK(h.ended == 1);
}

TEST_CASE("a request begun in the read that would have parked is read whole, not parked half-way") {
    harness h;
    h.script->eof_when_drained = false;
    h.script->read_size = get_a.size();  // the first read takes /a alone; the next finds /b's start
    h.script->input = get_a + "GET /b HTTP/1.1\r\n";
    h.start(true);
    h.ctx.poll();
    CHECK(parked(h.list) == 0);
    h.script->push("Host: h\r\n\r\n");
    h.ctx.poll();
    CHECK(count(h.script->output, "HTTP/1.1 200 OK") == 2);
    CHECK(h.script->output.ends_with("path=/b"));
    h.close_listed();
    CHECK(h.finished);  // the first connection served both: its registration is the harness's
}

TEST_CASE("the idle timeout closes a parked connection without a response") {
    harness h;
    h.config.idle_timeout = 50ms;
    h.answer_then_idle();
    REQUIRE(parked(h.list) == 1);
    h.ctx.run_for(2s);
    CHECK(h.script->closed);
    CHECK(h.ended == 1);
    CHECK(h.list.size() == 0);
    CHECK(count(h.script->output, "HTTP/1.1") == 1);
}

TEST_CASE("stop reaches a parked connection: request_stop closes it") {
    harness h;
    h.answer_then_idle();
    REQUIRE(parked(h.list) == 1);
    h.list.for_each([](ringkit::detail::connection_base& c) { c.request_stop(); });
    h.ctx.run_for(1s);
    CHECK(h.script->closed);
    CHECK(h.ended == 1);
    CHECK(h.list.size() == 0);
}

TEST_CASE("a client that half-closes while parked: its EOF is read and the connection closes") {
    harness h;
    h.answer_then_idle();
    REQUIRE(parked(h.list) == 1);
    const auto before = h.script->output;
    h.script->client_eof();
    h.ctx.run_for(1s);
    CHECK(h.script->closed);
    CHECK(h.ended == 1);
    CHECK(h.script->output == before);
}

TEST_CASE("a busy connection that goes quiet parks once its idle read has waited, and is served after") {
    harness h;
    h.config.idle_timeout = 4s;  // the watchdog wakes every 2 s; parking waits 1 s
    h.answer_then_idle();
    REQUIRE(parked(h.list) == 1);  // its first answer: parked at once
    h.script->push(get_a);         // a second request right away: a busy client...
    h.ctx.poll();
    CHECK(count(h.script->output, "HTTP/1.1 200 OK") == 2);
    CHECK(parked(h.list) == 0);  // ...waits in its read, with its buffers
    for (int i = 0; i < 400 && parked(h.list) == 0 && !h.script->closed; ++i) h.ctx.run_one_for(10ms);
    CHECK(parked(h.list) == 1);
    h.script->push("GET /late HTTP/1.1\r\nHost: h\r\n\r\n");
    h.ctx.poll();
    CHECK(h.script->output.ends_with("path=/late"));
    CHECK(h.ended == 0);
    h.close_listed();
    CHECK(h.ended == 1);
}

TEST_CASE("without a registration (no server's list to reach it) a connection never parks") {
    harness h;
    h.script->eof_when_drained = false;
    h.script->input = get_a;
    h.start();
    h.ctx.poll();
    CHECK_FALSE(h.finished);
    h.conn->force_close();
    h.ctx.run_for(1s);
    CHECK(h.finished);
}
