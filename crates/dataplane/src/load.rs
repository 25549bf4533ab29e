//! Reads the model's input from the store: every partition, in one read-only transaction.

use crate::model::routing::{GatewayIn, PublicIpIn};
use crate::model::{EniIn, InstanceIn, Snapshot, SubnetIn};
use localvpc_model::image::catalogue_image;
use localvpc_store::{Owner, Store};

pub fn snapshot(store: &Store) -> anyhow::Result<Snapshot> {
    let mut snapshot = Snapshot::default();
    store
        .read_every_partition(|tx, p| {
            let owner = Owner {
                account: &p.account,
                region: &p.region,
            };
            snapshot
                .vpcs
                .extend(tx.vpcs(&p.account)?.into_iter().map(|v| v.id));
            snapshot
                .subnets
                .extend(tx.subnets(&owner, None)?.into_iter().map(|s| SubnetIn {
                    id: s.id,
                    cidr: s.cidr,
                }));
            let routing = &mut snapshot.routing;
            routing
                .route_tables
                .extend(tx.route_tables(&p.account, None)?);
            let gateways = tx.internet_gateways(&p.account)?.into_iter();
            routing.gateways.extend(gateways.filter_map(|g| {
                Some(GatewayIn {
                    vpc_id: g.vpc_id?,
                    id: g.id,
                })
            }));
            for i in tx.instances(&p.account)? {
                for e in &i.interfaces {
                    let public = e.private_ips.iter().filter_map(|ip| {
                        Some(PublicIpIn {
                            eni_id: e.id.clone(),
                            private: ip.address,
                            public: ip.association.as_ref()?.public_ip,
                        })
                    });
                    snapshot.routing.public_ips.extend(public);
                }
                let enis = i.interfaces.into_iter().filter_map(|e| {
                    let a = e.attachment?;
                    Some(EniIn {
                        addresses: e.private_ips.iter().map(|ip| ip.address).collect(),
                        id: e.id,
                        vpc_id: e.vpc_id,
                        subnet_id: e.subnet_id,
                        mac: e.mac_address,
                        device_index: a.device_index,
                        network_card_index: a.network_card_index,
                        source_dest_check: e.source_dest_check,
                    })
                });
                snapshot.instances.push(InstanceIn {
                    runs_agent: catalogue_image(&i.image_id)
                        .is_some_and(|c| c.family.runs_network_agent()),
                    enis: enis.collect(),
                    id: i.id,
                    state: i.state,
                });
            }
            Ok(())
        })
        .map_err(|e| anyhow::anyhow!("cannot read the database: {}", e.message))?;
    Ok(snapshot)
}
