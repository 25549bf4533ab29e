//! VPC peering connections: the life cycle EC2 shows, who may act in each state, the requests
//! EC2 accepts and then fails, and the options each side sets (vpc-surface.md §4).
//!
//! A connection joins a requester VPC and an accepter VPC, which may belong to another account
//! or region of this localvpc: each side sees it in its own partition. Who is calling decides
//! what they may do ([`Party`]).

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one, opt};
use crate::page::PageLimits;
use crate::tags::Tag;
use ipnet::{Ipv4Net, Ipv6Net};

/// DescribeVpcPeeringConnections takes `MaxResults` from 5 to 1000.
pub const PAGE_LIMITS: PageLimits = PageLimits { min: 5, max: 1000 };
/// A request not accepted within a week expires.
pub const EXPIRES_AFTER_DAYS: i64 = 7;
/// AWS's status message for a request it accepted and then failed.
pub const FAILED_MESSAGE: &str =
    "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeeringState {
    /// Only in CreateVpcPeeringConnection's answer: the request is being sent.
    InitiatingRequest,
    PendingAcceptance,
    Active,
    Rejected,
    Failed,
    Expired,
    Deleted,
}

impl PeeringState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InitiatingRequest => "initiating-request",
            Self::PendingAcceptance => "pending-acceptance",
            Self::Active => "active",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Deleted => "deleted",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::InitiatingRequest,
            Self::PendingAcceptance,
            Self::Active,
            Self::Rejected,
            Self::Failed,
            Self::Expired,
            Self::Deleted,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }

    /// A state no call leaves: the connection is only listed a while longer.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Rejected | Self::Failed | Self::Expired | Self::Deleted
        )
    }
}

/// One side of a connection, as `requesterVpcInfo` / `accepterVpcInfo` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeeringSide {
    pub owner_id: String,
    pub region: String,
    pub vpc_id: String,
    /// The VPC's IPv4 blocks, the primary first.
    pub cidr_blocks: Vec<Ipv4Net>,
    pub ipv6_blocks: Vec<Ipv6Net>,
    /// Whether this side's VPC resolves public DNS names of the peer's instances to their
    /// private addresses.
    pub allow_dns_resolution_from_remote_vpc: bool,
}

impl PeeringSide {
    fn is(&self, account: &str, region: &str) -> bool {
        self.owner_id == account && self.region == region
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PeeringConnection {
    pub id: String,
    pub requester: PeeringSide,
    pub accepter: PeeringSide,
    pub state: PeeringState,
    /// The account that rejected or deleted it.
    pub ended_by: Option<String>,
    pub create_time: String,
    /// When a pending request expires (a week after it was made).
    pub expiration_time: String,
    /// When it reached a final state: it is listed for a while after.
    pub ended_at: Option<String>,
    pub tags: Vec<Tag>,
}

/// Who is calling, as far as a connection is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Requester,
    Accepter,
    /// Both VPCs are the caller's (same account and region).
    Both,
}

impl Party {
    fn requests(self) -> bool {
        matches!(self, Self::Requester | Self::Both)
    }

    fn accepts(self) -> bool {
        matches!(self, Self::Accepter | Self::Both)
    }
}

impl PeeringConnection {
    /// The caller's part in the connection, if it can see it at all: a failed request is
    /// listed only to its requester.
    pub fn party(&self, account: &str, region: &str) -> Option<Party> {
        let party = match (
            self.requester.is(account, region),
            self.accepter.is(account, region),
        ) {
            (true, true) => Party::Both,
            (true, false) => Party::Requester,
            (false, true) if self.state != PeeringState::Failed => Party::Accepter,
            _ => return None,
        };
        Some(party)
    }

    /// The state as of `now`: a pending request past its expiration time has expired.
    pub fn as_of(mut self, now: &str) -> Self {
        if self.state == PeeringState::PendingAcceptance && self.expiration_time.as_str() <= now {
            self.state = PeeringState::Expired;
            self.ended_at = Some(self.expiration_time.clone());
        }
        self
    }

    /// Whether it carries traffic (routes to it are `active`, not `blackhole`).
    pub fn forwards(&self) -> bool {
        self.state == PeeringState::Active
    }

    /// AWS's `status.message` for a state of this connection.
    pub fn status_message(&self, state: PeeringState) -> String {
        let by = self.ended_by.as_deref().unwrap_or(&self.requester.owner_id);
        match state {
            PeeringState::InitiatingRequest => {
                format!("Initiating Request to {}", self.accepter.owner_id)
            }
            PeeringState::PendingAcceptance => {
                format!("Pending Acceptance by {}", self.accepter.owner_id)
            }
            PeeringState::Active => "Active".into(),
            PeeringState::Rejected => format!("Rejected by {by}"),
            PeeringState::Failed => FAILED_MESSAGE.into(),
            PeeringState::Expired => "Expired".into(),
            PeeringState::Deleted => format!("Deleted by {by}"),
        }
    }

    /// Whether the connection joins these two VPCs (either way round).
    pub fn joins(&self, a: &str, b: &str) -> bool {
        let (r, x) = (&self.requester.vpc_id, &self.accepter.vpc_id);
        (r == a && x == b) || (r == b && x == a)
    }

    /// Whether the connection involves this VPC.
    pub fn involves(&self, vpc_id: &str) -> bool {
        self.requester.vpc_id == vpc_id || self.accepter.vpc_id == vpc_id
    }
}

impl Tagged for PeeringConnection {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

fn cidrs(side: &PeeringSide) -> Vec<String> {
    side.cidr_blocks.iter().map(|c| c.to_string()).collect()
}

pub const FILTERS: &[FilterDef<PeeringConnection>] = &[
    def("accepter-vpc-info.cidr-block", |p| cidrs(&p.accepter)),
    def("accepter-vpc-info.owner-id", |p| one(&p.accepter.owner_id)),
    def("accepter-vpc-info.vpc-id", |p| one(&p.accepter.vpc_id)),
    def("expiration-time", |p| {
        opt((p.state == PeeringState::PendingAcceptance).then_some(&p.expiration_time))
    }),
    def("requester-vpc-info.cidr-block", |p| cidrs(&p.requester)),
    def("requester-vpc-info.owner-id", |p| {
        one(&p.requester.owner_id)
    }),
    def("requester-vpc-info.vpc-id", |p| one(&p.requester.vpc_id)),
    def("status-code", |p| one(p.state.as_str())),
    def("status-message", |p| one(p.status_message(p.state))),
    def("vpc-peering-connection-id", |p| one(&p.id)),
];

/// The connection that joins two VPCs: the active one, else the one that ended last.
pub fn connection_between<'c>(
    connections: &'c [PeeringConnection],
    a: &str,
    b: &str,
) -> Option<&'c PeeringConnection> {
    let joining = || connections.iter().filter(|p| p.joins(a, b));
    joining()
        .find(|p| p.forwards())
        .or_else(|| joining().max_by(|x, y| x.ended_at.cmp(&y.ended_at)))
}

/// Whether a request EC2 has accepted fails: the peer VPC does not exist where it was said to
/// be, or any IPv4 or IPv6 block of one VPC overlaps one of the other's.
pub fn fails(requester: &PeeringSide, accepter: Option<&PeeringSide>) -> bool {
    let Some(accepter) = accepter else {
        return true;
    };
    let v4 = requester.cidr_blocks.iter().any(|a| {
        accepter
            .cidr_blocks
            .iter()
            .any(|b| a.contains(&b.network()) || b.contains(&a.network()))
    });
    let v6 = requester.ipv6_blocks.iter().any(|a| {
        accepter
            .ipv6_blocks
            .iter()
            .any(|b| a.contains(&b.network()) || b.contains(&a.network()))
    });
    v4 || v6 || requester.vpc_id == accepter.vpc_id
}

/// CreateVpcPeeringConnection: one pending or active connection per pair of VPCs.
pub fn check_duplicate(
    existing: &[PeeringConnection],
    vpc_id: &str,
    peer_vpc_id: &str,
) -> Result<(), Ec2Error> {
    match existing.iter().find(|p| {
        p.joins(vpc_id, peer_vpc_id)
            && matches!(
                p.state,
                PeeringState::PendingAcceptance | PeeringState::Active
            )
    }) {
        Some(p) => Err(Ec2Error::new(
            ErrorCode::VpcPeeringConnectionAlreadyExists,
            format!(
                "A VPC peering connection ({}) already exists between {vpc_id} and {peer_vpc_id}.",
                p.id
            ),
        )),
        None => Ok(()),
    }
}

fn wrong_state(p: &PeeringConnection) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidStateTransition,
        format!(
            "VpcPeeringConnectionID {} is not in the correct state for the request.",
            p.id
        ),
    )
}

fn not_permitted(account: &str, verb: &str, p: &PeeringConnection) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::OperationNotPermitted,
        format!("User {account} cannot {verb} peering {}", p.id),
    )
}

/// AcceptVpcPeeringConnection and RejectVpcPeeringConnection: only the accepter, only while
/// the request is pending.
pub fn check_answer(
    p: &PeeringConnection,
    party: Party,
    account: &str,
    verb: &str,
) -> Result<(), Ec2Error> {
    if !party.accepts() {
        return Err(not_permitted(account, verb, p));
    }
    if p.state != PeeringState::PendingAcceptance {
        return Err(wrong_state(p));
    }
    Ok(())
}

/// DeleteVpcPeeringConnection: either side while active, the requester while pending; a
/// rejected, failed, expired or deleted connection cannot be deleted.
pub fn check_delete(p: &PeeringConnection, party: Party, account: &str) -> Result<(), Ec2Error> {
    match p.state {
        PeeringState::Active => Ok(()),
        PeeringState::PendingAcceptance if party.requests() => Ok(()),
        PeeringState::PendingAcceptance => Err(not_permitted(account, "delete", p)),
        _ => Err(wrong_state(p)),
    }
}

/// What ModifyVpcPeeringConnectionOptions asks of one side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OptionsRequest {
    pub allow_dns_resolution_from_remote_vpc: Option<bool>,
    /// The retired EC2-Classic options: only `false` is accepted.
    pub classic_link: [Option<bool>; 2],
}

/// The facts ModifyVpcPeeringConnectionOptions checks besides the connection.
#[derive(Debug, Clone, Copy)]
pub struct DnsAttributes {
    /// Both VPCs have DNS support and DNS hostnames on.
    pub both_vpcs_resolve_hostnames: bool,
}

/// ModifyVpcPeeringConnectionOptions: active connections only; each owner sets its own side;
/// DNS resolution across the connection needs DNS hostnames in both VPCs; the EC2-Classic
/// options are gone with EC2-Classic.
pub fn check_options(
    p: &PeeringConnection,
    party: Party,
    account: &str,
    requester: Option<&OptionsRequest>,
    accepter: Option<&OptionsRequest>,
    dns: DnsAttributes,
) -> Result<(), Ec2Error> {
    if requester.is_none() && accepter.is_none() {
        return Err(Ec2Error::missing_parameter(
            "requesterPeeringConnectionOptions or accepterPeeringConnectionOptions",
        ));
    }
    if p.state != PeeringState::Active {
        return Err(Ec2Error::new(
            ErrorCode::OperationNotPermitted,
            format!(
                "Peering {} is not active. Peering options can be added only to active peerings.",
                p.id
            ),
        ));
    }
    if requester.is_some() && !party.requests() {
        return Err(not_permitted(account, "modify the requester options of", p));
    }
    if accepter.is_some() && !party.accepts() {
        return Err(not_permitted(account, "modify the accepter options of", p));
    }
    for side in requester.iter().chain(accepter.iter()) {
        if side.classic_link.contains(&Some(true)) {
            return Err(Ec2Error::new(
                ErrorCode::OperationNotPermitted,
                "EC2-Classic has been retired: ClassicLink options cannot be enabled on a VPC peering connection.",
            ));
        }
        if side.allow_dns_resolution_from_remote_vpc == Some(true)
            && !dns.both_vpcs_resolve_hostnames
        {
            return Err(Ec2Error::new(
                ErrorCode::InvalidVpcPeeringConnectionStateDnsHostnamesDisabled,
                "To enable DNS resolution over a VPC peering connection, both VPCs must have DNS resolution and DNS hostnames enabled.",
            ));
        }
    }
    Ok(())
}

/// DeleteVpc: a VPC awaiting its answer to another account's request cannot go (the request
/// must be rejected first); its other pending and active connections are deleted with it.
pub fn check_delete_vpc(
    vpc_id: &str,
    account: &str,
    connections: &[PeeringConnection],
) -> Result<(), Ec2Error> {
    let waiting = connections.iter().any(|p| {
        p.state == PeeringState::PendingAcceptance
            && p.accepter.vpc_id == vpc_id
            && p.requester.owner_id != account
    });
    if waiting {
        return Err(Ec2Error::dependency(format!(
            "The vpc '{vpc_id}' has dependencies and cannot be deleted."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
