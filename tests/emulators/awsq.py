"""One AWS API call through boto3, for the end-to-end tests' assertions on emulator state.

    awsq.py SERVICE OPERATION 'JSON-PARAMS'     e.g. awsq.py rds describe_db_instances '{}'
    awsq.py _kf PATH 'JSON-BODY'                 POST to the AWS emulator's control endpoint

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
    client = boto3.client(service, endpoint_url=endpoint, config=config)
    result = getattr(client, operation)(**params)
    result.pop("ResponseMetadata", None)
    if "Body" in result:
        result["Body"] = result["Body"].read().decode(errors="replace")
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
