//! NAT gateways. `pending` and `deleting` settle at a stored time, applied at the start of every
//! transaction (as instances do), so pollers and the CLI's waiters see EC2's sequence.

use crate::Tx;
use crate::error::{Db, StoreError};
use crate::sql::Row;
use localvpc_model::nat_gateway::{Connectivity, Failure, NatAddress, NatGateway, NatState};
use localvpc_model::{Ec2Error, IdKind};
use std::collections::HashMap;

const COLUMNS: &str = "id, vpc_id, subnet_id, connectivity_type, state, failure_code, failure_message, create_time, delete_time, eni_id";

fn from_row(r: &Row) -> Result<NatGateway, StoreError> {
    let failure = match (r.get::<Option<String>>(5)?, r.get(6)?) {
        (Some(code), Some(message)) => Some(Failure { code, message }),
        _ => None,
    };
    Ok(NatGateway {
        id: r.get(0)?,
        vpc_id: r.get(1)?,
        subnet_id: r.get(2)?,
        connectivity: r.decoded(3, Connectivity::from_name)?,
        state: r.decoded(4, NatState::from_name)?,
        failure,
        create_time: r.get(7)?,
        delete_time: r.get(8)?,
        network_interface_id: r.get(9)?,
        addresses: Vec::new(),
        tags: Vec::new(),
    })
}

impl Tx<'_> {
    /// Settles every `pending` (to `available`, or `failed` with its stored failure) and
    /// `deleting` (to `deleted`) gateway due by `now`, and forgets deleted and failed ones
    /// that ended before `forget_before` (AWS lists them about an hour).
    pub fn settle_nat_gateways(&self, now: &str, forget_before: &str) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE nat_gateways SET settles_at = NULL, state = CASE
                WHEN state = 'deleting' THEN 'deleted'
                WHEN failure_code IS NOT NULL THEN 'failed'
                ELSE 'available' END
             WHERE pid = ?1 AND settles_at <= ?2",
            &[&self.pid, &now],
        )?;
        let gone: Vec<String> = self.rows(
            "SELECT id FROM nat_gateways WHERE pid = ?1 AND state IN ('deleted', 'failed')
             AND COALESCE(delete_time, create_time) < ?2",
            &[&self.pid, &forget_before],
            |r| r.get(0),
        )?;
        for id in gone {
            self.exec("DELETE FROM nat_gateways WHERE id = ?1", &[&id])?;
            self.delete_tags_of(&id)?;
        }
        Ok(())
    }

    /// Whether [`Tx::settle_nat_gateways`] would change anything as of `now`.
    pub fn nat_gateways_to_settle(&self, now: &str, forget_before: &str) -> Result<bool, Ec2Error> {
        let due: Option<bool> = self.row(
            "SELECT EXISTS (SELECT 1 FROM nat_gateways WHERE pid = ?1 AND settles_at <= ?2)
             OR EXISTS (SELECT 1 FROM nat_gateways WHERE pid = ?1 AND state IN ('deleted', 'failed')
                        AND COALESCE(delete_time, create_time) < ?3)",
            &[&self.pid, &now, &forget_before],
            |r| r.get(0),
        )?;
        due.ok_or_else(|| StoreError::NotFound("EXISTS returned no row".into()))
            .db()
    }

    /// Every NAT gateway of the partition, sorted by ID, with addresses and tags.
    pub fn nat_gateways(&self) -> Result<Vec<NatGateway>, Ec2Error> {
        let mut nats = self.rows(
            &format!("SELECT {COLUMNS} FROM nat_gateways WHERE pid = ?1 ORDER BY id"),
            &[&self.pid],
            from_row,
        )?;
        let mut addresses = self.nat_addresses(None)?;
        let mut tags = self.tags_by_resource(IdKind::NatGateway)?;
        for n in &mut nats {
            n.addresses = addresses.remove(&n.id).unwrap_or_default();
            n.tags = tags.remove(&n.id).unwrap_or_default();
        }
        Ok(nats)
    }

    /// One NAT gateway, or `NatGatewayNotFound`.
    pub fn nat_gateway(&self, id: &str) -> Result<NatGateway, Ec2Error> {
        let mut nat = self
            .row(
                &format!("SELECT {COLUMNS} FROM nat_gateways WHERE pid = ?1 AND id = ?2"),
                &[&self.pid, &id],
                from_row,
            )?
            .ok_or_else(|| IdKind::NatGateway.not_found(id))?;
        nat.addresses = self.nat_addresses(Some(id))?.remove(id).unwrap_or_default();
        nat.tags = self.tags_of(id)?;
        Ok(nat)
    }

    /// Addresses of one gateway (`Some`) or of the partition's, by gateway.
    fn nat_addresses(
        &self,
        id: Option<&str>,
    ) -> Result<HashMap<String, Vec<NatAddress>>, Ec2Error> {
        let mut out: HashMap<String, Vec<NatAddress>> = HashMap::new();
        self.each_row(
            "SELECT a.nat_gateway_id, a.position, a.private_ip, a.allocation_id, a.public_ip, a.association_id
             FROM nat_gateway_addresses a JOIN nat_gateways n ON n.id = a.nat_gateway_id
             WHERE n.pid = ?1 AND (?2 IS NULL OR n.id = ?2) ORDER BY a.nat_gateway_id, a.position",
            &[&self.pid, &id],
            |r| {
                out.entry(r.get(0)?).or_default().push(NatAddress {
                    is_primary: r.get::<i64>(1)? == 0,
                    private_ip: r.parsed_opt(2)?,
                    allocation_id: r.get(3)?,
                    public_ip: r.parsed_opt(4)?,
                    association_id: r.get(5)?,
                });
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Gateways of the partition in `zone` that count against the quota.
    pub fn count_nat_gateways_in_zone(&self, zone: &str) -> Result<usize, Ec2Error> {
        self.count_rows(
            "SELECT COUNT(*) FROM nat_gateways WHERE pid = ?1 AND availability_zone = ?2
             AND state IN ('pending', 'available', 'deleting')",
            &[&self.pid, &zone],
        )
    }

    /// Stores a new gateway, `pending` until `settles_at`.
    pub fn insert_nat_gateway(
        &self,
        nat: &NatGateway,
        zone: &str,
        settles_at: &str,
    ) -> Result<(), Ec2Error> {
        self.exec(
            &format!(
                "INSERT INTO nat_gateways (pid, availability_zone, settles_at, {COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ),
            &[
                &self.pid,
                &zone,
                &settles_at,
                &nat.id,
                &nat.vpc_id,
                &nat.subnet_id,
                &nat.connectivity.as_str(),
                &nat.state.as_str(),
                &nat.failure.as_ref().map(|f| &f.code),
                &nat.failure.as_ref().map(|f| &f.message),
                &nat.create_time,
                &nat.delete_time,
                &nat.network_interface_id,
            ],
        )?;
        self.set_nat_gateway_addresses(&nat.id, &nat.addresses)?;
        self.set_tags(&nat.id, &nat.tags)
    }

    /// Replaces a gateway's addresses (in order, the primary first).
    pub fn set_nat_gateway_addresses(
        &self,
        nat_id: &str,
        addresses: &[NatAddress],
    ) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM nat_gateway_addresses WHERE nat_gateway_id = ?1",
            &[&nat_id],
        )?;
        for (position, a) in addresses.iter().enumerate() {
            self.exec(
                "INSERT INTO nat_gateway_addresses (nat_gateway_id, position, private_ip, allocation_id, public_ip, association_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                &[
                    &nat_id,
                    &(position as i64),
                    &a.private_ip.map(|p| p.to_string()),
                    &a.allocation_id,
                    &a.public_ip.map(|p| p.to_string()),
                    &a.association_id,
                ],
            )?;
        }
        Ok(())
    }

    /// DeleteNatGateway: `deleting` until `settles_at` (= now: the next call sees `deleted`).
    pub fn set_nat_gateway_deleting(&self, id: &str, now: &str) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE nat_gateways SET state = 'deleting', settles_at = ?2, delete_time = ?2 WHERE id = ?1",
            &[&id, &now],
        )?;
        Ok(())
    }
}
