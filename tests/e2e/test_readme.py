"""Every shell block of README.md works as written for a newcomer who ran only the two set-up
commands: each runs in bash from the repository's root against a fresh server on 4566 (the
port the README names), with `localvpc` on the PATH as the README tells. A command whose comment
says "silent", or that is followed by the error it prints, must fail; every other command
must succeed. The data plane's block runs as root with `--dataplane`, in scripts/isolated's
private namespaces like the other privileged tests. Code blocks in other languages must be
verbatim excerpts of the programs the tests run."""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import BINARY, ROOT, Server
from test_dataplane import down, lvpc_namespaces
from test_sdks import DEFAULT_PORT, port_taken

README = os.path.join(ROOT, "README.md")

# Every ```sh block, by the heading it sits under: how it is run, or why it is not.
API, DATAPLANE, TERRAFORM, POSTGRES = "api", "dataplane", "terraform", "postgres"
BLOCKS = {
    "localvpc": "the two set-up commands themselves (scripts/test is what runs this suite)",
    "Quickstart: seed 001's network with the AWS CLI": API,
    "Terraform": TERRAFORM,
    # test_ansible.py runs these same playbooks four times; once more would cost minutes.
    "Ansible": "the playbook runs of tests/e2e/test_ansible.py (checked below)",
    "The AWS SDKs and awslocal": API,
    "The guest agent": "a synopsis: its `i-…` and `…` are for the reader to fill in",
    "Seed 003 yourself": DATAPLANE,
    "Several servers on one PostgreSQL": POSTGRES,
    "Benchmarks": "bench/run takes ten minutes in release and is not part of scripts/test",
}
# Code in other languages must be an excerpt of these files.
EXCERPTS = {"rust": "tests/sdk-rust/tests/seed_001.rs", "js": "tests/sdk-js/seed_001.test.js",
            "yaml": "tests/ansible/seeds.yml", "hcl": "tests/terraform"}


def blocks():
    """(heading, language, text) of every fenced block of the README."""
    found, heading, language, lines = [], None, None, None
    for line in open(README):
        if lines is None and line.startswith("```"):
            language, lines = line[3:].strip(), []
        elif lines is not None and line.startswith("```"):
            found.append((heading, language, "".join(lines)))
            lines = None
        elif lines is not None:
            lines.append(line)
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
    return found


def shell_blocks(how, marks=()):
    return [pytest.param(text, id=heading, marks=marks) for heading, language, text in blocks() if language == "sh" and BLOCKS.get(heading) == how]


# What tests/terraform/ needs too: the CLI and the provider mirror its terraform.rc names.
TF_MISSING = next(
    (f"SKIPPED LOUDLY: no {what}" for what, there in [
        ("terraform on the PATH", shutil.which("terraform")),
        ("hashicorp/aws 5.100.0 mirror in /opt/tf-plugins", os.path.isdir("/opt/tf-plugins/registry.terraform.io/hashicorp/aws/5.100.0")),
    ] if not there),
    None,
)


def test_every_block_is_run_or_excused():
    for heading, language, text in blocks():
        if language == "sh":
            assert heading in BLOCKS, f"README block under {heading!r} is neither run nor excused here"
        if language == "sh" and heading == "Ansible":
            driver = open(os.path.join(ROOT, "tests", "e2e", "test_ansible.py")).read()
            playbooks = re.findall(r"ansible-playbook -i localhost, tests/ansible/(\S+)", text)
            assert playbooks == ["seeds.yml", "teardown.yml"] and "AWS_URL=" in text and "AWS_URL=" in driver
            assert all(f'"{p}"' in driver for p in playbooks)
        if language and language != "sh":
            path = os.path.join(ROOT, EXCERPTS[language])
            sources = [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs] if os.path.isdir(path) else [path]
            assert any(text in open(p).read() for p in sources), f"the {language} block under {heading!r} is not in {path}"


def expected_failures(text):
    """Line numbers of the commands the README says fail."""
    lines = text.splitlines()
    failing = set()
    for n, line in enumerate(lines, 1):
        code, _, comment = line.partition(" #")
        if code.strip() and not code.lstrip().startswith("#"):
            follows = lines[n].lstrip() if n < len(lines) else ""
            if re.search(r"\bsilent\b", comment) or follows.startswith("# An error occurred"):
                failing.add(n)
    return failing


def run_block(text):
    """Runs a block in bash; returns the lines whose command failed and the output."""
    # On its own first line, so the block's lines keep their numbers + 1.
    script = "trap 'echo \"readme-failed $((LINENO - 1))\" >&2' ERR\n" + text
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PATH"] = os.path.dirname(BINARY) + os.pathsep + env["PATH"]
    # The Rust SDK's build is cached where scripts/test built it, not compiled a second time.
    if "LOCALVPC_SDK_RUST_TARGET" in os.environ:
        env["CARGO_TARGET_DIR"] = os.environ["LOCALVPC_SDK_RUST_TARGET"]
    proc = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    failed = {int(n) for n in re.findall(r"^readme-failed (\d+)$", proc.stderr, re.M)}
    return failed, proc.stdout + proc.stderr


def fresh_server(extra_args=()):
    if port_taken(DEFAULT_PORT):
        pytest.skip(f"SKIPPED LOUDLY: port {DEFAULT_PORT} is taken (scripts/test runs this in a private network namespace)")
    data_dir = tempfile.TemporaryDirectory(prefix="localvpc-readme-")
    return data_dir, Server(data_dir.name, extra_args=extra_args, port=DEFAULT_PORT)


@pytest.mark.parametrize("text", shell_blocks(API) + shell_blocks(TERRAFORM, pytest.mark.skipif(bool(TF_MISSING), reason=str(TF_MISSING))))
def test_the_readme_block_works_as_written(text):
    data_dir, srv = fresh_server()
    try:
        failed, output = run_block(text)
    finally:
        srv.stop()
        data_dir.cleanup()
    assert failed == expected_failures(text), output[-6000:]


@pytest.mark.skipif(not os.path.exists("/usr/lib/postgresql/15/bin/initdb"),
                    reason="SKIPPED LOUDLY: no PostgreSQL 15 (scripts/test installs postgresql-15)")
@pytest.mark.parametrize("text", shell_blocks(POSTGRES))
def test_the_readme_postgresql_block_works_as_written(text):
    """The block starts its own cluster and two servers on it (ports 4601 and 4602)."""
    failed, output = run_block(text)
    assert failed == expected_failures(text), output[-6000:]
    assert '"available"' in output


@pytest.mark.skipif(os.geteuid() != 0, reason="the data plane needs root")
@pytest.mark.parametrize("text", shell_blocks(DATAPLANE))
def test_the_readme_data_plane_block_works_as_written(text):
    assert lvpc_namespaces() == [], "stale lvpc- namespaces from an earlier run"
    data_dir, srv = fresh_server(["--dataplane"])
    try:
        failed, output = run_block(text)
    finally:
        srv.stop()
        result = down()
        data_dir.cleanup()
    assert result.returncode == 0, result.stderr
    assert failed == expected_failures(text), output[-6000:]
