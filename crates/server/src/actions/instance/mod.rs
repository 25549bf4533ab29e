//! Instance actions: RunInstances (in `run.rs`), DescribeInstances, DescribeInstanceStatus,
//! Start/Stop/Reboot/TerminateInstances with EC2's state machine, and instance attributes.

pub mod run;
pub mod view;

use crate::actions::network_interface::view::Naming;
use crate::context::Ctx;
use crate::wire::{BoolValue, Empty, FilterWire, Selection, select};
use localvpc_model::instance::{self, Instance, InstanceState};
use localvpc_model::instance_type::InstanceType;
use localvpc_model::network_interface;
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::{Ec2Error, ErrorCode, IdKind, public_ip};
use serde::{Deserialize, Serialize};
use view::{ReservationWire, StateWire};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeInstancesRequest {
    #[serde(default)]
    filters: Vec<FilterWire>,
    #[serde(default)]
    instance_ids: Vec<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstancesResponse {
    reservations: Vec<ReservationWire>,
    next_token: Option<String>,
}

/// DescribeInstances: instances grouped into their reservations, in launch order.
pub fn describe_instances(
    ctx: &mut Ctx,
    req: DescribeInstancesRequest,
) -> Result<DescribeInstancesResponse, Ec2Error> {
    if req.max_results.is_some() && !req.instance_ids.is_empty() {
        return Err(Ec2Error::combination(
            "The parameter instancesSet cannot be used with the parameter maxResults",
        ));
    }
    let all = ctx.tx.instances(ctx.account)?;
    let (instances, next_token) = select(
        all,
        |i| &i.id,
        instance::FILTERS,
        Selection {
            kind: IdKind::Instance,
            ids: &req.instance_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: DEFAULT_LIMITS,
        },
    )?;
    let naming = Naming::load(ctx)?;
    let mut reservations: Vec<ReservationWire> = Vec::new();
    for i in &instances {
        let wire = view::instance(i, &naming);
        match reservations
            .iter_mut()
            .find(|r| r.reservation_id == i.reservation_id)
        {
            Some(r) => r.instances.push(wire),
            None => reservations.push(ReservationWire {
                reservation_id: i.reservation_id.clone(),
                owner_id: i.owner_id.clone(),
                groups: Vec::new(),
                instances: vec![wire],
            }),
        }
    }
    Ok(DescribeInstancesResponse {
        reservations,
        next_token,
    })
}

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
    format!(
        "User initiated ({} GMT)",
        ctx.now.get(..19).unwrap_or(&ctx.now).replace('T', " ")
    )
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
        match i.state {
            InstanceState::Pending | InstanceState::Running => {
                changes.push(change(&i, InstanceState::Stopping));
                ctx.tx.set_instance_state(
                    &i.id,
                    InstanceState::Stopping,
                    &user_initiated(ctx),
                    Some(&ctx.now),
                    &ctx.now,
                )?;
                i.public_ip = None;
                ctx.tx.update_instance(&i)?;
            }
            InstanceState::Stopping | InstanceState::Stopped => changes.push(change(&i, i.state)),
            _ => {
                return Err(Ec2Error::new(
                    ErrorCode::IncorrectInstanceState,
                    format!(
                        "This instance '{}' is not in a state from which it can be stopped.",
                        i.id
                    ),
                ));
            }
        }
    }
    Ok(StateChangesResponse::StoppingInstances(changes))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StartInstancesRequest {
    instance_ids: Vec<String>,
}

/// StartInstances: stopped → pending → running, with a new public IPv4 if the instance was
/// launched with one, still has a single interface and no Elastic IP.
pub fn start_instances(
    ctx: &mut Ctx,
    req: StartInstancesRequest,
) -> Result<StateChangesResponse, Ec2Error> {
    let mut changes = Vec::new();
    for mut i in load_all(ctx, &req.instance_ids)? {
        match i.state {
            InstanceState::Stopped => {
                changes.push(change(&i, InstanceState::Pending));
                ctx.tx.set_instance_state(
                    &i.id,
                    InstanceState::Pending,
                    "",
                    Some(&ctx.now),
                    &ctx.now,
                )?;
                let has_elastic_ip = i
                    .interfaces
                    .iter()
                    .any(|e| e.private_ips.iter().any(|p| p.association.is_some()));
                if i.auto_public_ip && i.interfaces.len() == 1 && !has_elastic_ip {
                    i.public_ip = Some(public_ip::allocate(
                        &ctx.config.public_ip_pool,
                        &ctx.tx.public_ips_in_use()?,
                    )?);
                    ctx.tx.update_instance(&i)?;
                }
            }
            InstanceState::Pending | InstanceState::Running => changes.push(change(&i, i.state)),
            _ => {
                return Err(Ec2Error::new(
                    ErrorCode::IncorrectInstanceState,
                    format!(
                        "The instance '{}' is not in a state from which it can be started.",
                        i.id
                    ),
                ));
            }
        }
    }
    Ok(StateChangesResponse::StartingInstances(changes))
}

/// RebootInstances: only a running instance reboots; its state does not change.
pub fn reboot_instances(ctx: &mut Ctx, req: StartInstancesRequest) -> Result<Empty, Ec2Error> {
    for i in load_all(ctx, &req.instance_ids)? {
        if !matches!(i.state, InstanceState::Running | InstanceState::Pending) {
            return Err(Ec2Error::new(
                ErrorCode::IncorrectInstanceState,
                format!(
                    "The instance '{}' is not in a state from which it can be rebooted.",
                    i.id
                ),
            ));
        }
    }
    Ok(Empty {})
}

/// TerminateInstances (idempotent): interfaces with DeleteOnTermination are deleted, the others
/// detached back to `available`; the public IPv4 is released.
pub fn terminate_instances(
    ctx: &mut Ctx,
    req: InstanceIdsRequest,
) -> Result<StateChangesResponse, Ec2Error> {
    let instances = load_all(ctx, &req.instance_ids)?;
    if let Some(protected) = instances
        .iter()
        .find(|i| i.disable_api_termination && i.state != InstanceState::Terminated)
    {
        return Err(Ec2Error::new(
            ErrorCode::OperationNotPermitted,
            format!(
                "The instance '{}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.",
                protected.id
            ),
        ));
    }
    let mut changes = Vec::new();
    for mut i in instances {
        if matches!(
            i.state,
            InstanceState::ShuttingDown | InstanceState::Terminated
        ) {
            changes.push(change(&i, i.state));
            continue;
        }
        changes.push(change(&i, InstanceState::ShuttingDown));
        for eni in &i.interfaces {
            let a = eni.attachment.as_ref().ok_or_else(Ec2Error::internal)?;
            ctx.tx.delete_attachment(&a.id)?;
            if a.delete_on_termination {
                let addresses: Vec<_> = eni.private_ips.iter().map(|p| p.address).collect();
                crate::actions::elastic_ip::release_addresses(ctx, eni, &addresses)?;
                ctx.tx.delete_network_interface(&eni.id)?;
            }
        }
        ctx.tx.set_instance_state(
            &i.id,
            InstanceState::ShuttingDown,
            &user_initiated(ctx),
            Some(&ctx.now),
            &ctx.now,
        )?;
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

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TextValue {
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyInstanceAttributeRequest {
    instance_id: String,
    attribute: Option<String>,
    value: Option<String>,
    source_dest_check: Option<BoolValue>,
    disable_api_termination: Option<BoolValue>,
    instance_type: Option<TextValue>,
    user_data: Option<TextValue>,
    instance_initiated_shutdown_behavior: Option<TextValue>,
    #[serde(default)]
    groups: Vec<String>,
}

/// An attribute change, whichever of the two request styles named it.
enum Change {
    SourceDestCheck(bool),
    DisableApiTermination(bool),
    InstanceType(String),
    UserData(String),
    ShutdownBehavior(String),
    Groups(Vec<String>),
}

fn requested_change(req: ModifyInstanceAttributeRequest) -> Result<Change, Ec2Error> {
    let bool_of = |b: BoolValue, name: &str| {
        b.value
            .ok_or_else(|| Ec2Error::missing_parameter(&format!("{name}.Value")))
    };
    let text_of = |t: TextValue, name: &str| {
        t.value
            .ok_or_else(|| Ec2Error::missing_parameter(&format!("{name}.Value")))
    };
    let mut changes: Vec<Change> = Vec::new();
    if let Some(b) = req.source_dest_check {
        changes.push(Change::SourceDestCheck(bool_of(b, "SourceDestCheck")?));
    }
    if let Some(b) = req.disable_api_termination {
        changes.push(Change::DisableApiTermination(bool_of(
            b,
            "DisableApiTermination",
        )?));
    }
    if let Some(t) = req.instance_type {
        changes.push(Change::InstanceType(text_of(t, "InstanceType")?));
    }
    if let Some(t) = req.user_data {
        changes.push(Change::UserData(text_of(t, "UserData")?));
    }
    if let Some(t) = req.instance_initiated_shutdown_behavior {
        changes.push(Change::ShutdownBehavior(text_of(
            t,
            "InstanceInitiatedShutdownBehavior",
        )?));
    }
    if !req.groups.is_empty() {
        changes.push(Change::Groups(req.groups));
    }
    if let Some(attribute) = req.attribute {
        let value = req
            .value
            .ok_or_else(|| Ec2Error::missing_parameter("Value"))?;
        let flag = || {
            value
                .parse::<bool>()
                .map_err(|_| Ec2Error::invalid_parameter("Value", &value))
        };
        changes.push(match attribute.as_str() {
            "sourceDestCheck" => Change::SourceDestCheck(flag()?),
            "disableApiTermination" => Change::DisableApiTermination(flag()?),
            "instanceType" => Change::InstanceType(value),
            "userData" => Change::UserData(value),
            "instanceInitiatedShutdownBehavior" => Change::ShutdownBehavior(value),
            other => {
                return Err(Ec2Error::new(
                    ErrorCode::UnsupportedOperation,
                    format!("localvpc does not modify the instance attribute '{other}'."),
                ));
            }
        });
    }
    match changes.len() {
        1 => Ok(changes.pop().expect("one")),
        0 => Err(Ec2Error::missing_parameter("Attribute")),
        _ => Err(Ec2Error::combination(
            "Only one attribute can be modified at a time.",
        )),
    }
}

/// ModifyInstanceAttribute: one attribute per call. Source/dest check and groups belong to the
/// primary interface, so an instance with several interfaces must change them per interface.
pub fn modify_instance_attribute(
    ctx: &mut Ctx,
    req: ModifyInstanceAttributeRequest,
) -> Result<Empty, Ec2Error> {
    let mut i = ctx
        .tx
        .instance(ctx.account, &IdKind::Instance.parse(&req.instance_id)?)?;
    let multi_eni = || {
        Ec2Error::new(
            ErrorCode::InvalidInstanceId,
            format!(
                "There are multiple interfaces attached to instance '{}'. Please specify an interface ID for the operation instead.",
                i.id
            ),
        )
    };
    match requested_change(req)? {
        Change::SourceDestCheck(value) => {
            if i.interfaces.len() > 1 {
                return Err(multi_eni());
            }
            let mut eni = i.primary_interface().cloned().ok_or_else(|| {
                Ec2Error::new(
                    ErrorCode::IncorrectInstanceState,
                    "The instance has no network interface.",
                )
            })?;
            eni.source_dest_check = value;
            ctx.tx.update_network_interface(&eni)?;
        }
        Change::Groups(ids) => {
            if i.interfaces.len() > 1 {
                return Err(multi_eni());
            }
            let eni = i.primary_interface().cloned().ok_or_else(|| {
                Ec2Error::new(
                    ErrorCode::IncorrectInstanceState,
                    "The instance has no network interface.",
                )
            })?;
            let groups =
                crate::actions::network_interface::create::resolve_groups(ctx, &eni.vpc_id, &ids)?;
            ctx.tx.set_network_interface_groups(
                &eni.id,
                &groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>(),
            )?;
        }
        Change::DisableApiTermination(value) => i.disable_api_termination = value,
        Change::ShutdownBehavior(value) => {
            if !matches!(value.as_str(), "stop" | "terminate") {
                return Err(Ec2Error::invalid_parameter(
                    "InstanceInitiatedShutdownBehavior",
                    &value,
                ));
            }
            i.shutdown_behavior = value;
        }
        Change::InstanceType(name) => {
            require_stopped(&i)?;
            let itype = InstanceType::named(&name)
                .ok_or_else(|| Ec2Error::invalid_parameter("InstanceType", &name))?;
            let cards: Vec<u32> = i
                .interfaces
                .iter()
                .filter_map(|e| e.attachment.as_ref().map(|a| a.network_card_index))
                .collect();
            network_interface::check_interface_count(&cards, itype)?;
            for e in &i.interfaces {
                network_interface::check_address_limit(e.private_ips.len(), itype)?;
            }
            i.instance_type = itype.name.clone();
        }
        Change::UserData(data) => {
            require_stopped(&i)?;
            i.user_data = Some(data);
        }
    }
    ctx.tx.update_instance(&i)?;
    Ok(Empty {})
}

fn require_stopped(i: &Instance) -> Result<(), Ec2Error> {
    if i.state != InstanceState::Stopped {
        return Err(Ec2Error::new(
            ErrorCode::IncorrectInstanceState,
            format!("The instance '{}' is not in the 'stopped' state.", i.id),
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeInstanceAttributeRequest {
    instance_id: String,
    attribute: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct TextValueWire {
    value: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstanceAttributeResponse {
    instance_id: String,
    source_dest_check: Option<BoolValue>,
    disable_api_termination: Option<BoolValue>,
    instance_type: Option<TextValueWire>,
    user_data: Option<TextValueWire>,
    instance_initiated_shutdown_behavior: Option<TextValueWire>,
    groups: Option<Vec<crate::actions::network_interface::view::GroupWire>>,
}

pub fn describe_instance_attribute(
    ctx: &mut Ctx,
    req: DescribeInstanceAttributeRequest,
) -> Result<DescribeInstanceAttributeResponse, Ec2Error> {
    let i = ctx
        .tx
        .instance(ctx.account, &IdKind::Instance.parse(&req.instance_id)?)?;
    let mut out = DescribeInstanceAttributeResponse {
        instance_id: i.id.clone(),
        ..Default::default()
    };
    let text = |v: &str| {
        Some(TextValueWire {
            value: v.to_owned(),
        })
    };
    match req.attribute.as_str() {
        "sourceDestCheck" => {
            out.source_dest_check = i
                .primary_interface()
                .map(|e| BoolValue::of(e.source_dest_check))
        }
        "disableApiTermination" => {
            out.disable_api_termination = Some(BoolValue::of(i.disable_api_termination))
        }
        "instanceType" => out.instance_type = text(&i.instance_type),
        "userData" => {
            out.user_data = i.user_data.as_deref().map(|u| TextValueWire {
                value: u.to_owned(),
            })
        }
        "instanceInitiatedShutdownBehavior" => {
            out.instance_initiated_shutdown_behavior = text(&i.shutdown_behavior)
        }
        "groupSet" => {
            out.groups = Some(
                i.primary_interface()
                    .map(crate::actions::network_interface::view::groups)
                    .unwrap_or_default(),
            )
        }
        other => {
            return Err(Ec2Error::new(
                ErrorCode::UnsupportedOperation,
                format!("localvpc does not describe the instance attribute '{other}'."),
            ));
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyInstanceMetadataOptionsRequest {
    instance_id: String,
    http_tokens: Option<String>,
    http_put_response_hop_limit: Option<i64>,
    http_endpoint: Option<String>,
    http_protocol_ipv6: Option<String>,
    instance_metadata_tags: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetadataOptionsResponse {
    instance_id: String,
    instance_metadata_options: view::MetadataOptionsWire,
}

/// ModifyInstanceMetadataOptions: IMDS settings take effect at once.
pub fn modify_instance_metadata_options(
    ctx: &mut Ctx,
    req: ModifyInstanceMetadataOptionsRequest,
) -> Result<MetadataOptionsResponse, Ec2Error> {
    let mut i = ctx
        .tx
        .instance(ctx.account, &IdKind::Instance.parse(&req.instance_id)?)?;
    if i.state == InstanceState::Terminated {
        return Err(Ec2Error::new(
            ErrorCode::IncorrectInstanceState,
            format!("The instance '{}' is terminated.", i.id),
        ));
    }
    i.metadata_options = run::MetadataOptionsRequest {
        http_tokens: req.http_tokens,
        http_put_response_hop_limit: req.http_put_response_hop_limit,
        http_endpoint: req.http_endpoint,
        http_protocol_ipv6: req.http_protocol_ipv6,
        instance_metadata_tags: req.instance_metadata_tags,
    }
    .apply(i.metadata_options.clone())?;
    ctx.tx.update_instance(&i)?;
    Ok(MetadataOptionsResponse {
        instance_id: i.id.clone(),
        instance_metadata_options: view::metadata_options(&i, "pending"),
    })
}

actions! {
    "RunInstances" => run::run_instances,
    "DescribeInstances" => describe_instances,
    "DescribeInstanceStatus" => describe_instance_status,
    "StartInstances" => start_instances,
    "StopInstances" => stop_instances,
    "RebootInstances" => reboot_instances,
    "TerminateInstances" => terminate_instances,
    "ModifyInstanceAttribute" => modify_instance_attribute,
    "DescribeInstanceAttribute" => describe_instance_attribute,
    "ModifyInstanceMetadataOptions" => modify_instance_metadata_options,
}
