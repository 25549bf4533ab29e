//! Resources of any taggable kind, looked up by ID: what the tag actions need, since they take
//! IDs of every kind in one list.

use crate::Tx;
use localvpc_model::id::KINDS;
use localvpc_model::{Ec2Error, IdKind, Tag};

/// How to find the IDs of a taggable kind in partition `?1`, as one `id` column; `None` for a
/// kind EC2 does not let callers tag (`IdKind::tag_type`). No wildcard arm: a new kind is
/// decided here, and a test holds this to the model's kind table.
fn ids_in_partition(kind: IdKind) -> Option<&'static str> {
    use IdKind as K;
    Some(match kind {
        K::Vpc => "SELECT id FROM vpcs WHERE pid = ?1",
        K::Subnet => "SELECT id FROM subnets WHERE pid = ?1",
        K::InternetGateway => "SELECT id FROM internet_gateways WHERE pid = ?1",
        K::EgressOnlyInternetGateway => {
            "SELECT id FROM egress_only_internet_gateways WHERE pid = ?1"
        }
        K::RouteTable => "SELECT id FROM route_tables WHERE pid = ?1",
        K::SecurityGroup => "SELECT id FROM security_groups WHERE pid = ?1",
        K::SecurityGroupRule => {
            "SELECT r.id AS id FROM security_group_rules r JOIN security_groups g ON g.id = r.group_id WHERE g.pid = ?1"
        }
        K::NetworkAcl => "SELECT id FROM network_acls WHERE pid = ?1",
        K::NetworkInterface => "SELECT id FROM network_interfaces WHERE pid = ?1",
        K::Instance => "SELECT id FROM instances WHERE pid = ?1",
        K::Allocation => "SELECT allocation_id AS id FROM elastic_ips WHERE pid = ?1",
        K::KeyPair => "SELECT key_pair_id AS id FROM key_pairs WHERE pid = ?1",
        K::LaunchTemplate => "SELECT id FROM launch_templates WHERE pid = ?1",
        K::DhcpOptions => "SELECT id FROM dhcp_options WHERE pid = ?1",
        K::NetworkInsightsPath => "SELECT id FROM network_insights_paths WHERE pid = ?1",
        K::NetworkInsightsAnalysis => "SELECT id FROM network_insights_analyses WHERE pid = ?1",
        K::NatGateway => "SELECT id FROM nat_gateways WHERE pid = ?1",
        K::VpcPeeringConnection => {
            "SELECT id FROM vpc_peering_connections WHERE requester_pid = ?1 OR (accepter_pid = ?1 AND state <> 'failed')"
        }
        K::Volume => "SELECT id FROM volumes WHERE pid = ?1",
        K::PrefixList => "SELECT id FROM prefix_lists WHERE pid = ?1",
        K::VpcEndpoint => "SELECT id FROM vpc_endpoints WHERE pid = ?1",
        K::VpcCidrAssociation
        | K::SubnetCidrAssociation
        | K::RouteTableAssociation
        | K::NetworkAclAssociation
        | K::Attachment
        | K::ServiceAttachment
        | K::Reservation
        | K::EipAssociation
        | K::Image => return None,
    })
}

/// The taggable kinds with their `ResourceType` and lookup.
fn taggable() -> impl Iterator<Item = (&'static str, &'static str)> {
    KINDS
        .iter()
        .filter_map(|k| Some((k.tag_type?, ids_in_partition(k.kind)?)))
}

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
        let (Some(resource_type), Some(ids)) = (kind.tag_type(), ids_in_partition(kind)) else {
            return Ok(None);
        };
        // PostgreSQL 15 wants the derived table named.
        let found = self.exists(
            &format!("SELECT 1 FROM ({ids}) AS k WHERE k.id = ?2"),
            &[&self.pid, &id],
        )?;
        Ok(found.then_some(resource_type))
    }

    /// Every tag of every resource in the partition, sorted by resource ID then key.
    pub fn resource_tags(&self) -> Result<Vec<ResourceTag>, Ec2Error> {
        let mut all = Vec::new();
        for (resource_type, ids) in taggable() {
            self.each_row(
                &format!(
                    "SELECT resource_id, key, value FROM tags WHERE pid = ?1 AND resource_id IN ({ids})"
                ),
                &[&self.pid],
                |r| {
                    all.push(ResourceTag {
                        resource_id: r.get(0)?,
                        resource_type,
                        tag: Tag::new(r.get::<String>(1)?, r.get::<String>(2)?),
                    });
                    Ok(())
                },
            )?;
        }
        all.sort_by(|a, b| (&a.resource_id, &a.tag.key).cmp(&(&b.resource_id, &b.tag.key)));
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Store, Tx};
    use localvpc_model::elastic_ip::ElasticIp;
    use localvpc_model::id::KINDS;
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
        })?;
        tx.insert_elastic_ip(&ElasticIp {
            allocation_id: "eipalloc-12345678".into(),
            public_ip: "198.51.100.7".parse().unwrap(),
            owner_id: OWNER.into(),
            network_border_group: "us-east-1".into(),
            association: None,
            ptr_record: None,
            tags: vec![],
        })?;
        Ok(())
    }

    #[test]
    fn every_taggable_kind_of_the_model_has_a_lookup_and_no_other_kind_has_one() {
        for kind in KINDS {
            assert_eq!(
                kind.tag_type.is_some(),
                super::ids_in_partition(kind.kind).is_some(),
                "{kind:?}: taggable in the model's kind table exactly when the store can find it"
            );
        }
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
                    (IdKind::Allocation, "eipalloc-12345678", "elastic-ip"),
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
