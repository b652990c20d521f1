// Metrics: a registry of counters, gauges and histograms with bounded labels,
// served in Prometheus's text format by rk::metrics_handler(registry), and the
// process metrics (metrics::add_process_metrics) and the server's own
// (metrics::server_metrics, server_options::metrics). Health checks for balancers,
// rk::liveness_handler() and rk::readiness_handler(server), are in
// <ringkit/server/health.hpp>, included here.
#pragma once

#include "ringkit/metrics/counter.hpp"
#include "ringkit/metrics/exposition.hpp"
#include "ringkit/metrics/gauge.hpp"
#include "ringkit/metrics/handler.hpp"
#include "ringkit/metrics/histogram.hpp"
#include "ringkit/metrics/labels.hpp"
#include "ringkit/metrics/process.hpp"
#include "ringkit/metrics/registry.hpp"
#include "ringkit/metrics/server_metrics.hpp"
#include "ringkit/server/health.hpp"
