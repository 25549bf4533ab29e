//! Reading one instance's [`Facts`] from the store, as they are now: every request sees the
//! latest attach, detach, address, group and public IP change.

use super::metadata::Facts;
use localvpc_model::Ec2Error;
use localvpc_model::instance::InstanceState;
use localvpc_model::region::Region;
use localvpc_store::{Owner, Store};
use std::collections::{BTreeSet, HashMap};

/// The facts of instance `instance_id`, wherever it lives; `None` if there is no such instance
/// or it is shutting down or terminated (its guest is gone, and so are its interfaces).
pub fn load(store: &Store, instance_id: &str) -> Result<Option<Facts>, Ec2Error> {
    let found = store.read_instance_partition(instance_id, |tx, partition| {
        let account = partition.account.as_str();
        let region = Region::named(&partition.region)?;
        let instance = tx.instance(account, instance_id)?;
        if matches!(
            instance.state,
            InstanceState::ShuttingDown | InstanceState::Terminated
        ) {
            return Ok(None);
        }
        let owner = Owner {
            account,
            region: region.name,
        };
        let vpc_ids: BTreeSet<&str> = instance
            .interfaces
            .iter()
            .map(|e| e.vpc_id.as_str())
            .collect();
        let vpcs = vpc_ids
            .into_iter()
            .map(|id| tx.vpc(account, id))
            .collect::<Result<_, _>>()?;
        let mut subnet_cidrs = HashMap::new();
        let mut subnet_ipv6 = HashMap::new();
        for eni in &instance.interfaces {
            let subnet = tx.subnet(&owner, &eni.subnet_id)?;
            if let Some(block) = &subnet.ipv6_block {
                subnet_ipv6.insert(subnet.id.clone(), block.cidr);
            }
            subnet_cidrs.insert(subnet.id, subnet.cidr);
        }
        let public_key = match &instance.key_name {
            Some(name) => tx.key_pair_named(name)?.map(|k| k.public_key),
            None => None,
        };
        Ok(Some(Facts {
            instance,
            region,
            vpcs,
            subnet_cidrs,
            subnet_ipv6,
            public_key,
        }))
    })?;
    Ok(found.flatten())
}
