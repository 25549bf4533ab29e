//! Which guest agents should run: one per running instance of an image that runs the agent
//! (the built-in Amazon Linux catalogue), as amazon-ec2-net-utils runs on EC2. Pure; the
//! processes are managed in `linux::agents`.
//!
//! An agent is restarted whenever what its instance has — interfaces, MACs, addresses —
//! changes, as udev starts net-utils for a hot-plugged NIC on EC2: so a new ENI or secondary
//! address comes up at once, not at the next refresh.

use crate::model::Topology;
use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// One agent to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSpec {
    pub instance_id: String,
    /// The instance's namespace, where the agent runs.
    pub ns: String,
    /// Changes with the instance's interfaces and addresses; a new generation restarts it.
    pub generation: u64,
}

/// The agents `topology` calls for.
pub fn wanted(topology: &Topology) -> Vec<AgentSpec> {
    let mut addresses = BTreeMap::new();
    for port in topology.routers.iter().flat_map(|r| &r.ports) {
        addresses.insert(port.eni_id.as_str(), &port.addresses);
    }
    let agents = topology.guests.iter().filter(|g| g.runs_agent && g.up);
    agents
        .map(|guest| {
            let mut hasher = DefaultHasher::new();
            for nic in &guest.nics {
                (&nic.name, &nic.mac, &nic.eni_id).hash(&mut hasher);
                addresses.get(nic.eni_id.as_str()).hash(&mut hasher);
            }
            AgentSpec {
                instance_id: guest.instance_id.clone(),
                ns: guest.ns.clone(),
                generation: hasher.finish(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{I1, seed_003};
    use crate::model::{guest_ns, topology};
    use localvpc_model::instance::InstanceState;

    #[test]
    fn running_agent_images_only_and_a_new_generation_on_every_network_change() {
        let mut snapshot = seed_003();
        assert_eq!(wanted(&topology(&snapshot)), []);
        snapshot.instances[0].runs_agent = true;
        let first = wanted(&topology(&snapshot));
        assert_eq!(first.len(), 1);
        assert_eq!(
            (first[0].instance_id.as_str(), &first[0].ns),
            (I1, &guest_ns(I1))
        );
        assert_eq!(
            wanted(&topology(&snapshot)),
            first,
            "stable while nothing changes"
        );
        snapshot.instances[0].enis[1].addresses.pop();
        let unassigned = wanted(&topology(&snapshot));
        assert_ne!(unassigned[0].generation, first[0].generation);
        snapshot.instances[0].enis.pop();
        let detached = wanted(&topology(&snapshot));
        assert_ne!(detached[0].generation, unassigned[0].generation);
        snapshot.instances[0].state = InstanceState::Stopped;
        assert_eq!(wanted(&topology(&snapshot)), []);
    }
}
