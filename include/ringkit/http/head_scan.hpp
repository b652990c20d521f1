// head_scan: RFC 9112's grammar for a request head, where llhttp 8 is lenient.
//
// A pass over the head (request line and header section), ahead of llhttp, for
// what llhttp 8 accepts but RFC 9112 does not: a CR not followed by LF (§2.2;
// llhttp takes "\rX" as a line end, which smuggles requests), obs-fold (a line
// starting with SP or HTAB, §5.2), a request line that is not exactly `method SP
// request-target SP HTTP-version` (§3), and head bytes llhttp skips without a
// callback, which still count against the limit. It stops at the empty line that
// ends the head, so body bytes are never scanned.
//
// llhttp reports one error, HPE_INVALID_VERSION, both for a version it does not
// serve ("HTTP/2.0": 505) and for a malformed line ("HTTP/1.1 extra", "HTTP/1.x",
// "GET /a b HTTP/1.1": 400, RFC 9112 §3), and it fails at the first bad byte. So the
// grammar is judged here, before llhttp sees the byte; what reaches llhttp's
// version check is well formed, and its error means 505.
//
// Most heads arrive whole, and a line that is all in one read is judged at once
// (memchr finds its end); a line split across reads, or a faulty one, goes byte by
// byte, which also names the fault. Both give the same verdict for the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace ringkit::detail {

// Small, as it lives in every connection: the limit comes with each call, and a
// fault is returned, not kept.
class head_scan {
public:
    /// What breaks the grammar: the status to answer with (0: nothing) and why.
    struct fault {
        int status = 0;
        const char* why = "";
        explicit operator bool() const noexcept { return status != 0; }
    };

    /// The head has ended: bytes from here on are the body or the next request.
    bool done() const noexcept { return state_ == done_; }
    /// For the next request on the connection.
    void reset() noexcept { *this = head_scan(); }

    /// Scans the next bytes of the head; `limit` is the most head bytes (request
    /// line and headers) before 431. `body_start` is set to the offset in `data`
    /// just after the head, if it ended, else to data.size().
    fault scan(std::string_view data, std::size_t limit, std::size_t& body_start) {
        body_start = data.size();
        std::size_t i = 0;
        bool split = false;
        while (i < data.size()) {
            if (const std::size_t taken = split ? 0 : whole_line(data.substr(i), limit, split)) {
                i += taken;
                continue;
            }
            if (const fault f = step(data[i++], limit)) return f;
            if (state_ == done_) {
                body_start = i;
                break;
            }
        }
        return {};
    }

private:
    enum state : std::uint8_t { before, request_line, line, line_start, almost_done, done_ };

    static constexpr std::string_view version_shape = "HTTP/0.0";  // '0' stands for any DIGIT

    // One byte, the slow way.
    fault step(char c, std::size_t limit) noexcept {
        if (++bytes_ > limit) return {431, "request head too large"};
        if (cr_ && c != '\n') return {400, "CR without LF"};
        cr_ = c == '\r';
        switch (state_) {
        case before:                                // RFC 9112 §2.2: ignore empty lines before the request
            if (c == '\r' || c == '\n') return {};  // counted against the head limit above
            state_ = request_line;
            [[fallthrough]];
        case request_line:
            if (c == '\r' || c == '\n') {
                if (spaces_ != 2 || version_ != version_shape.size()) return {400, "malformed request line"};
                if (c == '\n') state_ = line_start;
            } else if (const char* why = request_line_error(c)) {
                return {400, why};
            }
            break;
        case line:
            if (c == '\n') state_ = line_start;
            break;
        case line_start:
            if (c == ' ' || c == '\t') return {400, "obsolete line folding"};
            state_ = c == '\r' ? almost_done : c == '\n' ? done_ : line;
            break;
        case almost_done:
            state_ = done_;  // c is '\n': a lone CR failed above
            break;
        case done_: break;
        }
        return {};
    }

    // One byte of the request line, not its end. Returns the reason it breaks the
    // grammar, or null. The method and target are llhttp's to check, except for the
    // separators; the version is checked here against "HTTP/" DIGIT "." DIGIT.
    const char* request_line_error(char c) noexcept {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return "control byte in request line";  // HTAB included: only SP separates
        if (c == ' ') {
            if (last_sp_) return "extra space in request line";
            last_sp_ = true;
            return ++spaces_ > 2 ? "request line has more than three parts" : nullptr;
        }
        last_sp_ = false;
        if (spaces_ < 2) return nullptr;
        if (version_ >= version_shape.size()) return "malformed HTTP version";
        const char want = version_shape[version_++];
        const bool ok = want == '0' ? (c >= '0' && c <= '9') : c == want;
        return ok ? nullptr : "malformed HTTP version";
    }

    // The request line all at once: true only where request_line_error, byte by byte,
    // would find nothing wrong (a false sends the line through it, which names the fault).
    static bool request_line_ok(std::string_view line) noexcept {
        const auto sp1 = line.find(' ');
        const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
        if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return false;
        const std::string_view version = line.substr(sp2 + 1);
        if (version.size() != version_shape.size()) return false;
        for (std::size_t k = 0; k < version.size(); ++k) {
            const char want = version_shape[k], c = version[k];
            if (want == '0' ? (c < '0' || c > '9') : c != want) return false;
        }
        bool control = false;  // no early exit: the compiler can vectorize this
        for (const char c : line.substr(0, sp2)) {
            const auto u = static_cast<unsigned char>(c);
            control |= (u < 0x20) | (u == 0x7f);
        }
        return !control;
    }

    // A line that is all in `rest`, from the start of a request line or from within
    // a header line, at once. Returns the bytes taken, 0 for none (then the bytes go
    // one by one); `split` is set when no line ends in `rest`, so that the bytes left
    // are not searched again.
    std::size_t whole_line(std::string_view rest, std::size_t limit, bool& split) noexcept {
        const bool at_request_line = state_ == before && rest[0] != '\r' && rest[0] != '\n';
        if (cr_ || (!at_request_line && state_ != line)) return 0;
        const auto* lf = static_cast<const char*>(std::memchr(rest.data(), '\n', rest.size()));
        if (lf == nullptr) {
            split = true;
            return 0;
        }
        const auto taken = static_cast<std::size_t>(lf - rest.data()) + 1;
        if (bytes_ + taken > limit) return 0;
        std::string_view text = rest.substr(0, taken - 1);
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        if (text.find('\r') != std::string_view::npos) return 0;
        if (at_request_line && !request_line_ok(text)) return 0;
        bytes_ += taken;
        state_ = line_start;
        return taken;
    }

    std::size_t bytes_ = 0;
    state state_ = before;
    bool last_sp_ = false, cr_ = false;
    std::uint8_t spaces_ = 0;   // SPs seen in the request line
    std::uint8_t version_ = 0;  // bytes of HTTP-version seen (after the second SP)
};

}  // namespace ringkit::detail
