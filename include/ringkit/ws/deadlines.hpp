// A WebSocket connection's deadlines, with no timer and no clock of its own: the
// session tells it when things happened and asks what is due at a time it
// passes in, so tests step time by hand instead of sleeping.
//
// - Idle: nothing received for half of idle_timeout → a ping (auto_ping); for
//   idle_timeout, and at least half of it after that ping → close with 1001.
//   Any received byte proves the peer alive. Stops once a close has begun.
// - Close handshake: our close frame written, the peer's not come within
//   close_timeout → drop TCP.
// - Write stall: a write pending without progress for write_timeout → drop TCP.
// The session waits on one timer for next(), and calls due() when it fires.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "ringkit/ws/config.hpp"

namespace ringkit::ws {

/// What due() found.
enum class deadline : std::uint8_t {
    none,           ///< nothing yet: wait for next()
    ping,           ///< send a ping (the idle deadline's first half)
    idle_close,     ///< close with 1001 "idle timeout"
    close_timeout,  ///< the peer did not answer our close frame: drop TCP
    write_timeout,  ///< a write made no progress: drop TCP
};

template <class Clock = std::chrono::steady_clock>
class basic_deadlines {
public:
    using time_point = typename Clock::time_point;
    using duration = std::chrono::milliseconds;

    /// The idle and close rules come from `c` (which must outlive this), the write
    /// stall from `write_timeout` (a server option, not a WebSocket one).
    basic_deadlines(const config& c, duration write_timeout, time_point now)
        : config_(&c), write_timeout_(write_timeout), last_rx_(now) {}

    /// Bytes arrived from the peer.
    void received(time_point now) noexcept {
        last_rx_ = now;
        ping_outstanding_ = false;
    }
    time_point last_received() const noexcept { return last_rx_; }
    /// Our close frame is written: the handshake deadline starts; idle rules end.
    void close_sent(time_point now) noexcept {
        closing_ = true;
        close_deadline_ = now + config_->close_timeout;
    }
    /// A close has begun (ours queued, or the peer's received): no idle pings or closes.
    void closing() noexcept { closing_ = true; }
    /// A write is pending (or made progress): its stall deadline is write_timeout from now.
    void write_progress(time_point now) noexcept {
        writing_ = true;
        write_progress_ = now;
    }
    /// No write is pending.
    void write_idle() noexcept { writing_ = false; }

    /// What is due at `now`, the most urgent first. A ping is reported once per
    /// silence: due() marks it sent.
    deadline due(time_point now) noexcept {
        if (now >= close_deadline_) return deadline::close_timeout;
        if (writing_ && now - write_progress_ >= write_timeout_) return deadline::write_timeout;
        if (!idle_applies()) return deadline::none;
        if (now >= idle_close_at()) return deadline::idle_close;
        if (config_->auto_ping && !ping_outstanding_ && now - last_rx_ >= config_->idle_timeout / 2) {
            // The peer always gets a ping, and half the timeout to answer it, before
            // an idle close, even if the timer fired late.
            ping_outstanding_ = true;
            ping_sent_ = now;
            return deadline::ping;
        }
        return deadline::none;
    }

    /// When due() next has something to report (time_point::max(): never).
    time_point next() const noexcept {
        auto at = time_point::max();
        at = std::min(at, close_deadline_);
        if (writing_) at = std::min(at, write_progress_ + write_timeout_);
        if (idle_applies()) {
            if (config_->auto_ping && !ping_outstanding_) at = std::min(at, last_rx_ + config_->idle_timeout / 2);
            else at = std::min(at, idle_close_at());
        }
        return at;
    }

private:
    bool idle_applies() const noexcept { return config_->idle_timeout.count() > 0 && !closing_; }

    // Without auto-ping: idle_timeout after the last bytes. With it: also at
    // least half of it after the ping that went unanswered.
    time_point idle_close_at() const noexcept {
        auto at = last_rx_ + config_->idle_timeout;
        if (config_->auto_ping) {
            if (!ping_outstanding_) return time_point::max();
            at = std::max(at, ping_sent_ + config_->idle_timeout / 2);
        }
        return at;
    }

    const config* config_;
    duration write_timeout_;
    time_point last_rx_, write_progress_{}, ping_sent_{};
    time_point close_deadline_ = time_point::max();  // max(): not closing (no optional: 8 bytes a session)
    bool ping_outstanding_ = false, writing_ = false, closing_ = false;
};

using deadlines = basic_deadlines<>;

}  // namespace ringkit::ws
