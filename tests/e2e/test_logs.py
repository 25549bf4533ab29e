"""Logs: with LOCALVPC_LOG=debug every line of a request names its action, account, region and
request ID, on the async side and on the blocking thread that runs the transaction; written to a
file, they carry no terminal colour codes."""
import os
import tempfile

from conftest import Server, client, code_of, new_account, error_code


def test_every_line_of_a_request_carries_its_context_and_no_colour_codes():
    with tempfile.TemporaryDirectory(prefix="localvpc-logs-") as data_dir:
        log_path = os.path.join(data_dir, "stderr.log")
        srv = Server(data_dir, env={"LOCALVPC_LOG": "debug"}, log_path=log_path)
        try:
            account = new_account()
            ec2 = client(srv.endpoint, account)
            created = ec2.create_vpc(CidrBlock="10.7.0.0/16")
            refused = error_code(ec2.delete_vpc, VpcId="vpc-0123456789abcdef0")
        finally:
            srv.stop()
        with open(log_path, "rb") as f:
            text = f.read().decode()

    assert "\x1b[" not in text
    assert code_of(refused) == "InvalidVpcID.NotFound"
    for request_id, action in [
        (created["ResponseMetadata"]["RequestId"], "CreateVpc"),
        (refused.response["ResponseMetadata"]["RequestId"], "DeleteVpc"),
    ]:
        lines = [line for line in text.splitlines() if request_id in line]
        # Async side (received, answered/refused) and blocking side (decode, handler, commit).
        messages = " | ".join(lines)
        for said in ["request received", "parameters fit the model", "handler"]:
            assert said in messages, (said, messages)
        for line in lines:
            assert f"action={action}" in line, line
            assert f"account={account}" in line, line
            assert "region=ap-northeast-1" in line, line
    create_lines = [line for line in text.splitlines() if created["ResponseMetadata"]["RequestId"] in line]
    assert any("write transaction committed" in line for line in create_lines)
    assert any("answered" in line for line in create_lines)
