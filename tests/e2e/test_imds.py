"""Instance metadata (IMDS v1/v2) at /_localvpc/imds/<instance-id>/, driven like a guest would:
urllib, curl and botocore's own IMDS client, while boto3 changes the instance through the API."""
import json
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest
from botocore.utils import InstanceMetadataRegionFetcher

ZONE = "ap-northeast-1a"
TOKEN = "X-aws-ec2-metadata-token"
TTL = "X-aws-ec2-metadata-token-ttl-seconds"


class Imds:
    """One instance's metadata service, as seen from its guest."""

    def __init__(self, server, instance_id):
        self.base = f"{server.endpoint}/_localvpc/imds/{instance_id}"

    def call(self, path, method="GET", headers=None):
        """(status, body, headers) of one request; errors are answers, not exceptions."""
        request = urllib.request.Request(self.base + path, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, r.read().decode(), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), e.headers

    def status(self, path, method="GET", headers=None):
        return self.call(path, method, headers)[0]

    def get(self, path, token=None):
        status, body, _ = self.call(path, headers={TOKEN: token} if token else None)
        assert status == 200, f"GET {path}: {status} {body}"
        return body

    def meta(self, key, token=None):
        return self.get(f"/latest/meta-data/{key}", token)

    def mac(self, mac, key):
        return self.meta(f"network/interfaces/macs/{mac}/{key}")

    def token(self, ttl="21600"):
        status, body, headers = self.call("/latest/api/token", "PUT", {TTL: ttl})
        assert status == 200 and headers[TTL] == ttl, (status, body)
        return body


def network(ec2, second_cidr="10.0.2.0/24"):
    """Seed 003's VPC: 10.0.0.0/16 with 10.0.1.0/24 and a second subnet in the same zone."""
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    one = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone=ZONE)["Subnet"]["SubnetId"]
    two = ec2.create_subnet(VpcId=vpc_id, CidrBlock=second_cidr, AvailabilityZone=ZONE)["Subnet"]["SubnetId"]
    return vpc_id, one, two


def group(ec2, vpc_id, name):
    return ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]


def internet(ec2, vpc_id):
    """Elastic IPs need the VPC to have an internet gateway."""
    igw_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)


def describe(ec2, instance_id):
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def launch(ec2, **kwargs):
    kwargs.setdefault("InstanceType", "t3.medium")
    instance = ec2.run_instances(ImageId="ami-0123456789abcdef0", MinCount=1, MaxCount=1, **kwargs)["Instances"][0]
    return instance["InstanceId"]


def test_versions_listings_and_instance_keys(ec2, server):
    vpc_id, subnet_id, _ = network(ec2)
    web = group(ec2, vpc_id, "web")
    iid = launch(ec2, SubnetId=subnet_id, PrivateIpAddress="10.0.1.10", SecurityGroupIds=[web], UserData="#!/bin/sh\necho hi\n")
    i = describe(ec2, iid)
    imds = Imds(server, iid)
    versions = imds.get("/").split("\n")
    assert versions[0] == "1.0" and versions[-1] == "latest" and "2021-03-23" in versions
    assert imds.get("/latest/") == imds.get("/latest") == "dynamic/\nmeta-data/\nuser-data"
    assert imds.get("/latest/meta-data/") == imds.get("/latest/meta-data") == "\n".join([
        "ami-id", "ami-launch-index", "ami-manifest-path", "hostname", "instance-action", "instance-id",
        "instance-life-cycle", "instance-type", "local-hostname", "local-ipv4", "mac", "network/", "placement/",
        "profile", "reservation-id", "security-groups", "services/"])
    zone_id = ec2.describe_availability_zones(ZoneNames=[ZONE])["AvailabilityZones"][0]["ZoneId"]
    expected = {
        "ami-id": "ami-0123456789abcdef0",
        "ami-launch-index": "0",
        "instance-id": iid,
        "instance-type": "t3.medium",
        "reservation-id": ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["ReservationId"],
        "local-ipv4": "10.0.1.10",
        "hostname": i["PrivateDnsName"],
        "local-hostname": "ip-10-0-1-10.ap-northeast-1.compute.internal",
        "mac": i["NetworkInterfaces"][0]["MacAddress"],
        "security-groups": "web",
        "placement/": "availability-zone\navailability-zone-id\nregion",
        "placement/availability-zone": ZONE,
        "placement/availability-zone-id": zone_id,
        "placement/region": "ap-northeast-1",
        "services/domain": "amazonaws.com",
        "services/partition": "aws",
        "network/": "interfaces/",
        "network/interfaces/": "macs/",
        "instance-id/": iid,  # botocore asks for leaves with a trailing slash
    }
    for key, value in expected.items():
        assert imds.meta(key) == value, key
    for absent in ["public-ipv4", "public-hostname", "public-keys/", "tags/", "ipv6", "nope", "mac/nope"]:
        assert imds.status(f"/latest/meta-data/{absent}") == 404, absent
    assert imds.status("/2099-01-01/meta-data/") == 404
    assert imds.get("/2021-03-23/meta-data/instance-id") == iid
    status, body, headers = imds.call("/latest/user-data")
    assert (status, body, headers["Content-Type"]) == (200, "#!/bin/sh\necho hi\n", "application/octet-stream")
    assert imds.call("/latest/meta-data/mac")[2]["Content-Type"] == "text/plain"
    assert imds.get("/latest/dynamic/") == "instance-identity/"
    document = json.loads(imds.get("/latest/dynamic/instance-identity/document"))
    assert document["accountId"] == i["NetworkInterfaces"][0]["OwnerId"]
    assert (document["instanceId"], document["imageId"], document["instanceType"]) == (iid, "ami-0123456789abcdef0", "t3.medium")
    assert (document["privateIp"], document["availabilityZone"], document["region"]) == ("10.0.1.10", ZONE, "ap-northeast-1")
    assert document["version"] == "2017-09-30" and document["pendingTime"].endswith("Z")
    # botocore's own IMDS client (token PUT, then GET with a trailing slash) finds the region.
    assert InstanceMetadataRegionFetcher(base_url=imds.base).retrieve_region() == "ap-northeast-1"


def test_no_user_data_and_unknown_instances(ec2, server):
    _, subnet_id, _ = network(ec2)
    imds = Imds(server, launch(ec2, SubnetId=subnet_id))
    assert imds.get("/latest/") == "dynamic/\nmeta-data/"
    assert imds.status("/latest/user-data") == 404
    for unknown in ["i-0123456789abcdef0", "nonsense"]:
        other = Imds(server, unknown)
        assert other.status("/") == 404 and other.status("/latest/meta-data/") == 404
        assert other.status("/latest/api/token", "PUT", {TTL: "60"}) == 404


def test_seed_003_two_enis_in_two_subnets(ec2, server):
    """What `localvpc agent` reads to build eth1's table 10001 (guest-routing.md §2)."""
    vpc_id, one, two = network(ec2)
    web = group(ec2, vpc_id, "web")
    iid = launch(ec2, SubnetId=one, PrivateIpAddress="10.0.1.10", SecurityGroupIds=[web])
    eth1 = ec2.create_network_interface(SubnetId=two, PrivateIpAddress="10.0.2.20", Groups=[web])["NetworkInterface"]
    ec2.attach_network_interface(NetworkInterfaceId=eth1["NetworkInterfaceId"], InstanceId=iid, DeviceIndex=1)
    eth0 = describe(ec2, iid)["NetworkInterfaces"]
    eth0 = next(e for e in eth0 if e["Attachment"]["DeviceIndex"] == 0)
    mac0, mac1 = eth0["MacAddress"], eth1["MacAddress"]
    imds = Imds(server, iid)
    assert imds.meta("mac") == mac0
    assert imds.meta("network/interfaces/macs/") == "\n".join(sorted([f"{mac0}/", f"{mac1}/"]))
    assert imds.meta(f"network/interfaces/macs/{mac1}/") == "\n".join([
        "device-number", "interface-id", "local-hostname", "local-ipv4s", "mac", "owner-id", "security-group-ids",
        "security-groups", "subnet-id", "subnet-ipv4-cidr-block", "vpc-id", "vpc-ipv4-cidr-block", "vpc-ipv4-cidr-blocks"])
    for mac, eni, device, subnet_id, cidr, address in [
        (mac0, eth0, "0", one, "10.0.1.0/24", "10.0.1.10"),
        (mac1, eth1, "1", two, "10.0.2.0/24", "10.0.2.20"),
    ]:
        assert imds.mac(mac, "device-number") == device
        assert imds.mac(mac, "mac") == imds.mac(mac, "mac/") == mac
        assert imds.mac(mac, "interface-id") == eni["NetworkInterfaceId"]
        assert imds.mac(mac, "owner-id") == eni["OwnerId"]
        assert imds.mac(mac, "subnet-id") == subnet_id
        assert imds.mac(mac, "subnet-ipv4-cidr-block") == cidr
        assert imds.mac(mac, "local-ipv4s") == address
        assert imds.mac(mac, "local-hostname") == f"ip-{address.replace('.', '-')}.ap-northeast-1.compute.internal"
        assert imds.mac(mac, "vpc-id") == vpc_id
        assert imds.mac(mac, "vpc-ipv4-cidr-block") == imds.mac(mac, "vpc-ipv4-cidr-blocks") == "10.0.0.0/16"
        assert imds.mac(mac, "security-group-ids") == web
        assert imds.mac(mac, "security-groups") == "web"
        # t3 has one network card: net-utils then reads card 0 from the 404.
        for absent in ["network-card", "network-card-index", "public-ipv4s", "ipv4-associations/", "public-hostname"]:
            assert imds.status(f"/latest/meta-data/network/interfaces/macs/{mac}/{absent}") == 404, absent
    # Seed 003's Elastic IP on eth1: eth1 has a public address, the instance (device 0) still none.
    internet(ec2, vpc_id)
    eip = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=eip["AllocationId"], NetworkInterfaceId=eth1["NetworkInterfaceId"])
    assert imds.mac(mac1, "public-ipv4s") == imds.mac(mac1, "ipv4-associations/") == eip["PublicIp"]
    assert imds.mac(mac1, f"ipv4-associations/{eip['PublicIp']}") == "10.0.2.20"
    assert imds.status("/latest/meta-data/public-ipv4") == 404


def test_tracks_api_changes(ec2, server):
    vpc_id, one, two = network(ec2)
    web, ssh = group(ec2, vpc_id, "web"), group(ec2, vpc_id, "ssh")
    iid = launch(ec2, NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": one, "PrivateIpAddress": "10.0.1.10", "Groups": [web], "AssociatePublicIpAddress": True}])
    i = describe(ec2, iid)
    eth0_id, mac0 = i["NetworkInterfaces"][0]["NetworkInterfaceId"], i["NetworkInterfaces"][0]["MacAddress"]
    public = i["PublicIpAddress"]
    imds = Imds(server, iid)
    # The auto-assigned public IPv4 maps to the primary address; no public name without DNS hostnames.
    assert imds.meta("public-ipv4") == imds.mac(mac0, "public-ipv4s") == imds.mac(mac0, "ipv4-associations/") == public
    assert imds.mac(mac0, f"ipv4-associations/{public}") == "10.0.1.10"
    assert imds.status("/latest/meta-data/public-hostname") == 404
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    public_name = describe(ec2, iid)["PublicDnsName"]
    assert public_name and imds.meta("public-hostname") == imds.mac(mac0, "public-hostname") == public_name

    # Secondary addresses: assigned ones follow the primary, unassigned ones go.
    ec2.assign_private_ip_addresses(NetworkInterfaceId=eth0_id, PrivateIpAddresses=["10.0.1.20", "10.0.1.21"])
    assert imds.mac(mac0, "local-ipv4s") == "10.0.1.10\n10.0.1.20\n10.0.1.21"
    ec2.unassign_private_ip_addresses(NetworkInterfaceId=eth0_id, PrivateIpAddresses=["10.0.1.20"])
    assert imds.mac(mac0, "local-ipv4s") == "10.0.1.10\n10.0.1.21"
    assert imds.meta("local-ipv4") == "10.0.1.10"

    # Groups, per interface and for the instance (device 0).
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eth0_id, Groups=[ssh, web])
    assert imds.mac(mac0, "security-group-ids") == f"{ssh}\n{web}"
    assert imds.mac(mac0, "security-groups") == imds.meta("security-groups") == "ssh\nweb"

    # Hot attach and detach.
    eth1 = ec2.create_network_interface(SubnetId=two, PrivateIpAddress="10.0.2.20")["NetworkInterface"]
    attachment = ec2.attach_network_interface(NetworkInterfaceId=eth1["NetworkInterfaceId"], InstanceId=iid, DeviceIndex=1)["AttachmentId"]
    mac1 = eth1["MacAddress"]
    assert f"{mac1}/" in imds.meta("network/interfaces/macs/").split("\n")
    assert imds.mac(mac1, "device-number") == "1"
    ec2.assign_private_ip_addresses(NetworkInterfaceId=eth1["NetworkInterfaceId"], SecondaryPrivateIpAddressCount=1)
    secondary = [p["PrivateIpAddress"] for p in ec2.describe_network_interfaces(NetworkInterfaceIds=[eth1["NetworkInterfaceId"]])["NetworkInterfaces"][0]["PrivateIpAddresses"] if not p["Primary"]]
    assert imds.mac(mac1, "local-ipv4s") == "\n".join(["10.0.2.20", *secondary])
    ec2.detach_network_interface(AttachmentId=attachment)
    assert imds.meta("network/interfaces/macs/") == f"{mac0}/"
    assert imds.status(f"/latest/meta-data/network/interfaces/macs/{mac1}/device-number") == 404
    assert imds.meta("mac") == mac0

    # Stopping releases the public IPv4; a terminated instance has no metadata at all.
    ec2.stop_instances(InstanceIds=[iid])
    assert imds.status("/latest/meta-data/public-ipv4") == 404
    assert imds.status(f"/latest/meta-data/network/interfaces/macs/{mac0}/public-ipv4s") == 404
    assert imds.meta("instance-id") == iid
    ec2.terminate_instances(InstanceIds=[iid])
    assert imds.status("/latest/meta-data/instance-id") == 404
    assert imds.status("/") == 404
    assert imds.status("/latest/api/token", "PUT", {TTL: "60"}) == 404


def test_elastic_ips_follow_their_private_address(ec2, server):
    """imds.md §6: an Elastic IP on eth0's secondary address, then moved to its primary."""
    vpc_id, one, _ = network(ec2)
    internet(ec2, vpc_id)
    iid = launch(ec2, SubnetId=one, PrivateIpAddress="10.0.1.10")
    eth0 = describe(ec2, iid)["NetworkInterfaces"][0]
    ec2.assign_private_ip_addresses(NetworkInterfaceId=eth0["NetworkInterfaceId"], PrivateIpAddresses=["10.0.1.11"])
    mac = eth0["MacAddress"]
    imds = Imds(server, iid)
    eip = ec2.allocate_address(Domain="vpc")
    public = eip["PublicIp"]
    association = ec2.associate_address(AllocationId=eip["AllocationId"], NetworkInterfaceId=eth0["NetworkInterfaceId"], PrivateIpAddress="10.0.1.11")["AssociationId"]
    assert imds.mac(mac, "public-ipv4s") == imds.mac(mac, "ipv4-associations/") == public
    assert imds.mac(mac, f"ipv4-associations/{public}") == "10.0.1.11"
    assert imds.status("/latest/meta-data/public-ipv4") == 404
    ec2.disassociate_address(AssociationId=association)
    assert imds.status(f"/latest/meta-data/network/interfaces/macs/{mac}/public-ipv4s") == 404
    assert imds.status(f"/latest/meta-data/network/interfaces/macs/{mac}/ipv4-associations/") == 404
    ec2.associate_address(AllocationId=eip["AllocationId"], InstanceId=iid)
    assert imds.meta("public-ipv4") == imds.mac(mac, "public-ipv4s") == public
    assert imds.mac(mac, f"ipv4-associations/{public}") == "10.0.1.10"


def test_public_keys(ec2, server):
    _, subnet_id, _ = network(ec2)
    ec2.create_key_pair(KeyName="deploy", KeyType="ed25519")
    imds = Imds(server, launch(ec2, SubnetId=subnet_id, KeyName="deploy"))
    public_key = ec2.describe_key_pairs(KeyNames=["deploy"], IncludePublicKey=True)["KeyPairs"][0]["PublicKey"]
    assert "public-keys/" in imds.meta("").split("\n")
    assert imds.meta("public-keys/") == "0=deploy"
    assert imds.meta("public-keys/0/") == "openssh-key"
    assert imds.meta("public-keys/0/openssh-key").strip() == public_key.strip()


def test_token_flow_and_failures(ec2, server):
    _, subnet_id, _ = network(ec2)
    imds = Imds(server, launch(ec2, SubnetId=subnet_id))
    token = imds.token()
    assert len(token) > 20 and token != imds.token()
    assert imds.get("/latest/meta-data/instance-id", token) == imds.get("/latest/meta-data/instance-id")
    assert imds.token("1") and imds.token("60")
    for bad in [{}, {TTL: "0"}, {TTL: "21601"}, {TTL: "sixty"}, {TTL: "-5"}]:
        assert imds.status("/latest/api/token", "PUT", bad) == 400, bad
    assert imds.status("/latest/api/token", "PUT", {TTL: "60", "X-Forwarded-For": "203.0.113.9"}) == 403
    assert imds.status("/2021-03-23/api/token", "PUT", {TTL: "60"}) == 403
    assert imds.status("/latest/api/token") == 405
    assert imds.status("/latest/meta-data/", "PUT", {TTL: "60"}) == 405
    for method in ["POST", "DELETE", "PATCH"]:
        assert imds.status("/latest/meta-data/", method) == 405, method
    # A token that is not one of this instance's sessions is refused even though v1 is allowed.
    assert imds.status("/latest/meta-data/", headers={TOKEN: "bogus"}) == 401
    other = Imds(server, launch(ec2, SubnetId=subnet_id))
    assert other.status("/latest/meta-data/", headers={TOKEN: token}) == 401
    status, body, headers = imds.call("/latest/meta-data/mac", "HEAD")
    assert (status, body, int(headers["Content-Length"])) == (200, "", 17)


def test_metadata_options_take_effect_at_once(ec2, server):
    _, subnet_id, _ = network(ec2)
    iid = launch(ec2, SubnetId=subnet_id, MetadataOptions={"HttpTokens": "required"},
                 TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web-1"}]}])
    imds = Imds(server, iid)
    assert imds.status("/latest/meta-data/instance-id") == 401
    assert imds.status("/") == 401
    token = imds.token()
    assert imds.get("/latest/meta-data/instance-id", token) == iid
    ec2.modify_instance_metadata_options(InstanceId=iid, HttpTokens="optional")
    assert imds.get("/latest/meta-data/instance-id") == iid
    ec2.modify_instance_metadata_options(InstanceId=iid, HttpEndpoint="disabled")
    assert imds.status("/latest/meta-data/instance-id") == 403
    assert imds.status("/latest/meta-data/instance-id", headers={TOKEN: token}) == 403
    assert imds.status("/latest/api/token", "PUT", {TTL: "60"}) == 403
    ec2.modify_instance_metadata_options(InstanceId=iid, HttpEndpoint="enabled", HttpTokens="required")
    assert imds.status("/latest/meta-data/instance-id") == 401
    assert imds.get("/latest/meta-data/instance-id", token) == iid, "sessions survive the change"
    assert imds.status("/latest/meta-data/tags/", headers={TOKEN: token}) == 404
    ec2.modify_instance_metadata_options(InstanceId=iid, InstanceMetadataTags="enabled")
    assert imds.get("/latest/meta-data/tags/instance/", token) == "Name"
    assert imds.get("/latest/meta-data/tags/instance/Name", token) == "web-1"


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_imdsv2_with_curl_as_documented(ec2, server):
    """The EC2 User Guide's IMDSv2 commands, against the emulated endpoint."""
    _, subnet_id, _ = network(ec2)
    iid = launch(ec2, SubnetId=subnet_id, MetadataOptions={"HttpTokens": "required"},
                 UserData=b"\x1f\x8b\x00binary")
    base = f"{server.endpoint}/_localvpc/imds/{iid}"

    def curl(*args):
        return subprocess.run(["curl", "-s", *args], capture_output=True, check=True, timeout=30).stdout

    token = curl("-X", "PUT", f"{base}/latest/api/token", "-H", f"{TTL}: 21600").decode()
    assert curl("-H", f"{TOKEN}: {token}", f"{base}/latest/meta-data/instance-id").decode() == iid
    assert curl("-o", "/dev/null", "-w", "%{http_code}", f"{base}/latest/meta-data/instance-id") == b"401"
    # boto3 sends UserData in base64; the guest gets the bytes back as they were.
    assert curl("-H", f"{TOKEN}: {token}", f"{base}/latest/user-data") == b"\x1f\x8b\x00binary"


def test_network_card_on_multi_card_types(ec2, server):
    """net-utils numbers tables 10000 + 100 × card + device; the key exists on multi-card types only."""
    _, one, two = network(ec2)
    iid = launch(ec2, SubnetId=one, InstanceType="p4d.24xlarge")
    eni = ec2.create_network_interface(SubnetId=two)["NetworkInterface"]
    ec2.attach_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"], InstanceId=iid, DeviceIndex=1, NetworkCardIndex=1)
    imds = Imds(server, iid)
    mac0 = imds.meta("mac")
    assert imds.mac(mac0, "network-card") == imds.mac(mac0, "network-card-index") == "0"
    assert imds.mac(eni["MacAddress"], "network-card") == imds.mac(eni["MacAddress"], "network-card-index") == "1"
    assert imds.mac(eni["MacAddress"], "device-number") == "1"
