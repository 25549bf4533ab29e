//! Describe/ModifyInstanceCreditSpecification: the CPU credit option of burstable instances,
//! which Terraform reads on every refresh of a T-type `aws_instance`.

use crate::context::Ctx;
use crate::wire::{FilterWire, Selection, select};
use localvpc_model::filter::{FilterDef, def, one};
use localvpc_model::instance::{Instance, InstanceState, credits};
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::{Ec2Error, ErrorCode, IdKind};
use serde::{Deserialize, Serialize};

/// AWS filters these by instance only.
const FILTERS: &[FilterDef<Instance>] = &[def("instance-id", |i| one(&i.id))];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeInstanceCreditSpecificationsRequest {
    #[serde(default)]
    filters: Vec<FilterWire>,
    #[serde(default)]
    instance_ids: Vec<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceCreditSpecificationWire {
    instance_id: String,
    cpu_credits: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstanceCreditSpecificationsResponse {
    instance_credit_specifications: Vec<InstanceCreditSpecificationWire>,
    next_token: Option<String>,
}

/// The burstable instances among those selected (others have no credit option to show).
pub fn describe_instance_credit_specifications(
    ctx: &mut Ctx,
    req: DescribeInstanceCreditSpecificationsRequest,
) -> Result<DescribeInstanceCreditSpecificationsResponse, Ec2Error> {
    if req.max_results.is_some() && !req.instance_ids.is_empty() {
        return Err(Ec2Error::combination(
            "The parameter instancesSet cannot be used with the parameter maxResults",
        ));
    }
    let all: Vec<Instance> = ctx
        .tx
        .instances(ctx.account)?
        .into_iter()
        .filter(|i| i.state != InstanceState::Terminated)
        .collect();
    let (instances, next_token) = select(
        all,
        |i| &i.id,
        FILTERS,
        Selection {
            kind: IdKind::Instance,
            ids: &req.instance_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: DEFAULT_LIMITS,
        },
    )?;
    Ok(DescribeInstanceCreditSpecificationsResponse {
        instance_credit_specifications: instances
            .into_iter()
            .filter_map(|i| {
                Some(InstanceCreditSpecificationWire {
                    cpu_credits: i.cpu_credits?,
                    instance_id: i.id,
                })
            })
            .collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreditSpecificationRequest {
    instance_id: String,
    cpu_credits: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyInstanceCreditSpecificationRequest {
    #[serde(rename = "InstanceCreditSpecifications")]
    specifications: Vec<CreditSpecificationRequest>,
    /// Retries change nothing a first call did not: the option is set, not toggled.
    #[serde(rename = "ClientToken")]
    _client_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SuccessfulItem {
    instance_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ItemError {
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UnsuccessfulItem {
    instance_id: String,
    error: ItemError,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifyInstanceCreditSpecificationResponse {
    successful_instance_credit_specifications: Vec<SuccessfulItem>,
    unsuccessful_instance_credit_specifications: Vec<UnsuccessfulItem>,
}

/// Each instance succeeds or fails on its own, as AWS reports them (one list of each); an
/// invalid option value fails the whole call.
pub fn modify_instance_credit_specification(
    ctx: &mut Ctx,
    req: ModifyInstanceCreditSpecificationRequest,
) -> Result<ModifyInstanceCreditSpecificationResponse, Ec2Error> {
    let mut out = ModifyInstanceCreditSpecificationResponse {
        successful_instance_credit_specifications: Vec::new(),
        unsuccessful_instance_credit_specifications: Vec::new(),
    };
    for spec in req.specifications {
        let value = spec
            .cpu_credits
            .ok_or_else(|| Ec2Error::missing_parameter("CpuCredits"))?;
        if !matches!(value.as_str(), "standard" | "unlimited") {
            return Err(Ec2Error::invalid_parameter("CpuCredits", &value));
        }
        let failed = |code: &'static str, message: String| UnsuccessfulItem {
            instance_id: spec.instance_id.clone(),
            error: ItemError { code, message },
        };
        let found = IdKind::Instance
            .parse(&spec.instance_id)
            .and_then(|id| ctx.tx.instance(ctx.account, &id));
        let mut instance = match found {
            Ok(i) if i.state != InstanceState::Terminated => i,
            Ok(i) => {
                let error = failed(
                    "IncorrectInstanceState",
                    format!(
                        "The instance '{}' is not in a state from which it can be modified.",
                        i.id
                    ),
                );
                out.unsuccessful_instance_credit_specifications.push(error);
                continue;
            }
            Err(e) => {
                let code = match e.code {
                    ErrorCode::InvalidInstanceIdMalformed => "InvalidInstanceID.Malformed",
                    _ => "InvalidInstanceID.NotFound",
                };
                let error = failed(code, e.message);
                out.unsuccessful_instance_credit_specifications.push(error);
                continue;
            }
        };
        if credits::default_cpu_credits(&instance.instance_type).is_none() {
            let error = failed(
                "InstanceCreditSpecification.NotSupported",
                format!(
                    "The instance type {} does not support CPU credits.",
                    instance.instance_type
                ),
            );
            out.unsuccessful_instance_credit_specifications.push(error);
            continue;
        }
        instance.cpu_credits = Some(value.clone());
        ctx.tx.update_instance(&instance)?;
        out.successful_instance_credit_specifications
            .push(SuccessfulItem {
                instance_id: instance.id,
            });
    }
    Ok(out)
}
