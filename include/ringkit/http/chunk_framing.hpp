// The framing bytes of a chunked body on the way in (RFC 9112 §7.1), checked
// where llhttp 8 is lenient: it also takes "\rX" as the CRLF after a chunk size,
// after chunk data and after the last chunk, which lets a message end where its
// sender did not mean it to (request smuggling, a response read into the next).
// A parser hands over every framing byte (all but the chunk data its on_body
// receives), in order, in as many pieces as the reads cut them into; the verdict
// is the same for any cut. Used by request_parser and response_parser alike.
#pragma once

#include <cstddef>

namespace ringkit::detail {

class chunk_framing_check {
public:
    /// scan()'s reasons; a caller may compare the pointer.
    static constexpr char cr_without_lf[] = "CR without LF in chunked framing";
    static constexpr char lf_without_cr[] = "LF without CR in chunked framing";
    static constexpr char too_long[] = "chunk line too long";

    /// For the next chunked body.
    void reset() noexcept {
        cr_ = false;
        line_ = 0;
    }

    /// Checks the framing bytes [from, to). Null if they are well formed so far,
    /// else why not: a CR not followed by LF, an LF without CR, a line too long.
    /// `max_line`: the most bytes in one framing line (a chunk size with its
    /// extensions, or a trailer field), line end not counted; it comes with each
    /// call, not kept, as the check lives in every connection's parser.
    const char* scan(const char* from, const char* to, std::size_t max_line) noexcept {
        for (const char* p = from; p < to; ++p) {
            const char c = *p;
            if (cr_) {
                if (c != '\n') return cr_without_lf;
                cr_ = false;
                line_ = 0;
            } else if (c == '\r') {
                cr_ = true;
            } else if (c == '\n') {
                return lf_without_cr;
            } else if (++line_ > max_line) {
                return too_long;
            }
        }
        return nullptr;
    }

private:
    std::size_t line_ = 0;
    bool cr_ = false;
};

}  // namespace ringkit::detail
