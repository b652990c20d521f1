// The closing of a WebSocket connection (RFC 6455 §7) as one state machine, with
// no socket: the session tells it what happened (our close frame taken for
// writing, written, the peer's close frame, a protocol failure, a lost
// connection, a timeout) and asks it what follows (read on? deliver messages?
// done?). It also decides how the connection ended: the first event that
// settles it wins, the rest keep that outcome.
//
//   open ──we close──▶ close_queued ──written──▶ close_sent ──peer's close──▶ done
//     │                    │ peer's close / failure                ▲
//     ├──peer's close / failure──▶ finishing ──our close written───┘
//     └── lost, timeout, forced stop (from any state before done) ──▶ aborted
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ringkit/ws/close.hpp"

namespace ringkit::ws {

enum class close_state : std::uint8_t {
    open,          ///< both directions open
    close_queued,  ///< our close frame is on its way out; the peer's is awaited
    close_sent,    ///< our close frame is written; the peer's is awaited (close_timeout)
    finishing,     ///< nothing more is read; done once our close frame is written
    done,          ///< the handshake is complete (or our failure close written): close TCP
    aborted,       ///< ended without completing it; nothing more is written
};

/// What settled how a connection ended (the server's metrics count 1006 by it).
enum class close_cause : std::uint8_t {
    close_frame,  ///< a close frame: ours (close(), a failure, an idle timeout, stop) or the peer's
    lost,         ///< the TCP connection ended or failed under us, before any close frame
    timeout,      ///< a deadline passed before any close frame settled it
    stopped,      ///< the server forced the end before any close frame settled it
};

/// How a connection ended: a close code, a reason, and which side closed first.
struct close_outcome {
    std::uint16_t code = close_code::abnormal;
    std::string reason;
    bool by_server = false;
};

class close_machine {
public:
    close_state state() const noexcept { return state_; }

    /// Our close frame (`code`, `reason`) was taken for writing: a close() of the
    /// user's, an idle timeout, server stop, or the echo of the peer's.
    void close_queued(std::uint16_t code, std::string_view reason) {
        if (state_ != close_state::open) return;  // the echo, or a failure's close
        state_ = close_state::close_queued;
        settle({code, std::string(reason), true});
    }

    /// Our close frame is written.
    void close_written() {
        if (state_ == close_state::close_queued) state_ = close_state::close_sent;
        else if (state_ == close_state::finishing) state_ = close_state::done;
    }

    /// The peer's close frame arrived. True: our close must be queued to answer it
    /// (echoing its code, §5.5.1); ours may be queued already if the user closed.
    bool peer_closed(std::uint16_t code, std::string_view reason) {
        return stop_reading({code, std::string(reason), false});
    }

    /// We fail the connection (§7.1.7): nothing more is read. True: our close with
    /// `code` must be queued (unless a close of ours already is).
    bool fail(std::uint16_t code, std::string_view why) { return stop_reading({code, std::string(why), true}); }

    /// The TCP connection ended or failed under us (EOF, reset, a failed write).
    /// True when this decided the outcome (1006: no close frame said otherwise).
    bool lost(std::string_view why) {
        if (!end({close_code::abnormal, std::string(why), false})) return false;
        cause_ = close_cause::lost;
        return true;
    }
    /// A deadline passed (`cause` timeout) or the server forces the end
    /// (stopped): nothing more is written.
    void abort(std::string_view why, close_cause cause = close_cause::timeout) {
        if (end({close_code::abnormal, std::string(why), true})) cause_ = cause;
    }

    /// Frames are still read (until the peer's close, or a failure).
    bool reading() const noexcept {
        return state_ == close_state::open || state_ == close_state::close_queued || state_ == close_state::close_sent;
    }
    /// Messages are delivered only while open: once we close, they are dropped.
    bool delivering() const noexcept { return state_ == close_state::open; }
    /// Anything may still be written (a queued close frame at least).
    bool writable() const noexcept { return state_ != close_state::aborted; }
    bool ended() const noexcept { return state_ == close_state::done || state_ == close_state::aborted; }

    /// How it ended (or will end): the first event that settled it.
    /// Which event settled the outcome (lost when none did).
    close_cause cause() const noexcept { return settled_ ? cause_ : close_cause::lost; }

    close_outcome outcome() const {
        if (!settled_) return {close_code::abnormal, "connection ended", false};
        return {code_, reason_, by_server_};
    }

private:
    // Nothing more is read. From open, `o` is how it ends and our close must be
    // queued; with ours on its way, done once it is written; with ours written, done.
    bool stop_reading(close_outcome o) {
        switch (state_) {
        case close_state::open:
            state_ = close_state::finishing;
            settle(std::move(o));
            return true;
        case close_state::close_queued: state_ = close_state::finishing; return false;
        case close_state::close_sent: state_ = close_state::done; return false;
        default: return false;
        }
    }

    void settle(close_outcome o) {
        if (settled_) return;
        settled_ = true;
        code_ = o.code;
        by_server_ = o.by_server;
        reason_ = std::move(o.reason);
    }
    bool end(close_outcome o) {
        if (ended()) return false;
        state_ = close_state::aborted;
        const bool decided = !settled_;
        settle(std::move(o));
        return decided;
    }

    // The outcome's fields beside the state rather than an optional<close_outcome>:
    // 40 bytes instead of 64 in every WebSocket session.
    close_state state_ = close_state::open;
    bool settled_ = false, by_server_ = false;
    close_cause cause_ = close_cause::close_frame;
    std::uint16_t code_ = close_code::abnormal;
    std::string reason_;
};

}  // namespace ringkit::ws
