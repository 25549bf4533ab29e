"""The web console's figures in headless Chromium: the resource map of a VPC with 500 ENIs
(time from navigation to a rendered, laid-out map) and live updates (time from an API call
returning to the open page showing its result). Writes bench/out/console.json.

Run by bench/console; LOCALVPC_BIN picks the binary (default: target/release/localvpc if built,
else target/debug/localvpc)."""
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "console"))
import conftest as c  # noqa: E402

ENIS = 500
LOADS = 5
UPDATES = 40


def build_vpc(ec2):
    """One VPC, four subnets in two zones, 100 instances (eth0) with an eth1 each, 300 free ENIs."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24", AvailabilityZone=f"ap-northeast-1{'ac'[n % 2]}")["Subnet"]["SubnetId"]
               for n in range(4)]
    instances = []
    for n in range(4):
        reservation = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.micro", MinCount=25, MaxCount=25, SubnetId=subnets[n])
        instances += [(i["InstanceId"], subnets[n]) for i in reservation["Instances"]]
    c.wait_running(ec2, *[i for i, _ in instances])
    for instance, subnet in instances:
        eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
        ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=1)
    for n in range(ENIS - 2 * len(instances)):
        eni = ec2.create_network_interface(SubnetId=subnets[n % 4])["NetworkInterface"]["NetworkInterfaceId"]
    count = len(ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkInterfaces"])
    assert count == ENIS, count
    return vpc, eni


def map_loads(browser, server, ec2, vpc):
    """Fresh page loads of the map: navigation start → map rendered and laid out."""
    figures = []
    for _ in range(LOADS):
        c.open_console(browser, server, ec2, f"map/{vpc}")
        chips = browser.execute_script("return document.querySelectorAll('#map [data-vpc] .eni').length")
        assert chips == ENIS, chips
        figures.append(browser.execute_script(
            "return {total: Number(document.body.dataset.renderedAt) - performance.timeOrigin, load: LV.timings.load, render: LV.timings.render}"))
    return figures


def live_updates(browser, ec2, eni):
    """API call answered → the open page shows its result (the frame after the one that painted
    the render), split at the page receiving the delta and at the render's end (one clock: the
    browser runs on this machine)."""
    samples = []
    for n in range(UPDATES):
        seq = browser.execute_script("return LV.seq")
        ec2.create_tags(Resources=[eni], Tags=c.tag(f"update-{n}"))
        answered = time.time() * 1000
        c.wait_for(browser, lambda d: d.execute_script(
            "return Number(document.body.dataset.shownSeq) > arguments[0] && document.querySelector(`[data-eni='${arguments[1]}']`).textContent.includes(arguments[2])",
            seq, eni, f"update-{n}"))
        page = browser.execute_script(
            "const b = document.body.dataset; return {received: Number(b.receivedAt), rendered: Number(b.renderedAt), shown: Number(b.shownAt), "
            "seq: LV.seq, apply: LV.timings.apply, build: LV.timings.build, render: LV.timings.render}")
        assert page["seq"] == seq + 1, page
        samples.append({"total": page["shown"] - answered, "to_page": page["received"] - answered,
                        "to_rendered": page["rendered"] - page["received"], "apply": page["apply"], "build": page["build"],
                        "render": page["render"], "paint": page["shown"] - page["rendered"]})
        time.sleep(0.05)
    return samples


def summary(values):
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return {"median": round(statistics.median(values), 1), "p95": round(p95, 1), "max": round(values[-1], 1),
            "min": round(values[0], 1), "n": len(values)}


def breakdown(samples):
    return {k: summary([s[k] for s in samples]) for k in samples[0]}


def main():
    if not os.environ.get("LOCALVPC_BIN"):
        release = os.path.join(ROOT, "target", "release", "localvpc")
        os.environ["LOCALVPC_BIN"] = release if os.path.exists(release) else os.path.join(ROOT, "target", "debug", "localvpc")
    c.e2e.BINARY = os.environ["LOCALVPC_BIN"]
    with tempfile.TemporaryDirectory(prefix="localvpc-bench-console-") as data_dir:
        server = c.Server(data_dir)
        browser = c.start_browser()
        try:
            ec2 = c.client(server.endpoint, c.new_account())
            small = c.client(server.endpoint, c.new_account())
            made = c.seed_001(small)
            vpc, eni = build_vpc(ec2)
            loads = map_loads(browser, server, ec2, vpc)
            big_updates = live_updates(browser, ec2, eni)
            c.open_console(browser, server, small)
            small_eni = small.describe_network_interfaces()["NetworkInterfaces"][0]["NetworkInterfaceId"]
            small_updates = live_updates(browser, small, small_eni)
            assert made
        finally:
            c.stop_browser(browser)
            server.stop()
    results = {
        "binary": os.environ["LOCALVPC_BIN"],
        "map_500_enis_ms": {k: summary([f[k] for f in loads]) for k in ("total", "load", "render")},
        "live_update_ms_500_enis": breakdown(big_updates),
        "live_update_ms_seed_001": breakdown(small_updates),
        "targets": {"map_500_enis_ms": 1000, "live_update_ms": 200},
        "load_average": os.getloadavg(),
    }
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    with open(os.path.join(HERE, "out", "console.json"), "w") as f:
        json.dump(results, f, indent=2)
    m = results["map_500_enis_ms"]["total"]
    print(f"map of a VPC with {ENIS} ENIs: median {m['median']} ms, max {m['max']} ms (target ≤ 1000 ms: {'met' if m['max'] <= 1000 else 'missed'})")
    print(f"  of which state load {results['map_500_enis_ms']['load']['median']} ms, render+layout {results['map_500_enis_ms']['render']['median']} ms")
    for name, key in (("500-ENI map", "live_update_ms_500_enis"), ("seed 001 map", "live_update_ms_seed_001")):
        u = results[key]
        t = u["total"]
        print(f"live update, {name}: API answered → shown median {t['median']} ms, p95 {t['p95']} ms, max {t['max']} ms "
              f"(target ≤ 200 ms median: {'met' if t['median'] <= 200 else 'missed'})")
        print("  median ms: " + ", ".join(f"{k} {u[k]['median']}" for k in ("to_page", "to_rendered", "apply", "build", "render", "paint")))
    print(f"load average {results['load_average']}")


if __name__ == "__main__":
    main()
