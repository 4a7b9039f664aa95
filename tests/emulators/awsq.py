"""One AWS API call through boto3, for the end-to-end tests' assertions on emulator state.

    awsq.py SERVICE OPERATION 'JSON-PARAMS'     e.g. awsq.py rds describe_db_instances '{}'
    awsq.py _kf PATH 'JSON-BODY'                 POST to the AWS emulator's control endpoint (null: GET)
    awsq.py _state - '{}'                        identifiers of every resource kind the suite creates

Uses AWS_ENDPOINT_URL / AWS_REGION from the environment; prints the response as JSON.
"""
import json
import os
import sys
import urllib.request

import boto3
from botocore.config import Config


def main() -> None:
    service, operation, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    if service == "_kf":
        method = "GET" if params is None else "POST"
        data = None if params is None else json.dumps(params).encode()
        req = urllib.request.Request(f"{endpoint}/_kf/{operation.lstrip('/')}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as resp:
            body = resp.read()
        print(body.decode() or "null")
        return
    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
    if service == "_state":
        print(json.dumps(state(lambda svc: boto3.client(svc, endpoint_url=endpoint, config=config)), sort_keys=True))
        return
    if service == "_trusts":
        print(json.dumps(raw_trust_policies(boto3.client("iam", endpoint_url=endpoint, config=config)), sort_keys=True))
        return
    client = boto3.client(service, endpoint_url=endpoint, config=config)
    result = getattr(client, operation)(**params)
    result.pop("ResponseMetadata", None)
    if "Body" in result:
        result["Body"] = result["Body"].read().decode(errors="replace")
    print(json.dumps(result, default=str))


def state(client) -> dict:
    """Sorted identifiers (with the status where it matters) of what the suite could create or change."""
    rds, ds, efs = client("rds"), client("datasync"), client("efs")
    return {
        "db_snapshots": sorted(f"{s['DBSnapshotIdentifier']}" for s in rds.describe_db_snapshots()["DBSnapshots"]),
        "db_instances": sorted(i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]),
        "db_subnet_groups": sorted(g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]),
        "buckets": sorted(b["Name"] for b in client("s3").list_buckets()["Buckets"]),
        "objects": sorted(f"{b['Name']}/{o['Key']}" for b in client("s3").list_buckets()["Buckets"]
                          for o in client("s3").list_objects_v2(Bucket=b["Name"]).get("Contents", [])),
        "roles": sorted(r["RoleName"] for r in client("iam").list_roles()["Roles"]),
        "locations": sorted(loc["LocationArn"] for loc in ds.list_locations()["Locations"]),
        "tasks": sorted(t["TaskArn"] for t in ds.list_tasks()["Tasks"]),
        "executions": sorted(e["TaskExecutionArn"] for t in ds.list_tasks()["Tasks"]
                             for e in ds.list_task_executions(TaskArn=t["TaskArn"])["TaskExecutions"]),
        "file_systems": sorted(f["FileSystemId"] for f in efs.describe_file_systems()["FileSystems"]),
        "mount_targets": sorted(m["MountTargetId"] for f in efs.describe_file_systems()["FileSystems"]
                                for m in efs.describe_mount_targets(FileSystemId=f["FileSystemId"])["MountTargets"]),
        "secrets": sorted(s["Name"] for s in client("secretsmanager").list_secrets()["SecretList"]),
        "security_groups": sorted(g["GroupId"] for g in client("ec2").describe_security_groups()["SecurityGroups"]),
    }


def raw_trust_policies(iam) -> dict:
    """Each role's trust policy as IAM holds it (URL-decoded text, not parsed): to compare byte for byte."""
    from urllib.parse import unquote

    from botocore import handlers
    # botocore parses policy documents into dicts after the call; keep the text.
    iam.meta.events.unregister("after-call.iam", handlers.json_decode_policies)
    return {r["RoleName"]: unquote(r["AssumeRolePolicyDocument"]) for r in iam.list_roles()["Roles"]}


if __name__ == "__main__":
    main()
