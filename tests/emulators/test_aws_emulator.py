"""Self-test of tests/emulators/aws_emulator.py.

Run: .venv/bin/python -m unittest tests/emulators/test_aws_emulator.py
Starts the emulator on a free port as a subprocess and drives it with boto3.
"""

import datetime
import json
import os
import socket
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import boto3
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "us-east-1"
KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"
KUBECONFIG = """apiVersion: v1
kind: Config
current-context: blue
clusters:
- {{name: blue, cluster: {{server: "{server}"}}}}
contexts:
- {{name: blue, context: {{cluster: blue, user: blue}}}}
users:
- {{name: blue, user: {{token: test}}}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AwsEmulatorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        port = free_port()
        cls.endpoint = f"http://127.0.0.1:{port}"
        cls.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "aws_emulator.py"), "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = cls.proc.stdout.readline().strip()
        assert line == f"ready {cls.endpoint}", line
        cls.vpc, cls.subnets = cls.make_vpc()
        trust = json.dumps({"Version": "2012-10-17", "Statement": []})
        cls.role = cls.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=trust)["Role"]["Arn"]

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        assert cls.proc.wait(60) == 0  # exiting with the suite's state takes ~10 s on a loaded machine
        cls.proc.stdout.close()

    def test_iam_keeps_role_name_and_inline_policy_limits(self):
        # IAM quotas (reference_iam-quotas.html): 64-character role names, 10,240 characters of
        # inline policies per role.
        iam = self.client("iam")
        trust = json.dumps({"Version": "2012-10-17", "Statement": []})
        with self.assertRaises(ClientError) as e:
            iam.create_role(RoleName="r" * 65, AssumeRolePolicyDocument=trust)
        self.assertEqual(e.exception.response["Error"]["Code"], "ValidationError")
        iam.create_role(RoleName="r" * 64, AssumeRolePolicyDocument=trust)
        statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/" + "k" * 90}
        doc = json.dumps({"Version": "2012-10-17", "Statement": [statement] * 60})
        iam.put_role_policy(RoleName="r" * 64, PolicyName="a", PolicyDocument=doc)
        with self.assertRaises(ClientError) as e:
            iam.put_role_policy(RoleName="r" * 64, PolicyName="b", PolicyDocument=doc)
        self.assertEqual(e.exception.response["Error"]["Code"], "LimitExceeded")
        iam.put_role_policy(RoleName="r" * 64, PolicyName="a", PolicyDocument=doc)

    def setUp(self):
        self.kf("DELETE", "/_kf/faults")
        self.set_pending({})

    @classmethod
    def client(cls, service):
        return boto3.client(
            service,
            endpoint_url=cls.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}),
        )

    @classmethod
    def kf(cls, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(cls.endpoint + path, data=data, method=method)
        with urllib.request.urlopen(req) as resp:
            return json.loads(resp.read())

    def set_pending(self, values, eks_date="2026-03-01"):
        pending = {k: 0 for k in ("rds_instance", "rds_snapshot", "rds_backing_up", "rds_modifying",
                                  "eks_cluster", "eks_nodegroup", "eks_addon", "datasync_execution",
                                  "datasync_execution_s3", "datasync_execution_efs", "datasync_cancelling",
                                  "efs", "ec2_snapshot")}
        pending.update(values)
        self.kf("POST", "/_kf/config", {"pending": pending, "eks_date": eks_date})

    @classmethod
    def make_vpc(cls):
        ec2 = cls.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
            for i, az in enumerate("ab")
        ]
        return vpc, subnets

    def wait_for(self, fetch, want, timeout=10):
        deadline = time.time() + timeout
        while True:
            got = fetch()
            if got == want or time.time() > deadline:
                self.assertEqual(got, want)
                return
            time.sleep(0.2)

    def assert_error(self, call, code, status=None, message=None):
        with self.assertRaises(ClientError) as ctx:
            call()
        self.assertEqual(ctx.exception.response["Error"]["Code"], code)
        if status is not None:
            self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], status)
        if message is not None:
            self.assertIn(message, ctx.exception.response["Error"]["Message"])
        return ctx.exception

    # EKS helpers ------------------------------------------------------------
    def eks_cluster(self, name, version="1.29", **kwargs):
        cluster = self.client("eks").create_cluster(name=name, version=version, roleArn=self.role,
                                                    resourcesVpcConfig={"subnetIds": self.subnets}, **kwargs)["cluster"]
        return cluster

    def oidc_provider(self, cluster):
        issuer = cluster["identity"]["oidc"]["issuer"]
        return self.client("iam").create_open_id_connect_provider(
            Url=issuer, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
        )["OpenIDConnectProviderArn"]

    @staticmethod
    def irsa_trust(provider_arn, issuer, namespace, service_account):
        host = issuer.removeprefix("https://")
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": provider_arn}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{host}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                                           f"{host}:aud": "sts.amazonaws.com"}}}]})

    def addon_state(self, cluster, addon):
        described = self.client("eks").describe_addon(clusterName=cluster, addonName=addon)["addon"]
        return described["status"], [i["code"] for i in described["health"]["issues"]]

    # ------------------------------------------------------------------
    def test_control_endpoints(self):
        self.assertEqual(self.kf("GET", "/_kf/health"), {"ok": True})
        self.set_pending({"rds_snapshot": 6})
        self.assertEqual(self.kf("GET", "/_kf/config")["pending"]["rds_snapshot"], 6)
        self.kf("POST", "/_kf/faults", {"operation": "X", "count": 2})
        self.assertEqual(self.kf("GET", "/_kf/faults")["faults"][0]["count"], 2)
        self.kf("POST", "/_kf/requests/reset")
        sts = self.client("sts")
        sts.get_caller_identity()
        sts.get_caller_identity()
        self.client("s3").list_buckets()
        self.client("eks").list_clusters()
        counts = self.kf("GET", "/_kf/requests")
        self.assertEqual(counts["by_operation"].get("GetCallerIdentity"), 2)
        self.assertEqual(counts["by_operation"].get("ListBuckets"), 1)
        self.assertEqual(counts["by_operation"].get("ListClusters"), 1)
        self.assertEqual(counts["total"], 4)

    def test_faults_in_each_protocol(self):
        cases = [
            ("rds", "DescribeDBInstances", lambda: self.client("rds").describe_db_instances()),
            ("ec2", "DescribeVpcs", lambda: self.client("ec2").describe_vpcs()),
            ("datasync", "ListTasks", lambda: self.client("datasync").list_tasks()),
            ("eks", "ListClusters", lambda: self.client("eks").list_clusters()),
            ("s3", "ListObjectsV2", lambda: self.client("s3").list_objects_v2(Bucket="nope")),
            ("route53", "ListHostedZones", lambda: self.client("route53").list_hosted_zones()),
            ("secretsmanager", "ListSecrets", lambda: self.client("secretsmanager").list_secrets()),
        ]
        for service, operation, call in cases:
            with self.subTest(service=service):
                self.kf("POST", "/_kf/faults", {"operation": operation, "count": 1, "status": 400,
                                                "code": "ThrottlingException", "message": "injected"})
                err = self.assert_error(call, "ThrottlingException")
                self.assertEqual(err.response["ResponseMetadata"]["HTTPStatusCode"], 400)
                self.assertEqual(err.response["Error"]["Message"], "injected")
        # count is honoured: two failures, then success
        self.kf("POST", "/_kf/faults", {"operation": "DescribeDBSnapshots", "count": 2, "status": 500,
                                        "code": "InternalFailure"})
        rds = self.client("rds")
        self.assert_error(rds.describe_db_snapshots, "InternalFailure")
        self.assert_error(rds.describe_db_snapshots, "InternalFailure")
        rds.describe_db_snapshots()

    def test_rds_pending_phases(self):
        self.set_pending({"rds_instance": 1, "rds_snapshot": 1})
        rds = self.client("rds")
        ec2 = self.client("ec2")
        rds.create_db_subnet_group(DBSubnetGroupName="sng", DBSubnetGroupDescription="d", SubnetIds=self.subnets)
        sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=self.vpc)["GroupId"]
        db = rds.create_db_instance(
            DBInstanceIdentifier="db1", DBInstanceClass="db.m5.large", Engine="mysql", MasterUsername="admin",
            MasterUserPassword="password1", AllocatedStorage=20, MultiAZ=True, PubliclyAccessible=True,
            DeletionProtection=True, DBSubnetGroupName="sng",
        )["DBInstance"]
        self.assertEqual(db["DBInstanceStatus"], "creating")
        status = lambda i: rds.describe_db_instances(DBInstanceIdentifier=i)["DBInstances"][0]["DBInstanceStatus"]
        self.wait_for(lambda: status("db1"), "available")
        snap = rds.create_db_snapshot(DBInstanceIdentifier="db1", DBSnapshotIdentifier="snap1")["DBSnapshot"]
        self.assertEqual(snap["Status"], "creating")
        self.assertLess(snap["PercentProgress"], 100)
        self.assert_error(lambda: rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier="db2", DBSnapshotIdentifier="snap1"), "InvalidDBSnapshotState")
        snap_status = lambda: rds.describe_db_snapshots(DBSnapshotIdentifier="snap1")["DBSnapshots"][0]["Status"]
        self.wait_for(snap_status, "available")
        restored = rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier="db2", DBSnapshotIdentifier="snap1", DBSubnetGroupName="sng",
            VpcSecurityGroupIds=[sg], DBInstanceClass="db.m5.xlarge", MultiAZ=False, PubliclyAccessible=False,
            DeletionProtection=False, StorageType="gp3", Tags=[{"Key": "k", "Value": "v"}],
        )["DBInstance"]
        self.assertEqual(restored["DBInstanceStatus"], "creating")
        self.assertEqual((restored["MultiAZ"], restored["PubliclyAccessible"], restored["DeletionProtection"]),
                         (False, False, False))
        self.assertEqual(restored["DBInstanceClass"], "db.m5.xlarge")
        self.assertEqual(restored["VpcSecurityGroups"][0]["VpcSecurityGroupId"], sg)
        self.assertNotEqual(restored["Endpoint"]["Address"], db["Endpoint"]["Address"])
        self.wait_for(lambda: status("db2"), "available")
        self.assert_error(lambda: rds.delete_db_instance(DBInstanceIdentifier="db1", SkipFinalSnapshot=True),
                          "InvalidParameterCombination")

    def test_eks_clusters_nodegroups_addons(self):
        self.set_pending({"eks_cluster": 1, "eks_nodegroup": 1, "eks_addon": 1})
        eks, ec2 = self.client("eks"), self.client("ec2")
        clusters = [
            eks.create_cluster(name=name, version="1.29", roleArn=self.role,
                               resourcesVpcConfig={"subnetIds": self.subnets})["cluster"]
            for name in ("c-blue", "c-green")
        ]
        self.assertEqual(clusters[0]["status"], "CREATING")
        for cluster in clusters:
            vpc_config = cluster["resourcesVpcConfig"]
            self.assertEqual(vpc_config["vpcId"], self.vpc)
            groups = ec2.describe_security_groups(GroupIds=[vpc_config["clusterSecurityGroupId"]])["SecurityGroups"]
            self.assertTrue(groups[0]["GroupName"].startswith(f"eks-cluster-sg-{cluster['name']}-"))
            self.assertEqual(groups[0]["VpcId"], self.vpc)
        self.assertNotEqual(clusters[0]["endpoint"], clusters[1]["endpoint"])
        self.assertNotEqual(clusters[0]["identity"]["oidc"]["issuer"], clusters[1]["identity"]["oidc"]["issuer"])
        self.assertRegex(clusters[0]["endpoint"], r"^https://[0-9A-F]{32}\.gr7\.us-east-1\.eks\.amazonaws\.com$")
        self.wait_for(lambda: eks.describe_cluster(name="c-blue")["cluster"]["status"], "ACTIVE")

        ng = eks.create_nodegroup(clusterName="c-blue", nodegroupName="ng", subnets=self.subnets,
                                  nodeRole=self.role, instanceTypes=["m5.xlarge"], diskSize=100,
                                  scalingConfig={"minSize": 5, "desiredSize": 5, "maxSize": 10})["nodegroup"]
        self.assertEqual((ng["status"], ng["version"]), ("CREATING", "1.29"))
        self.wait_for(lambda: eks.describe_nodegroup(clusterName="c-blue", nodegroupName="ng")["nodegroup"]["status"],
                      "ACTIVE")

        versions = eks.describe_addon_versions(addonName="kube-proxy", kubernetesVersion="1.29")["addons"]
        self.assertEqual(versions[0]["addonVersions"][0]["addonVersion"], "v1.29.0-eksbuild.1")
        blue = eks.describe_cluster(name="c-blue")["cluster"]
        trust = self.irsa_trust(self.oidc_provider(blue), blue["identity"]["oidc"]["issuer"],
                                "kube-system", "ebs-csi-controller-sa")
        ebs_role = self.client("iam").create_role(RoleName="c-blue-ebs", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        addon = eks.create_addon(clusterName="c-blue", addonName="aws-ebs-csi-driver",
                                 serviceAccountRoleArn=ebs_role, tags={"a": "b"})["addon"]
        self.assertEqual(addon["status"], "CREATING")
        self.assert_error(lambda: eks.create_addon(clusterName="c-blue", addonName="aws-ebs-csi-driver"),
                          "ResourceInUseException")
        describe = lambda: eks.describe_addon(clusterName="c-blue", addonName="aws-ebs-csi-driver")["addon"]
        self.wait_for(lambda: describe()["status"], "ACTIVE")
        self.assertEqual(describe()["serviceAccountRoleArn"], ebs_role)
        self.assertEqual(eks.list_addons(clusterName="c-blue")["addons"], ["aws-ebs-csi-driver"])
        update = eks.update_addon(clusterName="c-blue", addonName="aws-ebs-csi-driver",
                                  addonVersion="v1.35.0-eksbuild.1")["update"]
        self.assertEqual(describe()["status"], "UPDATING")
        track = lambda: eks.describe_update(name="c-blue", updateId=update["id"], addonName="aws-ebs-csi-driver")["update"]
        self.assertEqual(track()["status"], "InProgress")
        self.wait_for(lambda: track()["status"], "Successful")
        self.assertEqual(describe()["addonVersion"], "v1.35.0-eksbuild.1")
        eks.delete_addon(clusterName="c-blue", addonName="aws-ebs-csi-driver")
        self.assert_error(describe, "ResourceNotFoundException")
        self.assert_error(lambda: eks.list_addons(clusterName="nope"), "ResourceNotFoundException")

    # ---- EKS as the real service behaves --------------------------------
    def test_eks_reserved_tags_and_tag_limits(self):
        eks = self.client("eks")
        # aws: keys are AWS's: refused on create (InvalidParameterException) and TagResource (BadRequestException)
        for key in ("aws:cloudformation:stack-name", "AWS:owner", "Aws:x"):
            with self.subTest(key=key):
                self.assert_error(lambda: self.eks_cluster("t-reserved", tags={key: "v"}), "InvalidParameterException", 400)
        self.assert_error(lambda: self.eks_cluster("t-many", tags={f"k{i}": "v" for i in range(51)}),
                          "InvalidParameterException", 400)
        self.assert_error(lambda: self.eks_cluster("t-long", tags={"k" * 129: "v"}), "InvalidParameterException", 400)
        self.assert_error(lambda: self.eks_cluster("t-long", tags={"k": "v" * 257}), "InvalidParameterException", 400)
        self.assertEqual(eks.list_clusters()["clusters"].count("t-reserved"), 0)
        cluster = self.eks_cluster("t-tags", tags={f"k{i}": "v" for i in range(50)})
        ng = eks.create_nodegroup
        self.assert_error(lambda: ng(clusterName="t-tags", nodegroupName="n", subnets=self.subnets, nodeRole=self.role,
                                     tags={"aws:cloudformation:logical-id": "ManagedNodeGroup"}),
                          "InvalidParameterException", 400)
        self.assert_error(lambda: eks.create_addon(clusterName="t-tags", addonName="kube-proxy", tags={"aws:x": "y"}),
                          "InvalidParameterException", 400)
        self.assert_error(lambda: eks.tag_resource(resourceArn=cluster["arn"], tags={"aws:x": "y"}), "BadRequestException", 400)
        self.assert_error(lambda: eks.tag_resource(resourceArn=cluster["arn"], tags={"k50": "v"}), "BadRequestException", 400)
        # nodegroups and add-ons are taggable too
        arn = ng(clusterName="t-tags", nodegroupName="n", subnets=self.subnets, nodeRole=self.role)["nodegroup"]["nodegroupArn"]
        eks.tag_resource(resourceArn=arn, tags={"team": "ml"})
        self.assertEqual(eks.list_tags_for_resource(resourceArn=arn)["tags"], {"team": "ml"})
        eks.untag_resource(resourceArn=arn, tagKeys=["team"])
        self.assertEqual(eks.list_tags_for_resource(resourceArn=arn)["tags"], {})
        self.assert_error(lambda: eks.list_tags_for_resource(resourceArn=arn + "x"), "NotFoundException", 404)
        # The CloudFormation stand-in sets aws: tags as the service does; they are not counted in the 50,
        # and users cannot remove them.
        cfn = {"aws:cloudformation:stack-name": "eksctl-t-tags-cluster", "aws:cloudformation:logical-id": "ControlPlane"}
        self.kf("POST", "/_kf/eks/cloudformation-tags", {"region": REGION, "resourceArn": cluster["arn"], "tags": cfn})
        tags = eks.describe_cluster(name="t-tags")["cluster"]["tags"]
        self.assertEqual((len(tags), tags["aws:cloudformation:logical-id"]), (52, "ControlPlane"))
        self.assert_error(lambda: eks.untag_resource(resourceArn=cluster["arn"], tagKeys=["aws:cloudformation:stack-name"]),
                          "BadRequestException", 400)

    def test_eks_cluster_names(self):
        for name in ("-blue", "_blue", "blue.prod", "blue prod", "b" * 101):
            with self.subTest(name=name):
                self.assert_error(lambda: self.eks_cluster(name), "InvalidParameterException", 400,
                                  "The name parameter contains invalid characters")
        for name in ("0blue", "Blue_green-2", "n" * 100):
            self.assertEqual(self.eks_cluster(name)["name"], name)

    def test_eks_cluster_versions_follow_the_release_calendar(self):
        eks = self.client("eks")
        versions = eks.describe_cluster_versions()["clusterVersions"]
        self.assertEqual([v["clusterVersion"] for v in versions], ["1.35", "1.34", "1.33", "1.32", "1.31", "1.30", "1.29"])
        by_version = {v["clusterVersion"]: v for v in versions}
        self.assertEqual({v["versionStatus"] for k, v in by_version.items() if k >= "1.32"}, {"STANDARD_SUPPORT"})
        self.assertEqual({by_version[k]["versionStatus"] for k in ("1.29", "1.30", "1.31")}, {"EXTENDED_SUPPORT"})
        v129 = by_version["1.29"]
        self.assertEqual((v129["clusterType"], v129["status"], v129["kubernetesPatchVersion"]),
                         ("eks", "EXTENDED_SUPPORT", "1.29.15"))
        utc = lambda day: datetime.datetime.fromisoformat(day + "T00:00:00+00:00")
        self.assertEqual(v129["releaseDate"], utc("2024-01-23"))
        self.assertEqual(v129["endOfStandardSupportDate"], utc("2025-03-23"))
        self.assertEqual(v129["endOfExtendedSupportDate"], utc("2026-03-23"))
        self.assertTrue(v129["defaultPlatformVersion"].startswith("eks."))
        self.assertEqual([v["clusterVersion"] for v in versions if v["defaultVersion"]], ["1.34"])
        self.assertEqual([v["clusterVersion"] for v in eks.describe_cluster_versions(defaultOnly=True)["clusterVersions"]],
                         ["1.34"])
        extended = eks.describe_cluster_versions(versionStatus="EXTENDED_SUPPORT")["clusterVersions"]
        self.assertEqual([v["clusterVersion"] for v in extended], ["1.31", "1.30", "1.29"])
        self.assertEqual(len(eks.describe_cluster_versions(clusterVersions=["1.33"])["clusterVersions"]), 1)
        # Versions EKS does not offer (too old, not yet released, nonsense) are refused.
        for version in ("1.28", "1.36", "1.19", "2.0", "latest"):
            with self.subTest(version=version):
                self.assert_error(lambda: self.eks_cluster(f"v-{version.replace('.', '-')}", version=version),
                                  "InvalidParameterException", 400, f"unsupported Kubernetes version {version}")
        self.assertEqual(eks.create_cluster(name="v-default", roleArn=self.role,
                                            resourcesVpcConfig={"subnetIds": self.subnets})["cluster"]["version"], "1.34")
        # Late 2026: 1.29-1.31 are past their end of extended support, 1.36 is out.
        self.set_pending({}, eks_date="2026-12-01")
        versions = eks.describe_cluster_versions()["clusterVersions"]
        self.assertEqual([v["clusterVersion"] for v in versions], ["1.36", "1.35", "1.34", "1.33", "1.32"])
        self.assertEqual({v["clusterVersion"]: v["versionStatus"] for v in versions}["1.33"], "EXTENDED_SUPPORT")
        self.assertIn("1.29", [v["clusterVersion"] for v in eks.describe_cluster_versions(includeAll=True)["clusterVersions"]
                               if v["versionStatus"] == "UNSUPPORTED"])
        self.assert_error(lambda: self.eks_cluster("v-late-129", version="1.29"), "InvalidParameterException", 400)
        self.assertEqual(self.eks_cluster("v-late-136", version="1.36")["version"], "1.36")
        # kube-proxy has a build for every Kubernetes version EKS offers
        for version in ("1.29", "1.33", "1.36"):
            kube_proxy = eks.describe_addon_versions(addonName="kube-proxy", kubernetesVersion=version)["addons"][0]
            self.assertEqual(kube_proxy["addonVersions"][0]["addonVersion"], f"v{version}.0-eksbuild.1")

    def test_eks_ami_types_and_launch_templates(self):
        eks, ec2 = self.client("eks"), self.client("ec2")
        self.eks_cluster("ami-133", version="1.33")
        self.eks_cluster("ami-129", version="1.29")
        ng = lambda cluster, name, **kw: eks.create_nodegroup(clusterName=cluster, nodegroupName=name, subnets=self.subnets,
                                                              nodeRole=self.role, **kw)["nodegroup"]
        # No Amazon Linux 2 AMIs for Kubernetes 1.33 and later
        for ami in ("AL2_x86_64", "AL2_x86_64_GPU", "AL2_ARM_64"):
            with self.subTest(ami=ami):
                self.assert_error(lambda: ng("ami-133", f"al2-{ami.lower()}", amiType=ami), "InvalidParameterException", 400,
                                  f"AMI Type {ami} is only supported for kubernetes versions 1.32 or earlier")
        self.assertEqual(ng("ami-133", "al2023", amiType="AL2023_x86_64_STANDARD")["amiType"], "AL2023_x86_64_STANDARD")
        self.assertEqual(ng("ami-133", "default")["amiType"], "AL2023_x86_64_STANDARD")  # 1.30+: AL2023 by default
        self.assertEqual(ng("ami-133", "graviton", instanceTypes=["m7g.large"])["amiType"], "AL2023_ARM_64_STANDARD")
        described = ng("ami-129", "al2", amiType="AL2_x86_64", diskSize=100, instanceTypes=["m5.xlarge"])
        self.assertEqual((described["amiType"], described["diskSize"], described["instanceTypes"], described["version"]),
                         ("AL2_x86_64", 100, ["m5.xlarge"], "1.29"))
        self.assertEqual(ng("ami-129", "al2-default")["amiType"], "AL2_x86_64")
        self.assertEqual(ng("ami-129", "disk-default")["diskSize"], 20)
        self.assert_error(lambda: ng("ami-129", "v128", version="1.28"), "InvalidParameterException", 400)
        # CUSTOM is a launch template's AMI
        self.assert_error(lambda: ng("ami-133", "custom", amiType="CUSTOM"), "InvalidParameterException", 400,
                          "Launch template details can't be null for Custom ami type node group")

        data = {"InstanceType": "m5.2xlarge",
                "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 80, "VolumeType": "gp3"}}]}
        lt = ec2.create_launch_template(LaunchTemplateName="ami-lt", LaunchTemplateData=data)["LaunchTemplate"]
        spec = {"id": lt["LaunchTemplateId"]}
        self.assert_error(lambda: ng("ami-129", "lt-disk", launchTemplate=spec, diskSize=80), "InvalidParameterException", 400,
                          "Disk size must be specified within the launch template.")
        self.assert_error(lambda: ng("ami-129", "lt-types", launchTemplate=spec, instanceTypes=["m5.large"]),
                          "InvalidRequestException", 400, "Cannot specify instance types in launch template and API request")
        self.assert_error(lambda: ng("ami-129", "lt-ssh", launchTemplate=spec, remoteAccess={"ec2SshKey": "k"}),
                          "InvalidParameterException", 400)
        self.assert_error(lambda: ng("ami-129", "lt-both", launchTemplate={"id": lt["LaunchTemplateId"], "name": "ami-lt"}),
                          "InvalidParameterException", 400, "Either provide launch template ID or launch template name")
        self.assert_error(lambda: ng("ami-129", "lt-none", launchTemplate={"version": "1"}), "InvalidParameterException", 400)
        self.assert_error(lambda: ng("ami-129", "lt-gone", launchTemplate={"id": "lt-0123456789abcdef0"}),
                          "InvalidParameterException", 400)
        self.assert_error(lambda: ng("ami-129", "lt-v9", launchTemplate={"name": "ami-lt", "version": "9"}),
                          "InvalidParameterException", 400)
        created = ng("ami-129", "lt", launchTemplate={"name": "ami-lt"}, scalingConfig={"minSize": 2, "maxSize": 4, "desiredSize": 2})
        described = eks.describe_nodegroup(clusterName="ami-129", nodegroupName="lt")["nodegroup"]
        for view in (created, described):
            self.assertNotIn("diskSize", {k: v for k, v in view.items() if v is not None})
            self.assertIsNone(view.get("instanceTypes"))
            self.assertIsNone(view.get("remoteAccess"))
            self.assertEqual(view["launchTemplate"], {"id": lt["LaunchTemplateId"], "name": "ami-lt", "version": "1"})
            self.assertEqual(view["amiType"], "AL2_x86_64")
        # A template without an instance type: instanceTypes go to the API (as eksctl does)
        bare = ec2.create_launch_template(LaunchTemplateName="ami-lt-bare", LaunchTemplateData={
            "MetadataOptions": {"HttpTokens": "required"}})["LaunchTemplate"]
        self.assertEqual(ng("ami-133", "lt-bare", launchTemplate={"id": bare["LaunchTemplateId"]},
                            instanceTypes=["m5.large"])["instanceTypes"], ["m5.large"])
        # A custom AMI in the template: amiType CUSTOM (or none), no version, releaseVersion is the AMI
        custom = ec2.create_launch_template(LaunchTemplateName="ami-lt-custom", LaunchTemplateData={
            "ImageId": "ami-0abcdef1234567890", "InstanceType": "m5.large"})["LaunchTemplate"]
        cspec = {"id": custom["LaunchTemplateId"], "version": "$Latest"}
        self.assert_error(lambda: ng("ami-133", "c-al2023", launchTemplate=cspec, amiType="AL2023_x86_64_STANDARD"),
                          "InvalidParameterException", 400, "You cannot specify an AMI Type other than CUSTOM")
        self.assert_error(lambda: ng("ami-133", "c-version", launchTemplate=cspec, version="1.33"),
                          "InvalidParameterException", 400, "You cannot specify a kubernetes version")
        described = ng("ami-133", "c-ok", launchTemplate=cspec, amiType="CUSTOM")
        self.assertEqual((described["amiType"], described["releaseVersion"], described["launchTemplate"]["version"]),
                         ("CUSTOM", "ami-0abcdef1234567890", "1"))
        self.assertEqual(ng("ami-133", "c-implicit", launchTemplate=cspec)["amiType"], "CUSTOM")

    def test_eks_addon_health_follows_nodes(self):
        self.set_pending({"eks_addon": 0.5})
        eks = self.client("eks")
        self.eks_cluster("health")
        for addon in ("coredns", "kube-proxy", "vpc-cni"):
            self.assertEqual(eks.create_addon(clusterName="health", addonName=addon)["addon"]["status"], "CREATING")
        # Deployment-backed coredns has no node to run on; the DaemonSets want no pods.
        self.wait_for(lambda: self.addon_state("health", "coredns"), ("DEGRADED", ["InsufficientNumberOfReplicas"]))
        issue = eks.describe_addon(clusterName="health", addonName="coredns")["addon"]["health"]["issues"][0]
        self.assertEqual(issue["message"], "The add-on is unhealthy because it doesn't have the desired number of replicas.")
        self.assertEqual(self.addon_state("health", "kube-proxy"), ("ACTIVE", []))
        self.assertEqual(self.addon_state("health", "vpc-cni"), ("ACTIVE", []))
        # A nodegroup of no nodes does not help; one with nodes, once ACTIVE, does.
        self.set_pending({"eks_nodegroup": 0.5})
        eks.create_nodegroup(clusterName="health", nodegroupName="ng", subnets=self.subnets, nodeRole=self.role,
                             scalingConfig={"minSize": 0, "desiredSize": 0, "maxSize": 3})
        self.assertEqual(self.addon_state("health", "coredns")[0], "DEGRADED")  # nodegroup CREATING
        self.wait_for(lambda: eks.describe_nodegroup(clusterName="health", nodegroupName="ng")["nodegroup"]["status"], "ACTIVE")
        self.assertEqual(self.addon_state("health", "coredns")[0], "DEGRADED")  # ACTIVE, but 0 nodes
        eks.update_nodegroup_config(clusterName="health", nodegroupName="ng",
                                    scalingConfig={"minSize": 1, "desiredSize": 2, "maxSize": 3})
        self.assertEqual(self.addon_state("health", "coredns"), ("ACTIVE", []))

    def test_eks_addon_roles_must_trust_the_clusters_oidc_provider(self):
        eks, iam = self.client("eks"), self.client("iam")
        cluster = self.eks_cluster("trust")
        issuer = cluster["identity"]["oidc"]["issuer"]
        eks.create_nodegroup(clusterName="trust", nodegroupName="ng", subnets=self.subnets, nodeRole=self.role)
        # Roles trusting nobody / another cluster's provider / the wrong service account
        other = self.oidc_provider(self.eks_cluster("trust-other"))
        other_issuer = "https://" + other.split(":oidc-provider/", 1)[1]
        untrusted = iam.create_role(RoleName="trust-ebs", AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": []}))["Role"]["Arn"]
        cni_role = iam.create_role(RoleName="trust-cni", AssumeRolePolicyDocument=self.irsa_trust(
            other, other_issuer, "kube-system", "aws-node"))["Role"]["Arn"]
        eks.create_addon(clusterName="trust", addonName="aws-ebs-csi-driver", serviceAccountRoleArn=untrusted)
        eks.create_addon(clusterName="trust", addonName="vpc-cni", serviceAccountRoleArn=cni_role)
        eks.create_addon(clusterName="trust", addonName="coredns")
        eks.create_addon(clusterName="trust", addonName="kube-proxy")
        degraded = ("DEGRADED", ["InsufficientNumberOfReplicas"])
        self.assertEqual(self.addon_state("trust", "aws-ebs-csi-driver"), degraded)
        self.assertEqual(self.addon_state("trust", "vpc-cni"), degraded)
        self.assertEqual(self.addon_state("trust", "coredns"), degraded)  # no pod IPs without the CNI
        self.assertEqual(self.addon_state("trust", "kube-proxy"), ("ACTIVE", []))  # host network
        # The cluster's own provider, trusted for the right service account: healthy again.
        provider = self.oidc_provider(cluster)
        iam.update_assume_role_policy(RoleName="trust-cni", PolicyDocument=self.irsa_trust(
            provider, issuer, "kube-system", "aws-node"))
        self.assertEqual(self.addon_state("trust", "vpc-cni"), ("ACTIVE", []))
        self.assertEqual(self.addon_state("trust", "coredns"), ("ACTIVE", []))
        iam.update_assume_role_policy(RoleName="trust-ebs", PolicyDocument=self.irsa_trust(
            provider, issuer, "kube-system", "aws-node"))  # wrong subject
        self.assertEqual(self.addon_state("trust", "aws-ebs-csi-driver"), degraded)
        fixed = iam.create_role(RoleName="trust-ebs-2", AssumeRolePolicyDocument=self.irsa_trust(
            provider, issuer, "kube-system", "ebs-csi-controller-sa"))["Role"]["Arn"]
        eks.update_addon(clusterName="trust", addonName="aws-ebs-csi-driver", serviceAccountRoleArn=fixed)
        self.assertEqual(self.addon_state("trust", "aws-ebs-csi-driver"), ("ACTIVE", []))
        self.assert_error(lambda: eks.create_addon(clusterName="trust", addonName="aws-efs-csi-driver",
                                                   serviceAccountRoleArn="not-an-arn"), "InvalidParameterException", 400)
        # The EFS CSI add-on gives its role to the node's service account too: trusting the
        # controller alone leaves the node without credentials; efs-csi-* (the user guide's) is healthy.
        efs_role = iam.create_role(RoleName="trust-efs", AssumeRolePolicyDocument=self.irsa_trust(
            provider, issuer, "kube-system", "efs-csi-controller-sa"))["Role"]["Arn"]
        eks.create_addon(clusterName="trust", addonName="aws-efs-csi-driver", serviceAccountRoleArn=efs_role)
        self.assertEqual(self.addon_state("trust", "aws-efs-csi-driver"), degraded)
        host = issuer.removeprefix("https://")
        iam.update_assume_role_policy(RoleName="trust-efs", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringLike": {f"{host}:sub": "system:serviceaccount:kube-system:efs-csi-*"},
                              "StringEquals": {f"{host}:aud": "sts.amazonaws.com"}}}]}))
        self.assertEqual(self.addon_state("trust", "aws-efs-csi-driver"), ("ACTIVE", []))

    def test_eks_addon_configuration_and_pod_identity(self):
        eks, iam = self.client("eks"), self.client("iam")
        self.eks_cluster("podid")
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "Service": "pods.eks.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
        role = iam.create_role(RoleName="podid-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        values = json.dumps({"env": {"ENABLE_PREFIX_DELEGATION": "true"}})
        addon = eks.create_addon(clusterName="podid", addonName="vpc-cni", configurationValues=values,
                                 podIdentityAssociations=[{"serviceAccount": "aws-node", "roleArn": role}])["addon"]
        described = eks.describe_addon(clusterName="podid", addonName="vpc-cni")["addon"]
        self.assertEqual(described["configurationValues"], values)
        self.assertEqual(len(described["podIdentityAssociations"]), 1)
        self.assertRegex(described["podIdentityAssociations"][0],
                         r"^arn:aws:eks:us-east-1:123456789012:podidentityassociation/podid/a-[a-z0-9]{17}$")
        owned = eks.list_pod_identity_associations(clusterName="podid")["associations"]
        self.assertEqual([(a["namespace"], a["serviceAccount"], a["ownerArn"]) for a in owned],
                         [("kube-system", "aws-node", addon["addonArn"])])
        self.assert_error(lambda: eks.create_addon(clusterName="podid", addonName="aws-ebs-csi-driver",
                                                   podIdentityAssociations=[{"serviceAccount": "default", "roleArn": role}]),
                          "InvalidParameterException", 400)
        self.assert_error(lambda: eks.create_addon(clusterName="podid", addonName="coredns", configurationValues="[1, 2"),
                          "InvalidParameterException", 400)
        yaml_values = "replicaCount: 3\n"
        eks.create_addon(clusterName="podid", addonName="coredns", configurationValues=yaml_values)
        self.assertEqual(eks.describe_addon(clusterName="podid", addonName="coredns")["addon"]["configurationValues"], yaml_values)
        config = eks.describe_addon_configuration(addonName="aws-ebs-csi-driver", addonVersion="v1.37.0-eksbuild.1")
        self.assertEqual(config["podIdentityConfiguration"], [{"serviceAccount": "ebs-csi-controller-sa",
            "recommendedManagedPolicies": ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]}])
        self.assertEqual(json.loads(config["configurationSchema"])["type"], "object")
        self.assert_error(lambda: eks.describe_addon_configuration(addonName="coredns", addonVersion="v0"),
                          "ResourceNotFoundException", 404)
        # Pod Identity associations of the cluster's own
        association = eks.create_pod_identity_association(
            clusterName="podid", namespace="kube-system", serviceAccount="aws-load-balancer-controller", roleArn=role,
            tags={"team": "platform"})["association"]
        self.assertEqual((association["roleArn"], association["tags"], association["disableSessionTags"]),
                         (role, {"team": "platform"}, False))
        self.assertNotIn("ownerArn", association)
        self.assert_error(lambda: eks.create_pod_identity_association(
            clusterName="podid", namespace="kube-system", serviceAccount="aws-load-balancer-controller", roleArn=role),
            "ResourceInUseException", 409, f"Association already exists: {association['associationId']}")
        self.assert_error(lambda: eks.create_pod_identity_association(
            clusterName="podid", namespace="kube-system", serviceAccount="x", roleArn=role, tags={"aws:x": "y"}),
            "InvalidParameterException", 400)
        listed = eks.list_pod_identity_associations(clusterName="podid", serviceAccount="aws-load-balancer-controller")
        self.assertEqual([a["associationId"] for a in listed["associations"]], [association["associationId"]])
        got = eks.describe_pod_identity_association(clusterName="podid", associationId=association["associationId"])
        self.assertEqual(got["association"]["associationArn"], association["associationArn"])
        eks.tag_resource(resourceArn=association["associationArn"], tags={"env": "prod"})
        self.assertEqual(eks.list_tags_for_resource(resourceArn=association["associationArn"])["tags"],
                         {"team": "platform", "env": "prod"})
        eks.delete_pod_identity_association(clusterName="podid", associationId=association["associationId"])
        self.assert_error(lambda: eks.describe_pod_identity_association(
            clusterName="podid", associationId=association["associationId"]), "ResourceNotFoundException", 404)
        # Deleting the add-on deletes the associations it owns
        eks.delete_addon(clusterName="podid", addonName="vpc-cni")
        self.assertEqual(eks.list_pod_identity_associations(clusterName="podid")["associations"], [])

    def test_eks_access_entries(self):
        eks, iam = self.client("eks"), self.client("iam")
        trust = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]})
        ci = iam.create_role(RoleName="access-ci", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        viewer = iam.create_role(RoleName="access-viewer", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        # The API default is CONFIG_MAP: no access entries
        config_map = self.eks_cluster("access-cm")
        self.assertEqual(config_map["accessConfig"],
                         {"authenticationMode": "CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": True})
        for call in (lambda: eks.create_access_entry(clusterName="access-cm", principalArn=ci),
                     lambda: eks.list_access_entries(clusterName="access-cm"),
                     lambda: eks.describe_access_entry(clusterName="access-cm", principalArn=ci),
                     lambda: eks.associate_access_policy(clusterName="access-cm", principalArn=ci, policyArn=
                         "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", accessScope={"type": "cluster"})):
            self.assert_error(call, "InvalidRequestException", 400,
                              "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP]")
        self.assert_error(lambda: self.eks_cluster("access-nobody", accessConfig={
            "authenticationMode": "CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": False}),
            "InvalidParameterException", 400, "bootstrapClusterCreatorAdminPermissions must be true")
        # API_AND_CONFIG_MAP: the creator is an admin; entries can be made
        cluster = self.eks_cluster("access", accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})
        self.assertEqual(eks.describe_cluster(name="access")["cluster"]["accessConfig"]["authenticationMode"],
                         "API_AND_CONFIG_MAP")
        creator = "arn:aws:iam::123456789012:user/moto"  # moto's identity for the test credentials
        self.assertEqual(eks.list_access_entries(clusterName="access")["accessEntries"], [creator])
        admin = eks.list_associated_access_policies(clusterName="access", principalArn=creator)["associatedAccessPolicies"]
        self.assertEqual([(p["policyArn"], p["accessScope"]["type"]) for p in admin],
                         [("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", "cluster")])
        entry = eks.create_access_entry(clusterName="access", principalArn=ci, tags={"team": "ci"})["accessEntry"]
        self.assertEqual((entry["type"], entry["username"], entry["kubernetesGroups"]),
                         ("STANDARD", "arn:aws:sts::123456789012:assumed-role/access-ci/{{SessionName}}", []))
        self.assertRegex(entry["accessEntryArn"],
                         r"^arn:aws:eks:us-east-1:123456789012:access-entry/access/role/123456789012/access-ci/[0-9a-f-]{36}$")
        self.assert_error(lambda: eks.create_access_entry(clusterName="access", principalArn=ci), "ResourceInUseException", 409,
                          "The specified access entry resource is already in use on this cluster.")
        self.assert_error(lambda: eks.create_access_entry(clusterName="access", principalArn=
                          "arn:aws:iam::123456789012:role/no-such-role"), "InvalidParameterException", 400, "invalid principal")
        self.assert_error(lambda: eks.create_access_entry(clusterName="access", principalArn=
                          "arn:aws:sts::123456789012:assumed-role/access-ci/session"), "InvalidParameterException", 400)
        self.assert_error(lambda: eks.create_access_entry(clusterName="access", principalArn=viewer, tags={"aws:x": "y"}),
                          "InvalidParameterException", 400)
        eks.associate_access_policy(clusterName="access", principalArn=ci, accessScope={"type": "cluster"},
                                    policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy")
        # Kubernetes reserves system: for itself: access entries take no such group or username
        self.assert_error(lambda: eks.create_access_entry(clusterName="access", principalArn=viewer,
                                                          kubernetesGroups=["system:masters"]),
                          "InvalidParameterException", 400, "system:masters is invalid, it cannot start with system:")
        self.assert_error(lambda: eks.create_access_entry(clusterName="access", principalArn=viewer, username="system:x"),
                          "InvalidParameterException", 400, "The username must not begin with system:")
        eks.create_access_entry(clusterName="access", principalArn=viewer, kubernetesGroups=["viewers"])
        self.assert_error(lambda: eks.update_access_entry(clusterName="access", principalArn=viewer,
                                                          kubernetesGroups=["system:bootstrappers"]),
                          "InvalidParameterException", 400, "cannot start with system:")
        view = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
        self.assert_error(lambda: eks.associate_access_policy(clusterName="access", principalArn=viewer, policyArn=view,
                                                              accessScope={"type": "namespace"}), "InvalidParameterException", 400)
        self.assert_error(lambda: eks.associate_access_policy(clusterName="access", principalArn=viewer, accessScope={
            "type": "cluster"}, policyArn="arn:aws:eks::aws:cluster-access-policy/NoSuchPolicy"), "InvalidParameterException", 400)
        associated = eks.associate_access_policy(clusterName="access", principalArn=viewer, policyArn=view,
                                                 accessScope={"type": "namespace", "namespaces": ["kubeflow"]})
        self.assertEqual(associated["associatedAccessPolicy"]["accessScope"], {"type": "namespace", "namespaces": ["kubeflow"]})
        self.assertEqual(eks.list_access_entries(clusterName="access", associatedPolicyArn=view)["accessEntries"], [viewer])
        self.assertEqual(eks.describe_access_entry(clusterName="access", principalArn=viewer)["accessEntry"]["kubernetesGroups"],
                         ["viewers"])
        # A managed nodegroup's role gets an EC2_LINUX entry, which takes no access policy
        eks.create_nodegroup(clusterName="access", nodegroupName="ng", subnets=self.subnets, nodeRole=self.role)
        node = eks.describe_access_entry(clusterName="access", principalArn=self.role)["accessEntry"]
        self.assertEqual((node["type"], node["username"], node["kubernetesGroups"]),
                         ("EC2_LINUX", "system:node:{{EC2PrivateDNSName}}", ["system:nodes"]))
        self.assert_error(lambda: eks.associate_access_policy(clusterName="access", principalArn=self.role, policyArn=view,
                                                              accessScope={"type": "cluster"}),
                          "InvalidParameterException", 400, 'type of "STANDARD"')
        policies = {p["name"] for p in eks.list_access_policies()["accessPolicies"]}
        self.assertTrue({"AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy"}
                        <= policies)
        eks.disassociate_access_policy(clusterName="access", principalArn=viewer, policyArn=view)
        self.assertEqual(eks.list_associated_access_policies(clusterName="access", principalArn=viewer)
                         ["associatedAccessPolicies"], [])
        eks.delete_access_entry(clusterName="access", principalArn=viewer)
        self.assert_error(lambda: eks.describe_access_entry(clusterName="access", principalArn=viewer),
                          "ResourceNotFoundException", 404, "The specified principalArn could not be found.")
        self.assertEqual(eks.list_tags_for_resource(resourceArn=entry["accessEntryArn"])["tags"], {"team": "ci"})
        # The authentication mode moves only towards the EKS API, one step at a time
        update = eks.update_cluster_config
        self.assert_error(lambda: update(name="access-cm", accessConfig={"authenticationMode": "API"}),
                          "InvalidParameterException", 400)
        changed = update(name="access-cm", accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})["update"]
        self.assertEqual((changed["type"], changed["status"], changed["params"]),
                         ("AccessConfigUpdate", "Successful", [{"type": "AuthenticationMode", "value": "API_AND_CONFIG_MAP"}]))
        self.assertEqual(eks.describe_update(name="access-cm", updateId=changed["id"])["update"]["id"], changed["id"])
        eks.create_access_entry(clusterName="access-cm", principalArn=ci)
        self.assert_error(lambda: update(name="access-cm", accessConfig={"authenticationMode": "CONFIG_MAP"}),
                          "InvalidParameterException", 400)
        update(name="access-cm", accessConfig={"authenticationMode": "API"})
        self.assertEqual(eks.describe_cluster(name="access-cm")["cluster"]["accessConfig"]["authenticationMode"], "API")
        # API mode without the creator's admin entry
        self.eks_cluster("access-api", accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False})
        self.assertEqual(eks.list_access_entries(clusterName="access-api")["accessEntries"], [])
        self.assertEqual(cluster["accessConfig"]["bootstrapClusterCreatorAdminPermissions"], True)

    def test_eks_cluster_configuration_is_kept(self):
        eks, ec2 = self.client("eks"), self.client("ec2")
        key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        cluster = eks.create_cluster(
            name="config", version="1.29", roleArn=self.role,
            encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": key}}],
            kubernetesNetworkConfig={"serviceIpv4Cidr": "172.16.0.0/16", "ipFamily": "ipv4"},
            upgradePolicy={"supportType": "STANDARD"},
            resourcesVpcConfig={"subnetIds": self.subnets, "publicAccessCidrs": ["203.0.113.0/24"],
                                "endpointPrivateAccess": True})["cluster"]
        described = eks.describe_cluster(name="config")["cluster"]
        for view in (cluster, described):
            self.assertEqual(view["encryptionConfig"], [{"resources": ["secrets"], "provider": {"keyArn": key}}])
            self.assertEqual(view["kubernetesNetworkConfig"], {"serviceIpv4Cidr": "172.16.0.0/16", "ipFamily": "ipv4"})
            self.assertEqual(view["upgradePolicy"], {"supportType": "STANDARD"})
            self.assertEqual(view["resourcesVpcConfig"]["publicAccessCidrs"], ["203.0.113.0/24"])
            self.assertEqual(view["platformVersion"], "eks.61")
        # Defaults: EXTENDED upgrade policy; the service CIDR not overlapping the VPC (10.0.0.0/16 here)
        plain = self.eks_cluster("config-plain")
        self.assertEqual(plain["kubernetesNetworkConfig"], {"serviceIpv4Cidr": "172.20.0.0/16", "ipFamily": "ipv4"})
        self.assertEqual(plain["upgradePolicy"], {"supportType": "EXTENDED"})
        self.assertEqual(plain["resourcesVpcConfig"]["publicAccessCidrs"], ["0.0.0.0/0"])
        vpc = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="192.168.1.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
        other = eks.create_cluster(name="config-192", version="1.29", roleArn=self.role,
                                   resourcesVpcConfig={"subnetIds": [subnet]})["cluster"]
        self.assertEqual(other["kubernetesNetworkConfig"]["serviceIpv4Cidr"], "10.100.0.0/16")
        for cidr in ("10.0.0.0/16", "8.8.0.0/16", "172.20.0.0/25", "172.20.0.0/11"):
            with self.subTest(cidr=cidr):
                self.assert_error(lambda: self.eks_cluster("config-bad", kubernetesNetworkConfig={"serviceIpv4Cidr": cidr}),
                                  "InvalidParameterException", 400)
        self.assert_error(lambda: self.eks_cluster("config-bad", upgradePolicy={"supportType": "FOREVER"}),
                          "InvalidParameterException", 400)
        # UpdateClusterConfig: one kind of update at a time; the rest of the VPC config is kept
        self.assert_error(lambda: eks.update_cluster_config(
            name="config-plain", resourcesVpcConfig={"endpointPrivateAccess": True},
            logging={"clusterLogging": [{"types": ["audit"], "enabled": True}]}),
            "InvalidParameterException", 400, "Only one type of update can be allowed.")
        self.assert_error(lambda: eks.update_cluster_config(name="config-plain", resourcesVpcConfig={
            "endpointPrivateAccess": False}), "InvalidParameterException", 400, "Cluster is already at the desired configuration")
        changed = eks.update_cluster_config(name="config-plain", resourcesVpcConfig={"endpointPrivateAccess": True})["update"]
        self.assertEqual(changed["type"], "EndpointAccessUpdate")
        vpc_config = eks.describe_cluster(name="config-plain")["cluster"]["resourcesVpcConfig"]
        self.assertEqual((vpc_config["endpointPrivateAccess"], vpc_config["vpcId"], vpc_config["clusterSecurityGroupId"]),
                         (True, self.vpc, plain["resourcesVpcConfig"]["clusterSecurityGroupId"]))
        self.assertEqual(plain["logging"], {"clusterLogging": [
            {"types": ["api", "audit", "authenticator", "controllerManager", "scheduler"], "enabled": False}]})
        eks.update_cluster_config(name="config-plain", logging={"clusterLogging": [{"types": ["audit"], "enabled": True}]})
        self.assertEqual(eks.describe_cluster(name="config-plain")["cluster"]["logging"], {"clusterLogging": [
            {"types": ["audit"], "enabled": True},
            {"types": ["api", "authenticator", "controllerManager", "scheduler"], "enabled": False}]})
        ipv6 = self.eks_cluster("config-v6", kubernetesNetworkConfig={"ipFamily": "ipv6"})
        self.assertEqual(ipv6["kubernetesNetworkConfig"]["ipFamily"], "ipv6")
        self.assertNotIn("serviceIpv4Cidr", ipv6["kubernetesNetworkConfig"])

    def test_seed_blue_is_left_as_eksctl_leaves_it(self):
        """seed_blue.py against fresh emulators (its own AWS and Kubernetes)."""
        aws_port, k8s_port = free_port(), free_port()
        aws = subprocess.Popen([sys.executable, os.path.join(HERE, "aws_emulator.py"), "--port", str(aws_port)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        k8s = subprocess.Popen([sys.executable, os.path.join(HERE, "k8s_emulator.py"), "--port", str(k8s_port)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            self.assertTrue(aws.stdout.readline().startswith("ready "))
            self.assertTrue(k8s.stdout.readline().startswith("ready "))
            with tempfile.TemporaryDirectory() as tmp:
                kubeconfig = os.path.join(tmp, "kubeconfig")
                with open(kubeconfig, "w") as f:
                    f.write(KUBECONFIG.format(server=f"http://127.0.0.1:{k8s_port}"))
                endpoint = f"http://127.0.0.1:{aws_port}"
                seeded = subprocess.run(
                    [sys.executable, os.path.join(HERE, "seed_blue.py"), "--endpoint", endpoint,
                     "--kubeconfig", kubeconfig, "--context", "blue"],
                    capture_output=True, text=True, timeout=300)
                self.assertEqual(seeded.returncode, 0, seeded.stderr[-3000:])
                facts = json.loads(seeded.stdout)
                aws_auth = json.loads(subprocess.run(
                    [KUBECTL, "--kubeconfig", kubeconfig, "--context", "blue", "get", "configmap", "aws-auth",
                     "-n", "kube-system", "-o", "json"], capture_output=True, text=True, check=True).stdout)
            self.check_seed(facts, aws_auth, lambda service: boto3.client(
                service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing",
                aws_secret_access_key="testing", config=Config(retries={"total_max_attempts": 1})))
        finally:
            for proc in (aws, k8s):
                proc.terminate()
                proc.wait(60)
                proc.stdout.close()

    def check_seed(self, facts, aws_auth, client):
        eks, ec2 = client("eks"), client("ec2")
        # every fact key other code depends on is still there
        for key in ("region", "vpc_id", "private_subnet_ids", "public_subnet_ids", "cluster_name", "cluster_arn",
                    "oidc_issuer", "cluster_security_group_id", "irsa_role_arn", "db_instance_identifier", "db_host",
                    "db_secret_name", "bucket", "efs_id", "efs_access_point_id", "alb_arn", "alb_dns_name",
                    "alb_zone_id", "hosted_zone_id", "dns_name"):
            self.assertIn(key, facts)
        cluster = eks.describe_cluster(name="blue")["cluster"]
        self.assertEqual((cluster["version"], facts["cluster_version"]), ("1.32", "1.32"))
        self.assertIn("1.32", [v["clusterVersion"] for v in eks.describe_cluster_versions()["clusterVersions"]])
        self.assertEqual(cluster["accessConfig"]["authenticationMode"], "API_AND_CONFIG_MAP")
        tags = cluster["tags"]
        self.assertEqual(tags["aws:cloudformation:stack-name"], "eksctl-blue-cluster")
        self.assertEqual(tags["aws:cloudformation:logical-id"], "ControlPlane")
        self.assertEqual(tags["aws:cloudformation:stack-id"], facts["cloudformation_stacks"]["cluster"]["stack_id"])
        self.assertEqual((tags["alpha.eksctl.io/cluster-name"], tags["eksctl.cluster.k8s.io/v1alpha1/cluster-name"]),
                         ("blue", "blue"))
        self.assertIn("alpha.eksctl.io/eksctl-version", tags)
        self.assertEqual(tags["kubeflow.org/deployment"], "blue")
        self.assertEqual(facts["nodegroup_names"], ["linux-nodes", "ml-nodes"])
        linux = eks.describe_nodegroup(clusterName="blue", nodegroupName="linux-nodes")["nodegroup"]
        self.assertEqual((linux["amiType"], linux["instanceTypes"], linux["diskSize"], linux["scalingConfig"]),
                         ("AL2_x86_64", ["m5.xlarge"], 100, {"minSize": 5, "maxSize": 10, "desiredSize": 5}))
        self.assertEqual(linux["labels"], {"kubeflow.org/pool": "linux-nodes"})
        self.assertEqual(linux["taints"], [{"key": "dedicated", "value": "kubeflow", "effect": "PREFER_NO_SCHEDULE"}])
        ml = eks.describe_nodegroup(clusterName="blue", nodegroupName="ml-nodes")["nodegroup"]
        self.assertEqual(ml["launchTemplate"], {"id": facts["launch_template_id"], "name": facts["launch_template_name"],
                                                "version": facts["launch_template_version"]})
        self.assertIsNone(ml.get("diskSize"))
        self.assertIsNone(ml.get("instanceTypes"))
        # No amiType given: EKS's default for 1.30 and later is AL2023.
        self.assertEqual(ml["amiType"], "AL2023_x86_64_STANDARD")
        for nodegroup in (linux, ml):
            self.assertEqual(nodegroup["status"], "ACTIVE")
            self.assertEqual(nodegroup["tags"]["alpha.eksctl.io/nodegroup-type"], "managed")
            self.assertEqual(nodegroup["tags"]["alpha.eksctl.io/nodegroup-name"], nodegroup["nodegroupName"])
            self.assertEqual(nodegroup["tags"]["aws:cloudformation:logical-id"], "ManagedNodeGroup")
            self.assertEqual(nodegroup["tags"]["aws:cloudformation:stack-name"],
                             f"eksctl-blue-nodegroup-{nodegroup['nodegroupName']}")
        version = ec2.describe_launch_template_versions(LaunchTemplateId=facts["launch_template_id"])["LaunchTemplateVersions"][0]
        data = version["LaunchTemplateData"]
        self.assertEqual(data["InstanceType"], "m5.2xlarge")
        self.assertEqual((data["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"], data["BlockDeviceMappings"][0]["Ebs"]["VolumeType"]),
                         (80, "gp3"))
        self.assertEqual(sorted(eks.list_addons(clusterName="blue")["addons"]),
                         ["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"])
        cni = eks.describe_addon(clusterName="blue", addonName="vpc-cni")["addon"]
        self.assertEqual((cni["status"], cni["serviceAccountRoleArn"]), ("ACTIVE", facts["vpc_cni_role_arn"]))
        self.assertEqual(json.loads(cni["configurationValues"]), {"env": {"ENABLE_PREFIX_DELEGATION": "true"}})
        ebs = eks.describe_addon(clusterName="blue", addonName="aws-ebs-csi-driver")["addon"]
        self.assertEqual((ebs["status"], ebs["serviceAccountRoleArn"]), ("ACTIVE", facts["ebs_csi_role_arn"]))
        self.assertEqual(eks.describe_addon(clusterName="blue", addonName="coredns")["addon"]["status"], "ACTIVE")
        entries = eks.list_access_entries(clusterName="blue")["accessEntries"]
        self.assertEqual(sorted(entries), facts["access_entry_principal_arns"])
        self.assertTrue({facts["ci_role_arn"], facts["data_team_role_arn"], facts["node_role_arn"]} <= set(entries))
        ci = eks.list_associated_access_policies(clusterName="blue", principalArn=facts["ci_role_arn"])["associatedAccessPolicies"]
        self.assertEqual([(p["policyArn"].rsplit("/", 1)[1], p["accessScope"]["type"]) for p in ci],
                         [("AmazonEKSClusterAdminPolicy", "cluster")])
        team = eks.list_associated_access_policies(clusterName="blue", principalArn=facts["data_team_role_arn"])
        scope = team["associatedAccessPolicies"][0]["accessScope"]
        self.assertEqual((team["associatedAccessPolicies"][0]["policyArn"].rsplit("/", 1)[1], scope["type"],
                          scope["namespaces"]), ("AmazonEKSViewPolicy", "namespace", facts["data_team_namespaces"]))
        association = eks.describe_pod_identity_association(
            clusterName="blue", associationId=facts["pod_identity_association_id"])["association"]
        self.assertEqual((f"{association['namespace']}/{association['serviceAccount']}", association["roleArn"]),
                         (facts["pod_identity_service_account"], facts["pod_identity_role_arn"]))
        # aws-auth in the aws-auth format: the node role, an admin role in system:masters, a user
        roles = yaml.safe_load(aws_auth["data"]["mapRoles"])
        users = yaml.safe_load(aws_auth["data"]["mapUsers"])
        self.assertIn({"groups": ["system:bootstrappers", "system:nodes"], "rolearn": facts["node_role_arn"],
                       "username": "system:node:{{EC2PrivateDNSName}}"}, roles)
        self.assertIn(["system:masters"], [r["groups"] for r in roles if r["rolearn"] == facts["aws_auth_admin_role_arn"]])
        self.assertEqual([u["userarn"] for u in users], [facts["aws_auth_user_arn"]])

    def test_efs_pending_and_mount_targets(self):
        self.set_pending({"efs": 1})
        efs = self.client("efs")
        fs = efs.create_file_system(CreationToken="t1", Encrypted=True, Tags=[{"Key": "Name", "Value": "kf"}])
        self.assertEqual(fs["LifeCycleState"], "creating")
        state = lambda: efs.describe_file_systems(FileSystemId=fs["FileSystemId"])["FileSystems"][0]["LifeCycleState"]
        self.wait_for(state, "available")
        mt = efs.create_mount_target(FileSystemId=fs["FileSystemId"], SubnetId=self.subnets[1])
        self.assertEqual(mt["AvailabilityZoneName"], f"{REGION}b")

    def test_ebs_snapshot_is_pending_and_no_volume_is_made_from_it_until_completed(self):
        self.set_pending({"ec2_snapshot": 1})
        ec2 = self.client("ec2")
        vol = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=20, VolumeType="gp3")["VolumeId"]
        snap = ec2.create_snapshot(VolumeId=vol)
        self.assertEqual(snap["State"], "pending")
        with self.assertRaises(ClientError) as e:
            ec2.create_volume(AvailabilityZone=f"{REGION}b", SnapshotId=snap["SnapshotId"])
        self.assertEqual(e.exception.response["Error"]["Code"], "IncorrectState")
        state = lambda: ec2.describe_snapshots(SnapshotIds=[snap["SnapshotId"]])["Snapshots"][0]["State"]
        self.wait_for(state, "completed")
        copy = ec2.create_volume(AvailabilityZone=f"{REGION}b", SnapshotId=snap["SnapshotId"])
        self.assertEqual((copy["Size"], copy["AvailabilityZone"]), (20, f"{REGION}b"))
        self.set_pending({})

    def test_datasync(self):
        s3, ds, efs, ec2 = self.client("s3"), self.client("datasync"), self.client("efs"), self.client("ec2")
        for bucket in ("ds-src", "ds-dst"):
            s3.create_bucket(Bucket=bucket)
        for i in range(3):
            s3.put_object(Bucket="ds-src", Key=f"data/f{i}", Body=b"x" * (100 + i))
        s3.put_object(Bucket="ds-dst", Key="stale", Body=b"old")
        role = "arn:aws:iam::123456789012:role/ds"
        src = ds.create_location_s3(S3BucketArn="arn:aws:s3:::ds-src", Subdirectory="/data",
                                    S3Config={"BucketAccessRoleArn": role})["LocationArn"]
        dst = ds.create_location_s3(S3BucketArn="arn:aws:s3:::ds-dst", S3Config={"BucketAccessRoleArn": role},
                                    Tags=[{"Key": "k", "Value": "v"}])["LocationArn"]
        self.assertIn(":123456789012:location/loc-", src)
        self.assertEqual(ds.list_tags_for_resource(ResourceArn=dst)["Tags"], [{"Key": "k", "Value": "v"}])
        task = ds.create_task(SourceLocationArn=src, DestinationLocationArn=dst, Name="copy",
                              Options={"PreserveDeletedFiles": "REMOVE", "TransferMode": "CHANGED"})["TaskArn"]
        self.assertEqual(ds.describe_task(TaskArn=task)["Options"]["PreserveDeletedFiles"], "REMOVE")

        self.set_pending({"datasync_execution": 2})
        execution = ds.start_task_execution(TaskArn=task)["TaskExecutionArn"]
        self.assert_error(lambda: ds.start_task_execution(TaskArn=task), "InvalidRequestException")
        seen = set()
        while True:
            desc = ds.describe_task_execution(TaskExecutionArn=execution)
            seen.add(desc["Status"])
            if desc["Status"] in ("SUCCESS", "ERROR"):
                break
            time.sleep(0.1)
        self.assertEqual(desc["Status"], "SUCCESS")
        self.assertTrue({"PREPARING", "TRANSFERRING", "VERIFYING"} <= seen, seen)
        self.assertEqual((desc["FilesTransferred"], desc["BytesTransferred"]), (3, 303))
        self.assertEqual(desc["Result"]["TransferStatus"], "SUCCESS")
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="ds-dst")["Contents"])
        self.assertEqual(keys, ["f0", "f1", "f2"])
        self.assertEqual(ds.describe_task(TaskArn=task)["Status"], "AVAILABLE")

        # EFS locations, failure injection, ListTaskExecutions
        self.set_pending({})
        fs = efs.create_file_system(CreationToken="ds-efs")
        sg = ec2.create_security_group(GroupName="ds", Description="ds", VpcId=self.vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049, "UserIdGroupPairs": [{"GroupId": sg}]}])
        efs.create_mount_target(FileSystemId=fs["FileSystemId"], SubnetId=self.subnets[0], SecurityGroups=[sg])
        ec2_config = {"SubnetArn": f"arn:aws:ec2:{REGION}:123456789012:subnet/{self.subnets[0]}",
                      "SecurityGroupArns": [f"arn:aws:ec2:{REGION}:123456789012:security-group/{sg}"]}
        efs_src = ds.create_location_efs(EfsFilesystemArn=fs["FileSystemArn"], Subdirectory="/a",
                                         Ec2Config=ec2_config)["LocationArn"]
        efs_dst = ds.create_location_efs(EfsFilesystemArn=fs["FileSystemArn"], Subdirectory="/b",
                                         Ec2Config=ec2_config)["LocationArn"]
        described = ds.describe_location_efs(LocationArn=efs_src)
        self.assertEqual(described["LocationUri"], f"efs://{REGION}.{fs['FileSystemId']}/a/")
        self.assertEqual(described["Ec2Config"], ec2_config)
        self.assertEqual(len(ds.list_locations()["Locations"]), 4)
        efs_task = ds.create_task(SourceLocationArn=efs_src, DestinationLocationArn=efs_dst)["TaskArn"]
        self.kf("POST", "/_kf/faults", {"operation": "DataSyncExecution", "match": f"{fs['FileSystemId']}/a/",
                                        "count": 1, "code": "SyncTaskErrorIO", "message": "boom"})
        failed = ds.start_task_execution(TaskArn=efs_task)["TaskExecutionArn"]
        desc = ds.describe_task_execution(TaskExecutionArn=failed)
        self.assertEqual((desc["Status"], desc["Result"]["ErrorCode"]), ("ERROR", "SyncTaskErrorIO"))
        ok = ds.start_task_execution(TaskArn=efs_task)["TaskExecutionArn"]
        desc = ds.describe_task_execution(TaskExecutionArn=ok)
        self.assertEqual((desc["Status"], desc["FilesTransferred"]), ("SUCCESS", 3))
        listed = ds.list_task_executions(TaskArn=efs_task)["TaskExecutions"]
        self.assertEqual([(e["TaskExecutionArn"], e["Status"]) for e in listed], [(failed, "ERROR"), (ok, "SUCCESS")])

    # ------------------------------------------------------------------
    def raw_client(self, service):
        """A client that skips botocore's parameter validation, to see the server's."""
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1},
                          parameter_validation=False),
        )

    def kf_error(self, method, path, body=None):
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            self.kf(method, path, body)
        return ctx.exception.code

    def test_s3_bucket_encryption(self):
        s3 = self.client("s3")
        key = self.client("kms").create_key()["KeyMetadata"]["Arn"]
        s3.create_bucket(Bucket="enc-kms")
        s3.put_bucket_encryption(Bucket="enc-kms", ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
            "BucketKeyEnabled": True}]})
        rule = s3.get_bucket_encryption(Bucket="enc-kms")["ServerSideEncryptionConfiguration"]["Rules"][0]
        self.assertEqual(rule, {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
                                "BucketKeyEnabled": True})
        # Every bucket has SSE-S3 default encryption.
        s3.create_bucket(Bucket="enc-default")
        rule = s3.get_bucket_encryption(Bucket="enc-default")["ServerSideEncryptionConfiguration"]["Rules"][0]
        self.assertEqual(rule, {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                                "BucketKeyEnabled": False})

    def test_route53_record_names(self):
        self.kf("POST", "/_kf/config", {"route53_rps": 0})  # unthrottled here
        try:
            r53 = self.client("route53")
            zone = r53.create_hosted_zone(Name="names.example.com", CallerReference=str(time.time()))["HostedZone"]["Id"]
            owner = ('"heritage=external-dns,external-dns/owner=default,'
                     'external-dns/resource=ingress/istio-system/istio-ingress"')
            r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
                {"Action": "CREATE", "ResourceRecordSet": {"Name": "kubeflow.names.example.com", "Type": "TXT",
                                                           "TTL": 300, "ResourceRecords": [{"Value": owner}]}},
                {"Action": "CREATE", "ResourceRecordSet": {"Name": "*.Kubeflow.names.example.com", "Type": "CNAME",
                                                           "TTL": 300, "ResourceRecords": [{"Value": "lb.example.net"}]}},
            ]})
            records = {(r["Name"], r["Type"]): r for r in
                       r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]}
            # external-dns ownership records are plain TXT records: the quotes come back as sent.
            self.assertEqual(records[("kubeflow.names.example.com.", "TXT")]["ResourceRecords"], [{"Value": owner}])
            # Stored lower-case, and listed with * as \052.
            self.assertIn(("\\052.kubeflow.names.example.com.", "CNAME"), records)
            # Either spelling names the record in a change.
            r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
                {"Action": "DELETE", "ResourceRecordSet": {"Name": "\\052.kubeflow.names.example.com.", "Type": "CNAME",
                                                           "TTL": 300, "ResourceRecords": [{"Value": "lb.example.net"}]}}]})
            names = [r["Name"] for r in r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]]
            self.assertNotIn("\\052.kubeflow.names.example.com.", names)
        finally:
            self.kf("POST", "/_kf/config", {"route53_rps": 5})

    def test_route53_throttling(self):
        r53 = self.client("route53")
        try:
            # Beyond the configured rate: Throttling, HTTP 400, "Rate exceeded".
            self.assertEqual(self.kf("POST", "/_kf/config", {"route53_rps": 2})["route53_rps"], 2)
            self.kf("POST", "/_kf/requests/reset", {})
            errors = []
            for _ in range(6):
                try:
                    r53.list_hosted_zones()
                except ClientError as err:
                    errors.append(err)
            self.assertGreaterEqual(len(errors), 3)
            # The request log tells throttled requests from served ones.
            log = self.kf("GET", "/_kf/requests")
            self.assertEqual(log["throttled_by_operation"].get("ListHostedZones"), len(errors))
            self.assertGreaterEqual(log["by_operation"]["ListHostedZones"], 6)
            self.assertEqual(self.kf("POST", "/_kf/requests/reset", {})["throttled_by_operation"], {})
            self.assertEqual(errors[0].response["Error"]["Code"], "Throttling")
            self.assertEqual(errors[0].response["Error"]["Message"], "Rate exceeded")
            self.assertEqual(errors[0].response["ResponseMetadata"]["HTTPStatusCode"], 400)
            time.sleep(1.1)  # the bucket refills
            r53.list_hosted_zones()
            # 0: unlimited.
            self.kf("POST", "/_kf/config", {"route53_rps": 0})
            for _ in range(20):
                r53.list_hosted_zones()
            self.assertEqual(self.kf_error("POST", "/_kf/config", {"route53_rps": -1}), 400)
        finally:
            self.kf("POST", "/_kf/config", {"route53_rps": 5})

    def rds_instance(self, name, **kwargs):
        rds = self.client("rds")
        params = dict(DBInstanceIdentifier=name, DBInstanceClass="db.m5.large", Engine="mysql", EngineVersion="8.0.35",
                      MasterUsername="admin", MasterUserPassword="password1", AllocatedStorage=20,
                      BackupRetentionPeriod=7)
        params.update(kwargs)
        return rds.create_db_instance(**params)["DBInstance"]

    def rds_status(self, name):
        return self.client("rds").describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]["DBInstanceStatus"]

    def test_rds_restore_backing_up_and_busy_snapshots(self):
        rds = self.client("rds")
        self.rds_instance("bu-src")
        rds.create_db_snapshot(DBInstanceIdentifier="bu-src", DBSnapshotIdentifier="bu-snap")
        self.set_pending({"rds_instance": 0.5, "rds_backing_up": 1.5})
        restored = rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="bu-green",
                                                            DBSnapshotIdentifier="bu-snap")["DBInstance"]
        self.assertEqual((restored["DBInstanceStatus"], restored["BackupRetentionPeriod"]), ("creating", 7))
        self.wait_for(lambda: self.rds_status("bu-green"), "backing-up", timeout=3)
        described = rds.describe_db_instances(DBInstanceIdentifier="bu-green")["DBInstances"][0]
        self.assertTrue(described["Endpoint"]["Address"])  # usable while backing up
        err = self.assert_error(lambda: rds.create_db_snapshot(DBInstanceIdentifier="bu-green",
                                                               DBSnapshotIdentifier="too-early"),
                                "InvalidDBInstanceState")
        self.assertIn("is not currently in the available state", err.response["Error"]["Message"])
        self.wait_for(lambda: self.rds_status("bu-green"), "available", timeout=5)
        # BackupRetentionPeriod 0 skips backing-up.
        rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="bu-nobackup", DBSnapshotIdentifier="bu-snap",
                                                 BackupRetentionPeriod=0)
        seen = set()
        deadline = time.time() + 3
        while time.time() < deadline and "available" not in seen:
            seen.add(self.rds_status("bu-nobackup"))
            time.sleep(0.1)
        self.assertNotIn("backing-up", seen)
        self.assertIn("available", seen)
        self.assertEqual(rds.describe_db_instances(DBInstanceIdentifier="bu-nobackup")["DBInstances"][0]
                         ["BackupRetentionPeriod"], 0)
        # Enabling backups later: pending until applied; applied now: modifying, backing-up, available.
        self.set_pending({"rds_modifying": 0.5, "rds_backing_up": 1})
        out = rds.modify_db_instance(DBInstanceIdentifier="bu-nobackup", BackupRetentionPeriod=3)["DBInstance"]
        self.assertEqual((out["BackupRetentionPeriod"], out["PendingModifiedValues"]), (0, {"BackupRetentionPeriod": 3}))
        # ApplyImmediately applies the pending modification too.
        rds.modify_db_instance(DBInstanceIdentifier="bu-nobackup", DeletionProtection=False, ApplyImmediately=True)
        self.assertEqual(self.rds_status("bu-nobackup"), "modifying")
        self.wait_for(lambda: self.rds_status("bu-nobackup"), "backing-up", timeout=3)
        self.wait_for(lambda: self.rds_status("bu-nobackup"), "available", timeout=3)
        described = rds.describe_db_instances(DBInstanceIdentifier="bu-nobackup")["DBInstances"][0]
        self.assertEqual(described["BackupRetentionPeriod"], 3)
        self.assertFalse(described.get("PendingModifiedValues"))

        # /_kf/rds/state: production busy for a while, snapshots refused meanwhile.
        self.kf("POST", "/_kf/rds/state", {"instance": "bu-src", "status": "modifying", "seconds": 1})
        self.assertEqual(self.rds_status("bu-src"), "modifying")
        self.assert_error(lambda: rds.create_db_snapshot(DBInstanceIdentifier="bu-src", DBSnapshotIdentifier="busy"),
                          "InvalidDBInstanceState")
        self.wait_for(lambda: self.rds_status("bu-src"), "available", timeout=3)
        rds.create_db_snapshot(DBInstanceIdentifier="bu-src", DBSnapshotIdentifier="busy")
        self.assertEqual(self.kf_error("POST", "/_kf/rds/state", {"instance": "nope", "status": "backing-up",
                                                                  "seconds": 1}), 404)
        self.assertEqual(self.kf_error("POST", "/_kf/rds/state", {"instance": "bu-src", "status": "sleepy",
                                                                  "seconds": 1}), 400)

    def test_rds_aurora_member_snapshot_refused(self):
        rds = self.client("rds")
        rds.create_db_cluster(DBClusterIdentifier="aurora-1", Engine="aurora-mysql", MasterUsername="admin",
                              MasterUserPassword="password1")
        rds.create_db_instance(DBInstanceIdentifier="aurora-1-a", DBInstanceClass="db.r5.large",
                               Engine="aurora-mysql", DBClusterIdentifier="aurora-1")
        err = self.assert_error(lambda: rds.create_db_snapshot(DBInstanceIdentifier="aurora-1-a",
                                                               DBSnapshotIdentifier="aurora-snap"),
                                "InvalidParameterValue")
        self.assertIn("is a member of a cluster", err.response["Error"]["Message"])
        self.assert_error(lambda: rds.delete_db_instance(DBInstanceIdentifier="aurora-1-a",
                                                         FinalDBSnapshotIdentifier="aurora-final"),
                          "InvalidParameterCombination")

    def test_rds_restore_round_trips_settings(self):
        rds, ec2 = self.client("rds"), self.client("ec2")
        rds.create_db_subnet_group(DBSubnetGroupName="rt-sng", DBSubnetGroupDescription="d", SubnetIds=self.subnets)
        sg = ec2.create_security_group(GroupName="rt-db", Description="db", VpcId=self.vpc)["GroupId"]
        rds.create_option_group(OptionGroupName="rt-og", EngineName="mysql", MajorEngineVersion="8.0",
                                OptionGroupDescription="og")
        key = self.client("kms").create_key()["KeyMetadata"]["Arn"]
        src = self.rds_instance("rt-src", StorageType="gp3", AllocatedStorage=400, MaxAllocatedStorage=1000,
                                Iops=12000, StorageThroughput=500, OptionGroupName="rt-og",
                                EnablePerformanceInsights=True, PerformanceInsightsKMSKeyId=key,
                                PerformanceInsightsRetentionPeriod=93, DBSubnetGroupName="rt-sng",
                                VpcSecurityGroupIds=[sg])
        self.assertEqual((src["MaxAllocatedStorage"], src["PerformanceInsightsEnabled"],
                          src["PerformanceInsightsKMSKeyId"], src["PerformanceInsightsRetentionPeriod"]),
                         (1000, True, key, 93))
        rds.create_db_snapshot(DBInstanceIdentifier="rt-src", DBSnapshotIdentifier="rt-snap")
        rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier="rt-green", DBSnapshotIdentifier="rt-snap", DBSubnetGroupName="rt-sng",
            VpcSecurityGroupIds=[sg], StorageType="gp3", Iops=15000, StorageThroughput=600,
            OptionGroupName="rt-og", BackupRetentionPeriod=3)
        got = rds.describe_db_instances(DBInstanceIdentifier="rt-green")["DBInstances"][0]
        self.assertEqual((got["Iops"], got["StorageThroughput"], got["BackupRetentionPeriod"],
                          got["OptionGroupMemberships"][0]["OptionGroupName"],
                          [g["VpcSecurityGroupId"] for g in got["VpcSecurityGroups"]]),
                         (15000, 600, 3, "rt-og", [sg]))
        # gp3 below 400 GiB (MySQL) takes no explicit IOPS or throughput.
        self.rds_instance("rt-small", StorageType="gp3", AllocatedStorage=20)
        rds.create_db_snapshot(DBInstanceIdentifier="rt-small", DBSnapshotIdentifier="rt-small-snap")
        err = self.assert_error(lambda: rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier="rt-small-green", DBSnapshotIdentifier="rt-small-snap", StorageType="gp3",
            Iops=3000, StorageThroughput=125), "InvalidParameterCombination")
        self.assertIn("less than 400", err.response["Error"]["Message"])
        rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="rt-small-green",
                                                 DBSnapshotIdentifier="rt-small-snap", StorageType="gp3")
        # Storage autoscaling and Performance Insights are not in a snapshot: set them after.
        self.assertNotIn("MaxAllocatedStorage", got)
        self.assertFalse(got.get("PerformanceInsightsEnabled"))
        rds.modify_db_instance(DBInstanceIdentifier="rt-green", MaxAllocatedStorage=2000, ApplyImmediately=True,
                               EnablePerformanceInsights=True, PerformanceInsightsKMSKeyId=key,
                               PerformanceInsightsRetentionPeriod=7)
        got = rds.describe_db_instances(DBInstanceIdentifier="rt-green")["DBInstances"][0]
        self.assertEqual((got["MaxAllocatedStorage"], got["PerformanceInsightsEnabled"],
                          got["PerformanceInsightsKMSKeyId"], got["PerformanceInsightsRetentionPeriod"]),
                         (2000, True, key, 7))
        self.assert_error(lambda: rds.modify_db_instance(DBInstanceIdentifier="rt-green",
                                                         PerformanceInsightsRetentionPeriod=94),
                          "InvalidParameterValue")
        # Without VpcSecurityGroupIds: the default group of the subnet group's VPC.
        rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="rt-default-sg", DBSnapshotIdentifier="rt-snap",
                                                 DBSubnetGroupName="rt-sng")
        default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [self.vpc]},
                                                        {"Name": "group-name", "Values": ["default"]}])
        got = rds.describe_db_instances(DBInstanceIdentifier="rt-default-sg")["DBInstances"][0]
        self.assertEqual([g["VpcSecurityGroupId"] for g in got["VpcSecurityGroups"]],
                         [default["SecurityGroups"][0]["GroupId"]])

    def test_rds_delete_with_final_snapshot(self):
        rds = self.client("rds")
        self.rds_instance("fin-db", DeletionProtection=True)
        self.assert_error(lambda: rds.delete_db_instance(DBInstanceIdentifier="fin-db", SkipFinalSnapshot=True),
                          "InvalidParameterCombination")
        rds.modify_db_instance(DBInstanceIdentifier="fin-db", DeletionProtection=False)
        self.assertEqual(self.rds_status("fin-db"), "available")
        self.assert_error(lambda: rds.delete_db_instance(DBInstanceIdentifier="fin-db"), "InvalidParameterCombination")
        deleted = rds.delete_db_instance(DBInstanceIdentifier="fin-db", SkipFinalSnapshot=False,
                                         FinalDBSnapshotIdentifier="fin-db-final")["DBInstance"]
        self.assertEqual(deleted["DBInstanceStatus"], "deleting")
        snap = rds.describe_db_snapshots(DBSnapshotIdentifier="fin-db-final")["DBSnapshots"][0]
        self.assertEqual((snap["SnapshotType"], snap["DBInstanceIdentifier"]), ("manual", "fin-db"))
        self.assert_error(lambda: rds.describe_db_instances(DBInstanceIdentifier="fin-db"), "DBInstanceNotFound")
        # A busy instance cannot take its final snapshot.
        self.rds_instance("fin-busy")
        self.kf("POST", "/_kf/rds/state", {"instance": "fin-busy", "status": "backing-up", "seconds": 5})
        self.assert_error(lambda: rds.delete_db_instance(DBInstanceIdentifier="fin-busy",
                                                         FinalDBSnapshotIdentifier="fin-busy-final"),
                          "InvalidDBInstanceState")
        rds.delete_db_instance(DBInstanceIdentifier="fin-busy", SkipFinalSnapshot=True)

    def test_deletions_refused_while_in_use(self):
        # What abort must order: a security group attached to a DB or a mount target, a DB
        # subnet group a DB uses, a cluster with nodegroups, a file system with mount targets,
        # a bucket with objects.
        rds, ec2, efs, eks, s3 = (self.client(s) for s in ("rds", "ec2", "efs", "eks", "s3"))
        db_group = ec2.create_security_group(GroupName="del-db", Description="db", VpcId=self.vpc)["GroupId"]
        rds.create_db_subnet_group(DBSubnetGroupName="del-subnets", DBSubnetGroupDescription="d",
                                   SubnetIds=self.subnets)
        self.rds_instance("del-db", VpcSecurityGroupIds=[db_group], DBSubnetGroupName="del-subnets")
        self.assert_error(lambda: ec2.delete_security_group(GroupId=db_group), "DependencyViolation")
        self.assert_error(lambda: rds.delete_db_subnet_group(DBSubnetGroupName="del-subnets"),
                          "InvalidDBSubnetGroupStateFault", message="is still using it")
        rds.delete_db_instance(DBInstanceIdentifier="del-db", SkipFinalSnapshot=True)
        ec2.delete_security_group(GroupId=db_group)
        rds.delete_db_subnet_group(DBSubnetGroupName="del-subnets")
        fs, mt_group = self.efs_with_mount_target("del-fs", self.subnets[0], [])
        self.assert_error(lambda: ec2.delete_security_group(GroupId=mt_group), "DependencyViolation")
        self.assert_error(lambda: efs.delete_file_system(FileSystemId=fs["FileSystemId"]), "FileSystemInUse")
        for mt in efs.describe_mount_targets(FileSystemId=fs["FileSystemId"])["MountTargets"]:
            efs.delete_mount_target(MountTargetId=mt["MountTargetId"])
        ec2.delete_security_group(GroupId=mt_group)
        efs.delete_file_system(FileSystemId=fs["FileSystemId"])
        self.eks_cluster("del-eks")
        eks.create_nodegroup(clusterName="del-eks", nodegroupName="ng", subnets=self.subnets, nodeRole=self.role)
        self.assert_error(lambda: eks.delete_cluster(name="del-eks"), "ResourceInUseException")
        eks.delete_nodegroup(clusterName="del-eks", nodegroupName="ng")
        eks.delete_cluster(name="del-eks")
        s3.create_bucket(Bucket="del-bucket")
        s3.put_object(Bucket="del-bucket", Key="k", Body=b"x")
        self.assert_error(lambda: s3.delete_bucket(Bucket="del-bucket"), "BucketNotEmpty")

    def run_execution(self, ds, task, **kwargs):
        execution = ds.start_task_execution(TaskArn=task, **kwargs)["TaskExecutionArn"]
        return execution, lambda: ds.describe_task_execution(TaskExecutionArn=execution)

    def wait_done(self, describe, timeout=15):
        deadline = time.time() + timeout
        while True:
            desc = describe()
            if desc["Status"] in ("SUCCESS", "ERROR") or time.time() > deadline:
                return desc
            time.sleep(0.1)

    def s3_task(self, src_bucket, dst_bucket, role="arn:aws:iam::123456789012:role/ds", **options):
        ds = self.client("datasync")
        src = ds.create_location_s3(S3BucketArn=f"arn:aws:s3:::{src_bucket}",
                                    S3Config={"BucketAccessRoleArn": role})["LocationArn"]
        dst = ds.create_location_s3(S3BucketArn=f"arn:aws:s3:::{dst_bucket}",
                                    S3Config={"BucketAccessRoleArn": role})["LocationArn"]
        return ds.create_task(SourceLocationArn=src, DestinationLocationArn=dst, Options=options)["TaskArn"]

    def efs_with_mount_target(self, token, subnet, ingress):
        """A file system with a mount target in `subnet` whose security group admits
        `ingress` (IpPermissions); returns (file system, mount target group)."""
        efs, ec2 = self.client("efs"), self.client("ec2")
        fs = efs.create_file_system(CreationToken=token)
        group = ec2.create_security_group(GroupName=f"{token}-mt", Description="mt", VpcId=self.vpc)["GroupId"]
        if ingress:
            ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=ingress)
        efs.create_mount_target(FileSystemId=fs["FileSystemId"], SubnetId=subnet, SecurityGroups=[group])
        return fs, group

    def ec2_config(self, subnet, *groups):
        return {"SubnetArn": f"arn:aws:ec2:{REGION}:123456789012:subnet/{subnet}",
                "SecurityGroupArns": [f"arn:aws:ec2:{REGION}:123456789012:security-group/{g}" for g in groups]}

    def test_datasync_point_in_time_verification(self):
        s3, ds = self.client("s3"), self.client("datasync")
        for bucket in ("pit-src", "pit-dst"):
            s3.create_bucket(Bucket=bucket)
        for i in range(3):
            s3.put_object(Bucket="pit-src", Key=f"k{i}", Body=b"v" * (10 + i))
        task = self.s3_task("pit-src", "pit-dst")  # VerifyMode defaults to POINT_IN_TIME_CONSISTENT
        self.set_pending({"datasync_execution": 1.5})
        # A source object overwritten while the execution runs fails the verification.
        execution, describe = self.run_execution(ds, task)
        s3.put_object(Bucket="pit-src", Key="k0", Body=b"changed")
        desc = self.wait_done(describe)
        self.assertEqual(desc["Status"], "ERROR")
        self.assertEqual(desc["Result"]["ErrorCode"], "SyncTaskErrorVerificationFailed")
        self.assertTrue(desc["Result"]["ErrorDetail"].startswith(
            "Transfer and verification completed. Verification detected mismatches."), desc["Result"])
        self.assertEqual((desc["Result"]["TransferStatus"], desc["Result"]["VerifyStatus"]), ("SUCCESS", "ERROR"))
        # A new and a deleted object count as changes too.
        for change in (lambda: s3.put_object(Bucket="pit-src", Key="new", Body=b"n"),
                       lambda: s3.delete_object(Bucket="pit-src", Key="k2")):
            _, describe = self.run_execution(ds, task)
            change()
            self.assertEqual(self.wait_done(describe)["Status"], "ERROR")
        # Unchanged: SUCCESS.  ONLY_FILES_TRANSFERRED and NONE do not fail on a changing source.
        _, describe = self.run_execution(ds, task)
        self.assertEqual(self.wait_done(describe)["Status"], "SUCCESS")
        for mode in ("ONLY_FILES_TRANSFERRED", "NONE"):
            _, describe = self.run_execution(ds, task, OverrideOptions={"VerifyMode": mode})
            s3.put_object(Bucket="pit-src", Key=f"during-{mode}", Body=b"x")
            desc = self.wait_done(describe)
            self.assertEqual((desc["Status"], desc["Options"]["VerifyMode"]), ("SUCCESS", mode))

        # EFS: a write to the source file system during the execution (blue's users).
        allow_nfs = [{"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049,
                      "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}]
        fs_a, group_a = self.efs_with_mount_target("pit-a", self.subnets[0], allow_nfs)
        fs_b, group_b = self.efs_with_mount_target("pit-b", self.subnets[0], allow_nfs)
        src = ds.create_location_efs(EfsFilesystemArn=fs_a["FileSystemArn"],
                                     Ec2Config=self.ec2_config(self.subnets[0], group_a))["LocationArn"]
        dst = ds.create_location_efs(EfsFilesystemArn=fs_b["FileSystemArn"],
                                     Ec2Config=self.ec2_config(self.subnets[0], group_b))["LocationArn"]
        efs_task = ds.create_task(SourceLocationArn=src, DestinationLocationArn=dst)["TaskArn"]
        self.kf("POST", "/_kf/datasync/efs-write", {"filesystem": fs_a["FileSystemId"]})  # before: no effect
        _, describe = self.run_execution(ds, efs_task)
        self.assertEqual(self.wait_done(describe)["Status"], "SUCCESS")
        _, describe = self.run_execution(ds, efs_task)
        self.kf("POST", "/_kf/datasync/efs-write", {"filesystem": fs_a["FileSystemId"]})
        desc = self.wait_done(describe)
        self.assertEqual((desc["Status"], desc["Result"]["ErrorCode"]), ("ERROR", "SyncTaskErrorVerificationFailed"))
        _, describe = self.run_execution(ds, efs_task, OverrideOptions={"VerifyMode": "ONLY_FILES_TRANSFERRED"})
        self.kf("POST", "/_kf/datasync/efs-write", {"filesystem": fs_a["FileSystemId"]})
        self.assertEqual(self.wait_done(describe)["Status"], "SUCCESS")
        self.assertEqual(self.kf_error("POST", "/_kf/datasync/efs-write", {"filesystem": "fs-nope"}), 400)

    def test_datasync_options_overwrite_pagination_cancel(self):
        s3, ds = self.client("s3"), self.client("datasync")
        for bucket in ("ow-src", "ow-dst"):
            s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket="ow-src", Key="a", Body=b"new-a")
        s3.put_object(Bucket="ow-src", Key="b", Body=b"new-b")
        s3.put_object(Bucket="ow-dst", Key="a", Body=b"old-a")
        s3.put_object(Bucket="ow-dst", Key="only-in-dst", Body=b"keep")
        task = self.s3_task("ow-src", "ow-dst", OverwriteMode="NEVER", PreserveDeletedFiles="PRESERVE",
                            TransferMode="CHANGED", VerifyMode="ONLY_FILES_TRANSFERRED", BytesPerSecond=1048576)
        self.assertEqual(ds.describe_task(TaskArn=task)["Options"]["BytesPerSecond"], 1048576)
        _, describe = self.run_execution(ds, task, OverrideOptions={"BytesPerSecond": 2097152})
        desc = self.wait_done(describe)
        self.assertEqual((desc["Status"], desc["Options"]["BytesPerSecond"]), ("SUCCESS", 2097152))
        body = lambda key: s3.get_object(Bucket="ow-dst", Key=key)["Body"].read()
        self.assertEqual((body("a"), body("b"), body("only-in-dst")), (b"old-a", b"new-b", b"keep"))
        self.assertEqual(desc["FilesTransferred"], 1)
        # BytesPerSecond slows the transfer: 10 bytes at 4 bytes/s take over 2 s.
        s3.put_object(Bucket="ow-src", Key="c", Body=b"0123456789")
        _, describe = self.run_execution(ds, task, OverrideOptions={"BytesPerSecond": 4})
        time.sleep(1)
        self.assertNotIn(describe()["Status"], ("SUCCESS", "ERROR"))
        self.assertEqual(self.wait_done(describe)["Status"], "SUCCESS")

        raw = self.raw_client("datasync")
        self.assert_error(lambda: raw.start_task_execution(TaskArn=task, OverrideOptions={"BytesPerSecond": -2}),
                          "InvalidRequestException")
        self.assert_error(lambda: raw.update_task(TaskArn=task, Options={"OverwriteMode": "SOMETIMES"}),
                          "InvalidRequestException")
        self.assert_error(lambda: ds.update_task(
            TaskArn=task, Options={"PreserveDeletedFiles": "REMOVE", "TransferMode": "ALL"}), "InvalidRequestException")

        # ListTaskExecutions pages with MaxResults/NextToken.
        listed = ds.list_task_executions(TaskArn=task)["TaskExecutions"]
        self.assertEqual(len(listed), 2)
        first = ds.list_task_executions(TaskArn=task, MaxResults=1)
        second = ds.list_task_executions(TaskArn=task, MaxResults=1, NextToken=first["NextToken"])
        self.assertNotIn("NextToken", second)
        self.assertEqual(first["TaskExecutions"] + second["TaskExecutions"], listed)
        self.assertEqual([e["TaskExecutionArn"] for p in ds.get_paginator("list_task_executions").paginate(
            TaskArn=task, PaginationConfig={"PageSize": 1}) for e in p["TaskExecutions"]],
            [e["TaskExecutionArn"] for e in listed])
        self.assert_error(lambda: raw.list_task_executions(MaxResults=101), "InvalidRequestException")
        self.assert_error(lambda: ds.list_task_executions(NextToken="bogus"), "InvalidRequestException")

        # CancelTaskExecution: CANCELLING, then ERROR.
        self.set_pending({"datasync_execution": 5, "datasync_cancelling": 1})
        execution, describe = self.run_execution(ds, task)
        ds.cancel_task_execution(TaskExecutionArn=execution)
        self.assertEqual(describe()["Status"], "CANCELLING")
        self.assert_error(lambda: ds.cancel_task_execution(TaskExecutionArn=execution), "InvalidRequestException")
        self.wait_for(lambda: describe()["Status"], "ERROR", timeout=5)

    def test_datasync_sse_kms_role_permissions(self):
        s3, ds, iam, kms = self.client("s3"), self.client("datasync"), self.client("iam"), self.client("kms")
        key = kms.create_key()["KeyMetadata"]
        kms.create_alias(AliasName="alias/kf-src", TargetKeyId=key["KeyId"])
        s3.create_bucket(Bucket="kms-src")
        s3.put_bucket_encryption(Bucket="kms-src", ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]},
            "BucketKeyEnabled": True}]})
        for i in range(2):
            s3.put_object(Bucket="kms-src", Key=f"o{i}", Body=b"secret")
        s3.create_bucket(Bucket="kms-dst")
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                   "Principal": {"Service": "datasync.amazonaws.com"}}]})
        role = iam.create_role(RoleName="ds-kms", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        task = self.s3_task("kms-src", "kms-dst", role=role, VerifyMode="ONLY_FILES_TRANSFERRED")

        def policy(*statements):
            iam.put_role_policy(RoleName="ds-kms", PolicyName="kms",
                                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))

        def run():
            return self.wait_done(self.run_execution(ds, task)[1])

        desc = run()  # no KMS permission at all
        self.assertEqual((desc["Status"], desc["Result"]["ErrorCode"]), ("ERROR", "AccessDenied"))
        self.assertIn(f"is not authorized to perform: kms:Decrypt on resource: {key['Arn']}", desc["Result"]["ErrorDetail"])
        self.assertEqual((desc["Result"]["TransferStatus"], desc["FilesTransferred"]), ("ERROR", 0))
        self.assertNotIn("Contents", s3.list_objects_v2(Bucket="kms-dst"))
        # An alias ARN in Resource does not name the key.
        policy({"Effect": "Allow", "Action": "kms:Decrypt",
                "Resource": f"arn:aws:kms:{REGION}:123456789012:alias/kf-src"})
        self.assertEqual(run()["Status"], "ERROR")
        # kms:Decrypt on the key ARN: copied.
        policy({"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": key["Arn"]})
        desc = run()
        self.assertEqual((desc["Status"], desc["FilesTransferred"]), ("SUCCESS", 2))
        self.assertEqual(sorted(o["Key"] for o in s3.list_objects_v2(Bucket="kms-dst")["Contents"]), ["o0", "o1"])
        # An explicit Deny wins over kms:*.
        s3.put_object(Bucket="kms-src", Key="o2", Body=b"more")
        policy({"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
               {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": key["Arn"]})
        desc = run()
        self.assertIn("explicit deny in an identity-based policy", desc["Result"]["ErrorDetail"])

        # An SSE-KMS destination needs kms:GenerateDataKey on its key.
        dst_key = kms.create_key()["KeyMetadata"]
        s3.put_bucket_encryption(Bucket="kms-dst", ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": dst_key["KeyId"]}}]})
        policy({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key["Arn"]})
        desc = run()
        self.assertEqual(desc["Status"], "ERROR")
        self.assertIn(f"kms:GenerateDataKey on resource: {dst_key['Arn']}", desc["Result"]["ErrorDetail"])
        policy({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key["Arn"]},
               {"Effect": "Allow", "Action": ["kms:GenerateDataKey*", "kms:Encrypt"], "Resource": dst_key["Arn"]})
        self.assertEqual(run()["Status"], "SUCCESS")
        self.assertEqual(s3.head_object(Bucket="kms-dst", Key="o2")["ServerSideEncryption"], "aws:kms")
        # A key policy that does not delegate to IAM refuses even with IAM permissions.
        kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/admin"},
                                                    "Action": "kms:*", "Resource": "*"}]}))
        s3.put_object(Bucket="kms-src", Key="o3", Body=b"more")
        desc = run()
        self.assertIn("because no resource-based policy allows the kms:Decrypt action", desc["Result"]["ErrorDetail"])

        # SSE-S3 (AES256) buckets need no KMS permission.
        for bucket in ("aes-src", "aes-dst"):
            s3.create_bucket(Bucket=bucket)
            s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        s3.put_object(Bucket="aes-src", Key="x", Body=b"x")
        iam.delete_role_policy(RoleName="ds-kms", PolicyName="kms")
        aes_task = self.s3_task("aes-src", "aes-dst", role=role)
        self.assertEqual(self.wait_done(self.run_execution(ds, aes_task)[1])["Status"], "SUCCESS")

    def test_datasync_efs_security_groups(self):
        ds, ec2 = self.client("datasync"), self.client("ec2")
        # The mount target admits NFS only from 10.9.0.0/16, not from the subnet (10.0.0.0/24).
        fs, mt_group = self.efs_with_mount_target("sg-efs", self.subnets[0], [
            {"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049, "IpRanges": [{"CidrIp": "10.9.0.0/16"}]}])
        ds_group = ec2.create_security_group(GroupName="ds-eni", Description="ds", VpcId=self.vpc)["GroupId"]
        other, _ = self.efs_with_mount_target("sg-other", self.subnets[0], [
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
        # No mount target in the subnet's AZ: CreateLocationEfs refuses.
        self.assert_error(lambda: ds.create_location_efs(
            EfsFilesystemArn=fs["FileSystemArn"], Ec2Config=self.ec2_config(self.subnets[1], ds_group)),
            "InvalidRequestException")
        src = ds.create_location_efs(EfsFilesystemArn=fs["FileSystemArn"],
                                     Ec2Config=self.ec2_config(self.subnets[0], ds_group))["LocationArn"]
        dst = ds.create_location_efs(EfsFilesystemArn=other["FileSystemArn"],
                                     Ec2Config=self.ec2_config(self.subnets[0], ds_group))["LocationArn"]
        task = ds.create_task(SourceLocationArn=src, DestinationLocationArn=dst)["TaskArn"]
        self.assertEqual(ds.describe_task(TaskArn=task)["Status"], "AVAILABLE")
        desc = self.wait_done(self.run_execution(ds, task)[1])
        self.assertEqual((desc["Status"], desc["Result"]["ErrorCode"]), ("ERROR", "SyncTaskErrorMountFailed"))
        self.assertIn("mount.nfs: Connection timed out", desc["Result"]["ErrorDetail"])
        self.assertEqual((desc["Result"]["PrepareStatus"], desc["FilesTransferred"]), ("ERROR", 0))
        # The mount target's group admits NFS from the location's group: the execution runs.
        ec2.authorize_security_group_ingress(GroupId=mt_group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049, "UserIdGroupPairs": [{"GroupId": ds_group}]}])
        desc = self.wait_done(self.run_execution(ds, task)[1])
        self.assertEqual((desc["Status"], desc["FilesTransferred"]), ("SUCCESS", 3))
        # Without outbound NFS from the location's group it fails again.
        ec2.revoke_security_group_egress(GroupId=ds_group, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        self.assertEqual(self.wait_done(self.run_execution(ds, task)[1])["Status"], "ERROR")
        ec2.authorize_security_group_egress(GroupId=ds_group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049, "UserIdGroupPairs": [{"GroupId": mt_group}]}])
        self.assertEqual(self.wait_done(self.run_execution(ds, task)[1])["Status"], "ERROR")  # dst's group too
        ec2.authorize_security_group_egress(GroupId=ds_group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049, "IpRanges": [{"CidrIp": "10.0.0.0/24"}]}])
        self.assertEqual(self.wait_done(self.run_execution(ds, task)[1])["Status"], "SUCCESS")

if __name__ == "__main__":
    unittest.main()
