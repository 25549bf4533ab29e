//! VPC peering connections. A connection is listed in two partitions, its requester's and its
//! accepter's, so these methods reach past the transaction's partition where AWS does: the peer
//! VPC a request names, and the connection both sides act on.

use crate::Tx;
use crate::error::StoreError;
use crate::sql::Row;
use localvpc_model::peering::{PeeringConnection, PeeringSide, PeeringState};
use localvpc_model::security_group::SecurityGroup;
use localvpc_model::vpc::Vpc;
use localvpc_model::{Ec2Error, IdKind};

const COLUMNS: &str = "id, requester_owner, requester_region, requester_vpc_id, requester_cidrs, requester_ipv6, requester_dns, \
     accepter_owner, accepter_region, accepter_vpc_id, accepter_cidrs, accepter_ipv6, accepter_dns, \
     state, ended_by, create_time, expiration_time, ended_at";

/// Connections the partition `?1` lists: those it requested, and those it was asked to accept
/// unless they failed.
const VISIBLE: &str = "(requester_pid = ?1 OR (accepter_pid = ?1 AND state <> 'failed'))";

/// A column of comma-separated values (`joined`), parsed back.
fn list<T: std::str::FromStr>(r: &Row, i: usize) -> Result<Vec<T>, StoreError> {
    r.decoded(i, |text| {
        text.split(',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().ok())
            .collect()
    })
}

fn joined<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn side(r: &Row, at: usize) -> Result<PeeringSide, StoreError> {
    Ok(PeeringSide {
        owner_id: r.get(at)?,
        region: r.get(at + 1)?,
        vpc_id: r.get(at + 2)?,
        cidr_blocks: list(r, at + 3)?,
        ipv6_blocks: list(r, at + 4)?,
        allow_dns_resolution_from_remote_vpc: r.get(at + 5)?,
    })
}

fn from_row(r: &Row) -> Result<PeeringConnection, StoreError> {
    Ok(PeeringConnection {
        id: r.get(0)?,
        requester: side(r, 1)?,
        accepter: side(r, 7)?,
        state: r.decoded(13, PeeringState::from_name)?,
        ended_by: r.get(14)?,
        create_time: r.get(15)?,
        expiration_time: r.get(16)?,
        ended_at: r.get(17)?,
        tags: Vec::new(),
    })
}

impl Tx<'_> {
    /// Every connection the partition lists, sorted by ID, with the partition's own tags.
    pub fn peering_connections(&self) -> Result<Vec<PeeringConnection>, Ec2Error> {
        let mut all = self.rows(
            &format!("SELECT {COLUMNS} FROM vpc_peering_connections WHERE {VISIBLE} ORDER BY id"),
            &[&self.pid],
            from_row,
        )?;
        let mut tags = self.tags_by_resource(IdKind::VpcPeeringConnection)?;
        for p in &mut all {
            p.tags = tags.remove(&p.id).unwrap_or_default();
        }
        Ok(all)
    }

    /// One connection the partition lists, or `InvalidVpcPeeringConnectionID.NotFound`.
    pub fn peering_connection(&self, id: &str) -> Result<PeeringConnection, Ec2Error> {
        let mut p = self
            .row(
                &format!(
                    "SELECT {COLUMNS} FROM vpc_peering_connections WHERE {VISIBLE} AND id = ?2"
                ),
                &[&self.pid, &id],
                from_row,
            )?
            .ok_or_else(|| IdKind::VpcPeeringConnection.not_found(id))?;
        p.tags = self
            .tags_by_resource(IdKind::VpcPeeringConnection)?
            .remove(id)
            .unwrap_or_default();
        Ok(p)
    }

    /// A VPC of another account or region (or this one), if that partition has it. The
    /// partition is not created: an account that never called has no VPC.
    pub fn vpc_elsewhere(
        &mut self,
        account: &str,
        region: &str,
        vpc_id: &str,
    ) -> Result<Option<(i64, Vpc)>, Ec2Error> {
        let Some(pid) = self.partition_id(account, region)? else {
            return Ok(None);
        };
        let own = std::mem::replace(&mut self.pid, pid);
        let found = self.vpc(account, vpc_id);
        self.pid = own;
        match found {
            Ok(vpc) => Ok(Some((pid, vpc))),
            Err(e) if e.code == IdKind::Vpc.not_found_code() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A security group of another account or region (or this one), if that partition has it:
    /// a peer VPC's group that a rule may reference.
    pub fn security_group_elsewhere(
        &mut self,
        account: &str,
        region: &str,
        group_id: &str,
    ) -> Result<Option<SecurityGroup>, Ec2Error> {
        let Some(pid) = self.partition_id(account, region)? else {
            return Ok(None);
        };
        let own = std::mem::replace(&mut self.pid, pid);
        let found = self.security_group(account, group_id);
        self.pid = own;
        match found {
            Ok(group) => Ok(Some(group)),
            Err(e) if e.code == IdKind::SecurityGroup.not_found_code() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The VPCs (of any partition) whose groups have a rule naming `group_id` as its peer.
    pub fn vpcs_referencing_group(&self, group_id: &str) -> Result<Vec<String>, Ec2Error> {
        self.rows(
            "SELECT DISTINCT g.vpc_id FROM security_group_rules r JOIN security_groups g ON g.id = r.group_id
             WHERE r.peer_kind = 'group' AND r.peer = ?1 ORDER BY g.vpc_id",
            &[&group_id],
            |r| r.get(0),
        )
    }

    fn partition_id(&self, account: &str, region: &str) -> Result<Option<i64>, Ec2Error> {
        self.row(
            "SELECT id FROM partitions WHERE account = ?1 AND region = ?2",
            &[&account, &region],
            |r| r.get(0),
        )
    }

    /// Records a request of this partition; `accepter_pid` is the peer VPC's partition.
    pub fn insert_peering_connection(
        &self,
        p: &PeeringConnection,
        accepter_pid: Option<i64>,
    ) -> Result<(), Ec2Error> {
        let (r, a) = (&p.requester, &p.accepter);
        self.exec(
            &format!(
                "INSERT INTO vpc_peering_connections ({COLUMNS}, requester_pid, accepter_pid)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)"
            ),
            &[
                &p.id,
                &r.owner_id,
                &r.region,
                &r.vpc_id,
                &joined(&r.cidr_blocks),
                &joined(&r.ipv6_blocks),
                &r.allow_dns_resolution_from_remote_vpc,
                &a.owner_id,
                &a.region,
                &a.vpc_id,
                &joined(&a.cidr_blocks),
                &joined(&a.ipv6_blocks),
                &a.allow_dns_resolution_from_remote_vpc,
                &p.state.as_str(),
                &p.ended_by,
                &p.create_time,
                &p.expiration_time,
                &p.ended_at,
                &self.pid,
                &accepter_pid,
            ],
        )?;
        self.set_tags(&p.id, &p.tags)
    }

    /// Writes what a call changed: the state, who ended it and when, both sides' blocks (as of
    /// acceptance) and options.
    pub fn update_peering_connection(&self, p: &PeeringConnection) -> Result<(), Ec2Error> {
        let (r, a) = (&p.requester, &p.accepter);
        self.exec(
            "UPDATE vpc_peering_connections SET state = ?2, ended_by = ?3, ended_at = ?4,
               requester_cidrs = ?5, requester_ipv6 = ?6, requester_dns = ?7,
               accepter_cidrs = ?8, accepter_ipv6 = ?9, accepter_dns = ?10
             WHERE id = ?1",
            &[
                &p.id,
                &p.state.as_str(),
                &p.ended_by,
                &p.ended_at,
                &joined(&r.cidr_blocks),
                &joined(&r.ipv6_blocks),
                &r.allow_dns_resolution_from_remote_vpc,
                &joined(&a.cidr_blocks),
                &joined(&a.ipv6_blocks),
                &a.allow_dns_resolution_from_remote_vpc,
            ],
        )?;
        Ok(())
    }

    /// Active connections of a VPC, whichever partition holds the other side.
    pub fn count_active_peerings_of_vpc(&self, vpc_id: &str) -> Result<usize, Ec2Error> {
        self.count_rows(
            "SELECT COUNT(*) FROM vpc_peering_connections WHERE state = 'active'
             AND (requester_vpc_id = ?1 OR accepter_vpc_id = ?1)",
            &[&vpc_id],
        )
    }

    /// Requests of this partition awaiting an answer (expired ones are counted until a call
    /// sees them expire, as the quota is checked against live requests only by AWS too).
    pub fn count_pending_peering_requests(&self, now: &str) -> Result<usize, Ec2Error> {
        self.count_rows(
            "SELECT COUNT(*) FROM vpc_peering_connections WHERE requester_pid = ?1
             AND state = 'pending-acceptance' AND expiration_time > ?2",
            &[&self.pid, &now],
        )
    }

    /// Forgets connections that ended before `before` (they are listed only a while).
    pub fn forget_peering_connections(&self, before: &str) -> Result<(), Ec2Error> {
        let gone: Vec<String> = self.rows(
            "SELECT id FROM vpc_peering_connections WHERE ended_at < ?1
             OR (state = 'pending-acceptance' AND expiration_time < ?1)",
            &[&before],
            |r| r.get(0),
        )?;
        for id in gone {
            self.exec("DELETE FROM vpc_peering_connections WHERE id = ?1", &[&id])?;
            self.delete_tags_of(&id)?;
        }
        Ok(())
    }
}
