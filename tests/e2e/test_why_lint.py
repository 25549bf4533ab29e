"""`localvpc why` and `localvpc lint` as users run them: the binary finds the server through
AWS_ENDPOINT_URL_EC2 (or --endpoint) and signs with the caller's credentials; exact trace and
finding lines, formats and exit codes (reachability.md §3.5, §4)."""
import json
import os
import subprocess

import boto3

from conftest import BINARY, DEFAULT_REGION, Server, free_port
from netkit import instance, new_subnet, new_vpc
from test_reachability import net  # noqa: F401 (the fixture)

CENTOS_6 = "ami-0f9466cc946f3076b"  # brings up eth0 only (seed 003)


def localvpc(server, account, *args, env=None):
    """Runs `localvpc ARGS…` as `account`; returns (exit status, stdout, stderr)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update(
        AWS_ENDPOINT_URL_EC2=server.endpoint, AWS_ACCESS_KEY_ID=account, AWS_SECRET_ACCESS_KEY="x",
        AWS_DEFAULT_REGION=DEFAULT_REGION, AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
    )
    environment.update(env or {})
    proc = subprocess.run([BINARY, *args], env=environment, capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def lines(text):
    return [" ".join(line.split()) for line in text.splitlines()]


def test_why_reachable_prints_every_hop_and_exits_0(server, account, net):
    status, out, _ = localvpc(server, account, "why", net["web"], net["db"], "--port", "5432")
    assert status == 0, out
    got = lines(out)
    assert got[0].startswith(f"flow tcp {net['web_ip']}:") and got[0].endswith(f"-> {net['db_ip']}:5432")
    assert got[1] == "vpc REACHABLE"
    assert got[2] == "forward ACCEPTED"
    assert f"3 {net['web_sg']} SG_EGRESS PERMITTED egress all 0.0.0.0/0" in got
    assert f"4 {net['acl']} ACL_EGRESS PERMITTED 100 ALL 0.0.0.0/0 ALLOW" in got
    assert f"5 {net['rtb']} ROUTE FORWARDED 10.0.0.0/16 local" in got
    assert f"7 {net['db_sg']} SG_INGRESS PERMITTED ingress tcp 5432 {net['web_sg']}" in got
    assert "return ACCEPTED" in got
    assert "findings" not in got


def test_why_blocked_names_the_group_and_the_smallest_fix_and_exits_1(server, account, net):
    status, out, _ = localvpc(server, account, "why", net["db"], net["web"], "--port", "5432")
    assert status == 1, out
    got = lines(out)
    assert got[1] == "vpc NOT REACHABLE"
    assert got[2] == "forward DENIED_IN"
    assert f"7 {net['web_sg']} SG_INGRESS DENIED no ingress rule of {net['web_sg']} admits it" in got, out
    assert f"ENI_SG_RULES_MISMATCH {net['web_eni']}: no ingress rule of {net['web_sg']} on {net['web_eni']} admits the traffic (destination-port)" in got
    assert (f"fix: aws ec2 authorize-security-group-ingress --group-id {net['web_sg']} --protocol tcp --port 5432 "
            f"--cidr {net['db_ip']}/32") in got


def test_why_from_the_internet_through_the_gateway(server, account, net):
    status, out, _ = localvpc(server, account, "why", "internet", net["web"], "--port", "80")
    assert status == 0, out
    assert any(line.startswith(f"1 {net['igw']} NAT TRANSFORMED") for line in lines(out)), out
    status, out, _ = localvpc(server, account, "why", "internet", net["db"], "--port", "22")
    assert status == 1
    assert "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS" in out or "ENI_SG_RULES_MISMATCH" in out, out


def test_why_json_and_bad_input(server, account, net):
    status, out, _ = localvpc(server, account, "why", net["web_ip"], net["db_ip"], "--port", "5432", "--format", "json")
    assert status == 0
    trace = json.loads(out)
    assert trace["vpc_verdict"] == "REACHABLE"
    assert [h["step"] for h in trace["forward"]][-1] == "DELIVER"
    assert {"seq", "node", "step", "verdict", "rule"} <= set(trace["forward"][0])
    # Bad input: exit 2 with the reason, nothing on stdout.
    for args in (["why", "nope", net["db"]], ["why", net["web"], net["db"], "--protocol", "sctp"],
                 ["why", net["web"], net["db"], "--port", "70000"]):
        status, out, err = localvpc(server, account, *args)
        assert (status, out) == (2, ""), (args, status, out, err)
    status, _, err = localvpc(server, account, "why", "nope", net["db"])
    assert "InvalidParameterValue: nope is no instance" in err
    status, _, err = localvpc(server, account, "why", net["web"], net["db"], "--endpoint", f"http://127.0.0.1:{free_port()}")
    assert status == 2 and "no localvpc server answers" in err
    status, _, err = localvpc(server, account, "why", net["web"], net["db"], env={"AWS_ACCESS_KEY_ID": ""})
    assert status == 2 and "no credentials" in err


def test_why_reads_the_profile_files_like_the_aws_cli(server, account, net, tmp_path):
    (tmp_path / "credentials").write_text(f"[lab]\naws_access_key_id = {account}\naws_secret_access_key = x\n")
    (tmp_path / "config").write_text(f"[profile lab]\nregion = {DEFAULT_REGION}\n")
    env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "lab",
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"), "AWS_CONFIG_FILE": str(tmp_path / "config")}
    status, out, err = localvpc(server, account, "why", net["web"], net["db"], "--port", "5432", env=env)
    assert status == 0, err


def launched(ec2, subnet, image):
    """An instance of `image` in `subnet`, described once so that it is running."""
    i = ec2.run_instances(ImageId=image, InstanceType="t3.medium", MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]
    return instance(ec2, i["InstanceId"])


def seed_003_and_004(ec2):
    """Seed 003's CentOS 6 instance with eth1 in another subnet, and seed 004's instance with
    two ENIs in one subnet (Amazon Linux)."""
    vpc = new_vpc(ec2)
    s1 = new_subnet(ec2, vpc, "10.0.1.0/24")
    s2 = new_subnet(ec2, vpc, "10.0.2.0/24")
    centos_instance = launched(ec2, s1, CENTOS_6)
    centos = centos_instance["InstanceId"]
    eth1 = ec2.create_network_interface(SubnetId=s2, PrivateIpAddress="10.0.2.5")["NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(NetworkInterfaceId=eth1, InstanceId=centos, DeviceIndex=1)
    active = launched(ec2, s1, "ami-0f4a8aa657d4799b8")
    service = ec2.create_network_interface(SubnetId=s1, PrivateIpAddress="10.0.1.100")["NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(NetworkInterfaceId=service, InstanceId=active["InstanceId"], DeviceIndex=1)
    return dict(vpc=vpc, s1=s1, centos=centos, eth0=centos_instance["NetworkInterfaces"][0]["NetworkInterfaceId"], eth1=eth1, active=active["InstanceId"],
                primary=active["NetworkInterfaces"][0]["NetworkInterfaceId"], service=service)


def test_lint_finds_seed_004_same_subnet_and_seed_003_unconfigured_eni(server, account, ec2):
    s = seed_003_and_004(ec2)
    status, out, _ = localvpc(server, account, "lint")
    assert status == 0, out  # warnings only: the default --fail-on is error
    got = out.splitlines()
    same = got.index(f"warning LV101 {s['active']}: {s['active']} has 2 ENIs in {s['s1']} ({s['primary']}, {s['service']}): "
                     "replies may leave by the other ENI (asymmetric routing), and no bandwidth is gained")
    assert got[same + 1] == (f"  fix: assign secondary private IPs to {s['primary']} instead (aws ec2 assign-private-ip-addresses), "
                             "or configure per-ENI policy routing in the guest")
    assert got[same + 2].startswith("  from: seed 004; https://docs.aws.amazon.com/")
    eth1 = got.index(f"warning LV102 {s['eth1']}: {s['eth1']} is eth1 of {s['centos']} whose image {CENTOS_6} does not "
                     "configure attached interfaces: eth1 stays down, without 10.0.2.5 or routes")
    assert got[eth1 + 1].startswith(f"  fix: run `localvpc agent` in {s['centos']}")
    assert got[eth1 + 2].startswith("  from: seed 000, 003;")
    assert got[-1] == f"0 errors, 2 warnings, 2 notes in {account} {DEFAULT_REGION}"
    assert localvpc(server, account, "lint", "--fail-on", "warning")[0] == 1
    assert localvpc(server, account, "lint", "--fail-on", "info", "--only", "LV101")[0] == 1
    assert localvpc(server, account, "lint", "--fail-on", "info", "--skip", "LV101", "LV102", "LV204")[0] == 0
    assert localvpc(server, account, "lint", "--only", "LV999")[0] == 2


def test_lint_json_sarif_and_an_error_finding(server, account, ec2):
    s = seed_003_and_004(ec2)
    # An Elastic IP without a route to the gateway: error LV105.
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=s["vpc"])
    rtb = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [s["vpc"]]}])["RouteTables"][0]["RouteTableId"]
    eip = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=eip["AllocationId"], NetworkInterfaceId=s["eth0"])
    status, out, _ = localvpc(server, account, "lint", "--format", "json")
    assert status == 1
    report = json.loads(out)
    assert (report["tool"], report["account"], report["region"]) == ("localvpc-lint", account, DEFAULT_REGION)
    first = report["findings"][0]
    assert (first["rule"], first["name"], first["severity"]) == ("LV105", "eip-without-igw-route", "error")
    assert first["message"] == f"Elastic IP {eip['PublicIp']} on {s['eth0']} but {rtb} ({s['s1']}) has no route to {igw}"
    assert first["resources"] == [s["eth0"], s["centos"], rtb, s["s1"], igw]
    assert first["fix"] == f"aws ec2 create-route --route-table-id {rtb} --destination-cidr-block 0.0.0.0/0 --gateway-id {igw}"
    assert first["source"] == {"seed": "001", "doc": "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html"}
    status, out, _ = localvpc(server, account, "lint", "--format", "sarif", "--fail-on", "never")
    assert status == 0
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "localvpc-lint"
    results = {(r["ruleId"], r["level"]) for r in run["results"]}
    assert {("LV105", "error"), ("LV101", "warning"), ("LV102", "warning"), ("LV204", "note")} <= results
    for r in run["results"]:
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith(f"arn:aws:ec2:{DEFAULT_REGION}:{account}:")


def test_signed_requests_pass_auth_verify_and_see_only_the_key_holders_account(tmp_path):
    key, secret, account = "AKIALINTEXAMPLE00001", "lint/secret+key=0123456789abcdef", "111122223333"
    creds = tmp_path / "credentials"
    creds.write_text(f"[lab]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\naws_account_id = {account}\n")
    srv = Server(str(tmp_path / "data"), ["--auth", "verify", "--credentials", str(creds)])
    try:
        ec2 = boto3.client("ec2", endpoint_url=srv.endpoint, region_name=DEFAULT_REGION,
                           aws_access_key_id=key, aws_secret_access_key=secret)
        s = seed_003_and_004(ec2)
        env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": "lab",
               "AWS_SHARED_CREDENTIALS_FILE": str(creds)}
        status, out, err = localvpc(srv, key, "lint", "--only", "LV102", env=env)
        assert status == 0 and out.splitlines()[0].startswith(f"warning LV102 {s['eth1']}:"), err
        assert out.splitlines()[-1].endswith(f"in {account} {DEFAULT_REGION}")
        status, out, err = localvpc(srv, key, "why", s["active"], s["centos"], env=env)
        assert status == 0, err
        # A wrong secret is refused with AWS's code: exit 2.
        status, out, err = localvpc(srv, key, "lint", env={"AWS_SECRET_ACCESS_KEY": "wrong"})
        assert (status, out) == (2, "") and "SignatureDoesNotMatch" in err, err
    finally:
        srv.stop()


def test_looking_into_guests_needs_the_data_plane(server, account, net):
    """Without `serve --dataplane` the guests are not observable: `--guest on` and `lint
    --guest` are refused (exit 2), `--guest auto` answers as AWS does (no guest verdict)."""
    status, _, err = localvpc(server, account, "why", net["web"], net["db"], "--port", "5432", "--guest", "on")
    assert status == 2 and "--dataplane" in err, err
    status, out, _ = localvpc(server, account, "why", net["web"], net["db"], "--port", "5432", "--format", "json")
    assert status == 0 and json.loads(out)["guest_verdict"] is None
    status, _, err = localvpc(server, account, "lint", "--guest")
    assert status == 2 and "--dataplane" in err, err


def test_why_filter_in_and_filter_out_name_the_component(server, account, net):
    status, out, _ = localvpc(server, account, "why", net["web"], net["db"], "--port", "5432", "--filter-out", net["rtb"])
    assert status == 1 and f"COMPONENT_FILTER_REMOVED_COMPONENT {net['rtb']}" in " ".join(out.split()), out
    status, _, _ = localvpc(server, account, "why", net["web"], net["db"], "--port", "5432", "--filter-in", net["db_sg"])
    assert status == 0
    status, _, err = localvpc(server, account, "why", net["web"], net["db"], "--filter-in", "bogus-1")
    assert status == 2, err
