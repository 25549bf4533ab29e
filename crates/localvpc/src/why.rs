//! `localvpc why SRC DST`: asks the running server (`/_localvpc/why`) and prints the trace hop by
//! hop, the verdict and, for a failure, the smallest change that lets the packet through
//! (reachability.md §3.5). Exit 0 reachable, 1 not, 2 bad input or no server.

use crate::client::{CallError, Client};
use serde_json::Value;
use std::fmt::Write;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct WhyArgs {
    /// Where the packet starts: an instance, ENI, private IP address, `internet` or an
    /// internet gateway; or a stored analysis (`nia-…`) to render its trace.
    source: String,
    /// Where it goes: an instance, ENI, IP address, `internet` or an internet gateway.
    destination: Option<String>,
    #[arg(long, value_enum, default_value_t = Protocol::Tcp)]
    protocol: Protocol,
    /// The destination port (default: any).
    #[arg(long)]
    port: Option<u16>,
    /// The source address, when the source holds several.
    #[arg(long)]
    source_ip: Option<std::net::Ipv4Addr>,
    /// A component (ID or ARN) the forward path must cross (AWS's FilterInArns); repeatable.
    #[arg(long)]
    filter_in: Vec<String>,
    /// A component the forward path must not cross (FilterOutArns); repeatable.
    #[arg(long)]
    filter_out: Vec<String>,
    /// Look inside the instances too (`auto`: when the server runs the data plane).
    #[arg(long, value_enum, default_value_t = Guest::Auto)]
    guest: Guest,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The server (default: AWS_ENDPOINT_URL_EC2, else http://127.0.0.1:4566).
    #[arg(long)]
    endpoint: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Protocol {
    Tcp,
    Udp,
    Icmp,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Guest {
    Auto,
    On,
    Off,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: WhyArgs) -> ExitCode {
    let answer = Client::discover(args.endpoint.clone())
        .map_err(CallError::from)
        .and_then(|client| client.post("/_localvpc/why", &params(&args)));
    let trace = match answer {
        Ok(trace) => trace,
        Err(e) => {
            eprintln!("localvpc why: {e:#}");
            return ExitCode::from(2);
        }
    };
    match args.format {
        Format::Json => println!("{trace:#}"),
        Format::Text => print!("{}", text(&trace)),
    }
    if reachable(&trace) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn params(args: &WhyArgs) -> Vec<(&'static str, String)> {
    let Some(destination) = &args.destination else {
        return vec![("Analysis", args.source.clone())];
    };
    let protocol = match args.protocol {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Icmp => "icmp",
    };
    let mut params = vec![
        ("Source", args.source.clone()),
        ("Destination", destination.clone()),
        ("Protocol", protocol.to_owned()),
    ];
    if let Some(port) = args.port {
        params.push(("Port", port.to_string()));
    }
    params.push((
        "Guest",
        match args.guest {
            Guest::Auto => "auto",
            Guest::On => "on",
            Guest::Off => "off",
        }
        .to_owned(),
    ));
    params.extend(args.filter_in.iter().map(|c| ("FilterIn", c.clone())));
    params.extend(args.filter_out.iter().map(|c| ("FilterOut", c.clone())));
    if let Some(ip) = args.source_ip {
        params.push(("SourceIp", ip.to_string()));
    }
    params
}

/// The guest-aware verdict when the server could observe the guests, else the VPC's.
fn reachable(trace: &Value) -> bool {
    let verdict = trace
        .get("guest_verdict")
        .filter(|v| !v.is_null())
        .or_else(|| trace.get("vpc_verdict"));
    verdict
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("REACHABLE"))
}

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The trace as reachability.md §3.5 prints it.
fn text(trace: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "flow    {}", field(trace, "flow"));
    let _ = writeln!(out, "vpc     {}", field(trace, "vpc_verdict"));
    if let Some(guest) = trace.get("guest_verdict").and_then(Value::as_str) {
        let _ = writeln!(out, "guest   {guest}");
    }
    for (name, key) in [("forward", "forward"), ("return", "return")] {
        let Some(hops) = trace.get(key).and_then(Value::as_array) else {
            continue;
        };
        let _ = writeln!(
            out,
            "{name} {}",
            field(trace, &format!("{key}_disposition"))
        );
        let width = |k: &str| hops.iter().map(|h| field(h, k).len()).max().unwrap_or(0);
        let (node, step, verdict) = (width("node"), width("step"), width("verdict"));
        for hop in hops {
            let seq = hop.get("seq").and_then(Value::as_u64).unwrap_or_default();
            let line = format!(
                "  {seq:>2} {:node$}  {:step$}  {:verdict$}  {}",
                field(hop, "node"),
                field(hop, "step"),
                field(hop, "verdict"),
                field(hop, "rule"),
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    let findings = trace.get("findings").and_then(Value::as_array);
    if let Some(findings) = findings.filter(|f| !f.is_empty()) {
        let _ = writeln!(out, "findings");
        for f in findings {
            let component = match field(f, "component") {
                "" => String::new(),
                c => format!("{c}: "),
            };
            let _ = writeln!(
                out,
                "  {}  {component}{}",
                field(f, "code"),
                field(f, "message")
            );
            if let Some(fix) = f.get("fix").and_then(Value::as_str) {
                let _ = writeln!(out, "  fix: {fix}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prints_hops_in_columns_findings_with_their_fix_and_reads_the_verdict() {
        let trace = json!({
            "flow": "tcp 10.0.1.4:0 -> 10.0.2.4:80", "vpc_verdict": "NOT REACHABLE", "guest_verdict": null,
            "forward": [
                {"seq": 1, "node": "eni-1 (eth0)", "step": "SG_EGRESS", "verdict": "PERMITTED", "rule": "egress all 0.0.0.0/0"},
                {"seq": 2, "node": "sg-2", "step": "SG_INGRESS", "verdict": "DENIED", "rule": null},
            ],
            "forward_disposition": "DENIED_IN", "return": null,
            "findings": [{"code": "ENI_SG_RULES_MISMATCH", "component": "eni-3", "message": "no ingress rule", "fix": "add ingress tcp/80 from sg-1 to sg-2"}],
        });
        assert_eq!(
            text(&trace),
            "flow    tcp 10.0.1.4:0 -> 10.0.2.4:80\nvpc     NOT REACHABLE\nforward DENIED_IN\n   1 eni-1 (eth0)  SG_EGRESS   PERMITTED  egress all 0.0.0.0/0\n   2 sg-2          SG_INGRESS  DENIED\nfindings\n  ENI_SG_RULES_MISMATCH  eni-3: no ingress rule\n  fix: add ingress tcp/80 from sg-1 to sg-2\n"
        );
        assert!(!reachable(&trace));
        assert!(reachable(
            &json!({"vpc_verdict": "REACHABLE", "guest_verdict": null})
        ));
        assert!(!reachable(
            &json!({"vpc_verdict": "REACHABLE", "guest_verdict": "NOT REACHABLE"})
        ));
    }
}
