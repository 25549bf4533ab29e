//! Reads for the instance metadata service. A guest does not sign its requests, so the service
//! knows only an instance ID; instance IDs are unique across partitions, which finds the rest.

use crate::Tx;
use crate::open::Store;
use localvpc_model::Ec2Error;

/// The partition an instance lives in.
pub struct Partition {
    pub account: String,
    pub region: String,
}

impl Store {
    /// Runs `f` over the partition holding instance `instance_id`, in a transaction that is
    /// always rolled back: reading metadata never changes state (no partition is provisioned,
    /// nothing settles). `None` if no partition has that instance.
    pub fn read_instance_partition<T>(
        &self,
        instance_id: &str,
        f: impl FnOnce(&Tx, &Partition) -> Result<T, Ec2Error>,
    ) -> Result<Option<T>, Ec2Error> {
        self.read_unscoped(|tx| {
            let found = tx.row(
                "SELECT p.id, p.account, p.region FROM instances i JOIN partitions p ON p.id = i.pid WHERE i.id = ?1",
                &[&instance_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let Some((pid, account, region)) = found else {
                return Ok(None);
            };
            tx.pid = pid;
            f(tx, &Partition { account, region }).map(Some)
        })
    }
}

impl Store {
    /// Runs `f` over every partition in turn, in one transaction that is always rolled back:
    /// the data plane reads the whole database this way and never changes it.
    pub fn read_every_partition(
        &self,
        mut f: impl FnMut(&Tx, &Partition) -> Result<(), Ec2Error>,
    ) -> Result<(), Ec2Error> {
        self.read_unscoped(|tx| {
            let partitions: Vec<(i64, String, String)> = tx.rows(
                "SELECT id, account, region FROM partitions ORDER BY id",
                &[],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            for (pid, account, region) in partitions {
                tx.pid = pid;
                f(tx, &Partition { account, region })?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use localvpc_model::instance::{Instance, InstanceState, MetadataOptions};

    fn instance(id: &str) -> Instance {
        Instance {
            id: id.into(),
            reservation_id: "r-1".into(),
            owner_id: "111122223333".into(),
            image_id: "ami-1".into(),
            instance_type: "t3.micro".into(),
            key_name: None,
            state: InstanceState::Running,
            state_transition_reason: String::new(),
            launch_time: "2024-01-01T00:00:00.000Z".into(),
            availability_zone: "eu-west-1a".into(),
            client_token: None,
            ami_launch_index: 0,
            metadata_options: MetadataOptions::default(),
            user_data: None,
            shutdown_behavior: "stop".into(),
            disable_api_termination: false,
            monitoring: false,
            public_ip: None,
            auto_public_ip: false,
            cpu_credits: None,
            tags: vec![],
            interfaces: vec![],
            volumes: vec![],
        }
    }

    #[test]
    fn finds_the_partition_by_instance_id_and_writes_nothing() {
        let store = Store::in_memory().unwrap();
        store
            .transact("111122223333", "eu-west-1", |tx, _| {
                tx.insert_instance(&instance("i-0aaa"), None)
            })
            .unwrap();
        store
            .transact("444455556666", "us-east-1", |_, _| Ok(()))
            .unwrap();
        let found = store
            .read_instance_partition("i-0aaa", |tx, p| {
                tx.insert_instance(&instance("i-0bbb"), None)?;
                Ok((
                    p.account.clone(),
                    p.region.clone(),
                    tx.instance(&p.account, "i-0aaa")?.instance_type,
                ))
            })
            .unwrap();
        assert_eq!(
            found,
            Some(("111122223333".into(), "eu-west-1".into(), "t3.micro".into()))
        );
        let written = store
            .read_instance_partition("i-0bbb", |_, _| Ok(()))
            .unwrap();
        assert_eq!(written, None, "the read transaction was rolled back");
        assert_eq!(
            store
                .read_instance_partition("i-0ccc", |_, _| Ok(()))
                .unwrap(),
            None
        );
    }

    #[test]
    fn every_partition_is_read_and_nothing_is_written() {
        let store = Store::in_memory().unwrap();
        for (account, id) in [("111122223333", "i-0aaa"), ("444455556666", "i-0bbb")] {
            store
                .transact(account, "eu-west-1", |tx, _| {
                    tx.insert_instance(&instance(id), None)
                })
                .unwrap();
        }
        let mut seen = Vec::new();
        store
            .read_every_partition(|tx, p| {
                tx.insert_instance(&instance(&format!("i-0new{}", seen.len())), None)?;
                let ids = tx.instances(&p.account)?.into_iter().map(|i| i.id);
                seen.push((p.account.clone(), ids.collect::<Vec<_>>()));
                Ok(())
            })
            .unwrap();
        assert_eq!(
            seen[0],
            (
                "111122223333".into(),
                vec!["i-0aaa".into(), "i-0new0".into()]
            )
        );
        assert_eq!(
            seen[1],
            (
                "444455556666".into(),
                vec!["i-0bbb".into(), "i-0new1".into()]
            )
        );
        let written = store
            .read_instance_partition("i-0new0", |_, _| Ok(()))
            .unwrap();
        assert_eq!(written, None, "the read transaction was rolled back");
    }
}
