// Request headers as Ring sees them: names lower-cased, a repeated header joined
// into one value (with "," or, for cookie, ";"). All names and values live in one
// arena string that is reused from request to request, so parsing a request
// allocates nothing per header once a connection has warmed up.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkit/core/ascii.hpp"

namespace ringkit {

class request_headers {
    struct entry {
        std::uint32_t name_off, name_len, value_off, value_len;
    };

public:
    using value_type = std::pair<std::string_view, std::string_view>;

    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = request_headers::value_type;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = value_type;

        iterator() = default;
        value_type operator*() const { return owner_->at(index_); }
        iterator& operator++() {
            ++index_;
            return *this;
        }
        iterator operator++(int) {
            auto t = *this;
            ++index_;
            return t;
        }
        bool operator==(const iterator& o) const = default;

    private:
        friend class request_headers;
        iterator(const request_headers* o, std::size_t i) : owner_(o), index_(i) {}
        const request_headers* owner_ = nullptr;
        std::size_t index_ = 0;
    };

    iterator begin() const { return {this, 0}; }
    iterator end() const { return {this, entries_.size()}; }
    std::size_t size() const noexcept { return entries_.size(); }
    bool empty() const noexcept { return entries_.empty(); }

    /// The value of header `name` (matched case-insensitively), if present.
    std::optional<std::string_view> get(std::string_view name) const noexcept {
        for (auto& e : entries_)
            if (detail::iequals(view(e.name_off, e.name_len), name)) return view(e.value_off, e.value_len);
        return std::nullopt;
    }
    bool contains(std::string_view name) const noexcept { return get(name).has_value(); }

    value_type at(std::size_t i) const noexcept {
        auto& e = entries_[i];
        return {view(e.name_off, e.name_len), view(e.value_off, e.value_len)};
    }

    /// Adds a header as the parser would: the name is lower-cased, surrounding
    /// whitespace trimmed from the value, and a repeat joined onto the first.
    void add(std::string_view name, std::string_view value) {
        begin_field();
        append_field(name);
        begin_value();
        append_value(value);
        end_value();
        merge_repeats();
    }

    void clear() noexcept {
        arena_.clear();
        entries_.clear();
    }

    /// Gives back memory one unusually large request left behind.
    void shrink(std::size_t keep) {
        if (arena_.capacity() > keep) std::string().swap(arena_);
        if (entries_.capacity() > keep / 16) std::vector<entry>().swap(entries_);
    }

    // The parser's incremental interface: llhttp hands names and values over in
    // pieces that may be split across reads.
    void begin_field() { pending_.name_off = static_cast<std::uint32_t>(arena_.size()); }
    void append_field(std::string_view piece) { arena_.append(piece); }
    std::string_view pending_name() const noexcept {
        return {arena_.data() + pending_.name_off, arena_.size() - pending_.name_off};
    }
    void begin_value() {
        pending_.name_len = static_cast<std::uint32_t>(arena_.size()) - pending_.name_off;
        pending_.value_off = static_cast<std::uint32_t>(arena_.size());
    }
    void append_value(std::string_view piece) { arena_.append(piece); }
    /// Completes the pending header; returns its (lower-cased name, trimmed value).
    /// Repeats stay separate entries until merge_repeats().
    value_type end_value() {
        pending_.value_len = static_cast<std::uint32_t>(arena_.size()) - pending_.value_off;
        // Through a local pointer: a char store may alias any member, which the
        // compiler would otherwise reload on every byte.
        char* name = arena_.data() + pending_.name_off;
        for (std::uint32_t i = 0, n = pending_.name_len; i < n; ++i) name[i] = detail::ascii_lower(name[i]);
        auto value = detail::trim_ows(view(pending_.value_off, pending_.value_len));
        pending_.value_off = static_cast<std::uint32_t>(value.data() - arena_.data());
        pending_.value_len = static_cast<std::uint32_t>(value.size());
        entries_.push_back(pending_);
        return at(entries_.size() - 1);
    }

    /// Joins every repeated header into its first occurrence, in order, with ","
    /// (";" for cookie), as the Ring spec asks. Done once per request, after the
    /// header section, so the cost stays linear in the header bytes however many
    /// repeats a client sends.
    void merge_repeats() {
        // Appending may move the arena: names are compared through fresh views.
        auto same_name = [&](std::size_t a, std::size_t b) {
            return view(entries_[a].name_off, entries_[a].name_len) == view(entries_[b].name_off, entries_[b].name_len);
        };
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            std::size_t j = i + 1;
            while (j < entries_.size() && !same_name(i, j)) ++j;
            if (j == entries_.size()) continue;
            const char separator = view(entries_[i].name_off, entries_[i].name_len) == "cookie" ? ';' : ',';
            auto joined_off = static_cast<std::uint32_t>(arena_.size());
            arena_.append(arena_, entries_[i].value_off, entries_[i].value_len);
            for (; j < entries_.size(); ++j) {
                if (!same_name(i, j)) continue;
                arena_.push_back(separator);
                arena_.append(arena_, entries_[j].value_off, entries_[j].value_len);
                entries_[j].name_len = removed;
            }
            entries_[i].value_off = joined_off;
            entries_[i].value_len = static_cast<std::uint32_t>(arena_.size()) - joined_off;
            std::erase_if(entries_, [](const entry& e) { return e.name_len == removed; });
        }
    }

    /// Drops the header begun last (a trailer the server refuses to merge).
    void discard_pending() { arena_.resize(pending_.name_off); }

private:
    std::string_view view(std::uint32_t off, std::uint32_t len) const noexcept { return {arena_.data() + off, len}; }
    static constexpr std::uint32_t removed = 0xffffffff;

    std::string arena_;
    std::vector<entry> entries_;
    entry pending_{};
};

/// Response headers: an ordered list, names kept as the handler wrote them.
/// Repeated names are allowed and written as separate lines (Set-Cookie needs this).
class header_list {
public:
    using value_type = std::pair<std::string, std::string>;

    header_list() = default;
    header_list(std::initializer_list<value_type> init) : items_(init) {}

    /// Appends a header line, keeping any earlier one of the same name.
    header_list& add(std::string name, std::string value) {
        items_.emplace_back(std::move(name), std::move(value));
        return *this;
    }
    /// Replaces every header of this name with one line.
    header_list& set(std::string_view name, std::string value) {
        erase(name);
        items_.emplace_back(std::string(name), std::move(value));
        return *this;
    }
    void erase(std::string_view name) {
        std::erase_if(items_, [&](const value_type& h) { return detail::iequals(h.first, name); });
    }
    std::optional<std::string_view> get(std::string_view name) const noexcept {
        for (auto& [n, v] : items_)
            if (detail::iequals(n, name)) return std::string_view(v);
        return std::nullopt;
    }
    bool contains(std::string_view name) const noexcept { return get(name).has_value(); }

    auto begin() const noexcept { return items_.begin(); }
    auto end() const noexcept { return items_.end(); }
    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }

private:
    std::vector<value_type> items_;
};

}  // namespace ringkit
