// client_bench: load from ringkit's own client, on one io_context thread, driven by
// client_run.sh.
//
//   client_bench http URL [--concurrency 16] [--duration 5] [--strand 1]
//   client_bench ws   URL [--concurrency 50] [--size 32] [--kind text|binary] [--duration 5]
//
// http: `concurrency` coroutines, each looping `co_await client.get(URL)` until the
//   duration is up, over the client's keep-alive pool (sized to the concurrency, so
//   each coroutine keeps a connection of its own). Every answer must be a 200. The
//   client is single_thread (one thread runs the io_context); --strand 1 keeps its
//   default strand instead.
// ws: `concurrency` connections from rk::ws::connect, each looping: send one message
//   of `size` bytes, receive its echo, compare; then a close handshake.
// Prints one line, its CPU from getrusage(RUSAGE_SELF) over the load alone:
//   http concurrency=16 secs=5.00 requests=N errors=E cpu_s=C per_cpu_s=X
//   ws concurrency=50 size=32 kind=text secs=5.00 messages=N errors=E cpu_s=C per_cpu_s=X
// Exit status 1 if any request or echo failed.
#include <ringkit/client/client.hpp>
#include <ringkit/client/ws_connect.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

namespace rk = ringkit;
using clock_type = std::chrono::steady_clock;

namespace {

struct settings {
    std::string mode, url;
    std::size_t concurrency = 16;
    std::size_t size = 32;
    bool binary = false;
    bool strand = false;  // --strand: the client's default strand, though one thread runs the io_context
    double duration = 5;
};

struct tally {
    std::size_t done = 0, errors = 0;
    std::size_t running = 0;  // workers not yet finished
    asio::io_context* io = nullptr;
    clock_type::time_point end;
};

double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

void note_error(tally& t, const char* what) {
    if (++t.errors <= 5) std::fprintf(stderr, "client_bench: %s\n", what);
}

rk::task<void> http_worker(rk::client& client, const std::string& url, tally& t) {
    while (clock_type::now() < t.end) {
        try {
            const auto r = co_await client.get(url);
            if (r.status == 200) ++t.done;
            else note_error(t, "a status other than 200");
        } catch (const std::exception& e) {
            note_error(t, e.what());
        }
    }
    // The client's pool keeps idle connections (and may keep a timer for them):
    // the load is over when the last worker is.
    if (--t.running == 0) t.io->stop();
}

rk::task<void> ws_worker(const settings& s, tally& t, std::size_t id) {
    try {
        auto ws = co_await rk::ws::connect(s.url);
        std::string payload(s.size, 'a');
        for (std::size_t n = 0; clock_type::now() < t.end; ++n) {
            payload[n % s.size] = static_cast<char>('a' + (n + id) % 26);  // each message differs
            const rk::ws::message m(s.binary ? rk::ws::message_kind::binary : rk::ws::message_kind::text, payload);
            co_await ws.send(m);
            auto echo = co_await ws.receive();
            if (!echo || *echo != m) {
                note_error(t, "a missing or wrong echo");
                co_return;
            }
            ++t.done;
        }
        ws.close();
        while (co_await ws.receive()) {}
    } catch (const std::exception& e) {
        note_error(t, e.what());
    }
}

settings parse(int argc, char** argv) {
    settings s;
    if (argc < 3) {
        std::fprintf(stderr,
                     "usage: client_bench http|ws URL [--concurrency N] [--size BYTES] [--kind text|binary] "
                     "[--duration SECONDS]\n");
        std::exit(2);
    }
    s.mode = argv[1];
    s.url = argv[2];
    for (int i = 3; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--concurrency") s.concurrency = std::strtoul(value.c_str(), nullptr, 10);
        else if (flag == "--size") s.size = std::strtoul(value.c_str(), nullptr, 10);
        else if (flag == "--kind") s.binary = value == "binary";
        else if (flag == "--duration") s.duration = std::atof(value.c_str());
        else if (flag == "--strand") s.strand = value == "1";
    }
    if (s.concurrency == 0 || s.size == 0 || (s.mode != "http" && s.mode != "ws")) {
        std::fprintf(stderr, "client_bench: bad arguments\n");
        std::exit(2);
    }
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    const settings s = parse(argc, argv);
    asio::io_context io(1);
    rk::client_options options;
    options.pool.max_per_origin = options.pool.max_total = s.concurrency;
    options.single_thread = !s.strand;  // io.run() on this thread only, as beast_client's
    rk::client client(io, options);
    tally t;
    const auto secs = std::chrono::duration<double>(s.duration);
    t.end = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(secs);

    const double cpu0 = cpu_seconds();
    const auto t0 = clock_type::now();
    t.running = s.concurrency;
    t.io = &io;
    for (std::size_t i = 0; i < s.concurrency; ++i) {
        if (s.mode == "http") asio::co_spawn(io, http_worker(client, s.url, t), asio::detached);
        else asio::co_spawn(io, ws_worker(s, t, i), asio::detached);
    }
    io.run();
    const double cpu = cpu_seconds() - cpu0;
    const double wall = std::chrono::duration<double>(clock_type::now() - t0).count();

    if (s.mode == "http")
        std::printf("http concurrency=%zu secs=%.2f requests=%zu errors=%zu cpu_s=%.3f per_cpu_s=%.0f\n", s.concurrency,
                    wall, t.done, t.errors, cpu, cpu > 0 ? static_cast<double>(t.done) / cpu : 0.0);
    else
        std::printf("ws concurrency=%zu size=%zu kind=%s secs=%.2f messages=%zu errors=%zu cpu_s=%.3f per_cpu_s=%.0f\n",
                    s.concurrency, s.size, s.binary ? "binary" : "text", wall, t.done, t.errors, cpu,
                    cpu > 0 ? static_cast<double>(t.done) / cpu : 0.0);
    return t.errors ? 1 : 0;
}
