// A chat: one HTML page, one WebSocket route, every message broadcast to everyone
// in its room. Open http://127.0.0.1:8080/ in two tabs.
//   chat [--port N] [--threads N] [--tls-cert FILE --tls-key FILE [--plain-port N]]
//        [--redis HOST:PORT [--presence-ttl SECONDS]]
// With --tls-cert and --tls-key (PEM files) the page and its WebSocket are HTTPS
// and WSS on --port (the page picks wss:// by itself); SIGHUP reads the files
// again. --plain-port adds plain HTTP on that port.
//
// The page's WebSocket is /chat?name=NAME&room=ROOM (room "lobby" by default);
// GET /healthz answers 200 "ok" (examples/scaling/'s balancers check it).
// Its events are JSON {"type", "from", "text"}: "welcome" to the newcomer (text
// "N here", and "names": everyone in the room), then "join", "message" and
// "leave" to everyone in the room, the user included. With --redis, another
// user's event already on its way through Redis when a user enters may reach
// it just before its welcome: the room is joined before the names are read, so
// that nothing said after the welcome is missed.
//
// Without --redis a room lives in this process (a channel_set). With --redis,
// every chat instance on that Redis shares its rooms: events go through
// redis::hub (a Redis channel per room), and a room's names are the Redis sorted
// set "ringkit:chat:names:ROOM" of "INSTANCE/USER/NAME", each scored by when it
// expires. An instance pushes its users' expiry --presence-ttl (30 s) ahead every
// third of it, and removes a user who leaves at once. An instance that dies
// stops pushing: its users drop out of the names within --presence-ttl (readers
// skip and remove expired entries), with no "leave" event; their pages reconnect,
// through a balancer to another instance, and join again. While Redis is
// unreachable a user who joins or speaks is closed with 1013 (try again later),
// and the page reconnects with back-off.
#include <ringkit.hpp>
#include <ringkit/ws/utf8.hpp>
#include <asio/post.hpp>
#if defined(RINGKIT_HAS_HIREDIS)
#include <ringkit/redis/hub.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <future>
#include <random>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "page.hpp"

namespace rk = ringkit;
using json = nlohmann::json;

namespace {

// Names come from the client's query string, which nobody checked: keep them
// short, printable and valid UTF-8 (json::dump() throws on anything else), and
// cut only between characters, or a long non-ASCII name would end in half a one.
std::string clean_name(std::string_view name, const char* fallback = "anonymous") {
    if (!rk::ws::is_valid_utf8(name)) return fallback;
    std::string out;
    for (std::size_t i = 0; i < name.size();) {
        auto lead = static_cast<unsigned char>(name[i]);
        std::size_t len = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
        if (out.size() + len > 32) break;
        if (lead >= 0x20 && lead != 0x7f) out.append(name.substr(i, len));
        i += len;
    }
    return out.empty() ? fallback : out;
}

// Where rooms live: this process (local_rooms), or a Redis that every instance
// shares (redis_rooms). One user's calls run on executor(), one at a time.
class rooms {
public:
    virtual ~rooms() = default;
    virtual asio::any_io_executor executor(const rk::channel& ch) = 0;
    /// `ch` hears `room`, where `name` is listed as `id`; the room's names then.
    virtual rk::task<std::vector<std::string>> enter(std::string room, rk::channel ch, std::string id,
                                                     std::string name) = 0;
    virtual rk::task<void> leave(std::string room, rk::channel ch, std::string id) = 0;
    /// `event` (JSON) to everyone in `room`; throws when it cannot go out.
    virtual rk::task<void> send(std::string room, std::string event) = 0;

    /// Users alive (see user): their coroutines may outlast the server's stop.
    std::atomic<int> users{0};

protected:
    // The rooms must outlive every user's coroutine; bounded, as every Redis
    // call ends within its timeouts.
    void wait_for_users() const {
        for (int i = 0; i < 1000 && users.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
};

// This process only: a user's calls run on its connection's thread.
class local_rooms final : public rooms {
public:
    asio::any_io_executor executor(const rk::channel& ch) override { return ch.get_executor(); }

    rk::task<std::vector<std::string>> enter(std::string room, rk::channel ch, std::string id,
                                             std::string name) override {
        std::lock_guard lock(mutex_);
        auto& r = rooms_[room];
        if (!r) r = std::make_shared<members>();
        r->channels.add(ch);
        r->names[id] = name;
        std::vector<std::string> names;
        for (const auto& entry : r->names) names.push_back(entry.second);
        co_return names;
    }

    rk::task<void> leave(std::string room, rk::channel ch, std::string id) override {
        std::lock_guard lock(mutex_);
        auto it = rooms_.find(room);
        if (it == rooms_.end()) co_return;
        it->second->channels.remove(ch);
        it->second->names.erase(id);
        if (it->second->names.empty()) rooms_.erase(it);
    }

    rk::task<void> send(std::string room, std::string event) override {
        std::shared_ptr<members> r;
        {
            std::lock_guard lock(mutex_);
            if (auto it = rooms_.find(room); it != rooms_.end()) r = it->second;
        }
        if (r) r->channels.broadcast(rk::ws::text(std::move(event)));  // outside the lock: it encodes the frame
        co_return;
    }

private:
    struct members {
        rk::channel_set channels;
        std::map<std::string, std::string> names;  // id → name
    };
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<members>, std::less<>> rooms_;
};

#if defined(RINGKIT_HAS_HIREDIS)
// Every instance on one Redis (see the top of this file). Users' calls and the
// refresh run on one thread of this object's own, which owns `here_`.
class redis_rooms final : public rooms {
public:
    redis_rooms(const rk::redis::options& o, std::chrono::seconds ttl)
        : ttl_(ttl), instance_(random_id()), redis_(thread_.executor(), o), hub_(hub_on(o)) {
        asio::co_spawn(thread_.executor(), refresh_loop(this, stopped_), asio::detached);
    }
    redis_rooms(const redis_rooms&) = delete;
    redis_rooms& operator=(const redis_rooms&) = delete;
    ~redis_rooms() override {
        wait_for_users();
        // The refresh loop stops on its thread, before anything it uses goes.
        std::promise<void> stopped;
        asio::post(thread_.executor(), [this, &stopped] {
            *stopped_ = true;
            timer_.cancel();
            stopped.set_value();
        });
        stopped.get_future().wait();
    }

    asio::any_io_executor executor(const rk::channel&) override { return thread_.executor(); }

    rk::task<std::vector<std::string>> enter(std::string room, rk::channel ch, std::string id,
                                             std::string name) override {
        here_[room][id] = name;
        co_await hub_.join("chat:" + room, ch);
        auto replies = co_await redis_.pipeline(enter_commands(room, entry(id, name)));
        std::vector<std::string> names;
        for (const auto& e : replies.back().elements) names.push_back(name_of(e.str));
        co_return names;
    }

    rk::task<void> leave(std::string room, rk::channel ch, std::string id) override {
        hub_.leave("chat:" + room, ch);
        auto r = here_.find(room);
        if (r == here_.end()) co_return;
        auto u = r->second.find(id);
        if (u == r->second.end()) co_return;
        auto gone = entry(id, u->second);
        r->second.erase(u);
        if (r->second.empty()) here_.erase(r);
        co_await redis_.command("ZREM", names_key(room), gone);
    }

    rk::task<void> send(std::string room, std::string event) override {
        co_await hub_.publish("chat:" + room, rk::ws::text(std::move(event)));
    }

private:
    static rk::redis::hub_options hub_on(const rk::redis::options& o) {
        rk::redis::hub_options h;
        h.redis = o;
        return h;
    }
    static std::string random_id() {
        std::random_device rd;
        char out[17];
        std::snprintf(out, sizeof out, "%08x%08x", rd(), rd());
        return out;
    }
    static std::string names_key(std::string_view room) { return "ringkit:chat:names:" + std::string(room); }
    std::string entry(std::string_view id, std::string_view name) const {
        return instance_ + "/" + std::string(id) + "/" + std::string(name);
    }
    static std::string name_of(std::string_view entry) {  // a name may hold '/'; instance and id do not
        auto first = entry.find('/');
        auto second = first == std::string_view::npos ? first : entry.find('/', first + 1);
        return second == std::string_view::npos ? std::string(entry) : std::string(entry.substr(second + 1));
    }
    static long long now_ms() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
    long long ttl_ms() const { return std::chrono::milliseconds(ttl_).count(); }

    // Lists the newcomer, drops expired entries, keeps the key while anyone
    // refreshes it, and reads the names that remain.
    std::vector<std::vector<std::string>> enter_commands(const std::string& room, std::string who) const {
        const auto key = names_key(room);
        const auto now = now_ms();
        std::vector<std::vector<std::string>> out;
        out.push_back({"ZADD", key, std::to_string(now + ttl_ms()), std::move(who)});
        out.push_back({"ZREMRANGEBYSCORE", key, "-inf", std::to_string(now)});
        out.push_back({"PEXPIRE", key, std::to_string(ttl_ms())});
        out.push_back({"ZRANGEBYSCORE", key, std::to_string(now), "+inf"});
        return out;
    }

    // Every user of this instance, its expiry pushed ahead.
    std::vector<std::vector<std::string>> refresh_commands() const {
        const auto until = std::to_string(now_ms() + ttl_ms());
        std::vector<std::vector<std::string>> out;
        for (const auto& [room, users] : here_) {
            std::vector<std::string> zadd{"ZADD", names_key(room)};
            for (const auto& [id, name] : users) {
                zadd.push_back(until);
                zadd.push_back(entry(id, name));
            }
            out.push_back(std::move(zadd));
            out.push_back({"PEXPIRE", names_key(room), std::to_string(ttl_ms())});
        }
        return out;
    }

    // `stopped` is shared, not a member: the loop reads it after a wait that may
    // end after this object is gone. Nothing of `self` is touched once it is set.
    static rk::task<void> refresh_loop(redis_rooms* self, std::shared_ptr<bool> stopped) {
        for (;;) {
            self->timer_.expires_after(std::chrono::milliseconds(self->ttl_) / 3);
            std::error_code ec;
            co_await self->timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (*stopped) co_return;
            auto commands = self->refresh_commands();
            if (commands.empty()) continue;
            try {
                co_await self->redis_.pipeline(std::move(commands));
            } catch (const std::exception&) {  // Redis down: the next round tries again
            }
            if (*stopped) co_return;
        }
    }

    std::chrono::seconds ttl_;
    std::string instance_;
    rk::redis::io_thread thread_;  // before what runs on it: it outlives them
    asio::steady_timer timer_{thread_.executor()};
    std::shared_ptr<bool> stopped_ = std::make_shared<bool>(false);
    rk::redis::client redis_;
    rk::redis::hub hub_;
    std::map<std::string, std::map<std::string, std::string>> here_;  // room → id → name, this instance's users
};
#endif

std::string event(const char* type, const std::string& from, const std::string& text) {
    // Text frames are checked and names cleaned, so no invalid UTF-8 reaches dump() to make it throw.
    return json{{"type", type}, {"from", from}, {"text", text}}.dump();
}

// One user, touched only on rooms::executor(). Its messages wait until it has
// entered, so that its "join" comes first.
struct user {
    user(rooms& r, std::string room_name, std::string user_name, std::string user_id)
        : all(r), room(std::move(room_name)), name(std::move(user_name)), id(std::move(user_id)) {
        ++all.users;
    }
    user(const user&) = delete;
    user& operator=(const user&) = delete;
    ~user() { --all.users; }  // the last this user does with the rooms

    rooms& all;
    std::string room, name, id;
    rk::channel ch;
    enum class state { entering, in, closed_early, left } now = state::entering;
    std::deque<std::string> waiting;
};

// An event that cannot go out closes its user's socket: the page says so and reconnects.
rk::task<void> say(std::shared_ptr<user> u, std::string ev) {
    try {
        co_await u->all.send(u->room, std::move(ev));
    } catch (const std::exception&) {
        u->ch.close(rk::ws::close_code::try_again_later, "chat unavailable");
    }
}

void spawn_say(const std::shared_ptr<user>& u, std::string ev) {
    asio::co_spawn(u->all.executor(u->ch), say(u, std::move(ev)), asio::detached);
}

// Leaving can fail only when Redis is down: then the name expires by itself.
rk::task<void> leave(std::shared_ptr<user> u, bool announce) {
    u->now = user::state::left;
    try {
        co_await u->all.leave(u->room, u->ch, u->id);
    } catch (const std::exception&) {}
    if (announce) spawn_say(u, event("leave", u->name, ""));
}

rk::task<void> enter(std::shared_ptr<user> u) {
    std::vector<std::string> names;
    bool failed = false;
    try {
        names = co_await u->all.enter(u->room, u->ch, u->id, u->name);
    } catch (const std::exception&) {
        failed = true;
    }
    if (failed || u->now == user::state::closed_early) {
        u->ch.close(rk::ws::close_code::try_again_later, "chat unavailable");
        co_await leave(u, false);
        co_return;
    }
    std::sort(names.begin(), names.end());
    auto welcome = json{{"type", "welcome"}, {"from", u->name}, {"text", std::to_string(names.size()) + " here"}};
    welcome["names"] = names;
    u->ch.send(welcome.dump());
    u->now = user::state::in;
    spawn_say(u, event("join", u->name, ""));
    for (auto& ev : u->waiting) spawn_say(u, std::move(ev));
    u->waiting.clear();
}

class chat {
public:
    explicit chat(rooms& r) : rooms_(r) {}

    rk::response join(rk::request& req) {
        auto u = std::make_shared<user>(rooms_, clean_name(req.query("room").value_or(""), "lobby"),
                                        clean_name(req.query("name").value_or("")), std::to_string(++next_id_));
        return rk::ws::listener_response(
            req, {
                     .on_open =
                         [u](rk::ws::socket& s) {
                             u->ch = s.channel();
                             asio::co_spawn(u->all.executor(u->ch), enter(u), asio::detached);
                         },
                     .on_message =
                         [u](rk::ws::socket& s, rk::ws::message&& m) {
                             if (!m.is_text()) return;
                             asio::post(u->all.executor(s.channel()), [u, ev = event("message", u->name, m.data)]() {
                                 if (u->now == user::state::in) spawn_say(u, ev);
                                 else if (u->now == user::state::entering) u->waiting.push_back(ev);
                             });
                         },
                     .on_close =
                         [u](rk::ws::socket& s, const rk::close_status&) {
                             asio::post(u->all.executor(s.channel()), [u] {
                                 if (u->now == user::state::in)
                                     asio::co_spawn(u->all.executor(u->ch), leave(u, true), asio::detached);
                                 else if (u->now == user::state::entering) u->now = user::state::closed_early;
                             });
                         },
                 });
    }

private:
    rooms& rooms_;
    std::atomic<std::uint64_t> next_id_{0};
};

}  // namespace

int main(int argc, char** argv) {
    rk::server_options options;
    options.ip = "127.0.0.1";
    options.port = 8080;
    options.threads = 2;
    std::string cert, key;
    const char* redis = nullptr;
    [[maybe_unused]] long presence_ttl = 30;  // used with Redis only
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--port")) options.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--threads")) options.threads = static_cast<unsigned>(std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--plain-port"))
            options.plain_port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--tls-cert")) cert = argv[i + 1];
        else if (!std::strcmp(argv[i], "--tls-key")) key = argv[i + 1];
        else if (!std::strcmp(argv[i], "--redis")) redis = argv[i + 1];
        else if (!std::strcmp(argv[i], "--presence-ttl")) presence_ttl = std::atol(argv[i + 1]);
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

    std::unique_ptr<rooms> shared;
    if (redis) {
#if defined(RINGKIT_HAS_HIREDIS)
        std::string_view address(redis);
        const auto colon = address.rfind(':');
        const int port = colon == std::string_view::npos ? 0 : std::atoi(redis + colon + 1);
        if (port <= 0 || port > 65535 || colon == 0 || presence_ttl < 1) {
            std::fprintf(stderr, "chat: --redis needs HOST:PORT, --presence-ttl a number of seconds\n");
            return 2;
        }
        rk::redis::options o;
        o.host = std::string(address.substr(0, colon));
        o.port = static_cast<std::uint16_t>(port);
        shared = std::make_unique<redis_rooms>(o, std::chrono::seconds(presence_ttl));
#else
        std::fprintf(stderr,
                     "chat: --redis: this build has no Redis support (ringkit was built without hiredis: apt-get "
                     "install libhiredis-dev, then configure again)\n");
        return 2;
#endif
    } else {
        shared = std::make_unique<local_rooms>();
    }
    chat room(*shared);
    rk::handler app = [&room](rk::request& req) -> rk::response {
        if (req.uri == "/") return rk::response::html(chat_page);
        if (req.uri == "/chat") return room.join(req);
        if (req.uri == "/healthz") return rk::response::text("ok\n");  // a load balancer's check
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
