#!/usr/bin/env python3
"""Seed a "blue Kubeflow on AWS" production into the emulators.

    .venv/bin/python tests/emulators/seed_blue.py --endpoint http://127.0.0.1:4566 \\
        --kubeconfig /tmp/kubeconfig --context blue [--region us-east-1] [--cluster-name blue]

AWS resources are created with boto3 against the emulated AWS endpoint (dummy
credentials), Kubernetes objects with `kubectl` against the given context.
Prints a JSON object of the facts created on stdout (never the DB password);
progress goes to stderr.  Meant to run once per fresh emulator.
"""

import argparse
import base64
import json
import secrets
import subprocess
import sys
import time
import urllib.request
import uuid

import boto3
import yaml
from botocore.config import Config

import kubeflow_objects

VPC_CIDR = "10.0.0.0/16"
AZ_SUFFIXES = "abc"
DNS_NAME = "kubeflow.example.com."
DB_PORT = 3306
NOOP_TRUST = {"Version": "2012-10-17", "Statement": []}
ACCOUNT_ID = "123456789012"  # the emulator's (moto's default) account
EKSCTL_VERSION = "0.190.0"
ADDONS = ("vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver")
VPC_CNI_CONFIGURATION = json.dumps({"env": {"ENABLE_PREFIX_DELEGATION": "true"}})
DATA_TEAM_NAMESPACES = ("kubeflow", "kubeflow-user-example-com")


def log(message: str) -> None:
    print(f"seed_blue: {message}", file=sys.stderr, flush=True)


def wait_until(what: str, fetch, want: str, timeout: float = 300) -> None:
    deadline = time.time() + timeout
    while (got := fetch()) != want:
        if time.time() > deadline:
            raise SystemExit(f"seed_blue: timed out waiting for {what} to be {want} (is {got})")
        time.sleep(0.5)


def tag_list(tags: dict) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def b64(values: dict) -> dict:
    return {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}


def service_role_trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


class Seeder:
    def __init__(self, endpoint: str, region: str, cluster: str, db_secret_name: str = "rds-secret"):
        self.region, self.cluster, self.endpoint = region, cluster, endpoint
        self.db_secret_name = db_secret_name
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
        config = Config(s3={"addressing_style": "path"}, retries={"mode": "standard"})
        self.aws = lambda service: session.client(service, endpoint_url=endpoint, config=config)
        self.facts: dict = {"region": region}
        self.tags = {"kubeflow.org/deployment": cluster, "environment": "production"}

    # ---- network ---------------------------------------------------------
    def network(self) -> None:
        ec2 = self.aws("ec2")
        vpc = ec2.create_vpc(
            CidrBlock=VPC_CIDR,
            TagSpecifications=[{"ResourceType": "vpc", "Tags": tag_list({"Name": f"kf-{self.cluster}-vpc", **self.tags})}],
        )["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        private, public = [], []
        for i, az in enumerate(AZ_SUFFIXES):
            for kind, cidr, role, out in (
                ("private", f"10.0.{i * 32}.0/19", "kubernetes.io/role/internal-elb", private),
                ("public", f"10.0.{96 + i * 32}.0/19", "kubernetes.io/role/elb", public),
            ):
                tags = {
                    "Name": f"kf-{self.cluster}-{kind}-{self.region}{az}",
                    role: "1",
                    f"kubernetes.io/cluster/{self.cluster}": "shared",
                }
                subnet = ec2.create_subnet(
                    VpcId=vpc,
                    CidrBlock=cidr,
                    AvailabilityZone=f"{self.region}{az}",
                    TagSpecifications=[{"ResourceType": "subnet", "Tags": tag_list(tags)}],
                )["Subnet"]["SubnetId"]
                out.append(subnet)
        self.facts.update(vpc_id=vpc, private_subnet_ids=private, public_subnet_ids=public)
        log(f"VPC {vpc} with subnets {private + public}")

    def security_group(self, name: str, description: str, port: int, cidr: str = VPC_CIDR) -> str:
        ec2 = self.aws("ec2")
        group = ec2.create_security_group(
            GroupName=name,
            Description=description,
            VpcId=self.facts["vpc_id"],
            TagSpecifications=[{"ResourceType": "security-group", "Tags": tag_list({"Name": name, **self.tags})}],
        )["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": port,
                    "ToPort": port,
                    "IpRanges": [{"CidrIp": cidr, "Description": description}],
                }
            ],
        )
        return group

    # ---- EKS -------------------------------------------------------------
    # Blue as eksctl (what the Kubeflow on AWS guide uses) leaves it: the cluster and each managed
    # nodegroup come from a CloudFormation stack, so they carry the tags eksctl puts in its templates
    # and the aws:cloudformation:* tags CloudFormation adds itself (AWS CLI reference, `aws eks
    # describe-cluster` / `list-tags-for-resource` examples for eksctl clusters and nodegroups:
    # https://docs.aws.amazon.com/cli/latest/reference/eks/list-tags-for-resource.html).
    def eksctl_tags(self, nodegroup: str | None = None) -> dict:
        tags = {
            "alpha.eksctl.io/cluster-name": self.cluster,
            "eksctl.cluster.k8s.io/v1alpha1/cluster-name": self.cluster,
            "alpha.eksctl.io/eksctl-version": EKSCTL_VERSION,
        }
        if nodegroup is None:
            tags.update({"alpha.eksctl.io/cluster-oidc-enabled": "true",
                         "Name": f"eksctl-{self.cluster}-cluster/ControlPlane"})
        else:
            tags.update({"alpha.eksctl.io/nodegroup-name": nodegroup, "alpha.eksctl.io/nodegroup-type": "managed"})
        return tags

    def cloudformation_tags(self, arn: str, stack: str, logical_id: str) -> dict:
        """Tags CloudFormation sets on a stack's resource, as the service (the EKS API refuses aws:
        keys from users): through the emulator's /_kf/ stand-in for CloudFormation."""
        stack_id = f"arn:aws:cloudformation:{self.region}:{ACCOUNT_ID}:stack/{stack}/{uuid.uuid4()}"
        tags = {"aws:cloudformation:stack-name": stack, "aws:cloudformation:stack-id": stack_id,
                "aws:cloudformation:logical-id": logical_id}
        request = urllib.request.Request(
            f"{self.endpoint}/_kf/eks/cloudformation-tags", method="POST",
            data=json.dumps({"region": self.region, "resourceArn": arn, "tags": tags}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            response.read()
        return {"stack_name": stack, "stack_id": stack_id}

    def trusted_role(self, name: str, trust: dict, policies: list[str]) -> str:
        iam = self.aws("iam")
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), Tags=tag_list(self.tags))["Role"]["Arn"]
        for policy in policies:
            iam.attach_role_policy(RoleName=name, PolicyArn=policy)
        return arn

    def eks(self) -> None:
        iam, eks, ec2 = self.aws("iam"), self.aws("eks"), self.aws("ec2")
        cluster_role = iam.create_role(
            RoleName=f"kf-{self.cluster}-cluster-role",
            AssumeRolePolicyDocument=service_role_trust("eks.amazonaws.com"),
            Tags=tag_list(self.tags),
        )["Role"]["Arn"]
        iam.attach_role_policy(
            RoleName=f"kf-{self.cluster}-cluster-role", PolicyArn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
        )
        node_role_name = f"kf-{self.cluster}-node-role"
        node_role = iam.create_role(
            RoleName=node_role_name,
            AssumeRolePolicyDocument=service_role_trust("ec2.amazonaws.com"),
            Tags=tag_list(self.tags),
        )["Role"]["Arn"]
        for policy in ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"):
            iam.attach_role_policy(RoleName=node_role_name, PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
        # Principals given cluster access: a CI role and a data team's role (access entries), an admin
        # role and an operator user (the aws-auth ConfigMap), the ALB controller's Pod Identity role.
        account_trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "sts:AssumeRole"}]}
        ci_role = self.trusted_role(f"kf-{self.cluster}-ci", account_trust, [])
        data_team_role = self.trusted_role(f"kf-{self.cluster}-data-team", account_trust, [])
        admin_role = self.trusted_role(f"kf-{self.cluster}-admin", account_trust, [])
        ops_user = iam.create_user(UserName=f"kf-{self.cluster}-ops", Tags=tag_list(self.tags))["User"]["Arn"]
        # EKS Pod Identity roles trust the pods.eks.amazonaws.com service principal with
        # sts:AssumeRole and sts:TagSession (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html).
        pod_identity_trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
             "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
        alb_role = self.trusted_role(f"kf-{self.cluster}-alb-controller", pod_identity_trust,
                                     ["arn:aws:iam::aws:policy/ElasticLoadBalancingFullAccess"])

        subnets = self.facts["private_subnet_ids"] + self.facts["public_subnet_ids"]
        cluster = eks.create_cluster(
            name=self.cluster,
            version="1.32",
            roleArn=cluster_role,
            resourcesVpcConfig={"subnetIds": subnets, "endpointPublicAccess": True, "endpointPrivateAccess": True},
            logging={"clusterLogging": [{"types": ["api", "audit"], "enabled": True}]},
            # eksctl's default authentication mode ("API_AND_CONFIG_MAP - default in eksctl",
            # https://docs.aws.amazon.com/eks/latest/eksctl/access-entries.html); the creator gets admin.
            accessConfig={"authenticationMode": "API_AND_CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": True},
            tags={**self.tags, **self.eksctl_tags()},
        )["cluster"]
        stacks = {"cluster": self.cloudformation_tags(cluster["arn"], f"eksctl-{self.cluster}-cluster", "ControlPlane")}
        wait_until("EKS cluster", lambda: eks.describe_cluster(name=self.cluster)["cluster"]["status"], "ACTIVE")
        cluster = eks.describe_cluster(name=self.cluster)["cluster"]
        self.facts.update(
            cluster_name=self.cluster,
            cluster_arn=cluster["arn"],
            cluster_version=cluster["version"],
            oidc_issuer=cluster["identity"]["oidc"]["issuer"],
            cluster_security_group_id=cluster["resourcesVpcConfig"]["clusterSecurityGroupId"],
            authentication_mode=cluster["accessConfig"]["authenticationMode"],
            node_role_arn=node_role,
        )
        log(f"EKS cluster {cluster['arn']}")

        nodegroups = {}
        nodegroups["linux-nodes"] = eks.create_nodegroup(
            clusterName=self.cluster,
            nodegroupName="linux-nodes",
            scalingConfig={"minSize": 5, "desiredSize": 5, "maxSize": 10},
            diskSize=100,
            subnets=self.facts["private_subnet_ids"],
            instanceTypes=["m5.xlarge"],
            amiType="AL2_x86_64",
            nodeRole=node_role,
            labels={"kubeflow.org/pool": "linux-nodes"},
            taints=[{"key": "dedicated", "value": "kubeflow", "effect": "PREFER_NO_SCHEDULE"}],
            tags={**self.tags, **self.eksctl_tags("linux-nodes")},
        )["nodegroup"]
        # A managed nodegroup from the user's own launch template (eksctl `managedNodeGroups[].launchTemplate:
        # {id, version}`; https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html) for the
        # bigger ML pool: the template sets the instance type and an 80 GiB gp3 root volume and requires
        # IMDSv2; it names no AMI, so EKS picks its optimized AMI: amiType is left to EKS (AL2023 for
        # 1.30 and later: kubernetes-versions-extended.html), and neither diskSize nor instanceTypes
        # may be given to CreateNodegroup.
        template = ec2.create_launch_template(
            LaunchTemplateName=f"kf-{self.cluster}-ml-nodes",
            VersionDescription="m5.2xlarge, 80 GiB gp3 root volume, IMDSv2",
            LaunchTemplateData={
                "InstanceType": "m5.2xlarge",
                "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
                    "VolumeSize": 80, "VolumeType": "gp3", "Iops": 3000, "Throughput": 125,
                    "Encrypted": True, "DeleteOnTermination": True}}],
                "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2},
                "TagSpecifications": [{"ResourceType": "instance", "Tags": tag_list(
                    {"Name": f"{self.cluster}-ml-nodes-Node", **self.tags})}],
            },
            TagSpecifications=[{"ResourceType": "launch-template", "Tags": tag_list(self.tags)}],
        )["LaunchTemplate"]
        nodegroups["ml-nodes"] = eks.create_nodegroup(
            clusterName=self.cluster,
            nodegroupName="ml-nodes",
            scalingConfig={"minSize": 2, "desiredSize": 2, "maxSize": 4},
            subnets=self.facts["private_subnet_ids"],
            launchTemplate={"id": template["LaunchTemplateId"], "version": str(template["LatestVersionNumber"])},
            nodeRole=node_role,
            labels={"kubeflow.org/pool": "ml-nodes"},
            tags={**self.tags, **self.eksctl_tags("ml-nodes")},
        )["nodegroup"]
        for name, nodegroup in nodegroups.items():
            stacks[name] = self.cloudformation_tags(
                nodegroup["nodegroupArn"], f"eksctl-{self.cluster}-nodegroup-{name}", "ManagedNodeGroup")
        self.facts.update(
            nodegroup_names=sorted(nodegroups),
            nodegroup_arns={n: g["nodegroupArn"] for n, g in nodegroups.items()},
            launch_template_id=template["LaunchTemplateId"],
            launch_template_name=template["LaunchTemplateName"],
            launch_template_version=str(template["LatestVersionNumber"]),
            cloudformation_stacks=stacks,
        )

        self.irsa()
        ebs_role = self.irsa_role(
            f"kf-{self.cluster}-ebs-csi", "kube-system", "ebs-csi-controller-sa",
            "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
        )
        # IRSA for the VPC CNI (https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html) and
        # prefix delegation (https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html).
        vpc_cni_role = self.irsa_role(
            f"kf-{self.cluster}-vpc-cni", "kube-system", "aws-node", "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        )
        addon_extra = {
            "vpc-cni": {"serviceAccountRoleArn": vpc_cni_role, "configurationValues": VPC_CNI_CONFIGURATION},
            "aws-ebs-csi-driver": {"serviceAccountRoleArn": ebs_role},
        }
        for addon in ADDONS:
            eks.create_addon(clusterName=self.cluster, addonName=addon, resolveConflicts="OVERWRITE", tags=self.tags,
                             **addon_extra.get(addon, {}))
        for name in nodegroups:
            wait_until(
                f"nodegroup {name}",
                lambda: eks.describe_nodegroup(clusterName=self.cluster, nodegroupName=name)["nodegroup"]["status"],
                "ACTIVE",
            )
        for addon in ADDONS:
            wait_until(
                f"add-on {addon}",
                lambda: eks.describe_addon(clusterName=self.cluster, addonName=addon)["addon"]["status"],
                "ACTIVE",
            )
        self.facts.update(addons=list(ADDONS), vpc_cni_role_arn=vpc_cni_role, ebs_csi_role_arn=ebs_role,
                          vpc_cni_configuration_values=VPC_CNI_CONFIGURATION)
        log(f"nodegroups {sorted(nodegroups)} and add-ons active")

        # Access entries (https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html,
        # access-policies.html): CI administers the cluster, the data team views its namespaces.
        entries = {
            ci_role: ("AmazonEKSClusterAdminPolicy", {"type": "cluster"}),
            data_team_role: ("AmazonEKSViewPolicy", {"type": "namespace", "namespaces": list(DATA_TEAM_NAMESPACES)}),
        }
        for principal, (policy, scope) in entries.items():
            eks.create_access_entry(clusterName=self.cluster, principalArn=principal, type="STANDARD", tags=self.tags)
            eks.associate_access_policy(clusterName=self.cluster, principalArn=principal,
                                        policyArn=f"arn:aws:eks::aws:cluster-access-policy/{policy}", accessScope=scope)
        association = eks.create_pod_identity_association(
            clusterName=self.cluster, namespace="kube-system", serviceAccount="aws-load-balancer-controller",
            roleArn=alb_role, tags=self.tags,
        )["association"]
        self.facts.update(
            ci_role_arn=ci_role,
            data_team_role_arn=data_team_role,
            data_team_namespaces=list(DATA_TEAM_NAMESPACES),
            access_entry_principal_arns=sorted(eks.list_access_entries(clusterName=self.cluster)["accessEntries"]),
            aws_auth_admin_role_arn=admin_role,
            aws_auth_user_arn=ops_user,
            pod_identity_association_id=association["associationId"],
            pod_identity_association_arn=association["associationArn"],
            pod_identity_role_arn=alb_role,
            pod_identity_service_account="kube-system/aws-load-balancer-controller",
        )
        log(f"access entries {self.facts['access_entry_principal_arns']}, Pod Identity {association['associationId']}")

    def irsa(self) -> None:
        iam = self.aws("iam")
        issuer = self.facts["oidc_issuer"]
        self.oidc_arn = iam.create_open_id_connect_provider(
            Url=issuer,
            ClientIDList=["sts.amazonaws.com"],
            ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
            Tags=tag_list(self.tags),
        )["OpenIDConnectProviderArn"]
        policy = iam.create_policy(
            PolicyName=f"kf-{self.cluster}-ml-pipeline-s3",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
                            "Resource": [f"arn:aws:s3:::kf-artifacts-{self.cluster}", f"arn:aws:s3:::kf-artifacts-{self.cluster}/*"],
                        }
                    ],
                }
            ),
        )["Policy"]["Arn"]
        self.facts["irsa_role_arn"] = self.irsa_role(f"kf-{self.cluster}-ml-pipeline", "kubeflow", "ml-pipeline", policy)
        log(f"OIDC provider {self.oidc_arn}, IRSA role {self.facts['irsa_role_arn']}")

    def irsa_role(self, name: str, namespace: str, service_account: str, policy_arn: str) -> str:
        iam = self.aws("iam")
        issuer_host = self.facts["oidc_issuer"].removeprefix("https://")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": self.oidc_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{issuer_host}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                            f"{issuer_host}:aud": "sts.amazonaws.com",
                        }
                    },
                }
            ],
        }
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), Tags=tag_list(self.tags))["Role"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
        return arn

    # ---- RDS + secrets ---------------------------------------------------
    def rds(self) -> None:
        rds, sm = self.aws("rds"), self.aws("secretsmanager")
        subnet_group = f"kf-{self.cluster}-db-subnets"
        rds.create_db_subnet_group(
            DBSubnetGroupName=subnet_group,
            DBSubnetGroupDescription="Kubeflow RDS private subnets",
            SubnetIds=self.facts["private_subnet_ids"],
            Tags=tag_list(self.tags),
        )
        group = self.security_group(f"kf-{self.cluster}-rds", "MySQL from the VPC", DB_PORT)
        parameter_group = f"kf-{self.cluster}-mysql80"
        rds.create_db_parameter_group(
            DBParameterGroupName=parameter_group, DBParameterGroupFamily="mysql8.0", Description="Kubeflow MySQL 8.0"
        )
        password = secrets.token_urlsafe(18)
        db = rds.create_db_instance(
            DBInstanceIdentifier="kubeflow-db",
            DBInstanceClass="db.m5.large",
            Engine="mysql",
            EngineVersion="8.0.35",
            DBName="kubeflow",
            MasterUsername="admin",
            MasterUserPassword=password,
            AllocatedStorage=20,
            StorageType="gp2",
            MultiAZ=False,
            PubliclyAccessible=False,
            DBSubnetGroupName=subnet_group,
            VpcSecurityGroupIds=[group],
            DBParameterGroupName=parameter_group,
            BackupRetentionPeriod=7,
            DeletionProtection=False,
            Port=DB_PORT,
            Tags=tag_list(self.tags),
        )["DBInstance"]
        wait_until(
            "RDS instance",
            lambda: rds.describe_db_instances(DBInstanceIdentifier="kubeflow-db")["DBInstances"][0]["DBInstanceStatus"],
            "available",
        )
        host = rds.describe_db_instances(DBInstanceIdentifier="kubeflow-db")["DBInstances"][0]["Endpoint"]["Address"]
        sm.create_secret(
            Name=self.db_secret_name,
            SecretString=json.dumps(
                {"username": "admin", "password": password, "database": "kubeflow", "host": host, "port": str(DB_PORT)}
            ),
            Tags=tag_list(self.tags),
        )
        self.db_password = password
        self.facts.update(db_instance_identifier=db["DBInstanceIdentifier"], db_host=host, db_secret_name=self.db_secret_name)
        log(f"RDS kubeflow-db at {host}")

    # ---- S3 --------------------------------------------------------------
    def s3(self) -> None:
        s3, iam, sm = self.aws("s3"), self.aws("iam"), self.aws("secretsmanager")
        bucket = f"kf-artifacts-{self.cluster}"
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        )
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_list(self.tags)})
        objects = {
            "pipelines/iris-training/pipeline.yaml": "pipelineSpec:\n  pipelineInfo:\n    name: iris-training\n",
            "pipelines/xgboost-sample/pipeline.yaml": "pipelineSpec:\n  pipelineInfo:\n    name: xgboost-sample\n",
            "artifacts/iris-training-7f9c2/train/model.pkl": "\x80\x04model-bytes" * 64,
            "artifacts/iris-training-7f9c2/evaluate/metrics.json": json.dumps({"accuracy": 0.97}),
            "artifacts/xgboost-sample-1a2b3/main.log": "training finished\n" * 20,
        }
        for key, body in objects.items():
            s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
        # Static credentials for the pipeline's S3 access (as the Kubeflow on AWS manifests use).
        user = f"kf-{self.cluster}-s3"
        iam.create_user(UserName=user, Tags=tag_list(self.tags))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        self.s3_keys = {"accesskey": key["AccessKeyId"], "secretkey": key["SecretAccessKey"]}
        sm.create_secret(Name="s3-secret", SecretString=json.dumps(self.s3_keys), Tags=tag_list(self.tags))
        self.facts["bucket"] = bucket
        log(f"S3 bucket {bucket} with {len(objects)} objects")

    # ---- EFS -------------------------------------------------------------
    def efs(self) -> None:
        efs = self.aws("efs")
        name = f"kf-efs-{self.cluster}"
        fs = efs.create_file_system(
            CreationToken=name,
            Encrypted=True,
            PerformanceMode="generalPurpose",
            ThroughputMode="bursting",
            Tags=tag_list({"Name": name, **self.tags}),
        )
        fs_id = fs["FileSystemId"]
        wait_until(
            "EFS file system",
            lambda: efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]["LifeCycleState"],
            "available",
        )
        group = self.security_group(f"{name}-nfs", "NFS from the VPC", 2049)
        for subnet in self.facts["private_subnet_ids"]:
            efs.create_mount_target(FileSystemId=fs_id, SubnetId=subnet, SecurityGroups=[group])
        self.pv_name = f"pvc-{uuid.uuid4()}"
        access_point = efs.create_access_point(
            ClientToken=self.pv_name,
            FileSystemId=fs_id,
            PosixUser={"Uid": 1000, "Gid": 100},
            RootDirectory={
                "Path": f"/dynamic_provisioning/{self.pv_name}",
                "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 100, "Permissions": "700"},
            },
            Tags=tag_list({"efs.csi.aws.com/cluster": "true"}),
        )["AccessPointId"]
        self.facts.update(efs_id=fs_id, efs_access_point_id=access_point)
        log(f"EFS {fs_id} with access point {access_point}")

    # ---- ALB + Route 53 --------------------------------------------------
    def ingress(self) -> None:
        elb, r53 = self.aws("elbv2"), self.aws("route53")
        group = self.security_group(f"k8s-{self.cluster}-alb", "HTTPS from anywhere", 443, "0.0.0.0/0")
        lb = elb.create_load_balancer(
            Name=f"k8s-istiosys-istioing-{self.cluster}",
            Subnets=self.facts["public_subnet_ids"],
            SecurityGroups=[group],
            Scheme="internet-facing",
            Type="application",
            IpAddressType="ipv4",
            Tags=tag_list({"elbv2.k8s.aws/cluster": self.cluster, "ingress.k8s.aws/stack": "istio-system/istio-ingress"}),
        )["LoadBalancers"][0]
        zone = r53.create_hosted_zone(
            Name=DNS_NAME,
            CallerReference=str(uuid.uuid4()),
            HostedZoneConfig={"Comment": "Kubeflow", "PrivateZone": False},
        )["HostedZone"]["Id"].removeprefix("/hostedzone/")
        change = r53.change_resource_record_sets(
            HostedZoneId=zone,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "UPSERT",
                        "ResourceRecordSet": {
                            "Name": DNS_NAME,
                            "Type": "A",
                            "AliasTarget": {
                                "HostedZoneId": lb["CanonicalHostedZoneId"],
                                "DNSName": lb["DNSName"],
                                "EvaluateTargetHealth": True,
                            },
                        },
                    }
                ]
            },
        )["ChangeInfo"]["Id"]
        wait_until("Route 53 change", lambda: r53.get_change(Id=change)["ChangeInfo"]["Status"], "INSYNC")
        self.facts.update(
            alb_arn=lb["LoadBalancerArn"],
            alb_dns_name=lb["DNSName"],
            alb_zone_id=lb["CanonicalHostedZoneId"],
            hosted_zone_id=zone,
            dns_name=DNS_NAME,
        )
        log(f"ALB {lb['DNSName']}, zone {zone}")

    # ---- Kubernetes ------------------------------------------------------
    def kubernetes_objects(self) -> list[dict]:
        facts = self.facts

        def meta(name, namespace=None, **extra):
            m = {"name": name, **extra}
            if namespace:
                m["namespace"] = namespace
            return m

        def deployment(name, image, replicas, port):
            labels = {"app": name, "app.kubernetes.io/part-of": "kubeflow"}
            return {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": meta(name, "kubeflow", labels=labels),
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": {"app": name}},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "serviceAccountName": "ml-pipeline" if name == "ml-pipeline" else "default",
                            "containers": [{"name": name, "image": image, "ports": [{"containerPort": port}]}],
                        },
                    },
                },
            }

        objects = [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": meta(ns)}
            for ns in ("kubeflow", "istio-system", "kube-system")
        ]
        # The profile controller's namespace of the user's Profile.
        objects.append({"apiVersion": "v1", "kind": "Namespace", "metadata": meta(
            kubeflow_objects.PROFILE_NAMESPACE,
            labels={"app.kubernetes.io/part-of": "kubeflow-profile",
                    "katib.kubeflow.org/metrics-collector-injection": "enabled",
                    "pipelines.kubeflow.org/enabled": "true"},
            annotations={"owner": "user@example.com"})})
        objects += [
            self.aws_auth(meta),
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": meta("pipeline-install-config", "kubeflow"),
                "data": {
                    "dbHost": facts["db_host"],
                    "dbPort": str(DB_PORT),
                    "dbType": "mysql",
                    "mlmdDb": "metadb",
                    "cacheDb": "cachedb",
                    "pipelineDb": "mlpipeline",
                    "bucketName": facts["bucket"],
                    "minioServiceHost": "s3.amazonaws.com",
                    "minioServiceRegion": self.region,
                    "appName": "pipeline",
                    "autoUpdatePipelineDefaultVersion": "true",
                },
            },
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": meta("mysql-secret", "kubeflow"),
                "type": "Opaque",
                "data": b64({"username": "admin", "password": self.db_password}),
            },
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": meta("mlpipeline-minio-artifact", "kubeflow"),
                "type": "Opaque",
                "data": b64(self.s3_keys),
            },
            {
                "apiVersion": "storage.k8s.io/v1",
                "kind": "StorageClass",
                "metadata": meta("gp2", annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
                "provisioner": "kubernetes.io/aws-ebs",
                "parameters": {"type": "gp2", "fsType": "ext4"},
                "reclaimPolicy": "Delete",
                "volumeBindingMode": "WaitForFirstConsumer",
            },
            {
                "apiVersion": "storage.k8s.io/v1",
                "kind": "StorageClass",
                "metadata": meta("efs-sc"),
                "provisioner": "efs.csi.aws.com",
                "parameters": {
                    "provisioningMode": "efs-ap",
                    "fileSystemId": facts["efs_id"],
                    "directoryPerms": "700",
                    "uid": "1000",
                    "gid": "100",
                    "basePath": "/dynamic_provisioning",
                },
                "reclaimPolicy": "Delete",
                "volumeBindingMode": "Immediate",
            },
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": meta("ml-pipeline", "kubeflow", annotations={"eks.amazonaws.com/role-arn": facts["irsa_role_arn"]}),
            },
            deployment("ml-pipeline", "gcr.io/ml-pipeline/api-server:2.0.5", 2, 8888),
            deployment("ml-pipeline-ui", "gcr.io/ml-pipeline/frontend:2.0.5", 1, 3000),
            deployment("metadata-grpc-deployment", "gcr.io/tfx-oss-public/ml_metadata_store_server:1.14.0", 1, 8080),
            deployment("centraldashboard", "docker.io/kubeflownotebookswg/centraldashboard:v1.8.0", 1, 8082),
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": meta(
                    "istio-ingress",
                    "istio-system",
                    annotations={
                        "alb.ingress.kubernetes.io/scheme": "internet-facing",
                        "alb.ingress.kubernetes.io/group.name": "istio-ingress",
                    },
                ),
                "spec": {
                    "ingressClassName": "alb",
                    "rules": [
                        {
                            "host": DNS_NAME.rstrip("."),
                            "http": {
                                "paths": [
                                    {
                                        "path": "/",
                                        "pathType": "Prefix",
                                        "backend": {"service": {"name": "istio-ingressgateway", "port": {"number": 80}}},
                                    }
                                ]
                            },
                        }
                    ],
                },
            },
            {
                "apiVersion": "v1",
                "kind": "PersistentVolume",
                "metadata": meta(
                    self.pv_name,
                    annotations={"pv.kubernetes.io/provisioned-by": "efs.csi.aws.com"},
                ),
                "spec": {
                    "capacity": {"storage": "5Gi"},
                    "accessModes": ["ReadWriteMany"],
                    "persistentVolumeReclaimPolicy": "Delete",
                    "storageClassName": "efs-sc",
                    "volumeMode": "Filesystem",
                    "csi": {
                        "driver": "efs.csi.aws.com",
                        "volumeHandle": f"{facts['efs_id']}::{facts['efs_access_point_id']}",
                    },
                    "claimRef": {
                        "apiVersion": "v1",
                        "kind": "PersistentVolumeClaim",
                        "namespace": "kubeflow-user-example-com",
                        "name": "efsclaim",
                    },
                },
            },
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": meta(
                    "efsclaim",
                    "kubeflow-user-example-com",
                    annotations={"pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes"},
                ),
                "spec": {
                    "accessModes": ["ReadWriteMany"],
                    "storageClassName": "efs-sc",
                    "resources": {"requests": {"storage": "5Gi"}},
                    "volumeName": self.pv_name,
                    "volumeMode": "Filesystem",
                },
            },
        ]
        return objects

    def aws_auth(self, meta) -> dict:
        """kube-system/aws-auth in the format of https://docs.aws.amazon.com/eks/latest/userguide/auth-configmap.html:
        the node role (EKS adds managed nodegroups' roles itself), an admin role in system:masters, and
        an operator user. Under API_AND_CONFIG_MAP both these and the access entries grant access."""
        facts = self.facts
        map_roles = [
            {"groups": ["system:bootstrappers", "system:nodes"], "rolearn": facts["node_role_arn"],
             "username": "system:node:{{EC2PrivateDNSName}}"},
            {"groups": ["system:masters"], "rolearn": facts["aws_auth_admin_role_arn"],
             "username": f"kf-{self.cluster}-admin"},
        ]
        map_users = [
            {"groups": ["system:masters"], "userarn": facts["aws_auth_user_arn"], "username": f"kf-{self.cluster}-ops"},
        ]
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("aws-auth", "kube-system"),
            "data": {
                "mapRoles": yaml.safe_dump(map_roles, sort_keys=False, default_flow_style=False),
                "mapUsers": yaml.safe_dump(map_users, sort_keys=False, default_flow_style=False),
            },
        }

    def kubernetes(self, kubeconfig: str, context: str) -> None:
        kubectl = ["kubectl", "--kubeconfig", kubeconfig, "--context", context]

        def apply(objects: list[dict]) -> None:
            subprocess.run(
                kubectl + ["apply", "--server-side", "--force-conflicts", "--field-manager=seed-blue", "-f", "-"],
                input=yaml.safe_dump_all(objects, sort_keys=False), text=True, check=True, stdout=sys.stderr,
            )

        apply(kubeflow_objects.crds())
        apply(self.kubernetes_objects()
              + [kubeflow_objects.secret_provider_class(self.db_secret_name)]
              + kubeflow_objects.workloads())
        trial_uid = json.loads(subprocess.run(
            kubectl + ["get", "trial", "random-search-7bq4x", "-n", kubeflow_objects.PROFILE_NAMESPACE, "-o", "json"],
            check=True, capture_output=True, text=True).stdout)["metadata"]["uid"]
        apply([kubeflow_objects.trial_job(trial_uid)])
        status_patches = [
            ("ingress", "istio-ingress", "istio-system",
             {"status": {"loadBalancer": {"ingress": [{"hostname": self.facts["alb_dns_name"]}]}}}),
            ("persistentvolume", self.pv_name, None, {"status": {"phase": "Bound"}}),
            ("persistentvolumeclaim", "efsclaim", "kubeflow-user-example-com",
             {"status": {"phase": "Bound", "accessModes": ["ReadWriteMany"], "capacity": {"storage": "5Gi"}}}),
            ("job", "random-search-7bq4x", kubeflow_objects.PROFILE_NAMESPACE,
             {"status": {"active": 1, "startTime": "2026-11-30T23:00:00Z"}}),
        ]
        for kind, name, namespace, patch in status_patches:
            scope = ["-n", namespace] if namespace else []
            subprocess.run(
                kubectl + ["patch", kind, name, *scope, "--subresource=status", "--type=merge", "-p", json.dumps(patch)],
                check=True, stdout=sys.stderr,
            )
        log(f"Kubernetes objects applied to context {context}")


    def teams(self, kubeconfig: str, context: str, count: int) -> None:
        """`count` more profiles, each with a contributor, a PodDefault, a notebook, an IRSA service
        account, kfp-launcher, a user Secret, a claim on EFS through its own access point (as the
        CSI driver's efs-ap mode makes them) and one on a static EFS directory; the first team also
        has a claim on EBS (a gp2 volume of the in-tree provisioner)."""
        kubectl = ["kubectl", "--kubeconfig", kubeconfig, "--context", context]

        def apply(objects: list[dict]) -> None:
            subprocess.run(kubectl + ["apply", "--server-side", "--field-manager=seed-blue", "-f", "-"],
                           input=yaml.safe_dump_all(objects, sort_keys=False), text=True, check=True,
                           stdout=subprocess.DEVNULL)

        apply(kubeflow_objects.extra_crds())
        names = [kubeflow_objects.team_name(i) for i in range(count)]
        apply([kubeflow_objects.team_profile(i) for i in range(count)])
        # The profile controller makes each namespace.
        deadline = time.time() + 60
        while True:
            have = set(subprocess.run(kubectl + ["get", "namespaces", "-o", "name"], check=True,
                                      capture_output=True, text=True).stdout.split())
            if all(f"namespace/{n}" in have for n in names):
                break
            if time.time() > deadline:
                raise SystemExit("the profile controller did not make the team namespaces")
            time.sleep(0.2)
        efs, ec2 = self.aws("efs"), self.aws("ec2")
        fs_id = self.facts["efs_id"]
        objects: list[dict] = []
        for i, ns in enumerate(names):
            objects += kubeflow_objects.team_objects(i, self.facts["bucket"], self.facts["irsa_role_arn"])
            pv = f"pvc-{uuid.uuid4()}"
            ap = efs.create_access_point(
                ClientToken=pv, FileSystemId=fs_id, PosixUser={"Uid": 1000, "Gid": 100},
                RootDirectory={"Path": f"/dynamic_provisioning/{pv}",
                               "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 100, "Permissions": "700"}},
                Tags=tag_list({"efs.csi.aws.com/cluster": "true"}))["AccessPointId"]
            objects += kubeflow_objects.efs_claim(ns, "workspace", pv, f"{fs_id}::{ap}")
            objects += kubeflow_objects.efs_claim(ns, "datasets", f"{ns}-datasets", f"{fs_id}:/datasets/{ns}", "50Gi")
        if names:
            zone = f"{self.region}a"
            pv = f"pvc-{uuid.uuid4()}"
            volume = ec2.create_volume(
                AvailabilityZone=zone, Size=20, VolumeType="gp2",
                TagSpecifications=[{"ResourceType": "volume", "Tags": tag_list({
                    "KubernetesCluster": self.cluster, f"kubernetes.io/cluster/{self.cluster}": "owned",
                    "kubernetes.io/created-for/pvc/name": "scratch",
                    "kubernetes.io/created-for/pvc/namespace": names[0],
                    "kubernetes.io/created-for/pv/name": pv})}])["VolumeId"]
            objects += kubeflow_objects.ebs_claim(names[0], "scratch", pv, volume, zone)
            self.facts.update(ebs_volume_id=volume, ebs_zone=zone)
        apply(objects)
        self.facts["teams"] = names
        log(f"{count} more profiles with their objects and {2 * count + (1 if names else 0)} claims")


def main() -> int:
    parser = argparse.ArgumentParser(description="Seed a blue Kubeflow on AWS into the emulators.")
    parser.add_argument("--endpoint", required=True, help="emulated AWS endpoint, e.g. http://127.0.0.1:4566")
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--context", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--teams", type=int, default=0,
                        help="this many more profiles, each with its objects and claims (EFS; EBS for the first)")
    parser.add_argument("--cluster-name", default="blue")
    parser.add_argument("--db-secret-name", default="rds-secret",
                        help="name of blue's Secrets Manager secret with the DB credentials")
    args = parser.parse_args()
    if not args.endpoint.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
        parser.error("--endpoint must be a loopback emulator, never real AWS")

    seeder = Seeder(args.endpoint, args.region, args.cluster_name, args.db_secret_name)
    seeder.network()
    seeder.eks()
    seeder.rds()
    seeder.s3()
    seeder.efs()
    seeder.ingress()
    seeder.kubernetes(args.kubeconfig, args.context)
    if args.teams:
        seeder.teams(args.kubeconfig, args.context, args.teams)
    print(json.dumps(seeder.facts, indent=2), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
