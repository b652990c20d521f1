// How matching cost grows with the number of routes: the trie router against a
// linear scan of std::regex patterns (what many small routers do), on the same
// routes and the same requests. Routes are GitHub-API-like (static segments,
// `:params`, a few wildcards); ten core routes are in every set, the rest are
// generated around them, so the same requests hit at every size.
//
//   g++ -O2 -std=c++20 -DASIO_STANDALONE -Iinclude benchmarks/router_bench.cpp -o build/router_bench
//   build/router_bench [seconds per measurement, default 1]
//
// Prints ns per request for each size (the whole router call, with its params
// and 404/405 answers; the trie match alone; the regex scan) and the ratio
// 1000 routes / 10 routes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "ringkit/routing/router.hpp"

namespace rk = ringkit;

namespace {

struct spec {
    std::string method, path;
};

std::vector<spec> make_routes(std::size_t n) {
    std::vector<spec> r = {
        {"GET", "/"},
        {"GET", "/users/:user"},
        {"GET", "/users/:user/repos"},
        {"GET", "/repos/:owner/:repo"},
        {"GET", "/repos/:owner/:repo/issues/:number"},
        {"POST", "/repos/:owner/:repo/issues"},
        {"GET", "/repos/:owner/:repo/issues/:number/comments/:id"},
        {"GET", "/search/repositories"},
        {"GET", "/static/*path"},
        {"GET", "/orgs/:org/members/:user"},
    };
    // Five shapes, so fan-out grows at the root and deep inside /repos/:owner/:repo.
    for (std::size_t k = 0; r.size() < n; ++k) {
        const auto s = std::to_string(k);
        switch (k % 5) {
        case 0: r.push_back({"GET", "/repos/:owner/:repo/hooks" + s + "/:id"}); break;
        case 1: r.push_back({"GET", "/orgs" + s + "/:org/repos"}); break;
        case 2: r.push_back({"PATCH", "/users/:user/events" + s}); break;
        case 3: r.push_back({"DELETE", "/gists" + s + "/:id/comments/:comment_id"}); break;
        case 4: r.push_back({"GET", "/enterprise" + s + "/assets/*path"}); break;
        }
    }
    return r;
}

struct probe {
    const char* method;
    const char* target;
};

// Hits at depths 0 to 7, a wildcard, and misses near the root and deep down.
const probe probes[] = {
    {"GET", "/"},
    {"GET", "/users/octocat"},
    {"GET", "/search/repositories"},
    {"GET", "/repos/octo/hello-world/issues/1347"},
    {"POST", "/repos/octo/hello-world/issues"},
    {"GET", "/repos/octo/hello-world/issues/1347/comments/42"},
    {"GET", "/static/css/site/main.css"},
    {"GET", "/nothing/here"},
    {"GET", "/repos/octo/hello-world/nothing/1"},
};

std::string to_regex(const std::string& tmpl) {
    std::string out;
    for (std::size_t i = 0; i < tmpl.size();) {
        if (tmpl[i] == ':' || tmpl[i] == '*') {
            const bool wild = tmpl[i] == '*';
            auto end = tmpl.find('/', i);
            if (end == std::string::npos) end = tmpl.size();
            out += wild ? "(.*)" : "([^/]+)";
            i = end;
            continue;
        }
        if (std::string_view("\\^$.|?+()[]{}").find(tmpl[i]) != std::string_view::npos) out += '\\';
        out += tmpl[i++];
    }
    return out;
}

// The best of five slices of the budget: the machine may be busy with other work,
// and the least disturbed slice is the closest to the real cost.
template <class F>
double ns_per_request(double seconds, F&& run_all) {
    using clock = std::chrono::steady_clock;
    const auto budget = std::chrono::duration<double>(seconds / 5);
    double best = 1e300;
    for (int slice = 0; slice < 5; ++slice) {
        std::size_t rounds = 0;
        const auto start = clock::now();
        auto now = start;
        do {
            for (int i = 0; i < 16; ++i) run_all();
            rounds += 16;
            now = clock::now();
        } while (now - start < budget);
        const double ns = std::chrono::duration<double, std::nano>(now - start).count();
        best = std::min(best, ns / static_cast<double>(rounds * std::size(probes)));
    }
    return best;
}

volatile int sink = 0;  // keeps the work observable

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
    const std::size_t sizes[] = {10, 100, 1000};
    double trie_ns[3] = {}, match_ns[3] = {}, regex_ns[3] = {};

    std::vector<rk::request> requests;
    for (auto& p : probes) {
        rk::request req;
        req.method_name = p.method;
        req.request_method = rk::method_from_name(p.method);
        req.uri = p.target;
        requests.push_back(std::move(req));
    }

    for (std::size_t s = 0; s < 3; ++s) {
        const auto specs = make_routes(sizes[s]);
        std::vector<rk::route> routes;
        for (auto& sp : specs)
            routes.push_back(rk::route(sp.method, sp.path, [](rk::request&) { return rk::response(200); }));
        const rk::router router(routes);

        // Sanity: the router and the regex scan agree on which requests hit.
        std::vector<std::pair<std::string, std::regex>> patterns;
        for (auto& sp : specs) patterns.emplace_back(sp.method, std::regex(to_regex(sp.path)));
        for (auto& req : requests) {
            req.ext.clear();
            const auto res = router(req);
            const int status = std::get<rk::response>(res).status;
            bool hit = false;
            for (auto& [m, re] : patterns)
                if (m == req.method_name && std::regex_match(req.uri, re)) {
                    hit = true;
                    break;
                }
            if ((status == 200) != hit) {
                std::fprintf(stderr, "disagreement on %s %s: router %d, regex %s\n",
                             std::string(req.method_name).c_str(), req.uri.c_str(), status, hit ? "hit" : "miss");
                return 1;
            }
        }

        trie_ns[s] = ns_per_request(seconds, [&] {
            for (auto& req : requests) {
                req.ext.clear();
                sink = sink + std::get<rk::response>(router(req)).status;
            }
        });
        // The matcher alone: split the path, walk the trie to the first leaf.
        rk::path_trie trie;
        for (std::uint32_t i = 0; i < specs.size(); ++i) {
            auto segs = rk::parse_template(specs[i].path);
            const auto kind = !segs.empty() && segs.back().what == rk::template_segment::kind::wildcard
                                  ? rk::path_trie::leaf_kind::wildcard
                                  : rk::path_trie::leaf_kind::exact;
            trie.slot(segs, kind, specs[i].path) = i;
        }
        trie.finalize();
        match_ns[s] = ns_per_request(seconds, [&] {
            rk::path_segments segs;
            for (auto& req : requests) {
                segs.split(req.uri);
                sink =
                    sink + trie.match(segs, [](std::uint32_t leaf, auto&&...) { return leaf != rk::path_trie::none; });
            }
        });
        regex_ns[s] = ns_per_request(seconds, [&] {
            std::smatch m;
            for (auto& req : requests) {
                int status = 404;
                for (auto& [method, re] : patterns)
                    if (method == req.method_name && std::regex_match(req.uri, m, re)) {
                        status = 200;
                        break;
                    }
                sink = sink + status;
            }
        });
        std::printf("%5zu routes: router %7.1f ns/request   trie match alone %6.1f ns   regex scan %9.1f ns\n",
                    sizes[s], trie_ns[s], match_ns[s], regex_ns[s]);
    }
    std::printf("ratio 1000/10: router %.2fx, trie match alone %.2fx, regex scan %.1fx\n", trie_ns[2] / trie_ns[0],
                match_ns[2] / match_ns[0], regex_ns[2] / regex_ns[0]);
    return 0;
}
