// The router's path matcher: route templates ("/users/:id", "/files/*path")
// compiled into a trie of path segments, and a request path split into
// percent-decoded segments walked down it. Matching costs O(path length) and
// does not depend on how many routes there are: each segment is one lookup in
// a lookup among the static children (a hash probe on wide nodes, a binary
// search on narrow ones), one param child and one wildcard.
//
// Precedence, at every depth: a static segment beats a param, a param beats a
// wildcard, a wildcard beats a mount. When the preferred branch dead-ends the
// walk backs up and tries the next one. A trie node sits at one fixed depth, so
// no node is visited twice in one match: the worst case is the number of trie
// nodes (the total length of the templates), and a router with at most one
// route per shape walks no more than the depth of the path plus the dead ends
// hanging off it.
//
// Segments are compared percent-DECODED (RFC 3986 §2.1: "%61" and "a" are the
// same), one segment at a time, so an encoded slash ("%2F") stays inside its
// segment and never splits a path. A malformed escape makes the whole path
// malformed (the router answers 400). The matcher does not normalise: "." and
// ".." are ordinary segments (RFC 3986 §5.2.4 dot-removal is for resolving
// references, not for servers), empty segments ("//") are kept, and a trailing
// slash is one more, empty, segment.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkit/http/url.hpp"

namespace ringkit {

/// The limits a route template must keep to.
struct template_limits {
    /// Params (and a wildcard) in one template: bounds the matcher's capture stack.
    static constexpr std::size_t max_captures = 16;
};

/// One segment of a route template.
struct template_segment {
    enum class kind : std::uint8_t { literal, param, wildcard };
    kind what = kind::literal;
    std::string text;  ///< the decoded literal, or the param / wildcard name
};

namespace detail {
inline bool is_param_name(std::string_view name) noexcept {
    if (name.empty()) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    return true;
}
}  // namespace detail

/// Parses a route template: "/" then segments separated by '/'; ":name" is a
/// param (one non-empty segment), "*name" or "*" a wildcard (the rest of the
/// path, last only). Literal segments may be percent-encoded ("%3Aid" is a
/// literal ":id"). Only the last segment may be empty ("/users/" wants the
/// trailing slash). Throws std::invalid_argument naming the template.
inline std::vector<template_segment> parse_template(std::string_view tmpl) {
    auto fail = [&](std::string_view why) {
        throw std::invalid_argument("ringkit::router: bad route template \"" + std::string(tmpl) +
                                    "\": " + std::string(why));
    };
    if (tmpl.empty() || tmpl.front() != '/') fail("it must start with '/'");
    std::vector<template_segment> out;
    if (tmpl == "/") return out;
    std::string_view rest = tmpl.substr(1);
    std::size_t captures = 0;
    for (;;) {
        const auto slash = rest.find('/');
        const auto seg = rest.substr(0, slash);
        const bool last = slash == std::string_view::npos;
        if (!out.empty() && out.back().what == template_segment::kind::wildcard) fail("a wildcard must come last");
        if (seg.empty() && !last) fail("empty segment (\"//\")");
        if (!seg.empty() && (seg.front() == ':' || seg.front() == '*')) {
            const auto name = seg.substr(1);
            const bool wild = seg.front() == '*';
            if (!(wild && name.empty()) && !detail::is_param_name(name))
                fail("a param name is letters, digits, '_' and '-'");
            for (auto& s : out)
                if (s.what != template_segment::kind::literal && s.text == (name.empty() ? "*" : name))
                    fail("param \"" + std::string(name) + "\" appears twice");
            if (++captures > template_limits::max_captures) fail("more than 16 params");
            out.push_back({wild ? template_segment::kind::wildcard : template_segment::kind::param,
                           name.empty() ? std::string("*") : std::string(name)});
        } else {
            auto decoded = percent_decode(seg);
            if (!decoded) fail("malformed percent-escape");
            out.push_back({template_segment::kind::literal, std::move(*decoded)});
        }
        if (last) break;
        rest.remove_prefix(slash + 1);
    }
    return out;
}

/// A request path split into segments: each one's raw bytes, its decoded form and
/// where it starts in the path. Decoding allocates only when the path has a '%';
/// paths of up to 32 segments need no other allocation. The views point into the
/// path given to split() and into this object: keep both alive while using them.
class path_segments {
public:
    struct segment {
        std::string_view raw;
        std::string_view decoded;
    };

    path_segments() = default;
    path_segments(const path_segments&) = delete;
    path_segments& operator=(const path_segments&) = delete;
    ~path_segments() = default;

    /// Splits `path` (which starts with '/'; "/" has no segments). False when the
    /// path does not start with '/' or has a malformed percent-escape.
    bool split(std::string_view path) {
        path_ = path;
        size_ = 0;
        overflow_.clear();
        decoded_.clear();
        if (path.empty() || path.front() != '/') return false;
        if (path.size() == 1) return true;
        if (path.find('%') != std::string_view::npos) decoded_.reserve(path.size());  // views stay put
        std::size_t from = 1;
        for (;;) {
            auto slash = path.find('/', from);
            auto raw = path.substr(from, slash == std::string_view::npos ? std::string_view::npos : slash - from);
            std::string_view dec = raw;
            if (raw.find('%') != std::string_view::npos) {
                auto d = percent_decode(raw);
                if (!d) return false;
                const auto at = decoded_.size();
                decoded_ += *d;
                dec = std::string_view(decoded_).substr(at, d->size());
            }
            push({raw, dec});
            if (slash == std::string_view::npos) break;
            from = slash + 1;
        }
        return true;
    }

    std::size_t size() const noexcept { return size_; }
    segment operator[](std::size_t i) const noexcept {
        const slot& s = i < inline_count ? inline_[i] : overflow_[i - inline_count];
        return {{s.raw, s.raw_len}, {s.dec, s.dec_len}};
    }
    std::string_view path() const noexcept { return path_; }
    /// The raw path from the '/' before segment `i` to the end ("/" when i == size()).
    std::string_view rest_from(std::size_t i) const noexcept {
        if (i >= size_) return "/";
        return path_.substr(static_cast<std::size_t>((*this)[i].raw.data() - path_.data()) - 1);
    }
    /// Segments [from, size()) decoded and joined with '/' (a wildcard's value).
    std::string decoded_rest(std::size_t from) const {
        std::string out;
        for (std::size_t i = from; i < size_; ++i) {
            if (i > from) out += '/';
            out += (*this)[i].decoded;
        }
        return out;
    }

private:
    // Trivially constructible, so the inline slots cost nothing until used.
    struct slot {
        const char* raw;
        const char* dec;
        std::size_t raw_len, dec_len;
    };
    static constexpr std::size_t inline_count = 32;

    void push(segment s) {
        const slot sl{s.raw.data(), s.decoded.data(), s.raw.size(), s.decoded.size()};
        if (size_ < inline_count) inline_[size_] = sl;
        else overflow_.push_back(sl);
        ++size_;
    }
    std::string_view path_;
    slot inline_[inline_count];  // NOLINT(cppcoreguidelines-avoid-c-arrays): left uninitialised on purpose
    std::vector<slot> overflow_;
    std::string decoded_;
    std::size_t size_ = 0;
};

/// A param or wildcard a match bound: its name and the segments [begin, end).
struct path_capture {
    std::string_view name;
    std::uint32_t begin = 0, end = 0;
    bool wildcard = false;

    /// The decoded value: the segment, or for a wildcard the segments joined with '/'.
    std::string value(const path_segments& path) const {
        return wildcard ? path.decoded_rest(begin) : std::string(path[begin].decoded);
    }
};

/// The segment trie. Leaves are numbers the owner (the router) gives meaning to:
/// each node has at most one exact leaf (the path ends here), one wildcard leaf
/// (a wildcard consumes the rest, at least one segment, possibly empty) and one
/// mount leaf (zero or more segments follow).
class path_trie {
public:
    static constexpr std::uint32_t none = 0xffffffffU;
    enum class leaf_kind : std::uint8_t { exact, wildcard, mount };

    path_trie() : nodes_(1) {}

    /// The leaf slot of a template, creating the nodes on the way (none when new).
    /// `origin` names the route in error messages: two routes that put params of
    /// different names at the same position are refused with std::invalid_argument.
    std::uint32_t& slot(const std::vector<template_segment>& segs, leaf_kind kind, std::string_view origin) {
        std::uint32_t n = 0;
        for (const auto& s : segs) {
            if (s.what == template_segment::kind::wildcard) {
                if (kind == leaf_kind::mount) throw std::invalid_argument("ringkit::router: a mount has no wildcard");
                claim_name(nodes_[n].wild_name, nodes_[n].wild_origin, s.text, origin);
                return nodes_[n].wild_leaf;
            }
            if (s.what == template_segment::kind::param) {
                claim_name(nodes_[n].param_name, nodes_[n].param_origin, s.text, origin);
                if (nodes_[n].param == none) {
                    const auto child = new_node();
                    nodes_[n].param = child;
                }
                n = nodes_[n].param;
                continue;
            }
            auto& kids = nodes_[n].statics;
            auto it = std::lower_bound(kids.begin(), kids.end(), s.text,
                                       [](const auto& kid, const std::string& t) { return kid.first < t; });
            if (it == kids.end() || it->first != s.text) {
                const auto child = new_node();
                auto& again = nodes_[n].statics;  // new_node() may have moved the nodes
                it = std::lower_bound(again.begin(), again.end(), s.text,
                                      [](const auto& kid, const std::string& t) { return kid.first < t; });
                it = again.insert(it, {s.text, child});
                nodes_[n].index.clear();  // stale until finalize() runs again
            }
            n = it->second;
        }
        if (kind == leaf_kind::wildcard)
            throw std::invalid_argument("ringkit::router: wildcard leaf without a wildcard");
        return kind == leaf_kind::mount ? nodes_[n].mount_leaf : nodes_[n].exact_leaf;
    }

    /// Walks `path` down the trie in precedence order, calling
    /// `visit(leaf, kind, captures, consumed)` for each leaf the path reaches
    /// (`consumed`: the segments before a mount's rest). The walk stops when visit
    /// returns true; match returns whether it did. Captures are valid during the call.
    template <class Visit>
    bool match(const path_segments& path, Visit&& visit) const {
        std::array<path_capture, template_limits::max_captures> stack;
        return walk(0, 0, path, stack, 0, visit);
    }

    /// Indexes nodes with many static children by hash, so a segment costs one
    /// hash and a probe or two however wide the node is (binary search otherwise).
    /// Call once all templates are in; slot() after it drops the node's index.
    void finalize() {
        for (auto& nd : nodes_) {
            nd.index.clear();
            if (nd.statics.size() <= linear_limit) continue;
            std::size_t cap = 16;
            while (cap < nd.statics.size() * 2) cap *= 2;
            nd.index.assign(cap, none);
            for (std::uint32_t k = 0; k < nd.statics.size(); ++k) {
                auto h = hash(nd.statics[k].first) & (cap - 1);
                while (nd.index[h] != none) h = (h + 1) & (cap - 1);
                nd.index[h] = k;
            }
        }
    }

    std::size_t node_count() const noexcept { return nodes_.size(); }

private:
    static constexpr std::size_t linear_limit = 8;

    struct node {
        std::vector<std::pair<std::string, std::uint32_t>> statics;  // sorted by decoded segment
        std::vector<std::uint32_t> index;  // open addressing into statics (finalize()), power-of-two size
        std::uint32_t param = none;
        std::uint32_t exact_leaf = none, wild_leaf = none, mount_leaf = none;
        std::string param_name, param_origin, wild_name, wild_origin;
    };

    static std::size_t hash(std::string_view s) noexcept {  // FNV-1a
        std::uint64_t h = 14695981039346656037ULL;
        for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
        return static_cast<std::size_t>(h ^ (h >> 32));
    }

    /// The static child for segment `seg`, or none.
    static std::uint32_t find_static(const node& nd, std::string_view seg) noexcept {
        const auto& kids = nd.statics;
        if (!nd.index.empty()) {
            const std::size_t mask = nd.index.size() - 1;
            for (auto h = hash(seg) & mask;; h = (h + 1) & mask) {
                const auto k = nd.index[h];
                if (k == none) return none;
                if (kids[k].first == seg) return kids[k].second;
            }
        }
        auto it = std::lower_bound(kids.begin(), kids.end(), seg,
                                   [](const auto& kid, std::string_view t) { return std::string_view(kid.first) < t; });
        return it != kids.end() && it->first == seg ? it->second : none;
    }

    std::uint32_t new_node() {
        nodes_.emplace_back();
        return static_cast<std::uint32_t>(nodes_.size() - 1);
    }

    static void claim_name(std::string& name, std::string& owner, const std::string& want, std::string_view origin) {
        if (name.empty()) {
            name = want;
            owner = std::string(origin);
        } else if (name != want) {
            throw std::invalid_argument("ringkit::router: route \"" + std::string(origin) + "\" names a param \"" +
                                        want + "\" where route \"" + owner + "\" names it \"" + name + "\"");
        }
    }

    template <class Visit>
    bool walk(std::uint32_t n, std::size_t i, const path_segments& path,
              std::array<path_capture, template_limits::max_captures>& stack, std::size_t depth, Visit& visit) const {
        const node& nd = nodes_[n];
        const auto size = path.size();
        const std::span<const path_capture> caps(stack.data(), depth);
        if (i == size) {
            if (nd.exact_leaf != none && visit(nd.exact_leaf, leaf_kind::exact, caps, i)) return true;
        } else {
            const auto seg = path[i].decoded;
            if (const auto child = find_static(nd, seg); child != none && walk(child, i + 1, path, stack, depth, visit))
                return true;
            // A param is one non-empty segment: "/users/" has no id.
            if (nd.param != none && !seg.empty()) {
                stack[depth] = {nd.param_name, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + 1), false};
                if (walk(nd.param, i + 1, path, stack, depth + 1, visit)) return true;
            }
            if (nd.wild_leaf != none) {
                stack[depth] = {nd.wild_name, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(size), true};
                if (visit(nd.wild_leaf, leaf_kind::wildcard, std::span<const path_capture>(stack.data(), depth + 1), i))
                    return true;
            }
        }
        return nd.mount_leaf != none && visit(nd.mount_leaf, leaf_kind::mount, caps, i);
    }

    std::vector<node> nodes_;
};

}  // namespace ringkit
