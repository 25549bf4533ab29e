//! Seed 001's network (a VPC with an internet gateway, an ENI with a secondary IP as an
//! instance's eth0 and an Elastic IP per private IP) built with the AWS SDK for Rust, configured
//! as a user's program is: the endpoint from `AWS_ENDPOINT_URL_EC2`, credentials and region
//! from the environment. `tests/e2e/test_sdks.py` runs it against a fresh server.
use std::time::Duration;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::client::Waiters;
use aws_sdk_ec2::types::{
    DomainType, Filter, InstanceNetworkInterfaceSpecification, InstanceType, IpPermission, IpRange,
};

fn vpc_filter(vpc: &str) -> Filter {
    Filter::builder().name("vpc-id").values(vpc).build()
}

#[tokio::test]
async fn seed_001_network() {
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL_EC2").expect("AWS_ENDPOINT_URL_EC2: a localvpc server");
    assert!(
        endpoint.starts_with("http://127.0.0.1:"),
        "only ever against localvpc, not {endpoint}"
    );
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let ec2 = Client::new(&config);

    let vpc = ec2
        .create_vpc()
        .cidr_block("192.168.1.0/24")
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("192.168.1.0/24")
        .send()
        .await
        .unwrap();
    let subnet = subnet.subnet().unwrap();
    assert_eq!(subnet.available_ip_address_count(), Some(251));
    let subnet = subnet.subnet_id().unwrap().to_string();
    let igw = ec2.create_internet_gateway().send().await.unwrap();
    let igw = igw
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .unwrap()
        .to_string();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    let tables = ec2
        .describe_route_tables()
        .filters(vpc_filter(&vpc))
        .send()
        .await
        .unwrap();
    let table = tables.route_tables()[0]
        .route_table_id()
        .unwrap()
        .to_string();
    ec2.create_route()
        .route_table_id(&table)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
    let group = ec2
        .create_security_group()
        .group_name("vpc_standalone")
        .description("standalone in VPC")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    let group = group.group_id().unwrap().to_string();
    for port in [22, 25, 80] {
        let range = IpRange::builder().cidr_ip("0.0.0.0/0").build();
        let rule = IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(port)
            .to_port(port)
            .ip_ranges(range)
            .build();
        ec2.authorize_security_group_ingress()
            .group_id(&group)
            .ip_permissions(rule)
            .send()
            .await
            .unwrap();
    }

    let eni = ec2
        .create_network_interface()
        .subnet_id(&subnet)
        .description("ENI-01 for standalone")
        .private_ip_address("192.168.1.100")
        .groups(&group)
        .send()
        .await
        .unwrap();
    let eni = eni
        .network_interface()
        .and_then(|n| n.network_interface_id())
        .unwrap()
        .to_string();
    ec2.assign_private_ip_addresses()
        .network_interface_id(&eni)
        .private_ip_addresses("192.168.1.101")
        .send()
        .await
        .unwrap();

    let nic = InstanceNetworkInterfaceSpecification::builder()
        .device_index(0)
        .network_interface_id(&eni)
        .build();
    let launched = ec2
        .run_instances()
        .image_id("ami-20ad1221")
        .instance_type(InstanceType::T1Micro)
        .min_count(1)
        .max_count(1)
        .network_interfaces(nic)
        .send()
        .await
        .unwrap();
    let instance = launched.instances()[0].instance_id().unwrap().to_string();
    ec2.wait_until_instance_running()
        .instance_ids(&instance)
        .wait(Duration::from_secs(60))
        .await
        .unwrap();

    let mut allocations = Vec::new();
    for ip in ["192.168.1.100", "192.168.1.101"] {
        let eip = ec2
            .allocate_address()
            .domain(DomainType::Vpc)
            .send()
            .await
            .unwrap();
        let allocation = eip.allocation_id().unwrap().to_string();
        ec2.associate_address()
            .allocation_id(&allocation)
            .network_interface_id(&eni)
            .private_ip_address(ip)
            .send()
            .await
            .unwrap();
        allocations.push(allocation);
    }
    let described = ec2
        .describe_instances()
        .instance_ids(&instance)
        .send()
        .await
        .unwrap();
    let i = &described.reservations()[0].instances()[0];
    assert_eq!(i.private_ip_address(), Some("192.168.1.100"));
    let [nic0] = i.network_interfaces() else {
        panic!("one card: {:?}", i.network_interfaces())
    };
    let mut seen: Vec<_> = nic0
        .private_ip_addresses()
        .iter()
        .map(|p| {
            (
                p.private_ip_address().unwrap(),
                p.association().and_then(|a| a.public_ip()).is_some(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(seen, [("192.168.1.100", true), ("192.168.1.101", true)]);

    // Tear down in the order AWS requires; nothing of the network is left.
    for allocation in &allocations {
        let addresses = ec2
            .describe_addresses()
            .allocation_ids(allocation)
            .send()
            .await
            .unwrap();
        let association = addresses.addresses()[0].association_id().unwrap();
        ec2.disassociate_address()
            .association_id(association)
            .send()
            .await
            .unwrap();
        ec2.release_address()
            .allocation_id(allocation)
            .send()
            .await
            .unwrap();
    }
    ec2.terminate_instances()
        .instance_ids(&instance)
        .send()
        .await
        .unwrap();
    ec2.wait_until_instance_terminated()
        .instance_ids(&instance)
        .wait(Duration::from_secs(60))
        .await
        .unwrap();
    ec2.delete_network_interface()
        .network_interface_id(&eni)
        .send()
        .await
        .unwrap();
    ec2.delete_security_group()
        .group_id(&group)
        .send()
        .await
        .unwrap();
    ec2.delete_subnet().subnet_id(&subnet).send().await.unwrap();
    ec2.detach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    ec2.delete_internet_gateway()
        .internet_gateway_id(&igw)
        .send()
        .await
        .unwrap();
    ec2.delete_vpc().vpc_id(&vpc).send().await.unwrap();
    let left = ec2
        .describe_vpcs()
        .filters(
            Filter::builder()
                .name("cidr-block")
                .values("192.168.1.0/24")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(left.vpcs().is_empty(), "{:?}", left.vpcs());
    assert!(
        ec2.describe_addresses()
            .send()
            .await
            .unwrap()
            .addresses()
            .is_empty()
    );
}
