// broadcast_bench: what a channel_set broadcast to many permessage-deflate
// WebSockets costs the server, with and without the shared compressor.
//
//   broadcast_bench [--conns 1000] [--messages 200] [--size 1024] [--mode shared|own|plain]
//
// One process: a ringkit server (one I/O thread) whose /ws route adds every
// WebSocket to a channel_set, and one client thread that opens `conns`
// WebSockets on 127.0.0.1 (offering permessage-deflate) and reads everything.
// The main thread broadcasts `messages` different JSON-like texts of `size`
// bytes, waiting after each until every client has its frame. Modes:
//   shared  server_no_context_takeover: each broadcast compressed once, shared
//   own     context takeover: each socket compresses the broadcast itself
//   plain   no permessage-deflate
// Prints one line: deliveries, the wire bytes per delivery, and deliveries per
// CPU-second of the server's side (the process's CPU time minus the client
// thread's). Bounded: gives up after 60 s.
#include <ringkit.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace rk = ringkit;
using namespace std::chrono_literals;

namespace {

double cpu_seconds(int who) {
    rusage ru{};
    getrusage(who, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// A client: one socket, counting the frames the server sends (unmasked headers).
struct client {
    int fd = -1;
    std::string buf;
    std::atomic<long> frames{0};

    void count_frames() {
        std::size_t at = 0;
        for (;;) {
            if (buf.size() - at < 2) break;
            auto b1 = static_cast<unsigned char>(buf[at + 1]) & 0x7f;
            std::size_t head = 2, len = b1;
            if (b1 == 126) {
                if (buf.size() - at < 4) break;
                head = 4;
                len = (static_cast<std::size_t>(static_cast<unsigned char>(buf[at + 2])) << 8) |
                      static_cast<unsigned char>(buf[at + 3]);
            } else if (b1 == 127) {
                std::fprintf(stderr, "unexpected 64-bit frame\n");
                std::exit(1);
            }
            if (buf.size() - at < head + len) break;
            at += head + len;
            frames.fetch_add(1, std::memory_order_relaxed);
        }
        buf.erase(0, at);
    }
};

int open_ws(std::uint16_t port, bool offer_deflate) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::perror("connect");
        std::exit(1);
    }
    std::string req =
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    if (offer_deflate) req += "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
    req += "\r\n";
    if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) std::exit(1);
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos && ::read(fd, &c, 1) == 1) head += c;
    if (!head.starts_with("HTTP/1.1 101")) {
        std::fprintf(stderr, "handshake failed: %s\n", head.c_str());
        std::exit(1);
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

std::string message_text(int i, std::size_t size) {
    std::string s = "{\"seq\":" + std::to_string(i) + ",\"room\":\"lobby\",\"items\":[";
    while (s.size() + 40 < size)
        s += "{\"id\":" + std::to_string(s.size() * 7 + static_cast<std::size_t>(i)) + ",\"ok\":true},";
    s += "{}]}";
    s.resize(size, ' ');
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    int conns = 1000, messages = 200;
    std::size_t size = 1024;
    std::string mode = "shared";
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view flag = argv[i];
        if (flag == "--conns") conns = std::atoi(argv[i + 1]);
        else if (flag == "--messages") messages = std::atoi(argv[i + 1]);
        else if (flag == "--size") size = static_cast<std::size_t>(std::atol(argv[i + 1]));
        else if (flag == "--mode") mode = argv[i + 1];
    }

    rk::channel_set set;
    rk::server_options options;
    options.ip = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    options.max_connections = static_cast<std::size_t>(conns) + 100;
    options.websocket.deflate.enabled = mode != "plain";
    options.websocket.deflate.server_no_context_takeover = mode == "shared";
    rk::handler app = [&set](rk::request& req) -> rk::response {
        return rk::as_channel(req, {.on_open = [&set](rk::channel& ch) { set.add(ch); }});
    };
    rk::server server(app, options);
    server.start();

    std::vector<client> clients(static_cast<std::size_t>(conns));
    for (auto& c : clients) c.fd = open_ws(server.port(), mode != "plain");
    while (set.size() < clients.size()) std::this_thread::sleep_for(1ms);

    std::atomic<bool> done{false};
    double client_cpu = 0;
    long wire_bytes = 0;
    std::thread reader([&] {
        std::vector<pollfd> fds;
        for (auto& c : clients) fds.push_back({c.fd, POLLIN, 0});
        char chunk[65536];
        while (!done) {
            ::poll(fds.data(), fds.size(), 10);
            for (std::size_t i = 0; i < fds.size(); ++i) {
                if (!(fds[i].revents & POLLIN)) continue;
                for (;;) {
                    auto n = ::read(fds[i].fd, chunk, sizeof chunk);
                    if (n <= 0) break;
                    wire_bytes += n;
                    clients[i].buf.append(chunk, static_cast<std::size_t>(n));
                }
                clients[i].count_frames();
            }
        }
        client_cpu = thread_cpu_seconds();
    });

    const double cpu_before = cpu_seconds(RUSAGE_SELF);
    const auto start = std::chrono::steady_clock::now();
    for (int m = 0; m < messages; ++m) {
        set.broadcast(rk::ws::text(message_text(m, size)));
        // Wait until every client has it: the next broadcast measures a fresh one.
        for (;;) {
            bool all = true;
            for (auto& c : clients) all = all && c.frames.load(std::memory_order_relaxed) >= m + 1;
            if (all) break;
            if (std::chrono::steady_clock::now() - start > 60s) {
                std::fprintf(stderr, "timed out at message %d\n", m);
                std::exit(1);
            }
            std::this_thread::sleep_for(100us);
        }
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    done = true;
    reader.join();
    const double server_cpu = cpu_seconds(RUSAGE_SELF) - cpu_before - client_cpu;
    const long deliveries = static_cast<long>(conns) * messages;
    std::printf(
        "broadcast mode=%s conns=%d messages=%d size=%zu deliveries=%ld wire_bytes_per_delivery=%.0f secs=%.2f "
        "server_cpu_s=%.3f deliveries_per_server_cpu_s=%.0f\n",
        mode.c_str(), conns, messages, size, deliveries,
        static_cast<double>(wire_bytes) / static_cast<double>(deliveries), secs, server_cpu,
        static_cast<double>(deliveries) / server_cpu);
    for (auto& c : clients) ::close(c.fd);
    server.stop();
    return 0;
}
