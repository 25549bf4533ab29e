//! The results of a comparison: what `results.json` holds, the targets judged against
//! them, and the table printed at the end of a run.

use crate::load::{Outcome, Settings};
use crate::server::Memory;
use serde::Serialize;

#[derive(Serialize)]
pub struct Results {
    pub generated_at: String,
    pub machine: Machine,
    pub settings: Settings,
    pub moto_version: String,
    /// The hello-world server under W1's requests.
    pub ceiling: Outcome,
    pub workloads: Vec<WorkloadResult>,
    pub ready_ms: Ready,
    pub memory: MemoryResults,
    pub seeding: Seeding,
    pub durability: Durability,
    pub targets: Vec<Target>,
}

/// The machine, and how busy it was: other engineers' builds share these cores.
#[derive(Serialize)]
pub struct Machine {
    pub cores: usize,
    pub load_average_before: String,
    pub load_average_after: String,
}

#[derive(Serialize)]
pub struct WorkloadResult {
    pub id: &'static str,
    pub title: String,
    pub localvpc: Outcome,
    pub moto: Option<Outcome>,
    /// Why moto did not run this workload.
    pub moto_skipped: Option<String>,
    /// localvpc's requests/s over moto's.
    pub ratio_to_moto: Option<f64>,
    /// localvpc's requests/s over the hello-world ceiling's.
    pub fraction_of_ceiling: f64,
}

impl WorkloadResult {
    pub fn new(
        id: &'static str,
        title: String,
        localvpc: Outcome,
        moto: Result<Outcome, String>,
        ceiling: &Outcome,
    ) -> Self {
        let (moto, moto_skipped) = match moto {
            Ok(m) => (Some(m), None),
            Err(why) => (None, Some(why)),
        };
        Self {
            id,
            title,
            ratio_to_moto: moto
                .as_ref()
                .map(|m| localvpc.requests_per_s / m.requests_per_s),
            fraction_of_ceiling: localvpc.requests_per_s / ceiling.requests_per_s,
            localvpc,
            moto,
            moto_skipped,
        }
    }
}

/// Process start to the first successful DescribeVpcs.
#[derive(Serialize)]
pub struct Ready {
    pub localvpc_fresh_dir: f64,
    pub localvpc_existing_dir: f64,
    /// W4's data dir, with its interfaces, after the SIGKILL of the durability check.
    pub localvpc_existing_dir_w4: f64,
    pub moto: f64,
}

#[derive(Serialize)]
pub struct MemoryResults {
    pub localvpc_idle: Memory,
    pub localvpc_idle_existing_dir: Memory,
    pub localvpc_after_w1_w3: Memory,
    /// Right after seeding W4's interfaces.
    pub localvpc_w4_seeded: Memory,
    pub localvpc_after_w4: Memory,
    pub moto_idle: Memory,
    pub moto_after_w1_w3: Memory,
}

/// Creating W4's interfaces through the API, chunk by chunk: how the create rate holds up as
/// the partition grows.
#[derive(Serialize)]
pub struct Seeding {
    pub interfaces: usize,
    pub concurrency: usize,
    pub seconds: f64,
    pub chunks: Vec<Chunk>,
}

#[derive(Serialize)]
pub struct Chunk {
    pub interfaces_before: usize,
    pub interfaces_after: usize,
    pub creates_per_s: f64,
}

/// CreateNetworkInterface at full speed on W4's partition, SIGKILL, restart, and a check
/// that every acknowledged interface is still there.
#[derive(Serialize)]
pub struct Durability {
    pub seconds: f64,
    pub creates_per_s: f64,
    pub acknowledged: usize,
    pub missing_after_restart: usize,
}

#[derive(Serialize)]
pub struct Target {
    pub target: String,
    pub goal: String,
    pub measured: String,
    pub met: bool,
}

impl Target {
    fn at_least(target: &str, goal: f64, measured: f64, unit: &str) -> Self {
        Self {
            target: target.into(),
            goal: format!(">= {goal}{unit}"),
            measured: format!("{measured:.1}{unit}"),
            met: measured >= goal,
        }
    }

    fn at_most(target: &str, goal: f64, measured: f64, unit: &str) -> Self {
        Self {
            target: target.into(),
            goal: format!("<= {goal}{unit}"),
            measured: format!("{measured:.1}{unit}"),
            met: measured <= goal,
        }
    }
}

impl Results {
    /// The targets, each judged against what this run measured.
    pub fn judge(&mut self) {
        let w4_enis = format!("{} ENIs", self.seeding.interfaces);
        let mut targets = Vec::new();
        for w in &self.workloads {
            if let Some(ratio) = w.ratio_to_moto
                && w.id != "W4"
            {
                targets.push(Target::at_least(
                    &format!("{} requests/s vs moto", w.id),
                    100.0,
                    ratio,
                    "x",
                ));
            }
        }
        if let Some(w1) = self.workloads.iter().find(|w| w.id == "W1") {
            targets.push(Target::at_least(
                "W1 fraction of hello-world ceiling",
                30.0,
                w1.fraction_of_ceiling * 100.0,
                " %",
            ));
        }
        targets.push(Target::at_most(
            "ready, existing data dir",
            20.0,
            self.ready_ms.localvpc_existing_dir,
            " ms",
        ));
        targets.push(Target::at_most(
            &format!("ready, existing data dir with {}", w4_enis),
            20.0,
            self.ready_ms.localvpc_existing_dir_w4,
            " ms",
        ));
        targets.push(Target::at_most(
            "idle RSS",
            12.0,
            self.memory.localvpc_idle.rss_mib,
            " MiB",
        ));
        if let Some(w4) = self.workloads.iter().find(|w| w.id == "W4") {
            targets.push(Target::at_most("W4 p50", 5.0, w4.localvpc.p50_ms, " ms"));
        }
        targets.push(Target::at_most(
            &format!("RSS with {} (peak)", w4_enis),
            300.0,
            self.memory.localvpc_after_w4.peak_rss_mib,
            " MiB",
        ));
        let d = &self.durability;
        targets.push(Target {
            target: "durable CreateNetworkInterface/s (SIGKILL)".into(),
            goal: ">= 5000/s, none lost".into(),
            measured: format!(
                "{:.0}/s, {} of {} lost",
                d.creates_per_s, d.missing_after_restart, d.acknowledged
            ),
            met: d.creates_per_s >= 5000.0 && d.missing_after_restart == 0,
        });
        self.targets = targets;
    }

    /// The table a person reads at the end of a run.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let line = |out: &mut String, cells: [&str; 8]| {
            out.push_str(&format!(
                "{:<56} {:<9} {:>9} {:>9} {:>9} {:>6} {:>7} {:>8}\n",
                cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]
            ));
        };
        line(
            &mut out,
            [
                "workload", "server", "req/s", "p50 ms", "p99 ms", "errors", "x moto", "ceiling",
            ],
        );
        let row =
            |out: &mut String, name: &str, server: &str, o: &Outcome, ratio: String, of: String| {
                line(
                    out,
                    [
                        name,
                        server,
                        &if o.requests_per_s < 10.0 {
                            format!("{:.2}", o.requests_per_s)
                        } else {
                            format!("{:.0}", o.requests_per_s)
                        },
                        &format!("{:.2}", o.p50_ms),
                        &format!("{:.2}", o.p99_ms),
                        &o.errors.to_string(),
                        &ratio,
                        &of,
                    ],
                );
            };
        row(
            &mut out,
            "ceiling: hello-world, axum (W1 requests)",
            "hello",
            &self.ceiling,
            String::new(),
            "100 %".into(),
        );
        for w in &self.workloads {
            let name = format!("{} {}", w.id, w.title);
            row(
                &mut out,
                &name,
                "localvpc",
                &w.localvpc,
                w.ratio_to_moto.map_or("-".into(), |r| format!("{r:.0}x")),
                format!("{:.1} %", w.fraction_of_ceiling * 100.0),
            );
            match (&w.moto, &w.moto_skipped) {
                (Some(m), _) => row(&mut out, "", "moto", m, String::new(), String::new()),
                (None, Some(why)) => {
                    out.push_str(&format!("{:<56} moto      skipped: {why}\n", ""))
                }
                (None, None) => {}
            }
        }
        let r = &self.ready_ms;
        let m = &self.memory;
        out.push_str(&format!(
            "\nready (process start -> first DescribeVpcs): localvpc fresh dir {:.1} ms, existing dir {:.1} ms, existing W4 dir ({} ENIs) {:.1} ms; moto {:.0} ms\n",
            r.localvpc_fresh_dir,
            r.localvpc_existing_dir,
            self.seeding.interfaces,
            r.localvpc_existing_dir_w4,
            r.moto
        ));
        out.push_str(&format!(
            "RSS: localvpc idle {:.1} MiB (existing dir {:.1}), after W1-W3 {:.1} MiB, with W4's {} ENIs {:.1} MiB (peak {:.1} after W4); moto idle {:.1} MiB, after W1-W3 {:.1} MiB\n",
            m.localvpc_idle.rss_mib,
            m.localvpc_idle_existing_dir.rss_mib,
            m.localvpc_after_w1_w3.rss_mib,
            self.seeding.interfaces,
            m.localvpc_w4_seeded.rss_mib,
            m.localvpc_after_w4.peak_rss_mib,
            m.moto_idle.rss_mib,
            m.moto_after_w1_w3.rss_mib
        ));
        let s = &self.seeding;
        let rates: Vec<String> = s
            .chunks
            .iter()
            .map(|c| format!("{:.0}", c.creates_per_s))
            .collect();
        out.push_str(&format!(
            "seeding {} ENIs through CreateNetworkInterface: {:.1} s; creates/s per chunk: {}\n",
            s.interfaces,
            s.seconds,
            rates.join(" ")
        ));
        out.push_str(&format!(
            "machine: {} cores, load average before {} / after {}\n\ntargets\n",
            self.machine.cores, self.machine.load_average_before, self.machine.load_average_after
        ));
        for t in &self.targets {
            out.push_str(&format!(
                "  [{}] {:<44} goal {:<26} measured {}\n",
                if t.met { "met " } else { "MISS" },
                t.target,
                t.goal,
                t.measured
            ));
        }
        out
    }
}
