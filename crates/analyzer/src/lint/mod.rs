//! Design lint (reachability.md §4): the seeds' pitfalls and AWS's best practices, checked over
//! one account and region. Each rule is a pure function of an [`Inventory`] (the partition as
//! plain data, read by the server) returning [`Finding`]s that name the resources, the reason,
//! the fix and the seed or AWS page the rule comes from.

mod guest_rules;
mod rules;
#[cfg(test)]
mod tests;

use ipnet::Ipv4Net;
use localvpc_model::instance::InstanceState;
use localvpc_model::network_acl::NetworkAclEntry;
use localvpc_model::security_group::permission::Permission;
use std::net::Ipv4Addr;

/// The partition as the rules read it.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub instances: Vec<Instance>,
    /// Every network interface, attached or not.
    pub enis: Vec<Eni>,
    pub elastic_ips: Vec<ElasticIp>,
    pub groups: Vec<Group>,
    pub acls: Vec<Acl>,
    pub route_tables: Vec<RouteTable>,
    /// The guests of running instances (`lint --guest`, with the data plane); empty without.
    pub guests: crate::guest::Guests,
}

#[derive(Debug, Clone)]
pub struct Vpc {
    pub id: String,
    /// The attached internet gateway.
    pub internet_gateway: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub cidr: Ipv4Net,
    /// Private addresses held by interfaces.
    pub in_use: u64,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    pub image_id: String,
    /// The image configures hot-attached ENIs and secondary IPs itself (Amazon Linux's
    /// ec2-net-utils; `ImageFamily::runs_network_agent`).
    pub configures_enis: bool,
    pub state: InstanceState,
}

#[derive(Debug, Clone)]
pub struct Eni {
    pub id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub attachment: Option<Attachment>,
    /// Primary first.
    pub addresses: Vec<Address>,
    pub source_dest_check: bool,
    pub groups: Vec<String>,
    /// A NAT gateway's or endpoint's interface: the user configures nothing on it.
    pub requester_managed: bool,
}

#[derive(Debug, Clone)]
pub struct Attachment {
    pub instance_id: String,
    pub device_index: u32,
    pub delete_on_termination: bool,
}

#[derive(Debug, Clone)]
pub struct Address {
    pub private: Ipv4Addr,
    pub primary: bool,
    pub public: Option<Public>,
}

#[derive(Debug, Clone, Copy)]
pub struct Public {
    pub address: Ipv4Addr,
    /// An Elastic IP (else an auto-assigned public IPv4).
    pub elastic: bool,
}

#[derive(Debug, Clone)]
pub struct ElasticIp {
    pub allocation_id: String,
    pub public_ip: Ipv4Addr,
    /// The interface it is associated with.
    pub eni_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub ingress: Vec<Permission>,
    pub egress: Vec<Permission>,
}

#[derive(Debug, Clone)]
pub struct Acl {
    pub id: String,
    pub subnets: Vec<String>,
    pub entries: Vec<NetworkAclEntry>,
}

#[derive(Debug, Clone)]
pub struct RouteTable {
    pub id: String,
    pub vpc_id: String,
    pub main: bool,
    /// Explicitly associated subnets.
    pub subnets: Vec<String>,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub destination: Ipv4Net,
    /// `local`, `igw-…`, `i-…`, `eni-…` or `nat-…`.
    pub target: String,
    /// DescribeRouteTables' `blackhole` state.
    pub blackhole: bool,
}

/// The tunables of `localvpc lint`.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// LV111: warn when a subnet's usable addresses are this full.
    pub subnet_full_percent: u8,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            subnet_full_percent: 90,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        [Severity::Info, Severity::Warning, Severity::Error]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A rule's catalogue entry (what SARIF's `tool.driver.rules[]` carries).
#[derive(Debug)]
pub struct RuleInfo {
    pub id: &'static str,
    /// The kebab-case name (`same-subnet-enis`).
    pub name: &'static str,
    pub severity: Severity,
    /// When it triggers.
    pub trigger: &'static str,
    /// The fix in general.
    pub fix: &'static str,
    /// `routing`, `security`, `cost` or `guest`.
    pub tag: &'static str,
    /// GitHub code scanning's `security-severity` (security rules only).
    pub security_severity: Option<&'static str>,
    pub seed: Option<&'static str>,
    pub doc: Option<&'static str>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// IDs, the primary resource first.
    pub resources: Vec<String>,
    pub message: String,
    /// The change for these resources.
    pub fix: String,
    /// What the rule saw (a rule, a route, a count).
    pub evidence: Option<String>,
}

impl Finding {
    /// The rule's catalogue entry.
    pub fn info(&self) -> &'static RuleInfo {
        rule(self.rule).expect("findings come from catalogued rules")
    }
}

/// The rule `id` (`LV101`).
pub fn rule(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

const ENI_BP: &str = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/best-practices-for-configuring-network-interfaces.html";
const ENI_SC: &str = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/scenarios-enis.html";
const MVPC: &str = "https://aws.amazon.com/about-aws/whats-new/2023/10/multi-vpc-eni-attachments/";
const IGW: &str = "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html";
const NAT_I: &str = "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html";
const RTB: &str = "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html";
const EPH: &str = "https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html";
const PUB4: &str =
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html";
const SIZING: &str = "https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html";
const SH_EC2: &str = "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html";
const CODES: &str = "https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html";
const PRICE: &str = "https://aws.amazon.com/vpc/pricing/";

macro_rules! rules {
    ($($id:literal $name:literal $sev:ident $tag:literal $ss:expr, $seed:expr, $doc:expr,
       $trigger:literal, $fix:literal;)*) => {
        /// Every rule localvpc checks, in ID order (reachability.md §4.1).
        pub const RULES: &[RuleInfo] = &[$(RuleInfo {
            id: $id, name: $name, severity: Severity::$sev, tag: $tag,
            security_severity: $ss, seed: $seed, doc: $doc, trigger: $trigger, fix: $fix,
        }),*];
    };
}

rules! {
    "LV101" "same-subnet-enis" Warning "routing" None, Some("004"), Some(ENI_BP),
        "An instance has two or more ENIs in one subnet: replies may leave by the other ENI (asymmetric routing) and no bandwidth is gained.",
        "Use secondary private IPs on the primary ENI; else configure per-ENI policy routing in the guest.";
    "LV102" "secondary-eni-unconfigured-image" Warning "guest" None, Some("000, 003"), Some(ENI_BP),
        "An ENI at device index 1 or more is attached to an instance whose image does not configure hot- or warm-attached interfaces (only Amazon Linux and Windows do).",
        "Run `localvpc agent` in the instance, or configure the link, its address and per-ENI policy routing.";
    "LV103" "secondary-ip-unconfigured-image" Warning "guest" None, Some("001"), None,
        "A secondary private IP is assigned on an instance whose image does not configure it (DHCP brings up only the primary address).",
        "Add it in the guest (`ip addr add <ip>/32 dev eth<n>`), or run `localvpc agent`.";
    "LV104" "multi-vpc-without-guest-routing" Warning "guest" None, Some("002"), Some(MVPC),
        "An instance has ENIs in two VPCs and its image configures no routing for the second one.",
        "Add a per-ENI routing table and `from` rules for the second VPC's addresses.";
    "LV105" "eip-without-igw-route" Error "routing" None, Some("001"), Some(IGW),
        "An ENI has an Elastic IP or public IPv4, but its subnet's route table has no active route to an attached internet gateway.",
        "Add 0.0.0.0/0 → the VPC's internet gateway to the subnet's route table (attach one first if there is none).";
    "LV106" "route-target-src-dst-check" Error "routing" None, None, Some(NAT_I),
        "A route targets an instance or ENI whose source/destination check is on: the ENI drops the traffic it is meant to forward.",
        "Turn the check off on that ENI (`modify-network-interface-attribute --no-source-dest-check`).";
    "LV107" "blackhole-route" Error "routing" None, None, Some(RTB),
        "A route is a blackhole: its target is deleted, detached or not running.",
        "Retarget the route or delete it.";
    "LV108" "nacl-blocks-ephemeral-replies" Warning "routing" None, None, Some(EPH),
        "A network ACL admits a service one way but not its replies to the client's ephemeral ports (1024-65535) the other way.",
        "Allow 1024-65535 toward the clients in the other direction, before any deny that covers them.";
    "LV109" "public-ip-lost-on-restart" Warning "routing" None, None, Some(PUB4),
        "An instance with more than one ENI holds an auto-assigned public IPv4: after a stop and start it gets none.",
        "Associate an Elastic IP instead.";
    "LV110" "failover-eni-deleted-on-termination" Info "routing" None, Some("004"), None,
        "A secondary ENI holding an Elastic IP (a failover interface) is deleted when its instance terminates.",
        "Set DeleteOnTermination to false on its attachment.";
    "LV111" "subnet-nearly-full" Warning "routing" None, None, Some(SIZING),
        "A subnet's usable addresses (its size minus AWS's 5 reserved) are nearly all in use.",
        "Add a bigger or an extra subnet, or free idle ENIs.";
    "LV201" "admin-port-on-public-eni" Warning "security" Some("7.5"), Some("004"), Some(ENI_SC),
        "An ENI with a public address admits TCP 22 or 3389 from anywhere while its instance has a management ENI without one.",
        "Admit the admin ports only in the management ENI's group, from the admin range.";
    "LV202" "admin-port-open" Warning "security" Some("7.5"), None, Some(SH_EC2),
        "An ENI with a public address admits TCP 22 or 3389 from anywhere (Security Hub EC2.13/EC2.14).",
        "Restrict the rule's source to the admin range.";
    "LV203" "sg-without-rules-in-use" Warning "security" None, None, Some(CODES),
        "A security group with no rule in either direction is on an ENI (SG_HAS_NO_RULES); an error if it is the ENI's only group.",
        "Add the intended rules, or detach the group.";
    "LV204" "multi-eni-instance" Info "security" None, None, Some(SH_EC2),
        "An instance has more than one ENI: one operating system bridges their segments (Security Hub EC2.17).",
        "Confirm it is intended; prefer secondary IPs for more addresses.";
    "LV301" "eip-unassociated" Info "cost" None, None, Some(PRICE),
        "An Elastic IP is associated with nothing, and charged (Security Hub EC2.12).",
        "Release it.";
    "LV302" "eip-on-idle-eni" Info "cost" None, None, Some(PRICE),
        "An Elastic IP is on an ENI that is unattached or whose instance is stopped: charged and idle.",
        "Release it or move it to a running instance.";
    "LV304" "sg-unused" Info "cost" None, None, Some(SH_EC2),
        "A non-default security group is on no ENI (Security Hub EC2.22).",
        "Delete it.";
    "LV401" "guest-address-missing" Error "guest" None, Some("000, 001"), None,
        "An ENI's link is absent or down in the guest, or one of its addresses is on no guest interface.",
        "Run `localvpc agent` in the instance, or bring the link up and add the address (`ip addr add <ip>/32 dev eth<n>`).";
    "LV402" "guest-asymmetric-reply" Error "guest" None, Some("003, 002"), Some(ENI_BP),
        "Replies from a non-primary ENI's address leave by another link: no `from` rule sends them to a table via their own link.",
        "Per-ENI policy routing: `ip rule add from <addr> lookup T`, T = default via the ENI's subnet router.";
    "LV403" "guest-default-route-via-secondary" Error "guest" None, Some("003"), None,
        "The guest's main table sends its default route out of a non-primary link (CentOS's stolen default route).",
        "DEFROUTE=no / ipv4.never-default on the secondary link, or a higher metric for its default route.";
    "LV404" "guest-strict-rp-filter" Warning "guest" None, Some("003"), None,
        "Strict reverse-path filtering on a non-primary link whose route back leaves by another link: the guest drops what arrives there.",
        "Per-ENI policy routing, or rp_filter 2 (loose).";
}

/// A finding of rule `id` with its catalogue severity.
pub(crate) fn rules_finding(
    id: &'static str,
    resources: Vec<String>,
    message: String,
    fix: String,
) -> Finding {
    Finding {
        rule: id,
        severity: rule(id).expect("catalogued").severity,
        resources,
        message,
        fix,
        evidence: None,
    }
}

/// Runs every rule; findings sorted by severity (errors first), rule, then resource.
pub fn lint(inventory: &Inventory, options: &Options) -> Vec<Finding> {
    let mut findings = rules::all(inventory, options);
    findings.extend(guest_rules::all(inventory));
    findings.sort_by(|a, b| {
        (b.severity, a.rule, &a.resources).cmp(&(a.severity, b.rule, &b.resources))
    });
    findings
}
