"""Key pairs (CreateKeyPair, ImportKeyPair, DescribeKeyPairs, DeleteKeyPair), driven by boto3,
the AWS CLI and ssh-keygen: created keys must be real keys OpenSSH reads, and fingerprints must
follow EC2's rules (created RSA: SHA-1 of the PKCS#8 private key; imported RSA: MD5 of the DER
public key; ED25519: base64 SHA-256 of the public key blob)."""
import base64
import hashlib
import os
import re
import subprocess
import sys

import pytest

from conftest import client, code_of, error_code

KEY_PAIR_ID = re.compile(r"^key-[0-9a-f]{17}$")


def ssh_keygen(*args: str) -> str:
    return subprocess.run(["ssh-keygen", *args], check=True, capture_output=True, text=True).stdout


def write_private(path, material: str) -> str:
    path.write_text(material)
    os.chmod(path, 0o600)
    return str(path)


def der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def der(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + der_length(len(body)) + body


RSA_ALGORITHM = der(0x30, der(0x06, bytes.fromhex("2a864886f70d010101")) + b"\x05\x00")


def pem_body(pem: str) -> bytes:
    return base64.b64decode("".join(line for line in pem.splitlines() if not line.startswith("-----")))


def colon_hex(digest: bytes) -> str:
    return ":".join(f"{b:02x}" for b in digest)


def created_rsa_fingerprint(pkcs1_pem: str) -> str:
    """SHA-1 of the PKCS#8 DER wrapping of a PKCS#1 private key (openssl pkcs8 -topk8 | sha1)."""
    pkcs8 = der(0x30, der(0x02, b"\x00") + RSA_ALGORITHM + der(0x04, pem_body(pkcs1_pem)))
    return colon_hex(hashlib.sha1(pkcs8).digest())


def sha256_fingerprint(public_line: str) -> str:
    blob = base64.b64decode(public_line.split()[1])
    return base64.b64encode(hashlib.sha256(blob).digest()).decode()


def key_blob(public_line: str) -> str:
    return public_line.split()[1]


def test_cli_created_rsa_key_is_pkcs1_that_ssh_keygen_reads(aws, tmp_path):
    # The user's flow: aws ec2 create-key-pair --query KeyMaterial --output text > k.pem
    aws_bin = os.path.join(os.path.dirname(os.path.realpath(sys.executable)), "aws")
    material = subprocess.run(
        [aws_bin, "--endpoint-url", aws.endpoint, "ec2", "create-key-pair", "--key-name", "k",
         "--query", "KeyMaterial", "--output", "text"],
        env=aws.env, check=True, capture_output=True, text=True,
    ).stdout
    assert material.startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    pem = write_private(tmp_path / "k.pem", material)
    public = ssh_keygen("-y", "-f", pem).strip()
    assert public.startswith("ssh-rsa ")
    assert "2048" in ssh_keygen("-l", "-f", pem)
    info = aws.run("describe-key-pairs", "--key-names", "k", "--include-public-key")["KeyPairs"][0]
    assert info["KeyType"] == "rsa"
    assert KEY_PAIR_ID.match(info["KeyPairId"])
    assert info["PublicKey"] == f"{public} k", "the stored public key is the private key's, named"
    assert info["KeyFingerprint"] == created_rsa_fingerprint(material)


def test_created_ed25519_key_is_openssh(ec2, tmp_path):
    created = ec2.create_key_pair(KeyName="ed", KeyType="ed25519")
    assert created["KeyMaterial"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert KEY_PAIR_ID.match(created["KeyPairId"]) and created["KeyName"] == "ed"
    pem = write_private(tmp_path / "ed.pem", created["KeyMaterial"])
    public = ssh_keygen("-y", "-f", pem).strip()
    assert public.startswith("ssh-ed25519 ")
    fingerprint = created["KeyFingerprint"]
    assert fingerprint == sha256_fingerprint(public)
    assert fingerprint.endswith("=") and len(fingerprint) == 44, "padded, no SHA256: prefix"
    assert f"SHA256:{fingerprint.rstrip('=')}" in ssh_keygen("-l", "-f", pem)
    info = ec2.describe_key_pairs(KeyNames=["ed"], IncludePublicKey=True)["KeyPairs"][0]
    assert info["KeyType"] == "ed25519" and info["KeyFingerprint"] == fingerprint
    assert key_blob(info["PublicKey"]) == key_blob(public)


@pytest.mark.parametrize("key_type", ["rsa", "ed25519"])
def test_ppk_format_carries_the_same_key(ec2, key_type):
    created = ec2.create_key_pair(KeyName="putty", KeyType=key_type, KeyFormat="ppk")
    lines = created["KeyMaterial"].splitlines()
    algorithm = {"rsa": "ssh-rsa", "ed25519": "ssh-ed25519"}[key_type]
    assert lines[:3] == [f"PuTTY-User-Key-File-2: {algorithm}", "Encryption: none", "Comment: putty"]
    public_count = int(lines[3].removeprefix("Public-Lines: "))
    public_blob = "".join(lines[4:4 + public_count])
    assert re.match(r"^Private-MAC: [0-9a-f]{40}$", lines[-1])
    info = ec2.describe_key_pairs(KeyNames=["putty"], IncludePublicKey=True)["KeyPairs"][0]
    assert key_blob(info["PublicKey"]) == public_blob
    if key_type == "ed25519":
        assert info["KeyFingerprint"] == sha256_fingerprint(info["PublicKey"])


@pytest.fixture
def generated(tmp_path):
    """Key files made by ssh-keygen: name -> (private key path, public key line)."""
    keys = {}
    for kind, extra in [("rsa", ["-b", "2048"]), ("ed25519", []), ("ecdsa", [])]:
        path = tmp_path / f"id_{kind}"
        ssh_keygen("-q", "-t", kind, *extra, "-N", "", "-C", "me@laptop", "-f", str(path))
        keys[kind] = (str(path), (tmp_path / f"id_{kind}.pub").read_text().strip())
    return keys


def test_cli_import_rsa_round_trips_with_md5_fingerprint(aws, generated):
    private, public = generated["rsa"]
    imported = aws.run("import-key-pair", "--key-name", "laptop", "--public-key-material", f"fileb://{private}.pub")
    spki = ssh_keygen("-e", "-m", "PKCS8", "-f", f"{private}.pub")
    assert imported["KeyFingerprint"] == colon_hex(hashlib.md5(pem_body(spki)).digest())
    assert KEY_PAIR_ID.match(imported["KeyPairId"])
    info = aws.run("describe-key-pairs", "--key-pair-ids", imported["KeyPairId"], "--include-public-key")["KeyPairs"][0]
    assert info["KeyType"] == "rsa" and info["KeyName"] == "laptop"
    assert info["PublicKey"] == f"{public.rsplit(' ', 1)[0]} laptop"


def test_import_ed25519_and_rfc4716(ec2, generated):
    _, public = generated["ed25519"]
    imported = ec2.import_key_pair(KeyName="ed", PublicKeyMaterial=public.encode())
    assert imported["KeyFingerprint"] == sha256_fingerprint(public)
    rsa_private, rsa_public = generated["rsa"]
    rfc4716 = ssh_keygen("-e", "-f", f"{rsa_private}.pub")
    assert rfc4716.startswith("---- BEGIN SSH2 PUBLIC KEY ----")
    from_rfc4716 = ec2.import_key_pair(KeyName="ssh2", PublicKeyMaterial=rfc4716.encode())
    from_line = ec2.import_key_pair(KeyName="line", PublicKeyMaterial=rsa_public.encode())
    assert from_rfc4716["KeyFingerprint"] == from_line["KeyFingerprint"]
    types = {k["KeyName"]: k["KeyType"] for k in ec2.describe_key_pairs()["KeyPairs"]}
    assert types == {"ed": "ed25519", "ssh2": "rsa", "line": "rsa"}


def test_import_refuses_what_is_no_supported_public_key(ec2, generated):
    private, public = generated["rsa"]
    with open(private) as f:
        private_key = f.read()
    for material in [b"hello", generated["ecdsa"][1].encode(), private_key.encode(), public[:60].encode()]:
        err = error_code(ec2.import_key_pair, KeyName="bad", PublicKeyMaterial=material)
        assert code_of(err) == "InvalidKey.Format"
        assert err.response["Error"]["Message"] == "Key is not in valid OpenSSH public key format"
    assert ec2.describe_key_pairs()["KeyPairs"] == []


def test_duplicate_names_are_refused(ec2, generated):
    ec2.create_key_pair(KeyName="web")
    for call, kwargs in [
        (ec2.create_key_pair, {"KeyType": "ed25519"}),
        (ec2.import_key_pair, {"PublicKeyMaterial": generated["ed25519"][1].encode()}),
    ]:
        err = error_code(call, KeyName="web", **kwargs)
        assert code_of(err) == "InvalidKeyPair.Duplicate"
        assert err.response["Error"]["Message"] == "The keypair 'web' already exists."


def test_names_are_per_account_and_region(ec2, server, account):
    ec2.create_key_pair(KeyName="web")
    elsewhere = client(server.endpoint, account, "us-east-1")
    assert elsewhere.describe_key_pairs()["KeyPairs"] == []
    elsewhere.create_key_pair(KeyName="web", KeyType="ed25519")
    assert [k["KeyType"] for k in ec2.describe_key_pairs()["KeyPairs"]] == ["rsa"]


def test_unknown_names_and_ids(ec2):
    ec2.create_key_pair(KeyName="present", KeyType="ed25519")
    err = error_code(ec2.describe_key_pairs, KeyNames=["present", "absent"])
    assert code_of(err) == "InvalidKeyPair.NotFound"
    assert err.response["Error"]["Message"] == "The key pair 'absent' does not exist"
    err = error_code(ec2.describe_key_pairs, KeyPairIds=["key-0123456789abcdef0"])
    assert code_of(err) == "InvalidKeyPair.NotFound"
    assert err.response["Error"]["Message"] == "The key pair ID 'key-0123456789abcdef0' does not exist"
    assert code_of(error_code(ec2.describe_key_pairs, KeyPairIds=["kp-1"])) == "InvalidKeyPair.NotFound"


def test_describe_filters_tags_and_public_key(ec2):
    rsa = ec2.create_key_pair(KeyName="web-rsa")
    ed = ec2.create_key_pair(
        KeyName="web-ed", KeyType="ed25519",
        TagSpecifications=[{"ResourceType": "key-pair", "Tags": [{"Key": "team", "Value": "net"}]}],
    )
    assert ed["Tags"] == [{"Key": "team", "Value": "net"}]
    ec2.create_key_pair(KeyName="db", KeyType="ed25519")

    def names(*filters):
        found = ec2.describe_key_pairs(Filters=[{"Name": n, "Values": v} for n, v in filters])["KeyPairs"]
        return sorted(k["KeyName"] for k in found)

    assert names(("key-type", ["ed25519"])) == ["db", "web-ed"]
    assert names(("key-name", ["web-*"])) == ["web-ed", "web-rsa"]
    assert names(("key-name", ["web-*"]), ("key-type", ["rsa"])) == ["web-rsa"]
    assert names(("fingerprint", [rsa["KeyFingerprint"]])) == ["web-rsa"]
    assert names(("key-pair-id", [ed["KeyPairId"]])) == ["web-ed"]
    assert names(("tag:team", ["net"])) == ["web-ed"]
    assert names(("tag-key", ["team"])) == ["web-ed"]
    err = error_code(ec2.describe_key_pairs, Filters=[{"Name": "key-size", "Values": ["2048"]}])
    assert code_of(err) == "InvalidParameterValue"
    assert err.response["Error"]["Message"] == "The filter 'key-size' is invalid"
    listed = ec2.describe_key_pairs(KeyNames=["web-rsa"])["KeyPairs"][0]
    assert "PublicKey" not in listed, "only with IncludePublicKey"
    assert listed["Tags"] == [] and listed["CreateTime"].year >= 2024
    # CreateTags reaches key pairs too.
    ec2.create_tags(Resources=[rsa["KeyPairId"]], Tags=[{"Key": "team", "Value": "ops"}])
    assert names(("tag:team", ["ops"])) == ["web-rsa"]


def test_tag_specification_must_name_key_pairs(ec2):
    err = error_code(
        ec2.create_key_pair, KeyName="k",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "a", "Value": "b"}]}],
    )
    assert code_of(err) == "InvalidParameterValue"


def test_delete_by_name_or_id_and_missing_keys(ec2):
    first = ec2.create_key_pair(KeyName="one", KeyType="ed25519")
    second = ec2.create_key_pair(KeyName="two", KeyType="ed25519")
    deleted = ec2.delete_key_pair(KeyName="one")
    assert deleted["Return"] is True and deleted["KeyPairId"] == first["KeyPairId"]
    assert ec2.delete_key_pair(KeyPairId=second["KeyPairId"])["KeyPairId"] == second["KeyPairId"]
    assert ec2.describe_key_pairs()["KeyPairs"] == []
    # A key that is not there: success, no ID (as EC2 answers).
    missing = ec2.delete_key_pair(KeyName="one")
    assert missing["Return"] is True and "KeyPairId" not in missing
    # The name is free again.
    ec2.create_key_pair(KeyName="one", KeyType="ed25519")


def test_name_rules(ec2, unvalidated_ec2):
    ec2.create_key_pair(KeyName="k" * 255, KeyType="ed25519")
    assert code_of(error_code(ec2.create_key_pair, KeyName="k" * 256)) == "InvalidParameterValue"
    assert code_of(error_code(ec2.create_key_pair, KeyName="clé")) == "InvalidParameterValue"
    assert code_of(error_code(unvalidated_ec2.create_key_pair, KeyName="")) == "MissingParameter"
