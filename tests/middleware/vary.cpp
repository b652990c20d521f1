#include "ringkit/middleware/vary.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace rk = ringkit;

namespace {
std::vector<std::string> vary_lines(const rk::header_list& h) {
    std::vector<std::string> out;
    for (auto& [n, v] : h)
        if (rk::detail::iequals(n, "vary")) out.push_back(v);
    return out;
}
}  // namespace

TEST_CASE("add_vary adds, appends, joins and never repeats") {
    SUBCASE("no Vary yet") {
        rk::header_list h;
        rk::add_vary(h, "Accept-Encoding");
        CHECK(vary_lines(h) == std::vector<std::string>{"Accept-Encoding"});
    }
    SUBCASE("appended to an existing one") {
        rk::header_list h{{"Vary", "Cookie"}};
        rk::add_vary(h, "Origin");
        CHECK(vary_lines(h) == std::vector<std::string>{"Cookie, Origin"});
    }
    SUBCASE("already listed, in any case") {
        rk::header_list h{{"vary", "cookie, accept-encoding"}};
        rk::add_vary(h, "Accept-Encoding");
        CHECK(vary_lines(h) == std::vector<std::string>{"cookie, accept-encoding"});
    }
    SUBCASE("Vary: * already covers everything") {
        rk::header_list h{{"Vary", "*"}};
        rk::add_vary(h, "Origin");
        CHECK(vary_lines(h) == std::vector<std::string>{"*"});
    }
    SUBCASE("several lines become one") {
        rk::header_list h{{"Vary", "Cookie"}, {"X-Other", "1"}, {"Vary", " Accept-Language "}};
        rk::add_vary(h, "Origin");
        CHECK(vary_lines(h) == std::vector<std::string>{"Cookie, Accept-Language, Origin"});
        CHECK(h.get("X-Other") == "1");
    }
    SUBCASE("an empty Vary is replaced") {
        rk::header_list h{{"Vary", ""}};
        rk::add_vary(h, "Origin");
        CHECK(vary_lines(h) == std::vector<std::string>{"Origin"});
    }
    SUBCASE("twice is once") {
        rk::header_list h;
        rk::add_vary(h, "Origin");
        rk::add_vary(h, "origin");
        CHECK(vary_lines(h) == std::vector<std::string>{"Origin"});
    }
}
