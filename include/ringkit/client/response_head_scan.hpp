// response_head_scan: RFC 9112's grammar for a response head, where llhttp 8 is
// lenient, judged before llhttp sees the bytes (as http/head_scan.hpp does for
// requests).
//
// What it refuses: a status line that is not `HTTP/1.0|HTTP/1.1 SP 3DIGIT [SP
// reason-phrase]` with a status of 100..599 and no control byte in the reason (§4;
// a missing reason with its SP is tolerated, as curl and browsers do); a CR not
// followed by LF or an LF without CR anywhere in the head (§2.2 allows a bare LF;
// a client that reads it differently from a proxy is how responses get split, so
// it is refused); obs-fold (§5.2); the status line past max_status_line and the
// header section (every byte after the status line, line ends included) past
// max_header_bytes. Header names and values are llhttp's and response_parser's to
// check. It stops at the empty line that ends the head, so body bytes are never
// scanned. A line that is all in one read is judged at once (memchr finds its
// end); a line split across reads, or a faulty one, goes byte by byte, which also
// names the fault. The verdict is the same however the head is cut.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "ringkit/client/error.hpp"

namespace ringkit::detail {

class response_head_scan {
public:
    response_head_scan(std::size_t max_status_line, std::size_t max_header_bytes) noexcept
        : max_status_line_(max_status_line), max_header_bytes_(max_header_bytes) {}

    /// The head has ended: bytes from here on are the body (or another response).
    bool done() const noexcept { return state_ == done_; }
    /// For the next head (after a 1xx, or the next response on the connection).
    void reset() noexcept { *this = response_head_scan(max_status_line_, max_header_bytes_); }

    /// Scans the next bytes of the head. False on a fault (error()). `body_start`
    /// is set to the offset in `data` just after the head, if it ended, else to
    /// data.size().
    bool scan(std::string_view data, std::size_t& body_start) noexcept {
        body_start = data.size();
        std::size_t i = 0;
        bool split = false;  // no line end in what is left: the bytes go one by one
        while (i < data.size()) {
            if (const std::size_t taken = split ? 0 : whole_line(data.substr(i), split)) {
                i += taken;
            } else if (!step(data[i++])) {
                return false;
            }
            if (state_ == done_) {
                body_start = i;
                return true;
            }
        }
        return true;
    }

    /// After a fault: which.
    client_error error() const noexcept { return error_; }

private:
    enum state : std::uint8_t { status_line, line_start, header_line, almost_done, done_ };

    static constexpr std::string_view version_shape = "HTTP/1.";  // then '0' or '1'

    bool step(char c) noexcept {
        if (cr_ && c != '\n') return fail(client_error::bad_line_ending);
        if (c == '\n' && !cr_) return fail(client_error::bad_line_ending);
        cr_ = c == '\r';
        if (state_ != status_line && ++header_bytes_ > max_header_bytes_) return fail(client_error::headers_too_large);
        switch (state_) {
        case status_line:
            if (c == '\r') return pos_ >= 12 || fail(client_error::bad_status_line);  // "HTTP/1.1 200" at least
            if (c == '\n') {
                state_ = line_start;
                return true;
            }
            if (++pos_ > max_status_line_) return fail(client_error::status_line_too_long);
            return status_line_byte(c) || fail(client_error::bad_status_line);
        case line_start:
            if (c == ' ' || c == '\t') return fail(client_error::bad_header);  // obs-fold
            state_ = c == '\r' ? almost_done : header_line;
            return true;
        case header_line:
            if (c == '\n') state_ = line_start;
            return true;
        case almost_done: state_ = done_; return true;  // c is '\n': anything else failed above
        case done_: return true;
        }
        return true;
    }

    // The status line's byte at position pos_ (1-based): the version, SP, the
    // three digits, then SP and the reason phrase.
    bool status_line_byte(char c) const noexcept {
        const auto u = static_cast<unsigned char>(c);
        if (pos_ <= version_shape.size()) return c == version_shape[pos_ - 1];
        switch (pos_) {
        case 8: return c == '0' || c == '1';
        case 9: return c == ' ';
        case 10: return c >= '1' && c <= '5';
        case 11:
        case 12: return c >= '0' && c <= '9';
        case 13: return c == ' ';
        default: return c == '\t' || (u >= 0x20 && u != 0x7f);  // reason-phrase, obs-text included
        }
    }

    // A line that starts here and ends in `rest`, judged at once (memchr finds its
    // end): the bytes taken, or 0 to send them through step(), which also names a
    // fault. Taken only where step() would find nothing wrong, so both agree.
    std::size_t whole_line(std::string_view rest, bool& split) noexcept {
        const bool at_status_line = state_ == status_line && pos_ == 0;
        if (cr_ || (!at_status_line && state_ != line_start)) return 0;
        const auto* lf = static_cast<const char*>(std::memchr(rest.data(), '\n', rest.size()));
        if (lf == nullptr) {
            split = true;
            return 0;
        }
        const auto taken = static_cast<std::size_t>(lf - rest.data()) + 1;
        if (taken < 2 || rest[taken - 2] != '\r') return 0;
        const std::string_view text = rest.substr(0, taken - 2);
        if (text.find('\r') != std::string_view::npos) return 0;
        if (at_status_line) {
            if (text.size() > max_status_line_ || !status_line_ok(text)) return 0;
            pos_ = text.size();
        } else {
            if (!text.empty() && (text.front() == ' ' || text.front() == '\t')) return 0;
            if (header_bytes_ + taken > max_header_bytes_) return 0;
            header_bytes_ += taken;
        }
        state_ = text.empty() && !at_status_line ? done_ : line_start;
        return taken;
    }

    // The status line all at once, as status_line_byte() would judge it byte by byte.
    static bool status_line_ok(std::string_view line) noexcept {
        if (line.size() < 12 || !line.starts_with(version_shape)) return false;
        if ((line[7] != '0' && line[7] != '1') || line[8] != ' ') return false;
        if (line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9' || line[11] < '0' || line[11] > '9')
            return false;
        if (line.size() > 12 && line[12] != ' ') return false;
        bool control = false;  // no early exit: the compiler can vectorize this
        for (const char c : line.substr(12)) {
            const auto u = static_cast<unsigned char>(c);
            control |= (u < 0x20 && u != '\t') | (u == 0x7f);
        }
        return !control;
    }

    bool fail(client_error e) noexcept {
        error_ = e;
        return false;
    }

    std::size_t max_status_line_, max_header_bytes_;
    std::size_t pos_ = 0;           // status-line bytes so far, line end not counted
    std::size_t header_bytes_ = 0;  // bytes after the status line
    client_error error_ = client_error::bad_status_line;
    state state_ = status_line;
    bool cr_ = false;
};

}  // namespace ringkit::detail
