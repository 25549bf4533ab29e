//! The state machine: Start/Stop/Reboot/TerminateInstances and DescribeInstanceStatus.

use super::view::StateWire;
use crate::context::Ctx;
use crate::wire::{Empty, FilterWire, Selection, select};
use localvpc_model::instance::{self, Instance, InstanceState, lifecycle};
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::{Ec2Error, ErrorCode, IdKind, public_ip};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct InstanceIdsRequest {
    instance_ids: Vec<String>,
    #[serde(rename = "Force")]
    _force: Option<bool>,
    #[serde(rename = "Hibernate")]
    hibernate: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StateChange {
    instance_id: String,
    current_state: StateWire,
    previous_state: StateWire,
}

/// The state changes of StopInstances, StartInstances and TerminateInstances: the same list,
/// named after the action.
#[derive(Serialize)]
pub enum StateChangesResponse {
    StoppingInstances(Vec<StateChange>),
    StartingInstances(Vec<StateChange>),
    TerminatingInstances(Vec<StateChange>),
}

/// Loads every listed instance, refusing malformed and unknown IDs before changing anything.
fn load_all(ctx: &mut Ctx, ids: &[String]) -> Result<Vec<Instance>, Ec2Error> {
    if ids.is_empty() {
        return Err(Ec2Error::missing_parameter("InstanceId"));
    }
    ids.iter()
        .map(|id| ctx.tx.instance(ctx.account, &IdKind::Instance.parse(id)?))
        .collect()
}

fn change(i: &Instance, to: InstanceState) -> StateChange {
    StateChange {
        instance_id: i.id.clone(),
        current_state: to.into(),
        previous_state: i.state.into(),
    }
}

fn user_initiated(ctx: &Ctx) -> String {
    lifecycle::user_initiated(&ctx.now)
}

/// StopInstances: running → stopping → stopped. Interfaces stay attached; an auto-assigned
/// public IPv4 is released.
pub fn stop_instances(
    ctx: &mut Ctx,
    req: InstanceIdsRequest,
) -> Result<StateChangesResponse, Ec2Error> {
    if req.hibernate == Some(true) {
        return Err(Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            "localvpc instances cannot hibernate.",
        ));
    }
    let mut changes = Vec::new();
    for mut i in load_all(ctx, &req.instance_ids)? {
        let to = lifecycle::stop(&i)?;
        changes.push(change(&i, to));
        if to != i.state {
            ctx.tx
                .set_instance_state(&i.id, to, &user_initiated(ctx), Some(&ctx.now), &ctx.now)?;
            i.public_ip = None;
            ctx.tx.update_instance(&i)?;
        }
    }
    Ok(StateChangesResponse::StoppingInstances(changes))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StartInstancesRequest {
    instance_ids: Vec<String>,
}

/// StartInstances: stopped → pending → running, with a new public IPv4 when
/// `lifecycle::gets_public_ip_on_start` says so.
pub fn start_instances(
    ctx: &mut Ctx,
    req: StartInstancesRequest,
) -> Result<StateChangesResponse, Ec2Error> {
    let mut changes = Vec::new();
    for mut i in load_all(ctx, &req.instance_ids)? {
        let to = lifecycle::start(&i)?;
        changes.push(change(&i, to));
        if to != i.state {
            ctx.tx
                .set_instance_state(&i.id, to, "", Some(&ctx.now), &ctx.now)?;
            if lifecycle::gets_public_ip_on_start(&i) {
                i.public_ip = Some(public_ip::allocate(
                    &ctx.config.public_ip_pool,
                    &ctx.tx.public_ips_in_use()?,
                )?);
                ctx.tx.update_instance(&i)?;
            }
        }
    }
    Ok(StateChangesResponse::StartingInstances(changes))
}

/// RebootInstances: only a running instance reboots; its state does not change.
pub fn reboot_instances(ctx: &mut Ctx, req: StartInstancesRequest) -> Result<Empty, Ec2Error> {
    for i in load_all(ctx, &req.instance_ids)? {
        lifecycle::reboot(&i)?;
    }
    Ok(Empty {})
}

/// TerminateInstances (idempotent): interfaces and volumes with DeleteOnTermination are
/// deleted, the others detached back to `available`; the public IPv4 is released.
pub fn terminate_instances(
    ctx: &mut Ctx,
    req: InstanceIdsRequest,
) -> Result<StateChangesResponse, Ec2Error> {
    let instances = load_all(ctx, &req.instance_ids)?;
    let states = lifecycle::terminate(&instances)?;
    let mut changes = Vec::new();
    for (mut i, to) in instances.into_iter().zip(states) {
        changes.push(change(&i, to));
        if to == i.state {
            continue;
        }
        for eni in &i.interfaces {
            let a = eni.attachment.as_ref().ok_or_else(Ec2Error::internal)?;
            ctx.tx.delete_attachment(&a.id)?;
            if a.delete_on_termination {
                let addresses: Vec<_> = eni.private_ips.iter().map(|p| p.address).collect();
                crate::actions::elastic_ip::release_addresses(ctx, eni, &addresses)?;
                ctx.tx.delete_network_interface(&eni.id)?;
            }
        }
        ctx.tx.release_volumes_of(&i.id)?;
        ctx.tx
            .set_instance_state(&i.id, to, &user_initiated(ctx), Some(&ctx.now), &ctx.now)?;
        i.public_ip = None;
        ctx.tx.update_instance(&i)?;
    }
    Ok(StateChangesResponse::TerminatingInstances(changes))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeInstanceStatusRequest {
    #[serde(default)]
    instance_ids: Vec<String>,
    #[serde(default)]
    filters: Vec<FilterWire>,
    include_all_instances: Option<bool>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StatusSummary {
    status: &'static str,
    details: Vec<StatusDetail>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StatusDetail {
    name: &'static str,
    status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceStatusWire {
    instance_id: String,
    availability_zone: String,
    instance_state: StateWire,
    instance_status: StatusSummary,
    system_status: StatusSummary,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstanceStatusResponse {
    instance_statuses: Vec<InstanceStatusWire>,
    next_token: Option<String>,
}

fn summary(state: InstanceState) -> StatusSummary {
    let status = if state == InstanceState::Running {
        "ok"
    } else {
        "not-applicable"
    };
    StatusSummary {
        status,
        details: vec![StatusDetail {
            name: "reachability",
            status: if status == "ok" {
                "passed"
            } else {
                "not-applicable"
            },
        }],
    }
}

/// DescribeInstanceStatus: running instances by default (`IncludeAllInstances` for all). Checks
/// pass as soon as an instance runs, so `aws ec2 wait instance-status-ok` returns.
pub fn describe_instance_status(
    ctx: &mut Ctx,
    req: DescribeInstanceStatusRequest,
) -> Result<DescribeInstanceStatusResponse, Ec2Error> {
    let all = ctx.tx.instances(ctx.account)?;
    let (mut instances, next_token) = select(
        all,
        |i| &i.id,
        instance::STATUS_FILTERS,
        Selection {
            kind: IdKind::Instance,
            ids: &req.instance_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: DEFAULT_LIMITS,
        },
    )?;
    if req.include_all_instances != Some(true) {
        instances.retain(|i| i.state == InstanceState::Running);
    }
    let instance_statuses = instances
        .iter()
        .map(|i| InstanceStatusWire {
            instance_id: i.id.clone(),
            availability_zone: i.availability_zone.clone(),
            instance_state: i.state.into(),
            instance_status: summary(i.state),
            system_status: summary(i.state),
        })
        .collect();
    Ok(DescribeInstanceStatusResponse {
        instance_statuses,
        next_token,
    })
}
