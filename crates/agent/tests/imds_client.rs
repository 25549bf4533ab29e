//! The IMDS client against a fake IMDS on 127.0.0.1 (no root needed).

mod common;

use common::fake_imds::FakeImds;
use localvpc_agent::imds::ImdsClient;
use localvpc_agent::metadata::Mac;

fn mac(s: &str) -> Mac {
    s.parse().unwrap()
}

#[test]
fn imdsv2_reads_every_eni_primary_ip_first() {
    let imds = FakeImds::start(common::seed_003());
    let meta = ImdsClient::new(&imds.url, true).fetch().unwrap();
    assert_eq!(meta.primary_mac, mac("02:00:00:00:01:0a"));
    let [eth0, eth1] = &meta.interfaces[..] else {
        panic!("{meta:?}")
    };
    assert_eq!(
        (eth0.mac, eth0.device_number, eth0.network_card),
        (mac("02:00:00:00:01:0a"), 0, 0)
    );
    assert_eq!(
        eth1.local_ipv4s,
        [
            "10.0.2.20".parse::<std::net::Ipv4Addr>().unwrap(),
            "10.0.2.21".parse().unwrap()
        ]
    );
    assert_eq!(eth1.subnet, Some("10.0.2.0/24".parse().unwrap()));
    assert_eq!(
        (
            eth1.device_number,
            eth1.network_card,
            eth1.table(),
            eth1.metric()
        ),
        (1, 0, 10001, 513)
    );
    assert!(
        eth1.ipv4_prefixes.is_empty(),
        "no ipv4-prefix key: 404 means none"
    );
}

#[test]
fn network_card_is_read_on_multi_card_instances() {
    let mut instance = common::seed_003();
    instance.enis[1].network_card = Some(1);
    let imds = FakeImds::start(instance);
    let meta = ImdsClient::new(&format!("{}/", imds.url), true)
        .fetch()
        .unwrap();
    assert_eq!(
        (meta.interfaces[1].network_card, meta.interfaces[1].table()),
        (1, 10101)
    );
}

#[test]
fn imdsv1_is_refused_when_tokens_are_required_and_works_when_optional() {
    let imds = FakeImds::start(common::seed_003());
    let err = ImdsClient::new(&imds.url, false).fetch().unwrap_err();
    assert!(
        err.to_string()
            .ends_with("/latest/meta-data/mac: 401, this instance requires IMDSv2 tokens"),
        "{err}"
    );
    imds.update(|i| i.tokens_required = false);
    let meta = ImdsClient::new(&imds.url, false).fetch().unwrap();
    assert_eq!(meta.interfaces.len(), 2);
}

#[test]
fn metadata_follows_changes_between_fetches() {
    let imds = FakeImds::start(common::seed_003());
    let client = ImdsClient::new(&imds.url, true);
    imds.update(|i| {
        i.enis[1].private_ips.pop();
    });
    assert_eq!(client.fetch().unwrap().interfaces[1].local_ipv4s.len(), 1);
    imds.update(|i| {
        i.enis.pop();
    });
    assert_eq!(client.fetch().unwrap().interfaces.len(), 1);
}

#[test]
fn a_dead_endpoint_is_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = ImdsClient::new(&format!("http://127.0.0.1:{port}"), true)
        .fetch()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("IMDS unreachable: PUT http://127.0.0.1:{port}/latest/api/token")
    );
}
