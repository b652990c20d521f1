// ringkit: the one include.
#pragma once

#include "ringkit/core/task.hpp"
#include "ringkit/core/type_map.hpp"
#include "ringkit/http/handler.hpp"
#include "ringkit/http/headers.hpp"
#include "ringkit/http/method.hpp"
#include "ringkit/http/parser.hpp"
#include "ringkit/http/request.hpp"
#include "ringkit/http/response.hpp"
#include "ringkit/http/serializer.hpp"
#include "ringkit/http/status.hpp"
#include "ringkit/http/url.hpp"
#include "ringkit/server/connection.hpp"
#include "ringkit/server/options.hpp"
#include "ringkit/server/server.hpp"
#include "ringkit/server/worker_pool.hpp"
#include "ringkit/version.hpp"
