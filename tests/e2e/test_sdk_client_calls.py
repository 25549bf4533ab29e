"""Calls that Ansible's amazon.aws, the AWS SDKs and awslocal send, which localvpc once refused
or misread (issue 19): one regression test each, with boto3."""
from conftest import code_of, error_code


def test_describe_vpcs_takes_the_cidr_block_aliases(ec2):
    # amazon.aws's ec2_vpc_net finds its VPC by `cidr-block`; AWS (and moto) accept all three.
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    ec2.create_vpc(CidrBlock="10.43.0.0/16")
    for name in ("cidr", "cidr-block", "cidrBlock"):
        found = ec2.describe_vpcs(Filters=[{"Name": name, "Values": ["10.42.0.0/16"]}])["Vpcs"]
        assert [v["VpcId"] for v in found] == [vpc], name
    err = error_code(ec2.describe_vpcs, Filters=[{"Name": "cidr-blocks", "Values": ["10.42.0.0/16"]}])
    assert code_of(err) == "InvalidParameterValue"


def test_elastic_ips_take_tags_like_every_other_resource(ec2):
    # ec2_eip tags an address with CreateTags after AllocateAddress, and reads them back with
    # DescribeAddresses filters and DescribeTags.
    tagged = ec2.allocate_address(Domain="vpc", TagSpecifications=[
        {"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": "first"}]}])["AllocationId"]
    plain = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.create_tags(Resources=[plain], Tags=[{"Key": "Name", "Value": "second"}, {"Key": "team", "Value": "net"}])
    [address] = ec2.describe_addresses(Filters=[{"Name": "tag:Name", "Values": ["second"]}])["Addresses"]
    assert (address["AllocationId"], address["Tags"]) == (plain, [{"Key": "Name", "Value": "second"}, {"Key": "team", "Value": "net"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["elastic-ip"]}])["Tags"]
    assert sorted((t["ResourceId"], t["Key"], t["Value"]) for t in tags) == sorted(
        [(tagged, "Name", "first"), (plain, "Name", "second"), (plain, "team", "net")])
    ec2.delete_tags(Resources=[plain], Tags=[{"Key": "team"}])
    assert ec2.describe_addresses(AllocationIds=[plain])["Addresses"][0]["Tags"] == [{"Key": "Name", "Value": "second"}]
    ec2.release_address(AllocationId=plain)
    err = error_code(ec2.create_tags, Resources=[plain], Tags=[{"Key": "Name", "Value": "gone"}])
    assert code_of(err) == "InvalidAllocationID.NotFound"
