"""What Terraform's hashicorp/aws provider (and other real clients) send or read that localvpc
refused or answered differently from AWS (issue 19): default-valued parameters, filter aliases,
members AWS returns as empty lists, zone groups, CPU credits, Elastic IP reverse DNS."""
import pytest

from conftest import client, code_of, error_code
from netkit import AMI, launch, network


# --- default-valued parameters Terraform sends on every call --------------------------------

def test_create_vpc_takes_amazon_provided_ipv6_false_and_answers_an_empty_ipv6_set(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=False)["Vpc"]
    assert vpc["Ipv6CidrBlockAssociationSet"] == []
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert "Ipv6CidrBlockAssociationSet" not in ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]


def test_run_instances_takes_terraforms_defaults(ec2):
    _, subnet = network(ec2)
    i = launch(
        ec2, subnet, instance_type="m5.large", HibernationOptions={"Configured": False},
        EbsOptimized=False, Placement={"AvailabilityZone": ""}, DisableApiTermination=False,
    )
    assert i["Placement"]["AvailabilityZone"] == "ap-northeast-1a"
    for kw in ({"HibernationOptions": {"Configured": True}}, {"EbsOptimized": True}):
        assert code_of(error_code(launch, ec2, subnet, instance_type="m5.large", **kw)) == "UnsupportedOperation"
    attr = ec2.describe_instance_attribute(InstanceId=i["InstanceId"], Attribute="disableApiStop")
    assert attr["DisableApiStop"] == {"Value": False}


# --- filter aliases and empty lists ----------------------------------------------------------

@pytest.mark.parametrize("name", ["cidr", "cidr-block", "cidrBlock"])
def test_describe_vpcs_cidr_filter_aliases(ec2, name):
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    ec2.create_vpc(CidrBlock="10.8.0.0/16")
    found = ec2.describe_vpcs(Filters=[{"Name": name, "Values": ["10.7.0.0/16"]}])["Vpcs"]
    assert [v["VpcId"] for v in found] == [vpc]


def test_describe_vpcs_is_default_alias(ec2):
    found = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    assert [v["IsDefault"] for v in found] == [True]


def test_route_tables_answer_an_empty_tag_set(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]
    assert table["Tags"] == []
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    assert [t["Tags"] for t in tables] == [[], []]


# --- availability zone groups ----------------------------------------------------------------

def test_zones_have_their_group_names(server, account):
    for region, group, long_name in [
        ("us-east-1", "us-east-1-zg-1", "US East (N. Virginia) 1"),
        ("ap-northeast-1", "ap-northeast-1-zg-1", "Asia Pacific (Tokyo) 1"),
    ]:
        zones = client(server.endpoint, account, region).describe_availability_zones()["AvailabilityZones"]
        assert {(z["GroupName"], z["GroupLongName"], z["NetworkBorderGroup"]) for z in zones} == {(group, long_name, region)}
    ec2 = client(server.endpoint, account)
    by_group = ec2.describe_availability_zones(Filters=[{"Name": "group-name", "Values": ["ap-northeast-1-zg-1"]}])
    assert len(by_group["AvailabilityZones"]) == 3
    assert ec2.describe_availability_zones(Filters=[{"Name": "group-name", "Values": ["ap-northeast-1"]}])["AvailabilityZones"] == []


# --- CPU credits of burstable instances ------------------------------------------------------

def credits(ec2, **kw):
    return {c["InstanceId"]: c["CpuCredits"] for c in ec2.describe_instance_credit_specifications(**kw)["InstanceCreditSpecifications"]}


def test_cpu_credits_as_launched_and_modified(ec2):
    _, subnet = network(ec2)
    t3 = launch(ec2, subnet, instance_type="t3.micro")["InstanceId"]
    t2 = launch(ec2, subnet, instance_type="t2.micro")["InstanceId"]
    standard = launch(ec2, subnet, instance_type="t3.micro", CreditSpecification={"CpuCredits": "standard"})["InstanceId"]
    m5 = launch(ec2, subnet, instance_type="m5.large")["InstanceId"]
    assert credits(ec2) == {t3: "unlimited", t2: "standard", standard: "standard"}
    assert credits(ec2, InstanceIds=[t3, m5]) == {t3: "unlimited"}
    assert credits(ec2, Filters=[{"Name": "instance-id", "Values": [t2]}]) == {t2: "standard"}

    out = ec2.modify_instance_credit_specification(InstanceCreditSpecifications=[
        {"InstanceId": t3, "CpuCredits": "standard"},
        {"InstanceId": m5, "CpuCredits": "standard"},
        {"InstanceId": "i-0123456789abcdef0", "CpuCredits": "standard"},
    ])
    assert [s["InstanceId"] for s in out["SuccessfulInstanceCreditSpecifications"]] == [t3]
    assert [(u["InstanceId"], u["Error"]["Code"]) for u in out["UnsuccessfulInstanceCreditSpecifications"]] == [
        (m5, "InstanceCreditSpecification.NotSupported"),
        ("i-0123456789abcdef0", "InvalidInstanceID.NotFound"),
    ]
    assert credits(ec2, InstanceIds=[t3]) == {t3: "standard"}


def test_cpu_credit_refusals(ec2):
    _, subnet = network(ec2)
    err = error_code(launch, ec2, subnet, instance_type="m5.large", CreditSpecification={"CpuCredits": "unlimited"})
    assert code_of(err) == "InvalidParameterCombination"
    err = error_code(launch, ec2, subnet, instance_type="t3.micro", CreditSpecification={"CpuCredits": "burst"})
    assert code_of(err) == "InvalidParameterValue"
    assert ec2.describe_instances()["Reservations"] == []
    assert code_of(error_code(ec2.describe_instance_credit_specifications, InstanceIds=["i-0123456789abcdef0"])) == "InvalidInstanceID.NotFound"
    assert code_of(error_code(ec2.describe_instance_credit_specifications, InstanceIds=["bogus"])) == "InvalidInstanceID.Malformed"


# --- Elastic IP reverse DNS (the domain-name attribute aws_eip reads) -----------------------

def test_address_domain_name_attribute(ec2):
    a = ec2.allocate_address(Domain="vpc")
    b = ec2.allocate_address(Domain="vpc")
    listed = ec2.describe_addresses_attribute(AllocationIds=[a["AllocationId"]], Attribute="domain-name")["Addresses"]
    assert listed == [{"PublicIp": a["PublicIp"], "AllocationId": a["AllocationId"]}]

    out = ec2.modify_address_attribute(AllocationId=a["AllocationId"], DomainName="Mail.Example.com")["Address"]
    assert out["PtrRecord"] == "mail.example.com."
    every = ec2.describe_addresses_attribute(Attribute="domain-name")["Addresses"]
    assert {x["AllocationId"]: x.get("PtrRecord") for x in every} == {a["AllocationId"]: "mail.example.com.", b["AllocationId"]: None}
    page = ec2.describe_addresses_attribute(Attribute="domain-name", MaxResults=5)
    assert len(page["Addresses"]) == 2 and "NextToken" not in page

    reset = ec2.reset_address_attribute(AllocationId=a["AllocationId"], Attribute="domain-name")["Address"]
    assert "PtrRecord" not in reset
    assert "PtrRecord" not in ec2.describe_addresses_attribute(AllocationIds=[a["AllocationId"]])["Addresses"][0]


def test_address_attribute_refusals(ec2, unvalidated_ec2):
    a = ec2.allocate_address(Domain="vpc")["AllocationId"]
    err = error_code(ec2.modify_address_attribute, AllocationId=a, DomainName="under_score.example.com")
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.describe_addresses_attribute, AllocationIds=["eipalloc-0123456789abcdef0"])
    assert code_of(err) == "InvalidAllocationID.NotFound"
    err = error_code(ec2.modify_address_attribute, AllocationId="bogus", DomainName="a.example.com")
    assert code_of(err) == "InvalidAllocationID.Malformed"
    err = error_code(unvalidated_ec2.describe_addresses_attribute, Attribute="ptr")
    assert code_of(err) == "InvalidParameterValue"
