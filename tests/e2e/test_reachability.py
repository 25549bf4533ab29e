"""Reachability Analyzer through boto3 and the AWS CLI: paths between instances, ENIs, addresses
and the internet gateway, each failure kind with AWS's explanation code, the lifecycle and
AWS's refusals (reachability.md §1-2)."""
import time

import pytest

from conftest import code_of, error_code
from netkit import message, new_group, new_subnet, new_vpc, running, tag_specs


@pytest.fixture
def net(ec2):
    """VPC 10.0.0.0/16 with an attached IGW and 0.0.0.0/0 → IGW in the main table; web (EIP,
    tcp 22/80 from anywhere) in 10.0.1.0/24, db (tcp 5432 from web's group) in 10.0.2.0/24."""
    vpc = new_vpc(ec2)
    public = new_subnet(ec2, vpc, "10.0.1.0/24")
    private = new_subnet(ec2, vpc, "10.0.2.0/24")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    rtb = tables[0]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    web_sg = new_group(ec2, vpc, "web")
    db_sg = new_group(ec2, vpc, "db")
    for port in (22, 80):
        ec2.authorize_security_group_ingress(GroupId=web_sg, IpProtocol="tcp", FromPort=port, ToPort=port, CidrIp="0.0.0.0/0")
    ec2.authorize_security_group_ingress(
        GroupId=db_sg, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": web_sg}]}]
    )
    web = running(ec2, public, SecurityGroupIds=[web_sg])
    db = running(ec2, private, SecurityGroupIds=[db_sg])
    eip = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=eip["AllocationId"], InstanceId=web["InstanceId"])
    acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"][0]["NetworkAclId"]
    return dict(
        vpc=vpc, public=public, private=private, igw=igw, rtb=rtb, web_sg=web_sg, db_sg=db_sg, acl=acl,
        web=web["InstanceId"], db=db["InstanceId"], web_eni=web["NetworkInterfaces"][0]["NetworkInterfaceId"],
        db_eni=db["NetworkInterfaces"][0]["NetworkInterfaceId"], web_ip=web["PrivateIpAddress"],
        db_ip=db["PrivateIpAddress"], public_ip=eip["PublicIp"],
    )


def analyze(ec2, source, destination=None, port=None, protocol="tcp", **kw):
    """Creates a path, starts an analysis, polls it to its end; returns (path id, analysis)."""
    args = dict(Source=source, Protocol=protocol, **kw)
    if destination:
        args["Destination"] = destination
    if port is not None:
        args["DestinationPort"] = port
    path = ec2.create_network_insights_path(**args)["NetworkInsightsPath"]["NetworkInsightsPathId"]
    started = ec2.start_network_insights_analysis(NetworkInsightsPathId=path)["NetworkInsightsAnalysis"]
    assert started["Status"] == "running"
    for _ in range(50):
        got = ec2.describe_network_insights_analyses(NetworkInsightsAnalysisIds=[started["NetworkInsightsAnalysisId"]])
        analysis = got["NetworkInsightsAnalyses"][0]
        if analysis["Status"] != "running":
            return path, analysis
        time.sleep(0.1)
    raise AssertionError("analysis still running")


def codes(analysis):
    return [e["ExplanationCode"] for e in analysis.get("Explanations", [])]


def kinds(components):
    return [c["Component"]["Id"].split("-")[0] for c in components]


def test_instance_to_instance_across_subnets_with_components_in_aws_order(ec2, net):
    _, a = analyze(ec2, net["web"], net["db"], 5432)
    assert a["Status"] == "succeeded"
    assert a["NetworkPathFound"] is True
    assert kinds(a["ForwardPathComponents"]) == ["i", "eni", "sg", "acl", "rtb", "acl", "sg", "eni", "i"]
    assert [c["SequenceNumber"] for c in a["ForwardPathComponents"]] == list(range(1, 10))
    sg = a["ForwardPathComponents"][6]
    assert sg["SecurityGroupRule"]["SecurityGroupId"] == net["db_sg"]
    assert sg["SecurityGroupRule"]["Direction"] == "ingress"
    acl = a["ForwardPathComponents"][3]["AclRule"]
    assert (acl["RuleNumber"], acl["RuleAction"], acl["Egress"], acl["Protocol"]) == (100, "allow", True, "all")
    route = a["ForwardPathComponents"][4]["RouteTableRoute"]
    assert (route["DestinationCidr"], route["GatewayId"], route["State"]) == ("10.0.0.0/16", "local", "active")
    assert a["ForwardPathComponents"][1]["AttachedTo"]["Id"] == net["web"]
    assert a["ReturnPathComponents"][0]["Component"]["Id"] == net["db"]
    assert a["ForwardPathComponents"][0]["OutboundHeader"]["Protocol"] == "6"
    assert a["NetworkInsightsAnalysisArn"].endswith(":network-insights-analysis/" + a["NetworkInsightsAnalysisId"])


def test_security_group_mismatch(ec2, net):
    _, a = analyze(ec2, net["web"], net["db"], 22)
    assert a["NetworkPathFound"] is False
    assert codes(a) == ["ENI_SG_RULES_MISMATCH"]
    e = a["Explanations"][0]
    assert e["Direction"] == "ingress"
    assert e["NetworkInterface"]["Id"] == net["db_eni"]
    assert [g["Id"] for g in e["SecurityGroups"]] == [net["db_sg"]]
    assert e["PacketField"] == "destination-port"
    # Components end before the blocking group.
    assert kinds(a["ForwardPathComponents"]) == ["i", "eni", "sg", "acl", "rtb", "acl"]


def test_acl_deny_names_its_rule(ec2, net):
    ec2.create_network_acl_entry(NetworkAclId=net["acl"], RuleNumber=90, Protocol="6", RuleAction="deny",
                                 Egress=False, CidrBlock="10.0.1.0/24", PortRange={"From": 5432, "To": 5432})
    _, a = analyze(ec2, net["web"], net["db"], 5432)
    assert codes(a) == ["SUBNET_ACL_RESTRICTION"]
    e = a["Explanations"][0]
    assert (e["Acl"]["Id"], e["AclRule"]["RuleNumber"], e["AclRule"]["RuleAction"], e["Direction"]) == (net["acl"], 90, "deny", "ingress")


def test_internet_to_instance_through_the_igw_and_its_return(ec2, net):
    _, a = analyze(ec2, net["igw"], net["web"], 80)
    assert a["NetworkPathFound"] is True
    assert kinds(a["ForwardPathComponents"]) == ["igw", "acl", "sg", "eni", "i"]
    igw = a["ForwardPathComponents"][0]
    assert igw["InboundHeader"]["DestinationAddresses"] == [net["public_ip"] + "/32"]
    assert igw["OutboundHeader"]["DestinationAddresses"] == [net["web_ip"] + "/32"]
    assert kinds(a["ReturnPathComponents"]) == ["i", "eni", "sg", "acl", "rtb", "igw"]
    assert a["ReturnPathComponents"][4]["RouteTableRoute"]["GatewayId"] == net["igw"]


def test_no_public_address_behind_the_igw(ec2, net):
    _, a = analyze(ec2, net["db"], net["igw"], 443)
    assert codes(a) == ["IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"]
    _, a = analyze(ec2, net["igw"], net["db"], 5432)
    assert codes(a) == ["IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"]


def test_missing_and_blackhole_routes(ec2, net):
    ec2.delete_route(RouteTableId=net["rtb"], DestinationCidrBlock="0.0.0.0/0")
    _, a = analyze(ec2, net["web"], net["igw"], 443)
    assert codes(a) == ["NO_ROUTE_TO_DESTINATION"]
    assert a["Explanations"][0]["RouteTable"]["Id"] == net["rtb"]
    # A route to an interface that is attached to nothing is a blackhole.
    spare = ec2.create_network_interface(SubnetId=net["private"])["NetworkInterface"]["NetworkInterfaceId"]
    ec2.create_route(RouteTableId=net["rtb"], DestinationCidrBlock="192.0.2.0/24", NetworkInterfaceId=spare)
    _, a = analyze(ec2, net["web"], None, None, FilterAtSource={"DestinationAddress": "192.0.2.1", "DestinationPortRange": {"FromPort": 443, "ToPort": 443}})
    assert codes(a) == ["BAD_STATE_ROUTE"]
    assert a["Explanations"][0]["RouteTableRoute"]["State"] == "blackhole"


def test_source_dest_check_on_an_appliance_route(ec2, net):
    appliance = running(ec2, net["public"], SecurityGroupIds=[net["web_sg"]])
    eni = appliance["NetworkInterfaces"][0]["NetworkInterfaceId"]
    rtb = ec2.create_route_table(VpcId=net["vpc"])["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=net["private"])
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", NetworkInterfaceId=eni)
    ec2.authorize_security_group_ingress(GroupId=net["web_sg"], IpProtocol="-1", CidrIp="10.0.0.0/16")
    _, a = analyze(ec2, net["db"], None, None, FilterAtSource={"DestinationAddress": "192.0.2.1", "DestinationPortRange": {"FromPort": 443, "ToPort": 443}})
    assert codes(a)[0] == "ENI_SOURCE_DEST_CHECK_RESTRICTION"
    assert a["Explanations"][0]["NetworkInterface"]["Id"] == eni


def test_eni_source_and_ip_destination(ec2, net):
    _, a = analyze(ec2, net["web_eni"], None, None, FilterAtSource={"DestinationAddress": net["db_ip"], "DestinationPortRange": {"FromPort": 5432, "ToPort": 5432}})
    assert a["NetworkPathFound"] is True
    assert kinds(a["ForwardPathComponents"])[0] == "eni"


def test_snapshot_lifecycle_filters_paging_and_refusals(ec2, net):
    path, first = analyze(ec2, net["web"], net["db"], 5432, TagSpecifications=tag_specs("network-insights-path", Name="web-db"))
    assert first["NetworkPathFound"] is True
    # A later change does not alter the stored result; a new analysis sees it.
    ec2.revoke_security_group_ingress(
        GroupId=net["db_sg"], IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": net["web_sg"]}]}]
    )
    again = ec2.describe_network_insights_analyses(NetworkInsightsAnalysisIds=[first["NetworkInsightsAnalysisId"]])["NetworkInsightsAnalyses"][0]
    assert again["NetworkPathFound"] is True
    second = ec2.start_network_insights_analysis(NetworkInsightsPathId=path)["NetworkInsightsAnalysis"]
    listed = ec2.describe_network_insights_analyses(NetworkInsightsPathId=path)["NetworkInsightsAnalyses"]
    assert len(listed) == 2
    found = ec2.describe_network_insights_analyses(Filters=[{"Name": "path-found", "Values": ["false"]}])["NetworkInsightsAnalyses"]
    assert [a["NetworkInsightsAnalysisId"] for a in found] == [second["NetworkInsightsAnalysisId"]]
    page = ec2.describe_network_insights_analyses(NetworkInsightsPathId=path, MaxResults=1)
    assert len(page["NetworkInsightsAnalyses"]) == 1 and page["NextToken"]
    paths = ec2.describe_network_insights_paths(Filters=[{"Name": "tag:Name", "Values": ["web-db"]}])["NetworkInsightsPaths"]
    assert [p["NetworkInsightsPathId"] for p in paths] == [path]
    assert paths[0]["Source"] == net["web"] and paths[0]["SourceArn"].endswith(":instance/" + net["web"])
    assert ec2.describe_network_insights_paths(Filters=[{"Name": "destination", "Values": [net["db"]]}])["NetworkInsightsPaths"]

    err = error_code(ec2.delete_network_insights_path, NetworkInsightsPathId=path)
    assert code_of(err) == "AnalysisExistsForNetworkInsightsPath"
    assert message(err).startswith("At least one analysis [nia-")
    for a in listed:
        ec2.delete_network_insights_analysis(NetworkInsightsAnalysisId=a["NetworkInsightsAnalysisId"])
    assert ec2.delete_network_insights_path(NetworkInsightsPathId=path)["NetworkInsightsPathId"] == path
    err = error_code(ec2.describe_network_insights_paths, NetworkInsightsPathIds=[path])
    assert code_of(err) == "InvalidNetworkInsightsPathId.NotFound"


def test_create_refusals(ec2, unvalidated_ec2, net):
    err = error_code(ec2.create_network_insights_path, Source=net["web"], Protocol="tcp")
    assert code_of(err) == "MissingParameter"
    assert "either the Destination parameter or the FilterAtSource.DestinationAddress" in message(err)
    err = error_code(ec2.create_network_insights_path, Source="i-0123456789abcdef0", Destination=net["db"], Protocol="tcp")
    assert code_of(err) == "InvalidInstanceID.NotFound"
    err = error_code(ec2.create_network_insights_path, Source="tgw-0123456789abcdef0", Destination=net["db"], Protocol="tcp")
    assert code_of(err) == "UnsupportedOperation"
    err = error_code(unvalidated_ec2.create_network_insights_path, Source=net["web"], Destination=net["db"], Protocol="tcp", SourceIp="999.1.1.1")
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.create_network_insights_path, Source=net["web"], Destination=net["db"], Protocol="tcp",
                     SourceIp="10.0.1.5", FilterAtSource={"SourceAddress": "10.0.1.5"})
    assert code_of(err) == "InvalidParameterCombination"
    err = error_code(ec2.start_network_insights_analysis, NetworkInsightsPathId="nip-0123456789abcdef0")
    assert code_of(err) == "InvalidNetworkInsightsPathId.NotFound"
    err = error_code(ec2.delete_network_insights_analysis, NetworkInsightsAnalysisId="nia-0123456789abcdef0")
    assert code_of(err) == "InvalidNetworkInsightsAnalysisId.NotFound"


def test_with_the_aws_cli_by_arn_and_upper_case_protocol(aws, ec2, net):
    account = net["web"] and ec2.describe_security_groups(GroupIds=[net["web_sg"]])["SecurityGroups"][0]["OwnerId"]
    arn = f"arn:aws:ec2:ap-northeast-1:{account}:instance/{net['web']}"
    path = aws.run("create-network-insights-path", "--source", arn, "--destination", net["db"], "--protocol", "TCP",
                   "--destination-port", "5432")["NetworkInsightsPath"]
    assert (path["Protocol"], path["Source"], path["SourceArn"]) == ("tcp", net["web"], arn)
    started = aws.run("start-network-insights-analysis", "--network-insights-path-id", path["NetworkInsightsPathId"])
    analysis_id = started["NetworkInsightsAnalysis"]["NetworkInsightsAnalysisId"]
    out = aws.run("describe-network-insights-analyses", "--network-insights-analysis-ids", analysis_id,
                  "--query", "NetworkInsightsAnalyses[0].[Status,NetworkPathFound]")
    assert out == ["succeeded", True]


def arn(ec2, kind, resource_id):
    account = ec2.describe_security_groups()["SecurityGroups"][0]["OwnerId"]
    return f"arn:aws:ec2:ap-northeast-1:{account}:{kind}/{resource_id}"


def start(ec2, path, **kw):
    started = ec2.start_network_insights_analysis(NetworkInsightsPathId=path, **kw)["NetworkInsightsAnalysis"]
    got = ec2.describe_network_insights_analyses(NetworkInsightsAnalysisIds=[started["NetworkInsightsAnalysisId"]])
    return started, got["NetworkInsightsAnalyses"][0]


def test_filter_in_and_out_arns_choose_the_path_and_additional_accounts_echo(ec2, net):
    # web gets a second ENI (web's group) in db's subnet: two ways from web to db.
    second = ec2.create_network_interface(SubnetId=net["private"], Groups=[net["web_sg"]])["NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(NetworkInterfaceId=second, InstanceId=net["web"], DeviceIndex=1)
    path, a = analyze(ec2, net["web"], net["db"], 5432)
    assert a["ForwardPathComponents"][1]["Component"]["Id"] == net["web_eni"]
    # Excluding eth0's ENI: the path leaves by the second one, within db's subnet (no ACL).
    out_arn = arn(ec2, "network-interface", net["web_eni"])
    started, a = start(ec2, path, FilterOutArns=[out_arn])
    assert started["FilterOutArns"] == [out_arn]
    assert a["NetworkPathFound"] is True and a["FilterOutArns"] == [out_arn]
    assert a["ForwardPathComponents"][1]["Component"]["Id"] == second
    assert kinds(a["ForwardPathComponents"]) == ["i", "eni", "sg", "rtb", "sg", "eni", "i"]
    # Requiring the public subnet's ACL keeps eth0's path.
    _, a = start(ec2, path, FilterInArns=[arn(ec2, "subnet", net["public"])])
    assert a["NetworkPathFound"] is True and a["ForwardPathComponents"][1]["Component"]["Id"] == net["web_eni"]
    # Both at once: no path; the blocker names the filter.
    _, a = start(ec2, path, FilterInArns=[arn(ec2, "subnet", net["public"])], FilterOutArns=[out_arn])
    assert a["NetworkPathFound"] is False
    assert set(codes(a)) <= {"COMPONENT_FILTER_RESTRICTION", "COMPONENT_FILTER_REMOVED_COMPONENT"} and codes(a)
    # A subnet no path crosses.
    other = new_subnet(ec2, net["vpc"], "10.0.3.0/24")
    _, a = start(ec2, path, FilterInArns=[arn(ec2, "subnet", other)])
    assert codes(a) == ["COMPONENT_FILTER_RESTRICTION"] and a["Explanations"][0]["Component"]["Id"] == other
    # AdditionalAccounts: member accounts whose resources the path may cross; echoed back.
    started, a = start(ec2, path, AdditionalAccounts=["210987654321"])
    assert started["AdditionalAccounts"] == ["210987654321"] and a["AdditionalAccounts"] == ["210987654321"]
    assert a["NetworkPathFound"] is True
    foreign = "arn:aws:ec2:ap-northeast-1:210987654321:vpc/vpc-0123456789abcdef0"
    _, a = start(ec2, path, AdditionalAccounts=["210987654321"], FilterInArns=[foreign])
    assert codes(a) == ["COMPONENT_FILTER_RESTRICTION"]


def test_filter_arn_refusals(ec2, net):
    path, _ = analyze(ec2, net["web"], net["db"], 5432)
    for bad in [
        dict(FilterInArns=["arn:aws:ec2:ap-northeast-1:123456789012:key-pair/key-0123456789abcdef0"]),
        dict(FilterInArns=["sg-0123456789abcdef0"]),
        dict(FilterInArns=[arn(ec2, "security-group", "sg-0123456789abcdef0")]),  # no such group
        dict(FilterInArns=["arn:aws:ec2:ap-northeast-1:210987654321:vpc/vpc-0123456789abcdef0"]),  # not an additional account
        dict(FilterOutArns=[arn(ec2, "instance", net["db"])]),  # the destination itself
        dict(AdditionalAccounts=["12345"]),
    ]:
        err = error_code(ec2.start_network_insights_analysis, NetworkInsightsPathId=path, **bad)
        assert code_of(err) == "InvalidParameterValue", bad


def test_a_path_over_an_active_peering_connection_and_none_past_it(ec2):
    """Peered VPCs of one account: the analysis crosses the connection into the peer VPC, whose
    groups decide; a destination beyond the peer (no transit) is not reachable."""
    def side(cidr, subnet_cidr, address, peer_cidr):
        vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        sub = ec2.create_subnet(VpcId=vpc, CidrBlock=subnet_cidr)["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": peer_cidr}]}])
        instance = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.micro", MinCount=1,
                                     MaxCount=1, SubnetId=sub, PrivateIpAddress=address,
                                     SecurityGroupIds=[group])["Instances"][0]["InstanceId"]
        table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
        return vpc, table, instance

    vpc_a, table_a, app = side("10.0.0.0/16", "10.0.1.0/24", "10.0.1.10", "10.1.0.0/16")
    vpc_b, table_b, db = side("10.1.0.0/16", "10.1.1.0/24", "10.1.1.10", "10.0.0.0/16")
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_b)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.create_route(RouteTableId=table_a, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx)
    ec2.create_route(RouteTableId=table_b, DestinationCidrBlock="10.0.0.0/16", VpcPeeringConnectionId=pcx)
    _, pending = analyze(ec2, app, db, 5432)
    assert pending["NetworkPathFound"] is False, "blackhole routes until accepted"
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    _, a = analyze(ec2, app, db, 5432)
    assert a["NetworkPathFound"] is True, a.get("Explanations")
    ids = [c["Component"]["Id"] for c in a["ForwardPathComponents"]]
    assert pcx in ids and ids[-1] == db
    assert a["ReturnPathComponents"][0]["Component"]["Id"] == db
    _, closed = analyze(ec2, app, db, 22)
    assert closed["NetworkPathFound"] is False and codes(closed) == ["ENI_SG_RULES_MISMATCH"]
