#include "ringkit/middleware/default_charset.hpp"

#include <doctest/doctest.h>

#include "support/run_handler.hpp"

namespace rk = ringkit;

namespace {
std::string served_as(std::optional<std::string> type, std::string charset = "utf-8") {
    rk::handler h = [type](rk::request&) {
        rk::response r(200, {}, std::string("x"));
        if (type) r.headers.add("Content-Type", *type);
        return r;
    };
    auto app = h | rk::wrap_default_charset(charset);
    auto req = rk::test::make_request("GET", "/");
    return std::string(rk::test::run_handler(app, req).headers.get("Content-Type").value_or("(none)"));
}
}  // namespace

TEST_CASE("text types without a charset get the default one") {
    CHECK(served_as("text/html") == "text/html; charset=utf-8");
    CHECK(served_as("TEXT/CSS") == "TEXT/CSS; charset=utf-8");
    CHECK(served_as("application/xml") == "application/xml; charset=utf-8");
    CHECK(served_as("text/plain; format=flowed") == "text/plain; format=flowed; charset=utf-8");
    CHECK(served_as("text/html", "iso-8859-1") == "text/html; charset=iso-8859-1");
}

TEST_CASE("a charset already named, other types and no type are left alone") {
    CHECK(served_as("text/html; charset=iso-8859-1") == "text/html; charset=iso-8859-1");
    CHECK(served_as("text/html;Charset=\"utf-8\"") == "text/html;Charset=\"utf-8\"");
    CHECK(served_as("application/json") == "application/json");  // RFC 8259 §11: no charset parameter
    CHECK(served_as("image/png") == "image/png");
    CHECK(served_as("application/octet-stream") == "application/octet-stream");
    CHECK(served_as("textual/thing") == "textual/thing");
    CHECK(served_as(std::nullopt) == "(none)");
}
