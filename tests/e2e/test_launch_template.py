"""Launch templates (spec vpc-surface.md §1): creation, versions (SourceVersion, aliases, ranges,
filters, deletion), the default version, GetLaunchTemplateData, and RunInstances from a template
— request parameters over template data, template interfaces meeting RunInstances' own
refusals at launch, not at creation."""
import json
import re

from conftest import code_of, error_code
from netkit import AMI, ZONE_A, instance, message, network, new_group, tag_specs

LT_ID = re.compile(r"^lt-[0-9a-f]{17}$")


def new_template(ec2, name="web", **data):
    data.setdefault("ImageId", AMI)
    return ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data)["LaunchTemplate"]


def versions(ec2, **kw):
    return [(v["VersionNumber"], v["DefaultVersion"]) for v in ec2.describe_launch_template_versions(**kw)["LaunchTemplateVersions"]]


def run_from(ec2, template, **kw):
    return ec2.run_instances(MinCount=1, MaxCount=1, LaunchTemplate=template, **kw)["Instances"][0]


# --- templates --------------------------------------------------------------------------------


def test_create_shows_the_template_and_refuses_taken_and_malformed_names(ec2, unvalidated_ec2, account):
    out = ec2.create_launch_template(
        LaunchTemplateName="web",
        VersionDescription="first",
        LaunchTemplateData={"ImageId": AMI, "InstanceType": "t3.micro"},
        TagSpecifications=tag_specs("launch-template", team="net"),
    )["LaunchTemplate"]
    assert LT_ID.match(out["LaunchTemplateId"])
    assert (out["LaunchTemplateName"], out["DefaultVersionNumber"], out["LatestVersionNumber"]) == ("web", 1, 1)
    assert out["CreatedBy"] == f"arn:aws:iam::{account}:root"
    assert out["Tags"] == [{"Key": "team", "Value": "net"}]
    err = error_code(ec2.create_launch_template, LaunchTemplateName="web", LaunchTemplateData={"ImageId": AMI})
    assert code_of(err) == "InvalidLaunchTemplateName.AlreadyExistsException"
    err = error_code(ec2.create_launch_template, LaunchTemplateName="no spaces", LaunchTemplateData={"ImageId": AMI})
    assert code_of(err) == "InvalidLaunchTemplateName.MalformedException"
    err = error_code(unvalidated_ec2.create_launch_template, LaunchTemplateName="empty")
    assert code_of(err) == "MissingParameter"
    assert "LaunchTemplateData" in message(err)
    # A member localvpc cannot launch with is refused, never stored and ignored.
    err = error_code(
        ec2.create_launch_template,
        LaunchTemplateName="disks",
        LaunchTemplateData={"BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}]},
    )
    assert code_of(err) == "UnsupportedOperation"
    err = error_code(ec2.create_launch_template, LaunchTemplateName="userdata", LaunchTemplateData={"UserData": "not base64!"})
    assert code_of(err) == "InvalidParameterValue"
    assert [t["LaunchTemplateName"] for t in ec2.describe_launch_templates()["LaunchTemplates"]] == ["web"]


def test_describe_by_id_name_and_filters_with_exact_codes(ec2):
    web = new_template(ec2, "web")
    db = ec2.create_launch_template(
        LaunchTemplateName="database", LaunchTemplateData={"ImageId": AMI}, TagSpecifications=tag_specs("launch-template", tier="data")
    )["LaunchTemplate"]
    by_id = ec2.describe_launch_templates(LaunchTemplateIds=[web["LaunchTemplateId"]])["LaunchTemplates"]
    assert [t["LaunchTemplateName"] for t in by_id] == ["web"]
    by_name = ec2.describe_launch_templates(LaunchTemplateNames=["database"])["LaunchTemplates"]
    assert [t["LaunchTemplateId"] for t in by_name] == [db["LaunchTemplateId"]]
    named = ec2.describe_launch_templates(Filters=[{"Name": "launch-template-name", "Values": ["w*"]}])["LaunchTemplates"]
    assert [t["LaunchTemplateName"] for t in named] == ["web"]
    tagged = ec2.describe_launch_templates(Filters=[{"Name": "tag:tier", "Values": ["data"]}])["LaunchTemplates"]
    assert [t["LaunchTemplateName"] for t in tagged] == ["database"]
    err = error_code(ec2.describe_launch_templates, LaunchTemplateNames=["nope"])
    assert code_of(err) == "InvalidLaunchTemplateName.NotFoundException"
    err = error_code(ec2.describe_launch_templates, LaunchTemplateIds=["lt-0123456789abcdef0"])
    assert code_of(err) == "InvalidLaunchTemplateId.NotFound"
    assert message(err) == "Atleast one of the launch templates specified in the request does not exist."
    err = error_code(ec2.describe_launch_templates, LaunchTemplateIds=["lt-nope"])
    assert code_of(err) == "InvalidLaunchTemplateId.Malformed"
    page = ec2.describe_launch_templates(MaxResults=1)
    assert len(page["LaunchTemplates"]) == 1 and "NextToken" in page
    rest = ec2.describe_launch_templates(MaxResults=1, NextToken=page["NextToken"])["LaunchTemplates"]
    assert {page["LaunchTemplates"][0]["LaunchTemplateName"], rest[0]["LaunchTemplateName"]} == {"web", "database"}
    # Tags work on templates like on any taggable resource.
    ec2.create_tags(Resources=[web["LaunchTemplateId"]], Tags=[{"Key": "Name", "Value": "w"}])
    assert ec2.describe_launch_templates(LaunchTemplateNames=["web"])["LaunchTemplates"][0]["Tags"] == [{"Key": "Name", "Value": "w"}]


# --- versions ---------------------------------------------------------------------------------


def test_versions_from_a_source_aliases_ranges_and_filters(ec2):
    t = new_template(ec2, InstanceType="t3.micro", SecurityGroupIds=["sg-0123456789abcdef0"])
    tid = t["LaunchTemplateId"]
    v2 = ec2.create_launch_template_version(
        LaunchTemplateId=tid, SourceVersion="1", VersionDescription="bigger", LaunchTemplateData={"InstanceType": "t3.large"}
    )["LaunchTemplateVersion"]
    assert (v2["VersionNumber"], v2["DefaultVersion"], v2["VersionDescription"]) == (2, False, "bigger")
    # Inherited from version 1, with the given member replaced.
    assert v2["LaunchTemplateData"] == {"ImageId": AMI, "InstanceType": "t3.large", "SecurityGroupIds": ["sg-0123456789abcdef0"]}
    v3 = ec2.create_launch_template_version(LaunchTemplateName="web", LaunchTemplateData={"ImageId": AMI})["LaunchTemplateVersion"]
    assert v3["VersionNumber"] == 3 and v3["LaunchTemplateData"] == {"ImageId": AMI}
    assert versions(ec2, LaunchTemplateId=tid) == [(3, False), (2, False), (1, True)]
    assert versions(ec2, LaunchTemplateId=tid, Versions=["$Latest", "$Default"]) == [(3, False), (1, True)]
    assert versions(ec2, LaunchTemplateName="web", MinVersion="2") == [(3, False), (2, False)]
    assert versions(ec2, LaunchTemplateName="web", MaxVersion="2") == [(2, False), (1, True)]
    assert versions(ec2, LaunchTemplateId=tid, Filters=[{"Name": "instance-type", "Values": ["t3.large"]}]) == [(2, False)]
    assert versions(ec2, LaunchTemplateId=tid, Filters=[{"Name": "is-default-version", "Values": ["true"]}]) == [(1, True)]
    err = error_code(ec2.describe_launch_template_versions, LaunchTemplateId=tid, Versions=["9"])
    assert code_of(err) == "InvalidLaunchTemplateId.VersionNotFound"
    err = error_code(ec2.create_launch_template_version, LaunchTemplateId=tid, SourceVersion="9", LaunchTemplateData={"InstanceType": "t3.micro"})
    assert code_of(err) == "InvalidLaunchTemplateId.VersionNotFound"
    err = error_code(ec2.describe_launch_template_versions, LaunchTemplateName="nope")
    assert code_of(err) == "InvalidLaunchTemplateName.NotFoundException"
    assert message(err) == "The specified launch template, with template name nope, does not exist."
    err = error_code(ec2.describe_launch_template_versions, LaunchTemplateId="lt-0123456789abcdef0")
    assert code_of(err) == "InvalidLaunchTemplateId.NotFound"
    # Across templates only the aliases are allowed.
    new_template(ec2, "other")
    latest = ec2.describe_launch_template_versions(Versions=["$Latest"])["LaunchTemplateVersions"]
    assert sorted((v["LaunchTemplateName"], v["VersionNumber"]) for v in latest) == [("other", 1), ("web", 3)]
    assert code_of(error_code(ec2.describe_launch_template_versions, Versions=["1"])) == "InvalidParameterValue"
    assert code_of(error_code(ec2.describe_launch_template_versions)) == "MissingParameter"
    err = error_code(ec2.create_launch_template_version, LaunchTemplateId=tid, LaunchTemplateName="web", LaunchTemplateData={"InstanceType": "t3.micro"})
    assert code_of(err) == "InvalidParameterCombination"


def test_default_version_and_deleting_versions(ec2):
    tid = new_template(ec2)["LaunchTemplateId"]
    for n in (2, 3):
        ec2.create_launch_template_version(LaunchTemplateId=tid, LaunchTemplateData={"InstanceType": f"t3.{['', '', 'small', 'large'][n]}"})
    out = ec2.modify_launch_template(LaunchTemplateId=tid, DefaultVersion="2")["LaunchTemplate"]
    assert (out["DefaultVersionNumber"], out["LatestVersionNumber"]) == (2, 3)
    err = error_code(ec2.modify_launch_template, LaunchTemplateId=tid, DefaultVersion="7")
    assert code_of(err) == "InvalidLaunchTemplateId.VersionNotFound"
    out = ec2.delete_launch_template_versions(LaunchTemplateId=tid, Versions=["2", "3", "8"])
    assert [v["VersionNumber"] for v in out["SuccessfullyDeletedLaunchTemplateVersions"]] == [3]
    failed = {v["VersionNumber"]: v["ResponseError"]["Code"] for v in out["UnsuccessfullyDeletedLaunchTemplateVersions"]}
    assert failed == {2: "unexpectedError", 8: "launchTemplateVersionDoesNotExist"}
    [t] = ec2.describe_launch_templates(LaunchTemplateIds=[tid])["LaunchTemplates"]
    assert (t["DefaultVersionNumber"], t["LatestVersionNumber"]) == (2, 2)
    # Numbers are never reused: the next version is 4, not 3.
    v = ec2.create_launch_template_version(LaunchTemplateId=tid, LaunchTemplateData={"InstanceType": "t3.micro"})["LaunchTemplateVersion"]
    assert v["VersionNumber"] == 4
    out = ec2.delete_launch_template_versions(LaunchTemplateId="lt-0123456789abcdef0", Versions=["1"])
    assert [v["ResponseError"]["Code"] for v in out["UnsuccessfullyDeletedLaunchTemplateVersions"]] == ["launchTemplateIdDoesNotExist"]
    gone = ec2.delete_launch_template(LaunchTemplateName="web")["LaunchTemplate"]
    assert gone["LaunchTemplateId"] == tid
    assert code_of(error_code(ec2.describe_launch_templates, LaunchTemplateIds=[tid])) == "InvalidLaunchTemplateId.NotFound"
    assert code_of(error_code(ec2.delete_launch_template, LaunchTemplateId=tid)) == "InvalidLaunchTemplateId.NotFound"


def test_client_token_makes_a_retry_answer_the_first_template(ec2):
    first = ec2.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={"ImageId": AMI}, ClientToken="tok-1")
    again = ec2.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={"ImageId": AMI}, ClientToken="tok-1")
    assert again["LaunchTemplate"]["LaunchTemplateId"] == first["LaunchTemplate"]["LaunchTemplateId"]


# --- launching --------------------------------------------------------------------------------


def test_launch_merges_request_over_template_and_tags_the_instance(ec2):
    vpc, subnet = network(ec2)
    web = new_group(ec2, vpc)
    tid = ec2.create_launch_template(
        LaunchTemplateName="web",
        LaunchTemplateData={
            "ImageId": AMI,
            "InstanceType": "t3.micro",
            "NetworkInterfaces": [{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [web], "PrivateIpAddress": "10.0.1.20"}],
            "TagSpecifications": tag_specs("instance", Name="from-template", team="net"),
            "MetadataOptions": {"HttpTokens": "required"},
        },
    )["LaunchTemplate"]["LaunchTemplateId"]
    i = run_from(ec2, {"LaunchTemplateName": "web"}, InstanceType="t3.small", TagSpecifications=tag_specs("instance", Name="mine"))
    assert (i["ImageId"], i["InstanceType"], i["SubnetId"], i["PrivateIpAddress"]) == (AMI, "t3.small", subnet, "10.0.1.20")
    assert i["SecurityGroups"] == [{"GroupId": web, "GroupName": "web"}]
    assert i["MetadataOptions"]["HttpTokens"] == "required"
    tags = {t["Key"]: t["Value"] for t in instance(ec2, i["InstanceId"])["Tags"]}
    assert tags == {"Name": "mine", "team": "net", "aws:ec2launchtemplate:id": tid, "aws:ec2launchtemplate:version": "1"}
    # A later version, chosen by number; the request adds device 1 to the template's device 0.
    ec2.create_launch_template_version(
        LaunchTemplateId=tid, SourceVersion="1", LaunchTemplateData={"NetworkInterfaces": [{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [web]}]}
    )
    two = run_from(
        ec2, {"LaunchTemplateId": tid, "Version": "$Latest"}, NetworkInterfaces=[{"DeviceIndex": 1, "SubnetId": subnet}]
    )
    assert sorted(n["Attachment"]["DeviceIndex"] for n in two["NetworkInterfaces"]) == [0, 1]
    tags = {t["Key"]: t["Value"] for t in instance(ec2, two["InstanceId"])["Tags"]}
    assert tags["aws:ec2launchtemplate:version"] == "2"
    err = error_code(ec2.create_tags, Resources=[two["InstanceId"]], Tags=[{"Key": "aws:ec2launchtemplate:id", "Value": "x"}])
    assert code_of(err) == "InvalidParameterValue"


def test_template_interfaces_meet_run_instances_refusals_at_launch(ec2):
    """Seed 001's clash: creation accepts any combination, the launch refuses it as RunInstances
    refuses its own."""
    vpc, subnet = network(ec2)
    web = new_group(ec2, vpc)
    new_template(ec2, "nics", NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet}])
    new_template(ec2, "groups", SecurityGroupIds=[web])
    new_template(ec2, "both", NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet}], SecurityGroupIds=[web])
    new_template(ec2, "badami", ImageId="ami-nope", NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet}])
    ec2.create_launch_template(LaunchTemplateName="noami", LaunchTemplateData={"InstanceType": "t3.micro"})
    err = error_code(run_from, ec2, {"LaunchTemplateName": "nics"}, SubnetId=subnet)
    assert code_of(err) == "InvalidParameterCombination"
    assert message(err) == "Network interfaces and an instance-level subnet ID may not be specified on the same request"
    err = error_code(run_from, ec2, {"LaunchTemplateName": "nics"}, SecurityGroupIds=[web])
    assert code_of(err) == "InvalidParameterCombination"
    err = error_code(run_from, ec2, {"LaunchTemplateName": "groups"}, NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet}])
    assert code_of(err) == "InvalidParameterCombination"
    assert message(err) == "Network interfaces and an instance-level security groups may not be specified on the same request"
    err = error_code(run_from, ec2, {"LaunchTemplateName": "both"})
    assert code_of(err) == "InvalidParameterCombination"
    assert code_of(error_code(run_from, ec2, {"LaunchTemplateName": "badami"})) == "InvalidAMIID.Malformed"
    assert code_of(error_code(run_from, ec2, {"LaunchTemplateName": "noami"}, SubnetId=subnet)) == "MissingParameter"
    # Template groups with a request-level subnet are one instance-level device 0: fine.
    ok = run_from(ec2, {"LaunchTemplateName": "groups"}, SubnetId=subnet)
    assert ok["SecurityGroups"] == [{"GroupId": web, "GroupName": "web"}]
    err = error_code(run_from, ec2, {"LaunchTemplateName": "nope"})
    assert code_of(err) == "InvalidLaunchTemplateName.NotFoundException"
    err = error_code(run_from, ec2, {"LaunchTemplateName": "groups", "Version": "5"})
    assert code_of(err) == "InvalidLaunchTemplateId.VersionNotFound"
    assert ec2.describe_instances(Filters=[{"Name": "instance-state-name", "Values": ["pending", "running"]}])["Reservations"][0]["Instances"][0]["InstanceId"] == ok["InstanceId"]


def test_get_launch_template_data_rebuilds_the_instance(ec2):
    vpc, subnet = network(ec2)
    web = new_group(ec2, vpc)
    i = ec2.run_instances(
        ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=subnet, SecurityGroupIds=[web], PrivateIpAddress="10.0.1.9"
    )["Instances"][0]
    data = ec2.get_launch_template_data(InstanceId=i["InstanceId"])["LaunchTemplateData"]
    assert (data["ImageId"], data["InstanceType"], data["Placement"]["AvailabilityZone"]) == (AMI, "t3.micro", ZONE_A)
    [nic] = data["NetworkInterfaces"]
    assert nic["NetworkInterfaceId"] == i["NetworkInterfaces"][0]["NetworkInterfaceId"]
    assert (nic["DeviceIndex"], nic["SubnetId"], nic["Groups"], nic["PrivateIpAddress"]) == (0, subnet, [web], "10.0.1.9")
    err = error_code(ec2.get_launch_template_data, InstanceId="i-0123456789abcdef0")
    assert code_of(err) == "InvalidInstanceID.NotFound"


def test_cli_creates_and_lists_versions(aws):
    data = json.dumps({"ImageId": AMI, "InstanceType": "t3.micro"})
    out = aws.run("create-launch-template", "--launch-template-name", "cli", "--launch-template-data", data)
    tid = out["LaunchTemplate"]["LaunchTemplateId"]
    aws.run("create-launch-template-version", "--launch-template-id", tid, "--source-version", "1", "--launch-template-data", '{"InstanceType":"t3.large"}')
    out = aws.run("describe-launch-template-versions", "--launch-template-id", tid, "--versions", "$Latest")
    [v] = out["LaunchTemplateVersions"]
    assert (v["VersionNumber"], v["LaunchTemplateData"]["InstanceType"], v["LaunchTemplateData"]["ImageId"]) == (2, "t3.large", AMI)
    err = aws.error("describe-launch-templates", "--launch-template-names", "missing")
    assert err.code == "InvalidLaunchTemplateName.NotFoundException"
