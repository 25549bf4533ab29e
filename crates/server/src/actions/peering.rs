//! VPC peering actions: Create/Accept/Reject/Delete/DescribeVpcPeeringConnections and
//! ModifyVpcPeeringConnectionOptions.
//!
//! Every account and region lives in this one localvpc, so a request to another account or
//! region is real: the accepter finds it `pending-acceptance` in its own partition. A request
//! EC2 accepts but cannot carry out (no such peer VPC there, overlapping blocks) is answered
//! `initiating-request` and is `failed` from then on, as pollers see on AWS.

use crate::context::Ctx;
use crate::wire::{FilterWire, RETURN_TRUE, ReturnTrue, Selection, TagSpecification, TagWire};
use crate::wire::{select, tag_set, tags_for};
use localvpc_model::instance::lifecycle::GONE_VISIBLE_FOR;
use localvpc_model::peering::{
    self, DnsAttributes, OptionsRequest, Party, PeeringConnection, PeeringSide, PeeringState,
};
use localvpc_model::region::Region;
use localvpc_model::vpc::Vpc;
use localvpc_model::{Ec2Error, ErrorCode, IdKind, Quota};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CidrBlockWire {
    cidr_block: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipv6CidrBlockWire {
    ipv6_cidr_block: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OptionsWire {
    allow_dns_resolution_from_remote_vpc: bool,
    allow_egress_from_local_classic_link_to_remote_vpc: bool,
    allow_egress_from_local_vpc_to_remote_classic_link: bool,
}

fn options_view(side: &PeeringSide) -> OptionsWire {
    OptionsWire {
        allow_dns_resolution_from_remote_vpc: side.allow_dns_resolution_from_remote_vpc,
        allow_egress_from_local_classic_link_to_remote_vpc: false,
        allow_egress_from_local_vpc_to_remote_classic_link: false,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcInfoWire {
    cidr_block: Option<String>,
    ipv6_cidr_block_set: Option<Vec<Ipv6CidrBlockWire>>,
    cidr_block_set: Option<Vec<CidrBlockWire>>,
    owner_id: String,
    peering_options: Option<OptionsWire>,
    vpc_id: String,
    region: String,
}

/// One side as the caller sees it: the blocks of another account's accepter VPC only once the
/// connection is active, and options only on an active connection.
fn info(side: &PeeringSide, active: bool, show_blocks: bool) -> VpcInfoWire {
    VpcInfoWire {
        cidr_block: side
            .cidr_blocks
            .first()
            .filter(|_| show_blocks)
            .map(|c| c.to_string()),
        ipv6_cidr_block_set: (show_blocks && !side.ipv6_blocks.is_empty()).then(|| {
            side.ipv6_blocks
                .iter()
                .map(|b| Ipv6CidrBlockWire {
                    ipv6_cidr_block: b.to_string(),
                })
                .collect()
        }),
        cidr_block_set: show_blocks.then(|| {
            side.cidr_blocks
                .iter()
                .map(|c| CidrBlockWire {
                    cidr_block: c.to_string(),
                })
                .collect()
        }),
        owner_id: side.owner_id.clone(),
        peering_options: active.then(|| options_view(side)),
        vpc_id: side.vpc_id.clone(),
        region: side.region.clone(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StatusWire {
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PeeringWire {
    accepter_vpc_info: VpcInfoWire,
    expiration_time: Option<String>,
    requester_vpc_info: VpcInfoWire,
    status: StatusWire,
    tags: Option<Vec<TagWire>>,
    vpc_peering_connection_id: String,
}

/// The connection in `state` (Create answers `initiating-request` for what is stored pending).
fn view_in(p: &PeeringConnection, state: PeeringState) -> PeeringWire {
    let active = state == PeeringState::Active;
    let same_owner = p.requester.owner_id == p.accepter.owner_id;
    PeeringWire {
        accepter_vpc_info: info(&p.accepter, active, active || same_owner),
        expiration_time: matches!(
            state,
            PeeringState::InitiatingRequest | PeeringState::PendingAcceptance
        )
        .then(|| p.expiration_time.clone()),
        requester_vpc_info: info(&p.requester, active, true),
        status: StatusWire {
            code: state.as_str(),
            message: p.status_message(state),
        },
        tags: tag_set(&p.tags),
        vpc_peering_connection_id: p.id.clone(),
    }
}

fn view(p: &PeeringConnection) -> PeeringWire {
    view_in(p, p.state)
}

/// `now` moved by `delta`, in EC2's timestamp format.
fn shifted(now: &str, delta: chrono::Duration) -> String {
    let at = chrono::DateTime::parse_from_rfc3339(now).expect("the request's own timestamp");
    (at + delta)
        .with_timezone(&chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn gone_before(now: &str) -> String {
    shifted(
        now,
        -chrono::Duration::from_std(GONE_VISIBLE_FOR).expect("an hour fits"),
    )
}

fn side_of(vpc: &Vpc, region: &str) -> PeeringSide {
    PeeringSide {
        owner_id: vpc.owner_id.clone(),
        region: region.to_owned(),
        vpc_id: vpc.id.clone(),
        cidr_blocks: vpc.cidr_blocks.iter().map(|b| b.cidr).collect(),
        ipv6_blocks: vpc.ipv6_blocks.iter().map(|b| b.cidr).collect(),
        allow_dns_resolution_from_remote_vpc: false,
    }
}

/// The connections the caller lists as of now: expired where due, those ended over an hour ago
/// gone.
pub(crate) fn listed(ctx: &Ctx) -> Result<Vec<PeeringConnection>, Ec2Error> {
    let before = gone_before(&ctx.now);
    Ok(ctx
        .tx
        .peering_connections()?
        .into_iter()
        .map(|p| p.as_of(&ctx.now))
        .filter(|p| p.ended_at.as_deref().is_none_or(|t| t >= before.as_str()))
        .collect())
}

/// The connection a call names, and the caller's part in it.
fn load(ctx: &Ctx, id: &str) -> Result<(PeeringConnection, Party), Ec2Error> {
    let id = IdKind::VpcPeeringConnection.parse(id)?;
    let p = listed(ctx)?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| IdKind::VpcPeeringConnection.not_found(&id))?;
    let party = p
        .party(ctx.account, ctx.region.name)
        .ok_or_else(|| IdKind::VpcPeeringConnection.not_found(&id))?;
    Ok((p, party))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateRequest {
    vpc_id: String,
    peer_vpc_id: Option<String>,
    peer_owner_id: Option<String>,
    peer_region: Option<String>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConnectionResponse {
    vpc_peering_connection: PeeringWire,
}

/// CreateVpcPeeringConnection: answered `initiating-request`; from the next call on it is
/// `pending-acceptance` in both partitions, or `failed` (the requester's alone).
pub fn create(ctx: &mut Ctx, req: CreateRequest) -> Result<ConnectionResponse, Ec2Error> {
    let vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(&req.vpc_id)?)?;
    let peer_vpc_id = match &req.peer_vpc_id {
        Some(id) => IdKind::Vpc.parse(id)?,
        None => return Err(Ec2Error::missing_parameter("PeerVpcId")),
    };
    let peer_owner = req.peer_owner_id.as_deref().unwrap_or(ctx.account);
    let peer_region = match req.peer_region.as_deref() {
        Some(name) => {
            Region::named(name)
                .map_err(|_| Ec2Error::invalid_parameter("PeerRegion", name))?
                .name
        }
        None => ctx.region.name,
    };
    let tags = tags_for(&req.tag_specifications, IdKind::VpcPeeringConnection)?;
    ctx.tx.forget_peering_connections(&gone_before(&ctx.now))?;
    let existing = listed(ctx)?;
    let peer = ctx
        .tx
        .vpc_elsewhere(peer_owner, peer_region, &peer_vpc_id)?;
    // Within one account and region EC2 checks the peer VPC up front.
    if peer.is_none() && peer_owner == ctx.account && peer_region == ctx.region.name {
        return Err(IdKind::Vpc.not_found(&peer_vpc_id));
    }
    // A request naming a VPC that is not there fails whatever else exists.
    if peer.is_some() {
        peering::check_duplicate(&existing, &vpc.id, &peer_vpc_id)?;
    }
    ctx.config.quotas.check(
        Quota::PendingPeeringsPerAccount,
        ctx.account,
        ctx.tx.count_pending_peering_requests(&ctx.now)?,
        1,
    )?;
    let requester = side_of(&vpc, ctx.region.name);
    let accepter_side = peer.as_ref().map(|(_, v)| side_of(v, peer_region));
    let failed = peering::fails(&requester, accepter_side.as_ref());
    let accepter = accepter_side.unwrap_or_else(|| PeeringSide {
        owner_id: peer_owner.to_owned(),
        region: peer_region.to_owned(),
        vpc_id: peer_vpc_id.clone(),
        cidr_blocks: Vec::new(),
        ipv6_blocks: Vec::new(),
        allow_dns_resolution_from_remote_vpc: false,
    });
    let p = PeeringConnection {
        id: IdKind::VpcPeeringConnection.generate(),
        requester,
        accepter,
        state: if failed {
            PeeringState::Failed
        } else {
            PeeringState::PendingAcceptance
        },
        ended_by: None,
        create_time: ctx.now.clone(),
        expiration_time: shifted(
            &ctx.now,
            chrono::Duration::days(peering::EXPIRES_AFTER_DAYS),
        ),
        ended_at: failed.then(|| ctx.now.clone()),
        tags,
    };
    ctx.tx
        .insert_peering_connection(&p, peer.map(|(pid, _)| pid))?;
    Ok(ConnectionResponse {
        vpc_peering_connection: view_in(&p, PeeringState::InitiatingRequest),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct IdRequest {
    vpc_peering_connection_id: String,
}

/// AcceptVpcPeeringConnection: `active` at once; each side's blocks as they are now, and
/// neither VPC past its quota of active connections.
pub fn accept(ctx: &mut Ctx, req: IdRequest) -> Result<ConnectionResponse, Ec2Error> {
    let (mut p, party) = load(ctx, &req.vpc_peering_connection_id)?;
    peering::check_answer(&p, party, ctx.account, "accept")?;
    for vpc_id in [&p.requester.vpc_id, &p.accepter.vpc_id] {
        ctx.config.quotas.check(
            Quota::ActivePeeringsPerVpc,
            vpc_id,
            ctx.tx.count_active_peerings_of_vpc(vpc_id)?,
            1,
        )?;
    }
    for side in [&mut p.requester, &mut p.accepter] {
        if let Some((_, vpc)) = ctx
            .tx
            .vpc_elsewhere(&side.owner_id, &side.region, &side.vpc_id)?
        {
            let region = side.region.clone();
            *side = side_of(&vpc, &region);
        }
    }
    p.state = PeeringState::Active;
    ctx.tx.update_peering_connection(&p)?;
    Ok(ConnectionResponse {
        vpc_peering_connection: view(&p),
    })
}

/// Ends a connection: `rejected` or `deleted` by the caller, now. Routes to it become
/// `blackhole` and the data plane cuts its link.
fn end(ctx: &mut Ctx, mut p: PeeringConnection, state: PeeringState) -> Result<(), Ec2Error> {
    p.state = state;
    p.ended_by = Some(ctx.account.to_owned());
    p.ended_at = Some(ctx.now.clone());
    ctx.tx.update_peering_connection(&p)
}

pub fn reject(ctx: &mut Ctx, req: IdRequest) -> Result<ReturnTrue, Ec2Error> {
    let (p, party) = load(ctx, &req.vpc_peering_connection_id)?;
    peering::check_answer(&p, party, ctx.account, "reject")?;
    end(ctx, p, PeeringState::Rejected)?;
    Ok(RETURN_TRUE)
}

pub fn delete(ctx: &mut Ctx, req: IdRequest) -> Result<ReturnTrue, Ec2Error> {
    let (p, party) = load(ctx, &req.vpc_peering_connection_id)?;
    peering::check_delete(&p, party, ctx.account)?;
    end(ctx, p, PeeringState::Deleted)?;
    Ok(RETURN_TRUE)
}

/// DeleteVpc's part: refused while another account's request awaits this VPC's answer; its
/// other live connections are deleted with it.
pub fn delete_with_vpc(ctx: &mut Ctx, vpc_id: &str) -> Result<(), Ec2Error> {
    let live: Vec<PeeringConnection> = listed(ctx)?
        .into_iter()
        .filter(|p| p.involves(vpc_id) && !p.state.is_final())
        .collect();
    peering::check_delete_vpc(vpc_id, ctx.account, &live)?;
    for p in live {
        end(ctx, p, PeeringState::Deleted)?;
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeRequest {
    #[serde(default)]
    filters: Vec<FilterWire>,
    #[serde(default)]
    vpc_peering_connection_ids: Vec<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeResponse {
    vpc_peering_connections: Vec<PeeringWire>,
    next_token: Option<String>,
}

pub fn describe(ctx: &mut Ctx, req: DescribeRequest) -> Result<DescribeResponse, Ec2Error> {
    let (items, next_token) = select(
        listed(ctx)?,
        |p| &p.id,
        peering::FILTERS,
        Selection {
            kind: IdKind::VpcPeeringConnection,
            ids: &req.vpc_peering_connection_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: peering::PAGE_LIMITS,
        },
    )?;
    Ok(DescribeResponse {
        vpc_peering_connections: items.iter().map(view).collect(),
        next_token,
    })
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct OptionsRequestWire {
    allow_dns_resolution_from_remote_vpc: Option<bool>,
    allow_egress_from_local_classic_link_to_remote_vpc: Option<bool>,
    allow_egress_from_local_vpc_to_remote_classic_link: Option<bool>,
}

impl From<OptionsRequestWire> for OptionsRequest {
    fn from(w: OptionsRequestWire) -> Self {
        Self {
            allow_dns_resolution_from_remote_vpc: w.allow_dns_resolution_from_remote_vpc,
            classic_link: [
                w.allow_egress_from_local_classic_link_to_remote_vpc,
                w.allow_egress_from_local_vpc_to_remote_classic_link,
            ],
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyOptionsRequest {
    vpc_peering_connection_id: String,
    accepter_peering_connection_options: Option<OptionsRequestWire>,
    requester_peering_connection_options: Option<OptionsRequestWire>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifyOptionsResponse {
    accepter_peering_connection_options: Option<OptionsWire>,
    requester_peering_connection_options: Option<OptionsWire>,
}

/// Whether a side's VPC has DNS support and hostnames on (a VPC gone counts as off).
fn resolves_hostnames(ctx: &mut Ctx, side: &PeeringSide) -> Result<bool, Ec2Error> {
    Ok(ctx
        .tx
        .vpc_elsewhere(&side.owner_id, &side.region, &side.vpc_id)?
        .is_some_and(|(_, v)| v.enable_dns_support && v.enable_dns_hostnames))
}

/// ModifyVpcPeeringConnectionOptions: each owner sets its own side of an active connection;
/// the answer carries the sides the request named.
pub fn modify_options(
    ctx: &mut Ctx,
    req: ModifyOptionsRequest,
) -> Result<ModifyOptionsResponse, Ec2Error> {
    let (mut p, party) = load(ctx, &req.vpc_peering_connection_id)?;
    let requester = req
        .requester_peering_connection_options
        .map(OptionsRequest::from);
    let accepter = req
        .accepter_peering_connection_options
        .map(OptionsRequest::from);
    let dns = DnsAttributes {
        both_vpcs_resolve_hostnames: resolves_hostnames(ctx, &p.requester.clone())?
            && resolves_hostnames(ctx, &p.accepter.clone())?,
    };
    peering::check_options(
        &p,
        party,
        ctx.account,
        requester.as_ref(),
        accepter.as_ref(),
        dns,
    )?;
    for (side, asked) in [(&mut p.requester, requester), (&mut p.accepter, accepter)] {
        if let Some(value) = asked.and_then(|a| a.allow_dns_resolution_from_remote_vpc) {
            side.allow_dns_resolution_from_remote_vpc = value;
        }
    }
    ctx.tx.update_peering_connection(&p)?;
    Ok(ModifyOptionsResponse {
        accepter_peering_connection_options: accepter.map(|_| options_view(&p.accepter)),
        requester_peering_connection_options: requester.map(|_| options_view(&p.requester)),
    })
}

/// The caller's connection that a route names: one of the table's VPC and not ended.
pub fn route_target(ctx: &Ctx, id: &str, vpc_id: &str) -> Result<String, Ec2Error> {
    let (p, _) = load(ctx, id)?;
    if p.state.is_final() {
        return Err(IdKind::VpcPeeringConnection.not_found(&p.id));
    }
    if !p.involves(vpc_id) {
        return Err(Ec2Error::new(
            ErrorCode::InvalidParameterValue,
            format!(
                "The VPC peering connection {} does not belong to the VPC {vpc_id}",
                p.id
            ),
        ));
    }
    Ok(p.id)
}

/// Active connections the caller lists: the live targets of routes.
pub fn active_ids(ctx: &Ctx) -> Result<Vec<String>, Ec2Error> {
    Ok(listed(ctx)?
        .into_iter()
        .filter(|p| p.forwards())
        .map(|p| p.id)
        .collect())
}
