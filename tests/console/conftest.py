"""Browser tests of the web console: a localvpc server (the e2e fixtures), state made with boto3
as the seeds make it, and Debian's Chromium driven by Selenium through /usr/bin/chromedriver.

Screenshots go to target/console-screenshots/ (test artifacts).
"""
import base64
import importlib.util
import os
import shutil
import tempfile
import time

import pytest

# The e2e suite's server and client helpers, loaded under their own name.
_spec = importlib.util.spec_from_file_location("e2e_conftest", os.path.join(os.path.dirname(__file__), "..", "e2e", "conftest.py"))
e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(e2e)
ROOT, Server, client, new_account = e2e.ROOT, e2e.Server, e2e.client, e2e.new_account

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SHOTS = os.path.join(ROOT, "target", "console-screenshots")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
REGION = "ap-northeast-1"


@pytest.fixture(scope="session")
def server():
    with tempfile.TemporaryDirectory(prefix="localvpc-console-") as data_dir:
        srv = Server(data_dir)
        yield srv
        srv.stop()


def browser_options(profile: str) -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1000",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return options


def start_browser():
    """A fresh headless Chromium (its own profile); the caller quits it."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.skip("chromium and chromium-driver are not installed (scripts/test installs them)")
    profile = tempfile.mkdtemp(prefix="localvpc-chromium-")
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager never downloads anything
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=browser_options(profile))
    driver.set_page_load_timeout(30)
    driver.profile_dir = profile
    return driver


def stop_browser(driver):
    driver.quit()
    shutil.rmtree(driver.profile_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    driver = start_browser()
    yield driver
    stop_browser(driver)


@pytest.fixture
def ec2(server):
    return client(server.endpoint, new_account())


def account_of(ec2) -> str:
    return ec2._request_signer._credentials.access_key


def open_console(browser, server, ec2, page="map"):
    """Opens the console on `ec2`'s account at `#/page` and waits until it has rendered."""
    browser.get(server.endpoint + "/_localvpc/console/")
    browser.execute_script("sessionStorage.setItem('lv-partition', arguments[0])", f"{account_of(ec2)}/{REGION}")
    browser.get(f"{server.endpoint}/_localvpc/console/#/{page}")
    browser.refresh()
    wait_for(browser, lambda d: d.execute_script(
        "return document.body.dataset.renderedAt && LV.partition && LV.partition.account === arguments[0]", account_of(ec2)))


def wait_for(browser, condition, timeout=10):
    """Waits until `condition(browser)`; a re-render replacing elements meanwhile is no failure."""
    return WebDriverWait(browser, timeout, poll_frequency=0.02,
                         ignored_exceptions=[StaleElementReferenceException, NoSuchElementException]).until(condition)


def shot(browser, name: str):
    """A screenshot of the whole page (not just the window) in target/console-screenshots/."""
    os.makedirs(SHOTS, exist_ok=True)
    size = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    # Down to the end of what the page shows, not the empty window below it.
    bottom = browser.execute_script("return document.getElementById('view').getBoundingClientRect().bottom + window.scrollY")
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(bottom + 8, 6000), "scale": 1}
    data = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})["data"]
    path = os.path.join(SHOTS, name + ".png")
    with open(path, "wb") as f:
        f.write(base64.b64decode(data))
    return path


def text_of(browser, css: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, css).text


# ---- The seeds' networks, made through the API ----------------------------------------------

def tag(name):
    return [{"Key": "Name", "Value": name}]


def seed_001(ec2):
    """A VPC 192.168.1.0/24 with one public subnet, an internet gateway, an SG for 22/25/80 and a
    web server with an Elastic IP."""
    vpc = ec2.create_vpc(CidrBlock="192.168.1.0/24", TagSpecifications=[{"ResourceType": "vpc", "Tags": tag("seed-001")}])["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="192.168.1.0/24", AvailabilityZone="ap-northeast-1a")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rtb = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    sg = ec2.create_security_group(GroupName="standalone", Description="standalone in VPC", VpcId=vpc)["GroupId"]
    for port in (22, 25, 80):
        ec2.authorize_security_group_ingress(GroupId=sg, IpProtocol="tcp", FromPort=port, ToPort=port, CidrIp="0.0.0.0/0")
    instance = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                 NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [sg], "PrivateIpAddress": "192.168.1.10"}],
                                 TagSpecifications=[{"ResourceType": "instance", "Tags": tag("web")}])["Instances"][0]["InstanceId"]
    eip = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=eip["AllocationId"], InstanceId=instance)
    return dict(vpc=vpc, subnet=subnet, igw=igw, sg=sg, instance=instance, eip=eip["PublicIp"])


def seed_002(ec2):
    """Two VPCs that both use 10.0.0.0/16 and an instance with an ENI in each."""
    made = {}
    for name in ("a", "b"):
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tag(f"vpc-{name}")}])["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="ap-northeast-1a")["Subnet"]["SubnetId"]
        made[name] = (vpc, subnet)
    instance = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                 SubnetId=made["a"][1], PrivateIpAddress="10.0.1.10")["Instances"][0]["InstanceId"]
    wait_running(ec2, instance)
    eni = ec2.create_network_interface(SubnetId=made["b"][1], PrivateIpAddress="10.0.1.20")["NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=1)
    return dict(vpcs=[made["a"][0], made["b"][0]], instance=instance, eni=eni)


def seed_004(ec2):
    """An active and a standby instance and a service ENI (10.0.1.100) on the active one."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="ap-northeast-1a")["Subnet"]["SubnetId"]
    run = lambda name: ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.medium", MinCount=1, MaxCount=1, SubnetId=subnet,
                                         TagSpecifications=[{"ResourceType": "instance", "Tags": tag(name)}])["Instances"][0]["InstanceId"]
    active, standby = run("active"), run("standby")
    wait_running(ec2, active, standby)
    eni = ec2.create_network_interface(SubnetId=subnet, PrivateIpAddress="10.0.1.100", SecondaryPrivateIpAddressCount=1,
                                       Description="service address")["NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=active, DeviceIndex=1)
    return dict(vpc=vpc, subnet=subnet, active=active, standby=standby, eni=eni)


def wait_running(ec2, *ids):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        states = [i["State"]["Name"] for r in ec2.describe_instances(InstanceIds=list(ids))["Reservations"] for i in r["Instances"]]
        if all(s == "running" for s in states):
            return
        time.sleep(0.1)
    raise AssertionError(f"{ids} not running")
