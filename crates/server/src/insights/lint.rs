//! `localvpc lint` inside the server: the caller's partition read into the lint rules'
//! [`Inventory`] in one read transaction, and the findings in reachability.md §4.2's JSON.

use localvpc_analyzer::lint::{self, Finding, Inventory, Options};
use localvpc_model::Ec2Error;
use localvpc_model::image::catalogue_image;
use localvpc_model::route_table::{DescribedRouteTable, LiveTargets, RouteState, RouteTarget};
use localvpc_store::{EniScope, Owner, Tx};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The partition as the rules read it, as of this transaction.
pub fn inventory(tx: &Tx, account: &str, region: &str) -> Result<Inventory, Ec2Error> {
    let owner = Owner { account, region };
    let instances = tx.instances(account)?;
    let interfaces = tx.network_interfaces(account, EniScope::All)?;
    let gateways: HashMap<String, String> = tx
        .internet_gateways(account)?
        .into_iter()
        .filter_map(|g| Some((g.vpc_id?, g.id)))
        .collect();
    let live = LiveTargets::new(
        instances.iter().map(|i| (i.id.as_str(), i.state)),
        interfaces.iter().map(|e| {
            let instance = e.attachment.as_ref().map(|a| a.instance_id.as_str());
            (e.id.as_str(), instance)
        }),
    )
    .with_nat_gateways(
        tx.nat_gateways()?
            .iter()
            .filter(|n| n.forwards())
            .map(|n| n.id.as_str()),
    )
    .with_peerings(
        tx.peering_connections()?
            .iter()
            .filter(|p| p.forwards())
            .map(|p| p.id.as_str()),
    );
    let mut inv = Inventory::default();
    for vpc in tx.vpcs(account)? {
        inv.route_tables.extend(
            tx.route_tables(account, Some(&vpc.id))?
                .into_iter()
                .map(|t| {
                    let described = DescribedRouteTable::new(
                        t,
                        &live.for_gateway(gateways.get(&vpc.id).map(String::as_str)),
                    );
                    route_table(&described)
                }),
        );
        inv.vpcs.push(lint::Vpc {
            internet_gateway: gateways.get(&vpc.id).cloned(),
            id: vpc.id,
        });
    }
    inv.subnets = tx
        .subnets(&owner, None)?
        .into_iter()
        .map(|s| lint::Subnet {
            id: s.id,
            vpc_id: s.vpc_id,
            cidr: s.cidr,
            in_use: s.addresses_in_use,
        })
        .collect();
    inv.instances = instances
        .into_iter()
        .map(|i| lint::Instance {
            configures_enis: catalogue_image(&i.image_id)
                .is_some_and(|c| c.family.runs_network_agent()),
            id: i.id,
            image_id: i.image_id,
            state: i.state,
        })
        .collect();
    inv.enis = interfaces
        .into_iter()
        .map(|e| lint::Eni {
            requester_managed: e.requester_managed(),
            attachment: e.attachment.map(|a| lint::Attachment {
                instance_id: a.instance_id,
                device_index: a.device_index,
                delete_on_termination: a.delete_on_termination,
            }),
            addresses: e
                .private_ips
                .into_iter()
                .map(|p| lint::Address {
                    private: p.address,
                    primary: p.primary,
                    public: p.association.map(|a| lint::Public {
                        address: a.public_ip,
                        elastic: a.allocation_id.is_some(),
                    }),
                })
                .collect(),
            groups: e.groups.into_iter().map(|g| g.id).collect(),
            id: e.id,
            vpc_id: e.vpc_id,
            subnet_id: e.subnet_id,
            source_dest_check: e.source_dest_check,
        })
        .collect();
    inv.elastic_ips = tx
        .elastic_ips(account)?
        .into_iter()
        .map(|a| lint::ElasticIp {
            allocation_id: a.allocation_id,
            public_ip: a.public_ip,
            eni_id: a.association.map(|s| s.network_interface_id),
        })
        .collect();
    inv.groups = tx
        .security_groups(account, None)?
        .into_iter()
        .map(|g| {
            let (egress, ingress): (Vec<_>, Vec<_>) =
                g.rules.into_iter().partition(|r| r.is_egress);
            lint::Group {
                id: g.id,
                name: g.name,
                ingress: ingress.into_iter().map(|r| r.permission).collect(),
                egress: egress.into_iter().map(|r| r.permission).collect(),
            }
        })
        .collect();
    inv.acls = tx
        .network_acls(account, None)?
        .into_iter()
        .map(|a| lint::Acl {
            id: a.id,
            subnets: a.associations.into_iter().map(|s| s.subnet_id).collect(),
            entries: a.entries,
        })
        .collect();
    Ok(inv)
}

fn route_table(t: &DescribedRouteTable) -> lint::RouteTable {
    lint::RouteTable {
        id: t.table.id.clone(),
        vpc_id: t.table.vpc_id.clone(),
        main: t.table.associations.iter().any(|a| a.main),
        subnets: t
            .table
            .associations
            .iter()
            .filter_map(|a| a.subnet_id.clone())
            .collect(),
        routes: t
            .routes()
            .map(|(r, state)| lint::Route {
                destination: r.destination,
                target: match &r.target {
                    RouteTarget::Local => "local".to_owned(),
                    RouteTarget::InternetGateway(id)
                    | RouteTarget::Instance(id)
                    | RouteTarget::NetworkInterface(id)
                    | RouteTarget::NatGateway(id)
                    | RouteTarget::VpcPeeringConnection(id)
                    | RouteTarget::EgressOnlyInternetGateway(id) => id.clone(),
                },
                blackhole: state == RouteState::Blackhole,
            })
            .collect(),
    }
}

/// The findings of the caller's partition (none if it does not exist yet).
pub fn findings(
    store: &localvpc_store::Store,
    account: &str,
    region: &str,
    options: &Options,
    guests: Option<&crate::http::GuestReader>,
) -> Result<Vec<Finding>, Ec2Error> {
    let inv = store.read(account, region, |tx| inventory(tx, account, region))?;
    let Some(mut inv) = inv else {
        return Ok(Vec::new());
    };
    if let Some(read) = guests {
        // Running instances only: a stopped one's links are down by design.
        inv.guests = inv
            .instances
            .iter()
            .filter(|i| i.state == localvpc_model::instance::InstanceState::Running)
            .filter_map(|i| read(&i.id).ok().map(|g| (i.id.clone(), g)))
            .collect();
    }
    Ok(lint::lint(&inv, options))
}

/// reachability.md §4.2's JSON.
pub fn report(findings: &[Finding], account: &str, region: &str) -> Value {
    json!({
        "tool": "localvpc-lint",
        "version": env!("CARGO_PKG_VERSION"),
        "account": account,
        "region": region,
        "findings": findings.iter().map(finding).collect::<Vec<_>>(),
    })
}

fn finding(f: &Finding) -> Value {
    let info = f.info();
    json!({
        "rule": f.rule,
        "name": info.name,
        "severity": f.severity.as_str(),
        "resources": f.resources,
        "message": f.message,
        "fix": f.fix,
        "source": {"seed": info.seed, "doc": info.doc},
        "evidence": f.evidence,
    })
}
