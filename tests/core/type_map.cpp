#include "ringkit/core/type_map.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {
struct session_data {
    std::string user;
};
struct other {};
}  // namespace

TEST_CASE("type_map stores one value per type") {
    ringkit::type_map m;
    CHECK(m.empty());
    CHECK(m.find<session_data>() == nullptr);
    m.emplace<session_data>("ann");
    REQUIRE(m.find<session_data>());
    CHECK(m.get<session_data>().user == "ann");
    m.emplace<session_data>("bob");  // replaces
    CHECK(m.get<session_data>().user == "bob");
    CHECK_FALSE(m.contains<other>());
    m.emplace<int>(7);
    CHECK(m.get<int>() == 7);
    m.clear();
    CHECK_FALSE(m.contains<int>());
}

TEST_CASE("reading a missing type is a clear error, not undefined behaviour") {
    ringkit::type_map m;
    CHECK_THROWS_WITH_AS(m.get<other>(), doctest::Contains("middleware"), std::logic_error);
}
