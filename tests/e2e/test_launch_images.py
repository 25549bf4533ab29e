"""What the image decides at launch: IMDS defaults and architecture."""
from conftest import code_of, error_code

AL2023_X86 = "ami-0f4a8aa657d4799b8"
AL2023_ARM = "ami-0af46362c4efc7b4b"
DEBIAN_12 = "ami-0cd2ad2d4215f625d"


def test_al2023_requires_imdsv2_by_default(ec2):
    inst = ec2.run_instances(ImageId=AL2023_X86, InstanceType="t3.micro", MinCount=1, MaxCount=1)["Instances"][0]
    assert inst["MetadataOptions"]["HttpTokens"] == "required"
    assert inst["MetadataOptions"]["HttpPutResponseHopLimit"] == 2
    assert inst["Architecture"] == "x86_64"
    other = ec2.run_instances(ImageId=DEBIAN_12, InstanceType="t3.micro", MinCount=1, MaxCount=1)["Instances"][0]
    assert other["MetadataOptions"]["HttpTokens"] == "optional"
    explicit = ec2.run_instances(
        ImageId=AL2023_X86, InstanceType="t3.micro", MinCount=1, MaxCount=1, MetadataOptions={"HttpTokens": "optional"}
    )["Instances"][0]
    assert explicit["MetadataOptions"]["HttpTokens"] == "optional"


def test_architecture_must_match(ec2):
    err = error_code(ec2.run_instances, ImageId=AL2023_ARM, InstanceType="t3.micro", MinCount=1, MaxCount=1)
    assert code_of(err) == "InvalidParameterValue"
    assert "architecture 'x86_64' of the specified instance type does not match the architecture 'arm64'" in err.response["Error"]["Message"]
    inst = ec2.run_instances(ImageId=AL2023_ARM, InstanceType="t4g.micro", MinCount=1, MaxCount=1)["Instances"][0]
    assert inst["Architecture"] == "arm64"
