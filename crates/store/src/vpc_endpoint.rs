//! VPC endpoints with their routes (gateway), interfaces and groups (interface). `pending` and
//! `deleting` settle at a stored time, at the start of every transaction, as NAT gateways do.

use crate::Tx;
use crate::error::{Db, StoreError};
use crate::sql::Row;
use localvpc_model::vpc_endpoint::{EndpointInterface, EndpointState, EndpointType, VpcEndpoint};
use localvpc_model::{Ec2Error, IdKind};
use std::collections::HashMap;

const COLUMNS: &str = "id, vpc_id, owner_id, service_name, endpoint_type, state, policy_document, private_dns_enabled, dns_label, creation_timestamp";

fn from_row(r: &Row) -> Result<VpcEndpoint, StoreError> {
    Ok(VpcEndpoint {
        id: r.get(0)?,
        vpc_id: r.get(1)?,
        owner_id: r.get(2)?,
        service_name: r.get(3)?,
        endpoint_type: r.decoded(4, EndpointType::from_name)?,
        state: r.decoded(5, EndpointState::from_name)?,
        policy_document: r.get(6)?,
        private_dns_enabled: r.get(7)?,
        dns_label: r.get(8)?,
        creation_timestamp: r.get(9)?,
        route_table_ids: Vec::new(),
        interfaces: Vec::new(),
        group_ids: Vec::new(),
        tags: Vec::new(),
    })
}

impl Tx<'_> {
    /// Settles `pending` (to `available`) and `deleting` (to `deleted`) endpoints due by
    /// `now`, and forgets deleted ones that went before `forget_before`.
    pub fn settle_vpc_endpoints(&self, now: &str, forget_before: &str) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE vpc_endpoints SET settles_at = NULL, state = CASE
                WHEN state = 'deleting' THEN 'deleted' ELSE 'available' END
             WHERE pid = ?1 AND settles_at <= ?2",
            &[&self.pid, &now],
        )?;
        let gone: Vec<String> = self.rows(
            "SELECT id FROM vpc_endpoints WHERE pid = ?1 AND state = 'deleted' AND delete_time < ?2",
            &[&self.pid, &forget_before],
            |r| r.get(0),
        )?;
        for id in gone {
            self.exec("DELETE FROM vpc_endpoints WHERE id = ?1", &[&id])?;
            self.delete_tags_of(&id)?;
        }
        Ok(())
    }

    /// Whether [`Tx::settle_vpc_endpoints`] would change anything as of `now`.
    pub fn vpc_endpoints_to_settle(
        &self,
        now: &str,
        forget_before: &str,
    ) -> Result<bool, Ec2Error> {
        let due: Option<bool> = self.row(
            "SELECT EXISTS (SELECT 1 FROM vpc_endpoints WHERE pid = ?1 AND settles_at <= ?2)
             OR EXISTS (SELECT 1 FROM vpc_endpoints WHERE pid = ?1 AND state = 'deleted'
                        AND delete_time < ?3)",
            &[&self.pid, &now, &forget_before],
            |r| r.get(0),
        )?;
        due.ok_or_else(|| StoreError::NotFound("EXISTS returned no row".into()))
            .db()
    }

    /// Every endpoint of the partition, sorted by ID.
    pub fn vpc_endpoints(&self) -> Result<Vec<VpcEndpoint>, Ec2Error> {
        let mut endpoints = self.rows(
            &format!("SELECT {COLUMNS} FROM vpc_endpoints WHERE pid = ?1 ORDER BY id"),
            &[&self.pid],
            from_row,
        )?;
        let mut parts = self.endpoint_parts(None)?;
        let mut tags = self.tags_by_resource(IdKind::VpcEndpoint)?;
        for e in &mut endpoints {
            if let Some((tables, interfaces, groups)) = parts.remove(&e.id) {
                e.route_table_ids = tables;
                e.interfaces = interfaces;
                e.group_ids = groups;
            }
            e.tags = tags.remove(&e.id).unwrap_or_default();
        }
        Ok(endpoints)
    }

    /// One endpoint, or `InvalidVpcEndpointId.NotFound`.
    pub fn vpc_endpoint(&self, id: &str) -> Result<VpcEndpoint, Ec2Error> {
        let mut e = self
            .row(
                &format!("SELECT {COLUMNS} FROM vpc_endpoints WHERE pid = ?1 AND id = ?2"),
                &[&self.pid, &id],
                from_row,
            )?
            .ok_or_else(|| IdKind::VpcEndpoint.not_found(id))?;
        if let Some((tables, interfaces, groups)) = self.endpoint_parts(Some(id))?.remove(id) {
            e.route_table_ids = tables;
            e.interfaces = interfaces;
            e.group_ids = groups;
        }
        e.tags = self.tags_of(id)?;
        Ok(e)
    }

    /// Route tables, interfaces and groups of one endpoint (`Some`) or of the partition's.
    #[allow(clippy::type_complexity)]
    fn endpoint_parts(
        &self,
        id: Option<&str>,
    ) -> Result<HashMap<String, (Vec<String>, Vec<EndpointInterface>, Vec<String>)>, Ec2Error> {
        let mut out: HashMap<String, (Vec<String>, Vec<EndpointInterface>, Vec<String>)> =
            HashMap::new();
        self.each_row(
            "SELECT r.endpoint_id, r.route_table_id FROM vpc_endpoint_routes r
             JOIN vpc_endpoints e ON e.id = r.endpoint_id
             WHERE e.pid = ?1 AND (?2 IS NULL OR e.id = ?2) ORDER BY r.route_table_id",
            &[&self.pid, &id],
            |r| {
                out.entry(r.get(0)?).or_default().0.push(r.get(1)?);
                Ok(())
            },
        )?;
        self.each_row(
            "SELECT i.endpoint_id, i.subnet_id, i.availability_zone, i.eni_id
             FROM vpc_endpoint_interfaces i JOIN vpc_endpoints e ON e.id = i.endpoint_id
             WHERE e.pid = ?1 AND (?2 IS NULL OR e.id = ?2) ORDER BY i.subnet_id",
            &[&self.pid, &id],
            |r| {
                out.entry(r.get(0)?).or_default().1.push(EndpointInterface {
                    subnet_id: r.get(1)?,
                    availability_zone: r.get(2)?,
                    network_interface_id: r.get(3)?,
                });
                Ok(())
            },
        )?;
        self.each_row(
            "SELECT g.endpoint_id, g.group_id FROM vpc_endpoint_groups g
             JOIN vpc_endpoints e ON e.id = g.endpoint_id
             WHERE e.pid = ?1 AND (?2 IS NULL OR e.id = ?2) ORDER BY g.endpoint_id, g.position",
            &[&self.pid, &id],
            |r| {
                out.entry(r.get(0)?).or_default().2.push(r.get(1)?);
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Stores a new endpoint (its routes with `prefix_list_id`), `pending` until `settles_at`
    /// when one is given.
    pub fn insert_vpc_endpoint(
        &self,
        e: &VpcEndpoint,
        prefix_list_id: Option<&str>,
        settles_at: Option<&str>,
    ) -> Result<(), Ec2Error> {
        self.exec(
            &format!(
                "INSERT INTO vpc_endpoints (pid, settles_at, {COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
            ),
            &[
                &self.pid,
                &settles_at,
                &e.id,
                &e.vpc_id,
                &e.owner_id,
                &e.service_name,
                &e.endpoint_type.as_str(),
                &e.state.as_str(),
                &e.policy_document,
                &e.private_dns_enabled,
                &e.dns_label,
                &e.creation_timestamp,
            ],
        )?;
        if let Some(pl) = prefix_list_id {
            self.add_endpoint_routes(&e.id, &e.route_table_ids, pl)?;
        }
        for i in &e.interfaces {
            self.add_endpoint_interface(&e.id, i)?;
        }
        self.set_endpoint_groups(&e.id, &e.group_ids)?;
        self.set_tags(&e.id, &e.tags)
    }

    pub fn add_endpoint_routes(
        &self,
        endpoint_id: &str,
        tables: &[String],
        prefix_list_id: &str,
    ) -> Result<(), Ec2Error> {
        for t in tables {
            self.exec(
                "INSERT INTO vpc_endpoint_routes (endpoint_id, route_table_id, prefix_list_id) VALUES (?1, ?2, ?3)",
                &[&endpoint_id, t, &prefix_list_id],
            )?;
        }
        Ok(())
    }

    pub fn remove_endpoint_routes(
        &self,
        endpoint_id: &str,
        tables: &[String],
    ) -> Result<(), Ec2Error> {
        for t in tables {
            self.exec(
                "DELETE FROM vpc_endpoint_routes WHERE endpoint_id = ?1 AND route_table_id = ?2",
                &[&endpoint_id, t],
            )?;
        }
        Ok(())
    }

    pub fn add_endpoint_interface(
        &self,
        endpoint_id: &str,
        i: &EndpointInterface,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO vpc_endpoint_interfaces (endpoint_id, subnet_id, availability_zone, eni_id) VALUES (?1, ?2, ?3, ?4)",
            &[
                &endpoint_id,
                &i.subnet_id,
                &i.availability_zone,
                &i.network_interface_id,
            ],
        )?;
        Ok(())
    }

    pub fn remove_endpoint_interface(
        &self,
        endpoint_id: &str,
        subnet_id: &str,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM vpc_endpoint_interfaces WHERE endpoint_id = ?1 AND subnet_id = ?2",
            &[&endpoint_id, &subnet_id],
        )?;
        Ok(())
    }

    pub fn set_endpoint_groups(
        &self,
        endpoint_id: &str,
        groups: &[String],
    ) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM vpc_endpoint_groups WHERE endpoint_id = ?1",
            &[&endpoint_id],
        )?;
        for (position, g) in groups.iter().enumerate() {
            self.exec(
                "INSERT INTO vpc_endpoint_groups (endpoint_id, group_id, position) VALUES (?1, ?2, ?3)",
                &[&endpoint_id, g, &(position as i64)],
            )?;
        }
        Ok(())
    }

    /// The policy and private-DNS setting ModifyVpcEndpoint changes.
    pub fn update_vpc_endpoint(&self, e: &VpcEndpoint) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE vpc_endpoints SET policy_document = ?2, private_dns_enabled = ?3 WHERE id = ?1",
            &[&e.id, &e.policy_document, &e.private_dns_enabled],
        )?;
        Ok(())
    }

    /// DeleteVpcEndpoints: its routes and interface records go now; `deleting` until `now`
    /// (the next call sees `deleted`).
    pub fn set_vpc_endpoint_deleting(&self, id: &str, now: &str) -> Result<(), Ec2Error> {
        for table in [
            "vpc_endpoint_routes",
            "vpc_endpoint_interfaces",
            "vpc_endpoint_groups",
        ] {
            self.exec(
                &format!("DELETE FROM {table} WHERE endpoint_id = ?1"),
                &[&id],
            )?;
        }
        self.exec(
            "UPDATE vpc_endpoints SET state = 'deleting', settles_at = ?2, delete_time = ?2 WHERE id = ?1",
            &[&id, &now],
        )?;
        Ok(())
    }

    /// The route tables that already route `prefix_list_id` to a gateway endpoint.
    pub fn tables_routing_prefix_list(
        &self,
        prefix_list_id: &str,
    ) -> Result<Vec<String>, Ec2Error> {
        self.rows(
            "SELECT r.route_table_id FROM vpc_endpoint_routes r JOIN vpc_endpoints e ON e.id = r.endpoint_id
             WHERE e.pid = ?1 AND r.prefix_list_id = ?2",
            &[&self.pid, &prefix_list_id],
            |r| r.get(0),
        )
    }

    /// Live (not deleting or deleted) endpoints of a type, in the region or in one VPC.
    pub fn count_vpc_endpoints(
        &self,
        endpoint_type: Option<EndpointType>,
        vpc_id: Option<&str>,
    ) -> Result<usize, Ec2Error> {
        self.count_rows(
            "SELECT COUNT(*) FROM vpc_endpoints WHERE pid = ?1 AND state IN ('pending', 'available')
             AND (?2 IS NULL OR endpoint_type = ?2) AND (?3 IS NULL OR vpc_id = ?3)",
            &[
                &self.pid,
                &endpoint_type.map(EndpointType::as_str),
                &vpc_id,
            ],
        )
    }

    /// Each route table's gateway-endpoint routes: (prefix list, endpoint).
    pub(crate) fn endpoint_routes_by_table(
        &self,
    ) -> Result<HashMap<String, Vec<(String, String)>>, Ec2Error> {
        let mut out: HashMap<String, Vec<(String, String)>> = HashMap::new();
        self.each_row(
            "SELECT r.route_table_id, r.prefix_list_id, r.endpoint_id FROM vpc_endpoint_routes r
             JOIN vpc_endpoints e ON e.id = r.endpoint_id WHERE e.pid = ?1
             ORDER BY r.route_table_id, r.prefix_list_id",
            &[&self.pid],
            |r| {
                out.entry(r.get(0)?)
                    .or_default()
                    .push((r.get(1)?, r.get(2)?));
                Ok(())
            },
        )?;
        Ok(out)
    }
}
