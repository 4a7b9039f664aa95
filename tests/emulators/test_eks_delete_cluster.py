"""Self-test: EKS DeleteCluster of a cluster whose endpoint is an emulated API server
(aws_emulator.py EKS_ENDPOINTS) takes that API server down with it, as deleting the control plane
does on EKS (DeleteCluster: "Deletes an Amazon EKS cluster control plane",
https://docs.aws.amazon.com/eks/latest/APIReference/API_DeleteCluster.html).

Run: .venv/bin/python -m unittest tests/emulators/test_eks_delete_cluster.py
Starts both emulators on free ports as subprocesses.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import unittest
import urllib.request

import boto3
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(script: str):
    port = free_port()
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, script), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    assert line.startswith("ready "), line
    return proc, line.removeprefix("ready ")


def call(method: str, url: str, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, json.loads(resp.read() or b"null")


class EksDeleteClusterStopsItsApiServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.aws, cls.aws_url = start("aws_emulator.py")
        cls.blue, cls.blue_url = start("k8s_emulator.py")
        cls.green, cls.green_url = start("k8s_emulator.py")

    @classmethod
    def tearDownClass(cls):
        for proc in (cls.aws, cls.blue, cls.green):
            proc.terminate()
            proc.wait(60)
            proc.stdout.close()

    def client(self, service):
        return boto3.client(service, endpoint_url=self.aws_url, region_name=REGION, aws_access_key_id="testing",
                            aws_secret_access_key="testing", config=Config(retries={"total_max_attempts": 1}))

    def cluster(self, name):
        ec2, iam = self.client("ec2"), self.client("iam")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                     AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
                   for i, az in enumerate("ab")]
        trust = json.dumps({"Version": "2012-10-17", "Statement": []})
        role = iam.create_role(RoleName=f"eks-{name}", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        self.client("eks").create_cluster(name=name, version="1.32", roleArn=role,
                                          resourcesVpcConfig={"subnetIds": subnets})

    def test_the_deleted_clusters_api_server_answers_nothing_and_the_others_go_on(self):
        call("POST", self.aws_url + "/_kf/config", {"pending": {"eks_cluster": 0},
                                                    "eks_endpoints": {"blue": self.blue_url, "green": self.green_url}})
        self.cluster("blue")
        self.cluster("green")
        eks = self.client("eks")
        self.assertEqual(eks.describe_cluster(name="blue")["cluster"]["endpoint"], self.blue_url)
        cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kept", "namespace": "default"}}
        self.assertEqual(call("POST", self.blue_url + "/api/v1/namespaces/default/configmaps", cm)[0], 201)
        self.assertEqual(call("GET", self.blue_url + "/api/v1/namespaces/default/configmaps/kept")[0], 200)

        eks.delete_cluster(name="blue")

        # Every Kubernetes request: the connection closes without an answer (no status, no body).
        for path in ("/api/v1/namespaces/default/configmaps/kept", "/api/v1/namespaces", "/version", "/healthz"):
            with self.subTest(path=path), self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
                call("GET", self.blue_url + path)
        self.assertEqual(call("GET", self.blue_url + "/_kf/config")[1]["cluster_deleted"], True)
        # Green's cluster (another endpoint) still serves.
        self.assertEqual(call("GET", self.green_url + "/api/v1/namespaces")[0], 200)
        self.assertEqual(call("GET", self.green_url + "/_kf/config")[1]["cluster_deleted"], False)

    def test_a_cluster_without_an_emulated_endpoint_is_deleted_as_before(self):
        self.cluster("plain")
        eks = self.client("eks")
        eks.delete_cluster(name="plain")
        self.assertNotIn("plain", eks.list_clusters()["clusters"])


if __name__ == "__main__":
    unittest.main()
