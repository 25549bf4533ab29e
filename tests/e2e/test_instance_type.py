"""DescribeInstanceTypes over localvpc's instance-type table, driven by boto3 and the AWS CLI."""
from conftest import code_of, error_code


def describe(ec2, *names, **kwargs):
    found = ec2.describe_instance_types(InstanceTypes=list(names), **kwargs)["InstanceTypes"]
    return {t["InstanceType"]: t for t in found}


def names_for(ec2, *filters):
    found = ec2.describe_instance_types(Filters=[{"Name": n, "Values": v} for n, v in filters])["InstanceTypes"]
    return sorted(t["InstanceType"] for t in found)


def test_info_of_common_types(ec2):
    types = describe(ec2, "t3.medium", "t2.micro", "p4d.24xlarge", "m6g.large", "m5.metal")
    t3 = types["t3.medium"]
    assert t3["CurrentGeneration"] is True and t3["BareMetal"] is False and t3["Hypervisor"] == "nitro"
    assert t3["VCpuInfo"] == {"DefaultVCpus": 2} and t3["MemoryInfo"] == {"SizeInMiB": 4096}
    assert t3["ProcessorInfo"] == {"SupportedArchitectures": ["x86_64"]}
    assert t3["SupportedUsageClasses"] == ["on-demand"]
    assert t3["SupportedRootDeviceTypes"] == ["ebs"] and t3["SupportedVirtualizationTypes"] == ["hvm"]
    assert t3["FreeTierEligible"] is False
    net = t3["NetworkInfo"]
    assert net["MaximumNetworkInterfaces"] == 3 and net["Ipv4AddressesPerInterface"] == 6
    assert net["Ipv6AddressesPerInterface"] == 6 and net["Ipv6Supported"] is True
    assert net["MaximumNetworkCards"] == 1 and net["DefaultNetworkCardIndex"] == 0
    assert net["NetworkCards"] == [
        {"NetworkCardIndex": 0, "NetworkPerformance": net["NetworkPerformance"], "MaximumNetworkInterfaces": 3}
    ]
    assert net["EnaSupport"] == "required" and net["EfaSupported"] is False and "EfaInfo" not in net

    t2 = types["t2.micro"]
    assert t2["FreeTierEligible"] is True and t2["Hypervisor"] == "xen"
    assert t2["NetworkInfo"]["EnaSupport"] == "unsupported"

    p4d = types["p4d.24xlarge"]["NetworkInfo"]
    assert p4d["MaximumNetworkCards"] == 4 and p4d["MaximumNetworkInterfaces"] == 60
    assert [c["MaximumNetworkInterfaces"] for c in p4d["NetworkCards"]] == [15] * 4
    assert [c["NetworkCardIndex"] for c in p4d["NetworkCards"]] == [0, 1, 2, 3]
    assert p4d["EfaSupported"] is True and p4d["EfaInfo"] == {"MaximumEfaInterfaces": 4}

    assert types["m6g.large"]["ProcessorInfo"]["SupportedArchitectures"] == ["arm64"]
    metal = types["m5.metal"]
    assert metal["BareMetal"] is True and "Hypervisor" not in metal
    assert metal["NetworkInfo"]["EnaSupport"] == "required"


def test_unknown_types_are_all_named(ec2):
    err = error_code(ec2.describe_instance_types, InstanceTypes=["t3.micro", "t9.huge", "m5.giant"])
    assert code_of(err) == "InvalidInstanceType"
    assert err.response["Error"]["Message"] == "The following supplied instance types do not exist: [t9.huge, m5.giant]"


def test_filters(ec2):
    assert names_for(ec2, ("free-tier-eligible", ["true"])) == ["t2.micro", "t3.micro"]
    assert names_for(ec2, ("instance-type", ["t3.*"]), ("vcpu-info.default-vcpus", ["2"]),
                     ("memory-info.size-in-mib", ["4096"])) == ["t3.medium"]
    arm = names_for(ec2, ("processor-info.supported-architecture", ["arm64"]), ("instance-type", ["t4g.*"]))
    assert "t4g.micro" in arm and len(arm) == 7
    assert "m5.metal" in names_for(ec2, ("bare-metal", ["true"]))
    assert "m5.metal" not in names_for(ec2, ("hypervisor", ["nitro", "xen"]))
    assert names_for(ec2, ("network-info.maximum-network-cards", ["4"]), ("network-info.efa-info.maximum-efa-interfaces", ["4"]),
                     ("instance-type", ["p4d*"])) == ["p4d.24xlarge", "p4de.24xlarge"]
    many_enis = names_for(ec2, ("network-info.maximum-network-interfaces", ["15"]),
                          ("network-info.ipv4-addresses-per-interface", ["50"]), ("instance-type", ["m5.*"]))
    assert "m5.24xlarge" in many_enis
    assert names_for(ec2, ("network-info.ena-support", ["unsupported"]), ("instance-type", ["t2.micro", "t3.micro"])) == ["t2.micro"]
    assert names_for(ec2, ("network-info.ipv6-supported", ["false"]), ("network-info.ipv6-addresses-per-interface", ["0"]),
                     ("instance-type", ["t1.micro"])) == ["t1.micro"]
    assert names_for(ec2, ("network-info.efa-supported", ["true"]), ("instance-type", ["t3.micro"])) == []
    assert names_for(ec2, ("network-info.network-performance", ["Very Low"])) == ["t1.micro"]
    assert names_for(ec2, ("current-generation", ["false"]), ("instance-type", ["t1.micro", "t3.micro"])) == ["t1.micro"]
    err = error_code(ec2.describe_instance_types, Filters=[{"Name": "gpu-info.count", "Values": ["1"]}])
    assert code_of(err) == "InvalidParameterValue"
    assert err.response["Error"]["Message"] == "The filter 'gpu-info.count' is invalid"


def test_paging(ec2, unvalidated_ec2):
    everything = ec2.describe_instance_types()
    assert "NextToken" not in everything
    total = len(everything["InstanceTypes"])
    assert total > 1300
    pages, token, seen = 0, None, []
    while True:
        page = ec2.describe_instance_types(MaxResults=100, **({"NextToken": token} if token else {}))
        assert len(page["InstanceTypes"]) <= 100
        seen += [t["InstanceType"] for t in page["InstanceTypes"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == total and pages == (total + 99) // 100
    for bad in (4, 101):
        assert code_of(error_code(unvalidated_ec2.describe_instance_types, MaxResults=bad)) == "InvalidParameterValue"
    assert code_of(error_code(ec2.describe_instance_types, NextToken="zz")) == "InvalidNextToken"


def test_cli_pages_with_page_size(aws):
    # --page-size makes the CLI send MaxResults and follow NextToken itself.
    found = aws.run("describe-instance-types", "--page-size", "50", "--query", "InstanceTypes[].InstanceType")
    assert len(found) > 1300 and len(set(found)) == len(found)
    limits = aws.run(
        "describe-instance-types", "--instance-types", "t3.medium",
        "--query", "InstanceTypes[0].NetworkInfo.[MaximumNetworkInterfaces,Ipv4AddressesPerInterface]",
    )
    assert limits == [3, 6]
