#include "ringkit/metrics/exposition.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

using namespace ringkit::metrics;

namespace metrics_exposition_tests {
template <class T>
std::string value(T v) {
    std::string out;
    append_value(out, v);
    return out;
}
}  // namespace metrics_exposition_tests

TEST_SUITE("metrics/exposition") {

TEST_CASE("numbers as Prometheus parses them") {
    using metrics_exposition_tests::value;
    CHECK(value(1.0) == "1");
    CHECK(value(0.005) == "0.005");
    CHECK(value(2.5) == "2.5");
    CHECK(value(std::numeric_limits<double>::infinity()) == "+Inf");
    CHECK(value(-std::numeric_limits<double>::infinity()) == "-Inf");
    CHECK(value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
    CHECK(value(std::uint64_t{18446744073709551615ULL}) == "18446744073709551615");
    CHECK(value(std::int64_t{-3}) == "-3");
}

TEST_CASE("escaping: HELP escapes backslash and newline, label values the double quote too") {
    std::string h, l;
    append_help(h, "a\\b\n\"c\"");
    append_label_value(l, "a\\b\n\"c\"");
    CHECK(h == "a\\\\b\\n\"c\"");
    CHECK(l == "a\\\\b\\n\\\"c\\\"");
}

TEST_CASE("names") {
    CHECK(valid_metric_name("http_requests_total"));
    CHECK(valid_metric_name("ns:sub_metric"));
    CHECK_FALSE(valid_metric_name(""));
    CHECK_FALSE(valid_metric_name("9lives"));
    CHECK_FALSE(valid_metric_name("a b"));
    CHECK(valid_label_name("method"));
    CHECK_FALSE(valid_label_name("__name__"));
    CHECK_FALSE(valid_label_name("a:b"));
}

}  // TEST_SUITE
