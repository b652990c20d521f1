// The receiving half of RFC 6455 without a socket: bytes in, events out.
//
// The session hands it whatever the socket gave; read() decodes frame headers,
// unmasks payloads in place, reassembles fragmented messages, inflates them
// (permessage-deflate), checks UTF-8 as the bytes arrive, and stops at the first
// complete event: a message, a ping, a pong, the peer's close, or a failure with
// the close code RFC 6455 asks for (1002 protocol, 1007 invalid payload, 1009 too
// big). Any split of the input is fine, down to one byte at a time: a partial
// header (at most 14 bytes) waits in the reader, payload bytes never do.
//
// An idle reader holds no message memory: a message's string is handed out by
// take_message(), and the inflater is made on the first compressed message.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "ringkit/ws/close.hpp"
#include "ringkit/ws/deflate.hpp"
#include "ringkit/ws/error.hpp"
#include "ringkit/ws/frame.hpp"
#include "ringkit/ws/message.hpp"
#include "ringkit/ws/utf8.hpp"

namespace ringkit::ws {

/// Where read() stopped.
enum class read_event : std::uint8_t {
    need_more,  ///< the input is used up without completing an event
    message,    ///< a whole data message: take_message()
    ping,       ///< control() is its payload
    pong,       ///< control() is its payload
    close,      ///< the peer's valid close frame: peer_close(); nothing more is read
    failed,     ///< the peer broke the protocol: failure(); nothing more is read
};

/// Why the connection must be failed (RFC 6455 §7.1.7), and the code to close with.
struct read_failure {
    std::uint16_t code = close_code::protocol_error;  ///< 1002, 1007 or 1009
    error reason = error::protocol_error;             ///< for on_error
    const char* why = "";                             ///< static text, for the close reason and logs
};

class message_reader {
public:
    /// `max_message`: bytes of one message on the wire and after inflating (→ 1009).
    /// `deflate`: the permessage-deflate parameters agreed, if any (RSV1 allowed then).
    /// `server`: frames must be masked (a client's reader requires them unmasked).
    explicit message_reader(std::size_t max_message, std::optional<deflate_params> deflate = std::nullopt,
                            bool server = true)
        : max_message_(max_message), deflate_(deflate) {
        rules_.require_mask = server;
        rules_.allow_rsv1 = deflate_.has_value();
    }

    /// Decodes from the start of `in`, unmasking in place, until an event is complete
    /// or `in` is used up. Returns the event and how many bytes of `in` it used.
    /// After a close or a failure, input is ignored (used, need_more).
    std::pair<read_event, std::size_t> read(std::span<char> in) {
        std::size_t used = 0;
        while (used < in.size() && !over_) {
            if (in_header_) {
                used += read_header(in.subspan(used));
                if (over_) return {read_event::failed, used};
                if (in_header_ || payload_left_ != 0) continue;
            } else {
                auto take = static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, in.size() - used));
                auto bytes = in.subspan(used, take);
                apply_mask(bytes, header_.mask_key, payload_done_);
                payload_done_ += take;
                payload_left_ -= take;
                used += take;
                payload({bytes.data(), bytes.size()});
                if (over_) return {read_event::failed, used};
                if (payload_left_ != 0) continue;
            }
            if (auto ev = frame_complete(); ev != read_event::need_more) return {ev, used};
        }
        return {read_event::need_more, in.size()};
    }

    /// The message read() reported; the reader keeps no memory of it.
    message take_message() {
        message m{kind_, std::move(message_)};
        message_ = std::string();
        return m;
    }
    /// The payload of the ping or pong read() reported (valid until the next read()).
    std::string_view control() const noexcept { return control_; }
    /// The peer's close frame read() reported (its reason points into the reader).
    close_payload peer_close() const noexcept {
        close_payload p;
        (void)parse_close_payload(control_, p);  // checked when it arrived; parsed again rather than kept
        return p;
    }
    /// Why read() reported failed.
    const read_failure& failure() const noexcept { return failure_; }

    /// We are closing: data messages are still framed and checked for protocol
    /// errors, but their payload is dropped and no message event is reported.
    void discard_messages() noexcept {
        discarding_ = true;
        message_ = std::string();
    }
    /// Nothing more is read (a close or a failure was reported).
    bool done() const noexcept { return over_; }

private:
    // The bytes of `in` used for the header in progress.
    std::size_t read_header(std::span<const char> in) {
        const char* why = "bad frame";
        header_status st{};
        std::size_t used = 0;
        if (head_len_ == 0) {
            st = decode_header(in, header_, rules_, &why);
            used = st == header_status::ok ? header_.size : in.size();
            if (st == header_status::need_more) {
                std::copy(in.begin(), in.end(), head_buf_.begin());  // fewer than 14 bytes here
                head_len_ = static_cast<std::uint8_t>(in.size());
            }
        } else {
            auto add = std::min(in.size(), head_buf_.size() - head_len_);
            std::copy_n(in.begin(), add, head_buf_.begin() + static_cast<std::ptrdiff_t>(head_len_));
            st = decode_header({head_buf_.data(), head_len_ + add}, header_, rules_, &why);
            if (st == header_status::ok) {
                used = header_.size - head_len_;
                head_len_ = 0;
            } else {
                used = add;
                head_len_ = static_cast<std::uint8_t>(head_len_ + add);
            }
        }
        if (st == header_status::protocol_error) fail(close_code::protocol_error, error::protocol_error, why);
        else if (st == header_status::ok) start_frame();
        return used;
    }

    // A header is complete: check it against the message in progress.
    void start_frame() {
        payload_left_ = header_.length;
        payload_done_ = 0;
        in_header_ = false;
        if (is_control(header_.op)) {
            control_.clear();
            return;
        }
        if (header_.op == opcode::continuation) {
            if (!in_message_)
                return fail(close_code::protocol_error, error::protocol_error, "continuation without a message");
            if (header_.rsv1)
                return fail(close_code::protocol_error, error::protocol_error, "RSV1 on a continuation frame");
        } else {
            if (in_message_)
                return fail(close_code::protocol_error, error::protocol_error, "new message inside a fragmented one");
            in_message_ = true;
            kind_ = header_.op == opcode::text ? message_kind::text : message_kind::binary;
            compressed_ = header_.rsv1;
            wire_size_ = 0;
        }
        wire_size_ += header_.length;
        if (wire_size_ > max_message_ || message_.size() > max_message_)
            fail(close_code::too_big, error::message_too_big, "message too big");
    }

    void payload(std::string_view bytes) {
        if (is_control(header_.op)) {
            control_.append(bytes);
            return;
        }
        if (discarding_) return;
        std::size_t before = message_.size();
        if (compressed_) {
            if (!inflate(bytes, false)) return;
        } else {
            message_.append(bytes);
        }
        check_utf8(before);
    }

    bool inflate(std::string_view bytes, bool last) {
        if (!inflater_)
            inflater_ =
                std::make_unique<inflater>(deflate_->client_max_window_bits, deflate_->client_no_context_takeover);
        switch (inflater_->inflate(bytes, message_, last, max_message_)) {
        case inflate_status::ok: return true;
        case inflate_status::too_big: fail(close_code::too_big, error::message_too_big, "message too big"); break;
        case inflate_status::error:
            fail(close_code::protocol_error, error::protocol_error, "bad compressed data");
            break;
        }
        return false;
    }

    void check_utf8(std::size_t from) {
        if (kind_ == message_kind::text && !utf8_.feed(std::string_view(message_).substr(from)))
            fail(close_code::invalid_payload, error::invalid_utf8, "invalid UTF-8");
    }

    read_event frame_complete() {
        in_header_ = true;
        switch (header_.op) {
        case opcode::ping: return read_event::ping;
        case opcode::pong: return read_event::pong;
        case opcode::close: return close_frame();
        default: break;
        }
        if (!header_.fin) return read_event::need_more;
        in_message_ = false;
        if (discarding_) {  // the message is not delivered, but it did end
            utf8_.reset();
            return read_event::need_more;
        }
        if (compressed_) {
            std::size_t before = message_.size();
            if (!inflate({}, true)) return read_event::failed;
            check_utf8(before);
            if (over_) return read_event::failed;
        }
        if (kind_ == message_kind::text && !utf8_.complete()) {
            fail(close_code::invalid_payload, error::invalid_utf8, "invalid UTF-8");
            return read_event::failed;
        }
        utf8_.reset();
        return read_event::message;
    }

    read_event close_frame() {
        close_payload checked;
        switch (parse_close_payload(control_, checked)) {
        case close_parse::protocol_error:
            fail(close_code::protocol_error, error::protocol_error, "bad close frame");
            return read_event::failed;
        case close_parse::invalid_utf8:
            fail(close_code::invalid_payload, error::invalid_utf8, "invalid UTF-8 in close reason");
            return read_event::failed;
        case close_parse::ok: break;
        }
        over_ = true;
        return read_event::close;
    }

    void fail(std::uint16_t code, error reason, const char* why) {
        failure_ = {code, reason, why};
        over_ = true;
        message_ = std::string();
    }

    // Ordered (small members last) so that every WebSocket session carries no padding here.
    std::size_t max_message_;
    std::optional<deflate_params> deflate_;
    frame_header header_;
    std::array<char, max_header_size> head_buf_{};
    std::uint8_t head_len_ = 0;  // < max_header_size
    std::uint64_t payload_left_ = 0, payload_done_ = 0, wire_size_ = 0;
    std::string control_, message_;
    read_failure failure_;
    utf8_validator utf8_;
    std::unique_ptr<inflater> inflater_;
    message_kind kind_ = message_kind::text;
    bool in_header_ = true, in_message_ = false, compressed_ = false, discarding_ = false, over_ = false;
    decode_rules rules_;
};

}  // namespace ringkit::ws
