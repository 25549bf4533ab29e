//! Reads the model's input from the store: every partition, in one read-only transaction.

use crate::model::{DhcpOptions, EniIn, InstanceIn, Snapshot, SubnetIn};
use localvpc_model::image::catalogue_image;
use localvpc_model::region::Region;
use localvpc_store::{Owner, Store};

pub fn snapshot(store: &Store) -> anyhow::Result<Snapshot> {
    let mut snapshot = Snapshot::default();
    store
        .read_every_partition(|tx, p| {
            let owner = Owner {
                account: &p.account,
                region: &p.region,
            };
            let domain_name = Region::named(&p.region)?.private_dns_suffix();
            for vpc in tx.vpcs(&p.account)? {
                if let Some(primary) = vpc.cidr_blocks.first() {
                    let options = DhcpOptions::amazon_provided(primary.cidr, domain_name.clone());
                    snapshot.dhcp_options.insert(vpc.id.clone(), options);
                }
                snapshot.vpcs.push(vpc.id);
            }
            snapshot
                .subnets
                .extend(tx.subnets(&owner, None)?.into_iter().map(|s| SubnetIn {
                    id: s.id,
                    cidr: s.cidr,
                }));
            for i in tx.instances(&p.account)? {
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
