//! Changes made through iproute2, many per process: consecutive changes of one namespace go
//! to one `ip -n NS -force -batch -`, which runs every line and reports each failure with its
//! line number. A launch's two dozen changes cost a handful of processes instead of one each.
//!
//! Order: a namespace's commands run in the order planned. Batches of different namespaces
//! are independent, except that a change may need a link a new veth pair brings into its
//! namespace, so everything pending runs before a change in a namespace that a pending veth
//! pair reaches (and before a veth pair into a namespace with changes pending). Changes
//! iproute2 cannot make run alone: a namespace's creation or removal after everything pending,
//! an nftables table after what is pending in its namespace, a sysctl at once (it needs only
//! its namespace, or a link no pending change creates).

use super::iproute::{is_gone, route_args, rule_args, table_route_args};
use super::{LinuxHost, run_with_input};
use crate::host::{Change, Host};
use std::collections::BTreeMap;

/// A change iproute2 makes with one command line in one namespace.
pub(super) struct IpCommand<'c> {
    pub ns: &'c str,
    pub line: String,
    /// Deleting what is already gone is not an error.
    pub deletes: bool,
}

pub(super) fn ip_command(change: &Change) -> Option<IpCommand<'_>> {
    let (line, deletes) = match change {
        Change::AddVeth {
            name,
            mac,
            peer_ns,
            peer,
            ..
        } => (
            format!("link add {name} address {mac} type veth peer name {peer} netns {peer_ns}"),
            false,
        ),
        Change::DelLink { name, .. } => (format!("link del {name}"), true),
        Change::SetLink { name, up, .. } => {
            let state = if *up { "up" } else { "down" };
            (format!("link set {name} {state}"), false)
        }
        Change::SetMtu { name, mtu, .. } => (format!("link set {name} mtu {mtu}"), false),
        // IPv6 addresses are usable at once: the VPC hands each to one ENI (no DAD on AWS's
        // links either; net-utils turns it off).
        Change::AddAddress {
            dev,
            address: address @ ipnet::IpNet::V6(_),
            ..
        } => (format!("addr add {address} dev {dev} nodad"), false),
        Change::AddAddress { dev, address, .. } => (format!("addr add {address} dev {dev}"), false),
        Change::DelAddress { dev, address, .. } => (format!("addr del {address} dev {dev}"), true),
        Change::AddRoute { route, .. } => {
            (format!("route add {}", route_args(route).join(" ")), false)
        }
        Change::DelRoute { route, .. } => {
            (format!("route del {}", route_args(route).join(" ")), true)
        }
        Change::SetNeighbour { neighbour: n, .. } => (
            format!(
                "neigh replace {} lladdr {} dev {} nud permanent",
                n.address, n.mac, n.dev
            ),
            false,
        ),
        Change::DelNeighbour { neighbour: n, .. } => {
            (format!("neigh del {} dev {}", n.address, n.dev), true)
        }
        Change::AddRule { rule, .. } | Change::DelRule { rule, .. } if rule.v6 => return None,
        Change::AddRule { rule, .. } => (format!("rule add {}", rule_args(rule).join(" ")), false),
        Change::DelRule { rule, .. } => (format!("rule del {}", rule_args(rule).join(" ")), true),
        Change::AddTableRoute { route, .. } => (
            format!("route add {}", table_route_args(route).join(" ")),
            false,
        ),
        Change::DelTableRoute { route, .. } => (
            format!("route del {}", table_route_args(route).join(" ")),
            true,
        ),
        Change::AddNamespace(_)
        | Change::DelNamespace(_)
        | Change::EnableRouting(_)
        | Change::PromptProxyArp { .. }
        | Change::SetTable { .. }
        | Change::DelTable { .. } => return None,
    };
    Some(IpCommand {
        ns: change.ns(),
        line,
        deletes,
    })
}

/// Runs `commands` (all in `ns`) in one process; one result each.
pub(super) fn run_batch(ns: &str, commands: &[IpCommand]) -> Vec<anyhow::Result<()>> {
    let lines: Vec<&str> = commands.iter().map(|c| c.line.as_str()).collect();
    match batch(ns, &lines.join("\n")) {
        Ok(failures) => outcomes(ns, commands, &failures),
        Err(error) => commands
            .iter()
            .map(|_| Err(anyhow::anyhow!("{error:#}")))
            .collect(),
    }
}

/// `ip -n NS -force -batch -` on `script`: the error message of each failed line, by number.
fn batch(ns: &str, script: &str) -> anyhow::Result<BTreeMap<usize, String>> {
    let out = run_with_input("ip", &["-n", ns, "-force", "-batch", "-"], script)?;
    let (failures, rest) = failures(&String::from_utf8_lossy(&out.stderr));
    anyhow::ensure!(
        out.status.success() || !failures.is_empty(),
        "ip -n {ns} -batch: {rest}"
    );
    Ok(failures)
}

/// `-force -batch`'s error output: each failed line's message (what precedes its
/// `Command failed -:N`), by line number, and whatever follows the last.
fn failures(stderr: &str) -> (BTreeMap<usize, String>, String) {
    let mut failures = BTreeMap::new();
    let mut message = Vec::new();
    for line in stderr.lines() {
        match line
            .strip_prefix("Command failed -:")
            .map(str::parse::<usize>)
        {
            Some(Ok(number)) => {
                failures.insert(number, message.join(" "));
                message.clear();
            }
            _ => message.push(line.trim().to_owned()),
        }
    }
    (failures, message.join(" "))
}

/// One result per command, from the failed lines' messages: deleting what is gone succeeds.
fn outcomes(
    ns: &str,
    commands: &[IpCommand],
    failures: &BTreeMap<usize, String>,
) -> Vec<anyhow::Result<()>> {
    let result = |(at, command): (usize, &IpCommand)| match failures.get(&(at + 1)) {
        Some(message) if !(command.deletes && is_gone(message)) => {
            Err(anyhow::anyhow!("ip -n {ns} {}: {message}", command.line))
        }
        _ => Ok(()),
    };
    commands.iter().enumerate().map(result).collect()
}

/// One process's (or one call's) worth of changes, by index.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// Consecutive iproute2 changes of one namespace.
    Batch(Vec<usize>),
    /// A change iproute2 cannot make.
    Alone(usize),
}

/// Groups `changes` into steps as the module explains; the steps run in order.
pub(super) fn schedule(changes: &[Change]) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut pending: Vec<(&str, Vec<usize>)> = Vec::new();
    let flush =
        |pending: &mut Vec<(&str, Vec<usize>)>, steps: &mut Vec<Step>, only: Option<&str>| {
            let (run, keep): (Vec<_>, Vec<_>) = pending
                .drain(..)
                .partition(|(ns, _)| only.is_none_or(|only| only == *ns));
            *pending = keep;
            steps.extend(run.into_iter().map(|(_, indices)| Step::Batch(indices)));
        };
    let adds_veth = |indices: &[usize], into: Option<&str>| {
        indices.iter().any(|&j| match &changes[j] {
            Change::AddVeth { peer_ns, .. } => into.is_none_or(|into| into == peer_ns),
            _ => false,
        })
    };
    for (i, change) in changes.iter().enumerate() {
        let ns = change.ns();
        let veth_into = pending
            .iter()
            .any(|(_, indices)| adds_veth(indices, Some(ns)));
        let peer_busy = match change {
            Change::AddVeth { peer_ns, .. } => pending.iter().any(|(n, _)| n == peer_ns),
            _ => false,
        };
        if veth_into || peer_busy {
            flush(&mut pending, &mut steps, None);
        }
        if ip_command(change).is_some() {
            match pending.iter_mut().find(|(n, _)| *n == ns) {
                Some((_, indices)) => indices.push(i),
                None => pending.push((ns, vec![i])),
            }
            continue;
        }
        match change {
            Change::AddNamespace(_) | Change::DelNamespace(_) => {
                flush(&mut pending, &mut steps, None)
            }
            // A sysctl needs only its namespace, or its link.
            Change::EnableRouting(_) | Change::PromptProxyArp { .. } => {
                let creates_link = pending
                    .iter()
                    .any(|(n, indices)| *n == ns && adds_veth(indices, None));
                if creates_link {
                    flush(&mut pending, &mut steps, Some(ns));
                }
            }
            _ => flush(&mut pending, &mut steps, Some(ns)),
        }
        steps.push(Step::Alone(i));
    }
    flush(&mut pending, &mut steps, None);
    steps
}

/// Makes `changes` step by step ([`schedule`]).
pub(super) fn apply_all(host: &mut LinuxHost, changes: &[Change]) -> Vec<anyhow::Result<()>> {
    let mut results: Vec<Option<anyhow::Result<()>>> = changes.iter().map(|_| None).collect();
    for step in schedule(changes) {
        match step {
            Step::Alone(i) => results[i] = Some(host.apply(&changes[i])),
            Step::Batch(indices) => {
                let commands: Vec<IpCommand> = indices
                    .iter()
                    .filter_map(|&i| ip_command(&changes[i]))
                    .collect();
                let ns = changes[indices[0]].ns();
                for (i, result) in indices.into_iter().zip(run_batch(ns, &commands)) {
                    results[i] = Some(result);
                }
            }
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every change is scheduled"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::HostState;
    use crate::model::tests::seed_003;
    use crate::model::topology;

    #[test]
    fn each_failed_line_gets_its_own_message_and_deleting_what_is_gone_succeeds() {
        let stderr = "Cannot find device \"nosuch\"\nCommand failed -:2\n\
                      Error: ipv4: Address already assigned.\nCommand failed -:3\n";
        let (failed, rest) = failures(stderr);
        assert_eq!(failed[&2], "Cannot find device \"nosuch\"");
        assert_eq!(failed[&3], "Error: ipv4: Address already assigned.");
        assert!(rest.is_empty());
        let command = |line: &str, deletes| IpCommand {
            ns: "lvpc-r-0a",
            line: line.into(),
            deletes,
        };
        let commands = [
            command("link set lo up", false),
            command("link del nosuch", true),
            command("addr add 10.0.1.1/32 dev lo", false),
        ];
        let results = outcomes("lvpc-r-0a", &commands, &failed);
        assert!(results[0].is_ok() && results[1].is_ok(), "gone already");
        let error = results[2].as_ref().unwrap_err().to_string();
        assert!(
            error.contains("addr add 10.0.1.1/32 dev lo: Error: ipv4: Address already assigned.")
        );
    }

    #[test]
    fn a_network_from_scratch_takes_few_processes_in_an_order_the_kernel_accepts() {
        let changes = crate::plan::additions(&topology(&seed_003()), &HostState::default());
        let steps = schedule(&changes);
        let order: Vec<usize> = steps
            .iter()
            .flat_map(|step| match step {
                Step::Batch(indices) => indices.clone(),
                Step::Alone(i) => vec![*i],
            })
            .collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..changes.len()).collect::<Vec<_>>(), "each once");
        let at = |i: usize| order.iter().position(|&o| o == i).unwrap();
        for (i, change) in changes.iter().enumerate() {
            for (j, later) in changes.iter().enumerate().skip(i + 1) {
                let reached = match change {
                    Change::AddVeth { peer_ns, .. } => later.ns() == peer_ns,
                    _ => false,
                };
                // A sysctl may overtake its namespace's commands, never the link it sets.
                let sysctl = matches!(
                    later,
                    Change::EnableRouting(_) | Change::PromptProxyArp { .. }
                );
                if (later.ns() == change.ns() && !sysctl) || reached {
                    assert!(at(i) < at(j), "{change:?} before {later:?}");
                }
            }
        }
        for step in &steps {
            if let Step::Batch(indices) = step {
                let ns = changes[indices[0]].ns();
                assert!(indices.iter().all(|&i| changes[i].ns() == ns));
            }
        }
        let batched = changes.iter().filter(|c| ip_command(c).is_some()).count();
        let batches = steps.iter().filter(|s| matches!(s, Step::Batch(_))).count();
        assert!(
            batches * 3 < batched,
            "{batches} processes for {batched} commands"
        );
    }
}
