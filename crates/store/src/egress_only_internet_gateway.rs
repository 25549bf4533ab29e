//! Egress-only internet gateways.

use crate::Tx;
use localvpc_model::egress_only_internet_gateway::EgressOnlyInternetGateway;
use localvpc_model::{Ec2Error, IdKind};

impl Tx<'_> {
    pub fn egress_only_internet_gateways(
        &self,
    ) -> Result<Vec<EgressOnlyInternetGateway>, Ec2Error> {
        let mut tags = self.tags_by_resource(IdKind::EgressOnlyInternetGateway)?;
        self.rows(
            "SELECT id, vpc_id FROM egress_only_internet_gateways WHERE pid = ?1 ORDER BY id",
            &[&self.pid],
            |r| {
                let id: String = r.get(0)?;
                Ok(EgressOnlyInternetGateway {
                    tags: tags.remove(&id).unwrap_or_default(),
                    id,
                    vpc_id: r.get(1)?,
                })
            },
        )
    }

    /// One gateway, or `InvalidEgressOnlyInternetGatewayId.NotFound`.
    pub fn egress_only_internet_gateway(
        &self,
        id: &str,
    ) -> Result<EgressOnlyInternetGateway, Ec2Error> {
        let vpc_id: String = self
            .row(
                "SELECT vpc_id FROM egress_only_internet_gateways WHERE pid = ?1 AND id = ?2",
                &[&self.pid, &id],
                |r| r.get(0),
            )?
            .ok_or_else(|| IdKind::EgressOnlyInternetGateway.not_found(id))?;
        Ok(EgressOnlyInternetGateway {
            id: id.to_owned(),
            vpc_id,
            tags: self.tags_of(id)?,
        })
    }

    /// The egress-only gateway of a VPC, if any.
    pub fn egress_only_internet_gateway_of_vpc(
        &self,
        vpc_id: &str,
    ) -> Result<Option<String>, Ec2Error> {
        self.row(
            "SELECT id FROM egress_only_internet_gateways WHERE vpc_id = ?1",
            &[&vpc_id],
            |r| r.get(0),
        )
    }

    pub fn insert_egress_only_internet_gateway(
        &self,
        gateway: &EgressOnlyInternetGateway,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO egress_only_internet_gateways (id, pid, vpc_id) VALUES (?1, ?2, ?3)",
            &[&gateway.id, &self.pid, &gateway.vpc_id],
        )?;
        self.set_tags(&gateway.id, &gateway.tags)
    }

    pub fn delete_egress_only_internet_gateway(&self, id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM egress_only_internet_gateways WHERE id = ?1 AND pid = ?2",
            &[&id, &self.pid],
        )?;
        self.delete_tags_of(id)
    }
}
