"""DescribeImages over localvpc's built-in catalogue of common Linux images and the images
instances were launched from, driven by boto3 and the AWS CLI."""

from conftest import code_of, error_code

AL2023_X86 = "ami-0f4a8aa657d4799b8"
AL2023_ARM = "ami-0af46362c4efc7b4b"
CENTOS6 = "ami-0f9466cc946f3076b"
RHEL9 = "ami-00ed8f65105999bc9"

OWNERS = {
    "137112412989": "amazon",
    "099720109477": "canonical",
    "136693071363": "debian",
    "309956199498": "redhat",
    "679593333241": "marketplace",
}


def ids(images):
    return sorted(i["ImageId"] for i in images)


def test_catalogue_images_look_like_ec2s(ec2):
    images = ec2.describe_images()["Images"]
    assert len(images) == 9
    assert {i["OwnerId"] for i in images} == set(OWNERS)
    for image in images:
        assert len(image["ImageId"]) == 21 and image["ImageId"].startswith("ami-")
        assert image["State"] == "available" and image["Public"] is True
        assert image["ImageType"] == "machine" and image["Hypervisor"] == "xen"
        assert image["RootDeviceType"] == "ebs" and image["VirtualizationType"] == "hvm"
        assert image["EnaSupport"] is True
        assert image["Architecture"] in ("x86_64", "arm64")
        assert image["CreationDate"].endswith(".000Z")
        root = image["BlockDeviceMappings"][0]
        assert root["DeviceName"] == image["RootDeviceName"]
        assert root["Ebs"]["SnapshotId"].startswith("snap-") and root["Ebs"]["VolumeSize"] >= 8
    by_id = {i["ImageId"]: i for i in images}
    al2023 = by_id[AL2023_X86]
    assert al2023["Name"].startswith("al2023-ami-") and al2023["ImageOwnerAlias"] == "amazon"
    assert al2023["PlatformDetails"] == "Linux/UNIX" and al2023["RootDeviceName"] == "/dev/xvda"
    assert al2023["ImageLocation"] == f"amazon/{al2023['Name']}"
    assert by_id[AL2023_ARM]["Architecture"] == "arm64"
    centos = by_id[CENTOS6]
    assert centos["Description"] == "CentOS 6.x x86_64" and centos["ImageOwnerAlias"] == "aws-marketplace"
    assert centos["ProductCodes"] == [{"ProductCodeId": "6x5jmcajty9edm3f211pqjfn2", "ProductCodeType": "marketplace"}]
    assert by_id[RHEL9]["PlatformDetails"] == "Red Hat Enterprise Linux"


def test_same_catalogue_in_every_region(server, account):
    from conftest import client

    everywhere = [ids(client(server.endpoint, account, r).describe_images()["Images"]) for r in ("us-east-1", "eu-west-1")]
    assert everywhere[0] == everywhere[1] and AL2023_X86 in everywhere[0]


def test_owners(ec2):
    def owners(*values):
        return {i["OwnerId"] for i in ec2.describe_images(Owners=list(values))["Images"]}

    assert owners("amazon") == {"137112412989"}
    assert owners("aws-marketplace") == {"679593333241"}
    assert owners("099720109477") == {"099720109477"}
    assert owners("099720109477", "136693071363") == {"099720109477", "136693071363"}
    assert owners("self") == set()
    err = error_code(ec2.describe_images, Owners=["all"])
    assert code_of(err) == "InvalidUserID.Malformed"
    assert err.response["Error"]["Message"] == 'Invalid user id: "all"'


def test_executable_by(ec2):
    assert len(ec2.describe_images(ExecutableUsers=["all"])["Images"]) == 9
    assert ec2.describe_images(ExecutableUsers=["self"])["Images"] == []
    assert code_of(error_code(ec2.describe_images, ExecutableUsers=["amazon"])) == "InvalidUserID.Malformed"


def test_image_ids(ec2):
    assert ids(ec2.describe_images(ImageIds=[CENTOS6, RHEL9])["Images"]) == sorted([CENTOS6, RHEL9])
    err = error_code(ec2.describe_images, ImageIds=[AL2023_X86, "ami-0123456789abcdef0", "ami-12345678"])
    assert code_of(err) == "InvalidAMIID.NotFound"
    assert err.response["Error"]["Message"] == "The image id '[ami-0123456789abcdef0, ami-12345678]' does not exist"
    err = error_code(ec2.describe_images, ImageIds=["ami-xyz"])
    assert code_of(err) == "InvalidAMIID.Malformed"
    # The owner scope applies to listed IDs too.
    assert ec2.describe_images(ImageIds=[CENTOS6], Owners=["amazon"])["Images"] == []


def test_filters(ec2):
    def found(*filters):
        return ids(ec2.describe_images(Filters=[{"Name": n, "Values": v} for n, v in filters])["Images"])

    assert found(("name", ["al2023-ami-*"]), ("architecture", ["arm64"])) == [AL2023_ARM]
    assert found(("description", ["CentOS 6*"])) == [CENTOS6]
    assert found(("platform-details", ["Red Hat Enterprise Linux"])) == [RHEL9]
    assert len(found(("owner-alias", ["amazon"]))) == 4
    assert len(found(("owner-id", ["099720109477"]), ("root-device-name", ["/dev/sda1"]))) == 2
    assert len(found(("is-public", ["true"]), ("state", ["available"]), ("image-type", ["machine"]),
                     ("root-device-type", ["ebs"]), ("virtualization-type", ["hvm"]))) == 9
    assert found(("is-public", ["false"])) == []
    assert found(("tag:Name", ["x"])) == []
    err = error_code(ec2.describe_images, Filters=[{"Name": "kernel-id", "Values": ["x"]}])
    assert code_of(err) == "InvalidParameterValue"
    assert err.response["Error"]["Message"] == "The filter 'kernel-id' is invalid"


def test_paging(ec2, unvalidated_ec2):
    seen, token = [], None
    while True:
        page = ec2.describe_images(MaxResults=5, **({"NextToken": token} if token else {}))
        assert len(page["Images"]) <= 5
        seen += ids(page["Images"])
        token = page.get("NextToken")
        if not token:
            break
    assert seen == ids(ec2.describe_images()["Images"])
    err = error_code(ec2.describe_images, ImageIds=[CENTOS6], MaxResults=5)
    assert code_of(err) == "InvalidParameterCombination"
    assert code_of(error_code(unvalidated_ec2.describe_images, MaxResults=4)) == "InvalidParameterValue"


def test_cli_latest_amazon_linux_lookup(aws):
    # The usual way to pick an AMI: newest AL2023 x86_64 image owned by Amazon.
    found = aws.run(
        "describe-images", "--owners", "amazon",
        "--filters", "Name=name,Values=al2023-ami-2023*-x86_64", "Name=state,Values=available",
        "--query", "sort_by(Images, &CreationDate)[-1].ImageId",
    )
    assert found == AL2023_X86


def test_images_launched_by_id_are_listed_as_the_callers(ec2, account):
    unknown = "ami-0123456789abcdef0"
    for image in (unknown, CENTOS6, "ami-1234abcd"):
        ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1)
    mine = ec2.describe_images(Owners=["self"])["Images"]
    assert ids(mine) == sorted(["ami-1234abcd", unknown])
    generic = next(i for i in mine if i["ImageId"] == unknown)
    assert generic["Name"] == unknown and generic["OwnerId"] == account
    assert generic["Architecture"] == "x86_64" and generic["Public"] is False
    assert generic["Description"] == "Image launched by ID; not in localvpc's catalogue"
    assert ids(ec2.describe_images(ImageIds=[unknown])["Images"]) == [unknown]
    assert len(ec2.describe_images()["Images"]) == 11, "catalogue images are not listed twice"
