//! The agent configuring real network namespaces through netlink (`--netns`), with metadata from
//! a fake IMDS. Needs root; each test makes its own namespaces and removes them even on failure.

mod common;

use common::Guest;
use common::fake_imds::FakeImds;

const ETH0: &str = "02:00:00:00:01:0a";
const ETH1: &str = "02:00:00:00:02:14";

fn sorted<const N: usize>(lines: [&str; N]) -> Vec<String> {
    let mut v: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn seed_003_guest() -> (Guest, FakeImds) {
    let guest = Guest::new();
    guest.plug("eth0", ETH0);
    guest.plug("eth1", ETH1);
    (guest, FakeImds::start(common::seed_003()))
}

const RULES_DEFAULT_FIRST: &str = "0: from all lookup local";
const RULES_DEFAULT_LAST: [&str; 2] = [
    "32766: from all lookup main",
    "32767: from all lookup default",
];

/// `guest-routing.md` §2's example state, and nothing else.
#[test]
fn seed_003_gives_exactly_the_guest_routing_example_and_a_second_run_changes_nothing() {
    require_root!();
    let (guest, imds) = seed_003_guest();
    let (changes, report) = guest.agent(&imds.url, &["--once"]).unwrap();
    assert_eq!(changes, 11, "{report}");
    assert!(report.starts_with("eth0 02:00:00:00:01:0a device 0 card 0: primary (main table only), metric 512, 10.0.1.10/24\n\
                                eth1 02:00:00:00:02:14 device 1 card 0: table 10001, metric 513, 10.0.2.20/24 10.0.2.21/32\n\
                                11 changes:\n"), "{report}");

    assert_eq!(
        guest.addresses(),
        [
            "eth0 10.0.1.10/24",
            "eth1 10.0.2.20/24",
            "eth1 10.0.2.21/32 noprefixroute"
        ]
    );
    assert_eq!(
        guest.rules(),
        [
            RULES_DEFAULT_FIRST,
            "10001: from 10.0.2.20 lookup 10001 proto 167",
            "10001: from 10.0.2.21 lookup 10001 proto 167",
            RULES_DEFAULT_LAST[0],
            RULES_DEFAULT_LAST[1],
        ]
    );
    assert_eq!(
        guest.routes(),
        sorted([
            "10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.10",
            "10.0.2.0/24 dev eth1 proto kernel scope link src 10.0.2.20",
            "default via 10.0.1.1 dev eth0 proto 167 metric 512",
            "default via 10.0.2.1 dev eth1 proto 167 metric 513",
            "10.0.2.0/24 dev eth1 table 10001 proto 167 scope link",
            "default via 10.0.2.1 dev eth1 table 10001 proto 167",
        ])
    );

    let (changes, report) = guest.agent(&imds.url, &["--once"]).unwrap();
    assert_eq!(changes, 0, "{report}");
    assert!(
        report.ends_with("0 changes: the guest already matches instance metadata\n"),
        "{report}"
    );
}

#[test]
fn unassign_and_detach_remove_exactly_what_belonged_to_them_and_nothing_foreign() {
    require_root!();
    let (guest, imds) = seed_003_guest();
    // Configured by someone else, some of it in the agent's table and priority range.
    guest.ns.ip(&["link", "set", "eth0", "up"]);
    guest.ns.ip(&["addr", "add", "10.0.1.99/32", "dev", "eth0"]);
    guest.ns.ip(&[
        "rule",
        "add",
        "from",
        "10.0.1.99",
        "lookup",
        "10000",
        "priority",
        "10000",
    ]);
    guest.ns.ip(&[
        "route",
        "add",
        "192.0.2.0/24",
        "dev",
        "eth0",
        "table",
        "10001",
    ]);
    let (changes, report) = guest.agent(&imds.url, &["--once"]).unwrap();
    assert_eq!(changes, 10, "eth0 was already up: {report}");

    imds.update(|i| {
        i.enis[1].private_ips.pop();
    });
    let (changes, report) = guest.agent(&imds.url, &["--once"]).unwrap();
    assert_eq!(changes, 2, "{report}");
    let ns = &guest.ns.name;
    let expected = format!(
        "2 changes:\n  ip -n {ns} rule del from 10.0.2.21 lookup 10001 priority 10001 protocol 0xa7\n  \
         ip -n {ns} addr del 10.0.2.21/32 dev eth1 noprefixroute proto 0xa7\n"
    );
    assert!(report.ends_with(&expected), "{report}");
    assert_eq!(
        guest.addresses(),
        [
            "eth0 10.0.1.10/24",
            "eth0 10.0.1.99/32",
            "eth1 10.0.2.20/24"
        ]
    );

    imds.update(|i| {
        i.enis.pop();
    });
    guest.unplug("eth1");
    let (changes, report) = guest.agent(&imds.url, &["--once"]).unwrap();
    assert_eq!(
        changes, 1,
        "the link took its addresses and routes along, only the rule is left: {report}"
    );
    assert_eq!(
        guest.addresses(),
        ["eth0 10.0.1.10/24", "eth0 10.0.1.99/32"]
    );
    assert_eq!(
        guest.rules(),
        [
            RULES_DEFAULT_FIRST,
            "10000: from 10.0.1.99 lookup 10000",
            RULES_DEFAULT_LAST[0],
            RULES_DEFAULT_LAST[1]
        ]
    );
    assert_eq!(
        guest.routes(),
        sorted([
            "10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.10",
            "default via 10.0.1.1 dev eth0 proto 167 metric 512",
            "192.0.2.0/24 dev eth0 table 10001 scope link",
        ])
    );
    assert_eq!(guest.agent(&imds.url, &["--once"]).unwrap().0, 0);
}

/// Seed 001: the secondary IP that had to be added by hand comes up as a /32 alias.
#[test]
fn seed_001_secondary_ip_is_configured() {
    require_root!();
    let guest = Guest::new();
    guest.plug("eth0", "06:16:62:3a:1c:a1");
    let imds = FakeImds::start(common::seed_001());
    let (changes, report) = guest.agent(&imds.url, &["--once", "--imds-v1"]).unwrap();
    assert_eq!(changes, 4, "{report}");
    assert_eq!(
        guest.addresses(),
        [
            "eth0 192.168.1.100/24",
            "eth0 192.168.1.101/32 noprefixroute"
        ]
    );
    assert_eq!(
        guest.rules(),
        [
            RULES_DEFAULT_FIRST,
            RULES_DEFAULT_LAST[0],
            RULES_DEFAULT_LAST[1]
        ]
    );
    assert_eq!(
        guest.routes(),
        sorted([
            "192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.100",
            "default via 192.168.1.1 dev eth0 proto 167 metric 512",
        ])
    );
}

#[test]
fn dry_run_prints_ip_commands_and_changes_nothing() {
    require_root!();
    let (guest, imds) = seed_003_guest();
    let (changes, report) = guest.agent(&imds.url, &["--dry-run"]).unwrap();
    assert_eq!(changes, 11);
    let ns = &guest.ns.name;
    for line in [
        "11 changes planned (dry run, nothing applied):".to_string(),
        format!("  ip -n {ns} addr add 10.0.2.21/32 dev eth1 noprefixroute proto 0xa7"),
        format!("  ip -n {ns} route add default via 10.0.2.1 dev eth1 table 10001 proto 0xa7"),
        format!("  ip -n {ns} rule add from 10.0.2.20 lookup 10001 priority 10001 protocol 0xa7"),
    ] {
        assert!(
            report.lines().any(|l| l == line),
            "no {line:?} in\n{report}"
        );
    }
    assert!(guest.addresses().is_empty());
    assert_eq!(guest.rules().len(), 3);
}

#[test]
fn render_networkd_names_files_after_the_guests_interfaces_and_applies_nothing() {
    require_root!();
    let (guest, imds) = seed_003_guest();
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().to_str().unwrap();
    let (changes, report) = guest
        .agent(&imds.url, &["--render", "networkd", "--output", output])
        .unwrap();
    assert_eq!(changes, 5, "{report}");
    let policy =
        std::fs::read_to_string(dir.path().join("70-eth1.network.d/ec2net_policy_4.conf")).unwrap();
    assert!(
        policy.contains("[RoutingPolicyRule]\nFrom=10.0.2.21/32\nPriority=10001\nTable=10001\n"),
        "{policy}"
    );
    assert!(guest.addresses().is_empty());
    assert_eq!(
        guest
            .agent(&imds.url, &["--render", "networkd", "--output", output])
            .unwrap()
            .0,
        0
    );
}

#[test]
fn watch_picks_up_an_unassigned_ip_without_a_restart() {
    require_root!();
    let (guest, imds) = seed_003_guest();
    let args = guest.args(&imds.url, &["--watch", "--interval", "1"]);
    // Runs until the test binary exits; once the fake IMDS is gone its rounds just fail.
    std::thread::spawn(move || localvpc_agent::run(&args, &mut std::io::sink()));
    let settled = |want: &[&str]| {
        (0..50).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            guest.addresses() == want
        })
    };
    assert!(
        settled(&[
            "eth0 10.0.1.10/24",
            "eth1 10.0.2.20/24",
            "eth1 10.0.2.21/32 noprefixroute"
        ]),
        "{:?}",
        guest.addresses()
    );
    imds.update(|i| {
        i.enis[1].private_ips.pop();
    });
    assert!(
        settled(&["eth0 10.0.1.10/24", "eth1 10.0.2.20/24"]),
        "{:?}",
        guest.addresses()
    );
    assert_eq!(
        guest.rules()[1],
        "10001: from 10.0.2.20 lookup 10001 proto 167"
    );
    assert_eq!(guest.rules().len(), 4);
}
