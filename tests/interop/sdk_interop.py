"""Drives `smcplan emulator` through the official Python SDK (alibabacloud-smc20190601),
with the V3 signature (the SDK's default) and the legacy one (signature_algorithm='v2').

Usage: python3 sdk_interop.py HOST:PORT
Prints '2 passed, 0 failed' (one line per signature scheme) and exits non-zero on failure.
"""
import sys
import uuid

from alibabacloud_smc20190601 import models
from alibabacloud_smc20190601.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from Tea.exceptions import TeaException

ENDPOINT = sys.argv[1] if len(sys.argv) > 1 else ""
if ":" not in ENDPOINT:
    sys.exit("usage: sdk_interop.py HOST:PORT (the emulator's address)")


def client(signature):
    config = open_api_models.Config(
        access_key_id="emulator-key-id",
        access_key_secret="emulator-key-secret",
        endpoint=ENDPOINT,
        protocol="http",
        region_id="cn-hangzhou",
    )
    if signature:
        config.signature_algorithm = signature
    return Client(config)


def expect_error(code, call):
    try:
        call()
    except TeaException as e:
        assert e.code == code, f"expected {code}, got {e.code}: {e.message}"
        return
    raise AssertionError(f"expected {code}, the call succeeded")


def scenario(signature, source_index):
    c = client(signature)
    source = "s-bp1e2fsl57knvuug%04d" % source_index
    name = f"sdk-{signature or 'v3'}-{source_index}"
    token = str(uuid.uuid4())
    request = models.CreateReplicationJobRequest(
        region_id="cn-hangzhou",
        source_id=source,
        client_token=token,
        name=name,
        description="Created_through_the_official_SDK",
        target_type="Image",
        image_name="img-" + name,
        system_disk_size=60,
        run_once=True,
        tag=[models.CreateReplicationJobRequestTag(key="env", value="rehearsal a/b")],
    )
    created = c.create_replication_job(request).body
    assert created.job_id.startswith("j-"), created.job_id
    assert created.request_id
    again = c.create_replication_job(request).body
    assert again.job_id == created.job_id, "same ClientToken, same parameters: same job"
    request.description = "Changed_parameters"
    expect_error("IdempotentParameterMismatch", lambda: c.create_replication_job(request))
    request.client_token = str(uuid.uuid4())
    expect_error("SourceServer.WithRunningReplicationJob", lambda: c.create_replication_job(request))
    other = models.CreateReplicationJobRequest(
        region_id="cn-hangzhou", source_id="s-bp1e2fsl57knvuug%04d" % (source_index + 1),
        name=name, target_type="Image", image_name="img-other-" + name, system_disk_size=60)
    expect_error("ReplicationJobName.Duplicate", lambda: c.create_replication_job(other))
    unavailable = models.CreateReplicationJobRequest(
        region_id="cn-hangzhou", source_id="s-bp1e2fsl57knvuug0021", target_type="Image", image_name="img-x1", system_disk_size=60)
    expect_error("SourceServerState.Invalid", lambda: c.create_replication_job(unavailable))

    servers = c.describe_source_servers(models.DescribeSourceServersRequest(page_size=50, page_number=1)).body
    assert servers.total_count == 144, servers.total_count
    assert len(servers.source_servers.source_server) == 50
    jobs = c.describe_replication_jobs(models.DescribeReplicationJobsRequest(job_id=[created.job_id], page_size=50)).body
    assert jobs.total_count == 1, jobs.total_count
    job = jobs.replication_jobs.replication_job[0]
    assert (job.job_id, job.name, job.status) == (created.job_id, name, "Ready"), (job.job_id, job.name, job.status)
    assert job.tags.tag[0].value == "rehearsal a/b"

    bad = Client(open_api_models.Config(access_key_id="emulator-key-id", access_key_secret="wrong", endpoint=ENDPOINT, protocol="http"))
    if signature:
        bad._signature_algorithm = signature
    expect_error("SignatureDoesNotMatch", lambda: bad.describe_source_servers(models.DescribeSourceServersRequest()))


passed = failed = 0
for signature, index in [(None, 1001), ("v2", 1011)]:
    try:
        scenario(signature, index)
        passed += 1
        print(f"ok: signature {signature or 'v3 (default)'}")
    except Exception as e:  # report and go on to the other scheme
        failed += 1
        print(f"FAILED: signature {signature or 'v3 (default)'}: {type(e).__name__}: {e}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
