"""Seed an empty green EKS cluster (its own VPC) into the AWS emulator.

Stands in for `kubectl kf deploy cluster` in tests of the later steps: a VPC 10.1.0.0/16 with a
private and a public subnet in each of three AZs, an EKS cluster and a managed nodegroup, ACTIVE.
Prints the facts as JSON on stdout.

    seed_green.py --endpoint http://127.0.0.1:PORT [--region us-east-1] [--cluster-name green]
"""
import argparse
import json
import sys
import time

import boto3
from botocore.config import Config

AZ_SUFFIXES = ("a", "b", "c")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--cluster-name", default="green")
    parser.add_argument("--version", default="1.33")
    args = parser.parse_args()
    if not args.endpoint.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
        parser.error("--endpoint must be a loopback emulator, never real AWS")
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=args.region)
    config = Config(retries={"mode": "standard"})
    ec2 = session.client("ec2", endpoint_url=args.endpoint, config=config)
    iam = session.client("iam", endpoint_url=args.endpoint, config=config)
    eks = session.client("eks", endpoint_url=args.endpoint, config=config)
    name = args.cluster_name

    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    private, public = [], []
    for i, az in enumerate(AZ_SUFFIXES):
        for cidr, role, out in ((f"10.1.{i * 32}.0/19", "kubernetes.io/role/internal-elb", private),
                                (f"10.1.{96 + i * 32}.0/19", "kubernetes.io/role/elb", public)):
            tags = [{"Key": role, "Value": "1"}, {"Key": f"kubernetes.io/cluster/{name}", "Value": "shared"}]
            out.append(ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{args.region}{az}",
                                         TagSpecifications=[{"ResourceType": "subnet", "Tags": tags}])["Subnet"]["SubnetId"])
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    role = iam.create_role(RoleName=f"kf-{name}-cluster-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    eks.create_cluster(name=name, version=args.version, roleArn=role,
                       resourcesVpcConfig={"subnetIds": private + public})
    deadline = time.monotonic() + 300
    while eks.describe_cluster(name=name)["cluster"]["status"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise SystemExit("green cluster did not become ACTIVE")
        time.sleep(0.2)
    # The managed nodegroup `kf deploy cluster` makes: without nodes, EKS add-ons run by Deployments
    # (coredns, the CSI drivers' controllers) stay DEGRADED, as on real EKS.
    node_trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    node_role = iam.create_role(RoleName=f"kf-{name}-node-role", AssumeRolePolicyDocument=node_trust)["Role"]["Arn"]
    for policy in ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"):
        iam.attach_role_policy(RoleName=f"kf-{name}-node-role", PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
    eks.create_nodegroup(clusterName=name, nodegroupName="linux-nodes", subnets=private, nodeRole=node_role,
                         instanceTypes=["m5.xlarge"], scalingConfig={"minSize": 2, "desiredSize": 2, "maxSize": 4})
    while eks.describe_nodegroup(clusterName=name, nodegroupName="linux-nodes")["nodegroup"]["status"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise SystemExit("green nodegroup did not become ACTIVE")
        time.sleep(0.2)
    cluster = eks.describe_cluster(name=name)["cluster"]
    print(json.dumps({
        "cluster_name": name,
        "cluster_arn": cluster["arn"],
        "vpc_id": vpc,
        "private_subnet_ids": private,
        "public_subnet_ids": public,
        "cluster_security_group_id": cluster["resourcesVpcConfig"]["clusterSecurityGroupId"],
        "oidc_issuer": cluster["identity"]["oidc"]["issuer"],
        "nodegroup_names": ["linux-nodes"],
        "node_role_arn": node_role,
    }, indent=2), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
