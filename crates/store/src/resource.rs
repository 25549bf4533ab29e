//! Resources of any taggable kind, looked up by ID: what the tag actions need, since they take
//! IDs of every kind in one list.

use crate::{Db, Tx};
use localvpc_model::{Ec2Error, IdKind, Tag};
use rusqlite::{OptionalExtension, params};

/// A kind of resource the store holds that EC2 lets callers tag.
struct TaggableKind {
    kind: IdKind,
    /// EC2's `ResourceType` for it (`DescribeTags`, `TagSpecification`).
    resource_type: &'static str,
    /// The IDs of this kind in partition `?1`, as one `id` column.
    ids_in_partition: &'static str,
}

/// Adding a taggable kind is one line here (once its table exists).
const TAGGABLE: &[TaggableKind] = &[
    TaggableKind {
        kind: IdKind::NetworkInterface,
        resource_type: "network-interface",
        ids_in_partition: "SELECT id FROM network_interfaces WHERE pid = ?1",
    },
    TaggableKind {
        kind: IdKind::Instance,
        resource_type: "instance",
        ids_in_partition: "SELECT id FROM instances WHERE pid = ?1",
    },
    TaggableKind {
        kind: IdKind::Vpc,
        resource_type: "vpc",
        ids_in_partition: "SELECT id FROM vpcs WHERE pid = ?1",
    },
    TaggableKind {
        kind: IdKind::Subnet,
        resource_type: "subnet",
        ids_in_partition: "SELECT id FROM subnets WHERE pid = ?1",
    },
    TaggableKind {
        kind: IdKind::InternetGateway,
        resource_type: "internet-gateway",
        ids_in_partition: "SELECT id FROM internet_gateways WHERE pid = ?1",
    },
    TaggableKind {
        kind: IdKind::RouteTable,
        resource_type: "route-table",
        ids_in_partition: "SELECT id FROM route_tables WHERE pid = ?1",
    },
    TaggableKind {
        kind: IdKind::SecurityGroup,
        resource_type: "security-group",
        ids_in_partition: "SELECT id FROM security_groups WHERE pid = ?1",
    },
    TaggableKind {
        kind: IdKind::SecurityGroupRule,
        resource_type: "security-group-rule",
        ids_in_partition: "SELECT r.id AS id FROM security_group_rules r JOIN security_groups g ON g.id = r.group_id WHERE g.pid = ?1",
    },
    TaggableKind {
        kind: IdKind::NetworkAcl,
        resource_type: "network-acl",
        ids_in_partition: "SELECT id FROM network_acls WHERE pid = ?1",
    },
    TaggableKind {
        kind: IdKind::Allocation,
        resource_type: "elastic-ip",
        ids_in_partition: "SELECT allocation_id AS id FROM elastic_ips WHERE pid = ?1",
    },
    TaggableKind {
        kind: IdKind::KeyPair,
        resource_type: "key-pair",
        ids_in_partition: "SELECT key_pair_id AS id FROM key_pairs WHERE pid = ?1",
    },
    TaggableKind {
        kind: IdKind::NetworkInsightsPath,
        resource_type: "network-insights-path",
        ids_in_partition: "SELECT id FROM network_insights_paths WHERE pid = ?1",
    },
    TaggableKind {
        kind: IdKind::NetworkInsightsAnalysis,
        resource_type: "network-insights-analysis",
        ids_in_partition: "SELECT id FROM network_insights_analyses WHERE pid = ?1",
    },
    TaggableKind {
        kind: IdKind::NatGateway,
        resource_type: "natgateway",
        ids_in_partition: "SELECT id FROM nat_gateways WHERE pid = ?1",
    },
    TaggableKind {
        kind: IdKind::LaunchTemplate,
        resource_type: "launch-template",
        ids_in_partition: "SELECT id FROM launch_templates WHERE pid = ?1",
    },
    TaggableKind {
        kind: IdKind::DhcpOptions,
        resource_type: "dhcp-options",
        ids_in_partition: "SELECT id FROM dhcp_options WHERE pid = ?1",
    },
];

/// One tag of one resource, as DescribeTags lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceTag {
    pub resource_id: String,
    pub resource_type: &'static str,
    pub tag: Tag,
}

impl Tx<'_> {
    /// EC2's resource type of `id` if it names a resource of the caller's partition (its kind
    /// already read from its prefix), else `None`.
    pub fn resource_type(&self, kind: IdKind, id: &str) -> Result<Option<&'static str>, Ec2Error> {
        let Some(taggable) = TAGGABLE.iter().find(|t| t.kind == kind) else {
            return Ok(None);
        };
        let found: Option<i64> = self
            .sql
            .prepare_cached(&format!(
                "SELECT 1 FROM ({}) WHERE id = ?2",
                taggable.ids_in_partition
            ))
            .db()?
            .query_row(params![self.pid, id], |r| r.get(0))
            .optional()
            .db()?;
        Ok(found.map(|_| taggable.resource_type))
    }

    /// Every tag of every resource in the partition, sorted by resource ID then key.
    pub fn resource_tags(&self) -> Result<Vec<ResourceTag>, Ec2Error> {
        let mut all = Vec::new();
        for taggable in TAGGABLE {
            let mut stmt = self
                .sql
                .prepare_cached(&format!(
                    "SELECT resource_id, key, value FROM tags WHERE pid = ?1 AND resource_id IN ({})",
                    taggable.ids_in_partition
                ))
                .db()?;
            let rows = stmt
                .query_map([self.pid], |r| {
                    Ok(ResourceTag {
                        resource_id: r.get(0)?,
                        resource_type: taggable.resource_type,
                        tag: Tag::new(r.get::<_, String>(1)?, r.get::<_, String>(2)?),
                    })
                })
                .db()?;
            for row in rows {
                all.push(row.db()?);
            }
        }
        all.sort_by(|a, b| (&a.resource_id, &a.tag.key).cmp(&(&b.resource_id, &b.tag.key)));
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Store, Tx};
    use localvpc_model::internet_gateway::InternetGateway;
    use localvpc_model::key_pair::{KeyPair, KeyType};
    use localvpc_model::network_acl::NetworkAcl;
    use localvpc_model::route_table::RouteTable;
    use localvpc_model::security_group::SecurityGroup;
    use localvpc_model::subnet::{Placement, Subnet};
    use localvpc_model::vpc::{Vpc, VpcCidrBlock};
    use localvpc_model::{Ec2Error, IdKind, Tag};

    const OWNER: &str = "111122223333";
    const VPC: &str = "vpc-12345678";

    /// One resource of every taggable kind, in a VPC of its own.
    fn insert_one_of_each(tx: &Tx) -> Result<(), Ec2Error> {
        let cidr = "10.0.0.0/16".parse().unwrap();
        tx.insert_vpc(&Vpc {
            id: VPC.into(),
            owner_id: OWNER.into(),
            cidr_blocks: vec![VpcCidrBlock {
                association_id: "vpc-cidr-assoc-12345678".into(),
                cidr,
            }],
            ipv6_blocks: vec![],
            is_default: false,
            instance_tenancy: "default".into(),
            dhcp_options_id: "dopt-12345678".into(),
            enable_dns_support: true,
            enable_dns_hostnames: false,
            enable_network_address_usage_metrics: false,
            tags: vec![Tag::new("Name", "a")],
        })?;
        let zone = localvpc_model::region::Zone {
            name: "us-east-1a",
            id: "use1-az6",
        };
        let at = Placement {
            vpc_id: VPC,
            owner_id: OWNER,
            cidr: "10.0.0.0/24".parse().unwrap(),
            zone: &zone,
            region: "us-east-1",
        };
        tx.insert_subnet(&Subnet::new("subnet-12345678".into(), at, false))?;
        tx.insert_internet_gateway(&InternetGateway {
            id: "igw-12345678".into(),
            owner_id: OWNER.into(),
            vpc_id: None,
            tags: vec![],
        })?;
        tx.insert_route_table(&RouteTable::new(
            "rtb-12345678".into(),
            VPC.into(),
            OWNER.into(),
            &[cidr],
        ))?;
        let mut rule_ids = ["sgr-12345678".to_string()].into_iter();
        tx.insert_security_group(&SecurityGroup::new(
            "sg-12345678".into(),
            VPC.into(),
            OWNER.into(),
            "web".into(),
            "web".into(),
            &mut || rule_ids.next().unwrap(),
        ))?;
        let mut acl = NetworkAcl::new("acl-12345678".into(), VPC.into(), OWNER.into(), false);
        acl.tags = vec![Tag::new("b", "2"), Tag::new("a", "1")];
        tx.insert_network_acl(&acl)?;
        tx.insert_key_pair(&KeyPair {
            key_pair_id: "key-12345678".into(),
            name: "laptop".into(),
            key_type: KeyType::Ed25519,
            fingerprint: "9cH5cJxsB2b4Pjj6OS/cJjbuspeea8bnkiQPjVrxdz4=".into(),
            public_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJKeon45KvB5G57uQo31fV1nX4ySP0HWnxGHik30qehu laptop".into(),
            create_time: "2024-01-01T00:00:00.000Z".into(),
            tags: vec![],
        })
    }

    #[test]
    fn every_taggable_kind_is_found_with_its_resource_type() {
        let store = Store::in_memory().unwrap();
        store
            .transact(OWNER, "us-east-1", |tx, _| {
                insert_one_of_each(tx)?;
                for (kind, id, resource_type) in [
                    (IdKind::Vpc, VPC, "vpc"),
                    (IdKind::Subnet, "subnet-12345678", "subnet"),
                    (IdKind::InternetGateway, "igw-12345678", "internet-gateway"),
                    (IdKind::RouteTable, "rtb-12345678", "route-table"),
                    (IdKind::SecurityGroup, "sg-12345678", "security-group"),
                    (
                        IdKind::SecurityGroupRule,
                        "sgr-12345678",
                        "security-group-rule",
                    ),
                    (IdKind::NetworkAcl, "acl-12345678", "network-acl"),
                    (IdKind::KeyPair, "key-12345678", "key-pair"),
                ] {
                    assert_eq!(tx.resource_type(kind, id)?, Some(resource_type), "{id}");
                }
                assert_eq!(tx.resource_type(IdKind::Vpc, "vpc-87654321")?, None);
                assert_eq!(tx.resource_type(IdKind::Instance, "i-12345678")?, None);
                Ok::<_, Ec2Error>(())
            })
            .unwrap();
    }

    #[test]
    fn tags_are_listed_by_resource_then_key_within_the_partition() {
        let store = Store::in_memory().unwrap();
        store
            .transact(OWNER, "us-east-1", |tx, _| {
                insert_one_of_each(tx)?;
                tx.set_tags("sgr-12345678", &[Tag::new("rule", "")])?;
                // A tag whose resource is gone is not listed.
                tx.set_tags("subnet-87654321", &[Tag::new("orphan", "")])?;
                let listed: Vec<(String, &str, String)> = tx
                    .resource_tags()?
                    .into_iter()
                    .map(|t| (t.resource_id, t.resource_type, t.tag.key))
                    .collect();
                assert_eq!(
                    listed,
                    [
                        ("acl-12345678".into(), "network-acl", "a".into()),
                        ("acl-12345678".into(), "network-acl", "b".into()),
                        ("sgr-12345678".into(), "security-group-rule", "rule".into()),
                        (VPC.into(), "vpc", "Name".into()),
                    ]
                );
                Ok::<_, Ec2Error>(())
            })
            .unwrap();
        store
            .transact("444455556666", "us-east-1", |tx, _| {
                assert_eq!(tx.resource_type(IdKind::Vpc, VPC)?, None);
                assert!(tx.resource_tags()?.is_empty());
                Ok::<_, Ec2Error>(())
            })
            .unwrap();
    }
}
