//! Route tables, their routes and associations.

use crate::error::StoreError;
use crate::{AssociationId, RouteTableId, Tx};
use ipnet::{IpNet, Ipv6Net};
use localvpc_model::route_table::{
    EndpointRoute, Route, RouteOrigin, RouteTable, RouteTableAssociation, RouteTarget,
};
use localvpc_model::{Ec2Error, IdKind};
use std::collections::HashMap;

fn target_columns(target: &RouteTarget) -> (&'static str, Option<&str>) {
    match target {
        RouteTarget::Local => ("local", None),
        RouteTarget::InternetGateway(id) => ("igw", Some(id)),
        RouteTarget::Instance(id) => ("instance", Some(id)),
        RouteTarget::NetworkInterface(id) => ("eni", Some(id)),
        RouteTarget::NatGateway(id) => ("nat", Some(id)),
        RouteTarget::VpcPeeringConnection(id) => ("pcx", Some(id)),
        RouteTarget::EgressOnlyInternetGateway(id) => ("eigw", Some(id)),
    }
}

fn target_from(kind: &str, id: Option<String>) -> Result<RouteTarget, StoreError> {
    let id = || {
        id.clone()
            .ok_or_else(|| StoreError::Database(format!("a {kind} route has no target ID")))
    };
    Ok(match kind {
        "local" => RouteTarget::Local,
        "igw" => RouteTarget::InternetGateway(id()?),
        "instance" => RouteTarget::Instance(id()?),
        "eni" => RouteTarget::NetworkInterface(id()?),
        "nat" => RouteTarget::NatGateway(id()?),
        "pcx" => RouteTarget::VpcPeeringConnection(id()?),
        "eigw" => RouteTarget::EgressOnlyInternetGateway(id()?),
        other => {
            return Err(StoreError::Database(format!(
                "unknown route target kind {other:?}"
            )));
        }
    })
}

fn origin_from(text: &str) -> RouteOrigin {
    if text == RouteOrigin::CreateRouteTable.as_str() {
        RouteOrigin::CreateRouteTable
    } else {
        RouteOrigin::CreateRoute
    }
}

impl Tx<'_> {
    /// Every route table of the partition (or one VPC) with routes, associations and tags.
    /// Routes and associations list in the order they were made (`rowid`, which a PostgreSQL
    /// schema gives these tables as an identity column).
    pub fn route_tables(
        &self,
        owner: &str,
        vpc_id: Option<&str>,
    ) -> Result<Vec<RouteTable>, Ec2Error> {
        let mut tables = self.rows(
            "SELECT id, vpc_id FROM route_tables WHERE pid = ?1 AND (?2 IS NULL OR vpc_id = ?2) ORDER BY id",
            &[&self.pid, &vpc_id],
            |r| {
                Ok(RouteTable {
                    id: r.get(0)?,
                    vpc_id: r.get(1)?,
                    owner_id: owner.to_owned(),
                    routes: Vec::new(),
                    ipv6_routes: Vec::new(),
                    endpoint_routes: Vec::new(),
                    associations: Vec::new(),
                    tags: Vec::new(),
                })
            },
        )?;
        let mut routes: HashMap<String, Vec<Route>> = HashMap::new();
        let mut ipv6_routes: HashMap<String, Vec<Route<Ipv6Net>>> = HashMap::new();
        self.each_row(
            "SELECT r.route_table_id, r.destination, r.target_kind, r.target_id, r.origin FROM routes r
             JOIN route_tables t ON t.id = r.route_table_id WHERE t.pid = ?1 ORDER BY r.rowid",
            &[&self.pid],
            |r| {
                let table: String = r.get(0)?;
                let target = target_from(&r.get::<String>(2)?, r.get(3)?)?;
                let origin = origin_from(&r.get::<String>(4)?);
                match r.parsed::<IpNet>(1)? {
                    IpNet::V4(destination) => routes.entry(table).or_default().push(Route {
                        destination,
                        target,
                        origin,
                    }),
                    IpNet::V6(destination) => ipv6_routes.entry(table).or_default().push(Route {
                        destination,
                        target,
                        origin,
                    }),
                }
                Ok(())
            },
        )?;
        let mut associations: HashMap<String, Vec<RouteTableAssociation>> = HashMap::new();
        self.each_row(
            "SELECT a.id, a.route_table_id, a.is_main, a.subnet_id, a.gateway_id FROM route_table_associations a
             JOIN route_tables t ON t.id = a.route_table_id WHERE t.pid = ?1 ORDER BY a.rowid",
            &[&self.pid],
            |r| {
                let association = RouteTableAssociation {
                    id: r.get(0)?,
                    route_table_id: r.get(1)?,
                    main: r.get(2)?,
                    subnet_id: r.get(3)?,
                    gateway_id: r.get(4)?,
                };
                associations
                    .entry(association.route_table_id.clone())
                    .or_default()
                    .push(association);
                Ok(())
            },
        )?;
        let mut tags = self.tags_by_resource(IdKind::RouteTable)?;
        let ipv6 = self.vpc_ipv6_blocks(vpc_id)?;
        let mut endpoint_routes = self.endpoint_routes_by_table()?;
        for t in &mut tables {
            let stored = ipv6_routes.remove(&t.id).unwrap_or_default();
            let blocks = ipv6.get(&t.vpc_id).map(Vec::as_slice).unwrap_or_default();
            // Each block's local route, as stored if ReplaceRoute moved it, then the others.
            t.ipv6_routes = blocks
                .iter()
                .map(|b| {
                    stored
                        .iter()
                        .find(|r| r.is_local() && r.destination == b.cidr)
                        .cloned()
                        .unwrap_or_else(|| Route::local(b.cidr))
                })
                .chain(stored.iter().filter(|r| !r.is_local()).cloned())
                .collect();
            t.endpoint_routes = endpoint_routes
                .remove(&t.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(prefix_list_id, endpoint_id)| EndpointRoute {
                    prefix_list_id,
                    endpoint_id,
                })
                .collect();
            t.routes = routes.remove(&t.id).unwrap_or_default();
            t.associations = associations.remove(&t.id).unwrap_or_default();
            t.tags = tags.remove(&t.id).unwrap_or_default();
        }
        Ok(tables)
    }

    /// One route table, or `InvalidRouteTableID.NotFound`.
    pub fn route_table(&self, owner: &str, id: &str) -> Result<RouteTable, Ec2Error> {
        let vpc_id: String = self
            .row(
                "SELECT vpc_id FROM route_tables WHERE pid = ?1 AND id = ?2",
                &[&self.pid, &id],
                |r| r.get(0),
            )?
            .ok_or_else(|| IdKind::RouteTable.not_found(id))?;
        let mut tables = self.route_tables(owner, Some(&vpc_id))?;
        let index = tables
            .iter()
            .position(|t| t.id == id)
            .ok_or_else(|| IdKind::RouteTable.not_found(id))?;
        Ok(tables.swap_remove(index))
    }

    /// The table an association (main, subnet or gateway) belongs to, if the partition has it.
    pub fn route_table_of_association(
        &self,
        association_id: &str,
    ) -> Result<Option<String>, Ec2Error> {
        self.row(
            "SELECT a.route_table_id FROM route_table_associations a
             JOIN route_tables t ON t.id = a.route_table_id WHERE t.pid = ?1 AND a.id = ?2",
            &[&self.pid, &association_id],
            |r| r.get(0),
        )
    }

    pub fn count_route_tables_in_vpc(&self, vpc_id: &str) -> Result<usize, Ec2Error> {
        self.count_rows(
            "SELECT COUNT(*) FROM route_tables WHERE vpc_id = ?1",
            &[&vpc_id],
        )
    }

    /// Inserts a table with all its routes, associations and tags.
    pub fn insert_route_table(&self, table: &RouteTable) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO route_tables (id, pid, vpc_id) VALUES (?1, ?2, ?3)",
            &[&table.id, &self.pid, &table.vpc_id],
        )?;
        for route in &table.routes {
            self.insert_route(&table.id, route)?;
        }
        for association in &table.associations {
            self.insert_route_table_association(&table.vpc_id, association)?;
        }
        self.set_tags(&table.id, &table.tags)
    }

    pub fn insert_route<N: std::fmt::Display>(
        &self,
        table_id: &str,
        route: &Route<N>,
    ) -> Result<(), Ec2Error> {
        let (kind, id) = target_columns(&route.target);
        self.exec(
            "INSERT INTO routes (route_table_id, destination, target_kind, target_id, origin) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                &table_id,
                &route.destination.to_string(),
                &kind,
                &id,
                &route.origin.as_str(),
            ],
        )?;
        Ok(())
    }

    /// Points an existing route at a new target. An IPv6 block's local route has a row only
    /// once replaced, so the first replacement writes it.
    pub fn replace_route<N: std::fmt::Display>(
        &self,
        table_id: &str,
        route: &Route<N>,
    ) -> Result<(), Ec2Error> {
        let (kind, id) = target_columns(&route.target);
        self.exec(
            "INSERT INTO routes (route_table_id, destination, target_kind, target_id, origin) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (route_table_id, destination) DO UPDATE SET target_kind = ?3, target_id = ?4",
            &[
                &table_id,
                &route.destination.to_string(),
                &kind,
                &id,
                &route.origin.as_str(),
            ],
        )?;
        Ok(())
    }

    pub fn delete_route(&self, table_id: &str, destination: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM routes WHERE route_table_id = ?1 AND destination = ?2",
            &[&table_id, &destination],
        )?;
        Ok(())
    }

    pub fn insert_route_table_association(
        &self,
        vpc_id: &str,
        a: &RouteTableAssociation,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO route_table_associations (id, route_table_id, vpc_id, is_main, subnet_id, gateway_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[
                &a.id,
                &a.route_table_id,
                &vpc_id,
                &a.main,
                &a.subnet_id,
                &a.gateway_id,
            ],
        )?;
        Ok(())
    }

    /// Moves an association to another table (ReplaceRouteTableAssociation) under a new ID.
    pub fn move_route_table_association(
        &self,
        old_id: AssociationId,
        new_id: AssociationId,
        route_table_id: RouteTableId,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE route_table_associations SET id = ?2, route_table_id = ?3 WHERE id = ?1",
            &[&old_id, &new_id, &route_table_id],
        )?;
        Ok(())
    }

    pub fn delete_route_table_association(&self, id: &str) -> Result<(), Ec2Error> {
        self.exec("DELETE FROM route_table_associations WHERE id = ?1", &[&id])?;
        Ok(())
    }

    /// Deletes a table with its routes (by cascade), associations and tags.
    pub fn delete_route_table(&self, id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM route_table_associations WHERE route_table_id = ?1",
            &[&id],
        )?;
        self.exec(
            "DELETE FROM route_tables WHERE id = ?1 AND pid = ?2",
            &[&id, &self.pid],
        )?;
        self.delete_tags_of(id)
    }
}
