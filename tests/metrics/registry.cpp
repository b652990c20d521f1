#include "ringkit/metrics/registry.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

using ringkit::metrics::label;
using ringkit::metrics::registry;

TEST_SUITE("metrics/registry") {

TEST_CASE("a small registry's exact exposition: HELP, TYPE, labels in order, every series from the start") {
    registry reg;
    auto requests = reg.add_counter("http_requests_total", "Requests answered.",
                                    {label{"method", {"GET", "POST"}, {}}, label{"class", {"2xx", "5xx"}, {}}});
    auto open = reg.add_gauge("connections_open", "Connections open now.");
    reg.add_gauge_fn("queue_depth", "Jobs waiting.", [] { return 2.5; });
    requests.at({"GET", "2xx"}).inc();
    requests.at({"GET", "2xx"}).inc(2);
    requests.at({"POST", "5xx"}).inc();
    open.get().inc();
    open.get().inc();
    open.get().dec();
    CHECK(reg.expose() ==
          "# HELP http_requests_total Requests answered.\n"
          "# TYPE http_requests_total counter\n"
          "http_requests_total{method=\"GET\",class=\"2xx\"} 3\n"
          "http_requests_total{method=\"GET\",class=\"5xx\"} 0\n"
          "http_requests_total{method=\"POST\",class=\"2xx\"} 0\n"
          "http_requests_total{method=\"POST\",class=\"5xx\"} 1\n"
          "# HELP connections_open Connections open now.\n"
          "# TYPE connections_open gauge\n"
          "connections_open 1\n"
          "# HELP queue_depth Jobs waiting.\n"
          "# TYPE queue_depth gauge\n"
          "queue_depth 2.5\n");
}

TEST_CASE("help text and label values are escaped") {
    registry reg;
    auto c = reg.add_counter("odd_total", "a \\ back\nslash \"quoted\"", {label{"v", {"a\"b\\c\nd"}, {}}});
    c.at({"a\"b\\c\nd"}).inc();
    CHECK(reg.expose() ==
          "# HELP odd_total a \\\\ back\\nslash \"quoted\"\n"
          "# TYPE odd_total counter\n"
          "odd_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST_CASE("histogram buckets are cumulative, le is inclusive, +Inf equals _count") {
    registry reg;
    auto h = reg.add_histogram("latency_seconds", "Latency.", {0.1, 1, 2.5}, {label{"route", {"/a"}, {}}});
    auto s = h.at({"/a"});
    for (double v : {0.05, 0.1, 0.5, 1.0, 3.0}) s.observe(v);
    CHECK(reg.expose() ==
          "# HELP latency_seconds Latency.\n"
          "# TYPE latency_seconds histogram\n"
          "latency_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
          "latency_seconds_bucket{route=\"/a\",le=\"1\"} 4\n"
          "latency_seconds_bucket{route=\"/a\",le=\"2.5\"} 4\n"
          "latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 5\n"
          "latency_seconds_sum{route=\"/a\"} 4.65\n"
          "latency_seconds_count{route=\"/a\"} 5\n");
}

TEST_CASE("a histogram without labels") {
    registry reg;
    auto h = reg.add_histogram("size_bytes", "Sizes.", {1000000}).get();
    h.observe(2e6);
    CHECK(reg.expose() ==
          "# HELP size_bytes Sizes.\n"
          "# TYPE size_bytes histogram\n"
          "size_bytes_bucket{le=\"1e+06\"} 0\n"
          "size_bytes_bucket{le=\"+Inf\"} 1\n"
          "size_bytes_sum 2e+06\n"
          "size_bytes_count 1\n");
}

TEST_CASE("label values are a declared set; `otherwise` takes the rest") {
    registry reg;
    auto m = reg.add_counter("by_method_total", "x", {label{"method", {"GET"}, "OTHER"}});
    m.at({"BREW"}).inc();
    m.at({"GET"}).inc();
    CHECK(reg.expose().find("by_method_total{method=\"OTHER\"} 1\n") != std::string::npos);
    auto strict = reg.add_counter("strict_total", "x", {label{"class", {"2xx"}, {}}});
    CHECK_THROWS_AS(strict.at({"/users/42"}), std::invalid_argument);
    CHECK_THROWS_AS(strict.at({}), std::invalid_argument);
    CHECK_THROWS_AS(strict.at({"2xx", "extra"}), std::invalid_argument);
}

TEST_CASE("names are checked when registered") {
    registry reg;
    CHECK_THROWS_AS(reg.add_counter("requests", "no _total"), std::invalid_argument);
    CHECK_THROWS_AS(reg.add_gauge("1bad", "x"), std::invalid_argument);
    CHECK_THROWS_AS(reg.add_gauge("has-dash", "x"), std::invalid_argument);
    CHECK_THROWS_AS(reg.add_gauge("g", "x", {label{"__reserved", {"a"}, {}}}), std::invalid_argument);
    CHECK_THROWS_AS(reg.add_gauge("g", "x", {label{"l", {}, {}}}), std::invalid_argument);
    CHECK_THROWS_AS(reg.add_gauge("g", "x", {label{"l", {"a", "a"}, {}}}), std::invalid_argument);
    CHECK_THROWS_AS(reg.add_histogram("h", "x", {1}, {label{"le", {"a"}, {}}}), std::invalid_argument);
    CHECK_THROWS_AS(reg.add_histogram("h", "x", {2, 1}), std::invalid_argument);
    CHECK_THROWS_AS(reg.add_gauge_fn("f", "x", {}), std::invalid_argument);
    reg.add_gauge("taken", "x");
    CHECK_THROWS_AS(reg.add_gauge("taken", "x"), std::invalid_argument);
    CHECK(reg.expose() == "# HELP taken x\n# TYPE taken gauge\ntaken 0\n");  // nothing half-registered
}

TEST_CASE("a gauge taken below zero") {
    registry reg;
    auto g = reg.add_gauge("delta", "x").get();
    g.add(-5);
    CHECK(reg.expose().ends_with("delta -5\n"));
}

}  // TEST_SUITE
