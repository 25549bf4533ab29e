"""Terraform end to end: every directory under configs/ is one configuration, run against its own
localvpc account by test_configs.py. A configuration is written as a user would write it; the
harness adds nothing to it but the environment (endpoints, credentials, the CLI config)."""
import importlib.util
import os
import shutil

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

# The e2e suite's Server (a localvpc process on a free port with its own data dir).
_spec = importlib.util.spec_from_file_location("e2e_conftest", os.path.join(HERE, "..", "e2e", "conftest.py"))
_e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_e2e)
Server = _e2e.Server
TERRAFORM = os.environ.get("TERRAFORM", shutil.which("terraform") or "/usr/local/bin/terraform")
MIRROR = "/opt/tf-plugins/registry.terraform.io/hashicorp/aws/5.100.0"


def missing_toolchain() -> str | None:
    if not os.access(TERRAFORM, os.X_OK):
        return f"terraform not found ({TERRAFORM})"
    if not os.path.isdir(MIRROR):
        return f"the hashicorp/aws 5.100.0 provider mirror is missing ({MIRROR})"
    return None


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = Server(str(tmp_path_factory.mktemp("localvpc-data")))
    yield srv
    srv.stop()
