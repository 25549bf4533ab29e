//! DHCP option sets (each partition starts with its region's default set) and which VPCs use
//! them.

use crate::{DhcpOptionsId, Tx, VpcId};
use localvpc_model::Ec2Error;
use localvpc_model::dhcp_options::{DhcpConfiguration, DhcpOptions};

impl Tx<'_> {
    /// Every set of the partition, with its options and tags, sorted by ID.
    pub fn dhcp_options_sets(&self, owner_id: &str) -> Result<Vec<DhcpOptions>, Ec2Error> {
        let ids: Vec<String> = self.rows(
            "SELECT id FROM dhcp_options WHERE pid = ?1 ORDER BY id",
            &[&self.pid],
            |r| r.get(0),
        )?;
        let mut tags = self.tags_by_resource(localvpc_model::IdKind::DhcpOptions)?;
        ids.into_iter()
            .map(|id| {
                Ok(DhcpOptions {
                    configurations: self.dhcp_configurations(&id)?,
                    tags: tags.remove(&id).unwrap_or_default(),
                    owner_id: owner_id.to_owned(),
                    id,
                })
            })
            .collect()
    }

    /// One set's options, or `None` if the partition has no such set.
    pub fn dhcp_options_set(
        &self,
        id: &str,
        owner_id: &str,
    ) -> Result<Option<DhcpOptions>, Ec2Error> {
        let found: Option<String> = self.row(
            "SELECT id FROM dhcp_options WHERE pid = ?1 AND id = ?2",
            &[&self.pid, &id],
            |r| r.get(0),
        )?;
        found
            .map(|id| {
                Ok(DhcpOptions {
                    configurations: self.dhcp_configurations(&id)?,
                    tags: self.tags_of(&id)?,
                    owner_id: owner_id.to_owned(),
                    id,
                })
            })
            .transpose()
    }

    fn dhcp_configurations(&self, id: &str) -> Result<Vec<DhcpConfiguration>, Ec2Error> {
        let mut configurations: Vec<DhcpConfiguration> = Vec::new();
        self.each_row(
            "SELECT key, value FROM dhcp_option_values WHERE dhcp_options_id = ?1 ORDER BY position",
            &[&id],
            |r| {
                let (key, value): (String, String) = (r.get(0)?, r.get(1)?);
                match configurations.last_mut() {
                    Some(last) if last.key == key => last.values.push(value),
                    _ => configurations.push(DhcpConfiguration {
                        key,
                        values: vec![value],
                    }),
                }
                Ok(())
            },
        )?;
        Ok(configurations)
    }

    /// Stores a new set and its tags (its options already checked).
    pub fn insert_dhcp_options(&self, set: &DhcpOptions) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO dhcp_options (id, pid) VALUES (?1, ?2)",
            &[&set.id, &self.pid],
        )?;
        let values = set
            .configurations
            .iter()
            .flat_map(|c| c.values.iter().map(move |v| (&c.key, v)));
        for (position, (key, value)) in values.enumerate() {
            self.exec(
                "INSERT INTO dhcp_option_values (dhcp_options_id, position, key, value) VALUES (?1, ?2, ?3, ?4)",
                &[&set.id, &(position as i64), key, value],
            )?;
        }
        self.set_tags(&set.id, &set.tags)
    }

    pub fn delete_dhcp_options(&self, id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM dhcp_options WHERE id = ?1 AND pid = ?2",
            &[&id, &self.pid],
        )?;
        self.delete_tags_of(id)
    }

    /// The VPCs of the partition that use set `id`.
    pub fn vpcs_using_dhcp_options(&self, id: &str) -> Result<Vec<String>, Ec2Error> {
        self.rows(
            "SELECT id FROM vpcs WHERE pid = ?1 AND dhcp_options_id = ?2 ORDER BY id",
            &[&self.pid, &id],
            |r| r.get(0),
        )
    }

    /// AssociateDhcpOptions: the VPC now uses `id` (a set, or `default` for none).
    pub fn set_vpc_dhcp_options(&self, vpc_id: VpcId, id: DhcpOptionsId) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE vpcs SET dhcp_options_id = ?3 WHERE pid = ?1 AND id = ?2",
            &[&self.pid, &vpc_id, &id],
        )?;
        Ok(())
    }
}
