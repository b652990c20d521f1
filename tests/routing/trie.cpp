#include "ringkit/routing/trie.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace rk = ringkit;

namespace {

using kind = rk::template_segment::kind;

// Every leaf `path` reaches, in the order the matcher offers them, as "leaf:kind:captures".
std::vector<std::string> reach(const rk::path_trie& trie, std::string_view path) {
    rk::path_segments segs;
    REQUIRE(segs.split(path));
    std::vector<std::string> out;
    trie.match(segs, [&](std::uint32_t leaf, rk::path_trie::leaf_kind k, std::span<const rk::path_capture> caps,
                         std::size_t consumed) {
        std::string s = std::to_string(leaf) + ":" + "ewm"[static_cast<int>(k)];
        for (auto& c : caps) s += " " + std::string(c.name) + "=" + c.value(segs);
        if (k == rk::path_trie::leaf_kind::mount) s += " rest=" + std::string(segs.rest_from(consumed));
        out.push_back(s);
        return false;
    });
    return out;
}

void add(rk::path_trie& trie, const std::string& tmpl, rk::path_trie::leaf_kind k, std::uint32_t leaf) {
    trie.slot(rk::parse_template(tmpl), k, tmpl) = leaf;
}

}  // namespace

TEST_CASE("templates parse into literal, param and wildcard segments") {
    auto segs = rk::parse_template("/a%20b/:id/x/*rest");
    REQUIRE(segs.size() == 4);
    CHECK((segs[0].what == kind::literal && segs[0].text == "a b"));
    CHECK((segs[1].what == kind::param && segs[1].text == "id"));
    CHECK((segs[2].what == kind::literal && segs[2].text == "x"));
    CHECK((segs[3].what == kind::wildcard && segs[3].text == "rest"));
    CHECK(rk::parse_template("/").empty());
    CHECK(rk::parse_template("/*").back().text == "*");
    auto trailing = rk::parse_template("/users/");
    REQUIRE(trailing.size() == 2);
    CHECK(trailing[1].text.empty());
    CHECK(rk::parse_template("/%3Aid")[0].what == kind::literal);  // an escaped ':' is a literal
    CHECK_THROWS_WITH_AS(rk::parse_template("/a//b"),
                         "ringkit::router: bad route template \"/a//b\": empty segment (\"//\")",
                         std::invalid_argument);
}

TEST_CASE("paths split into raw and decoded segments") {
    rk::path_segments segs;
    REQUIRE(segs.split("/a%2Fb//c/"));
    REQUIRE(segs.size() == 4);
    CHECK(segs[0].raw == "a%2Fb");
    CHECK(segs[0].decoded == "a/b");
    CHECK(segs[1].decoded.empty());
    CHECK(segs[2].decoded == "c");
    CHECK(segs[3].decoded.empty());
    CHECK(segs.rest_from(2) == "/c/");
    CHECK(segs.rest_from(4) == "/");
    CHECK(segs.decoded_rest(0) == "a/b//c/");

    REQUIRE(segs.split("/"));
    CHECK(segs.size() == 0);
    CHECK_FALSE(segs.split("/a/%4"));
    CHECK_FALSE(segs.split("a"));
    CHECK_FALSE(segs.split(""));

    std::string deep;  // past the 32 inline slots
    for (int i = 0; i < 40; ++i) deep += "/%7" + std::to_string(i % 10);
    REQUIRE(segs.split(deep));
    REQUIRE(segs.size() == 40);
    CHECK(segs[39].decoded == "y");  // %79
    CHECK(segs[35].raw == "%75");
}

TEST_CASE("the matcher offers leaves in precedence order: static, param, wildcard, mount") {
    rk::path_trie trie;
    using lk = rk::path_trie::leaf_kind;
    add(trie, "/a/b", lk::exact, 1);
    add(trie, "/a/:x", lk::exact, 2);
    add(trie, "/a/*rest", lk::wildcard, 3);
    add(trie, "/a", lk::mount, 4);
    add(trie, "/", lk::mount, 5);
    add(trie, "/:p/b", lk::exact, 6);
    CHECK(reach(trie, "/a/b") ==
          std::vector<std::string>{"1:e", "2:e x=b", "3:w rest=b", "4:m rest=/b", "6:e p=a", "5:m rest=/a/b"});
    CHECK(reach(trie, "/a/c/d") == std::vector<std::string>{"3:w rest=c/d", "4:m rest=/c/d", "5:m rest=/a/c/d"});
    CHECK(reach(trie, "/a") == std::vector<std::string>{"4:m rest=/", "5:m rest=/a"});
    CHECK(reach(trie, "/") == std::vector<std::string>{"5:m rest=/"});
    CHECK(reach(trie, "/a/") == std::vector<std::string>{"3:w rest=", "4:m rest=/", "5:m rest=/a/"});
}

TEST_CASE("one param name per position, one wildcard name per node") {
    rk::path_trie trie;
    using lk = rk::path_trie::leaf_kind;
    add(trie, "/u/:id", lk::exact, 1);
    CHECK_NOTHROW(add(trie, "/u/:id/x", lk::exact, 2));
    CHECK_THROWS_AS(add(trie, "/u/:name/y", lk::exact, 3), std::invalid_argument);
    add(trie, "/f/*a", lk::wildcard, 4);
    CHECK_THROWS_AS(add(trie, "/f/*b", lk::wildcard, 5), std::invalid_argument);
    CHECK(trie.slot(rk::parse_template("/u/:id"), lk::exact, "again") == 1);  // the same slot back
}

TEST_CASE("wide nodes find their children through the hash index, and before finalize() too") {
    rk::path_trie trie;
    using lk = rk::path_trie::leaf_kind;
    for (std::uint32_t i = 0; i < 300; ++i) add(trie, "/n" + std::to_string(i) + "/x", lk::exact, i);
    add(trie, "/:other/x", lk::exact, 1000);
    for (bool finalized : {false, true}) {
        CAPTURE(finalized);
        if (finalized) trie.finalize();
        for (std::uint32_t i = 0; i < 300; i += 7)
            CHECK(reach(trie, "/n" + std::to_string(i) + "/x") ==
                  std::vector<std::string>{std::to_string(i) + ":e", "1000:e other=n" + std::to_string(i)});
        CHECK(reach(trie, "/n300/x") == std::vector<std::string>{"1000:e other=n300"});
        CHECK(reach(trie, "/%6E5/x") == std::vector<std::string>{"5:e", "1000:e other=n5"});  // decoded before hashing
    }
    // Adding after finalize() drops the stale index of the node it changes.
    add(trie, "/late/x", lk::exact, 2000);
    CHECK(reach(trie, "/late/x") == std::vector<std::string>{"2000:e", "1000:e other=late"});
}
