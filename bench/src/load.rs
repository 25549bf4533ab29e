//! The load driver: N virtual clients, each on its own keep-alive connection, repeat a workload's
//! step for a warm-up and then a measured window; only calls that complete inside the window
//! count, so a slow call straddling the warm-up neither inflates nor hides the rate.

use crate::client::{Client, Record, Sample};
use crate::workload::Workload;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How hard and how long to drive a server.
#[derive(Clone, Copy, Serialize)]
pub struct Settings {
    pub concurrency: usize,
    #[serde(rename = "warmup_s", serialize_with = "seconds")]
    pub warmup: Duration,
    #[serde(rename = "duration_s", serialize_with = "seconds")]
    pub duration: Duration,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// What one workload measured on one server.
#[derive(Clone, Serialize)]
pub struct Outcome {
    pub concurrency: usize,
    /// Successful calls that completed in the window.
    pub requests: u64,
    /// Refused or failed calls that completed in the window.
    pub errors: u64,
    pub seconds: f64,
    /// Successful calls per second.
    pub requests_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub mean_ms: f64,
    pub max_ms: f64,
    /// Connections opened, warm-up included: the concurrency when keep-alive holds.
    pub connections: u64,
    pub first_error: Option<String>,
}

impl Outcome {
    /// Counts the calls of `records` that completed in `[from, from + window]`.
    pub fn of(records: &[Record], from: Instant, window: Duration) -> Self {
        let to = from + window;
        let mut samples: Vec<Sample> = records
            .iter()
            .flat_map(|r| &r.samples)
            .filter(|s| s.done >= from && s.done <= to)
            .copied()
            .collect();
        samples.sort_by_key(|s| s.latency);
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let quantile = |q: f64| {
            samples
                .get(((samples.len() as f64 * q).ceil() as usize).saturating_sub(1))
                .map_or(0.0, |s| ms(s.latency))
        };
        let ok = samples.iter().filter(|s| s.ok).count() as u64;
        let total: Duration = samples.iter().map(|s| s.latency).sum();
        Self {
            concurrency: records.len(),
            requests: ok,
            errors: samples.len() as u64 - ok,
            seconds: window.as_secs_f64(),
            requests_per_s: ok as f64 / window.as_secs_f64(),
            p50_ms: quantile(0.50),
            p99_ms: quantile(0.99),
            mean_ms: if samples.is_empty() {
                0.0
            } else {
                ms(total) / samples.len() as f64
            },
            max_ms: samples.last().map_or(0.0, |s| ms(s.latency)),
            connections: records.iter().map(|r| r.connections).sum(),
            first_error: records.iter().find_map(|r| r.first_error.clone()),
        }
    }
}

/// Drives `workload` against `addr` as `account` and measures the window after the warm-up.
pub async fn drive(
    addr: SocketAddr,
    account: &str,
    workload: Workload,
    settings: Settings,
) -> Outcome {
    let workload = Arc::new(workload);
    let from = Instant::now() + settings.warmup;
    let deadline = from + settings.duration;
    let workers: Vec<_> = (0..settings.concurrency)
        .map(|worker| {
            let workload = Arc::clone(&workload);
            let mut client = Client::new(addr, account);
            tokio::spawn(async move {
                let mut n = 0u64;
                while Instant::now() < deadline {
                    // A failed step is already recorded as an error; the next one starts afresh.
                    let _ = workload.step(&mut client, worker, n).await;
                    n += 1;
                }
                client.record
            })
        })
        .collect();
    let mut records = Vec::new();
    for w in workers {
        records.push(w.await.expect("worker panicked"));
    }
    Outcome::of(&records, from, settings.duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_the_window_and_takes_exact_quantiles() {
        let from = Instant::now();
        let at = |ms: u64, latency_ms: u64, ok: bool| Sample {
            done: from + Duration::from_millis(ms),
            latency: Duration::from_millis(latency_ms),
            ok,
        };
        let mut record = Record {
            connections: 2,
            ..Record::default()
        };
        record.samples = (1..=100).map(|i| at(i * 10, i, i != 100)).collect();
        record.samples.push(at(5000, 999, true)); // after the window
        let o = Outcome::of(&[record], from, Duration::from_secs(1));
        assert_eq!((o.requests, o.errors), (99, 1));
        assert_eq!((o.p50_ms, o.p99_ms, o.max_ms), (50.0, 99.0, 100.0));
        assert_eq!(o.requests_per_s, 99.0);
        assert_eq!(o.connections, 2);
    }
}
