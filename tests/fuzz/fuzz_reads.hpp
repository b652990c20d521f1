// How a fuzz target's bytes arrive, from one byte of its input, the way the
// network cuts them: all at once, fixed-size reads (1..64), varied read sizes from
// a small PRNG (1..256), or one byte at a time (split reads are where incremental
// parsers go wrong). Shared by the targets that feed a parser as a connection does.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fuzz {

class reads {
public:
    explicit reads(std::uint8_t b) : mode_(b >> 6), size_((b & 0x3f) + 1), state_(b | 1u) {}
    bool all_at_once() const noexcept { return mode_ == 0; }
    /// How many bytes the next read delivers, of the `left` still to come.
    std::size_t next(std::size_t left) {
        std::size_t n = left;
        switch (mode_) {
        case 0: break;             // everything at once
        case 1: n = size_; break;  // fixed 1..64
        case 2:                    // varied 1..256
            state_ = state_ * 1103515245u + 12345u;
            n = 1 + ((state_ >> 16) & 0xff);
            break;
        default: n = 1; break;  // byte by byte
        }
        return n < left ? n : left;
    }

private:
    unsigned mode_;
    std::size_t size_;
    std::uint32_t state_;
};

}  // namespace fuzz
