//! Managed prefix lists (spec vpc-surface.md §2): customer-managed lists with versions and a
//! fixed `MaxEntries`, and the AWS-managed lists every region has. A reference from a security
//! group rule or a route counts as the list's weight: its `MaxEntries` (customer-managed) or
//! the weight AWS documents for the service (AWS-managed).

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one};
use crate::tags::Tag;
use ipnet::IpNet;

/// Who owns an AWS-managed list.
pub const AWS_OWNER: &str = "AWS";

/// Most entries a list may be sized for, and most entries one request may add (or name).
pub const MAX_SIZE: i64 = 1000;
pub const MAX_ENTRIES_PER_REQUEST: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn parse(text: &str) -> Result<Self, Ec2Error> {
        match text {
            "IPv4" => Ok(Self::V4),
            "IPv6" => Ok(Self::V6),
            _ => Err(Ec2Error::invalid_value(format!(
                "Value ({text}) for parameter addressFamily is invalid. Expecting IPv4 or IPv6."
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::V4 => "IPv4",
            Self::V6 => "IPv6",
        }
    }

    pub fn of(cidr: &IpNet) -> Self {
        match cidr {
            IpNet::V4(_) => Self::V4,
            IpNet::V6(_) => Self::V6,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub cidr: IpNet,
    pub description: Option<String>,
}

/// The settled state of a list after the last change (the change's own answer shows the
/// matching `…-in-progress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    CreateComplete,
    ModifyComplete,
    RestoreComplete,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateComplete => "create-complete",
            Self::ModifyComplete => "modify-complete",
            Self::RestoreComplete => "restore-complete",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::CreateComplete,
            Self::ModifyComplete,
            Self::RestoreComplete,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// What the call that led to this state answers with.
    pub fn in_progress(self) -> &'static str {
        match self {
            Self::CreateComplete => "create-in-progress",
            Self::ModifyComplete => "modify-in-progress",
            Self::RestoreComplete => "restore-in-progress",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrefixList {
    pub id: String,
    pub name: String,
    pub family: Family,
    /// `None` for AWS-managed lists (they show neither size nor version).
    pub max_entries: Option<i64>,
    pub version: Option<i64>,
    pub state: State,
    pub owner_id: String,
    /// The current version's entries, sorted by CIDR.
    pub entries: Vec<Entry>,
    pub tags: Vec<Tag>,
    /// What a reference counts against a group's rules or a table's routes.
    pub weight: i64,
}

impl PrefixList {
    pub fn is_aws_managed(&self) -> bool {
        self.owner_id == AWS_OWNER
    }

    /// `arn:aws:ec2:<region>:<account or aws>:prefix-list/pl-…`
    pub fn arn(&self, region: &str) -> String {
        let owner = if self.is_aws_managed() {
            "aws"
        } else {
            &self.owner_id
        };
        format!("arn:aws:ec2:{region}:{owner}:prefix-list/{}", self.id)
    }
}

impl Tagged for PrefixList {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

pub const FILTERS: &[FilterDef<PrefixList>] = &[
    def("owner-id", |p| one(&p.owner_id)),
    def("prefix-list-id", |p| one(&p.id)),
    def("prefix-list-name", |p| one(&p.name)),
];

/// An AWS-managed list: name suffix, family, weight and the entries localvpc gives it (ranges
/// of 192.0.2.0/24, where the simulated internet answers, and of 2001:db8::/32).
struct AwsList {
    suffix: &'static str,
    global: bool,
    family: Family,
    weight: i64,
    entries: &'static [&'static str],
}

const AWS_LISTS: &[AwsList] = &[
    aws("s3", false, Family::V4, 1, &["192.0.2.32/28"]),
    aws("dynamodb", false, Family::V4, 1, &["192.0.2.48/28"]),
    aws("s3express", false, Family::V4, 6, &["192.0.2.64/28"]),
    aws(
        "ec2-instance-connect",
        false,
        Family::V4,
        2,
        &["192.0.2.80/29"],
    ),
    aws(
        "ipv6.ec2-instance-connect",
        false,
        Family::V6,
        2,
        &["2001:db8:ec2::/48"],
    ),
    aws(
        "route53-healthchecks",
        false,
        Family::V4,
        25,
        &["192.0.2.88/29"],
    ),
    aws(
        "ipv6.route53-healthchecks",
        false,
        Family::V6,
        25,
        &["2001:db8:53::/48"],
    ),
    aws("vpc-lattice", false, Family::V4, 10, &["192.0.2.96/28"]),
    aws(
        "ipv6.vpc-lattice",
        false,
        Family::V6,
        10,
        &["2001:db8:1a7::/48"],
    ),
    aws(
        "cloudfront.origin-facing",
        true,
        Family::V4,
        55,
        &["192.0.2.128/26"],
    ),
    aws(
        "ipv6.cloudfront.origin-facing",
        true,
        Family::V6,
        55,
        &["2001:db8:cf::/48"],
    ),
    aws("groundstation", true, Family::V4, 5, &["192.0.2.112/28"]),
];

const fn aws(
    suffix: &'static str,
    global: bool,
    family: Family,
    weight: i64,
    entries: &'static [&'static str],
) -> AwsList {
    AwsList {
        suffix,
        global,
        family,
        weight,
        entries,
    }
}

/// IDs AWS is seen to use (describe-prefix-lists outputs); other lists get a stable 8-hex ID
/// derived from the name.
const KNOWN_IDS: &[(&str, &str)] = &[
    ("com.amazonaws.us-east-1.s3", "pl-63a5400a"),
    ("com.amazonaws.us-east-1.dynamodb", "pl-02cd2c6b"),
    ("com.amazonaws.eu-central-1.s3", "pl-6ea54007"),
    ("com.amazonaws.eu-central-1.dynamodb", "pl-66a5400f"),
];

fn legacy_id(name: &str) -> String {
    if let Some((_, id)) = KNOWN_IDS.iter().find(|(n, _)| *n == name) {
        return (*id).to_owned();
    }
    // FNV-1a: stable across releases and platforms.
    let hash = name.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("pl-{hash:08x}")
}

/// The AWS-managed lists of `region`, sorted by ID.
pub fn aws_managed(region: &str) -> Vec<PrefixList> {
    let mut lists: Vec<PrefixList> = AWS_LISTS
        .iter()
        .map(|l| {
            let name = if l.global {
                format!("com.amazonaws.global.{}", l.suffix)
            } else {
                format!("com.amazonaws.{region}.{}", l.suffix)
            };
            PrefixList {
                id: legacy_id(&name),
                name,
                family: l.family,
                max_entries: None,
                version: None,
                state: State::CreateComplete,
                owner_id: AWS_OWNER.to_owned(),
                entries: l
                    .entries
                    .iter()
                    .map(|c| Entry {
                        cidr: c.parse().expect("valid"),
                        description: None,
                    })
                    .collect(),
                tags: Vec::new(),
                weight: l.weight,
            }
        })
        .collect();
    lists.sort_by(|a, b| a.id.cmp(&b.id));
    lists
}

/// The name of a customer-managed list: 1–255 characters, not in AWS's namespace.
pub fn check_name(name: &str) -> Result<(), Ec2Error> {
    if name.is_empty() || name.chars().count() > 255 {
        return Err(Ec2Error::invalid_value(
            "The prefix list name must be between 1 and 255 characters long.",
        ));
    }
    if name.to_ascii_lowercase().starts_with("com.amazonaws") {
        return Err(Ec2Error::invalid_value(
            "The prefix list name cannot start with com.amazonaws.",
        ));
    }
    Ok(())
}

pub fn check_max_entries(max: i64) -> Result<(), Ec2Error> {
    if !(1..=MAX_SIZE).contains(&max) {
        return Err(Ec2Error::invalid_value(format!(
            "Must specify a max size between 1 and {MAX_SIZE}"
        )));
    }
    Ok(())
}

fn too_many_in_request(n: usize) -> Result<(), Ec2Error> {
    if n > MAX_ENTRIES_PER_REQUEST {
        return Err(Ec2Error::invalid_value(format!(
            "The number of entries per request cannot exceeds limit ({MAX_ENTRIES_PER_REQUEST})."
        )));
    }
    Ok(())
}

/// A CIDR as a caller wrote it, canonicalised (`10.0.0.5/24` is `10.0.0.0/24`) and of the list's
/// family.
pub fn parse_cidr(text: &str, family: Family) -> Result<IpNet, Ec2Error> {
    let cidr: IpNet = text.parse().map_err(|_| {
        Ec2Error::invalid_value(format!(
            "Value ({text}) for parameter cidr is invalid. This is not a valid CIDR block."
        ))
    })?;
    if Family::of(&cidr) != family {
        return Err(Ec2Error::invalid_value(format!(
            "The CIDR {text} does not match the address family ({}) of the prefix list.",
            family.as_str()
        )));
    }
    Ok(cidr.trunc())
}

fn check_description(d: &Option<String>) -> Result<(), Ec2Error> {
    if d.as_ref().is_some_and(|d| d.chars().count() > 255) {
        return Err(Ec2Error::invalid_value(
            "The entry description must be at most 255 characters long.",
        ));
    }
    Ok(())
}

fn over_size(max: i64) -> Ec2Error {
    Ec2Error::invalid_value(format!(
        "The prefix list has reached its maximum number of entries ({max})."
    ))
}

fn duplicate(cidr: &IpNet) -> Ec2Error {
    Ec2Error::invalid_value(format!(
        "The request has duplicate cidrs specified: {cidr}."
    ))
}

/// A new list's entries as requested (CIDR text, description): at most 100 in the request, of
/// the list's family, none twice, within `max`. Returns them sorted.
pub fn initial_entries(
    requested: &[(String, Option<String>)],
    family: Family,
    max: i64,
) -> Result<Vec<Entry>, Ec2Error> {
    too_many_in_request(requested.len())?;
    let mut entries = Vec::with_capacity(requested.len());
    for (cidr, description) in requested {
        check_description(description)?;
        let cidr = parse_cidr(cidr, family)?;
        if entries.iter().any(|e: &Entry| e.cidr == cidr) {
            return Err(duplicate(&cidr));
        }
        entries.push(Entry {
            cidr,
            description: description.clone().filter(|d| !d.is_empty()),
        });
    }
    if entries.len() as i64 > max {
        return Err(over_size(max));
    }
    entries.sort_by_key(|e| e.cidr);
    Ok(entries)
}

/// What ModifyManagedPrefixList asks.
#[derive(Debug, Default)]
pub struct Modification {
    pub current_version: Option<i64>,
    pub name: Option<String>,
    pub add: Vec<(String, Option<String>)>,
    pub remove: Vec<String>,
    pub max_entries: Option<i64>,
}

/// What a modification does to a customer-managed list.
#[derive(Debug, PartialEq)]
pub struct Modified {
    /// New entries (a new version), or `None` when only the name or size changed.
    pub entries: Option<Vec<Entry>>,
}

fn not_modifiable(list: &PrefixList) -> Result<(), Ec2Error> {
    if list.is_aws_managed() {
        return Err(Ec2Error::new(
            ErrorCode::InvalidPrefixListModification,
            format!(
                "The prefix list {} is managed by AWS and cannot be modified.",
                list.id
            ),
        ));
    }
    Ok(())
}

/// The version a caller names must be the current one.
fn check_version(list: &PrefixList, given: Option<i64>) -> Result<(), Ec2Error> {
    if given.is_some_and(|v| Some(v) != list.version) {
        return Err(Ec2Error::new(
            ErrorCode::PrefixListVersionMismatch,
            "The prefix list has the incorrect version number",
        ));
    }
    Ok(())
}

/// Applies a modification to `list` (name, size; entries as a new version). Whether the
/// resources referencing it can take a new size is [`check_resize`]'s question.
pub fn modify(list: &mut PrefixList, m: &Modification) -> Result<Modified, Ec2Error> {
    not_modifiable(list)?;
    let changes_entries = !m.add.is_empty() || !m.remove.is_empty();
    if changes_entries && m.max_entries.is_some() {
        return Err(Ec2Error::combination(
            "You cannot modify the entries and the maximum number of entries of a prefix list in the same request.",
        ));
    }
    if changes_entries && m.current_version.is_none() {
        return Err(Ec2Error::missing_parameter("CurrentVersion"));
    }
    check_version(list, m.current_version)?;
    if let Some(name) = &m.name {
        check_name(name)?;
        list.name = name.clone();
    }
    if let Some(max) = m.max_entries {
        check_max_entries(max)?;
        if (list.entries.len() as i64) > max {
            return Err(Ec2Error::invalid_value(format!(
                "The maximum number of entries ({max}) cannot be less than the number of entries in the prefix list ({}).",
                list.entries.len()
            )));
        }
        list.max_entries = Some(max);
        list.weight = max;
    }
    if !changes_entries {
        list.state = State::ModifyComplete;
        return Ok(Modified { entries: None });
    }
    too_many_in_request(m.add.len() + m.remove.len())?;
    let mut entries = list.entries.clone();
    let mut removed = Vec::new();
    for text in &m.remove {
        let cidr = parse_cidr(text, list.family)?;
        if removed.contains(&cidr) {
            return Err(duplicate(&cidr));
        }
        let before = entries.len();
        entries.retain(|e| e.cidr != cidr);
        if entries.len() == before {
            return Err(Ec2Error::invalid_value(format!(
                "The prefix list entry {text} does not exist in {}.",
                list.id
            )));
        }
        removed.push(cidr);
    }
    let mut added: Vec<IpNet> = Vec::new();
    for (text, description) in &m.add {
        check_description(description)?;
        let cidr = parse_cidr(text, list.family)?;
        if removed.contains(&cidr) {
            // AWS's words (quoted by terraform-provider-aws).
            return Err(Ec2Error::invalid_value(format!(
                "Request cannot contain Cidr {cidr} in both AddPrefixListEntries and RemovePrefixListEntries"
            )));
        }
        if added.contains(&cidr) {
            return Err(duplicate(&cidr));
        }
        added.push(cidr);
        let description = description.clone().filter(|d| !d.is_empty());
        // Adding a CIDR the list has replaces its description (AWS updates it in place).
        match entries.iter_mut().find(|e| e.cidr == cidr) {
            Some(e) => e.description = description,
            None => entries.push(Entry { cidr, description }),
        }
    }
    let max = list.max_entries.unwrap_or(MAX_SIZE);
    if entries.len() as i64 > max {
        return Err(over_size(max));
    }
    entries.sort_by_key(|e| e.cidr);
    list.entries = entries.clone();
    list.version = list.version.map(|v| v + 1);
    list.state = State::ModifyComplete;
    Ok(Modified {
        entries: Some(entries),
    })
}

/// A list may be resized only if every resource that references it still fits: `referencing`
/// holds each one's ID and whether it can take the new size in place of the old.
pub fn check_resize(list: &PrefixList, referencing: &[(String, bool)]) -> Result<(), Ec2Error> {
    let full: Vec<&str> = referencing
        .iter()
        .filter(|(_, fits)| !fits)
        .map(|(id, _)| id.as_str())
        .take(10)
        .collect();
    if full.is_empty() {
        return Ok(());
    }
    Err(Ec2Error::invalid_value(format!(
        "The prefix list {} cannot be resized because the following resources would exceed their limits: {}.",
        list.id,
        full.join(", ")
    )))
}

/// RestoreManagedPrefixListVersion: `previous`'s entries become a new version.
pub fn restore(
    list: &mut PrefixList,
    current_version: i64,
    previous: i64,
    previous_entries: Option<Vec<Entry>>,
) -> Result<Vec<Entry>, Ec2Error> {
    not_modifiable(list)?;
    check_version(list, Some(current_version))?;
    let entries = previous_entries.ok_or_else(|| {
        Ec2Error::invalid_value(format!(
            "The prefix list {} does not have version {previous}.",
            list.id
        ))
    })?;
    if previous == current_version {
        return Err(Ec2Error::invalid_value(format!(
            "The version {previous} is already the current version of the prefix list {}.",
            list.id
        )));
    }
    let max = list.max_entries.unwrap_or(MAX_SIZE);
    if entries.len() as i64 > max {
        return Err(over_size(max));
    }
    list.entries = entries.clone();
    list.version = list.version.map(|v| v + 1);
    list.state = State::RestoreComplete;
    Ok(entries)
}

/// A list may be deleted only by its owner and only when nothing references it.
pub fn check_delete(list: &PrefixList, referencing: &[String]) -> Result<(), Ec2Error> {
    not_modifiable(list)?;
    if let Some(first) = referencing.first() {
        return Err(Ec2Error::dependency(format!(
            "The prefix list {} is referenced by {first} and cannot be deleted.",
            list.id
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
