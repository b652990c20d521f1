// Prometheus's text exposition format 0.0.4, the bytes of it: names checked,
// help text and label values escaped, numbers written as Prometheus parses them.
// The registry (registry.hpp) decides what is written; this says how.
// https://prometheus.io/docs/instrumenting/exposition_formats/
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ringkit::metrics {

/// The Content-Type of the format.
inline constexpr std::string_view exposition_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// A metric name: [a-zA-Z_:][a-zA-Z0-9_:]*.
constexpr bool valid_metric_name(std::string_view n) noexcept {
    if (n.empty()) return false;
    for (std::size_t i = 0; i < n.size(); ++i) {
        const char c = n[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

/// A label name: [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved).
constexpr bool valid_label_name(std::string_view n) noexcept {
    if (n.empty() || n.starts_with("__")) return false;
    for (std::size_t i = 0; i < n.size(); ++i) {
        const char c = n[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

/// Appends HELP text: backslash and line feed escaped.
inline void append_help(std::string& out, std::string_view help) {
    for (const char c : help) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
}

/// Appends a label value: backslash, double quote and line feed escaped.
inline void append_label_value(std::string& out, std::string_view value) {
    for (const char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
}

/// Appends a sample value as Go's ParseFloat reads it: +Inf, -Inf, NaN, or the
/// shortest text that reads back as the same double ("1", "0.25", "1e+06").
inline void append_value(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
        return;
    }
    if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
        return;
    }
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

inline void append_value(std::string& out, std::uint64_t v) { out += std::to_string(v); }
inline void append_value(std::string& out, std::int64_t v) { out += std::to_string(v); }

/// Appends "# HELP name help\n# TYPE name type\n".
inline void append_header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
    out.append("# HELP ").append(name).append(" ");
    append_help(out, help);
    out.append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace ringkit::metrics
