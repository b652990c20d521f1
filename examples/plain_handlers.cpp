// ringkit without coroutines: every handler here is a plain function from a
// request to a response, as in Ring. A stack of plain handlers and middleware
// never allocates a coroutine frame; waiting is done with callbacks (as_channel)
// and slow work goes to the worker pool (rk::blocking).
//
//   plain_handlers [--port N]     then open http://127.0.0.1:8080/
//
//   GET  /hello/:name            text
//   GET  /api/notes              JSON list; ?q=word filters (wrap_params)
//   POST /api/notes              JSON body {"text": "..."} → 201 (wrap_json_body)
//   GET  /api/notes/:id          one note, or 404
//   GET  /primes?below=N         counted on the worker pool, not an I/O thread
//   GET  /later?ms=N             a long poll answered by a timer callback
//   ws://…/ws/upper              WebSocket: each text message back in upper case
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <ringkit.hpp>
#include <asio/steady_timer.hpp>
namespace rk = ringkit;
using json = nlohmann::json;

namespace {

constexpr const char* page = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ringkit plain handlers</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44em;margin:2em auto;padding:0 1em}</style></head>
<body><h1>Plain handlers, no coroutines</h1><ul>
<li><a href="/hello/world">GET /hello/world</a></li>
<li><a href="/api/notes">GET /api/notes</a> (POST JSON {"text": "..."} to add one)</li>
<li><a href="/primes?below=1000000">GET /primes?below=1000000</a> (on the worker pool)</li>
<li><a href="/later?ms=1500">GET /later?ms=1500</a> (a long poll)</li>
</ul></body></html>
)html";

// Handlers run on several I/O threads at once, so shared state needs a lock.
class notes {
public:
    json add(std::string text) {
        std::lock_guard lock(mutex_);
        items_.push_back({{"id", items_.size() + 1}, {"text", std::move(text)}});
        return items_.back();
    }
    json find(std::size_t id) const {
        std::lock_guard lock(mutex_);
        return id >= 1 && id <= items_.size() ? items_[id - 1] : json();
    }
    json matching(std::string_view word) const {
        std::lock_guard lock(mutex_);
        auto out = json::array();
        for (auto& n : items_)
            if (n["text"].get_ref<const std::string&>().find(word) != std::string::npos) out.push_back(n);
        return out;
    }

private:
    mutable std::mutex mutex_;
    std::vector<json> items_;
};

std::size_t to_number(std::string_view text, std::size_t fallback, std::size_t max) {
    if (text.empty() || text.size() > 9) return fallback;
    std::size_t n = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return fallback;
        n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    return n > max ? max : n;
}

// CPU work: fine on the worker pool, where it holds up no other connection.
rk::response count_primes(rk::request& req) {
    const auto below = to_number(rk::params_of(req).get("below").value_or("100"), 100, 50'000'000);
    std::vector<bool> composite(below, false);
    std::size_t count = 0;
    for (std::size_t i = 2; i < below; ++i) {
        if (composite[i]) continue;
        ++count;
        for (std::size_t j = i * i; j < below; j += i) composite[j] = true;
    }
    return rk::response::json({{"below", below}, {"primes", count}});
}

// A long poll: the handler returns at once; the channel's first send is the response.
rk::response later(rk::request& req) {
    const auto ms = to_number(rk::params_of(req).get("ms").value_or("1000"), 1000, 30'000);
    return rk::as_channel(
        req, {.on_open = [ms](rk::channel& ch) {
            auto timer = std::make_shared<asio::steady_timer>(ch.get_executor(), std::chrono::milliseconds(ms));
            timer->async_wait([ch, timer, ms](std::error_code) mutable {
                ch.send(rk::response::json({{"waited_ms", ms}}));  // false, and nothing sent, if the client left
            });
        }});
}

rk::response upper(rk::request& req) {
    return rk::as_channel(req, {.on_receive = [](rk::channel& ch, rk::ws::message&& m) {
                              if (!m.is_text()) {
                                  ch.close(1003, "text only");  // RFC 6455: a data type the endpoint cannot accept
                                  return;
                              }
                              for (char& c : m.data) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                              ch.send(std::move(m));
                          }});
}

rk::handler app(std::shared_ptr<notes> store) {
    return rk::router{
               rk::GET("/", [](rk::request&) { return rk::response::html(page); }),
               rk::GET("/hello/:name",
                       [](rk::request& req) {
                           return rk::response::text("Hello, " + std::string(rk::path_param(req, "name")) + "!");
                       }),
               rk::GET("/api/notes",
                       [store](rk::request& req) {
                           return rk::response::json(store->matching(rk::params_of(req).get("q").value_or("")));
                       }),
               rk::POST("/api/notes",
                        [store](rk::request& req) {
                            const auto& body = rk::json_of(req);
                            if (!body.is_object() || !body.contains("text") || !body["text"].is_string())
                                return rk::response::json({{"error", "expected {\"text\": string}"}}, 400);
                            return rk::response::json(store->add(body["text"]), 201);
                        }),
               rk::GET("/api/notes/:id",
                       [store](rk::request& req) {
                           auto note = store->find(to_number(rk::path_param(req, "id"), 0, 1'000'000'000));
                           return note.is_null() ? rk::response::json({{"error", "no such note"}}, 404)
                                                 : rk::response::json(note);
                       }),
               rk::GET("/primes", rk::blocking(count_primes)),
               rk::GET("/later", later),
               rk::websocket("/ws/upper", upper),
           } |
           rk::api_defaults();
}

}  // namespace

int main(int argc, char** argv) {
    rk::server_options options{.ip = "127.0.0.1", .port = 8080, .threads = 2};
    if (argc == 3 && !std::strcmp(argv[1], "--port")) options.port = static_cast<std::uint16_t>(std::atoi(argv[2]));

    rk::server server(app(std::make_shared<notes>()), options);
    server.start();
    std::printf("listening on %s:%u\n", options.ip.c_str(), server.port());
    std::fflush(stdout);
    rk::run_until_signal(server);
}
