//! Internet gateways.

use crate::Tx;
use localvpc_model::{Ec2Error, IdKind, internet_gateway::InternetGateway};

impl Tx<'_> {
    pub fn internet_gateways(&self, owner: &str) -> Result<Vec<InternetGateway>, Ec2Error> {
        let mut tags = self.tags_by_resource(IdKind::InternetGateway)?;
        self.rows(
            "SELECT id, vpc_id FROM internet_gateways WHERE pid = ?1 ORDER BY id",
            &[&self.pid],
            |r| {
                let id: String = r.get(0)?;
                Ok(InternetGateway {
                    tags: tags.remove(&id).unwrap_or_default(),
                    id,
                    owner_id: owner.to_owned(),
                    vpc_id: r.get(1)?,
                })
            },
        )
    }

    pub fn internet_gateway(&self, owner: &str, id: &str) -> Result<InternetGateway, Ec2Error> {
        let vpc_id: Option<String> = self
            .row(
                "SELECT vpc_id FROM internet_gateways WHERE pid = ?1 AND id = ?2",
                &[&self.pid, &id],
                |r| r.get(0),
            )?
            .ok_or_else(|| IdKind::InternetGateway.not_found(id))?;
        Ok(InternetGateway {
            id: id.to_owned(),
            owner_id: owner.to_owned(),
            vpc_id,
            tags: self.tags_of(id)?,
        })
    }

    /// The gateway attached to a VPC, if any.
    pub fn internet_gateway_of_vpc(&self, vpc_id: &str) -> Result<Option<String>, Ec2Error> {
        self.row(
            "SELECT id FROM internet_gateways WHERE vpc_id = ?1",
            &[&vpc_id],
            |r| r.get(0),
        )
    }

    pub fn count_internet_gateways(&self) -> Result<usize, Ec2Error> {
        self.count_rows(
            "SELECT COUNT(*) FROM internet_gateways WHERE pid = ?1",
            &[&self.pid],
        )
    }

    pub fn insert_internet_gateway(&self, igw: &InternetGateway) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO internet_gateways (id, pid, vpc_id) VALUES (?1, ?2, ?3)",
            &[&igw.id, &self.pid, &igw.vpc_id],
        )?;
        self.set_tags(&igw.id, &igw.tags)
    }

    /// Attaches (`Some`) or detaches (`None`) a gateway. The UNIQUE column refuses a second
    /// gateway on one VPC even if a rule check were missed.
    pub fn set_internet_gateway_vpc(&self, id: &str, vpc_id: Option<&str>) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE internet_gateways SET vpc_id = ?2 WHERE id = ?1",
            &[&id, &vpc_id],
        )?;
        Ok(())
    }

    pub fn delete_internet_gateway(&self, id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM internet_gateways WHERE id = ?1 AND pid = ?2",
            &[&id, &self.pid],
        )?;
        self.delete_tags_of(id)
    }
}
