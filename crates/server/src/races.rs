//! Forced races on the schema's UNIQUE constraints. The winner's call runs through the real
//! path; the loser is what a concurrent call that passed the model's check before the winner
//! committed would then write: the winner's rows again under fresh IDs, straight through `Tx`
//! (no model check). Each loser must answer the AWS error the model gives, never a 500.

use crate::context::Config;
use crate::http::execute;
use localvpc_model::Ec2Error;
use localvpc_model::IdKind;
use localvpc_model::egress_only_internet_gateway::EgressOnlyInternetGateway;
use localvpc_model::ipv6::SubnetIpv6Block;
use localvpc_model::network_interface::{Attachment, Ipv6Address};
use localvpc_model::region::Region;
use localvpc_model::vpc::VpcCidrBlock;
use localvpc_store::{EniId, Owner, Store, SubnetId, Tx, VpcId};
use serde_json::{Value, json};

const ACCOUNT: &str = "135792468013";
const REGION: &str = "eu-west-1";
const AMI: &str = "ami-0123456789abcdef0";

struct Account {
    store: Store,
    config: Config,
}

impl Account {
    fn new() -> Self {
        Self {
            store: Store::in_memory().unwrap(),
            config: Config::default(),
        }
    }

    fn call(&self, action: &str, input: Value) -> Value {
        let region = Region::named(REGION).unwrap();
        execute(
            &self.store,
            &self.config,
            ACCOUNT,
            region,
            action,
            input,
            chrono::Utc::now(),
        )
        .unwrap_or_else(|e| panic!("{action}: {e}"))
        .output
    }

    /// The loser's write, in its own transaction: the code it answers.
    fn lose(&self, write: impl FnOnce(&mut Tx) -> Result<(), Ec2Error>) -> &'static str {
        let error = self
            .store
            .transact(ACCOUNT, REGION, |tx, _| write(tx))
            .expect_err("the constraint must refuse the loser's write");
        error.code.as_str()
    }

    fn default_vpc(&self) -> String {
        let out = self.call("DescribeVpcs", json!({}));
        out["Vpcs"][0]["VpcId"].as_str().unwrap().to_owned()
    }

    fn default_subnet(&self) -> String {
        let out = self.call("DescribeSubnets", json!({}));
        out["Subnets"][0]["SubnetId"].as_str().unwrap().to_owned()
    }

    fn interface(&self, subnet: &str, extra: Value) -> String {
        let mut input = json!({ "SubnetId": subnet });
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let out = self.call("CreateNetworkInterface", input);
        str_at(&out, &["NetworkInterface", "NetworkInterfaceId"])
    }

    /// A VPC with an Amazon IPv6 /56 and a subnet with the first /64 of it.
    fn ipv6_subnet(&self) -> (String, String) {
        let out = self.call(
            "CreateVpc",
            json!({ "CidrBlock": "10.7.0.0/16", "AmazonProvidedIpv6CidrBlock": true }),
        );
        let vpc = str_at(&out, &["Vpc", "VpcId"]);
        let vpc_block = self.call("DescribeVpcs", json!({ "VpcIds": [vpc] }))["Vpcs"][0]
            ["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
            .as_str()
            .unwrap()
            .replace("/56", "/64");
        let out = self.call(
            "CreateSubnet",
            json!({ "VpcId": vpc, "CidrBlock": "10.7.0.0/24", "Ipv6CidrBlock": vpc_block }),
        );
        (vpc, str_at(&out, &["Subnet", "SubnetId"]))
    }
}

fn str_at(value: &Value, path: &[&str]) -> String {
    path.iter()
        .fold(value, |v, k| &v[k])
        .as_str()
        .unwrap_or_else(|| panic!("{path:?} in {value}"))
        .to_owned()
}

fn owner() -> Owner<'static> {
    Owner {
        account: ACCOUNT,
        region: REGION,
    }
}

#[test]
fn key_pair_names() {
    let a = Account::new();
    a.call("CreateKeyPair", json!({ "KeyName": "deploy" }));
    let code = a.lose(|tx| {
        let mut key = tx.key_pair_named("deploy")?.unwrap();
        key.key_pair_id = IdKind::KeyPair.generate();
        tx.insert_key_pair(&key)
    });
    assert_eq!(code, "InvalidKeyPair.Duplicate");
}

#[test]
fn security_group_names_and_rules() {
    let a = Account::new();
    let vpc = a.default_vpc();
    let out = a.call(
        "CreateSecurityGroup",
        json!({ "GroupName": "web", "Description": "d", "VpcId": vpc }),
    );
    let group = str_at(&out, &["GroupId"]);
    let code = a.lose(|tx| {
        let mut twin = tx.security_group(ACCOUNT, &group)?;
        twin.id = IdKind::SecurityGroup.generate();
        twin.name = "WEB".into(); // names compare without case
        twin.rules.clear();
        tx.insert_security_group(&twin)
    });
    assert_eq!(code, "InvalidGroup.Duplicate");

    a.call(
        "AuthorizeSecurityGroupIngress",
        json!({ "GroupId": group, "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0" }),
    );
    let code = a.lose(|tx| {
        let group = tx.security_group(ACCOUNT, &group)?;
        let mut rule = group.rules.into_iter().find(|r| !r.is_egress).unwrap();
        rule.id = IdKind::SecurityGroupRule.generate();
        tx.insert_security_group_rule(&rule)
    });
    assert_eq!(code, "InvalidPermission.Duplicate");
}

#[test]
fn private_addresses() {
    let a = Account::new();
    let subnet = a.default_subnet();
    let first = a.interface(&subnet, json!({}));
    let second = a.interface(&subnet, json!({}));
    let code = a.lose(|tx| {
        let taken = tx.network_interface(ACCOUNT, &first)?.primary_ip();
        tx.add_private_ip(EniId(&second), SubnetId(&subnet), taken, false)
    });
    assert_eq!(code, "InvalidIPAddress.InUse");
}

#[test]
fn attachments_by_interface_and_by_device_index() {
    let a = Account::new();
    let subnet = a.default_subnet();
    let out = a.call(
        "RunInstances",
        json!({ "ImageId": AMI, "MinCount": 1, "MaxCount": 1, "InstanceType": "t3.micro", "SubnetId": subnet }),
    );
    let instance = str_at(&out["Instances"][0], &["InstanceId"]);
    let primary = str_at(
        &out["Instances"][0]["NetworkInterfaces"][0],
        &["NetworkInterfaceId"],
    );
    let spare = a.interface(&subnet, json!({}));
    let attachment = |device_index| Attachment {
        id: IdKind::Attachment.generate(),
        instance_id: instance.clone(),
        instance_owner_id: ACCOUNT.into(),
        device_index,
        network_card_index: 0,
        delete_on_termination: false,
        attach_time: "2026-01-01T00:00:00.000Z".into(),
    };
    // Two calls attach different interfaces at device index 0.
    let code = a.lose(|tx| tx.insert_attachment(&spare, &attachment(0)));
    assert_eq!(code, "InvalidParameterValue");
    // Two calls attach the same interface to two slots.
    let code = a.lose(|tx| tx.insert_attachment(&primary, &attachment(1)));
    assert_eq!(code, "InvalidNetworkInterface.InUse");
}

#[test]
fn subnet_and_vpc_blocks() {
    let a = Account::new();
    let out = a.call("CreateVpc", json!({ "CidrBlock": "10.1.0.0/16" }));
    let vpc = str_at(&out, &["Vpc", "VpcId"]);
    let out = a.call(
        "CreateSubnet",
        json!({ "VpcId": vpc, "CidrBlock": "10.1.0.0/24" }),
    );
    let subnet = str_at(&out, &["Subnet", "SubnetId"]);
    let code = a.lose(|tx| {
        let mut twin = tx.subnet(&owner(), &subnet)?;
        twin.id = IdKind::Subnet.generate();
        tx.insert_subnet(&twin)
    });
    assert_eq!(code, "InvalidSubnet.Conflict");
    let code = a.lose(|tx| {
        let block = VpcCidrBlock {
            association_id: IdKind::VpcCidrAssociation.generate(),
            cidr: "10.1.0.0/16".parse().unwrap(),
        };
        tx.add_vpc_cidr_block(&vpc, &block)
    });
    assert_eq!(code, "InvalidVpc.Range");
}

#[test]
fn internet_gateway_per_vpc() {
    let a = Account::new();
    let vpc = a.default_vpc();
    let out = a.call("CreateInternetGateway", json!({}));
    let igw = str_at(&out, &["InternetGateway", "InternetGatewayId"]);
    // The default VPC has its gateway: a second one attached at the same time loses.
    let code = a.lose(|tx| tx.set_internet_gateway_vpc(&igw, Some(&vpc)));
    assert_eq!(code, "Resource.AlreadyAssociated");
}

#[test]
fn egress_only_internet_gateway_per_vpc() {
    let a = Account::new();
    let vpc = a.default_vpc();
    a.call("CreateEgressOnlyInternetGateway", json!({"VpcId": vpc}));
    let code = a.lose(|tx| {
        tx.insert_egress_only_internet_gateway(&EgressOnlyInternetGateway {
            id: IdKind::EgressOnlyInternetGateway.generate(),
            vpc_id: vpc.clone(),
            tags: vec![],
        })
    });
    assert_eq!(code, "Resource.AlreadyAssociated");
}

#[test]
fn routes_and_route_table_associations() {
    let a = Account::new();
    let vpc = a.default_vpc();
    let subnet = a.default_subnet();
    let out = a.call("CreateRouteTable", json!({ "VpcId": vpc }));
    let table = str_at(&out, &["RouteTable", "RouteTableId"]);
    a.call(
        "AssociateRouteTable",
        json!({ "RouteTableId": table, "SubnetId": subnet }),
    );
    let code = a.lose(|tx| {
        let mut main = tx
            .route_tables(ACCOUNT, Some(&vpc))?
            .into_iter()
            .find(|t| t.associations.iter().any(|a| a.main))
            .unwrap();
        // The default route to the gateway, created again.
        let route = main.routes.pop().unwrap();
        tx.insert_route(&main.id, &route)?;
        Ok(())
    });
    assert_eq!(code, "RouteAlreadyExists");
    let code = a.lose(|tx| {
        let other = tx.route_table(ACCOUNT, &table)?;
        let mut association = other.associations[0].clone();
        association.id = IdKind::RouteTableAssociation.generate();
        tx.insert_route_table_association(&vpc, &association)
    });
    assert_eq!(code, "Resource.AlreadyAssociated");
}

#[test]
fn network_acl_rule_numbers() {
    let a = Account::new();
    let vpc = a.default_vpc();
    let code = a.lose(|tx| {
        let acl = tx
            .network_acls(ACCOUNT, Some(&vpc))?
            .into_iter()
            .find(|acl| acl.is_default)
            .unwrap();
        // Rule 100, allow all, is the default ACL's own.
        let entry = acl.entries.iter().find(|e| e.rule_number == 100).unwrap();
        tx.insert_network_acl_entry(&acl.id, entry)
    });
    assert_eq!(code, "NetworkAclEntryAlreadyExists");
}

#[test]
fn ipv6_blocks_and_addresses() {
    let a = Account::new();
    let (vpc, subnet) = a.ipv6_subnet();
    let code = a.lose(|tx| {
        let taken = tx.subnet(&owner(), &subnet)?.ipv6_block.unwrap().cidr;
        let next = u128::from(taken.network()) + (1 << 64);
        let block = SubnetIpv6Block {
            association_id: IdKind::SubnetCidrAssociation.generate(),
            cidr: ipnet::Ipv6Net::new(next.into(), 64).unwrap(),
        };
        tx.add_subnet_ipv6_block(SubnetId(&subnet), VpcId(&vpc), &block)
    });
    assert_eq!(code, "InvalidParameterValue", "the subnet's second /64");
    let out = a.call(
        "CreateSubnet",
        json!({ "VpcId": vpc, "CidrBlock": "10.7.1.0/24" }),
    );
    let sibling = str_at(&out, &["Subnet", "SubnetId"]);
    let code = a.lose(|tx| {
        let block = SubnetIpv6Block {
            association_id: IdKind::SubnetCidrAssociation.generate(),
            cidr: tx.subnet(&owner(), &subnet)?.ipv6_block.unwrap().cidr,
        };
        tx.add_subnet_ipv6_block(SubnetId(&sibling), VpcId(&vpc), &block)
    });
    assert_eq!(code, "InvalidSubnet.Conflict", "another subnet's /64");

    let holder = a.interface(&subnet, json!({ "Ipv6AddressCount": 1 }));
    let other = a.interface(&subnet, json!({}));
    let code = a.lose(|tx| {
        let taken = tx.network_interface(ACCOUNT, &holder)?.ipv6_addresses[0].address;
        let address = Ipv6Address {
            address: taken,
            primary: false,
        };
        tx.add_ipv6_address(EniId(&other), SubnetId(&subnet), &address)
    });
    assert_eq!(code, "InvalidIPAddress.InUse");
}

#[test]
fn launch_template_names() {
    let a = Account::new();
    a.call(
        "CreateLaunchTemplate",
        json!({ "LaunchTemplateName": "web", "LaunchTemplateData": { "ImageId": AMI } }),
    );
    let code = a.lose(|tx| {
        let mut twin = tx.launch_template("web", true)?.unwrap();
        twin.id = IdKind::LaunchTemplate.generate();
        tx.insert_launch_template(&twin)
    });
    assert_eq!(code, "InvalidLaunchTemplateName.AlreadyExistsException");
}

/// Races a rerun resolves (the same client token twice, an address that gets a second Elastic
/// IP) answer a transient 503 that the server retries, not a 500.
#[test]
fn reruns_are_transient() {
    let a = Account::new();
    let code = a.lose(|tx| {
        tx.remember_client_token("RunInstances", "token-1", "{}", "{}")?;
        tx.remember_client_token("RunInstances", "token-1", "{}", "{}")
    });
    assert_eq!(code, "ServiceUnavailable");

    let subnet = a.default_subnet();
    let eni = a.interface(&subnet, json!({}));
    let allocate = || str_at(&a.call("AllocateAddress", json!({})), &["AllocationId"]);
    let (first, second) = (allocate(), allocate());
    a.call(
        "AssociateAddress",
        json!({ "AllocationId": first, "NetworkInterfaceId": eni }),
    );
    let code = a.lose(|tx| {
        let mut association = tx.elastic_ip(ACCOUNT, &first)?.association.unwrap();
        association.association_id = IdKind::EipAssociation.generate();
        tx.associate_elastic_ip(&second, &association)
    });
    assert_eq!(code, "ServiceUnavailable");
}
