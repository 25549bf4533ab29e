"""The web console in a real browser (headless Chromium): the resource map of the seeds'
networks, seed 004's failover through the page, actions failing with AWS's errors, live updates,
escaping of user input, and sign-in with --auth verify."""
import json
import os
import tempfile
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import (REGION, Server, account_of, client, new_account, open_console, seed_001, seed_002, seed_004,
                      shot, start_browser, stop_browser, tag, text_of, wait_for)


def enis_of(ec2, **filters):
    return ec2.describe_network_interfaces(Filters=[{"Name": k, "Values": [v]} for k, v in filters.items()])["NetworkInterfaces"]


def assert_map_shows(browser, ec2, eni):
    """The ENI's chip carries its ID, MAC, every private address and its public addresses."""
    chip = browser.find_element(By.CSS_SELECTOR, f'[data-eni="{eni["NetworkInterfaceId"]}"]')
    text = chip.text
    assert eni["NetworkInterfaceId"] in text
    assert eni["MacAddress"] in text
    for ip in eni["PrivateIpAddresses"]:
        assert ip["PrivateIpAddress"] in text
        if "Association" in ip:
            assert ip["Association"]["PublicIp"] in text
    if eni.get("Attachment"):
        assert f'eth{eni["Attachment"]["DeviceIndex"]}' in text
    for group in eni["Groups"]:
        assert group["GroupName"] in text
    return chip


def test_a_browser_at_the_root_is_sent_to_the_console_and_api_calls_are_not(server, ec2):
    request = urllib.request.Request(server.endpoint + "/", headers={"Accept": "text/html,application/xhtml+xml"})
    with urllib.request.urlopen(request) as r:
        assert r.url.endswith("/_localvpc/console/")
        assert "<title>localvpc console</title>" in r.read().decode()
    # An EC2 GET without parameters is still an EC2 error, and calls still work.
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(server.endpoint + "/")
    assert b"<Code>MissingParameter</Code>" in err.value.read()
    assert ec2.describe_vpcs()["Vpcs"]


def test_seed_001_map_shows_every_eni_with_addresses_and_eip(server, ec2, browser):
    made = seed_001(ec2)
    open_console(browser, server, ec2)
    vpc = browser.find_element(By.CSS_SELECTOR, f'[data-vpc="{made["vpc"]}"]')
    assert "192.168.1.0/24" in vpc.text and "seed-001" in vpc.text
    assert made["igw"] in vpc.find_element(By.CSS_SELECTOR, ".gateways").text
    subnet = vpc.find_element(By.CSS_SELECTOR, f'[data-subnet="{made["subnet"]}"]')
    assert "public" in subnet.get_attribute("class")
    enis = enis_of(ec2)
    assert enis
    for eni in enis:
        assert_map_shows(browser, ec2, eni)
    assert made["eip"] in browser.find_element(By.CSS_SELECTOR, f'[data-instance="{made["instance"]}"]').text
    shot(browser, "seed-001-map")
    # The README's picture: the seed's VPC alone.
    browser.get(f'{server.endpoint}/_localvpc/console/#/map/{made["vpc"]}')
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#map article.vpc")) == 1)
    shot(browser, "seed-001-vpc")


def test_seed_002_instance_spans_both_vpcs(server, ec2, browser):
    made = seed_002(ec2)
    open_console(browser, server, ec2)
    for vpc in made["vpcs"]:
        card = browser.find_element(By.CSS_SELECTOR, f'[data-vpc="{vpc}"] [data-instance="{made["instance"]}"]')
        other = [v for v in made["vpcs"] if v != vpc][0]
        assert f"also in {other}" in card.text
    for eni in enis_of(ec2, **{"attachment.instance-id": made["instance"]}):
        chip = assert_map_shows(browser, ec2, eni)
        vpc_box = chip.find_element(By.XPATH, "ancestor::article[@data-vpc]")
        assert vpc_box.get_attribute("data-vpc") == eni["VpcId"]
    assert browser.find_elements(By.CSS_SELECTOR, "#wires line.span-wire"), "the two cards are joined"
    shot(browser, "seed-002-map")


def test_seed_004_failover_through_the_page(server, ec2, browser):
    made = seed_004(ec2)
    open_console(browser, server, ec2, f'eni/{made["eni"]}')
    assert made["active"] in text_of(browser, "main")
    Select(browser.find_element(By.ID, "move-target")).select_by_value(made["standby"])
    browser.find_element(By.ID, "move").click()
    wait_for(browser, lambda d: d.execute_script("return document.body.dataset.lastAction") == "move: ok")
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[made["eni"]])["NetworkInterfaces"][0]
    assert (eni["Attachment"]["InstanceId"], eni["Attachment"]["DeviceIndex"]) == (made["standby"], 1)
    # The page follows (live update), and the map shows the ENI on the standby.
    wait_for(browser, lambda d: made["standby"] in d.find_element(By.CSS_SELECTOR, "main .kv").text)
    browser.get(server.endpoint + "/_localvpc/console/#/map")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f'[data-instance="{made["standby"]}"] [data-eni="{made["eni"]}"]'))
    shot(browser, "seed-004-after-move")


def test_an_action_fails_with_aws_code_and_message(server, ec2, browser):
    made = seed_004(ec2)
    spare = ec2.create_network_interface(SubnetId=made["subnet"])["NetworkInterface"]["NetworkInterfaceId"]
    with pytest.raises(ClientError) as api:
        ec2.attach_network_interface(NetworkInterfaceId=spare, InstanceId=made["active"], DeviceIndex=1)
    expected = f'{api.value.response["Error"]["Code"]}: {api.value.response["Error"]["Message"]}'
    open_console(browser, server, ec2, f"eni/{spare}")
    Select(browser.find_element(By.ID, "move-target")).select_by_value(made["active"])
    device = browser.find_element(By.ID, "move-device")
    device.clear()
    device.send_keys("1")
    browser.find_element(By.ID, "attach").click()
    wait_for(browser, lambda d: d.find_element(By.ID, "toast").is_displayed())
    assert text_of(browser, "#toast") == expected
    assert "Attachment" not in ec2.describe_network_interfaces(NetworkInterfaceIds=[spare])["NetworkInterfaces"][0]


def test_elastic_ip_and_stop_start_through_the_page(server, ec2, browser):
    made = seed_004(ec2)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=made["vpc"])
    allocation = ec2.allocate_address(Domain="vpc")
    open_console(browser, server, ec2, f'eni/{made["eni"]}')
    browser.find_element(By.CSS_SELECTOR, "button.associate").click()
    wait_for(browser, lambda d: d.execute_script("return document.body.dataset.lastAction") == "associate: ok")
    address = ec2.describe_addresses(AllocationIds=[allocation["AllocationId"]])["Addresses"][0]
    assert (address["NetworkInterfaceId"], address["PrivateIpAddress"]) == (made["eni"], "10.0.1.100")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "button.disassociate"))
    browser.find_element(By.CSS_SELECTOR, "button.disassociate").click()
    wait_for(browser, lambda d: d.execute_script("return document.body.dataset.lastAction") == "disassociate: ok")
    assert "AssociationId" not in ec2.describe_addresses(AllocationIds=[allocation["AllocationId"]])["Addresses"][0]

    browser.get(f'{server.endpoint}/_localvpc/console/#/instance/{made["standby"]}')
    wait_for(browser, lambda d: d.find_element(By.ID, "stop").is_enabled())
    assert "meta-data/mac" in text_of(browser, "#imds")
    browser.find_element(By.ID, "stop").click()
    wait_for(browser, lambda d: d.execute_script("return document.body.dataset.lastAction") == "stop: ok")
    state = ec2.describe_instances(InstanceIds=[made["standby"]])["Reservations"][0]["Instances"][0]["State"]["Name"]
    assert state in ("stopping", "stopped")


def test_eni_list_filters_as_describe_network_interfaces_does(server, ec2, browser):
    made = seed_004(ec2)
    open_console(browser, server, ec2, "enis")
    rows = lambda: browser.find_elements(By.CSS_SELECTOR, "#eni-table tr.eni-row")
    assert len(rows()) == len(enis_of(ec2))
    Select(browser.find_element(By.ID, "filter-name")).select_by_visible_text("attachment.instance-id")
    browser.find_element(By.ID, "filter-value").send_keys(made["active"])
    browser.find_element(By.ID, "add-filter").click()
    expected = {e["NetworkInterfaceId"] for e in enis_of(ec2, **{"attachment.instance-id": made["active"]})}
    wait_for(browser, lambda d: {r.find_element(By.CSS_SELECTOR, "td a").text for r in rows()} == expected)
    browser.find_element(By.ID, "eni-search").send_keys("10.0.1.100")
    wait_for(browser, lambda d: len(rows()) == 1)
    assert made["eni"] in rows()[0].text


def test_a_tag_with_a_script_shows_as_text(server, ec2, browser):
    made = seed_004(ec2)
    evil = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
    ec2.create_tags(Resources=[made["active"], made["eni"], made["subnet"]], Tags=tag(evil))
    open_console(browser, server, ec2)
    card = browser.find_element(By.CSS_SELECTOR, f'[data-instance="{made["active"]}"]')
    assert evil in card.text
    assert not browser.find_elements(By.CSS_SELECTOR, "main script, main img")
    browser.get(f'{server.endpoint}/_localvpc/console/#/eni/{made["eni"]}')
    wait_for(browser, lambda d: evil in d.find_element(By.TAG_NAME, "main").text)
    assert browser.execute_script("return window.pwned") is None


def test_a_change_by_any_client_reaches_the_open_page(server, ec2, browser):
    made = seed_004(ec2)
    open_console(browser, server, ec2)
    wait_for(browser, lambda d: "on" in d.find_element(By.ID, "live").get_attribute("class"))
    ec2.create_tags(Resources=[made["eni"]], Tags=tag("renamed-by-boto3"))
    wait_for(browser, lambda d: "renamed-by-boto3" in d.find_element(By.CSS_SELECTOR, f'[data-eni="{made["eni"]}"]').text)


def test_a_live_update_carries_only_what_changed(server, ec2, browser):
    made = seed_004(ec2)
    open_console(browser, server, ec2)
    wait_for(browser, lambda d: "on" in d.find_element(By.ID, "live").get_attribute("class"))
    standby_eni = enis_of(ec2, **{"attachment.instance-id": made["standby"]})[0]["NetworkInterfaceId"]
    chip = lambda eni: f'#map [data-eni="{eni}"]'
    # Each api/state fetch is counted, and the nodes of three elements carry a mark.
    browser.execute_script("""
        window.stateFetches = 0;
        const fetch = window.fetch;
        window.fetch = (url, ...rest) => { if (String(url).includes("api/state")) window.stateFetches++; return fetch(url, ...rest); };
        for (const css of arguments[0]) document.querySelector(css).lvMark = "kept";
    """, [chip(standby_eni), chip(made["eni"]), f'#map [data-vpc="{made["vpc"]}"]'])
    window_y = browser.execute_script("window.scrollTo(0, 40); return window.scrollY")
    marked = lambda css: browser.execute_script("return document.querySelector(arguments[0]).lvMark === 'kept'", css)
    progress = lambda: browser.execute_script("return [LV.seq, LV.renders, window.stateFetches]")
    seq, renders, _ = progress()

    # Another account's change first: it never reaches this page.
    other = client(server.endpoint, new_account())
    other_vpc = other.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[made["eni"]], Tags=tag("renamed-live"))
    wait_for(browser, lambda d: "renamed-live" in text_of(d, chip(made["eni"])))
    assert progress() == [seq + 1, renders + 1, 0], "one delta, one render, no reload of the state"
    assert marked(chip(standby_eni)) and marked(f'#map [data-vpc="{made["vpc"]}"]'), "unchanged nodes are kept"
    assert not marked(chip(made["eni"])), "the changed chip is drawn anew"
    assert browser.execute_script("return window.scrollY") == window_y
    assert other_vpc not in text_of(browser, "#map")

    # A new ENI appears, and goes when deleted.
    new = ec2.create_network_interface(SubnetId=made["subnet"], Description="appears")["NetworkInterface"]
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, chip(new["NetworkInterfaceId"])))
    assert_map_shows(browser, ec2, new)
    ec2.delete_network_interface(NetworkInterfaceId=new["NetworkInterfaceId"])
    wait_for(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, chip(new["NetworkInterfaceId"])))
    assert progress()[0::2] == [seq + 3, 0]
    assert marked(chip(standby_eni))


def session_post(server, cookie, path, body, csrf=None):
    headers = {"Content-Type": "application/json", "Cookie": cookie}
    if csrf:
        headers["X-CSRF-Token"] = csrf
    request = urllib.request.Request(f"{server.endpoint}/_localvpc/console/api/{path}", data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_actions_need_the_session_and_its_csrf_token(server, ec2):
    made = seed_004(ec2)
    with urllib.request.urlopen(server.endpoint + "/_localvpc/console/api/session") as r:
        cookie = r.headers["Set-Cookie"].split(";")[0]
        assert "HttpOnly" in r.headers["Set-Cookie"] and "SameSite=Strict" in r.headers["Set-Cookie"]
        csrf = json.loads(r.read())["csrf"]
    stop = {"account": account_of(ec2), "region": REGION, "action": "StopInstances", "params": {"InstanceId.1": made["active"]}}
    assert session_post(server, cookie, "call", stop)[0] == 403
    assert session_post(server, "lvpc_console=forged", "call", stop, csrf)[0] == 401
    assert session_post(server, cookie, "call", dict(stop, action="TerminateInstances"), csrf)[1]["error"]["code"] == "UnsupportedOperation"
    status, answer = session_post(server, cookie, "call", stop, csrf)
    assert status == 200 and answer["StoppingInstances"][0]["InstanceId"] == made["active"]


@pytest.fixture
def verifying_server():
    with tempfile.TemporaryDirectory(prefix="localvpc-console-auth-") as data_dir:
        credentials = os.path.join(data_dir, "credentials")
        with open(credentials, "w") as f:
            f.write("[alice]\naws_access_key_id = AKIAALICE\naws_secret_access_key = alice-secret\naws_account_id = 111111111111\n"
                    "[bob]\naws_access_key_id = AKIABOB\naws_secret_access_key = bob-secret\naws_account_id = 222222222222\n")
        srv = Server(os.path.join(data_dir, "db"), ["--auth", "verify", "--credentials", credentials])
        yield srv
        srv.stop()


def signed(server, key, secret):
    import boto3
    return boto3.client("ec2", endpoint_url=server.endpoint, region_name=REGION, aws_access_key_id=key, aws_secret_access_key=secret)


def test_auth_verify_signs_in_and_shows_only_that_account(verifying_server):
    alice, bob = signed(verifying_server, "AKIAALICE", "alice-secret"), signed(verifying_server, "AKIABOB", "bob-secret")
    alice.create_vpc(CidrBlock="10.1.0.0/16")
    bob_vpc = bob.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    browser = start_browser()
    try:
        browser.get(verifying_server.endpoint + "/_localvpc/console/")
        wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "form.login"))
        browser.find_element(By.NAME, "accessKeyId").send_keys("AKIAALICE")
        browser.find_element(By.NAME, "secretAccessKey").send_keys("wrong")
        browser.find_element(By.CSS_SELECTOR, "form.login button").click()
        wait_for(browser, lambda d: "AuthFailure" in d.find_element(By.ID, "toast").text)
        secret = browser.find_element(By.NAME, "secretAccessKey")
        secret.clear()
        secret.send_keys("alice-secret")
        browser.find_element(By.CSS_SELECTOR, "form.login button").click()
        wait_for(browser, lambda d: d.find_elements(By.ID, "map"))
        options = [o.text for o in browser.find_elements(By.CSS_SELECTOR, "#partition option")]
        assert options and all(o.startswith("111111111111") for o in options)
        assert "10.1.0.0/16" in text_of(browser, "#map") and "10.2.0.0/16" not in text_of(browser, "#map")
        # Bob's account is refused even when asked for by name.
        refused = browser.execute_script(
            "return fetch('/_localvpc/console/api/state?account=222222222222&region=" + REGION + "').then(r => r.status)")
        assert refused == 403
        refused = browser.execute_script(
            "return fetch('/_localvpc/console/api/events?account=222222222222&region=" + REGION + "').then(r => r.status)")
        assert refused == 403, "nor are its live updates"
        assert bob.describe_vpcs(VpcIds=[bob_vpc])["Vpcs"]
        shot(browser, "auth-verify")
    finally:
        stop_browser(browser)


def test_why_query_for_a_blocked_port_highlights_the_blocking_group(server, ec2, browser):
    made = seed_001(ec2)
    try:
        ec2.create_network_insights_path(Source=made["igw"], Destination=made["instance"], Protocol="tcp", DestinationPort=443)
    except ClientError as e:
        if e.response["Error"]["Code"] == "UnsupportedOperation":
            pytest.skip("the Reachability Analyzer API is not in this build yet")
        raise
    open_console(browser, server, ec2, "why")
    Select(browser.find_element(By.ID, "why-source")).select_by_value(made["igw"])
    Select(browser.find_element(By.ID, "why-destination")).select_by_value(made["instance"])
    port = browser.find_element(By.ID, "why-port")
    port.clear()
    port.send_keys("443")
    browser.find_element(By.ID, "why-run").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "why-verdict"))
    assert text_of(browser, "#why-verdict") == "Not reachable"
    assert made["sg"] in text_of(browser, ".explanations")
    assert "443" in text_of(browser, ".explanations .fix")
    blocking = browser.find_elements(By.CSS_SELECTOR, f'#map a.sg.blocking[href="#/sg/{made["sg"]}"]')
    assert blocking, "the security group is highlighted on the map"
    shot(browser, "why-blocked-port")
    # Port 80 is open: reachable, nothing blocks, the path is drawn.
    port = browser.find_element(By.ID, "why-port")
    port.clear()
    port.send_keys("80")
    browser.find_element(By.ID, "why-run").click()
    wait_for(browser, lambda d: text_of(d, "#why-verdict") == "Reachable")
    assert not browser.find_elements(By.CSS_SELECTOR, "#map .blocking")
    assert browser.find_elements(By.CSS_SELECTOR, "#map .on-path")


def test_lint_findings_are_listed_and_marked_on_the_map(server, ec2, browser):
    made = seed_004(ec2)  # the service ENI shares the active instance's subnet
    open_console(browser, server, ec2, "lint")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#lint li"))
    same_subnet = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#lint li") if "LV101" in li.text]
    assert len(same_subnet) == 1, text_of(browser, "#lint")
    assert same_subnet[0].startswith(f"warning LV101 same-subnet-enis {made['active']} has 2 ENIs in {made['subnet']}")
    assert made["eni"] in same_subnet[0] and "secondary private IPs" in same_subnet[0]
    eni = browser.find_element(By.CSS_SELECTOR, f'#map [data-eni="{made["eni"]}"]')
    assert "finding" in eni.get_attribute("class").split()
    # The most severe finding is the ENI's note: the warning, not LV204's note.
    assert eni.find_element(By.CSS_SELECTOR, ".finding-note").text.startswith(f"⚠ LV101: {made['active']} has 2 ENIs")
    active = browser.find_element(By.CSS_SELECTOR, f'#map [data-instance="{made["active"]}"]')
    assert "finding" in active.get_attribute("class").split()
    standby = browser.find_element(By.CSS_SELECTOR, f'#map [data-instance="{made["standby"]}"]')
    assert "finding" not in standby.get_attribute("class").split()
    shot(browser, "lint-findings")
    # Seed 004's fix: the service address as a secondary IP of the active ENI; LV101 goes.
    ec2.detach_network_interface(AttachmentId=ec2.describe_network_interfaces(NetworkInterfaceIds=[made["eni"]])["NetworkInterfaces"][0]["Attachment"]["AttachmentId"])
    wait_for(browser, lambda d: "LV101" not in text_of(d, "main"))


def test_gateways_peering_and_endpoints_are_drawn_in_their_vpcs(server, ec2, browser):
    vpc = ec2.create_vpc(CidrBlock="10.80.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    peer = ec2.create_vpc(CidrBlock="10.81.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.80.1.0/24")["Subnet"]["SubnetId"]
    eigw = ec2.create_egress_only_internet_gateway(VpcId=vpc)["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=peer)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    s3 = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3",
                                 RouteTableIds=[table])["VpcEndpoint"]["VpcEndpointId"]
    sts = ec2.create_vpc_endpoint(VpcEndpointType="Interface", VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.sts",
                                  SubnetIds=[subnet])["VpcEndpoint"]
    open_console(browser, server, ec2)
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f'[data-gateway="{sts["VpcEndpointId"]}"]'))
    box = browser.find_element(By.CSS_SELECTOR, f'[data-vpc="{vpc}"] .gateways')
    assert eigw in box.find_element(By.CSS_SELECTOR, f'[data-gateway="{eigw}"]').text
    peering = box.find_element(By.CSS_SELECTOR, f'[data-gateway="{pcx}"]').text
    assert "active" in peering and f"{vpc} ↔ {peer}" in peering
    assert pcx in browser.find_element(By.CSS_SELECTOR, f'[data-vpc="{peer}"] .gateways').text, "both sides show it"
    assert f"com.amazonaws.{REGION}.s3" in box.find_element(By.CSS_SELECTOR, f'[data-gateway="{s3}"]').text
    assert f"com.amazonaws.{REGION}.sts" in box.find_element(By.CSS_SELECTOR, f'[data-gateway="{sts["VpcEndpointId"]}"]').text
    # The interface endpoint's interface is in its subnet like any ENI.
    (eni,) = enis_of(ec2, **{"vpc-id": vpc})
    assert eni["InterfaceType"] == "vpc_endpoint"
    shot(browser, "gateways-peering-endpoints")
