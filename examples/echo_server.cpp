// The conformance server: what tests, benchmarks and evaluators run against.
//   echo_server [--port N] [--threads N] [--max-body BYTES] [--max-header BYTES]
// Prints "listening on 127.0.0.1:PORT" as its first line, stops on SIGINT/SIGTERM.
#include <ringkit.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace rk = ringkit;

namespace {

// What a person sees at http://127.0.0.1:8080/ : every route, with a form for /echo.
constexpr const char* index_page = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ringkit echo_server</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44em;margin:2em auto;padding:0 1em}
code{background:#f3f3f3;padding:0 .3em}pre{background:#f3f3f3;padding:.6em;min-height:1.5em}</style></head>
<body><h1>ringkit echo_server</h1>
<p>A C++20 coroutine HTTP/1.1 server. Routes:</p>
<ul>
<li><a href="/plaintext"><code>GET /plaintext</code></a> &mdash; Hello, World!</li>
<li><a href="/json"><code>GET /json</code></a> &mdash; a JSON message</li>
<li><a href="/stream"><code>GET /stream</code></a> &mdash; a chunked response written piece by piece</li>
<li><code>POST /echo</code>, <code>PUT /echo</code> &mdash; the body back, with its content type</li>
</ul>
<form id="f"><input id="msg" value="hello ringkit" size="30"> <button>POST /echo</button></form>
<pre id="out"></pre>
<script>
document.getElementById('f').onsubmit = async (e) => {
  e.preventDefault();
  const r = await fetch('/echo', {method: 'POST', headers: {'Content-Type': 'text/plain'},
                                  body: document.getElementById('msg').value});
  document.getElementById('out').textContent = r.status + ' ' + await r.text();
};
</script></body></html>
)";

// A body written piece by piece: each write is one chunk on the wire.
rk::response stream() {
    return rk::response::stream([](rk::body_writer& out) -> rk::task<void> {
        for (int i = 1; i <= 5; ++i) co_await out.write("chunk " + std::to_string(i) + "\n");
    });
}

rk::response route(rk::request& req) {
    const auto& path = req.uri;
    const auto m = req.request_method;
    const bool get = m == rk::method::get || m == rk::method::head;
    if (path == "/" && get) return rk::response::html(index_page);
    if (path == "/plaintext" && get) return rk::response::text("Hello, World!");
    if (path == "/json" && get) return rk::response::json({{"message", "Hello, World!"}});
    if (path == "/stream" && get) return stream();
    if (path == "/echo" && (m == rk::method::post || m == rk::method::put))
        return rk::response::bytes(std::move(req.body),
                                   std::string(req.header("content-type").value_or("application/octet-stream")));
    return rk::response::not_found();
}

unsigned long arg_number(const char* flag, const char* value) {
    char* end = nullptr;
    unsigned long v = value ? std::strtoul(value, &end, 10) : 0;
    if (!value || *end != '\0') {
        std::fprintf(stderr, "echo_server: %s needs a number\n", flag);
        std::exit(2);
    }
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    rk::server_options options;
    options.ip = "127.0.0.1";
    options.port = 8080;
    options.threads = 1;
    for (int i = 1; i < argc; i += 2) {  // every flag takes a value
        const char* flag = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
        if (!std::strcmp(flag, "--port")) options.port = static_cast<std::uint16_t>(arg_number(flag, value));
        else if (!std::strcmp(flag, "--threads")) options.threads = static_cast<unsigned>(arg_number(flag, value));
        else if (!std::strcmp(flag, "--max-body")) options.max_body = arg_number(flag, value);
        else if (!std::strcmp(flag, "--max-header")) options.max_header = arg_number(flag, value);
        else {
            std::fprintf(stderr, "usage: echo_server [--port N] [--threads N] [--max-body BYTES] [--max-header BYTES]\n");
            return 2;
        }
    }

    // A plain function: no coroutine frame per request, and pipelined answers
    // are gathered into one write.
    rk::handler app = route;
    rk::server server(app, options);
    server.start();
    std::printf("listening on %s:%u\n", options.ip.c_str(), server.port());
    std::fflush(stdout);
    rk::run_until_signal(server);
}
