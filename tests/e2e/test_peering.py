"""VPC peering (issue 15): the API with AWS's rules, states and codes, within one account and
across accounts and regions of the same localvpc, driven by boto3 and the AWS CLI."""
import os
import tempfile

from conftest import DEFAULT_REGION, AwsCli, Server, client, code_of, error_code, new_account

UNKNOWN_PCX = "pcx-0123456789abcdef0"
FAILED = "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range"


def vpc(ec2, cidr):
    return ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]


def describe(ec2, pcx_id):
    return ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])["VpcPeeringConnections"][0]


def peer_client(server, region=DEFAULT_REGION):
    account = new_account()
    return account, client(server.endpoint, account, region)


def test_same_account_request_is_initiating_then_pending_then_active(ec2, account):
    a, b = vpc(ec2, "10.0.0.0/16"), vpc(ec2, "10.1.0.0/16")
    pcx = ec2.create_vpc_peering_connection(
        VpcId=a, PeerVpcId=b,
        TagSpecifications=[{"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "Name", "Value": "ab"}]}],
    )["VpcPeeringConnection"]
    pcx_id = pcx["VpcPeeringConnectionId"]
    assert pcx_id.startswith("pcx-") and len(pcx_id) == 21
    assert pcx["Status"] == {"Code": "initiating-request", "Message": f"Initiating Request to {account}"}
    assert pcx["RequesterVpcInfo"]["VpcId"] == a and pcx["RequesterVpcInfo"]["CidrBlock"] == "10.0.0.0/16"
    assert pcx["RequesterVpcInfo"]["OwnerId"] == account and pcx["RequesterVpcInfo"]["Region"] == DEFAULT_REGION
    assert pcx["AccepterVpcInfo"]["VpcId"] == b and pcx["AccepterVpcInfo"]["OwnerId"] == account
    assert pcx["Tags"] == [{"Key": "Name", "Value": "ab"}]
    assert "ExpirationTime" in pcx
    pending = describe(ec2, pcx_id)
    assert pending["Status"] == {"Code": "pending-acceptance", "Message": f"Pending Acceptance by {account}"}
    # The waiter polls Describe until the connection exists.
    ec2.get_waiter("vpc_peering_connection_exists").wait(VpcPeeringConnectionIds=[pcx_id])
    active = ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)["VpcPeeringConnection"]
    assert active["Status"] == {"Code": "active", "Message": "Active"}
    assert active["AccepterVpcInfo"]["CidrBlockSet"] == [{"CidrBlock": "10.1.0.0/16"}]
    assert active["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is False
    assert "ExpirationTime" not in active
    assert describe(ec2, pcx_id)["Status"]["Code"] == "active"
    # A second request between the same VPCs, either way round.
    err = error_code(ec2.create_vpc_peering_connection, VpcId=b, PeerVpcId=a)
    assert code_of(err) == "VpcPeeringConnectionAlreadyExists"
    err = error_code(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=pcx_id)
    assert code_of(err) == "InvalidStateTransition"
    assert ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)["Return"] is True
    deleted = describe(ec2, pcx_id)
    assert deleted["Status"] == {"Code": "deleted", "Message": f"Deleted by {account}"}
    ec2.get_waiter("vpc_peering_connection_deleted").wait(VpcPeeringConnectionIds=[pcx_id])
    err = error_code(ec2.delete_vpc_peering_connection, VpcPeeringConnectionId=pcx_id)
    assert code_of(err) == "InvalidStateTransition"


def test_overlapping_blocks_fail_with_awss_message(ec2):
    a, b = vpc(ec2, "10.0.0.0/16"), vpc(ec2, "10.0.128.0/17")
    pcx = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b)["VpcPeeringConnection"]
    assert pcx["Status"]["Code"] == "initiating-request"
    failed = describe(ec2, pcx["VpcPeeringConnectionId"])
    assert failed["Status"] == {"Code": "failed", "Message": FAILED}
    err = error_code(ec2.delete_vpc_peering_connection, VpcPeeringConnectionId=pcx["VpcPeeringConnectionId"])
    assert code_of(err) == "InvalidStateTransition"
    # A secondary block overlapping counts too.
    c = vpc(ec2, "10.2.0.0/16")
    d = vpc(ec2, "10.3.0.0/16")
    ec2.associate_vpc_cidr_block(VpcId=d, CidrBlock="10.2.5.0/24")
    pcx = ec2.create_vpc_peering_connection(VpcId=c, PeerVpcId=d)["VpcPeeringConnection"]
    assert describe(ec2, pcx["VpcPeeringConnectionId"])["Status"]["Code"] == "failed"


def test_unknown_and_malformed_ids(ec2, unvalidated_ec2):
    a = vpc(ec2, "10.0.0.0/16")
    err = error_code(ec2.create_vpc_peering_connection, VpcId=a, PeerVpcId="vpc-0123456789abcdef0")
    assert code_of(err) == "InvalidVpcID.NotFound"
    err = error_code(ec2.create_vpc_peering_connection, VpcId="vpc-0123456789abcdef0", PeerVpcId=a)
    assert code_of(err) == "InvalidVpcID.NotFound"
    for call in (ec2.accept_vpc_peering_connection, ec2.reject_vpc_peering_connection,
                 ec2.delete_vpc_peering_connection):
        err = error_code(call, VpcPeeringConnectionId=UNKNOWN_PCX)
        assert code_of(err) == "InvalidVpcPeeringConnectionID.NotFound"
        assert err.response["Error"]["Message"] == f"The vpcPeeringConnection ID '{UNKNOWN_PCX}' does not exist"
    err = error_code(ec2.describe_vpc_peering_connections, VpcPeeringConnectionIds=[UNKNOWN_PCX])
    assert code_of(err) == "InvalidVpcPeeringConnectionID.NotFound"
    err = error_code(ec2.describe_vpc_peering_connections, VpcPeeringConnectionIds=["pcx-zz"])
    assert code_of(err) == "InvalidVpcPeeringConnectionId.Malformed"
    err = error_code(ec2.describe_vpc_peering_connections, Filters=[{"Name": "bogus", "Values": ["x"]}])
    assert code_of(err) == "InvalidParameterValue"


def test_cross_account_request_is_accepted_only_by_the_accepter(server, ec2, account):
    peer_account, peer = peer_client(server)
    a = vpc(ec2, "10.0.0.0/16")
    b = vpc(peer, "10.1.0.0/16")
    pcx_id = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b, PeerOwnerId=peer_account)[
        "VpcPeeringConnection"]["VpcPeeringConnectionId"]
    # The accepter sees it in its own partition, pending its answer.
    seen = describe(peer, pcx_id)
    assert seen["Status"] == {"Code": "pending-acceptance", "Message": f"Pending Acceptance by {peer_account}"}
    assert seen["RequesterVpcInfo"]["OwnerId"] == account
    # Another account's blocks show only once active.
    assert "CidrBlock" not in describe(ec2, pcx_id)["AccepterVpcInfo"]
    err = error_code(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=pcx_id)
    assert code_of(err) == "OperationNotPermitted"
    assert err.response["Error"]["Message"] == f"User {account} cannot accept peering {pcx_id}"
    err = error_code(peer.delete_vpc_peering_connection, VpcPeeringConnectionId=pcx_id)
    assert code_of(err) == "OperationNotPermitted"
    # A third account does not see it at all.
    _, stranger = peer_client(server)
    err = error_code(stranger.accept_vpc_peering_connection, VpcPeeringConnectionId=pcx_id)
    assert code_of(err) == "InvalidVpcPeeringConnectionID.NotFound"
    # The accepter's VPC cannot go while the request waits for its answer.
    err = error_code(peer.delete_vpc, VpcId=b)
    assert code_of(err) == "DependencyViolation"
    active = peer.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)["VpcPeeringConnection"]
    assert active["Status"]["Code"] == "active"
    assert describe(ec2, pcx_id)["AccepterVpcInfo"]["CidrBlock"] == "10.1.0.0/16"
    # Each side tags the connection for itself.
    ec2.create_tags(Resources=[pcx_id], Tags=[{"Key": "Side", "Value": "requester"}])
    peer.create_tags(Resources=[pcx_id], Tags=[{"Key": "Side", "Value": "accepter"}, {"Key": "Only", "Value": "b"}])
    assert describe(ec2, pcx_id)["Tags"] == [{"Key": "Side", "Value": "requester"}]
    assert sorted(t["Key"] for t in describe(peer, pcx_id)["Tags"]) == ["Only", "Side"]
    peer.delete_tags(Resources=[pcx_id], Tags=[{"Key": "Side"}])
    assert describe(ec2, pcx_id)["Tags"] == [{"Key": "Side", "Value": "requester"}]
    tagged = peer.describe_tags(Filters=[{"Name": "resource-id", "Values": [pcx_id]}])["Tags"]
    assert [(t["Key"], t["ResourceType"]) for t in tagged] == [("Only", "vpc-peering-connection")]
    # Either side may delete an active connection; both then see it deleted by the deleter.
    peer.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    assert describe(ec2, pcx_id)["Status"] == {"Code": "deleted", "Message": f"Deleted by {peer_account}"}


def test_cross_region_request_is_answered_in_the_accepters_region(server, ec2, account):
    other = client(server.endpoint, account, "eu-west-1")
    a = vpc(ec2, "10.0.0.0/16")
    b = vpc(other, "10.1.0.0/16")
    pcx_id = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b, PeerRegion="eu-west-1")[
        "VpcPeeringConnection"]["VpcPeeringConnectionId"]
    assert describe(ec2, pcx_id)["AccepterVpcInfo"]["Region"] == "eu-west-1"
    err = error_code(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=pcx_id)
    assert code_of(err) == "OperationNotPermitted"
    other.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    assert describe(ec2, pcx_id)["Status"]["Code"] == "active"
    # A peer VPC that is not in the named region fails the request.
    wrong = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b, PeerRegion="us-east-1")["VpcPeeringConnection"]
    assert describe(ec2, wrong["VpcPeeringConnectionId"])["Status"] == {"Code": "failed", "Message": FAILED}
    err = error_code(other.describe_vpc_peering_connections, VpcPeeringConnectionIds=[wrong["VpcPeeringConnectionId"]])
    assert code_of(err) == "InvalidVpcPeeringConnectionID.NotFound"


def test_rejected_by_the_accepter_stays_listed(server, ec2, account):
    peer_account, peer = peer_client(server)
    a, b = vpc(ec2, "10.0.0.0/16"), vpc(peer, "10.1.0.0/16")
    pcx_id = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b, PeerOwnerId=peer_account)[
        "VpcPeeringConnection"]["VpcPeeringConnectionId"]
    err = error_code(ec2.reject_vpc_peering_connection, VpcPeeringConnectionId=pcx_id)
    assert code_of(err) == "OperationNotPermitted"
    assert peer.reject_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)["Return"] is True
    assert describe(ec2, pcx_id)["Status"] == {"Code": "rejected", "Message": f"Rejected by {peer_account}"}
    err = error_code(peer.accept_vpc_peering_connection, VpcPeeringConnectionId=pcx_id)
    assert code_of(err) == "InvalidStateTransition"
    err = error_code(ec2.delete_vpc_peering_connection, VpcPeeringConnectionId=pcx_id)
    assert code_of(err) == "InvalidStateTransition"
    # A new request between the same VPCs is allowed once the last one ended.
    ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b, PeerOwnerId=peer_account)


def test_filters_and_paging(ec2, account):
    # Five VPCs (the default one and four more: the region's quota) and six connections.
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    hub = vpc(ec2, "10.0.0.0/16")
    spokes = [vpc(ec2, f"10.{i}.0.0/16") for i in range(1, 4)] + [default]
    pairs = [(hub, s) for s in spokes] + [(spokes[0], spokes[1]), (spokes[0], spokes[2])]
    ids = [ec2.create_vpc_peering_connection(VpcId=x, PeerVpcId=y)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
           for x, y in pairs]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=ids[0])
    ec2.create_tags(Resources=[ids[1]], Tags=[{"Key": "team", "Value": "blue"}])

    def names(*filters):
        out = ec2.describe_vpc_peering_connections(Filters=list(filters))["VpcPeeringConnections"]
        return sorted(p["VpcPeeringConnectionId"] for p in out)

    assert names({"Name": "status-code", "Values": ["active"]}) == [ids[0]]
    assert names({"Name": "status-code", "Values": ["pending-acceptance"]}) == sorted(ids[1:])
    assert names({"Name": "accepter-vpc-info.vpc-id", "Values": [spokes[2]]}) == sorted([ids[2], ids[5]])
    assert names({"Name": "accepter-vpc-info.cidr-block", "Values": ["172.31.0.0/16"]}) == [ids[3]]
    assert names({"Name": "requester-vpc-info.vpc-id", "Values": [hub]}) == sorted(ids[:4])
    assert names({"Name": "requester-vpc-info.owner-id", "Values": [account]}) == sorted(ids)
    assert names({"Name": "requester-vpc-info.cidr-block", "Values": ["10.1.0.0/16"]}) == sorted(ids[4:])
    assert names({"Name": "vpc-peering-connection-id", "Values": [ids[4]]}) == [ids[4]]
    assert names({"Name": "tag:team", "Values": ["blue"]}) == [ids[1]]
    assert names({"Name": "tag-key", "Values": ["team"]}) == [ids[1]]
    expiry = describe(ec2, ids[1])["ExpirationTime"]
    assert ids[0] not in names({"Name": "expiration-time", "Values": ["*"]})
    assert expiry is not None
    pages = ec2.get_paginator("describe_vpc_peering_connections").paginate(PaginationConfig={"PageSize": 5})
    seen = [p["VpcPeeringConnectionId"] for page in pages for p in page["VpcPeeringConnections"]]
    assert sorted(seen) == sorted(ids)


def test_options_on_active_connections_each_side_its_own(server, ec2, account):
    peer_account, peer = peer_client(server)
    a, b = vpc(ec2, "10.0.0.0/16"), vpc(peer, "10.1.0.0/16")
    pcx_id = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b, PeerOwnerId=peer_account)[
        "VpcPeeringConnection"]["VpcPeeringConnectionId"]
    dns = {"AllowDnsResolutionFromRemoteVpc": True}
    err = error_code(ec2.modify_vpc_peering_connection_options, VpcPeeringConnectionId=pcx_id,
                     RequesterPeeringConnectionOptions=dns)
    assert code_of(err) == "OperationNotPermitted"
    assert err.response["Error"]["Message"] == (
        f"Peering {pcx_id} is not active. Peering options can be added only to active peerings.")
    peer.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    err = error_code(ec2.modify_vpc_peering_connection_options, VpcPeeringConnectionId=pcx_id,
                     RequesterPeeringConnectionOptions=dns)
    assert code_of(err) == "InvalidVpcPeeringConnectionState.DnsHostnamesDisabled"
    for client_, vpc_id in ((ec2, a), (peer, b)):
        client_.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    out = ec2.modify_vpc_peering_connection_options(VpcPeeringConnectionId=pcx_id,
                                                    RequesterPeeringConnectionOptions=dns)
    assert out["RequesterPeeringConnectionOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    assert "AccepterPeeringConnectionOptions" not in out
    err = error_code(ec2.modify_vpc_peering_connection_options, VpcPeeringConnectionId=pcx_id,
                     AccepterPeeringConnectionOptions=dns)
    assert code_of(err) == "OperationNotPermitted"
    err = error_code(peer.modify_vpc_peering_connection_options, VpcPeeringConnectionId=pcx_id,
                     AccepterPeeringConnectionOptions={"AllowEgressFromLocalClassicLinkToRemoteVpc": True})
    assert code_of(err) == "OperationNotPermitted"
    seen = describe(peer, pcx_id)
    assert seen["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    assert seen["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is False


def test_routes_to_a_peering_are_blackhole_until_active(ec2):
    a, b = vpc(ec2, "10.0.0.0/16"), vpc(ec2, "10.1.0.0/16")
    pcx_id = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    rtb = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [a]}])["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx_id)

    def route():
        table = ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]
        return next(r for r in table["Routes"] if r.get("DestinationCidrBlock") == "10.1.0.0/16")

    assert (route()["VpcPeeringConnectionId"], route()["State"]) == (pcx_id, "blackhole")
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    assert route()["State"] == "active"
    found = ec2.describe_route_tables(Filters=[{"Name": "route.vpc-peering-connection-id", "Values": [pcx_id]}])
    assert [t["RouteTableId"] for t in found["RouteTables"]] == [rtb]
    ec2.replace_route(RouteTableId=rtb, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx_id)
    # A connection of other VPCs cannot be a target of this table.
    c = vpc(ec2, "10.2.0.0/16")
    other = ec2.create_vpc_peering_connection(VpcId=b, PeerVpcId=c)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    err = error_code(ec2.create_route, RouteTableId=rtb, DestinationCidrBlock="10.2.0.0/16",
                     VpcPeeringConnectionId=other)
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.create_route, RouteTableId=rtb, DestinationCidrBlock="10.9.0.0/16",
                     VpcPeeringConnectionId=UNKNOWN_PCX)
    assert code_of(err) == "InvalidVpcPeeringConnectionID.NotFound"
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    assert route()["State"] == "blackhole"


def test_deleting_a_vpc_deletes_its_connections(ec2, account):
    a, b = vpc(ec2, "10.0.0.0/16"), vpc(ec2, "10.1.0.0/16")
    pcx_id = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    ec2.delete_vpc(VpcId=b)
    assert describe(ec2, pcx_id)["Status"]["Code"] == "deleted"


def test_active_peerings_per_vpc_quota(server):
    # A quota of 2 active connections per VPC, on a server of its own.
    with tempfile.TemporaryDirectory(prefix="localvpc-quota-") as data_dir:
        config = os.path.join(data_dir, "localvpc.toml")
        with open(config, "w") as f:
            f.write("[quotas]\nactive-peerings-per-vpc = 2\n")
        srv = Server(data_dir, ["--config", config])
        try:
            ec2 = client(srv.endpoint, new_account())
            hub = vpc(ec2, "10.0.0.0/16")
            ids = [ec2.create_vpc_peering_connection(VpcId=hub, PeerVpcId=vpc(ec2, f"10.{i}.0.0/16"))[
                "VpcPeeringConnection"]["VpcPeeringConnectionId"] for i in range(1, 4)]
            for pcx_id in ids[:2]:
                ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
            err = error_code(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=ids[2])
            assert code_of(err) == "ActiveVpcPeeringConnectionPerVpcLimitExceeded"
        finally:
            srv.stop()


def test_cli_round_trip(server, account):
    aws = AwsCli(server.endpoint, account)
    a = aws.run("create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"]["VpcId"]
    b = aws.run("create-vpc", "--cidr-block", "10.1.0.0/16")["Vpc"]["VpcId"]
    pcx = aws.run("create-vpc-peering-connection", "--vpc-id", a, "--peer-vpc-id", b)["VpcPeeringConnection"]
    pcx_id = pcx["VpcPeeringConnectionId"]
    aws.run("wait", "vpc-peering-connection-exists", "--vpc-peering-connection-ids", pcx_id)
    assert aws.run("accept-vpc-peering-connection", "--vpc-peering-connection-id", pcx_id)[
        "VpcPeeringConnection"]["Status"]["Code"] == "active"
    err = aws.error("reject-vpc-peering-connection", "--vpc-peering-connection-id", pcx_id)
    assert err.code == "InvalidStateTransition"
    aws.run("delete-vpc-peering-connection", "--vpc-peering-connection-id", pcx_id)
    aws.run("wait", "vpc-peering-connection-deleted", "--vpc-peering-connection-ids", pcx_id)


def test_a_rule_may_reference_a_group_of_an_actively_peered_vpc(server, ec2, account):
    peer_account, peer = peer_client(server)
    a, b = vpc(ec2, "10.0.0.0/16"), vpc(peer, "10.1.0.0/16")
    app = ec2.create_security_group(GroupName="app", Description="app", VpcId=a)["GroupId"]
    db = peer.create_security_group(GroupName="db", Description="db", VpcId=b)["GroupId"]
    rule = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
            "UserIdGroupPairs": [{"GroupId": app, "UserId": account}]}
    err = error_code(peer.authorize_security_group_ingress, GroupId=db, IpPermissions=[rule])
    assert code_of(err) == "InvalidGroup.NotFound", "not peered yet"
    pcx_id = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b, PeerOwnerId=peer_account)[
        "VpcPeeringConnection"]["VpcPeeringConnectionId"]
    err = error_code(peer.authorize_security_group_ingress, GroupId=db, IpPermissions=[rule])
    assert code_of(err) == "InvalidGroup.NotFound", "pending is not enough"
    peer.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    peer.authorize_security_group_ingress(GroupId=db, IpPermissions=[rule])
    (permission,) = peer.describe_security_groups(GroupIds=[db])["SecurityGroups"][0]["IpPermissions"]
    assert permission["UserIdGroupPairs"] == [{"GroupId": app, "UserId": account, "VpcId": a,
                                               "VpcPeeringConnectionId": pcx_id,
                                               "PeeringStatus": "active"}]
    refs = ec2.describe_security_group_references(GroupId=[app])["SecurityGroupReferenceSet"]
    assert refs == [{"GroupId": app, "ReferencingVpcId": b, "VpcPeeringConnectionId": pcx_id}]
    # Naming the connection is allowed; a connection of other VPCs is not.
    other = {**rule, "FromPort": 22, "ToPort": 22,
             "UserIdGroupPairs": [{"GroupId": app, "UserId": account, "VpcPeeringConnectionId": pcx_id}]}
    peer.authorize_security_group_ingress(GroupId=db, IpPermissions=[other])
    err = error_code(peer.authorize_security_group_ingress, GroupId=db, IpPermissions=[
        {**rule, "UserIdGroupPairs": [{"GroupId": app, "VpcPeeringConnectionId": UNKNOWN_PCX}]}])
    assert code_of(err) == "InvalidVpcPeeringConnectionID.NotFound"
    assert peer.describe_stale_security_groups(VpcId=b)["StaleSecurityGroupSet"] == []
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    assert ec2.describe_security_group_references(GroupId=[app])["SecurityGroupReferenceSet"] == []
    # The rules stay, stale: their peer is no longer reachable.
    (stale,) = peer.describe_stale_security_groups(VpcId=b)["StaleSecurityGroupSet"]
    assert (stale["GroupId"], stale["GroupName"], stale["VpcId"]) == (db, "db", b)
    assert sorted(p["FromPort"] for p in stale["StaleIpPermissions"]) == [22, 5432]
    pair = stale["StaleIpPermissions"][0]["UserIdGroupPairs"][0]
    assert pair == {"UserId": account, "GroupId": app, "VpcId": a, "VpcPeeringConnectionId": pcx_id,
                    "PeeringStatus": "deleted"}
    assert stale["StaleIpPermissionsEgress"] == []
    err = error_code(peer.describe_stale_security_groups, VpcId="vpc-0123456789abcdef0")
    assert code_of(err) == "InvalidVpcID.NotFound"


def test_a_group_a_peer_names_may_be_deleted_and_the_peers_rule_goes_stale(server, ec2, account):
    peer_account, peer = peer_client(server)
    a, b = vpc(ec2, "10.0.0.0/16"), vpc(peer, "10.1.0.0/16")
    app = ec2.create_security_group(GroupName="app", Description="app", VpcId=a)["GroupId"]
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=a)["GroupId"]
    db = peer.create_security_group(GroupName="db", Description="db", VpcId=b)["GroupId"]
    pcx_id = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b, PeerOwnerId=peer_account)[
        "VpcPeeringConnection"]["VpcPeeringConnectionId"]
    peer.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    from_app = [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                 "UserIdGroupPairs": [{"GroupId": app, "UserId": account}]}]
    peer.authorize_security_group_ingress(GroupId=db, IpPermissions=from_app)
    # A group of its own VPC naming it still holds it; its own rule naming itself does not.
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=from_app)
    ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[
        {**from_app[0], "FromPort": 80, "ToPort": 80}])
    err = error_code(ec2.delete_security_group, GroupId=app)
    assert code_of(err) == "DependencyViolation"
    ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=from_app)
    # Only the peer's rule names it now: the group goes, the peer's rule stays, stale.
    ec2.delete_security_group(GroupId=app)
    (permission,) = peer.describe_security_groups(GroupIds=[db])["SecurityGroups"][0]["IpPermissions"]
    assert permission["UserIdGroupPairs"][0]["GroupId"] == app
    (stale,) = peer.describe_stale_security_groups(VpcId=b)["StaleSecurityGroupSet"]
    assert stale["GroupId"] == db
    (pair,) = stale["StaleIpPermissions"][0]["UserIdGroupPairs"]
    assert (pair["GroupId"], pair["UserId"]) == (app, account)
