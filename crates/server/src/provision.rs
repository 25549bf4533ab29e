//! What AWS gives a new account in a region, and every new VPC.

use crate::context::Ctx;
use localvpc_model::internet_gateway::InternetGateway;
use localvpc_model::ipv6::VpcIpv6Block;
use localvpc_model::network_acl::{NetworkAcl, NetworkAclAssociation};
use localvpc_model::route_table::{
    Route, RouteOrigin, RouteTable, RouteTableAssociation, RouteTarget,
};
use localvpc_model::security_group::SecurityGroup;
use localvpc_model::subnet::{Placement, Subnet, default_subnet_blocks};
use localvpc_model::vpc::{DEFAULT_VPC_CIDR, Vpc, VpcCidrBlock};
use localvpc_model::{Ec2Error, IdKind, Tag};

/// Settings of a VPC about to be created.
pub struct NewVpc {
    pub cidr: ipnet::Ipv4Net,
    pub is_default: bool,
    pub instance_tenancy: String,
    /// `AmazonProvidedIpv6CidrBlock`: a /56 from the Amazon pool.
    pub amazon_ipv6: bool,
    pub tags: Vec<Tag>,
}

/// Creates a VPC with what every VPC is born with: its main route table (a `local` route),
/// its `default` security group and its default network ACL.
pub fn create_vpc(ctx: &mut Ctx, new: NewVpc) -> Result<Vpc, Ec2Error> {
    let vpc = Vpc {
        id: IdKind::Vpc.generate(),
        owner_id: ctx.account.to_owned(),
        cidr_blocks: vec![VpcCidrBlock {
            association_id: IdKind::VpcCidrAssociation.generate(),
            cidr: new.cidr,
        }],
        ipv6_blocks: Vec::new(),
        is_default: new.is_default,
        instance_tenancy: new.instance_tenancy,
        dhcp_options_id: ctx.tx.default_dhcp_options_id()?,
        enable_dns_support: true,
        enable_dns_hostnames: new.is_default,
        enable_network_address_usage_metrics: false,
        tags: new.tags,
    };
    ctx.tx.insert_vpc(&vpc)?;

    let mut main = RouteTable::new(
        IdKind::RouteTable.generate(),
        vpc.id.clone(),
        ctx.account.to_owned(),
        &[new.cidr],
    );
    main.associations.push(RouteTableAssociation {
        id: IdKind::RouteTableAssociation.generate(),
        route_table_id: main.id.clone(),
        main: true,
        subnet_id: None,
        gateway_id: None,
    });
    ctx.tx.insert_route_table(&main)?;

    let group = SecurityGroup::new_default(
        IdKind::SecurityGroup.generate(),
        vpc.id.clone(),
        ctx.account.to_owned(),
        &mut || IdKind::SecurityGroupRule.generate(),
    );
    ctx.tx.insert_security_group(&group)?;

    let acl = NetworkAcl::new(
        IdKind::NetworkAcl.generate(),
        vpc.id.clone(),
        ctx.account.to_owned(),
        true,
    );
    ctx.tx.insert_network_acl(&acl)?;
    if new.amazon_ipv6 {
        let block = amazon_ipv6_block(ctx)?;
        gain_ipv6(ctx, &vpc.id, &block)?;
        return ctx.tx.vpc(ctx.account, &vpc.id);
    }
    Ok(vpc)
}

/// A fresh association of the next /56 of the Amazon pool.
pub fn amazon_ipv6_block(ctx: &mut Ctx) -> Result<VpcIpv6Block, Ec2Error> {
    Ok(VpcIpv6Block {
        association_id: IdKind::VpcCidrAssociation.generate(),
        cidr: ctx.tx.take_amazon_ipv6_block(ctx.config.ipv6_pool)?,
        pool: "Amazon".into(),
    })
}

/// Associates an IPv6 block with a VPC, with what AWS adds then: the route tables' `local`
/// routes follow the VPC's blocks by themselves; the default group gets all egress to `::/0`
/// unless its egress was changed; every ACL gets its IPv6 rules (`NetworkAcl::ipv6_additions`).
pub fn gain_ipv6(ctx: &mut Ctx, vpc_id: &str, block: &VpcIpv6Block) -> Result<(), Ec2Error> {
    let first = ctx.tx.vpc(ctx.account, vpc_id)?.ipv6_blocks.is_empty();
    ctx.tx.add_vpc_ipv6_block(vpc_id, block)?;
    if first {
        for group in ctx.tx.security_groups(ctx.account, Some(vpc_id))? {
            if let Some(rule) = group.ipv6_default_egress(IdKind::SecurityGroupRule.generate()) {
                ctx.tx.insert_security_group_rule(&rule)?;
            }
        }
        for acl in ctx.tx.network_acls(ctx.account, Some(vpc_id))? {
            for entry in acl.ipv6_additions() {
                ctx.tx.insert_network_acl_entry(&acl.id, &entry)?;
            }
        }
    }
    Ok(())
}

/// Associates a new subnet with its VPC's default network ACL, as AWS does.
pub fn associate_default_acl(ctx: &mut Ctx, subnet: &Subnet) -> Result<(), Ec2Error> {
    let acl = ctx
        .tx
        .network_acls(ctx.account, Some(&subnet.vpc_id))?
        .into_iter()
        .find(|a| a.is_default)
        .ok_or_else(Ec2Error::internal)?;
    ctx.tx
        .insert_network_acl_association(&NetworkAclAssociation {
            id: IdKind::NetworkAclAssociation.generate(),
            network_acl_id: acl.id,
            subnet_id: subnet.id.clone(),
        })
}

/// The default VPC of a new account/region: 172.31.0.0/16, a default /20 subnet in every zone
/// (public IPs on launch), an attached internet gateway and a default route to it.
pub fn provision_partition(ctx: &mut Ctx) -> Result<(), Ec2Error> {
    let cidr = DEFAULT_VPC_CIDR.parse().expect("valid");
    let vpc = create_vpc(
        ctx,
        NewVpc {
            cidr,
            is_default: true,
            instance_tenancy: "default".into(),
            amazon_ipv6: false,
            tags: vec![],
        },
    )?;

    let igw = InternetGateway {
        id: IdKind::InternetGateway.generate(),
        owner_id: ctx.account.to_owned(),
        vpc_id: Some(vpc.id.clone()),
        tags: vec![],
    };
    ctx.tx.insert_internet_gateway(&igw)?;
    let main = ctx
        .tx
        .route_tables(ctx.account, Some(&vpc.id))?
        .into_iter()
        .find(RouteTable::is_main)
        .ok_or_else(Ec2Error::internal)?;
    ctx.tx.insert_route(
        &main.id,
        &Route {
            destination: "0.0.0.0/0".parse::<ipnet::Ipv4Net>().expect("valid"),
            target: RouteTarget::InternetGateway(igw.id),
            origin: RouteOrigin::CreateRoute,
        },
    )?;

    for (zone, block) in ctx
        .region
        .zones
        .iter()
        .zip(default_subnet_blocks(ctx.region.zones.len()))
    {
        let at = Placement {
            vpc_id: &vpc.id,
            owner_id: ctx.account,
            cidr: block,
            zone,
            region: ctx.region.name,
        };
        let subnet = Subnet::new(IdKind::Subnet.generate(), at, true);
        ctx.tx.insert_subnet(&subnet)?;
        associate_default_acl(ctx, &subnet)?;
    }
    Ok(())
}
