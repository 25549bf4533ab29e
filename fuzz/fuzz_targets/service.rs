//! The whole service without HTTP: arbitrary parameters for any action, in one account whose
//! state carries over from run to run. `$X` placeholders in the input stand for IDs that exist
//! at that moment (`$V` VPC, `$S` subnet, `$G` group, `$E` interface, `$T` attachment, `$I`
//! instance, `$A` allocation, `$R` route table, `$N` network ACL, `$W` internet gateway), so the
//! fuzzer gets past NotFound into the rules. Every input is answered with XML or a client
//! error: never a panic, never a 5xx (a handler bug, or an invariant only the schema caught),
//! and the answer, success or error envelope, is well-formed XML 1.0 an SDK can parse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use localvpc_api::{Model, error_xml};
use localvpc_server::{AppState, Auth, Config, handle};
use localvpc_store::Store;
use std::sync::OnceLock;

const ACCOUNT: &str = "111111111111";
const REGION: &str = "ap-northeast-1";
const AMI: &str = "ami-0123456789abcdef0";

/// Placeholder, the action that lists such IDs, and the element holding one.
const PLACEHOLDERS: &[(&str, &str, &str)] = &[
    ("$V", "DescribeVpcs", "vpcId"),
    ("$S", "DescribeSubnets", "subnetId"),
    ("$G", "DescribeSecurityGroups", "groupId"),
    ("$E", "DescribeNetworkInterfaces", "networkInterfaceId"),
    ("$T", "DescribeNetworkInterfaces", "attachmentId"),
    ("$I", "DescribeInstances", "instanceId"),
    ("$A", "DescribeAddresses", "allocationId"),
    ("$R", "DescribeRouteTables", "routeTableId"),
    ("$N", "DescribeNetworkAcls", "networkAclId"),
    ("$W", "DescribeInternetGateways", "internetGatewayId"),
];

fn call(
    state: &AppState,
    action: &str,
    mut params: Vec<(String, String)>,
) -> Result<String, String> {
    params.push(("Version".into(), "2016-11-15".into()));
    let result = handle(
        state,
        ACCOUNT,
        REGION,
        Some(action.to_owned()),
        &params,
        "fuzz",
    );
    let xml = match &result {
        Ok(xml) => xml.clone(),
        Err(e) => {
            assert!(
                e.code.http_status() < 500,
                "{action} {params:?} answered {e}"
            );
            error_xml(e.code.as_str(), &e.message, "fuzz")
        }
    };
    assert_well_formed(&xml);
    result.map_err(|e| e.to_string())
}

/// XML 1.0: only its characters (no control characters but tab, newline and carriage return),
/// and balanced, well-nested elements.
fn assert_well_formed(xml: &str) {
    let bad = xml
        .chars()
        .find(|c| !matches!(c, '\t' | '\n' | '\r' | ' '..='\u{FFFD}' | '\u{10000}'..));
    assert!(bad.is_none(), "character {bad:?} in {xml}");
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{e} in {xml}"),
        }
    }
}

fn state() -> &'static AppState {
    static STATE: OnceLock<AppState> = OnceLock::new();
    STATE.get_or_init(|| {
        let state = AppState {
            store: Store::in_memory().expect("in-memory store"),
            config: Config::default(),
            auth: Auth::Off,
            after_change: None,
            console: Default::default(),
            guests: None,
        };
        let p = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        call(
            &state,
            "RunInstances",
            p(&[("ImageId", AMI), ("MinCount", "1"), ("MaxCount", "1")]),
        )
        .expect("launch");
        call(&state, "AllocateAddress", p(&[("Domain", "vpc")])).expect("allocate");
        let subnet = first(
            &call(&state, "DescribeSubnets", Vec::new()).expect("subnets"),
            "subnetId",
        )
        .expect("a subnet");
        call(
            &state,
            "CreateNetworkInterface",
            p(&[("SubnetId", &subnet)]),
        )
        .expect("interface");
        state
    })
}

/// The text of the first `<element>` in `xml`.
fn first(xml: &str, element: &str) -> Option<String> {
    let open = format!("<{element}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find('<')?;
    Some(xml[start..start + end].to_owned())
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let state = state();
    let mut actions: Vec<&String> = Model::get().operations.keys().collect();
    actions.sort();
    let action = actions[pick as usize % actions.len()].clone();
    let mut text = String::from_utf8_lossy(body).into_owned();
    for (placeholder, list, element) in PLACEHOLDERS {
        if text.contains(placeholder) {
            if let Some(id) = call(state, list, Vec::new())
                .ok()
                .and_then(|xml| first(&xml, element))
            {
                text = text.replace(placeholder, &id);
            }
        }
    }
    let params: Vec<(String, String)> = form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect();
    let _ = call(state, &action, params);
});
