// ws_million: many idle WebSockets from one process at a few dozen bytes each, for
// million_run.sh. ws_load keeps a 16 KiB buffer and coroutine frames per connection,
// which a million connections cannot afford; this keeps a fd, a state byte, a count
// and the time of the last message, on one thread with raw epoll.
//
//   ws_million hold --port P [--host 127.0.0.1] [--source 127.0.0.2] [--path /ws/broadcast/million]
//                   [--conns 19000] [--batch 500] [--expect 1] [--hold 120] [--ready-file F] [--done-file F]
//   ws_million send --port P [--path ...] [--text MESSAGE]
//
// hold: opens `conns` connections from --source (each bound to the next free port of that
//   address: one process, one source address), at most `batch` handshakes in
//   flight; checks each 101 (the Sec-WebSocket-Accept of the key sent); writes the
//   ready file (its open time in seconds and the count) once all are open; once every
//   connection has received `expect` text messages it prints, and writes to the done file,
//     hold conns=N opened=N open_s=S received=M complete=C last_ns=T errors=E
//   and holds on until `hold` seconds have passed (or it is stopped; at the deadline it
//   prints the line if it has not). Pings are answered. last_ns: CLOCK_MONOTONIC of
//   the last message received (the same clock in every process of the machine). The
//   connections are closed by exiting: the servers see the end of the stream, as when
//   a client process dies.
// send: one connection; sends one masked text frame, waits for its own copy back
//   (a broadcast room includes the sender) and prints
//     send sent_ns=T echoed_ns=U
// Exit status 1 on any error (handshake refused, a server close, a bad frame, a timeout).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace {

// RFC 6455 §1.3's sample key and its accept value: every connection sends the same
// key (a benchmark client; the server computes the accept for each, checked here).
constexpr std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view accept_name = "sec-websocket-accept:", accept_value = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

std::uint64_t now_ns() {
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(t.tv_nsec);
}

struct options {
    std::string mode, host = "127.0.0.1", source, path = "/ws/broadcast/million", ready_file, done_file,
                      text = "hello, a million";
    unsigned port = 0;
    std::size_t conns = 19000, batch = 500, expect = 1;
    double hold = 120;
};

enum class state : std::uint8_t { connecting, handshaking, open, failed };

// One connection. `partial` holds bytes only while a 101 or a frame is split
// across reads, which on loopback is rare: an idle connection's string is empty.
struct conn {
    int fd = -1;
    state st = state::connecting;
    std::uint32_t received = 0;
    std::string partial;
};

struct run {
    options opt;
    int ep = -1;
    std::vector<conn> conns;
    std::size_t next = 0, in_flight = 0, opened = 0, complete = 0, received = 0, errors = 0;
    std::uint64_t last_ns = 0;
    std::string request;

    void error(const char* what, std::size_t id) {
        if (errors++ < 5) std::fprintf(stderr, "ws_million: connection %zu: %s\n", id, what);
    }
};

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "usage: ws_million hold --port P [--host H] [--source A] [--path P] [--conns N] [--batch N]\n"
                 "                       [--expect N] [--hold S] [--ready-file F] [--done-file F]\n"
                 "       ws_million send --port P [--host H] [--path P] [--text MESSAGE]\n");
    std::exit(2);
}

options parse(int argc, char** argv) {
    if (argc < 2) usage();
    options o;
    o.mode = argv[1];
    if (o.mode != "hold" && o.mode != "send") usage();
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc) usage();
        const std::string_view f = argv[i];
        const char* v = argv[i + 1];
        if (f == "--port") o.port = static_cast<unsigned>(std::atoi(v));
        else if (f == "--host") o.host = v;
        else if (f == "--source") o.source = v;
        else if (f == "--path") o.path = v;
        else if (f == "--conns") o.conns = std::strtoul(v, nullptr, 10);
        else if (f == "--batch") o.batch = std::strtoul(v, nullptr, 10);
        else if (f == "--expect") o.expect = std::strtoul(v, nullptr, 10);
        else if (f == "--hold") o.hold = std::atof(v);
        else if (f == "--ready-file") o.ready_file = v;
        else if (f == "--done-file") o.done_file = v;
        else if (f == "--text") o.text = v;
        else usage();
    }
    if (o.port == 0 || o.port > 65535 || o.conns == 0 || o.batch == 0 || o.text.size() > 125) usage();
    return o;
}

int open_socket(const options& o) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!o.source.empty()) {
        // Each port of our own source address in turn: the kernel's search for a free
        // ephemeral port slows down sharply once most of its range is taken (19,000
        // connections: 40 s instead of 3 s), and a process holds one address alone.
        static unsigned next_port = 1024;
        sockaddr_in src{};
        src.sin_family = AF_INET;
        inet_pton(AF_INET, o.source.c_str(), &src.sin_addr);
        for (;;) {
            if (next_port > 65535) {
                close(fd);
                errno = EADDRNOTAVAIL;
                return -1;
            }
            src.sin_port = htons(static_cast<std::uint16_t>(next_port++));
            if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) == 0) break;
            if (errno != EADDRINUSE) {
                close(fd);
                return -1;
            }
        }
    }
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<std::uint16_t>(o.port));
    inet_pton(AF_INET, o.host.c_str(), &dst.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

void watch(run& r, std::size_t id, std::uint32_t events, int op) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id;
    epoll_ctl(r.ep, op, r.conns[id].fd, &ev);
}

void fail(run& r, std::size_t id, const char* what) {
    conn& c = r.conns[id];
    if (c.st == state::handshaking || c.st == state::connecting) --r.in_flight;
    r.error(what, id);
    c.st = state::failed;
    epoll_ctl(r.ep, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = -1;
    c.partial = {};
}

void start_more(run& r) {
    while (r.in_flight < r.opt.batch && r.next < r.conns.size()) {
        const std::size_t id = r.next++;
        r.conns[id].fd = open_socket(r.opt);
        ++r.in_flight;
        if (r.conns[id].fd < 0) {
            fail(r, id, std::strerror(errno));
            continue;
        }
        watch(r, id, EPOLLOUT, EPOLL_CTL_ADD);
    }
}

bool write_all(int fd, const void* data, std::size_t n) {
    const auto* p = static_cast<const char*>(data);
    while (n > 0) {  // small writes to a fresh socket: the send buffer takes them at once
        const ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

// A masked frame from the client; mask key 0 keeps the payload as it is (the
// servers check that a mask is present, not what it is).
bool send_frame(int fd, std::uint8_t opcode, std::string_view payload) {
    std::string f;
    f.push_back(static_cast<char>(0x80 | opcode));
    f.push_back(static_cast<char>(0x80 | payload.size()));
    f.append(4, '\0');
    f.append(payload);
    return write_all(fd, f.data(), f.size());
}

bool iequals_prefix(std::string_view text, std::string_view lower_prefix) {
    if (text.size() < lower_prefix.size()) return false;
    for (std::size_t i = 0; i < lower_prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != lower_prefix[i]) return false;
    return true;
}

// Checks a whole 101 response head.
bool good_101(std::string_view head) {
    if (!head.starts_with("HTTP/1.1 101 ")) return false;
    for (std::size_t at = head.find("\r\n"); at != std::string_view::npos; at = head.find("\r\n", at + 2))
        if (auto line = head.substr(at + 2); iequals_prefix(line, accept_name)) {
            line = line.substr(accept_name.size(), line.find("\r\n") - accept_name.size());
            while (line.starts_with(' ')) line.remove_prefix(1);
            return line.starts_with(accept_value) &&
                   line.substr(accept_value.size()).find_first_not_of(' ') == line.npos;
        }
    return false;
}

// Consumes whole frames from `data`; returns the bytes used, or -1 on a protocol
// error. Text messages are counted; a ping is answered; anything else is an error.
long frames(run& r, std::size_t id, std::string_view data) {
    conn& c = r.conns[id];
    std::size_t used = 0;
    while (data.size() - used >= 2) {
        const auto b0 = static_cast<std::uint8_t>(data[used]), b1 = static_cast<std::uint8_t>(data[used + 1]);
        if ((b1 & 0x80) || (b0 & 0x70) || !(b0 & 0x80)) return -1;  // masked, RSV bits or fragmented
        std::size_t len = b1 & 0x7f, head = 2;
        if (len == 126) {
            if (data.size() - used < 4) break;
            len = static_cast<std::size_t>(static_cast<std::uint8_t>(data[used + 2]) << 8 |
                                           static_cast<std::uint8_t>(data[used + 3]));
            head = 4;
        } else if (len == 127) {
            return -1;  // a broadcast of this benchmark is small
        }
        if (data.size() - used < head + len) break;
        const std::string_view payload = data.substr(used + head, len);
        const std::uint8_t op = b0 & 0x0f;
        if (op == 0x1) {
            ++c.received;
            ++r.received;
            r.last_ns = now_ns();
            if (c.received == r.opt.expect) ++r.complete;
        } else if (op == 0x9) {
            if (!send_frame(c.fd, 0xA, payload)) return -1;
        } else {
            return -1;  // a close, binary or continuation frame: not what a held socket expects
        }
        used += head + len;
    }
    return static_cast<long>(used);
}

void on_event(run& r, std::size_t id, std::uint32_t events) {
    conn& c = r.conns[id];
    if (c.st == state::connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) return fail(r, id, err ? std::strerror(err) : "connect");
        if (!write_all(c.fd, r.request.data(), r.request.size())) return fail(r, id, "request not sent");
        c.st = state::handshaking;
        return watch(r, id, EPOLLIN, EPOLL_CTL_MOD);
    }
    static char scratch[65536];  // one buffer for every read: an idle connection holds none
    const ssize_t n = recv(c.fd, scratch, sizeof scratch, 0);
    if (n <= 0) {
        if (n < 0 && errno == EAGAIN) return;
        return fail(r, id, n == 0 ? "server closed the connection" : std::strerror(errno));
    }
    std::string_view data(scratch, static_cast<std::size_t>(n));
    if (!c.partial.empty()) {
        c.partial.append(data);
        data = c.partial;
    }
    if (c.st == state::handshaking) {
        const auto end = data.find("\r\n\r\n");
        if (end == std::string_view::npos) {
            if (data.size() > 4096) return fail(r, id, "101 head too long");
            if (c.partial.empty()) c.partial.assign(data);
            return;
        }
        if (!good_101(data.substr(0, end + 2))) return fail(r, id, "handshake refused");
        c.st = state::open;
        --r.in_flight;
        ++r.opened;
        data.remove_prefix(end + 4);
    }
    const long used = frames(r, id, data);
    if (used < 0) return fail(r, id, "bad frame");
    std::string rest(data.substr(static_cast<std::size_t>(used)));
    c.partial = std::move(rest);
    if (c.partial.capacity() > 15 && c.partial.empty()) c.partial.shrink_to_fit();
}

void write_file(const std::string& path, const std::string& text) {
    if (path.empty()) return;
    if (std::FILE* f = std::fopen(path.c_str(), "w")) {
        std::fputs(text.c_str(), f);
        std::fclose(f);
    }
}

int hold(run& r) {
    r.conns.resize(r.opt.conns);
    const std::uint64_t t0 = now_ns(), deadline = t0 + static_cast<std::uint64_t>(r.opt.hold * 1e9);
    bool ready = false, reported = false;
    double open_s = 0;
    const auto report = [&] {
        reported = true;
        char line[256];
        std::snprintf(line, sizeof line,
                      "hold conns=%zu opened=%zu open_s=%.3f received=%zu complete=%zu last_ns=%llu errors=%zu\n",
                      r.conns.size(), r.opened, open_s, r.received, r.complete,
                      static_cast<unsigned long long>(r.last_ns), r.errors);
        std::fputs(line, stdout);
        std::fflush(stdout);
        write_file(r.opt.done_file, line);
    };
    std::vector<epoll_event> events(1024);
    start_more(r);
    while (now_ns() < deadline) {
        const int n = epoll_wait(r.ep, events.data(), static_cast<int>(events.size()), 200);
        for (int i = 0; i < n; ++i) on_event(r, events[static_cast<std::size_t>(i)].data.u64, events[i].events);
        start_more(r);
        if (!ready && r.opened + r.errors == r.conns.size()) {
            ready = true;
            open_s = static_cast<double>(now_ns() - t0) / 1e9;
            write_file(r.opt.ready_file, std::to_string(open_s) + " " + std::to_string(r.opened) + "\n");
        }
        // Reported, the connections stay open until --hold ends (or the process is
        // stopped), so that closing them is not counted in the broadcast's CPU.
        if (!reported && ready && r.opt.expect > 0 && r.complete == r.opened) report();
    }
    if (!ready) r.error("not all connections opened within --hold", r.opened);
    if (r.opt.expect > 0 && r.complete < r.opened)
        r.error("not every connection received --expect messages", r.complete);
    if (!reported) report();
    return r.errors == 0 ? 0 : 1;
}

int send_one(run& r) {
    r.opt.conns = 1;
    r.opt.expect = 1;
    r.opt.hold = std::min(r.opt.hold, 60.0);
    r.conns.resize(1);
    const std::uint64_t deadline = now_ns() + static_cast<std::uint64_t>(r.opt.hold * 1e9);
    std::uint64_t sent = 0;
    epoll_event ev{};
    start_more(r);
    while (now_ns() < deadline && r.errors == 0 && r.complete == 0) {
        if (epoll_wait(r.ep, &ev, 1, 200) == 1) on_event(r, 0, ev.events);
        if (r.opened == 1 && sent == 0) {
            sent = now_ns();
            if (!send_frame(r.conns[0].fd, 0x1, r.opt.text)) r.error("send failed", 0);
        }
    }
    if (r.complete == 0 && r.errors == 0) r.error("own message not echoed in time", 0);
    std::printf("send sent_ns=%llu echoed_ns=%llu\n", static_cast<unsigned long long>(sent),
                static_cast<unsigned long long>(r.last_ns));
    return r.errors == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    run r;
    r.opt = parse(argc, argv);
    r.ep = epoll_create1(EPOLL_CLOEXEC);
    r.request = "GET " + r.opt.path + " HTTP/1.1\r\nHost: " + r.opt.host +
                "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + std::string(key) +
                "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    return r.opt.mode == "hold" ? hold(r) : send_one(r);
}
