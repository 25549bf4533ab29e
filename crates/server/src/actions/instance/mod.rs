//! Instance actions: RunInstances (`run/`), DescribeInstances (here), the state machine
//! (`lifecycle.rs`) and instance attributes (`attributes.rs`).

pub mod attributes;
pub mod credits;
pub mod lifecycle;
pub mod run;
pub mod view;

use crate::actions::network_interface::view::Naming;
use crate::context::Ctx;
use crate::wire::{FilterWire, Selection, select};
use localvpc_model::instance::{self};
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::{Ec2Error, IdKind};
use serde::{Deserialize, Serialize};
use view::ReservationWire;

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

actions! {
    "RunInstances" => run::run_instances,
    "DescribeInstances" => describe_instances,
    "DescribeInstanceStatus" => lifecycle::describe_instance_status,
    "StartInstances" => lifecycle::start_instances,
    "StopInstances" => lifecycle::stop_instances,
    "RebootInstances" => lifecycle::reboot_instances,
    "TerminateInstances" => lifecycle::terminate_instances,
    "ModifyInstanceAttribute" => attributes::modify_instance_attribute,
    "DescribeInstanceAttribute" => attributes::describe_instance_attribute,
    "ModifyInstanceMetadataOptions" => attributes::modify_instance_metadata_options,
    "DescribeInstanceCreditSpecifications" => credits::describe_instance_credit_specifications,
    "ModifyInstanceCreditSpecification" => credits::modify_instance_credit_specification,
}
