// The WebSocket client (ws::connect) against servers nobody here wrote: Python's
// websockets and Node's ws (tests/clients/ws_echo_server.{py,js}), each over ws://
// and wss:// (with OpenSSL: the test CA's certificate, support/tls_certs.hpp) and
// with permessage-deflate on and off. Run for real by the ctest entry ws_client_interop
// (tests/clients/CMakeLists.txt, RINGKIT_TEST_CLIENTS), which names the
// interpreters: RINGKIT_WS_PYTHON (a python3 with websockets), RINGKIT_WS_NODE and
// RINGKIT_WS_NODE_DIR (node, and where npm installs ws). A server that cannot start
// fails the test; without those variables (the plain integration run) it says so
// and checks nothing.
#include "ringkit/client/ws_connect.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "integration/websocket_protocol_support.hpp"
#include "integration/ws_client_support.hpp"

using namespace ringkit;
using namespace ringkit::test;
using namespace ringkit::test::wsp;

namespace ws_client_interop_test {

// A server process: its standard input is ours (closing it stops the server), and
// the first line it prints is its port.
class peer_process {
public:
    explicit peer_process(std::vector<std::string> argv) {
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        int to[2], from[2];
        REQUIRE(::pipe(to) == 0);
        REQUIRE(::pipe(from) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(to[0], 0);
            ::dup2(from[1], 1);
            for (int fd : {to[0], to[1], from[0], from[1]}) ::close(fd);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        ::close(to[0]);
        ::close(from[1]);
        in_ = to[1];
        std::FILE* out = ::fdopen(from[0], "r");
        char line[64] = {};
        if (out && std::fgets(line, sizeof line, out)) port_ = static_cast<std::uint16_t>(std::atoi(line));
        if (out) std::fclose(out);  // the server prints nothing more
    }
    peer_process(const peer_process&) = delete;
    peer_process& operator=(const peer_process&) = delete;
    ~peer_process() {
        ::close(in_);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    std::uint16_t port() const noexcept { return port_; }

private:
    pid_t pid_ = -1;
    int in_ = -1;
    std::uint16_t port_ = 0;
};

struct peer {
    std::string name;
    std::vector<std::string> argv;  // without --no-deflate
};

std::vector<peer> peers() {
    std::vector<peer> out;
    const std::string scripts = std::string(RINGKIT_SOURCE_DIR) + "/tests/clients/";
    if (const char* py = std::getenv("RINGKIT_WS_PYTHON"); py && *py)
        out.push_back({"python websockets", {py, scripts + "ws_echo_server.py"}});
    const char* node = std::getenv("RINGKIT_WS_NODE");
    const char* dir = std::getenv("RINGKIT_WS_NODE_DIR");
    if (node && *node && dir && *dir) out.push_back({"node ws", {node, scripts + "ws_echo_server.js", dir}});
    return out;
}

// Against one server at `url`: echoes of every kind and size with ping and pong,
// the server closing; then the client closing. `deflate`: the server agrees to it.
void round_trip(const std::string& url, const ws::connect_options& base, bool deflate) {
    // Echo of every kind and size, ping and pong, then the server closes.
    std::optional<close_status> status;
    std::string extensions, pong;
    bool agreed = false;
    CHECK(run_client([&]() -> task<void> {
        ws::connect_options o = base;
        o.config.deflate.enabled = true;  // offered always: the server decides
        o.config.deflate.min_size = 1;
        auto ws = co_await ws::connect(url, o);
        agreed = ws.channel().core()->deflate.has_value();
        ws.channel().on_pong([&](channel&, std::string_view d) { pong = d; });
        co_await ws.send("?extensions");
        if (auto m = co_await ws.receive()) extensions = m->data;
        const std::vector<ws::message> messages{ws::text("hello"), ws::text(""), ws::binary(all_bytes(1000)),
                                                ws::text(compressible(300'000)), ws::binary(all_bytes(1 << 20))};
        co_await expect_echoes(ws, messages);
        co_await expect_echoes(ws, messages);  // over the contexts the first round left
        CHECK(ws.ping("are you there") == send_status::queued);
        co_await ws.send("close:4001:bye");
        while (co_await ws.receive()) {}
        status = ws.status();
    }));
    CHECK(agreed == deflate);
    CHECK(extensions.starts_with("permessage-deflate") == deflate);
    CHECK(pong == "are you there");
    REQUIRE(status);
    CHECK(status->code == 4001);
    CHECK(status->reason == "bye");
    CHECK(status->by_server);

    // The client closes, with its code.
    status.reset();
    CHECK(run_client([&]() -> task<void> {
        auto ws = co_await ws::connect(url, base);
        co_await ws.send("one");
        CHECK(co_await ws.receive());
        ws.close(4005, "client done");
        while (co_await ws.receive()) {}
        status = ws.status();
    }));
    REQUIRE(status);
    CHECK(status->code == 4005);
    CHECK_FALSE(status->by_server);
}

TEST_CASE("ws::connect against Python's websockets and Node's ws servers, ws and wss, permessage-deflate on and off") {
    const auto list = peers();
    if (list.empty()) {
        MESSAGE(
            "no independent WebSocket servers named (RINGKIT_WS_PYTHON, RINGKIT_WS_NODE): "
            "the ctest entry ws_client_interop runs this file with them");
        return;
    }
    std::vector<bool> tls_modes{false};
#if RINGKIT_HAS_OPENSSL
    tls_modes.push_back(true);
#endif
    for (const auto& p : list) {
        for (const bool tls : tls_modes) {
            for (const bool deflate : {true, false}) {
                CAPTURE(p.name);
                CAPTURE(tls);
                CAPTURE(deflate);
                auto argv = p.argv;
                if (!deflate) argv.push_back("--no-deflate");
                ws::connect_options base;
#if RINGKIT_HAS_OPENSSL
                if (tls) {
                    argv.insert(argv.end(),
                                {"--tls", test_certs().path("server.pem"), test_certs().path("server.key")});
                    base.tls.ca_file = test_certs().ca();
                }
#endif
                peer_process server(argv);
                REQUIRE_MESSAGE(server.port() != 0, p.name, " did not start (see its message above)");
                const std::string url =
                    (tls ? "wss://localhost:" : "ws://127.0.0.1:") + std::to_string(server.port()) + "/echo";
                round_trip(url, base, deflate);
            }
        }
    }
}

}  // namespace ws_client_interop_test
