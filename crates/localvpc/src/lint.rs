//! `localvpc lint`: asks the running server (`/_localvpc/lint`) for the findings of the caller's
//! account and region and prints them as text, JSON or SARIF 2.1.0 (reachability.md §4.2).
//! Exit 0 = nothing at or above `--fail-on`, 1 = findings, 2 = error.

use crate::client::{CallError, Client};
use localvpc_analyzer::lint::{RULES, RuleInfo, Severity};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct LintArgs {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Only these rules (IDs such as LV101).
    #[arg(long, num_args = 1..)]
    only: Vec<String>,
    /// Not these rules.
    #[arg(long, num_args = 1..)]
    skip: Vec<String>,
    /// LV111 warns when a subnet's usable addresses are this full (percent).
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u8).range(1..=100))]
    subnet_full_percent: u8,
    /// Also check the guests of running instances (LV4xx; the server runs the data plane).
    #[arg(long)]
    guest: bool,
    /// The server (default: AWS_ENDPOINT_URL_EC2, else http://127.0.0.1:4566).
    #[arg(long)]
    endpoint: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

pub fn run(args: LintArgs) -> ExitCode {
    for id in args.only.iter().chain(&args.skip) {
        if localvpc_analyzer::lint::rule(id).is_none() {
            eprintln!("localvpc lint: unknown rule {id} (rules: LV101…LV404, see --help)");
            return ExitCode::from(2);
        }
    }
    let mut params = vec![("SubnetFullPercent", args.subnet_full_percent.to_string())];
    if args.guest {
        params.push(("Guest", "true".into()));
    }
    let answer = Client::discover(args.endpoint.clone())
        .map_err(CallError::from)
        .and_then(|client| client.post("/_localvpc/lint", &params));
    let mut report = match answer {
        Ok(report) => report,
        Err(e) => {
            eprintln!("localvpc lint: {e:#}");
            return ExitCode::from(2);
        }
    };
    if let Some(list) = report.get_mut("findings").and_then(Value::as_array_mut) {
        list.retain(|f| {
            let rule = text(f, "rule").to_owned();
            (args.only.is_empty() || args.only.contains(&rule)) && !args.skip.contains(&rule)
        });
    }
    match args.format {
        Format::Text => print!("{}", render_text(&report)),
        Format::Json => println!("{report:#}"),
        Format::Sarif => println!("{:#}", sarif(&report)),
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failing = threshold.is_some_and(|t| {
        findings(&report)
            .iter()
            .any(|f| Severity::parse(text(f, "severity")).is_some_and(|s| s >= t))
    });
    if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn findings(report: &Value) -> &[Value] {
    report
        .get("findings")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn resources(f: &Value) -> Vec<&str> {
    f.get("resources")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// `error LV105 eni-…: …`, then `fix:` and `from:` lines.
fn render_text(report: &Value) -> String {
    let mut out = String::new();
    for f in findings(report) {
        let primary = resources(f).first().copied().unwrap_or_default();
        let _ = writeln!(
            out,
            "{} {} {primary}: {}",
            text(f, "severity"),
            text(f, "rule"),
            text(f, "message")
        );
        let _ = writeln!(out, "  fix: {}", text(f, "fix"));
        let source = &f["source"];
        let from: Vec<String> = [
            source["seed"].as_str().map(|s| format!("seed {s}")),
            source["doc"].as_str().map(str::to_owned),
        ]
        .into_iter()
        .flatten()
        .collect();
        let _ = writeln!(out, "  from: {}", from.join("; "));
    }
    let count = |s: &str| {
        findings(report)
            .iter()
            .filter(|f| text(f, "severity") == s)
            .count()
    };
    let _ = writeln!(
        out,
        "{} errors, {} warnings, {} notes in {} {}",
        count("error"),
        count("warning"),
        count("info"),
        text(report, "account"),
        text(report, "region")
    );
    out
}

/// SARIF's level for a severity.
fn level(severity: &str) -> &'static str {
    match severity {
        "error" => "error",
        "warning" => "warning",
        _ => "note",
    }
}

/// `same-subnet-enis` → `SameSubnetEnis`.
fn pascal(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
        })
        .collect()
}

/// The ARN of a resource ID of the report's account and region.
fn arn(id: &str, account: &str, region: &str) -> String {
    let kind = match id.split_once('-').map_or("", |(p, _)| p) {
        "i" => "instance",
        "eni" => "network-interface",
        "sg" => "security-group",
        "rtb" => "route-table",
        "acl" => "network-acl",
        "igw" => "internet-gateway",
        "eipalloc" => "elastic-ip",
        "subnet" => "subnet",
        "vpc" => "vpc",
        other => other,
    };
    format!("arn:aws:ec2:{region}:{account}:{kind}/{id}")
}

fn driver_rule(r: &RuleInfo) -> Value {
    let mut properties = json!({"tags": [r.tag]});
    if let Some(s) = r.security_severity {
        properties["security-severity"] = json!(s);
    }
    json!({
        "id": r.id,
        "name": pascal(r.name),
        "shortDescription": {"text": r.name},
        "fullDescription": {"text": r.trigger},
        "help": {"text": r.fix},
        "helpUri": r.doc.unwrap_or("https://example.invalid/localvpc#lint"),
        "defaultConfiguration": {"level": level(r.severity.as_str())},
        "properties": properties,
    })
}

/// One SARIF 2.1.0 run (reachability.md §4.2).
fn sarif(report: &Value) -> Value {
    let (account, region) = (text(report, "account"), text(report, "region"));
    let results: Vec<Value> = findings(report)
        .iter()
        .map(|f| {
            let rule = text(f, "rule");
            let mut ids = resources(f);
            let location = |id: &str| {
                json!({"logicalLocations": [{"name": id, "fullyQualifiedName": arn(id, account, region), "kind": "resource"}]})
            };
            let primary = ids.first().copied().unwrap_or_default();
            let related: Vec<Value> = ids
                .iter()
                .skip(1)
                .enumerate()
                .map(|(n, id)| {
                    let mut l = location(id);
                    l["id"] = json!(n + 1);
                    l
                })
                .collect();
            let locations = vec![location(primary)];
            ids.sort_unstable();
            let digest = Sha256::digest(format!("{rule}|{}", ids.join(",")).as_bytes());
            let fingerprint: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            json!({
                "ruleId": rule,
                "ruleIndex": RULES.iter().position(|r| r.id == rule),
                "level": level(text(f, "severity")),
                "message": {"text": text(f, "message")},
                "locations": locations,
                "relatedLocations": related,
                "partialFingerprints": {"localvpcFinding/v1": fingerprint},
                "properties": {"fix": text(f, "fix"), "account": account, "region": region, "evidence": f["evidence"]},
            })
        })
        .collect();
    json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {
                "name": "localvpc-lint",
                "version": text(report, "version"),
                "informationUri": "https://example.invalid/localvpc",
                "rules": RULES.iter().map(driver_rule).collect::<Vec<_>>(),
            }},
            "automationDetails": {"id": format!("localvpc-lint/{account}/{region}/")},
            "invocations": [{"executionSuccessful": true, "endTimeUtc": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)}],
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Value {
        json!({"tool": "localvpc-lint", "version": "0.1.0", "account": "123456789012", "region": "ap-northeast-1",
            "findings": [{"rule": "LV101", "name": "same-subnet-enis", "severity": "warning",
                "resources": ["i-1", "eni-b", "eni-a"], "message": "i-1 has 2 ENIs in subnet-1", "fix": "secondary IPs",
                "source": {"seed": "004", "doc": "https://docs.aws.amazon.com/x"}, "evidence": null}]})
    }

    #[test]
    fn text_names_severity_rule_resource_fix_and_source() {
        assert_eq!(
            render_text(&report()),
            "warning LV101 i-1: i-1 has 2 ENIs in subnet-1\n  fix: secondary IPs\n  from: seed 004; https://docs.aws.amazon.com/x\n0 errors, 1 warnings, 0 notes in 123456789012 ap-northeast-1\n"
        );
    }

    /// The members SARIF 2.1.0 requires (§3.13 sarifLog, §3.14 run, §3.19 tool, §3.27 result,
    /// §3.49 reportingDescriptor) and those GitHub code scanning reads.
    #[test]
    fn sarif_has_the_required_members_and_a_stable_fingerprint() {
        let log = sarif(&report());
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "localvpc-lint");
        assert_eq!(driver["rules"].as_array().unwrap().len(), RULES.len());
        for rule in driver["rules"].as_array().unwrap() {
            assert!(rule["id"].is_string() && rule["shortDescription"]["text"].is_string());
        }
        assert_eq!(driver["rules"][0]["name"], "SameSubnetEnis");
        let security = RULES.iter().position(|r| r.id == "LV201").unwrap();
        assert_eq!(
            driver["rules"][security]["properties"]["security-severity"],
            "7.5"
        );
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "LV101");
        assert_eq!(result["ruleIndex"], 0);
        assert_eq!(result["level"], "warning");
        assert!(result["message"]["text"].is_string());
        let logical = &result["locations"][0]["logicalLocations"][0];
        assert_eq!(logical["name"], "i-1");
        assert_eq!(
            logical["fullyQualifiedName"],
            "arn:aws:ec2:ap-northeast-1:123456789012:instance/i-1"
        );
        assert_eq!(result["relatedLocations"].as_array().unwrap().len(), 2);
        // Sorted resources: the order the server lists them in does not change it.
        let mut swapped = report();
        swapped["findings"][0]["resources"] = json!(["i-1", "eni-a", "eni-b"]);
        assert_eq!(
            sarif(&swapped)["runs"][0]["results"][0]["partialFingerprints"],
            result["partialFingerprints"]
        );
        assert_eq!(
            run["automationDetails"]["id"],
            "localvpc-lint/123456789012/ap-northeast-1/"
        );
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    }
}
