"""Each configuration under configs/: init → apply → plan shows no drift → (each steps/N.tfvars:
apply → no drift) → every resource imported into a fresh state with `import` blocks, planned
with no change but the imports, applied, planned clean again → destroy → nothing of it is left,
as Describe calls see it. Adding a configuration is adding a directory."""
import json
import os
import random
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.config import Config

from conftest import HERE, TERRAFORM, missing_toolchain

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
CONFIGS = os.path.join(HERE, "configs")
LOGS = os.path.join(ROOT, "target", "terraform-logs")
REGION = "ap-northeast-1"

# Import IDs that are not the resource's `id` (the provider's documented import formats).
IMPORT_ID = {
    "aws_route": lambda a: f"{a['route_table_id']}_{a['destination_cidr_block'] or a['destination_ipv6_cidr_block'] or a['destination_prefix_list_id']}",
    "aws_route_table_association": lambda a: f"{a['subnet_id'] or a['gateway_id']}/{a['route_table_id']}",
    "aws_default_route_table": lambda a: a["vpc_id"],
    "aws_key_pair": lambda a: a["key_name"],
    "aws_internet_gateway_attachment": lambda a: f"{a['internet_gateway_id']}:{a['vpc_id']}",
    "aws_network_interface_sg_attachment": lambda a: f"{a['network_interface_id']}_{a['security_group_id']}",
    "aws_network_acl_rule": lambda a: f"{a['network_acl_id']}:{a['rule_number']}:{a['protocol']}:{str(a['egress']).lower()}",
    "aws_security_group_rule": lambda a: "_".join(
        [a["security_group_id"], a["type"], a["protocol"], str(a["from_port"]), str(a["to_port"])]
        + (a["cidr_blocks"] or [])
        + ([a["source_security_group_id"]] if a.get("source_security_group_id") else [])
        + (["self"] if a.get("self") else [])
    ),
    "aws_network_interface_attachment": lambda a: a["attachment_id"],
    "aws_vpc_endpoint_route_table_association": lambda a: f"{a['vpc_endpoint_id']}/{a['route_table_id']}",
    "aws_vpc_dhcp_options_association": lambda a: a["vpc_id"],
}
# Resource types the provider cannot import: their state is carried into the fresh one as it was.
NOT_IMPORTABLE = {"aws_main_route_table_association"}


def not_imported(config: str) -> set[str]:
    """Addresses a configuration's `not-imported` file lists (`address  # why`): resources whose
    import the provider documents as incomplete (an argument it cannot read back), carried over."""
    path = os.path.join(CONFIGS, config, "not-imported")
    if not os.path.exists(path):
        return set()
    with open(path) as f:
        return {line.split("#")[0].strip() for line in f if line.split("#")[0].strip()}

TOOLCHAIN = missing_toolchain()
if TOOLCHAIN:
    print(f"\n!!! Terraform tests SKIPPED: {TOOLCHAIN} !!!\n")


class Terraform:
    """One configuration's working directory and the environment every command runs in."""

    def __init__(self, name: str, workdir: str, endpoint: str, account: str):
        self.name = name
        self.dir = workdir
        self.log_dir = os.path.join(LOGS, name)
        os.makedirs(self.log_dir, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
        self.env.update(
            TF_CLI_CONFIG_FILE=os.path.join(HERE, "terraform.rc"),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
            AWS_ENDPOINT_URL_EC2=endpoint,
            AWS_ENDPOINT_URL_STS=endpoint,
            AWS_ACCESS_KEY_ID=account,
            AWS_SECRET_ACCESS_KEY="localvpc",
            AWS_CONFIG_FILE="/dev/null",
            AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        )
        if os.environ.get("LOCALVPC_TF_LOG"):
            self.env.update(TF_LOG=os.environ["LOCALVPC_TF_LOG"], TF_LOG_PATH=os.path.join(self.log_dir, "terraform.log"))

    def run(self, *args: str, ok=(0,)) -> subprocess.CompletedProcess:
        started = time.monotonic()
        proc = subprocess.run([TERRAFORM, *args, "-no-color"], cwd=self.dir, env=self.env, capture_output=True, text=True, timeout=600)
        with open(os.path.join(self.log_dir, "commands.log"), "a") as log:
            log.write(f"$ terraform {' '.join(args)}  # {self.dir}, {time.monotonic() - started:.1f} s, exit {proc.returncode}\n")
            log.write(proc.stdout + proc.stderr + "\n")
        assert proc.returncode in ok, f"{self.name}: terraform {' '.join(args)} exited {proc.returncode}\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
        return proc

    def init(self):
        # No plugin cache: from the unpacked filesystem mirror Terraform links the provider in
        # place, and a shared cache raced (one init rewrote the entry another run was using).
        self.run("init", "-input=false")

    def apply(self, *var_args: str):
        self.run("apply", "-auto-approve", "-input=false", *var_args)

    def assert_no_changes(self, *var_args: str):
        proc = self.run("plan", "-detailed-exitcode", "-input=false", *var_args, ok=(0, 2))
        assert proc.returncode == 0, f"{self.name}: drift after apply\n{proc.stdout[-8000:]}"

    def state(self) -> dict:
        with open(os.path.join(self.dir, "terraform.tfstate")) as f:
            return json.load(f)

    def plan_messages(self, *var_args: str) -> list[dict]:
        """`plan -json`: Terraform's machine-readable messages (planned changes, the summary)."""
        out = self.run("plan", "-json", "-input=false", "-out=import.plan", *var_args).stdout
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def address(resource: dict, instance: dict) -> str:
    key = instance.get("index_key")
    index = "" if key is None else f"[{json.dumps(key)}]"
    return f"{resource['type']}.{resource['name']}{index}"


def managed_resources(state: dict) -> list[dict]:
    """Every managed resource instance of the root module: address, type, attributes."""
    return [
        {"address": address(r, i), "type": r["type"], "values": i["attributes"]}
        for r in state["resources"]
        if r["mode"] == "managed" and "module" not in r
        for i in r["instances"]
    ]


def import_blocks(resources: list[dict], carried: set[str]) -> str:
    blocks = []
    for r in resources:
        if r["address"] in carried:
            continue
        rid = IMPORT_ID.get(r["type"], lambda a: a["id"])(r["values"])
        blocks.append(f'import {{\n  to = {r["address"]}\n  id = {json.dumps(rid)}\n}}\n')
    return "\n".join(blocks)


def carried_state(raw: dict, carried: set[str], out_path: str):
    """A fresh state holding only the resources that are not imported."""
    raw = json.loads(json.dumps(raw))
    for r in raw["resources"]:
        r["instances"] = [i for i in r["instances"] if address(r, i) in carried]
    raw["resources"] = [r for r in raw["resources"] if r["mode"] == "managed" and r["instances"]]
    raw["lineage"] = f"import-{random.getrandbits(64):016x}"
    raw["serial"] = 1
    raw["outputs"] = {}
    with open(out_path, "w") as f:
        json.dump(raw, f)


def ec2_client(endpoint: str, account: str):
    return boto3.client(
        "ec2", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=account,
        aws_secret_access_key="localvpc", config=Config(retries={"max_attempts": 1}),
    )


def leftovers(ec2) -> dict:
    """What the configuration could have left behind (the account's defaults excluded)."""
    default_vpcs = {v["VpcId"] for v in ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]}
    left = {
        "vpcs": [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v["VpcId"] not in default_vpcs],
        "subnets": [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["VpcId"] not in default_vpcs],
        "internet_gateways": [
            g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]
            if not any(a["VpcId"] in default_vpcs for a in g.get("Attachments", []))
        ],
        "security_groups": [g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"] if g["VpcId"] not in default_vpcs],
        "route_tables": [t["RouteTableId"] for t in ec2.describe_route_tables()["RouteTables"] if t["VpcId"] not in default_vpcs],
        "network_acls": [a["NetworkAclId"] for a in ec2.describe_network_acls()["NetworkAcls"] if a["VpcId"] not in default_vpcs],
        "egress_only_internet_gateways": [
            g["EgressOnlyInternetGatewayId"]
            for g in ec2.describe_egress_only_internet_gateways()["EgressOnlyInternetGateways"]
        ],
        "network_interfaces": [i["NetworkInterfaceId"] for i in ec2.describe_network_interfaces()["NetworkInterfaces"]],
        "addresses": [a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]],
        "key_pairs": [k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"]],
        "volumes": [v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]],
        "vpc_endpoints": [
            e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
            if e["State"] not in ("deleting", "deleted")
        ],
        "instances": [
            i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
            if i["State"]["Name"] != "terminated"
        ],
    }
    return {k: v for k, v in left.items() if v}


def step_files(config: str) -> list[str]:
    steps = os.path.join(CONFIGS, config, "steps")
    if not os.path.isdir(steps):
        return []
    return [os.path.join(steps, f) for f in sorted(os.listdir(steps)) if f.endswith(".tfvars")]


def copy_config(config: str, dest: str):
    shutil.copytree(os.path.join(CONFIGS, config), dest, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "steps"))


CONFIG_NAMES = sorted(d for d in os.listdir(CONFIGS) if os.path.isdir(os.path.join(CONFIGS, d)))


def run_configuration(config: str, endpoint: str, work: str):
    account = "".join(random.choice("0123456789") for _ in range(12))
    ec2 = ec2_client(endpoint, account)
    shutil.rmtree(os.path.join(LOGS, config), ignore_errors=True)

    tf = Terraform(config, os.path.join(work, "apply"), endpoint, account)
    copy_config(config, tf.dir)
    tf.init()
    tf.apply()
    tf.assert_no_changes()
    var_args: list[str] = []
    for step in step_files(config):
        var_args = [f"-var-file={step}"]
        tf.apply(*var_args)
        tf.assert_no_changes(*var_args)
    state = tf.state()
    built = managed_resources(state)
    assert built, f"{config} manages no resources"
    carried = {r["address"] for r in built if r["type"] in NOT_IMPORTABLE} | not_imported(config)

    # Import everything into a fresh state: the plan may only import, never add/change/destroy.
    imported = Terraform(config, os.path.join(work, "import"), endpoint, account)
    copy_config(config, imported.dir)
    with open(os.path.join(imported.dir, "imports.tf"), "w") as f:
        f.write(import_blocks(built, carried))
    carried_state(state, carried, os.path.join(imported.dir, "terraform.tfstate"))
    imported.init()
    messages = imported.plan_messages(*var_args)
    changes = [
        (m["change"]["resource"]["addr"], m["change"]["action"])
        for m in messages
        if m.get("type") == "planned_change" and m["change"]["action"] != "import"
    ]
    assert not changes, f"{config}: importing planned changes {changes}"
    imports = {m["change"]["resource"]["addr"] for m in messages if m.get("type") == "planned_change"}
    expected = {r["address"] for r in built} - carried
    assert imports == expected, f"{config}: imported {sorted(imports)}, expected {sorted(expected)}"
    imported.run("apply", "-input=false", "import.plan")
    imported.assert_no_changes(*var_args)

    imported.run("destroy", "-auto-approve", "-input=false", *var_args)
    assert leftovers(ec2) == {}


# Configurations run side by side (each in its own account), all at once by default: much of a
# run is the provider waiting (3 minutes after each ENI detach), not CPU. Each test reports one.
PARALLEL = int(os.environ.get("LOCALVPC_TF_PARALLEL", len(CONFIG_NAMES)))


@pytest.fixture(scope="session")
def outcomes(request, server, tmp_path_factory):
    selected = sorted({item.callspec.params["config"] for item in request.session.items if hasattr(item, "callspec") and "config" in item.callspec.params})
    work = tmp_path_factory.mktemp("terraform")

    def one(config):
        started = time.monotonic()
        try:
            run_configuration(config, server.endpoint, str(work / config))
            error = None
        except BaseException as e:  # reported by the configuration's own test
            error = e
        print(f"terraform {config}: {time.monotonic() - started:.0f} s{' FAILED' if error else ''}")
        return config, error

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return dict(pool.map(one, selected))


@pytest.mark.skipif(bool(TOOLCHAIN), reason=f"Terraform toolchain missing: {TOOLCHAIN}")
@pytest.mark.parametrize("config", CONFIG_NAMES)
def test_configuration(config, outcomes):
    if outcomes[config] is not None:
        raise outcomes[config]
