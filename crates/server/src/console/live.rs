//! Live updates: per (account, region) partition a [`Feed`] of what the map draws, so an open
//! page receives only what changed after each committed write, not the whole state again.
//!
//! A feed computes nothing until a page asks for it (`api/state`, `api/events`): a write to a
//! partition nobody looks at costs one map lookup. After a write, the first open stream to wake
//! re-describes the partition, diffs it with the last snapshot and files the delta under the
//! next `seq`; every stream then sends the deltas after the last one it sent.

use crate::http::{AppState, call};
use localvpc_model::{Ec2Error, ErrorCode};
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::watch;

/// A kind of resource the map draws.
pub struct Kind {
    /// Its `Describe*` action, called without parameters.
    pub action: &'static str,
    /// The response's list member.
    pub member: &'static str,
    /// Each item's ID member (what a delta keys items by).
    pub id: &'static str,
}

const fn kind(action: &'static str, member: &'static str, id: &'static str) -> Kind {
    Kind { action, member, id }
}

/// What the map draws. A kind whose action localvpc does not implement yet is left out, so a
/// new kind needs one line here and a drawing in `app.js`.
pub const KINDS: &[Kind] = &[
    kind("DescribeVpcs", "Vpcs", "VpcId"),
    kind("DescribeSubnets", "Subnets", "SubnetId"),
    kind("DescribeRouteTables", "RouteTables", "RouteTableId"),
    kind(
        "DescribeInternetGateways",
        "InternetGateways",
        "InternetGatewayId",
    ),
    kind(
        "DescribeEgressOnlyInternetGateways",
        "EgressOnlyInternetGateways",
        "EgressOnlyInternetGatewayId",
    ),
    kind("DescribeNatGateways", "NatGateways", "NatGatewayId"),
    kind(
        "DescribeVpcPeeringConnections",
        "VpcPeeringConnections",
        "VpcPeeringConnectionId",
    ),
    kind("DescribeVpcEndpoints", "VpcEndpoints", "VpcEndpointId"),
    kind("DescribeSecurityGroups", "SecurityGroups", "GroupId"),
    kind("DescribeNetworkAcls", "NetworkAcls", "NetworkAclId"),
    kind(
        "DescribeNetworkInterfaces",
        "NetworkInterfaces",
        "NetworkInterfaceId",
    ),
    kind("DescribeInstances", "Reservations", "ReservationId"),
    kind("DescribeAddresses", "Addresses", "AllocationId"),
];

/// How many deltas a feed keeps: a page further behind reloads the whole state.
const HISTORY: usize = 32;

/// One kind's items as `Describe*` lists them: IDs in its order, each item's JSON text.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Items {
    ids: Vec<String>,
    json: HashMap<String, String>,
}

impl Items {
    /// From a `Describe*` list; an item without its ID member is keyed by its text.
    pub fn of(kind: &Kind, list: &[Value]) -> Self {
        let mut items = Self::default();
        for item in list {
            let text = item.to_string();
            let id = item[kind.id]
                .as_str()
                .map_or_else(|| text.clone(), str::to_owned);
            if items.json.insert(id.clone(), text).is_none() {
                items.ids.push(id);
            }
        }
        items
    }
}

/// A partition's state as the map draws it: each implemented kind of [`KINDS`] with its items.
pub type Snapshot = Vec<(&'static Kind, Items)>;

/// Describes every kind of the partition, through the API's own dispatch.
fn describe(state: &AppState, account: &str, region: &str) -> Result<Snapshot, Ec2Error> {
    // A partition that does not exist is not provisioned by looking at it.
    if state.store.read(account, region, |_| Ok(()))?.is_none() {
        return Err(Ec2Error::new(
            ErrorCode::InvalidParameterValue,
            format!("Account {account} has nothing in {region}."),
        ));
    }
    let mut snapshot = Vec::new();
    for kind in KINDS {
        if crate::operations::find(kind.action).is_none() {
            continue;
        }
        let answer = call(state, account, region, kind.action, &[])?;
        let list = answer[kind.member]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        snapshot.push((kind, Items::of(kind, list)));
    }
    Ok(snapshot)
}

fn quoted(text: &str) -> String {
    Value::from(text).to_string()
}

fn array<'a>(texts: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("[");
    for (n, text) in texts.enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(text);
    }
    out.push(']');
    out
}

/// What changed in one kind, as the JSON the page applies, or `None`: `upsert` (new and changed
/// items), `remove` (IDs gone) and `order` (the IDs in Describe's order, only when keeping the
/// page's order and appending new items would not give it); or `replace` (the whole list) when
/// most items changed.
fn kind_delta(kind: &Kind, old: &Items, new: &Items) -> Option<String> {
    let upsert: Vec<&str> = new
        .ids
        .iter()
        .filter(|id| old.json.get(*id) != new.json.get(*id))
        .map(|id| new.json[id].as_str())
        .collect();
    let remove: Vec<String> = old
        .ids
        .iter()
        .filter(|id| !new.json.contains_key(*id))
        .map(|id| quoted(id))
        .collect();
    if upsert.is_empty() && remove.is_empty() && old.ids == new.ids {
        return None;
    }
    let mut out = format!(
        "{{\"kind\":{},\"member\":{},\"id\":{}",
        quoted(kind.action),
        quoted(kind.member),
        quoted(kind.id)
    );
    if upsert.len() * 2 > new.ids.len() {
        let all = new.ids.iter().map(|id| new.json[id].as_str());
        write!(out, ",\"replace\":{}", array(all)).expect("writes to a string");
    } else {
        write!(
            out,
            ",\"upsert\":{},\"remove\":{}",
            array(upsert.into_iter()),
            array(remove.iter().map(String::as_str))
        )
        .expect("writes to a string");
        let kept = old.ids.iter().filter(|id| new.json.contains_key(*id));
        let added = new.ids.iter().filter(|id| !old.json.contains_key(*id));
        if !kept.chain(added).eq(new.ids.iter()) {
            let order: Vec<String> = new.ids.iter().map(|id| quoted(id)).collect();
            write!(
                out,
                ",\"order\":{}",
                array(order.iter().map(String::as_str))
            )
            .expect("writes to a string");
        }
    }
    out.push('}');
    Some(out)
}

/// What changed from `old` to `new`: one JSON object per kind that changed (see [`kind_delta`]).
pub fn diff(old: &Snapshot, new: &Snapshot) -> Vec<String> {
    let empty = Items::default();
    let mut kinds = Vec::new();
    let mut seen = HashSet::new();
    for (kind, items) in new {
        seen.insert(kind.action);
        let before = old
            .iter()
            .find(|(k, _)| k.action == kind.action)
            .map_or(&empty, |(_, i)| i);
        kinds.extend(kind_delta(kind, before, items));
    }
    for (kind, items) in old.iter().filter(|(k, _)| !seen.contains(k.action)) {
        kinds.extend(kind_delta(kind, items, &empty));
    }
    kinds
}

/// What a page that has seen `seq` needs next.
#[derive(Debug, PartialEq)]
pub enum Update {
    /// The deltas after it, oldest first, each with its `seq` (none when it is current).
    Deltas(Vec<(u64, Arc<str>)>),
    /// The history does not reach back to it: it loads the whole state, now at this `seq`.
    Reload(u64),
}

/// What a feed knows of its partition.
struct Known {
    /// The write count its snapshot reflects (`None`: never described, or reset since).
    described: Option<u64>,
    seq: u64,
    snapshot: Result<Snapshot, Ec2Error>,
    /// `(seq, delta JSON)`, oldest first: each takes the state at `seq - 1` to `seq`.
    history: VecDeque<(u64, Arc<str>)>,
    /// Set by a reset: the next snapshot starts a new history.
    rebase: bool,
}

impl Known {
    /// Files a freshly described state: its delta, or a new history when none can reach it.
    fn publish(&mut self, fresh: Result<Snapshot, Ec2Error>) {
        match (&self.snapshot, &fresh) {
            (Ok(old), Ok(new)) if !self.rebase => {
                let kinds = diff(old, new);
                if !kinds.is_empty() {
                    self.seq += 1;
                    let delta = format!("{{\"seq\":{},\"kinds\":[{}]}}", self.seq, kinds.join(","));
                    self.history.push_back((self.seq, delta.into()));
                    if self.history.len() > HISTORY {
                        self.history.pop_front();
                    }
                }
            }
            (Err(old), Err(new)) if !self.rebase && old == new => {}
            _ => {
                self.seq += 1;
                self.history.clear();
            }
        }
        self.rebase = false;
        self.snapshot = fresh;
    }

    fn updates_after(&self, seq: u64) -> Update {
        if seq == self.seq {
            return Update::Deltas(Vec::new());
        }
        match self.history.front() {
            Some(&(first, _)) if first <= seq + 1 && seq < self.seq => Update::Deltas(
                self.history
                    .iter()
                    .filter(|(s, _)| *s > seq)
                    .cloned()
                    .collect(),
            ),
            _ => Update::Reload(self.seq),
        }
    }
}

/// One partition's live state.
pub struct Feed {
    account: String,
    region: String,
    /// Committed writes to the partition, counted; each open stream watches it.
    writes: watch::Sender<u64>,
    known: Mutex<Known>,
}

impl Feed {
    fn new(account: &str, region: &str) -> Self {
        Self {
            account: account.to_owned(),
            region: region.to_owned(),
            writes: watch::Sender::new(0),
            known: Mutex::new(Known {
                described: None,
                seq: 0,
                snapshot: Err(Ec2Error::internal()),
                history: VecDeque::new(),
                rebase: false,
            }),
        }
    }

    fn known(&self) -> MutexGuard<'_, Known> {
        self.known
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Woken after every committed write to the partition.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.writes.subscribe()
    }

    /// Describes the partition again if it was written since (blocking; one caller describes,
    /// the others wait for its answer).
    pub fn refresh(&self, state: &AppState) {
        let mut known = self.known();
        // Read first: a write while describing (a Describe that settles an instance) makes
        // the next refresh describe again.
        let writes = *self.writes.borrow();
        if known.described == Some(writes) {
            return;
        }
        let started = std::time::Instant::now();
        let fresh = describe(state, &self.account, &self.region);
        tracing::debug!(elapsed = ?started.elapsed(), "console feed described");
        known.described = Some(writes);
        known.publish(fresh);
    }

    /// See [`Update`].
    pub fn updates_after(&self, seq: u64) -> Update {
        self.known().updates_after(seq)
    }

    /// `api/state`'s answer: every kind as `{member: [items]}` with the `seq` it is at.
    pub fn state_json(&self) -> Result<String, Ec2Error> {
        let known = self.known();
        let snapshot = known.snapshot.as_ref().map_err(Clone::clone)?;
        let mut out = format!(
            "{{\"account\":{},\"region\":{},\"seq\":{},\"kinds\":{{",
            quoted(&self.account),
            quoted(&self.region),
            known.seq
        );
        for (n, (kind, items)) in snapshot.iter().enumerate() {
            let list = array(items.ids.iter().map(|id| items.json[id].as_str()));
            let comma = if n > 0 { "," } else { "" };
            write!(
                out,
                "{comma}{}:{{{}:{list}}}",
                quoted(kind.action),
                quoted(kind.member)
            )
            .expect("writes to a string");
        }
        out.push_str("}}");
        Ok(out)
    }

    fn wrote(&self) {
        self.writes.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn reset(&self) {
        let mut known = self.known();
        known.rebase = true;
        known.described = None;
        drop(known);
        self.wrote();
    }
}

/// Every partition's feed, made when a page first looks at the partition.
#[derive(Default)]
pub struct Feeds {
    feeds: Mutex<HashMap<(String, String), Arc<Feed>>>,
}

impl Feeds {
    fn all(&self) -> MutexGuard<'_, HashMap<(String, String), Arc<Feed>>> {
        self.feeds
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The partition's feed.
    pub fn feed(&self, account: &str, region: &str) -> Arc<Feed> {
        let key = (account.to_owned(), region.to_owned());
        Arc::clone(
            self.all()
                .entry(key)
                .or_insert_with(|| Arc::new(Feed::new(account, region))),
        )
    }

    /// After a committed write to `partition`, or a reset (`None`: every open page reloads).
    pub fn changed(&self, partition: Option<(&str, &str)>) {
        // The map's lock is let go first: a feed that is describing may write (and so come here).
        match partition {
            Some((account, region)) => {
                let feed = self
                    .all()
                    .get(&(account.to_owned(), region.to_owned()))
                    .cloned();
                if let Some(feed) = feed {
                    feed.wrote();
                }
            }
            None => {
                let feeds: Vec<Arc<Feed>> = self.all().values().cloned().collect();
                feeds.iter().for_each(|feed| feed.reset());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENIS: &Kind = &KINDS[10];
    const VPCS: &Kind = &KINDS[0];

    fn enis(items: &[(&str, &str)]) -> Items {
        let list: Vec<Value> = items
            .iter()
            .map(|(id, d)| json!({"NetworkInterfaceId": id, "Description": d}))
            .collect();
        Items::of(ENIS, &list)
    }

    fn parse(delta: &str) -> Value {
        serde_json::from_str(delta).expect("a delta is JSON")
    }

    #[test]
    fn a_diff_carries_only_what_changed() {
        let many: Vec<(String, String)> =
            (0..10).map(|n| (format!("eni-{n}"), "x".into())).collect();
        let pairs = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };
        let as_refs = |v: &[(String, String)]| {
            enis(
                &v.iter()
                    .map(|(a, b)| (a.as_str(), b.as_str()))
                    .collect::<Vec<_>>(),
            )
        };
        let old = vec![(ENIS, as_refs(&many)), (VPCS, Items::default())];
        let mut changed = pairs(&many);
        changed[3].1 = "renamed".into();
        changed.remove(5);
        changed.push(("eni-new".into(), "y".into()));
        let new = vec![(ENIS, as_refs(&changed)), (VPCS, Items::default())];
        let kinds = diff(&old, &new);
        assert_eq!(kinds.len(), 1, "the unchanged kind is left out");
        let delta = parse(&kinds[0]);
        assert_eq!(delta["kind"], "DescribeNetworkInterfaces");
        assert_eq!(
            (delta["member"].as_str(), delta["id"].as_str()),
            (Some("NetworkInterfaces"), Some("NetworkInterfaceId"))
        );
        assert_eq!(
            delta["upsert"],
            json!([{"NetworkInterfaceId": "eni-3", "Description": "renamed"}, {"NetworkInterfaceId": "eni-new", "Description": "y"}])
        );
        assert_eq!(delta["remove"], json!(["eni-5"]));
        assert!(
            delta.get("order").is_none(),
            "appending the new item gives Describe's order"
        );
        assert!(diff(&new, &new).is_empty());
    }

    #[test]
    fn a_diff_sends_the_order_when_the_page_cannot_infer_it_and_the_whole_list_when_cheaper() {
        let old = vec![(
            ENIS,
            enis(&[("eni-a", "1"), ("eni-c", "1"), ("eni-d", "1")]),
        )];
        let inserted = vec![(
            ENIS,
            enis(&[
                ("eni-a", "1"),
                ("eni-b", "1"),
                ("eni-c", "1"),
                ("eni-d", "1"),
            ]),
        )];
        let delta = parse(&diff(&old, &inserted)[0]);
        assert_eq!(
            delta["upsert"],
            json!([{"NetworkInterfaceId": "eni-b", "Description": "1"}])
        );
        assert_eq!(delta["order"], json!(["eni-a", "eni-b", "eni-c", "eni-d"]));
        let most = vec![(
            ENIS,
            enis(&[("eni-a", "2"), ("eni-c", "2"), ("eni-d", "1")]),
        )];
        let delta = parse(&diff(&old, &most)[0]);
        assert_eq!(delta["replace"].as_array().map(Vec::len), Some(3));
        assert!(delta.get("upsert").is_none());
        // A kind that went (or a list emptied) removes every item.
        let gone = parse(&diff(&old, &Vec::new())[0]);
        assert_eq!(gone["remove"], json!(["eni-a", "eni-c", "eni-d"]));
    }

    fn known(snapshot: Snapshot) -> Known {
        let mut known = Known {
            described: None,
            seq: 0,
            snapshot: Err(Ec2Error::internal()),
            history: VecDeque::new(),
            rebase: false,
        };
        known.publish(Ok(snapshot));
        known
    }

    #[test]
    fn updates_after_a_seq_are_the_deltas_since_or_a_reload() {
        let mut k = known(vec![(ENIS, enis(&[("eni-a", "0")]))]);
        assert_eq!(k.seq, 1, "the first snapshot starts a history");
        assert_eq!(k.updates_after(0), Update::Reload(1));
        assert_eq!(k.updates_after(1), Update::Deltas(Vec::new()));
        k.publish(Ok(vec![(ENIS, enis(&[("eni-a", "0")]))]));
        assert_eq!(k.seq, 1, "nothing changed, no delta");
        for n in 1..=40 {
            k.publish(Ok(vec![(ENIS, enis(&[("eni-a", &n.to_string())]))]));
        }
        assert_eq!(k.seq, 41);
        let Update::Deltas(deltas) = k.updates_after(38) else {
            panic!("38 is in the history")
        };
        assert_eq!(
            deltas.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            vec![39, 40, 41]
        );
        assert_eq!(parse(&deltas[2].1)["seq"], 41);
        assert_eq!(
            parse(&deltas[2].1)["kinds"][0]["replace"][0]["Description"],
            "40"
        );
        // The oldest kept delta is 41 - 32 + 1 = 10: a page at 9 can still catch up, at 8 not.
        assert!(matches!(k.updates_after(9), Update::Deltas(d) if d.len() == 32));
        assert_eq!(k.updates_after(8), Update::Reload(41));
        assert_eq!(
            k.updates_after(99),
            Update::Reload(41),
            "a seq from another server run"
        );
    }

    #[test]
    fn a_reset_or_a_partition_that_went_makes_pages_reload() {
        let mut k = known(vec![(ENIS, enis(&[("eni-a", "0")]))]);
        k.rebase = true;
        k.publish(Ok(vec![(ENIS, enis(&[("eni-a", "0")]))]));
        assert_eq!((k.seq, k.updates_after(1)), (2, Update::Reload(2)));
        k.publish(Err(Ec2Error::internal()));
        assert_eq!(k.updates_after(2), Update::Reload(3));
        k.publish(Err(Ec2Error::internal()));
        assert_eq!(k.seq, 3, "still gone: nothing new");
    }
}
