"""Root EBS volumes: made at launch as the image's block device mapping says (or as the
launch's root mapping changes it), shown by DescribeVolumes, DescribeInstances and
DescribeInstanceAttribute, tagged at launch, and following the instance when it terminates."""
import pytest

from conftest import code_of, error_code
from netkit import AMI, ZONE_A, launch, message, network, tag_specs



def al2023(ec2):
    images = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["al2023-ami-2023*x86_64"]}])["Images"]
    return max(images, key=lambda i: i["CreationDate"])


def boot(ec2, subnet, image=AMI, instance_type="t3.medium", **kw) -> dict:
    return ec2.run_instances(ImageId=image, InstanceType=instance_type, SubnetId=subnet, MinCount=1, MaxCount=1, **kw)["Instances"][0]


def volumes(ec2, *filters, **kw):
    return ec2.describe_volumes(Filters=[{"Name": n, "Values": v} for n, v in filters], **kw)["Volumes"]


def test_a_launch_makes_the_images_root_volume(ec2):
    _, subnet = network(ec2)
    image = al2023(ec2)
    [mapping] = image["BlockDeviceMappings"]
    i = boot(ec2, subnet, image["ImageId"], TagSpecifications=tag_specs("volume", Name="root-of-web"))
    assert i["RootDeviceName"] == image["RootDeviceName"] == "/dev/xvda"
    [bdm] = i["BlockDeviceMappings"]
    assert bdm["DeviceName"] == "/dev/xvda"
    assert (bdm["Ebs"]["Status"], bdm["Ebs"]["DeleteOnTermination"]) == ("attached", True)
    assert bdm["Ebs"]["VolumeId"].startswith("vol-") and len(bdm["Ebs"]["VolumeId"]) == 21
    [v] = ec2.describe_volumes(VolumeIds=[bdm["Ebs"]["VolumeId"]])["Volumes"]
    assert (v["Size"], v["VolumeType"], v["SnapshotId"]) == (mapping["Ebs"]["VolumeSize"], mapping["Ebs"]["VolumeType"], mapping["Ebs"]["SnapshotId"])
    assert (v["Iops"], v["Throughput"], v["Encrypted"], v["MultiAttachEnabled"]) == (3000, 125, False, False)
    assert (v["State"], v["AvailabilityZone"]) == ("in-use", ZONE_A)
    assert v["Tags"] == [{"Key": "Name", "Value": "root-of-web"}]
    [a] = v["Attachments"]
    assert (a["InstanceId"], a["Device"], a["State"], a["DeleteOnTermination"], a["VolumeId"]) == (i["InstanceId"], "/dev/xvda", "attached", True, v["VolumeId"])
    assert a["AttachTime"] == bdm["Ebs"]["AttachTime"]
    tags = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["volume"]}])["Tags"]
    assert [(t["ResourceId"], t["Key"]) for t in tags] == [(v["VolumeId"], "Name")]
    # DescribeInstanceAttribute shows the same mapping, and the root device's name.
    attr = ec2.describe_instance_attribute(InstanceId=i["InstanceId"], Attribute="blockDeviceMapping")
    assert attr["BlockDeviceMappings"] == [bdm]
    attr = ec2.describe_instance_attribute(InstanceId=i["InstanceId"], Attribute="rootDeviceName")
    assert attr["RootDeviceName"] == {"Value": "/dev/xvda"}
    # An image outside the catalogue boots an 8 GiB gp2 volume made from no snapshot.
    generic = launch(ec2, subnet)
    [g] = volumes(ec2, ("attachment.instance-id", [generic["InstanceId"]]))
    assert (g["Size"], g["VolumeType"], g["Iops"], g["SnapshotId"], "Throughput" in g) == (8, "gp2", 100, "", False)


def test_the_root_mapping_resizes_and_keeps_the_volume(ec2):
    _, subnet = network(ec2)
    image = al2023(ec2)
    i = boot(
        ec2, subnet, image["ImageId"],
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20, "VolumeType": "gp3", "Iops": 4000, "Throughput": 250, "DeleteOnTermination": False, "Encrypted": False}}],
    )
    [v] = volumes(ec2, ("attachment.instance-id", [i["InstanceId"]]))
    assert (v["Size"], v["Iops"], v["Throughput"], v["Attachments"][0]["DeleteOnTermination"]) == (20, 4000, 250, False)
    # DeleteOnTermination can be changed on the running instance.
    ec2.modify_instance_attribute(InstanceId=i["InstanceId"], BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"DeleteOnTermination": True}}])
    assert volumes(ec2, ("volume-id", [v["VolumeId"]]))[0]["Attachments"][0]["DeleteOnTermination"] is True
    ec2.modify_instance_attribute(InstanceId=i["InstanceId"], BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"DeleteOnTermination": False}}])
    err = error_code(ec2.modify_instance_attribute, InstanceId=i["InstanceId"], BlockDeviceMappings=[{"DeviceName": "/dev/sdf", "Ebs": {"DeleteOnTermination": True}}])
    assert code_of(err) == "InvalidParameterValue"
    # Terminated, the instance lets go of it: the volume stays, available and unattached.
    ec2.terminate_instances(InstanceIds=[i["InstanceId"]])
    [kept] = ec2.describe_volumes(VolumeIds=[v["VolumeId"]])["Volumes"]
    assert (kept["State"], kept["Attachments"]) == ("available", [])
    assert ec2.describe_instances(InstanceIds=[i["InstanceId"]])["Reservations"][0]["Instances"][0]["BlockDeviceMappings"] == []


def test_a_terminated_instance_takes_its_volume(ec2):
    _, subnet = network(ec2)
    i = launch(ec2, subnet)
    vol = i["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    ec2.terminate_instances(InstanceIds=[i["InstanceId"]])
    err = error_code(ec2.describe_volumes, VolumeIds=[vol])
    assert (code_of(err), message(err)) == ("InvalidVolume.NotFound", f"The volume '{vol}' does not exist.")
    assert volumes(ec2) == []


def test_launch_mappings_localvpc_refuses(ec2):
    _, subnet = network(ec2)
    image = al2023(ec2)

    def refused(*mappings):
        return error_code(boot, ec2, subnet, image["ImageId"], BlockDeviceMappings=list(mappings))

    err = refused({"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 4}})
    assert (code_of(err), message(err)) == (
        "InvalidBlockDeviceMapping",
        f"Volume of size 4GB is smaller than snapshot '{image['BlockDeviceMappings'][0]['Ebs']['SnapshotId']}', expect size >= 8GB",
    )
    assert code_of(refused({"DeviceName": "/dev/xvda", "Ebs": {"VolumeType": "gp2", "Iops": 500}})) == "InvalidParameterCombination"
    assert code_of(refused({"DeviceName": "/dev/xvda", "Ebs": {"VolumeType": "io2"}})) == "InvalidParameterCombination"
    # What localvpc does not build is refused, not dropped: encryption, extra volumes, instance store.
    assert code_of(refused({"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True}})) == "UnsupportedOperation"
    assert code_of(refused({"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 10}})) == "UnsupportedOperation"
    assert code_of(refused({"DeviceName": "/dev/sdb", "VirtualName": "ephemeral0"})) == "UnsupportedOperation"
    assert ec2.describe_instances()["Reservations"] == [] and volumes(ec2) == []


def test_describe_volumes_filters_and_pages(ec2):
    _, subnet = network(ec2)
    launched = [launch(ec2, subnet)["InstanceId"] for _ in range(6)]
    everything = volumes(ec2)
    assert len(everything) == 6 and [v["VolumeId"] for v in everything] == sorted(v["VolumeId"] for v in everything)
    assert len(volumes(ec2, ("attachment.instance-id", launched[:2]))) == 2
    assert len(volumes(ec2, ("attachment.device", ["/dev/xvda"]), ("attachment.status", ["attached"]))) == 6
    assert len(volumes(ec2, ("attachment.delete-on-termination", ["true"]), ("status", ["in-use"]))) == 6
    assert len(volumes(ec2, ("size", ["8"]), ("volume-type", ["gp2"]), ("availability-zone", [ZONE_A]))) == 6
    assert volumes(ec2, ("status", ["available"])) == [] and volumes(ec2, ("volume-type", ["io1"])) == []
    ec2.create_tags(Resources=[everything[0]["VolumeId"]], Tags=[{"Key": "role", "Value": "db"}])
    assert [v["VolumeId"] for v in volumes(ec2, ("tag:role", ["db"]))] == [everything[0]["VolumeId"]]
    page = ec2.describe_volumes(MaxResults=5)
    rest = ec2.describe_volumes(MaxResults=5, NextToken=page["NextToken"])
    assert [v["VolumeId"] for v in page["Volumes"] + rest["Volumes"]] == [v["VolumeId"] for v in everything]
    assert "NextToken" not in rest
    assert code_of(error_code(ec2.describe_volumes, Filters=[{"Name": "colour", "Values": ["x"]}])) == "InvalidParameterValue"
    err = error_code(ec2.describe_volumes, VolumeIds=["vol-12"])
    assert code_of(err) == "InvalidVolumeID.Malformed"
    assert code_of(error_code(ec2.describe_volumes, MaxResults=5, VolumeIds=[everything[0]["VolumeId"]])) == "InvalidParameterCombination"
    # DescribeInstances filters by the mapping too.
    found = ec2.describe_instances(Filters=[{"Name": "block-device-mapping.volume-id", "Values": [everything[0]["VolumeId"]]}])
    assert [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]] == [everything[0]["Attachments"][0]["InstanceId"]]


def test_volumes_are_the_callers_own(ec2, server):
    from conftest import client, new_account
    _, subnet = network(ec2)
    launch(ec2, subnet)
    other = client(server.endpoint, new_account())
    assert other.describe_volumes()["Volumes"] == []


@pytest.mark.parametrize("image_id, device", [("ami-01438bd78baea2092", "/dev/sda1")])
def test_root_device_follows_the_image(ec2, image_id, device):
    _, subnet = network(ec2)
    i = boot(ec2, subnet, image_id, "t3.micro")
    assert i["RootDeviceName"] == device and i["BlockDeviceMappings"][0]["DeviceName"] == device
    [v] = volumes(ec2, ("attachment.device", [device]))
    assert (v["Size"], v["VolumeType"], v["Iops"]) == (8, "gp2", 100)
