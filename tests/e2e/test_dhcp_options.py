"""DHCP option sets (spec vpc-surface.md §6): the region's default set, creation with EC2's
limits, association (incl. `default`), deletion refused while a VPC uses a set, exact codes."""
from conftest import client, code_of, error_code, new_account
from netkit import message, new_vpc


def options(d) -> dict:
    return {c["Key"]: [v["Value"] for v in c["Values"]] for c in d["DhcpConfigurations"]}


def vpc_set(ec2, vpc) -> str:
    return ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["DhcpOptionsId"]


def test_each_region_has_its_default_set_with_aws_domain(server):
    account = new_account()
    for region, domain in [("us-east-1", "ec2.internal"), ("eu-west-1", "eu-west-1.compute.internal")]:
        ec2 = client(server.endpoint, account, region)
        [default] = ec2.describe_dhcp_options()["DhcpOptions"]
        assert options(default) == {"domain-name": [domain], "domain-name-servers": ["AmazonProvidedDNS"]}
        assert default["OwnerId"] == account
        assert vpc_set(ec2, new_vpc(ec2)) == default["DhcpOptionsId"]


def test_create_associate_delete(ec2):
    created = ec2.create_dhcp_options(
        DhcpConfigurations=[
            {"Key": "domain-name", "Values": ["corp.example"]},
            {"Key": "domain-name-servers", "Values": ["10.0.0.53", "AmazonProvidedDNS"]},
            {"Key": "ntp-servers", "Values": ["10.0.0.123"]},
        ],
        TagSpecifications=[{"ResourceType": "dhcp-options", "Tags": [{"Key": "Name", "Value": "corp"}]}],
    )["DhcpOptions"]
    dopt = created["DhcpOptionsId"]
    assert dopt.startswith("dopt-") and len(dopt) == 22
    assert options(created)["domain-name-servers"] == ["10.0.0.53", "AmazonProvidedDNS"]
    assert created["Tags"] == [{"Key": "Name", "Value": "corp"}]
    found = ec2.describe_dhcp_options(Filters=[{"Name": "key", "Values": ["ntp-servers"]}])["DhcpOptions"]
    assert [d["DhcpOptionsId"] for d in found] == [dopt]
    found = ec2.describe_dhcp_options(Filters=[{"Name": "value", "Values": ["corp.*"]}])["DhcpOptions"]
    assert [d["DhcpOptionsId"] for d in found] == [dopt]
    vpc = new_vpc(ec2)
    ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vpc)
    assert vpc_set(ec2, vpc) == dopt
    assert [v["VpcId"] for v in ec2.describe_vpcs(Filters=[{"Name": "dhcp-options-id", "Values": [dopt]}])["Vpcs"]] == [vpc]
    err = error_code(ec2.delete_dhcp_options, DhcpOptionsId=dopt)
    assert code_of(err) == "DependencyViolation"
    assert message(err) == f"The dhcpOptions '{dopt}' has dependencies and cannot be deleted."
    ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=vpc)
    assert vpc_set(ec2, vpc) == "default"
    ec2.delete_dhcp_options(DhcpOptionsId=dopt)
    err = error_code(ec2.describe_dhcp_options, DhcpOptionsIds=[dopt])
    assert code_of(err) == "InvalidDhcpOptionID.NotFound"
    assert code_of(error_code(ec2.delete_dhcp_options, DhcpOptionsId=dopt)) == "InvalidDhcpOptionID.NotFound"
    assert code_of(error_code(ec2.associate_dhcp_options, DhcpOptionsId=dopt, VpcId=vpc)) == "InvalidDhcpOptionID.NotFound"
    assert code_of(error_code(ec2.describe_dhcp_options, DhcpOptionsIds=["dopt-nope"])) == "InvalidDhcpOptionsId.Malformed"
    assert code_of(error_code(ec2.associate_dhcp_options, DhcpOptionsId="default", VpcId="vpc-0123456789abcdef0")) == "InvalidVpcID.NotFound"


def test_unknown_keys_and_limits_are_refused(ec2):
    err = error_code(ec2.create_dhcp_options, DhcpConfigurations=[{"Key": "domian-name", "Values": ["x"]}])
    assert code_of(err) == "InvalidParameterValue"
    assert message(err) == "Value (domian-name) for parameter name is invalid. Unknown DHCP option"
    for bad in [
        {"Key": "domain-name-servers", "Values": ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"]},
        {"Key": "domain-name-servers", "Values": ["dns.example"]},
        {"Key": "netbios-node-type", "Values": ["3"]},
        {"Key": "ntp-servers", "Values": ["time.example"]},
    ]:
        assert code_of(error_code(ec2.create_dhcp_options, DhcpConfigurations=[bad])) == "InvalidParameterValue"
    assert len(ec2.describe_dhcp_options()["DhcpOptions"]) == 1


def test_cli_create_and_associate(aws):
    out = aws.run("create-dhcp-options", "--dhcp-configurations", "Key=domain-name,Values=corp.example")
    dopt = out["DhcpOptions"]["DhcpOptionsId"]
    vpc = aws.run("create-vpc", "--cidr-block", "10.1.0.0/16")["Vpc"]["VpcId"]
    aws.run("associate-dhcp-options", "--dhcp-options-id", dopt, "--vpc-id", vpc)
    assert aws.run("describe-vpcs", "--vpc-ids", vpc)["Vpcs"][0]["DhcpOptionsId"] == dopt
    assert aws.error("delete-dhcp-options", "--dhcp-options-id", dopt).code == "DependencyViolation"
