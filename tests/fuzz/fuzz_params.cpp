// libFuzzer target for wrap_params (ringkit/middleware/params.hpp) on arbitrary
// query strings and urlencoded form bodies.
//
// Input layout:  [options byte] [text...]
//   options bits 0..1  max_depth 0..3;  bit 2: the text is the form body (else the query)
//   text               the query string or the body
//
// Invariants (__builtin_trap() when broken):
//   - the answer is 200 (handler ran with params), or 400/413/414 with a short text
//     body and the handler never ran; 413 only for a form, 414 only for a query;
//   - on 200: merged is the source's list, each name and value is the percent_decode
//     of a '&'-separated piece of the text, in order; re-encoding the pairs and
//     parsing again gives the same list and the same nested();
//   - nested() is an object no deeper than max_depth + 3 levels and dumps (with
//     replacement of bytes that are not UTF-8) without throwing.
#include "ringkit/middleware/params.hpp"
#include "fuzz_check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace rk = ringkit;

struct result {
    int status;
    std::optional<rk::params> p;
};

result run(std::string_view text, bool as_form, const rk::params_options& opt) {
    rk::request req;
    if (as_form) {
        req.method_name = "POST";
        req.headers.add("Content-Type", "application/x-www-form-urlencoded");
        req.body = std::string(text);
    } else {
        req.query_string = std::string(text);
    }
    std::optional<rk::params> seen;
    rk::handler app = [&](rk::request& r) {
        seen = rk::params_of(r);
        return rk::response::text("ok");
    };
    auto out = (app | rk::wrap_params(opt)).invoke(req);
    auto* res = std::get_if<rk::response>(&out);
    FUZZ_CHECK(res);  // a stack of plain functions answers at once
    if (res->status != 200) {
        FUZZ_CHECK(!seen);
        FUZZ_CHECK(!res->body_string().empty() && res->body_string().size() < 100);
    }
    return {res->status, std::move(seen)};
}

std::string encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

std::size_t depth(const nlohmann::json& j) {
    // Iterative: the value is bounded by max_depth, but the check must not trust that.
    std::size_t deepest = 0;
    std::vector<std::pair<const nlohmann::json*, std::size_t>> stack{{&j, 1}};
    while (!stack.empty()) {
        auto [node, d] = stack.back();
        stack.pop_back();
        deepest = std::max(deepest, d);
        if (node->is_structured())
            for (auto& child : *node) stack.emplace_back(&child, d + 1);
    }
    return deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    rk::params_options opt;
    opt.max_depth = data[0] & 3;
    opt.max_params = 64;
    opt.max_name_length = 64;
    const bool as_form = (data[0] & 4) != 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    const auto r = run(text, as_form, opt);
    FUZZ_CHECK(r.status == 200 || r.status == 400 || r.status == (as_form ? 413 : 414));
    if (r.status != 200) return 0;
    const auto& p = *r.p;
    const auto& list = as_form ? p.form : p.query;
    FUZZ_CHECK((as_form ? p.query : p.form).empty());
    FUZZ_CHECK(p.merged.size() == list.size());
    FUZZ_CHECK(list.size() <= opt.max_params);

    // Each pair is the decoding of the next non-empty piece of the text.
    std::string_view rest = text;
    std::string again;
    for (auto& [name, value] : list) {
        std::string_view piece;
        do {
            const auto amp = rest.find('&');
            piece = rest.substr(0, amp);
            rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        } while (piece.empty());
        const auto eq = piece.find('=');
        FUZZ_CHECK(rk::percent_decode(piece.substr(0, eq), true) == name);
        FUZZ_CHECK(eq == std::string_view::npos ? value.empty()
                                                : rk::percent_decode(piece.substr(eq + 1), true) == value);
        FUZZ_CHECK(name.size() <= opt.max_name_length);
        if (!again.empty()) again += '&';
        again += encode(name) + "=" + encode(value);
    }
    for (char c : rest) FUZZ_CHECK(c == '&');  // only empty pieces were left

    FUZZ_CHECK(p.nested().is_object());
    // The object, max_depth levels, an array collecting a repeated name, the leaf.
    FUZZ_CHECK(depth(p.nested()) <= opt.max_depth + 3);
    (void)p.nested().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

    rk::params_options roomy = opt;
    roomy.max_name_length = 3 * opt.max_name_length;  // the check is on the raw name first
    const auto back = run(again, as_form, roomy);
    FUZZ_CHECK(back.status == 200);
    const auto& list2 = as_form ? back.p->form : back.p->query;
    FUZZ_CHECK(std::equal(list.begin(), list.end(), list2.begin(), list2.end()));
    FUZZ_CHECK(back.p->nested() == p.nested());
    return 0;
}
