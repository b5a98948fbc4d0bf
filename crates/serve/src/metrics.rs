//! Counters for `GET /metrics`, in Prometheus's text format: requests by route and status, a
//! latency histogram, errors by class, and the build version served.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 8] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1, 1.0];

/// What the service has answered.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    requests: BTreeMap<String, BTreeMap<u16, u64>>,
    errors: BTreeMap<&'static str, u64>,
    latency: [u64; BUCKETS.len()],
    latency_count: u64,
    latency_sum: f64,
}

impl Metrics {
    /// Counts a request to `route` answered with `status` after `seconds`, of error `class`.
    pub fn record(&self, route: &str, status: u16, seconds: f64, class: Option<&'static str>) {
        let Ok(mut c) = self.inner.lock() else { return };
        match c.requests.get_mut(route) {
            Some(by_status) => *by_status.entry(status).or_default() += 1,
            None => {
                c.requests.insert(route.to_owned(), BTreeMap::from([(status, 1)]));
            }
        }
        if let Some(class) = class {
            *c.errors.entry(class).or_default() += 1;
        }
        for (k, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                c.latency[k] += 1;
            }
        }
        c.latency_count += 1;
        c.latency_sum += seconds;
    }

    /// The counters as Prometheus text, with the build `version` served.
    pub fn text(&self, version: &str) -> String {
        let Ok(c) = self.inner.lock() else {
            return String::new();
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP northstar_requests_total Requests answered, by route and status."
        );
        let _ = writeln!(out, "# TYPE northstar_requests_total counter");
        for (route, by_status) in &c.requests {
            for (status, n) in by_status {
                let _ = writeln!(
                    out,
                    "northstar_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP northstar_errors_total Requests refused, by error class."
        );
        let _ = writeln!(out, "# TYPE northstar_errors_total counter");
        for (class, n) in &c.errors {
            let _ = writeln!(out, "northstar_errors_total{{class=\"{class}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP northstar_request_seconds Time to answer a request.");
        let _ = writeln!(out, "# TYPE northstar_request_seconds histogram");
        for (k, bound) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "northstar_request_seconds_bucket{{le=\"{bound}\"}} {}",
                c.latency[k]
            );
        }
        let _ = writeln!(
            out,
            "northstar_request_seconds_bucket{{le=\"+Inf\"}} {}",
            c.latency_count
        );
        let _ = writeln!(out, "northstar_request_seconds_sum {}", c.latency_sum);
        let _ = writeln!(out, "northstar_request_seconds_count {}", c.latency_count);
        let _ = writeln!(out, "# HELP northstar_build_info The ICP version served.");
        let _ = writeln!(out, "# TYPE northstar_build_info gauge");
        let _ = writeln!(out, "northstar_build_info{{icp_version=\"{version}\"}} 1");
        out
    }
}
