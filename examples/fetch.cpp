// fetch: a small curl on rk::client, and a WebSocket line client on rk::ws::connect.
//   fetch [-X METHOD] [-H 'Name: value']... [-d BODY | --data-file FILE] [-o FILE]
//         [--max-redirects N] [--timeout SECONDS] [--cacert FILE] [--insecure] URL
//   fetch --ws URL        (each line of standard input a text message; each message received a line)
// The status line and headers go to stderr, the body to stdout (or -o FILE). Exit
// codes (`fetch --help`) follow curl's where curl has one.
#include <ringkit/client/client.hpp>
#include <ringkit/client/ws_connect.hpp>

#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_future.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

namespace rk = ringkit;

namespace {

constexpr const char* usage =
    "usage: fetch [-X METHOD] [-H 'Name: value']... [-d BODY | --data-file FILE] [-o FILE]\n"
    "             [--max-redirects N] [--timeout SECONDS] [--cacert FILE] [--insecure] URL\n"
    "       fetch --ws URL\n"
    "\n"
    "Writes the status line and headers to stderr and the body to stdout (or FILE).\n"
    "-d sends BODY (POST unless -X says otherwise), as application/x-www-form-urlencoded\n"
    "unless -H gives a Content-Type. Redirects are followed, 5 by default.\n"
    "--ws sends each line of standard input as a text message, prints each message\n"
    "received on its own line, and closes (1000) at the end of the input.\n"
    "\n"
    "Exit codes (curl's numbers):\n"
    "   0  a response below 400 (--ws: closed cleanly)\n"
    "   2  bad usage\n"
    "   3  bad URL\n"
    "   6  could not resolve the host\n"
    "   7  could not connect\n"
    "   8  the server's answer broke HTTP or WebSocket rules\n"
    "  22  a response of 400 or above (the body is still written)\n"
    "  23  could not write the output\n"
    "  26  could not read --data-file\n"
    "  28  timed out\n"
    "  47  too many redirects\n"
    "  56  the connection failed otherwise (--ws: the server closed with a code other than 1000)\n"
    "  60  the server's certificate did not verify\n"
    "  77  could not load --cacert\n";

struct arguments {
    rk::client_request request;
    std::optional<std::string> data_file, output;
    rk::client_options options;
    bool ws = false;
};

[[noreturn]] void bad_usage(const std::string& why) {
    std::fprintf(stderr, "fetch: %s\n%s", why.c_str(), usage);
    std::exit(2);
}

double number(const std::string& flag, const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(v >= 0)) bad_usage(flag + " needs a number");
    return v;
}

arguments parse(int argc, char** argv) {
    arguments a;
    std::optional<std::string> method;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) bad_usage(flag + " needs a value");
            return argv[++i];
        };
        if (flag == "--help" || flag == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else if (flag == "-X") {
            method = value();
        } else if (flag == "-H") {
            const std::string h = value();
            const auto colon = h.find(':');
            if (colon == std::string::npos || colon == 0) bad_usage("-H needs 'Name: value'");
            const auto start = std::min(h.find_first_not_of(" \t", colon + 1), h.size());
            a.request.headers.add(h.substr(0, colon), h.substr(start));
        } else if (flag == "-d") {
            a.request.body = rk::request_body::bytes(value(), "application/x-www-form-urlencoded");
        } else if (flag == "--data-file") {
            a.data_file = value();
        } else if (flag == "-o") {
            a.output = value();
        } else if (flag == "--max-redirects") {
            a.request.max_redirects = static_cast<int>(number(flag, value()));
        } else if (flag == "--timeout") {
            const auto ms = static_cast<long>(number(flag, value()) * 1000);
            if (ms <= 0) bad_usage("--timeout needs a time above a millisecond");
            a.request.timeout = std::chrono::milliseconds(ms);
        } else if (flag == "--cacert") {
            a.options.tls.ca_file = value();
        } else if (flag == "--insecure" || flag == "-k") {
            a.options.tls.insecure = true;
        } else if (flag == "--ws") {
            a.ws = true;
        } else if (!flag.empty() && flag[0] == '-') {
            bad_usage("unknown option " + flag);
        } else if (a.request.url.empty()) {
            a.request.url = flag;
        } else {
            bad_usage("one URL only");
        }
    }
    if (a.request.url.empty()) bad_usage("no URL");
    if (a.request.body && a.data_file) bad_usage("-d or --data-file, not both");
    const bool has_body = a.request.body || a.data_file;
    a.request.method = method ? rk::method_from_name(*method) : has_body ? rk::method::post : rk::method::get;
    if (a.request.method == rk::method::other) bad_usage("unknown method " + *method);
    return a;
}

// A failure as one line on stderr, and its exit code.
int fail(const std::system_error& e) {
    std::fprintf(stderr, "fetch: %s\n", e.what());
    const auto ec = e.code();
    if (ec == rk::client_error::bad_url || ec == rk::client_error::unsupported_scheme) return 3;
    if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again) return 6;
    if (ec == asio::error::connection_refused || ec == asio::error::network_unreachable) return 7;
    if (ec == rk::client_error::connect_timeout || ec == rk::client_error::read_timeout ||
        ec == rk::client_error::total_timeout || ec == rk::ws::handshake_error::timeout)
        return 28;
    if (ec == rk::client_error::too_many_redirects) return 47;
    if (ec == rk::client_error::tls_verification_failed) return 60;
    if (ec.category() == rk::client_category() || ec.category() == rk::ws::handshake_error_category()) return 8;
    return 56;
}

// Runs `main_task` on `io` to its end; its exit code, or the failure's.
int run(asio::io_context& io, rk::task<int> main_task, rk::client* client = nullptr) {
    int code = 0;
    asio::co_spawn(io, std::move(main_task), [&](const std::exception_ptr& e, int c) {
        // The connection the pool keeps would hold run() until its idle timeout.
        if (client) client->close_idle();
        code = c;
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::system_error& x) {
            code = fail(x);
        } catch (const std::exception& x) {  // a header or URL the client cannot send
            std::fprintf(stderr, "fetch: %s\n", x.what());
            code = 2;
        }
    });
    io.run();
    return code;
}

// The request, its head to stderr and its body to `out` as it arrives (a download
// larger than memory streams through); the exit code.
rk::task<int> fetch(rk::client& client, rk::client_request request, std::ostream& out) {
    auto r = co_await client.stream(std::move(request));
    std::fprintf(stderr, "HTTP/1.%d %d %s\n", r.version_minor, r.status, r.reason.c_str());
    for (const auto& [name, value] : r.headers)
        std::fprintf(stderr, "%.*s: %.*s\n", static_cast<int>(name.size()), name.data(), static_cast<int>(value.size()),
                     value.data());
    while (auto chunk = co_await r.body.read())
        if (!out.write(chunk->data(), static_cast<std::streamsize>(chunk->size()))) break;
    if (!out.flush()) {
        std::fprintf(stderr, "fetch: cannot write the body\n");
        co_return 23;
    }
    co_return r.status >= 400 ? 22 : 0;
}

int http(arguments a) {
    if (a.data_file) {  // streamed from the file as the request is written
        try {
            a.request.body = rk::request_body::file(*a.data_file, "application/x-www-form-urlencoded");
        } catch (const std::exception&) {
            std::fprintf(stderr, "fetch: cannot read %s\n", a.data_file->c_str());
            return 26;
        }
    }
    std::ofstream file;
    if (a.output) {
        file.open(*a.output, std::ios::binary | std::ios::trunc);
        if (!file) {
            std::fprintf(stderr, "fetch: cannot open %s\n", a.output->c_str());
            return 23;
        }
    }
    std::ostream& out = a.output ? static_cast<std::ostream&>(file) : std::cout;

    asio::io_context io;
    std::optional<rk::client> client;
    try {
        client.emplace(io, a.options);
    } catch (const std::runtime_error& e) {  // a --cacert that does not load
        std::fprintf(stderr, "fetch: %s\n", e.what());
        return 77;
    }
    return run(io, fetch(*client, std::move(a.request), out), &*client);
}

// How long the server must stay silent after the end of the input before we close:
// a WebSocket delivers no message once our close is sent, so the answers to the
// last lines are awaited first.
constexpr auto quiet_period = std::chrono::milliseconds(250);

struct ws_connection {
    rk::ws::stream ws;
    std::size_t received = 0;  // messages so far; read and written on the io_context's thread only
};

rk::task<bool> send_line(ws_connection& s, std::string line) {
    co_return co_await s.ws.send(std::move(line)) == rk::send_status::queued;
}

rk::task<void> close_when_quiet(ws_connection& s) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (std::size_t seen = s.received + 1; seen != s.received;) {
        seen = s.received;
        timer.expires_after(quiet_period);
        co_await timer.async_wait(asio::use_awaitable);
    }
    s.ws.close();  // 1000; the receive loop ends when the server's close comes back
}

// Standard input, a line at a time, on a thread of its own (a blocking read must
// not stop the io_context): each line is sent from the connection's thread, and
// the next read waits for that send, so a fast producer meets the stream's
// back-pressure.
struct line_sender {
    std::atomic<bool> input_ended = false;
    bool abandoned = false;  // the server closed first, with the thread blocked in a read
    std::thread thread;

    void start(asio::io_context& io, ws_connection& s) {
        thread = std::thread([this, &io, &s] {
            std::string line;
            while (std::getline(std::cin, line))
                if (!asio::co_spawn(io, send_line(s, line), asio::use_future).get()) break;
            input_ended = true;
            asio::co_spawn(io, close_when_quiet(s), asio::detached);
        });
    }
    // Nothing interrupts a blocking read: a thread still in one is left to die with the process.
    void stop() {
        if (!thread.joinable()) return;
        abandoned = !input_ended;
        if (abandoned) thread.detach();
        else thread.join();
    }
};

// Messages received, a line each, until the close handshake ends; the exit code.
rk::task<int> talk(asio::io_context& io, std::string url, rk::ws::connect_options options, line_sender& sender) {
    ws_connection s{co_await rk::ws::connect(std::move(url), std::move(options))};
    sender.start(io, s);
    while (auto m = co_await s.ws.receive()) {
        ++s.received;
        std::cout.write(m->data.data(), static_cast<std::streamsize>(m->data.size())).put('\n');
        std::cout.flush();
    }
    sender.stop();
    const auto status = s.ws.status();
    if (status && status->code == rk::ws::close_code::normal) co_return 0;
    std::fprintf(stderr, "fetch: the WebSocket closed with %d %s\n", status ? status->code : 1006,
                 status ? status->reason.c_str() : "");
    co_return 56;
}

int websocket(arguments a) {
    rk::ws::connect_options options;
    options.tls = a.options.tls;  // --cacert, --insecure
    asio::io_context io;
    line_sender sender;
    const int code = run(io, talk(io, std::move(a.request.url), std::move(options), sender));
    if (sender.abandoned) {  // its thread may still use `io`: leave without destroying it
        std::cout.flush();
        std::_Exit(code);
    }
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    arguments a = parse(argc, argv);
    return a.ws ? websocket(std::move(a)) : http(std::move(a));
}
