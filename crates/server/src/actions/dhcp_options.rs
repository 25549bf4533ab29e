//! DHCP option set actions: CreateDhcpOptions, DescribeDhcpOptions, DeleteDhcpOptions,
//! AssociateDhcpOptions. Sets are immutable; a VPC uses one set or `default` (none), and the
//! data plane's DHCP server answers with the VPC's set.

use crate::context::Ctx;
use crate::wire::{Empty, FilterWire, Selection, TagSpecification, TagWire, select, tags_for};
use localvpc_model::dhcp_options::{self, DhcpConfiguration, DhcpOptions, NO_OPTIONS};
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::{Ec2Error, IdKind};
use localvpc_store::{DhcpOptionsId, VpcId};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct NewConfigurationWire {
    key: Option<String>,
    #[serde(default)]
    values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateDhcpOptionsRequest {
    dhcp_configurations: Vec<NewConfigurationWire>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ValueWire {
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConfigurationWire {
    key: String,
    values: Vec<ValueWire>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DhcpOptionsWire {
    owner_id: String,
    tags: Vec<TagWire>,
    dhcp_options_id: String,
    dhcp_configurations: Vec<ConfigurationWire>,
}

impl From<DhcpOptions> for DhcpOptionsWire {
    fn from(d: DhcpOptions) -> Self {
        Self {
            owner_id: d.owner_id,
            tags: d.tags.iter().map(TagWire::from).collect(),
            dhcp_options_id: d.id,
            dhcp_configurations: d
                .configurations
                .into_iter()
                .map(|c| ConfigurationWire {
                    key: c.key,
                    values: c
                        .values
                        .into_iter()
                        .map(|value| ValueWire { value })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateDhcpOptionsResponse {
    dhcp_options: DhcpOptionsWire,
}

pub fn create_dhcp_options(
    ctx: &mut Ctx,
    req: CreateDhcpOptionsRequest,
) -> Result<CreateDhcpOptionsResponse, Ec2Error> {
    let configurations = req
        .dhcp_configurations
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            Ok(DhcpConfiguration {
                key: c.key.ok_or_else(|| {
                    Ec2Error::missing_parameter(&format!("DhcpConfiguration.{}.Key", i + 1))
                })?,
                values: c.values,
            })
        })
        .collect::<Result<Vec<_>, Ec2Error>>()?;
    dhcp_options::check(&configurations)?;
    let set = DhcpOptions {
        id: IdKind::DhcpOptions.generate(),
        owner_id: ctx.account.to_owned(),
        configurations,
        tags: tags_for(&req.tag_specifications, IdKind::DhcpOptions)?,
    };
    ctx.tx.insert_dhcp_options(&set)?;
    Ok(CreateDhcpOptionsResponse {
        dhcp_options: set.into(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeDhcpOptionsRequest {
    #[serde(default)]
    dhcp_options_ids: Vec<String>,
    #[serde(default)]
    filters: Vec<FilterWire>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeDhcpOptionsResponse {
    dhcp_options: Vec<DhcpOptionsWire>,
    next_token: Option<String>,
}

pub fn describe_dhcp_options(
    ctx: &mut Ctx,
    req: DescribeDhcpOptionsRequest,
) -> Result<DescribeDhcpOptionsResponse, Ec2Error> {
    let (page, next_token) = select(
        ctx.tx.dhcp_options_sets(ctx.account)?,
        |d| &d.id,
        dhcp_options::FILTERS,
        Selection {
            kind: IdKind::DhcpOptions,
            ids: &req.dhcp_options_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: DEFAULT_LIMITS,
        },
    )?;
    Ok(DescribeDhcpOptionsResponse {
        dhcp_options: page.into_iter().map(DhcpOptionsWire::from).collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteDhcpOptionsRequest {
    dhcp_options_id: String,
}

/// A set some VPC uses cannot go.
pub fn delete_dhcp_options(
    ctx: &mut Ctx,
    req: DeleteDhcpOptionsRequest,
) -> Result<Empty, Ec2Error> {
    let id = IdKind::DhcpOptions.parse(&req.dhcp_options_id)?;
    if ctx.tx.dhcp_options_set(&id, ctx.account)?.is_none() {
        return Err(IdKind::DhcpOptions.not_found(&id));
    }
    if !ctx.tx.vpcs_using_dhcp_options(&id)?.is_empty() {
        return Err(Ec2Error::dependency(format!(
            "The dhcpOptions '{id}' has dependencies and cannot be deleted."
        )));
    }
    ctx.tx.delete_dhcp_options(&id)?;
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AssociateDhcpOptionsRequest {
    dhcp_options_id: String,
    vpc_id: String,
}

/// The VPC uses the set (or `default`: none) from now on; guests see it at their next lease.
pub fn associate_dhcp_options(
    ctx: &mut Ctx,
    req: AssociateDhcpOptionsRequest,
) -> Result<Empty, Ec2Error> {
    let vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(&req.vpc_id)?)?;
    let id = if req.dhcp_options_id == NO_OPTIONS {
        NO_OPTIONS.to_owned()
    } else {
        let id = IdKind::DhcpOptions.parse(&req.dhcp_options_id)?;
        if ctx.tx.dhcp_options_set(&id, ctx.account)?.is_none() {
            return Err(IdKind::DhcpOptions.not_found(&id));
        }
        id
    };
    ctx.tx
        .set_vpc_dhcp_options(VpcId(&vpc.id), DhcpOptionsId(&id))?;
    Ok(Empty {})
}
