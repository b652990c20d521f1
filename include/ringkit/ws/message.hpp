// A WebSocket message as handlers see it: text or binary, whole (fragments are
// reassembled, compressed messages inflated, text already checked as UTF-8).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace ringkit::ws {

enum class message_kind : std::uint8_t { text, binary };

struct message {
    message_kind kind = message_kind::text;
    std::string data;

    // Constructors, so message is no aggregate: GCC 12 copies an aggregate temporary
    // made inside a co_await expression bit by bit, and a short string's pointer
    // then points into the old copy (`co_await ws.send(ws::message{kind, "hi"})`
    // freed a pointer into the coroutine frame).
    message() = default;
    message(message_kind k, std::string d) : kind(k), data(std::move(d)) {}

    bool is_text() const noexcept { return kind == message_kind::text; }
    bool is_binary() const noexcept { return kind == message_kind::binary; }
    friend bool operator==(const message&, const message&) = default;
};

inline message text(std::string data) { return {message_kind::text, std::move(data)}; }
inline message binary(std::string data) { return {message_kind::binary, std::move(data)}; }

}  // namespace ringkit::ws
