"""Self-test of tests/emulators/aws_emulator.py.

Run: .venv/bin/python -m unittest tests/emulators/test_aws_emulator.py
Starts the emulator on a free port as a subprocess and drives it with boto3.
"""

import json
import os
import socket
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "us-east-1"


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
        assert cls.proc.wait(10) == 0

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

    def set_pending(self, values):
        pending = {k: 0 for k in ("rds_instance", "rds_snapshot", "rds_backing_up", "rds_modifying",
                                  "eks_cluster", "eks_nodegroup", "eks_addon", "datasync_execution",
                                  "datasync_execution_s3", "datasync_execution_efs", "datasync_cancelling",
                                  "efs")}
        pending.update(values)
        self.kf("POST", "/_kf/config", {"pending": pending})

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

    def assert_error(self, call, code):
        with self.assertRaises(ClientError) as ctx:
            call()
        self.assertEqual(ctx.exception.response["Error"]["Code"], code)
        return ctx.exception

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
        addon = eks.create_addon(clusterName="c-blue", addonName="aws-ebs-csi-driver",
                                 serviceAccountRoleArn=self.role, tags={"a": "b"})["addon"]
        self.assertEqual(addon["status"], "CREATING")
        self.assert_error(lambda: eks.create_addon(clusterName="c-blue", addonName="aws-ebs-csi-driver"),
                          "ResourceInUseException")
        describe = lambda: eks.describe_addon(clusterName="c-blue", addonName="aws-ebs-csi-driver")["addon"]
        self.wait_for(lambda: describe()["status"], "ACTIVE")
        self.assertEqual(describe()["serviceAccountRoleArn"], self.role)
        self.assertEqual(eks.list_addons(clusterName="c-blue")["addons"], ["aws-ebs-csi-driver"])
        eks.update_addon(clusterName="c-blue", addonName="aws-ebs-csi-driver", addonVersion="v1.35.0-eksbuild.1")
        self.assertEqual(describe()["status"], "UPDATING")
        self.assertEqual(describe()["addonVersion"], "v1.35.0-eksbuild.1")
        eks.delete_addon(clusterName="c-blue", addonName="aws-ebs-csi-driver")
        self.assert_error(describe, "ResourceNotFoundException")
        self.assert_error(lambda: eks.list_addons(clusterName="nope"), "ResourceNotFoundException")

    def test_efs_pending_and_mount_targets(self):
        self.set_pending({"efs": 1})
        efs = self.client("efs")
        fs = efs.create_file_system(CreationToken="t1", Encrypted=True, Tags=[{"Key": "Name", "Value": "kf"}])
        self.assertEqual(fs["LifeCycleState"], "creating")
        state = lambda: efs.describe_file_systems(FileSystemId=fs["FileSystemId"])["FileSystems"][0]["LifeCycleState"]
        self.wait_for(state, "available")
        mt = efs.create_mount_target(FileSystemId=fs["FileSystemId"], SubnetId=self.subnets[1])
        self.assertEqual(mt["AvailabilityZoneName"], f"{REGION}b")

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
            errors = []
            for _ in range(6):
                try:
                    r53.list_hosted_zones()
                except ClientError as err:
                    errors.append(err)
            self.assertGreaterEqual(len(errors), 3)
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
