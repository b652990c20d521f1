// A todo list: a small JSON API and the page that uses it. The second thing to
// read after hello: a router, site_defaults (params, session, anti-forgery,
// security headers...), JSON bodies, path params and static files.
//
//   todo [--port N] [--threads N] [--public DIR]    then open http://127.0.0.1:8080/
//
// Each browser has its own list, kept in its session (a memory_store: lists end
// with the process). The page's script sends the anti-forgery token in a header.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <ringkit.hpp>
namespace rk = ringkit;

namespace {

// The session holds {"todos": [{"id", "title", "done"}...], "next_id": n}.
nlohmann::json& todos_of(rk::request& req) {
    auto& s = rk::session_of(req);
    if (!s.contains("todos")) s["todos"] = nlohmann::json::array();
    return s["todos"];
}

nlohmann::json* find_todo(rk::request& req) {
    auto id = std::string(rk::path_param(req, "id"));
    for (auto& t : todos_of(req))
        if (std::to_string(t["id"].get<long>()) == id) return &t;
    return nullptr;
}

rk::response bad_request(std::string why) { return rk::response::json({{"error", std::move(why)}}, 400); }

// GET /api/todos[?done=true|false]
rk::response list(rk::request& req) {
    auto filter = rk::params_of(req).get("done");
    auto out = nlohmann::json::array();
    for (auto& t : todos_of(req))
        if (!filter || (*filter == "true") == t["done"].get<bool>()) out.push_back(t);
    return rk::response::json(out);
}

// POST /api/todos {"title": "..."}
rk::response create(rk::request& req) {
    auto& body = rk::json_of(req);
    if (!body.is_object() || !body.contains("title") || !body["title"].is_string() ||
        body["title"].get<std::string>().empty())
        return bad_request("expected {\"title\": \"non-empty text\"}");
    auto& s = rk::session_of(req);
    long id = s.data().value("next_id", 1L);
    s["next_id"] = id + 1;
    nlohmann::json todo = {{"id", id}, {"title", body["title"]}, {"done", false}};
    todos_of(req).push_back(todo);
    auto res = rk::response::json(todo, 201);
    res.headers.add("Location", "/api/todos/" + std::to_string(id));
    return res;
}

// PATCH /api/todos/:id {"title"?, "done"?}
rk::response update(rk::request& req) {
    auto* todo = find_todo(req);
    if (!todo) return rk::response::json({{"error", "no such todo"}}, 404);
    auto& body = rk::json_of(req);
    if (!body.is_object()) return bad_request("expected a JSON object");
    if (body.contains("done")) {
        if (!body["done"].is_boolean()) return bad_request("done must be true or false");
        (*todo)["done"] = body["done"];
    }
    if (body.contains("title")) {
        if (!body["title"].is_string()) return bad_request("title must be text");
        (*todo)["title"] = body["title"];
    }
    return rk::response::json(*todo);
}

// DELETE /api/todos/:id
rk::response destroy(rk::request& req) {
    auto& todos = todos_of(req);
    auto* todo = find_todo(req);
    if (!todo) return rk::response::json({{"error", "no such todo"}}, 404);
    todos.erase(todos.begin() + (todo - &todos[0]));
    return rk::response(204);
}

// The page: static except for the anti-forgery token the script sends back.
rk::response page(rk::request& req) {
    return rk::response::html(R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ringkit todos</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content=")" +
                              rk::anti_forgery_token(req) + R"(">
<link rel="stylesheet" href="/static/style.css"></head>
<body><h1>Todos</h1>
<form id="new-todo"><input name="title" placeholder="What needs doing?" autofocus><button>Add</button></form>
<ul id="todos"></ul><p id="status"></p>
<footer>Served by ringkit: router, site_defaults, session, JSON API, static files.</footer>
<script src="/static/app.js"></script></body></html>)");
}

}  // namespace

int main(int argc, char** argv) {
    rk::server_options options;
    options.ip = "127.0.0.1";
    options.port = 8080;
    options.threads = 2;
    std::string public_dir = RINGKIT_TODO_PUBLIC_DIR;  // examples/todo/public, set by CMake
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--port")) options.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--threads")) options.threads = static_cast<unsigned>(std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--public")) public_dir = argv[i + 1];
    }

    auto app =
        rk::router{
            rk::GET("/", page),
            rk::group("/api/todos",
                      {
                          rk::GET("/", list),
                          rk::POST("/", create),
                          rk::PATCH("/:id", update),
                          rk::DELETE("/:id", destroy),
                      },
                      rk::wrap_json_body()),
            rk::files("/static", public_dir, {.cache_control = "no-cache"}),
        } |
        rk::site_defaults();

    rk::server server(app, options);
    server.start();
    std::printf("listening on %s:%u\n", options.ip.c_str(), server.port());
    std::fflush(stdout);
    rk::run_until_signal(server);
}
