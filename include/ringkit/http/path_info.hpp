// Where a mounted handler lives: the part of the path below its mount point
// (Compojure's :path-info). A router's mount records it; handlers that serve a
// tree (static files, resources) read it instead of the whole uri.
#pragma once

#include <string>
#include <string_view>

#include "ringkit/http/request.hpp"

namespace ringkit {

struct mount_point {
    std::string prefix;  ///< the mount's path, e.g. "/static" (percent-encoded, as in uri)
    std::string rest;    ///< what follows it, starting with '/' ("/" for the mount itself)
};

/// The path the handler should act on: below its mount point when mounted, else the uri.
inline std::string_view path_info(const request& req) noexcept {
    if (auto* m = req.ext.find<mount_point>()) return m->rest;
    return req.uri;
}

}  // namespace ringkit
