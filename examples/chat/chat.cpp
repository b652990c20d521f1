// A chat room: one HTML page, one WebSocket route, every message broadcast to
// everyone through a channel_set. Open http://127.0.0.1:8080/ in two tabs.
//   chat [--port N] [--threads N] [--tls-cert FILE --tls-key FILE [--plain-port N]]
// With --tls-cert and --tls-key (PEM files) the page and its WebSocket are HTTPS
// and WSS on --port (the page picks wss:// by itself); SIGHUP reads the files
// again. --plain-port adds plain HTTP on that port.
#include <ringkit.hpp>
#include <ringkit/ws/utf8.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "page.hpp"

namespace rk = ringkit;
using json = nlohmann::json;

namespace {

// Names come from the client's query string, which nobody checked: keep them
// short, printable and valid UTF-8 (json::dump() throws on anything else), and
// cut only between characters, or a long non-ASCII name would end in half a one.
std::string clean_name(std::string_view name) {
    if (!rk::ws::is_valid_utf8(name)) return "anonymous";
    std::string out;
    for (std::size_t i = 0; i < name.size();) {
        auto lead = static_cast<unsigned char>(name[i]);
        std::size_t len = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
        if (out.size() + len > 32) break;
        if (lead >= 0x20 && lead != 0x7f) out.append(name.substr(i, len));
        i += len;
    }
    return out.empty() ? "anonymous" : out;
}

class room {
public:
    rk::response join(rk::request& req) {
        auto name = clean_name(req.query("name").value_or(""));
        return rk::ws::listener_response(
            req, {
                     .on_open =
                         [this, name](rk::ws::socket& s) {
                             members_.add(s.channel());
                             s.send(event("welcome", name, std::to_string(members_.size()) + " here"));
                             broadcast(event("join", name, ""));
                         },
                     .on_message =
                         [this, name](rk::ws::socket&, rk::ws::message&& m) {
                             if (m.is_text()) broadcast(event("message", name, m.data));
                         },
                     .on_close =
                         [this, name](rk::ws::socket& s, const rk::close_status&) {
                             members_.remove(s.channel());
                             broadcast(event("leave", name, ""));
                         },
                 });
    }

private:
    static std::string event(const char* type, const std::string& from, const std::string& text) {
        // Text frames are checked and names cleaned, so no invalid UTF-8 reaches dump() to make it throw.
        return json{{"type", type}, {"from", from}, {"text", text}}.dump();
    }
    void broadcast(std::string text) { members_.broadcast(rk::ws::text(std::move(text))); }

    rk::channel_set members_;
};

}  // namespace

int main(int argc, char** argv) {
    rk::server_options options;
    options.ip = "127.0.0.1";
    options.port = 8080;
    options.threads = 2;
    std::string cert, key;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--port")) options.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--threads")) options.threads = static_cast<unsigned>(std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--plain-port"))
            options.plain_port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--tls-cert")) cert = argv[i + 1];
        else if (!std::strcmp(argv[i], "--tls-key")) key = argv[i + 1];
    }
    if (cert.empty() != key.empty()) {
        std::fprintf(stderr, "chat: --tls-cert and --tls-key go together\n");
        return 2;
    }
    if (!cert.empty()) options.tls.certificates.push_back({cert, key});
    options.websocket.deflate.enabled = true;  // browsers offer it; chat text compresses well
    // No server context takeover: each broadcast is compressed once and the same
    // bytes go to every browser (channel_set), instead of once per browser.
    options.websocket.deflate.server_no_context_takeover = true;

    room chat;
    rk::handler app = [&chat](rk::request& req) -> rk::response {
        if (req.uri == "/") return rk::response::html(chat_page);
        if (req.uri == "/chat") return chat.join(req);
        return rk::response::not_found();
    };
    rk::server server(app, options);
    // Announced once the signals are caught: a SIGHUP (reload) or SIGTERM sent
    // as soon as the port is printed finds the server ready for it.
    auto announce = [&] {
        std::printf("listening on %s:%u\n", options.ip.c_str(), server.port());
        if (options.tls.enabled()) {
            std::printf("open https://%s:%u/ in two browser tabs\n", options.ip.c_str(), server.port());
            if (options.plain_port)
                std::printf("plain HTTP on http://%s:%u/\n", options.ip.c_str(), server.plain_port());
        }
        std::fflush(stdout);
    };
    try {
        rk::run_until_signal(server, std::chrono::seconds(5), announce);
    } catch (const std::exception& e) {  // a port in use, a certificate that does not load
        std::fprintf(stderr, "chat: %s\n", e.what());
        return 1;
    }
}
