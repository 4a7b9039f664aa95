#!/usr/bin/env python3
"""Emulated AWS for `kubectl kf` tests and the demo.

moto (server mode) serves the whole AWS API; this launcher wraps moto's WSGI
application with:

* control endpoints under ``/_kf/`` (health, pending-phase durations, fault
  injection, request counting);
* fault injection serialised in each service's own error format, so the AWS
  SDKs parse the error code;
* fixes of moto behaviours the suite relies on (see ``patch_moto``);
* implementations of what moto lacks: EKS add-ons and a DataSync that keeps
  EFS locations, task executions with realistic phases, and real S3->S3 copies.

Run: ``.venv/bin/python tests/emulators/aws_emulator.py --port 4566``.
Clients use ``AWS_ENDPOINT_URL=http://127.0.0.1:4566`` with path-style S3.
"""

import os

# moto reads these at import time, so they must be set before importing it.
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import argparse  # noqa: E402
import copy  # noqa: E402
import io  # noqa: E402
import ipaddress  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from urllib.parse import parse_qs, unquote  # noqa: E402

from botocore.session import get_session  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.core.request import Request as MotoRequest  # noqa: E402
from moto.core.routing import get_service_router  # noqa: E402
from moto.ec2.models import ec2_backends  # noqa: E402
from moto.efs.models import EFSBackend, FileSystem, efs_backends  # noqa: E402
from moto.eks import exceptions as eks_exceptions  # noqa: E402
from moto.eks.models import Cluster, EKSBackend, Nodegroup, eks_backends  # noqa: E402
from moto.iam.models import get_account_id_from, iam_backends  # noqa: E402
from moto.kms.models import kms_backends  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.rds.exceptions import RDSClientError  # noqa: E402
from moto.rds.models import DBInstance, DBSnapshot, RDSBackend, rds_backends  # noqa: E402
from moto.route53.models import Route53Backend  # noqa: E402
from moto.s3.models import FakeKey, S3Backend, s3_backends  # noqa: E402
from moto.s3.responses import S3Response  # noqa: E402

ACCOUNT_ID = DEFAULT_ACCOUNT_ID  # 123456789012
assert ACCOUNT_ID == "123456789012"

# --------------------------------------------------------------------------
# Shared emulator state (mutated through /_kf/ endpoints)
# --------------------------------------------------------------------------

PENDING_KEYS = (
    "rds_instance",
    "rds_snapshot",
    # A restored instance's first backup ("backing-up"), also after enabling backups.
    "rds_backing_up",
    # "modifying" after ModifyDBInstance enables or disables backups.
    "rds_modifying",
    "eks_cluster",
    "eks_nodegroup",
    "eks_addon",
    "datasync_execution",
    # Per kind of copy; when 0, datasync_execution applies.
    "datasync_execution_s3",
    "datasync_execution_efs",
    # "CANCELLING" after CancelTaskExecution, before "ERROR".
    "datasync_cancelling",
    "efs",
)

STATE_LOCK = threading.RLock()
PENDING: dict[str, float] = {k: 0.0 for k in PENDING_KEYS}
FAULTS: list[dict] = []
# EKS cluster name -> API server URL: lets a cluster's endpoint be an emulated Kubernetes
# (http, so no certificate authority), as a real cluster's endpoint is its API server.
EKS_ENDPOINTS: dict[str, str] = {}
REQUESTS: dict[str, int] = {}

# Route 53 API rate: "the hard limit of five requests per second, per account";
# beyond it Route 53 answers HTTP 400 with "a Code element value of Throttling and a
# Message element value of Rate exceeded" (AWS re:Post knowledge center, "How can I
# avoid Route 53 API throttling errors?":
# https://repost.aws/knowledge-center/route-53-avoid-throttling-errors; Route 53
# Developer Guide, DNSLimitations, "Number of requests": five per second per account).
# A token bucket per account over all Route 53 calls; 0 means unlimited
# (POST /_kf/config {"route53_rps": N}).
ROUTE53_RPS = {"rps": 5.0}
ROUTE53_BUCKETS: dict[str, list[float]] = {}  # account -> [tokens, monotonic time]


def route53_admit(account: str) -> bool:
    with STATE_LOCK:
        rate = ROUTE53_RPS["rps"]
        if rate <= 0:
            return True
        now = time.monotonic()
        tokens, last = ROUTE53_BUCKETS.get(account, [rate, now])
        tokens = min(rate, tokens + (now - last) * rate)
        admitted = tokens >= 1.0
        ROUTE53_BUCKETS[account] = [tokens - 1.0 if admitted else tokens, now]
        return admitted


def pending_seconds(kind: str) -> float:
    with STATE_LOCK:
        return PENDING[kind]


def set_pending(values: dict) -> None:
    unknown = set(values) - set(PENDING_KEYS)
    if unknown:
        raise ValueError(f"unknown pending keys {sorted(unknown)}; known: {list(PENDING_KEYS)}")
    for key, value in values.items():
        seconds = float(value)
        if seconds < 0:
            raise ValueError(f"{key}: negative duration")
        with STATE_LOCK:
            PENDING[key] = seconds


def take_fault(operation: str, match: str | None = None) -> dict | None:
    """Consume one pending fault for `operation` (and, for DataSyncExecution,
    whose `match` substring occurs in `match`)."""
    with STATE_LOCK:
        for fault in FAULTS:
            if fault["operation"] != operation:
                continue
            if fault.get("match") and (match is None or fault["match"] not in match):
                continue
            fault["count"] -= 1
            if fault["count"] <= 0:
                FAULTS.remove(fault)
            return fault
    return None


# --------------------------------------------------------------------------
# Errors in each protocol's wire format
# --------------------------------------------------------------------------


class ApiError(Exception):
    """An AWS error raised by this emulator's own handlers."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


_BOTOCORE = get_session()
# SigV4 signing names that differ from botocore's service names.
SIGNING_TO_BOTOCORE = {
    "elasticfilesystem": "efs",
    "elasticloadbalancing": "elbv2",
    "monitoring": "cloudwatch",
    "email": "ses",
    "states": "stepfunctions",
    "execute-api": "apigateway",
}
_MODELS: dict = {}
_ROUTERS: dict = {}


def service_model(service: str):
    name = SIGNING_TO_BOTOCORE.get(service, service)
    if name not in _MODELS:
        try:
            _MODELS[name] = _BOTOCORE.get_service_model(name)
        except Exception:  # unknown to botocore
            _MODELS[name] = None
    return _MODELS[name]


def protocol_of(service: str) -> str:
    model = service_model(service)
    if model is None:
        return "rest-json"
    # Newer models list several protocols (DataSync: smithy-rpc-v2-cbor, json);
    # the SDKs in use speak the JSON/XML ones, so skip CBOR.
    protocols = model.metadata.get("protocols") or [model.metadata.get("protocol")]
    return next(p for p in protocols if p != "smithy-rpc-v2-cbor")


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def error_response(service: str, status: int, code: str, message: str):
    """(status, headers, body) of an AWS error as `service`'s protocol writes it."""
    request_id = str(uuid.uuid4())
    protocol = protocol_of(service)
    code_x, message_x = xml_escape(code), xml_escape(message)
    fault_type = "Sender" if status < 500 else "Receiver"
    headers = {"x-amzn-RequestId": request_id}
    if protocol == "query":
        body = (
            f"<ErrorResponse><Error><Type>{fault_type}</Type><Code>{code_x}</Code>"
            f"<Message>{message_x}</Message></Error><RequestId>{request_id}</RequestId>"
            "</ErrorResponse>"
        )
        headers["Content-Type"] = "text/xml"
    elif protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code_x}</Code><Message>{message_x}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        headers["Content-Type"] = "text/xml"
    elif protocol == "rest-xml" and service == "route53":
        body = (
            f"<ErrorResponse><Error><Type>{fault_type}</Type><Code>{code_x}</Code>"
            f"<Message>{message_x}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        headers["Content-Type"] = "application/xml"
    elif protocol == "rest-xml":  # S3
        body = (
            f"<Error><Code>{code_x}</Code><Message>{message_x}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        )
        headers["Content-Type"] = "application/xml"
    elif protocol == "json":
        body = json.dumps({"__type": code, "message": message})
        headers["Content-Type"] = "application/x-amz-json-1.1"
        headers["x-amzn-ErrorType"] = code
    else:  # rest-json
        body = json.dumps({"message": message})
        headers["Content-Type"] = "application/json"
        headers["x-amzn-ErrorType"] = code
    return status, headers, body.encode()


# --------------------------------------------------------------------------
# Request classification
# --------------------------------------------------------------------------

CREDENTIAL_RE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
ACCESS_KEY_RE = re.compile(r"Credential=([^/]+)/")


def account_of(environ) -> str:
    """The account whose access key signed the request (moto's mapping)."""
    match = ACCESS_KEY_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return get_account_id_from(match.group(1)) if match else ACCOUNT_ID


def service_and_region(environ) -> tuple[str, str]:
    match = CREDENTIAL_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(2).lower(), match.group(1)
    return "unknown", "us-east-1"


def operation_name(service: str, environ, body: bytes) -> str:
    """AWS operation name of a request: `Action` for the query protocols,
    `X-Amz-Target` for awsJson, botocore's HTTP bindings for REST protocols."""
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return query["Action"][0]
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        form = parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            return form["Action"][0]
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
    model = service_model(service)
    if model is not None:
        if model.service_name not in _ROUTERS:
            _ROUTERS[model.service_name] = get_service_router(model.service_name)
        try:
            environ_copy = dict(environ, **{"wsgi.input": io.BytesIO(body)})
            operation, _ = _ROUTERS[model.service_name].match(MotoRequest(environ_copy))
            return operation.name
        except Exception:  # no HTTP binding matches
            pass
    return f"{service}:{method} {path}"


# --------------------------------------------------------------------------
# moto patches
# --------------------------------------------------------------------------


def hex32() -> str:
    return secrets.token_hex(16).upper()


def pending_status(cls, attr: str, pending_value: str) -> None:
    """Replace moto's plain `attr` attribute of `cls` by a property that
    reports `pending_value` until the object's `_kf_ready_at`
    (time.monotonic()) has passed, then whatever moto stored."""
    store = f"_kf_{attr}"

    def getter(self):
        if time.monotonic() < self.__dict__.get("_kf_ready_at", 0.0):
            return pending_value
        return self.__dict__.get(store)

    def setter(self, value):
        self.__dict__[store] = value

    setattr(cls, attr, property(getter, setter))


def mark_pending(obj, kind: str) -> None:
    seconds = pending_seconds(kind)
    obj._kf_started_at = time.monotonic()
    obj._kf_ready_at = obj._kf_started_at + seconds


def wrap(cls, name: str):
    """Decorator: replace method `cls.name` by f(original, self, ...)."""

    def decorator(func):
        original = getattr(cls, name)

        def wrapper(self, *args, **kwargs):
            return func(original, self, *args, **kwargs)

        wrapper.__name__ = name
        setattr(cls, name, wrapper)
        return func

    return decorator


def apply_endpoint(cluster) -> None:
    """Points a cluster at its emulated API server, if one was configured for its name."""
    with STATE_LOCK:
        url = EKS_ENDPOINTS.get(cluster.name)
    if url:
        cluster.endpoint = url
        cluster.certificate_authority = {}


def patch_moto() -> None:
    # ---- EKS ---------------------------------------------------------------
    # moto: clusters/nodegroups are ACTIVE at once; give them a CREATING phase.
    pending_status(Cluster, "status", "CREATING")
    pending_status(Nodegroup, "status", "CREATING")

    @wrap(EKSBackend, "describe_cluster")
    def describe_cluster(original, backend, name, *args, **kwargs):
        cluster = original(backend, name, *args, **kwargs)
        apply_endpoint(cluster)
        return cluster

    @wrap(EKSBackend, "create_cluster")
    def create_cluster(original, backend, name, role_arn, resources_vpc_config, *args, **kwargs):
        # moto: no vpcId, no cluster security group, and endpoint/OIDC issuer are
        # module-level constants shared by every cluster.  Real EKS derives the
        # VPC from the subnets and creates `eks-cluster-sg-<name>-<n>` in it.
        vpc_config = dict(resources_vpc_config or {})
        ec2 = ec2_backends[backend.account_id][backend.region_name]
        subnet_ids = vpc_config.get("subnetIds") or []
        try:
            vpc_ids = {ec2.get_subnet(s).vpc_id for s in subnet_ids}
        except Exception:
            raise eks_exceptions.InvalidParameterException(
                clusterName=name, message=f"One or more subnets in {subnet_ids} do not exist."
            )
        if len(vpc_ids) != 1:
            raise eks_exceptions.InvalidParameterException(
                clusterName=name, message="Subnets must all belong to one VPC."
            )
        cluster = original(backend, name, role_arn, vpc_config, *args, **kwargs)
        region = backend.region_name
        cluster.endpoint = f"https://{hex32()}.gr7.{region}.eks.amazonaws.com"
        apply_endpoint(cluster)
        cluster.identity = {"oidc": {"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{hex32()}"}}
        vpc_id = vpc_ids.pop()
        sg_name = f"eks-cluster-sg-{name}-{secrets.randbelow(10**10):010d}"
        sg = ec2.create_security_group(
            name=sg_name,
            description="EKS created security group applied to ENI that is attached to EKS "
            "Control Plane master nodes, as well as any managed workloads.",
            vpc_id=vpc_id,
            tags={"Name": sg_name, f"kubernetes.io/cluster/{name}": "owned", "aws:eks:cluster-name": name},
        )
        vpc_config.update(vpcId=vpc_id, clusterSecurityGroupId=sg.id)
        vpc_config.setdefault("securityGroupIds", [])
        vpc_config.setdefault("endpointPublicAccess", True)
        vpc_config.setdefault("endpointPrivateAccess", False)
        vpc_config.setdefault("publicAccessCidrs", ["0.0.0.0/0"])
        cluster.resources_vpc_config = vpc_config
        cluster.addons = {}  # EKS add-ons (see EksAddons), dropped with the cluster
        mark_pending(cluster, "eks_cluster")
        return cluster

    @wrap(EKSBackend, "delete_cluster")
    def delete_cluster(original, backend, name):
        cluster = original(backend, name)
        # Real EKS removes the cluster security group it created.
        try:
            ec2_backends[backend.account_id][backend.region_name].delete_security_group(
                group_id=cluster.resources_vpc_config["clusterSecurityGroupId"]
            )
        except Exception:
            pass
        return cluster

    @wrap(EKSBackend, "create_nodegroup")
    def create_nodegroup(original, backend, cluster_name, *args, **kwargs):
        nodegroup = original(backend, cluster_name, *args, **kwargs)
        # moto defaults the version to 1.19 and invents an SSH key "eksKeypair";
        # EKS uses the cluster's version and has no remote access unless asked.
        if not kwargs.get("version"):
            nodegroup.version = backend.clusters[cluster_name].version
            nodegroup.release_version = f"{nodegroup.version}.0-20240514"
        if not kwargs.get("remote_access"):
            nodegroup.remote_access = None
        mark_pending(nodegroup, "eks_nodegroup")
        return nodegroup

    # ---- S3 ----------------------------------------------------------------
    @wrap(S3Response, "get_bucket_versioning")
    def get_bucket_versioning(original, response, *args, **kwargs):
        # moto answers with a <GetBucketVersioningResponse> root; S3 (and so the Rust SDK's
        # parser) uses <VersioningConfiguration>.
        status, headers, body = original(response, *args, **kwargs)
        if isinstance(body, bytes):
            body = body.decode()
        body = body.replace("GetBucketVersioningResponse", "VersioningConfiguration")
        return status, headers, body

    @wrap(S3Backend, "get_bucket_encryption")
    def get_bucket_encryption(original, backend, bucket_name):
        # "By default, all buckets have a default encryption configuration that uses
        # server-side encryption with Amazon S3 managed keys (SSE-S3)." (GetBucketEncryption
        # API reference: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html)
        # moto answers ServerSideEncryptionConfigurationNotFoundError instead.  An SSE-KMS
        # configuration comes back with its KMSMasterKeyID and BucketKeyEnabled (moto
        # keeps both; ServerSideEncryptionRule data type).
        encryption = original(backend, bucket_name)
        if not encryption:
            return {"Rule": {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                             "BucketKeyEnabled": False}}
        return encryption

    # ---- Route 53 names ----------------------------------------------------
    @wrap(Route53Backend, "change_resource_record_sets")
    def change_resource_record_sets(original, backend, zoneid, change_list):
        for change in change_list:
            record_set = change.get("ResourceRecordSet") or {}
            if "Name" in record_set:
                record_set["Name"] = r53_stored_name(record_set["Name"])
        return original(backend, zoneid, change_list)

    @wrap(Route53Backend, "list_resource_record_sets")
    def list_resource_record_sets(original, backend, zone_id, start_type, start_name, max_items):
        if start_name:
            start_name = r53_stored_name(start_name)
        records, next_name, next_type, truncated = original(backend, zone_id, start_type, start_name, max_items)
        shown = []
        for record in records:
            record = copy.copy(record)
            record.name = r53_listed_name(record.name)
            shown.append(record)
        return shown, (r53_listed_name(next_name) if next_name else next_name), next_type, truncated

    # ---- RDS ---------------------------------------------------------------
    # moto: instances and snapshots are "available" at once.  A DB instance goes
    # through a list of timed phases (`_kf_phases`: [(monotonic end, status)]):
    # "creating", then for restores with backups enabled "backing-up", and
    # "modifying"/"backing-up" after enabling backups (see below).
    def instance_status(self):
        now = time.monotonic()
        for end, status in self.__dict__.get("_kf_phases", ()):
            if now < end:
                return status
        return self.__dict__.get("_kf_status")

    def set_instance_status(self, value):
        self.__dict__["_kf_status"] = value
        self.__dict__["_kf_phases"] = []  # an explicit status (stop, delete...) ends the phases

    DBInstance.status = property(instance_status, set_instance_status)
    pending_status(DBSnapshot, "status", "creating")

    def add_phases(database, *phases: tuple[str, float]) -> None:
        """Append timed phases after the instance's current ones."""
        start = max([time.monotonic()] + [end for end, _ in database.__dict__.get("_kf_phases", ())])
        out = list(database.__dict__.get("_kf_phases", ()))
        for status, seconds in phases:
            if seconds > 0:
                start += seconds
                out.append((start, status))
        database.__dict__["_kf_phases"] = out

    def percent_progress(snapshot) -> int:
        started = snapshot.__dict__.get("_kf_started_at")
        ready = snapshot.__dict__.get("_kf_ready_at")
        if started is None or ready <= started:
            return 100
        return max(0, min(100, int(100 * (time.monotonic() - started) / (ready - started))))

    DBSnapshot.percent_progress = property(percent_progress)  # moto has no PercentProgress

    # moto accepts EnablePerformanceInsights/PerformanceInsightsKMSKeyId/
    # PerformanceInsightsRetentionPeriod on CreateDBInstance and ModifyDBInstance but
    # drops or misnames them, so DescribeDBInstances never shows them.  The DBInstance
    # shape's members are PerformanceInsightsEnabled, PerformanceInsightsKMSKeyId and
    # PerformanceInsightsRetentionPeriod (RDS API reference, DBInstance data type:
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html).
    # The retention period defaults to 7 days when Performance Insights is on
    # (ModifyDBInstance API reference, PerformanceInsightsRetentionPeriod: "Default: 7 days").
    def pi_enabled(self):
        return bool(self.__dict__.get("enable_performance_insights"))

    def pi_retention(self):
        if not pi_enabled(self):
            return None
        return self.__dict__.get("_kf_pi_retention") or 7

    def set_pi_retention(self, value):
        self.__dict__["_kf_pi_retention"] = value

    def pi_key(self):
        return self.__dict__.get("_kf_pi_key") if pi_enabled(self) else None

    def set_pi_key(self, value):
        self.__dict__["_kf_pi_key"] = value

    DBInstance.performance_insights_enabled = property(pi_enabled)
    DBInstance.performance_insights_retention_period = property(pi_retention, set_pi_retention)
    DBInstance.performance_insights_kms_key_id = property(pi_key, set_pi_key)

    # PerformanceInsightsRetentionPeriod: "7, month * 31 (month 1-23), 731 ... If you
    # specify a retention period that isn't valid, such as 94, Amazon RDS returns an
    # error." (CreateDBInstance/ModifyDBInstance API reference.)
    def check_pi_retention(value) -> None:
        if value is None:
            return
        value = int(value)
        if not (value in (7, 731) or (value % 31 == 0 and 1 <= value // 31 <= 23)):
            raise RDSClientError(
                "InvalidParameterValue",
                f"Invalid Performance Insights retention period. Valid values are 7, month * 31 "
                f"(where month is a number of months from 1-23), and 731: {value}",
            )

    def backing_up_after_restore(database) -> None:
        # RDS now takes an immediate baseline backup of an instance restored from a
        # snapshot when automated backups are enabled: the instance goes "creating" ->
        # "backing-up" -> "available" (hashicorp/terraform-provider-aws#44104, "RDS
        # restore-from-snapshot immediately starts backing-up (enforced by AWS)").
        # "backing-up: The DB instance is currently being backed up" and is billed,
        # i.e. running and reachable (RDS User Guide, DB instance status:
        # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.DBInstance.Status.html).
        if (database.backup_retention_period or 0) > 0:
            add_phases(database, ("backing-up", pending_seconds("rds_backing_up")))

    @wrap(RDSBackend, "create_db_instance")
    def create_db_instance(original, backend, db_kwargs):
        # Also reached by RestoreDBInstanceFromDBSnapshot / ...ToPointInTime.
        check_pi_retention(db_kwargs.get("performance_insights_retention_period"))
        database = original(backend, db_kwargs)
        mark_pending(database, "rds_instance")
        database.__dict__["_kf_phases"] = [(database._kf_ready_at, "creating")]
        if db_kwargs.get("enable_performance_insights") is not None:
            database.enable_performance_insights = bool(db_kwargs["enable_performance_insights"])
        for key in ("performance_insights_kms_key_id", "performance_insights_retention_period"):
            if db_kwargs.get(key) is not None:
                setattr(database, key, db_kwargs[key])
        return database

    @wrap(RDSBackend, "create_db_snapshot")
    def create_db_snapshot(original, backend, db_instance_identifier, db_snapshot_identifier, *args, **kwargs):
        database = backend.databases.get(db_instance_identifier)
        snapshot_type = kwargs.get("snapshot_type", args[0] if args else "manual")
        if snapshot_type != "manual":  # moto's automated backups come through here too
            return original(backend, db_instance_identifier, db_snapshot_identifier, *args, **kwargs)
        if database is not None and database.db_cluster_identifier:
            # Real RDS refuses snapshots of Aurora cluster members (cevoaustralia/
            # aws-backup-lambda#5, RhinoSecurityLabs/pacu#259, cloud-custodian#313).
            raise RDSClientError(
                "InvalidParameterValue",
                "The specified instance is a member of a cluster and a snapshot cannot be created "
                "directly. Please use the CreateDBClusterSnapshot API instead.",
            )
        # Any status but "available" (creating, backing-up, modifying, ...) is refused;
        # also reached by DeleteDBInstance's final snapshot, which real RDS refuses the
        # same way (ministryofjustice/cloud-platform-user-guide#1842: "deleting RDS DB
        # Instance ...: InvalidDBInstanceState: Cannot create a snapshot because the
        # database instance ... is not currently in the available state.").
        if database is not None and database.status != "available":
            raise RDSClientError(
                "InvalidDBInstanceState",
                f"Cannot create a snapshot because the database instance {db_instance_identifier} "
                "is not currently in the available state.",
            )
        snapshot = original(backend, db_instance_identifier, db_snapshot_identifier, *args, **kwargs)
        if snapshot.snapshot_type == "manual":
            mark_pending(snapshot, "rds_snapshot")
        return snapshot

    @wrap(RDSBackend, "delete_db_instance")
    def delete_db_instance(original, backend, db_instance_identifier, final_db_snapshot_identifier=None,
                           skip_final_snapshot=False, *args, **kwargs):
        database = backend.databases.get(db_instance_identifier)
        if database is not None and not database.deletion_protection:
            if final_db_snapshot_identifier and database.db_cluster_identifier:
                # cloud-custodian/cloud-custodian#1153.
                raise RDSClientError(
                    "InvalidParameterCombination",
                    "FinalDBSnapshotIdentifier can not be specified when deleting a cluster instance",
                )
            if final_db_snapshot_identifier and database.is_replica:
                # cloud-custodian/cloud-custodian#417, fog/fog-aws#74.
                raise RDSClientError(
                    "InvalidParameterCombination",
                    "FinalDBSnapshotIdentifier can not be specified when deleting a replica instance",
                )
            if (not skip_final_snapshot and not final_db_snapshot_identifier
                    and not database.db_cluster_identifier and not database.is_replica):
                # SkipFinalSnapshot defaults to false, and then a name is required
                # (DeleteDBInstance API reference; the same RDS API answers for DocumentDB
                # in hashicorp/terraform-provider-aws#33539: "InvalidParameterCombination:
                # FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.").
                raise RDSClientError(
                    "InvalidParameterCombination",
                    "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.",
                )
        # moto takes the final snapshot through create_db_snapshot (above), so it is a
        # manual snapshot with its own "creating" phase, refused unless available.
        return original(backend, db_instance_identifier, final_db_snapshot_identifier, skip_final_snapshot,
                        *args, **kwargs)

    @wrap(RDSBackend, "modify_db_instance")
    def modify_db_instance(original, backend, db_instance_identifier, db_kwargs):
        database = backend.describe_db_instances(db_instance_identifier)[0]
        check_pi_retention(db_kwargs.get("performance_insights_retention_period"))
        before = database.backup_retention_period or 0
        wanted = db_kwargs.get("backup_retention_period")
        apply_now = bool(db_kwargs.get("apply_immediately"))
        pending = dict(database.__dict__.get("_kf_pending_modified") or {})
        if wanted is None and apply_now and "BackupRetentionPeriod" in pending:
            # ApplyImmediately: "the modifications in this request and any pending
            # modifications are asynchronously applied as soon as possible" (ModifyDBInstance).
            wanted = pending["BackupRetentionPeriod"]
            db_kwargs = dict(db_kwargs, backup_retention_period=wanted)
        if wanted is not None and (int(wanted) == 0) != (before == 0) and not apply_now:
            # "These changes are applied during the next maintenance window unless the
            # ApplyImmediately parameter is enabled for this request. If you change the
            # parameter from one non-zero value to another non-zero value, the change is
            # asynchronously applied as soon as possible." (ModifyDBInstance API
            # reference, BackupRetentionPeriod).  Until then it is a pending modification.
            pending["BackupRetentionPeriod"] = int(wanted)
            db_kwargs = {k: v for k, v in db_kwargs.items() if k != "backup_retention_period"}
        database = original(backend, db_instance_identifier, db_kwargs)
        if "enable_performance_insights" in db_kwargs and db_kwargs["enable_performance_insights"] is not None:
            database.enable_performance_insights = bool(db_kwargs["enable_performance_insights"])
        if "backup_retention_period" in db_kwargs and wanted is not None:
            pending.pop("BackupRetentionPeriod", None)
            if before == 0 and int(wanted) > 0:
                # Enabling backups (0 -> N) applied now: the instance is "modifying",
                # then takes its first backup ("backing-up") and stays usable (RDS DB
                # instance status docs above; BackupRetentionPeriod: "Enabling and
                # disabling backups can result in a brief I/O suspension").
                add_phases(database, ("modifying", pending_seconds("rds_modifying")),
                           ("backing-up", pending_seconds("rds_backing_up")))
            elif before > 0 and int(wanted) == 0:
                add_phases(database, ("modifying", pending_seconds("rds_modifying")))
        database.__dict__["_kf_pending_modified"] = pending
        return database

    # PendingModifiedValues (DBInstance data type) lists changes not applied yet.
    DBInstance.pending_modified_values = property(
        lambda self: self.__dict__.get("_kf_pending_modified") or None)

    @wrap(RDSBackend, "restore_db_instance_from_db_snapshot")
    def restore_db_instance_from_db_snapshot(original, backend, from_snapshot_id, overrides):
        snapshot_id = from_snapshot_id.split(":")[-1] if from_snapshot_id.startswith("arn:") else from_snapshot_id
        snapshot = backend.database_snapshots.get(snapshot_id.lower())
        if snapshot is not None and snapshot.status != "available":
            raise RDSClientError(
                "InvalidDBSnapshotState", f"Snapshot {snapshot_id} is not in available state."
            )
        if snapshot is not None and not overrides.get("vpc_security_group_ids"):
            # VpcSecurityGroupIds "Default: The default EC2 VPC security group for the DB
            # subnet group's VPC." (RestoreDBInstanceFromDBSnapshot API reference); moto
            # takes the default VPC's default group instead.
            subnet_group_name = overrides.get("db_subnet_group_name") or getattr(
                snapshot.database.__dict__.get("db_subnet_group"), "name", None)
            group = backend.subnet_groups.get(subnet_group_name) if subnet_group_name else None
            vpc_id = getattr(group, "vpc_id", None)
            if vpc_id:
                ec2 = ec2_backends[backend.account_id][backend.region_name]
                overrides = dict(overrides, vpc_security_group_ids=[ec2.get_default_security_group(vpc_id).id])
        database = original(backend, from_snapshot_id, overrides)
        # moto applies only truthy overrides, so an explicit MultiAZ=false,
        # PubliclyAccessible=false, DeletionProtection=false ... is replaced by
        # the source instance's value.  Apply the explicit falsy ones.
        for key, value in overrides.items():
            if value is not None and not value and hasattr(database, key) and not isinstance(value, (list, dict)):
                setattr(database, key, value)
        # A snapshot does not carry storage autoscaling or Performance Insights:
        # RestoreDBInstanceFromDBSnapshot has no MaxAllocatedStorage nor
        # EnablePerformanceInsights/PerformanceInsights* parameters (API reference), and
        # tools set them with a ModifyDBInstance after the restore
        # (hashicorp/terraform-provider-aws#47742: "The post-restore ModifyDBInstance call
        # correctly sent all Performance Insights settings").  moto drops
        # MaxAllocatedStorage already; drop the Performance Insights settings too.
        for key in ("enable_performance_insights", "_kf_pi_key", "_kf_pi_retention"):
            database.__dict__.pop(key, None)
        database.__dict__.pop("_kf_pending_modified", None)
        backing_up_after_restore(database)
        return database

    # ---- EFS ---------------------------------------------------------------
    # moto: file systems are "available" at once.  FileSystem.info_json() reads
    # __dict__ directly, so patch its output rather than the attribute.
    @wrap(FileSystem, "info_json")
    def info_json(original, file_system):
        info = original(file_system)
        if time.monotonic() < file_system.__dict__.get("_kf_ready_at", 0.0):
            info["LifeCycleState"] = "creating"
        return info

    @wrap(EFSBackend, "create_file_system")
    def create_file_system(original, backend, *args, **kwargs):
        file_system = original(backend, *args, **kwargs)
        mark_pending(file_system, "efs")
        return file_system

    # ---- Route 53 ----------------------------------------------------------
    @wrap(Route53Backend, "create_hosted_zone")
    def create_hosted_zone(original, backend, *args, **kwargs):
        zone = original(backend, *args, **kwargs)
        # moto stores the SOA record's values as {"Value": ...} dicts where
        # RecordSet expects strings, so ListResourceRecordSets returned the
        # dict's repr as the SOA value.
        for rrset in zone.rrsets:
            rrset.records = [r["Value"] if isinstance(r, dict) else r for r in rrset.records]
        return zone


# Route 53 names (Route 53 Developer Guide, DNS domain name format:
# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html):
# "Amazon Route 53 stores alphabetic characters as lowercase letters (a-z),
# regardless of how you specify them: as uppercase letters, lowercase letters, or
# the corresponding letters in escape codes", and "If the domain name includes any
# characters other than a to z, 0 to 9, - (hyphen), or _ (underscore), Route 53 API
# actions return the characters as escape codes in the format \three-digit octal
# code" - so "*.example.com" is listed as "\052.example.com".  Requests may use
# either form.
R53_ESCAPE = re.compile(r"\\([0-7]{3})")
R53_PLAIN = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


def r53_stored_name(name: str) -> str:
    """A name as Route 53 keeps it: printable escapes decoded (except \\056, a
    period inside a label), letters lower-cased."""
    def decode(match):
        code = int(match.group(1), 8)
        if 33 <= code <= 126 and code != 0o56 and code != 0o134:
            return chr(code)
        return match.group(0)
    return R53_ESCAPE.sub(decode, name).lower()


def r53_listed_name(name: str) -> str:
    out, i = [], 0
    while i < len(name):
        match = R53_ESCAPE.match(name, i)
        if match:  # already an escape code (e.g. \056, \040)
            out.append(match.group(0))
            i = match.end()
            continue
        char = name[i]
        out.append(char if char in R53_PLAIN or char == "." else f"\\{ord(char):03o}")
        i += 1
    return "".join(out)


# --------------------------------------------------------------------------
# EKS add-ons (moto has none)
# --------------------------------------------------------------------------

CLUSTER_VERSIONS = ["1.27", "1.28", "1.29", "1.30", "1.31", "1.32"]
ADDON_CATALOG = {
    # name -> (type, [versions, newest first]); the first is the default.
    "vpc-cni": ("networking", ["v1.19.2-eksbuild.1", "v1.18.3-eksbuild.1"]),
    "coredns": ("networking", ["v1.11.3-eksbuild.1", "v1.11.1-eksbuild.9"]),
    "kube-proxy": ("networking", None),  # one version per Kubernetes minor
    "aws-ebs-csi-driver": ("storage", ["v1.37.0-eksbuild.1", "v1.35.0-eksbuild.1"]),
    "aws-efs-csi-driver": ("storage", ["v2.1.0-eksbuild.1", "v2.0.7-eksbuild.1"]),
}


def addon_versions(name: str, cluster_version: str | None = None) -> list[dict]:
    addon_type, versions = ADDON_CATALOG[name]
    out = []
    if versions is None:  # kube-proxy follows the cluster version
        for kv in CLUSTER_VERSIONS:
            if cluster_version in (None, kv):
                out.append(
                    {
                        "addonVersion": f"v{kv}.0-eksbuild.1",
                        "architecture": ["amd64", "arm64"],
                        "compatibilities": [{"clusterVersion": kv, "platformVersions": ["*"], "defaultVersion": True}],
                        "requiresConfiguration": False,
                    }
                )
        return out
    for i, version in enumerate(versions):
        out.append(
            {
                "addonVersion": version,
                "architecture": ["amd64", "arm64"],
                "compatibilities": [
                    {"clusterVersion": kv, "platformVersions": ["*"], "defaultVersion": i == 0}
                    for kv in CLUSTER_VERSIONS
                    if cluster_version in (None, kv)
                ],
                "requiresConfiguration": False,
            }
        )
    return out


class EksAddons:
    """CreateAddon, DescribeAddon, ListAddons, UpdateAddon, DeleteAddon and
    DescribeAddonVersions, stored on moto's Cluster objects."""

    OPERATIONS = ("CreateAddon", "DescribeAddon", "ListAddons", "UpdateAddon", "DeleteAddon", "DescribeAddonVersions")
    PATH_RE = re.compile(r"^/clusters/(?P<cluster>[^/]+)/addons(?:/(?P<addon>[^/]+))?(?:/update)?$")

    def handle(self, operation: str, region: str, method: str, path: str, query: dict, body: dict):
        if operation == "DescribeAddonVersions":
            return self.describe_addon_versions(query)
        match = self.PATH_RE.match(path)
        cluster = self.cluster(region, unquote(match.group("cluster")))
        addon_name = unquote(match.group("addon")) if match.group("addon") else None
        if operation == "CreateAddon":
            return self.create(cluster, region, body)
        if operation == "ListAddons":
            return {"addons": sorted(cluster.addons)}
        addon = cluster.addons.get(addon_name)
        if addon is None:
            raise ApiError(404, "ResourceNotFoundException", f"No addon: {addon_name} found in cluster: {cluster.name}")
        if operation == "DescribeAddon":
            return {"addon": self.view(addon)}
        if operation == "UpdateAddon":
            return self.update(cluster, addon, body)
        if operation == "DeleteAddon":
            del cluster.addons[addon_name]
            return {"addon": dict(self.view(addon), status="DELETING")}
        raise ApiError(400, "InvalidRequestException", f"{operation} is not emulated")

    @staticmethod
    def cluster(region: str, name: str):
        cluster = eks_backends[ACCOUNT_ID][region].clusters.get(name)
        if cluster is None:
            raise ApiError(404, "ResourceNotFoundException", f"No cluster found for name: {name}.")
        return cluster

    @staticmethod
    def view(addon: dict) -> dict:
        shown = {k: v for k, v in addon.items() if not k.startswith("_")}
        if time.monotonic() < addon["_ready_at"]:
            shown["status"] = addon["_pending_status"]
        return shown

    def create(self, cluster, region: str, body: dict):
        name = body.get("addonName")
        if name not in ADDON_CATALOG:
            raise ApiError(400, "InvalidParameterException", f"Addon {name} specified is not supported")
        if cluster.status != "ACTIVE":
            raise ApiError(400, "InvalidRequestException", f"Cluster {cluster.name} is not in ACTIVE state")
        if name in cluster.addons:
            raise ApiError(409, "ResourceInUseException", f"Addon already exists with name: {name}")
        versions = [v["addonVersion"] for v in addon_versions(name, cluster.version)]
        version = body.get("addonVersion") or (versions[0] if versions else None)
        if version not in versions:
            raise ApiError(400, "InvalidParameterException", f"Addon version {version} is not supported for {name}")
        now = time.time()
        addon = {
            "addonName": name,
            "clusterName": cluster.name,
            "status": "ACTIVE",
            "addonVersion": version,
            "health": {"issues": []},
            "addonArn": f"arn:aws:eks:{region}:{ACCOUNT_ID}:addon/{cluster.name}/{name}/{uuid.uuid4()}",
            "createdAt": now,
            "modifiedAt": now,
            "tags": body.get("tags") or {},
            "_ready_at": time.monotonic() + pending_seconds("eks_addon"),
            "_pending_status": "CREATING",
        }
        for key in ("serviceAccountRoleArn", "configurationValues", "podIdentityAssociations"):
            if body.get(key) is not None:
                addon[key] = body[key]
        cluster.addons[name] = addon
        return {"addon": self.view(addon)}

    def update(self, cluster, addon: dict, body: dict):
        if time.monotonic() < addon["_ready_at"]:
            raise ApiError(400, "InvalidRequestException", f"Addon {addon['addonName']} is not in ACTIVE state")
        params = []
        if body.get("addonVersion"):
            versions = [v["addonVersion"] for v in addon_versions(addon["addonName"], cluster.version)]
            if body["addonVersion"] not in versions:
                raise ApiError(400, "InvalidParameterException", f"Addon version {body['addonVersion']} is not supported")
            addon["addonVersion"] = body["addonVersion"]
            params.append({"type": "AddonVersion", "value": body["addonVersion"]})
        for key, param in (("serviceAccountRoleArn", "ServiceAccountRoleArn"), ("configurationValues", "ConfigurationValues")):
            if body.get(key) is not None:
                addon[key] = body[key]
                params.append({"type": param, "value": body[key]})
        if body.get("resolveConflicts"):
            params.append({"type": "ResolveConflicts", "value": body["resolveConflicts"]})
        addon["modifiedAt"] = time.time()
        addon["_ready_at"] = time.monotonic() + pending_seconds("eks_addon")
        addon["_pending_status"] = "UPDATING"
        return {
            "update": {
                "id": str(uuid.uuid4()),
                "status": "Successful" if pending_seconds("eks_addon") == 0 else "InProgress",
                "type": "AddonUpdate",
                "params": params,
                "createdAt": time.time(),
                "errors": [],
            }
        }

    @staticmethod
    def describe_addon_versions(query: dict):
        names = [query["addonName"][0]] if "addonName" in query else list(ADDON_CATALOG)
        kube_version = query.get("kubernetesVersion", [None])[0]
        addons = []
        for name in names:
            if name not in ADDON_CATALOG:
                continue
            addons.append(
                {
                    "addonName": name,
                    "type": ADDON_CATALOG[name][0],
                    "addonVersions": addon_versions(name, kube_version),
                    "publisher": "eks",
                    "owner": "aws",
                }
            )
        return {"addons": addons}


# --------------------------------------------------------------------------
# DataSync (replaces moto's, which lacks EFS locations, execution details,
# and does not move data)
# --------------------------------------------------------------------------

DEFAULT_TASK_OPTIONS = {
    "VerifyMode": "POINT_IN_TIME_CONSISTENT",
    "OverwriteMode": "ALWAYS",
    "Atime": "BEST_EFFORT",
    "Mtime": "PRESERVE",
    "Uid": "INT_VALUE",
    "Gid": "INT_VALUE",
    "PreserveDeletedFiles": "PRESERVE",
    "PreserveDevices": "NONE",
    "PosixPermissions": "PRESERVE",
    "BytesPerSecond": -1,
    "TaskQueueing": "ENABLED",
    "LogLevel": "OFF",
    "TransferMode": "CHANGED",
    "SecurityDescriptorCopyFlags": "NONE",
    "ObjectTags": "PRESERVE",
}

# Fractions of the execution duration at which each phase ends.
EXECUTION_PHASES = [
    ("QUEUED", 0.05),
    ("LAUNCHING", 0.15),
    ("PREPARING", 0.30),
    ("TRANSFERRING", 0.85),
    ("VERIFYING", 1.0),
]
PHASE_END = dict(EXECUTION_PHASES)
PHASE_ORDER = [p for p, _ in EXECUTION_PHASES]
# Simulated transfer of executions that do not copy between S3 buckets.
SIMULATED_FILES = [("file-1", 1024), ("file-2", 2048), ("file-3", 3072)]
NFS_PORT = 2049

# Execution errors.  DataSync does not publish its list of TaskExecutionResultDetail
# ErrorCode values (the API reference types it as a plain string), so the codes
# below are this emulator's; the details quote what the real service reports.
VERIFICATION_FAILED = (
    "SyncTaskErrorVerificationFailed",
    # AWS DataSync User Guide, "Troubleshooting issues with DataSync task verification"
    # (https://docs.aws.amazon.com/datasync/latest/userguide/troubleshooting-task-verification.html):
    # the error a task execution finishes with when files were modified during the transfer.
    "Transfer and verification completed. Verification detected mismatches. Files with mismatches "
    "are listed in Cloud Watch Logs",
)

# File systems written to (POST /_kf/datasync/efs-write): file system id -> monotonic times.
EFS_WRITES: dict[str, list[float]] = {}


def short_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(9)[:17]}"


def _arn_id(arn: str) -> str:
    return (arn or "").rsplit("/", 1)[-1]


def _arn_region(arn: str, default: str) -> str:
    parts = (arn or "").split(":")
    return parts[3] if len(parts) > 3 and parts[3] else default


# ---- IAM/KMS authorization ------------------------------------------------
# A simple evaluation of the IAM policy logic (IAM User Guide, "Policy evaluation
# logic": https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
# an explicit Deny in any applicable policy wins; otherwise access needs an Allow.
# For a KMS key in the same account the key policy decides: it may allow the role
# itself, or allow the account ("arn:aws:iam::<account>:root"), which delegates to the
# principal's IAM policies, as the default key policy does (AWS KMS Developer Guide,
# "Default key policy": https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
# Statements with a Condition are not evaluated: an Allow with a condition grants
# nothing here and a Deny with a condition applies (never more lenient than AWS).

def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _glob(pattern: str, value: str, ignore_case: bool) -> bool:
    regex = "^" + ".*".join(re.escape(part).replace(r"\?", ".") for part in pattern.split("*")) + "$"
    return re.match(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _statement_matches(stmt: dict, action: str, resource: str) -> bool:
    if "Action" in stmt:
        ok = any(_glob(a, action, True) for a in _as_list(stmt["Action"]))
    else:
        ok = not any(_glob(a, action, True) for a in _as_list(stmt.get("NotAction")))
    if not ok:
        return False
    if "Resource" in stmt:
        # Only the key ARN (or a pattern matching it) names a key: "When an alias is the
        # value of a resource element, the policy applies to the alias resource, not to
        # any KMS key that might be associated with it." (AWS KMS Developer Guide, "Use
        # aliases to control access to KMS keys":
        # https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html)
        return any(_glob(r, resource, False) for r in _as_list(stmt["Resource"]))
    return not any(_glob(r, resource, False) for r in _as_list(stmt.get("NotResource")))


def _statements(document) -> list[dict]:
    if isinstance(document, str):
        try:
            document = json.loads(unquote(document) if document.startswith("%7B") else document)
        except ValueError:
            return []
    return [s for s in _as_list((document or {}).get("Statement")) if isinstance(s, dict)]


def _role_statements(role) -> list[dict]:
    out = []
    for document in role.policies.values():  # inline
        out += _statements(document)
    for policy in role.managed_policies.values():  # attached
        for version in policy.versions:
            if getattr(version, "is_default", False) or version.version_id == policy.default_version_id:
                out += _statements(version.document)
                break
    return out


def _principal_kind(stmt: dict, role_arn: str, account: str) -> str | None:
    """'role' if the key policy statement names the role (or anyone), 'account' if it
    names the account, else None."""
    principal = stmt.get("Principal")
    if principal == "*":
        return "role"
    values = _as_list(principal.get("AWS")) if isinstance(principal, dict) else []
    if "*" in values or role_arn in values:
        return "role"
    if account in values or f"arn:aws:iam::{account}:root" in values:
        return "account"
    return None


def kms_denial(role_arn: str, action: str, key) -> str | None:
    """None if `role_arn` may call `action` on the KMS `key`, else the reason as KMS
    words it (e.g. slashdevops/idp-scim-sync#540: "... is not authorized to perform:
    kms:Decrypt on resource: arn:aws:kms:... because no identity-based policy allows the
    kms:Decrypt action"; data-dot-all/dataall#994: "... because no resource-based policy
    allows the kms:DescribeKey action")."""
    account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ACCOUNT_ID
    prefix = f"User: {role_arn} is not authorized to perform: {action} on resource: {key.arn}"
    try:
        role = iam_backends[account]["aws"].get_role(_arn_id(role_arn))
    except Exception:
        return f"{prefix} because no identity-based policy allows the {action} action"
    identity = [s for s in _role_statements(role) if _statement_matches(s, action, key.arn)]
    key_stmts = [s for s in _statements(key.policy) if _statement_matches(s, action, key.arn)
                 and _principal_kind(s, role_arn, account)]
    if any(s.get("Effect") == "Deny" for s in identity):
        return f"{prefix} with an explicit deny in an identity-based policy"
    if any(s.get("Effect") == "Deny" for s in key_stmts):
        return f"{prefix} with an explicit deny in a resource-based policy"
    allows = [s for s in key_stmts if s.get("Effect") == "Allow" and "Condition" not in s]
    if any(_principal_kind(s, role_arn, account) == "role" for s in allows):
        return None
    if not any(_principal_kind(s, role_arn, account) == "account" for s in allows):
        return f"{prefix} because no resource-based policy allows the {action} action"
    if any(s.get("Effect") == "Allow" and "Condition" not in s for s in identity):
        return None
    return f"{prefix} because no identity-based policy allows the {action} action"


def _kms_key(key_id: str, region: str):
    """The moto KMS key named by an id, key ARN, alias name or alias ARN (or None)."""
    backend = kms_backends[ACCOUNT_ID][_arn_region(key_id, region)]
    try:
        return backend.keys.get(backend.any_id_to_key_id(key_id))
    except Exception:
        return None


# ---- Security groups ------------------------------------------------------

def _rule_allows(rule, *, group: str | None, cidr: str | None) -> bool:
    """Whether an EC2 security group rule admits TCP port 2049 from/to the group
    `group` (a UserIdGroupPair rule) or from/to every address of `cidr`."""
    if rule.ip_protocol not in ("-1", "tcp"):
        return False
    if rule.ip_protocol == "tcp" and not (rule.from_port <= NFS_PORT <= rule.to_port):
        return False
    if group and rule.source_group and rule.source_group.get("GroupId") == group:
        return True
    if cidr and rule.ip_range.get("CidrIp"):
        try:
            return ipaddress.ip_network(cidr).subnet_of(ipaddress.ip_network(rule.ip_range["CidrIp"]))
        except (TypeError, ValueError):
            return False
    return False


class DataSync:
    def __init__(self):
        self.lock = threading.RLock()
        self.locations: dict[str, dict] = {}
        self.tasks: dict[str, dict] = {}
        self.executions: dict[str, dict] = {}
        self.tags: dict[str, list] = {}

    def handle(self, operation: str, region: str, body: dict):
        method = getattr(self, "op_" + re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower(), None)
        if method is None:
            raise ApiError(400, "InvalidRequestException", f"DataSync {operation} is not emulated")
        with self.lock:
            return method(region, body)

    # ---- locations ------------------------------------------------------
    def _location(self, arn: str, kind: str | None = None) -> dict:
        location = self.locations.get(arn)
        if location is None or (kind and location["type"] != kind):
            raise ApiError(400, "InvalidRequestException", f"Location {arn} is not found.")
        return location

    def _new_location(self, region: str, kind: str, uri: str, details: dict, body: dict) -> dict:
        arn = f"arn:aws:datasync:{region}:{ACCOUNT_ID}:location/{short_id('loc')}"
        self.locations[arn] = {"arn": arn, "type": kind, "uri": uri, "created": time.time(),
                               "region": region, **details}
        self.tags[arn] = list(body.get("Tags") or [])
        return {"LocationArn": arn}

    @staticmethod
    def _subdir(body: dict) -> str:
        sub = (body.get("Subdirectory") or "/").strip("/")
        return f"{sub}/" if sub else ""

    def op_create_location_s3(self, region, body):
        bucket = body["S3BucketArn"].split(":")[-1]
        sub = self._subdir(body)
        if bucket not in s3_backends[ACCOUNT_ID]["aws"].buckets:
            raise ApiError(400, "InvalidRequestException", f"Bucket {bucket} does not exist")
        details = {
            "bucket": bucket,
            "subdir": sub,
            "S3Config": body.get("S3Config") or {},
            "S3StorageClass": body.get("S3StorageClass") or "STANDARD",
        }
        return self._new_location(region, "S3", f"s3://{bucket}/{sub}", details, body)

    def op_describe_location_s3(self, region, body):
        loc = self._location(body["LocationArn"], "S3")
        return {
            "LocationArn": loc["arn"],
            "LocationUri": loc["uri"],
            "S3StorageClass": loc["S3StorageClass"],
            "S3Config": loc["S3Config"],
            "CreationTime": loc["created"],
        }

    @staticmethod
    def _efs_mount_targets(region: str, fs_id: str, subnet) -> list:
        """The file system's available mount targets in the subnet's VPC and AZ."""
        backend = efs_backends[ACCOUNT_ID][region]
        file_system = backend.file_systems_by_id.get(fs_id)
        # A file system that is still "creating" has no available mount target
        # (aws/aws-cdk#16826: creating the location while the file system is creating
        # fails with "No available mount targets for <fs ID> found in <subnet ID>").
        if file_system is None or time.monotonic() < file_system.__dict__.get("_kf_ready_at", 0.0):
            return []
        return [
            mt for mt in backend.mount_targets_by_id.values()
            if mt.file_system_id == fs_id and mt.life_cycle_state == "available"
            and mt.vpc_id == subnet.vpc_id and mt.availability_zone_name == subnet.availability_zone
        ]

    def op_create_location_efs(self, region, body):
        fs_arn = body["EfsFilesystemArn"]
        fs_id = fs_arn.split("/")[-1]
        sub = self._subdir(body)
        details = {
            "subdir": sub,
            "fs_id": fs_id,
            "EfsFilesystemArn": fs_arn,
            "Ec2Config": body.get("Ec2Config") or {},
            "AccessPointArn": body.get("AccessPointArn"),
            "FileSystemAccessRoleArn": body.get("FileSystemAccessRoleArn"),
            "InTransitEncryption": body.get("InTransitEncryption") or "NONE",
        }
        if not details["Ec2Config"].get("SubnetArn") or not details["Ec2Config"].get("SecurityGroupArns"):
            raise ApiError(400, "InvalidRequestException", "Ec2Config.SubnetArn and SecurityGroupArns are required")
        subnet_id = _arn_id(details["Ec2Config"]["SubnetArn"])
        try:
            subnet = ec2_backends[ACCOUNT_ID][region].get_subnet(subnet_id)
        except Exception:
            raise ApiError(400, "InvalidRequestException", f"Subnet {subnet_id} does not exist")
        # "The subnet that you specify must be located: In the same VPC as your file
        # system. In the same Availability Zone as at least one mount target for your file
        # system." (DataSync User Guide, "Configuring AWS DataSync transfers with Amazon
        # EFS": https://docs.aws.amazon.com/datasync/latest/userguide/create-efs-location.html)
        # CreateLocationEfs checks it: aws-cloudformation/cloudformation-coverage-roadmap#971
        # ("No valid mount targets for EFS filesystem arn:...") and aws/aws-cdk#16826.
        if not self._efs_mount_targets(region, fs_id, subnet):
            raise ApiError(400, "InvalidRequestException",
                           f"No available mount targets for {fs_id} found in {subnet_id}.")
        return self._new_location(region, "EFS", f"efs://{region}.{fs_id}/{sub}", details, body)

    def op_describe_location_efs(self, region, body):
        loc = self._location(body["LocationArn"], "EFS")
        out = {
            "LocationArn": loc["arn"],
            "LocationUri": loc["uri"],
            "Ec2Config": loc["Ec2Config"],
            "InTransitEncryption": loc["InTransitEncryption"],
            "CreationTime": loc["created"],
        }
        for key in ("AccessPointArn", "FileSystemAccessRoleArn"):
            if loc[key]:
                out[key] = loc[key]
        return out

    @staticmethod
    def _filtered(items: list[dict], filters: list[dict], fields: dict) -> list[dict]:
        for flt in filters or []:
            field, values, op = fields.get(flt["Name"]), flt["Values"], flt["Operator"]
            if field is None:
                raise ApiError(400, "InvalidRequestException", f"Unsupported filter {flt['Name']}")
            tests = {
                "Equals": lambda v: v in values,
                "NotEquals": lambda v: v not in values,
                "In": lambda v: v in values,
                "Contains": lambda v: any(x in v for x in values),
                "NotContains": lambda v: not any(x in v for x in values),
                "BeginsWith": lambda v: any(v.startswith(x) for x in values),
            }
            items = [i for i in items if tests[op](str(i[field]))]
        return items

    def op_list_locations(self, region, body):
        locations = self._filtered(
            list(self.locations.values()), body.get("Filters"), {"LocationUri": "uri", "LocationType": "type"}
        )
        return {"Locations": [{"LocationArn": loc["arn"], "LocationUri": loc["uri"]} for loc in locations]}

    def op_delete_location(self, region, body):
        self._location(body["LocationArn"])
        del self.locations[body["LocationArn"]]
        self.tags.pop(body["LocationArn"], None)
        return {}

    # ---- tasks ----------------------------------------------------------
    def _task(self, arn: str) -> dict:
        task = self.tasks.get(arn)
        if task is None:
            raise ApiError(400, "InvalidRequestException", f"Sync task {arn} is not found.")
        return task

    @staticmethod
    def _validate_options(options: dict) -> dict:
        """The Options data type's constraints (DataSync API reference, Options:
        https://docs.aws.amazon.com/datasync/latest/userguide/API_Options.html)."""
        shape = service_model("datasync").shape_for("Options")
        for key, value in options.items():
            member = shape.members.get(key)
            if member is None:
                raise ApiError(400, "InvalidRequestException", f"Unknown option {key}")
            enum = getattr(member, "enum", None)
            if enum and value not in enum:
                raise ApiError(400, "InvalidRequestException",
                               f"Invalid value {value!r} for {key}; valid values: {enum}")
        # BytesPerSecond: "Valid Range: Minimum value of -1" (-1: no limit).
        bps = options.get("BytesPerSecond", -1)
        if isinstance(bps, bool) or not isinstance(bps, int) or bps < -1:
            raise ApiError(400, "InvalidRequestException",
                           f"Invalid value {bps!r} for BytesPerSecond: minimum value is -1")
        # PreserveDeletedFiles: "If you set this parameter to REMOVE, you can't set
        # TransferMode to ALL. When you transfer all data, DataSync doesn't scan your
        # destination location and doesn't know what to delete."
        if options.get("PreserveDeletedFiles") == "REMOVE" and options.get("TransferMode") == "ALL":
            raise ApiError(400, "InvalidRequestException",
                           "PreserveDeletedFiles REMOVE can't be used with TransferMode ALL")
        return options

    def op_create_task(self, region, body):
        source = self._location(body["SourceLocationArn"])
        destination = self._location(body["DestinationLocationArn"])
        options = self._validate_options({**DEFAULT_TASK_OPTIONS, **(body.get("Options") or {})})
        arn = f"arn:aws:datasync:{region}:{ACCOUNT_ID}:task/{short_id('task')}"
        self.tasks[arn] = {
            "TaskArn": arn,
            "Name": body.get("Name") or "",
            "SourceLocationArn": source["arn"],
            "DestinationLocationArn": destination["arn"],
            "CloudWatchLogGroupArn": body.get("CloudWatchLogGroupArn"),
            "Options": options,
            "Excludes": body.get("Excludes") or [],
            "Includes": body.get("Includes") or [],
            "CreationTime": time.time(),
            "CurrentTaskExecutionArn": None,
        }
        self.tags[arn] = list(body.get("Tags") or [])
        return {"TaskArn": arn}

    def _task_status(self, task: dict) -> str:
        current = self.executions.get(task["CurrentTaskExecutionArn"] or "")
        if current is not None and self._advance(current)["Status"] not in ("SUCCESS", "ERROR"):
            return "RUNNING"
        return "AVAILABLE"

    def op_describe_task(self, region, body):
        task = self._task(body["TaskArn"])
        out = {k: v for k, v in task.items() if v is not None}
        out["Status"] = self._task_status(task)
        return out

    def op_list_tasks(self, region, body):
        tasks = [dict(t, Status=self._task_status(t)) for t in self.tasks.values()]
        tasks = self._filtered(tasks, body.get("Filters"), {"LocationId": "SourceLocationArn", "Name": "Name"})
        return {"Tasks": [{"TaskArn": t["TaskArn"], "Status": t["Status"], "Name": t["Name"]} for t in tasks]}

    def op_update_task(self, region, body):
        task = self._task(body["TaskArn"])
        if body.get("Options"):
            task["Options"] = self._validate_options({**task["Options"], **body["Options"]})
        for key in ("Name", "CloudWatchLogGroupArn", "Excludes", "Includes"):
            if key in body:
                task[key] = body[key]
        return {}

    def op_delete_task(self, region, body):
        self._task(body["TaskArn"])
        del self.tasks[body["TaskArn"]]
        self.tags.pop(body["TaskArn"], None)
        return {}

    # ---- executions -----------------------------------------------------
    def op_start_task_execution(self, region, body):
        task = self._task(body["TaskArn"])
        if self._task_status(task) == "RUNNING":
            raise ApiError(
                400,
                "InvalidRequestException",
                f"Cannot start a new task execution while {task['CurrentTaskExecutionArn']} is running.",
            )
        source = self.locations[task["SourceLocationArn"]]
        destination = self.locations[task["DestinationLocationArn"]]
        options = self._validate_options({**task["Options"], **(body.get("OverrideOptions") or {})})
        fault = take_fault("DataSyncExecution", " ".join([task["TaskArn"], source["uri"], destination["uri"]]))
        arn = f"{task['TaskArn']}/execution/{short_id('exec')}"
        plan = self._plan(source, destination, options)
        duration = (pending_seconds(f"datasync_execution_{source['uri'].split(':', 1)[0]}")
                    or pending_seconds("datasync_execution"))
        bps = options.get("BytesPerSecond", -1)
        if bps and bps > 0:
            # BytesPerSecond "Limits the bandwidth used by a DataSync task" (Options API
            # reference): the TRANSFERRING share of the run lasts at least bytes / limit.
            share = PHASE_END["TRANSFERRING"] - PHASE_END["PREPARING"]
            duration = max(duration, plan["bytes"] / bps / share)
        execution = {
            "TaskExecutionArn": arn,
            "task": task["TaskArn"],
            "source": source,
            "destination": destination,
            "Options": options,
            "Excludes": body.get("Excludes") or task["Excludes"],
            "Includes": body.get("Includes") or task["Includes"],
            "StartTime": time.time(),
            "started": time.monotonic(),
            "duration": duration,
            "fault": fault,
            # Failures decided when the execution starts: (phase it fails in, code, detail).
            "failure": self._mount_failure(source) or self._mount_failure(destination)
            or self._kms_failure(source, destination, plan),
            "plan": plan,
            # What the source looked like when the execution started (POINT_IN_TIME_CONSISTENT).
            "source_listing": self._listing(source),
            "Status": "QUEUED",
            "done": False,
        }
        self.executions[arn] = execution
        task["CurrentTaskExecutionArn"] = arn
        self._advance(execution)
        if not execution["done"]:  # finish (and copy) even if nobody polls
            self._finish_at(arn, execution["duration"])
        return {"TaskExecutionArn": arn}

    def _finish_at(self, arn: str, delay: float) -> None:
        timer = threading.Timer(delay + 0.05, self._finish_later, args=(arn,))
        timer.daemon = True
        timer.start()

    def _finish_later(self, arn: str) -> None:
        with self.lock:
            self._advance(self.executions[arn])

    @staticmethod
    def _s3_objects(location: dict) -> dict:
        bucket = s3_backends[ACCOUNT_ID]["aws"].buckets.get(location["bucket"])
        if bucket is None:
            return {}
        prefix = location["subdir"]
        return {
            name[len(prefix):]: obj
            for name, obj in bucket.keys.items()
            # the latest version may be a delete marker in versioned buckets
            if name.startswith(prefix) and isinstance(obj, FakeKey)
        }

    def _listing(self, location: dict) -> dict | None:
        """The objects of an S3 location by name with their ETags (None elsewhere)."""
        if location["type"] != "S3":
            return None
        return {name: obj.etag for name, obj in self._s3_objects(location).items()}

    def _plan(self, source: dict, destination: dict, options: dict) -> dict:
        """What the execution transfers: relative names to copy and to delete,
        with the byte count.  S3->S3 is real, anything else simulated."""
        if source["type"] != "S3" or destination["type"] != "S3":
            return {"copy": [n for n, _ in SIMULATED_FILES], "delete": [], "bytes": sum(s for _, s in SIMULATED_FILES), "real": False}
        src, dst = self._s3_objects(source), self._s3_objects(destination)
        to_copy = [
            name
            for name, obj in src.items()
            if options.get("TransferMode") == "ALL" or name not in dst or dst[name].etag != obj.etag
        ]
        if options.get("OverwriteMode") == "NEVER":
            # "NEVER - DataSync doesn't overwrite data in the destination location even if
            # the source data has changed." (Options API reference, OverwriteMode)
            to_copy = [name for name in to_copy if name not in dst]
        # PreserveDeletedFiles: "PRESERVE (default) - Ignores such destination files ...
        # REMOVE - Deletes destination files that aren't present in the source."
        to_delete = [name for name in dst if name not in src] if options.get("PreserveDeletedFiles") == "REMOVE" else []
        return {"copy": to_copy, "delete": to_delete, "bytes": sum(src[n].size for n in to_copy), "real": True}

    def _mount_failure(self, location: dict):
        """An EFS location DataSync cannot mount: none of its security groups reaches
        the file system's mount target in the subnet's AZ on NFS port 2049.

        DataSync "mounts an AWS location before every task execution and then unmounts
        it after every task execution" (DataSync User Guide, "Understanding task creation
        statuses": https://docs.aws.amazon.com/datasync/latest/userguide/understand-task-creation-statuses.html),
        so a blocked mount fails the execution, not CreateLocationEfs.  The rules
        (DataSync User Guide, create-efs-location, "Specifying security groups that aren't
        associated with a mount target"): the location's security group D "must have a
        rule that allows outbound connections on NFS port 2049 to security group M" (the
        mount target's), and M must allow inbound NFS from D.  A CIDR rule counts when
        it covers the location's subnet, where DataSync puts its network interfaces
        (DataSync User Guide, required-network-interfaces: "The subnet you specify when
        creating the Amazon EFS location")."""
        if location["type"] != "EFS":
            return None
        region = location["region"]
        ec2 = ec2_backends[ACCOUNT_ID][region]
        detail = None
        try:
            subnet = ec2.get_subnet(_arn_id(location["Ec2Config"]["SubnetArn"]))
            targets = self._efs_mount_targets(region, location["fs_id"], subnet)
        except Exception:
            subnet, targets = None, []
        for target in targets:
            target_groups = target.security_groups or [ec2.get_default_security_group(target.vpc_id).id]
            for arn in location["Ec2Config"]["SecurityGroupArns"]:
                try:
                    mine = ec2.get_security_group_from_id(_arn_id(arn))
                except Exception:
                    mine = None
                if mine is None:
                    continue
                for group_id in target_groups:
                    theirs = ec2.get_security_group_from_id(group_id)
                    if theirs is None:
                        continue
                    out_ok = any(_rule_allows(r, group=theirs.id, cidr=f"{target.ip_address}/32")
                                 for r in mine.egress_rules)
                    in_ok = any(_rule_allows(r, group=mine.id, cidr=subnet.cidr_block)
                                for r in theirs.ingress_rules)
                    if out_ok and in_ok:
                        return None
            detail = target.ip_address
        # What an NFS client prints when port 2049 is filtered (aws-solutions/efs-backup#15
        # and #14: "mount.nfs: Connection timed out" when the mount target's security group
        # did not admit NFS from the client).
        where = f" {detail}:/" if detail else ""
        return ("LAUNCHING", "SyncTaskErrorMountFailed",
                f"DataSync could not mount the Amazon EFS file system {location['fs_id']}{where} on NFS "
                f"port {NFS_PORT}: mount.nfs: Connection timed out. Check that the location's security "
                "groups and the mount target's security groups allow NFS traffic between them.")

    def _kms_failure(self, source: dict, destination: dict, plan: dict):
        """An S3->S3 copy whose location role lacks the KMS permissions on an SSE-KMS
        bucket.  "If your S3 bucket is encrypted with a customer-managed AWS Key
        Management Service (AWS KMS) key (SSE-KMS) - The key's policy must include the
        IAM role that DataSync uses to access the bucket" (DataSync User Guide,
        create-s3-location, "Accessing S3 buckets using server-side encryption":
        https://docs.aws.amazon.com/datasync/latest/userguide/create-s3-location.html);
        "If your S3 bucket is encrypted with an AWS managed key - DataSync can access the
        bucket's objects by default".  Reading an SSE-KMS object needs kms:Decrypt and
        writing one kms:GenerateDataKey (AWS re:Post knowledge center,
        s3-bucket-access-default-encryption: "grant the IAM user permissions for the
        kms:GenerateDataKey and kms:Decrypt actions at minimum")."""
        if not plan["real"]:
            return None
        needs = []  # (role, action, key id)
        src_role = (source["S3Config"] or {}).get("BucketAccessRoleArn", "")
        src_objects = self._s3_objects(source)
        for name in plan["copy"]:
            obj = src_objects.get(name)
            if obj is not None and obj.encryption == "aws:kms":
                needs.append((src_role, "kms:Decrypt", obj.kms_key_id or "alias/aws/s3", source))
        bucket = s3_backends[ACCOUNT_ID]["aws"].buckets.get(destination["bucket"])
        rule = ((bucket.encryption or {}).get("Rule") or {}) if bucket is not None else {}
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if plan["copy"] and default.get("SSEAlgorithm") == "aws:kms":
            dst_role = (destination["S3Config"] or {}).get("BucketAccessRoleArn", "")
            needs.append((dst_role, "kms:GenerateDataKey", default.get("KMSMasterKeyID") or "alias/aws/s3",
                          destination))
        seen = set()
        for role, action, key_id, location in needs:
            if (role, action, key_id) in seen:
                continue
            seen.add((role, action, key_id))
            key = _kms_key(key_id, location["region"])
            if key is None:
                return ("TRANSFERRING", "AccessDenied",
                        f"{location['uri']}: {action} failed: the KMS key {key_id} does not exist or is not "
                        "accessible")
            if key.key_manager == "AWS" or any(a.startswith("alias/aws/") for a in key.aliases):
                continue  # an AWS managed key (moto makes aws/s3 a customer key)
            reason = kms_denial(role, action, key)
            if reason:
                return ("TRANSFERRING", "AccessDenied", f"{location['uri']}: Access Denied: {reason}")
        return None

    def _verification_failure(self, execution: dict):
        """POINT_IN_TIME_CONSISTENT: "At the end of the transfer, DataSync checks the
        entire source and destination to verify that both locations are fully
        synchronized" (Options API reference, VerifyMode), so a source changed while the
        execution ran fails verification: "If the source directory is changing during
        task execution, the sync verification will error" (AWS, in
        aws-samples/amazon-efs-tutorial#6).  ONLY_FILES_TRANSFERRED checks the files it
        transferred against their checksums taken while reading them, and NONE checks
        nothing at the end, so neither fails for that."""
        if execution["Options"].get("VerifyMode") != "POINT_IN_TIME_CONSISTENT":
            return None
        source, destination = execution["source"], execution["destination"]
        if source["type"] == "S3" and self._listing(source) != execution["source_listing"]:
            return ("VERIFYING", *VERIFICATION_FAILED)
        started, ended = execution["started"], execution["started"] + execution["duration"]
        with STATE_LOCK:
            for location in (source, destination):
                if location["type"] == "EFS" and any(
                        started <= t <= ended for t in EFS_WRITES.get(location["fs_id"], ())):
                    return ("VERIFYING", *VERIFICATION_FAILED)
        return None

    def _advance(self, execution: dict) -> dict:
        """Bring the execution's Status up to date; on completion perform the copy."""
        if execution["done"]:
            return execution
        now = time.monotonic()
        if execution.get("cancel_until") is not None:
            if now < execution["cancel_until"]:
                execution["Status"] = "CANCELLING"
                return execution
            execution.update(done=True, Status="ERROR", EndTime=time.time())
            return execution
        duration = execution["duration"]
        fraction = 1.0 if duration <= 0 else (now - execution["started"]) / duration
        failure = execution["failure"]
        ends = PHASE_END[failure[0]] if failure else 1.0
        if fraction < ends:
            for phase, end in EXECUTION_PHASES:
                if fraction < end:
                    execution["Status"] = phase
                    break
            return execution
        execution["done"] = True
        execution["EndTime"] = execution["StartTime"] + duration * ends
        if execution["fault"]:
            execution["Status"] = "ERROR"
        elif failure:
            execution["Status"] = "ERROR"
        else:
            self._transfer(execution)
            execution["failure"] = self._verification_failure(execution)
            execution["Status"] = "ERROR" if execution["failure"] else "SUCCESS"
        return execution

    def _transfer(self, execution: dict) -> None:
        plan = execution["plan"]
        if not plan["real"]:
            return
        backend = s3_backends[ACCOUNT_ID]["aws"]
        source, destination = execution["source"], execution["destination"]
        src = self._s3_objects(source)
        for name in plan["copy"]:
            obj = src.get(name)
            if obj is None:  # deleted since the execution was prepared
                continue
            backend.put_object(
                destination["bucket"],
                destination["subdir"] + name,
                obj.value,
                storage=obj.storage_class,
                etag=None,
            )
        for name in plan["delete"]:
            backend.delete_object(destination["bucket"], destination["subdir"] + name)

    def _error_phase(self, execution: dict) -> str:
        if execution.get("cancel_until") is not None:
            return execution.get("cancelled_in") or "TRANSFERRING"
        if execution["fault"]:
            return "TRANSFERRING"  # injected failures happen while transferring
        return execution["failure"][0]

    def _execution_view(self, execution: dict) -> dict:
        execution = self._advance(execution)
        status, plan = execution["Status"], execution["plan"]
        files, total_bytes = len(plan["copy"]), plan["bytes"]
        error_phase = self._error_phase(execution) if status in ("ERROR", "CANCELLING") else None
        reached = error_phase if error_phase else status
        prepared = status == "SUCCESS" or (reached in PHASE_ORDER and PHASE_ORDER.index(reached) > PHASE_ORDER.index("PREPARING"))
        if status == "SUCCESS" or error_phase == "VERIFYING" or status == "VERIFYING":
            transferred = 1.0
        elif error_phase in ("LAUNCHING", "PREPARING") or (
                error_phase == "TRANSFERRING" and execution["failure"] and not execution["fault"]):
            transferred = 0.0  # nothing read (mount or access failure)
        elif error_phase:
            transferred = 0.5
        elif status == "TRANSFERRING":
            start, end = PHASE_END["PREPARING"], PHASE_END["TRANSFERRING"]
            fraction = (time.monotonic() - execution["started"]) / execution["duration"]
            transferred = max(0.0, min(1.0, (fraction - start) / (end - start)))
        else:
            transferred = 0.0

        def phase_status(phase: str) -> str:
            if status == "SUCCESS":
                return "SUCCESS"
            if error_phase and status == "ERROR":
                failed = error_phase if error_phase != "LAUNCHING" else "PREPARING"
                if phase == failed:
                    return "ERROR"
                return "SUCCESS" if PHASE_ORDER.index(phase) < PHASE_ORDER.index(failed) else "PENDING"
            if reached in PHASE_ORDER and PHASE_ORDER.index(reached) > PHASE_ORDER.index(phase):
                return "SUCCESS"
            return "PENDING"

        result = {
            "PrepareStatus": phase_status("PREPARING"),
            "TransferStatus": phase_status("TRANSFERRING"),
            "VerifyStatus": phase_status("VERIFYING"),
            "PrepareDuration": 0,
            "TransferDuration": 0,
            "VerifyDuration": 0,
            "TotalDuration": int(1000 * ((execution.get("EndTime") or time.time()) - execution["StartTime"])),
        }
        if status == "ERROR":
            if execution["fault"]:
                fault = execution["fault"]
                result["ErrorCode"] = fault.get("code") or "SyncTaskErrorTransferFailed"
                result["ErrorDetail"] = fault.get("message") or "Transfer failed (injected)."
            else:
                _, result["ErrorCode"], result["ErrorDetail"] = execution["failure"]
        out = {
            "TaskExecutionArn": execution["TaskExecutionArn"],
            "Status": status,
            "Options": execution["Options"],
            "Excludes": execution["Excludes"],
            "Includes": execution["Includes"],
            "StartTime": execution["StartTime"],
            "EstimatedFilesToTransfer": files if prepared else 0,
            "EstimatedBytesToTransfer": total_bytes if prepared else 0,
            "EstimatedFilesToDelete": len(plan["delete"]) if prepared else 0,
            "FilesTransferred": int(files * transferred),
            "BytesTransferred": int(total_bytes * transferred),
            "BytesWritten": int(total_bytes * transferred),
            "BytesCompressed": int(total_bytes * transferred),
            "FilesDeleted": len(plan["delete"]) if status == "SUCCESS" or error_phase == "VERIFYING" else 0,
            "FilesVerified": files if status == "SUCCESS" else 0,
            "Result": result,
        }
        if "EndTime" in execution:
            out["EndTime"] = execution["EndTime"]
        return out

    def _execution(self, arn: str) -> dict:
        execution = self.executions.get(arn)
        if execution is None:
            raise ApiError(400, "InvalidRequestException", f"Task execution {arn} is not found.")
        return execution

    def op_describe_task_execution(self, region, body):
        return self._execution_view(self._execution(body["TaskExecutionArn"]))

    def op_list_task_executions(self, region, body):
        # MaxResults: "Valid Range: Minimum value of 0. Maximum value of 100."; NextToken:
        # "An opaque string that indicates the position at which to begin the next list"
        # (ListTaskExecutions API reference:
        # https://docs.aws.amazon.com/datasync/latest/userguide/API_ListTaskExecutions.html).
        limit = body.get("MaxResults", 100)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= 100:
            raise ApiError(400, "InvalidRequestException",
                           f"Invalid value {limit!r} for MaxResults: valid range is 0 to 100")
        executions = sorted(
            (e for e in self.executions.values() if not body.get("TaskArn") or e["task"] == body["TaskArn"]),
            key=lambda e: (e["started"], e["TaskExecutionArn"]),
        )
        start = 0
        if body.get("NextToken"):
            token = body["NextToken"]
            match = re.fullmatch(r"kf(\d+)", token)
            if not match or int(match.group(1)) > len(executions):
                raise ApiError(400, "InvalidRequestException", f"Invalid NextToken: {token}")
            start = int(match.group(1))
        page = executions[start:start + limit] if limit else []
        out = {
            "TaskExecutions": [
                {"TaskExecutionArn": e["TaskExecutionArn"], "Status": self._advance(e)["Status"], "TaskMode": "BASIC"}
                for e in page
            ]
        }
        if limit and start + limit < len(executions):
            out["NextToken"] = f"kf{start + limit}"
        return out

    def op_cancel_task_execution(self, region, body):
        execution = self._advance(self._execution(body["TaskExecutionArn"]))
        if execution["done"] or execution["Status"] == "CANCELLING":
            raise ApiError(
                400, "InvalidRequestException", f"Sync task cannot be cancelled in its current status: {execution['Status']}"
            )
        # CancelTaskExecution "Stops an DataSync task execution that's in progress"; the
        # execution shows CANCELLING (TaskExecutionStatus) until it has stopped, in ERROR.
        execution.update(cancel_until=time.monotonic() + pending_seconds("datasync_cancelling"),
                         cancelled_in=execution["Status"] if execution["Status"] in PHASE_ORDER else "TRANSFERRING",
                         fault={"code": "OperationCancelled", "message": "Cancelled by user."})
        execution["done"] = False
        self._advance(execution)
        if not execution["done"]:
            self._finish_at(execution["TaskExecutionArn"], pending_seconds("datasync_cancelling"))
        return {}

    # ---- tags -----------------------------------------------------------
    def _tag_target(self, arn: str) -> list:
        if arn not in self.tags:
            raise ApiError(400, "InvalidRequestException", f"Resource {arn} is not found.")
        return self.tags[arn]

    def op_tag_resource(self, region, body):
        tags = self._tag_target(body["ResourceArn"])
        new = {t["Key"]: t.get("Value", "") for t in body.get("Tags", [])}
        tags[:] = [t for t in tags if t["Key"] not in new] + [{"Key": k, "Value": v} for k, v in new.items()]
        return {}

    def op_untag_resource(self, region, body):
        tags = self._tag_target(body["ResourceArn"])
        tags[:] = [t for t in tags if t["Key"] not in set(body.get("Keys", []))]
        return {}

    def op_list_tags_for_resource(self, region, body):
        return {"Tags": list(self._tag_target(body["ResourceArn"]))}


# --------------------------------------------------------------------------
# The WSGI application
# --------------------------------------------------------------------------


def read_body(environ) -> bytes:
    """Read the whole request body and put it back for moto."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        body = stream.read(int(length))
    elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return body


class EmulatorApp:
    def __init__(self):
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.addons = EksAddons()
        self.datasync = DataSync()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_kf/"):
            status, payload = self.control(environ, path)
            return self.respond(start_response, status, {"Content-Type": "application/json"},
                                json.dumps(payload).encode())
        body = read_body(environ)
        service, region = service_and_region(environ)
        operation = operation_name(service, environ, body)
        with STATE_LOCK:
            REQUESTS[operation] = REQUESTS.get(operation, 0) + 1
        if service == "route53" and not route53_admit(account_of(environ)):
            return self.respond(start_response, *error_response(service, 400, "Throttling", "Rate exceeded"))
        fault = take_fault(operation)
        if fault:
            return self.respond(start_response, *error_response(
                service, int(fault.get("status", 500)), fault.get("code", "InternalFailure"),
                fault.get("message", "injected fault")))
        try:
            if service == "datasync":
                payload = self.datasync.handle(operation, region, json.loads(body or b"{}"))
                return self.respond(start_response, 200, {"Content-Type": "application/x-amz-json-1.1"},
                                    json.dumps(payload).encode())
            if service == "eks" and operation in EksAddons.OPERATIONS:
                payload = self.addons.handle(operation, region, environ["REQUEST_METHOD"], path,
                                             parse_qs(environ.get("QUERY_STRING", "")), json.loads(body or b"{}"))
                return self.respond(start_response, 200, {"Content-Type": "application/json"},
                                    json.dumps(payload).encode())
        except ApiError as err:
            return self.respond(start_response, *error_response(service, err.status, err.code, err.message))
        except (KeyError, ValueError, TypeError) as err:
            return self.respond(start_response, *error_response(
                service, 400, "InvalidRequestException" if service == "datasync" else "InvalidParameterException",
                f"Invalid request: {err!r}"))
        return self.moto(environ, start_response)

    @staticmethod
    def respond(start_response, status: int, headers: dict, body: bytes):
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}.get(status, "Error")
        start_response(f"{status} {reason}", list(headers.items()) + [("Content-Length", str(len(body)))])
        return [body]

    @staticmethod
    def control(environ, path: str) -> tuple[int, dict]:
        method = environ["REQUEST_METHOD"]
        try:
            raw = read_body(environ)
            data = json.loads(raw) if raw.strip() else {}
        except ValueError as err:
            return 400, {"error": f"invalid JSON: {err}"}
        with STATE_LOCK:
            if path == "/_kf/health" and method == "GET":
                return 200, {"ok": True}
            if path == "/_kf/config":
                if method == "POST":
                    try:
                        set_pending(data.get("pending", {}))
                    except (ValueError, TypeError) as err:
                        return 400, {"error": str(err)}
                    EKS_ENDPOINTS.update(data.get("eks_endpoints", {}))
                    if "route53_rps" in data:
                        try:
                            rate = float(data["route53_rps"])
                        except (TypeError, ValueError):
                            return 400, {"error": "route53_rps: a number of requests per second (0: unlimited)"}
                        if rate < 0:
                            return 400, {"error": "route53_rps: negative rate"}
                        ROUTE53_RPS["rps"] = rate
                        ROUTE53_BUCKETS.clear()
                if method in ("GET", "POST"):
                    return 200, {"pending": dict(PENDING), "eks_endpoints": dict(EKS_ENDPOINTS),
                                 "route53_rps": ROUTE53_RPS["rps"]}
            if path == "/_kf/datasync/efs-write" and method == "POST":
                # Blue's users write to a file system now (POINT_IN_TIME_CONSISTENT
                # verification of an execution running meanwhile fails).
                fs_id = data.get("filesystem")
                if not isinstance(fs_id, str) or not any(
                        fs_id in backend.file_systems_by_id for _, backend in efs_backends[ACCOUNT_ID].items()):
                    return 400, {"error": f"filesystem: no EFS file system {fs_id!r}"}
                EFS_WRITES.setdefault(fs_id, []).append(time.monotonic())
                return 200, {"filesystem": fs_id, "writes": len(EFS_WRITES[fs_id])}
            if path == "/_kf/rds/state" and method == "POST":
                return rds_state(data)
            if path == "/_kf/faults":
                if method == "POST":
                    if not isinstance(data.get("operation"), str):
                        return 400, {"error": "operation (string) is required"}
                    fault = {
                        "operation": data["operation"],
                        "count": int(data.get("count", 1)),
                        "status": int(data.get("status", 500)),
                        "code": data.get("code", "InternalFailure"),
                        "message": data.get("message", "injected fault"),
                    }
                    if data.get("match"):
                        fault["match"] = data["match"]
                    FAULTS.append(fault)
                    return 200, {"faults": copy.deepcopy(FAULTS)}
                if method == "DELETE":
                    FAULTS.clear()
                if method in ("GET", "DELETE"):
                    return 200, {"faults": copy.deepcopy(FAULTS)}
            if path == "/_kf/requests" and method == "GET":
                return 200, {"total": sum(REQUESTS.values()), "by_operation": dict(REQUESTS)}
            if path == "/_kf/requests/reset" and method == "POST":
                REQUESTS.clear()
                return 200, {"total": 0, "by_operation": {}}
        return 404, {"error": f"no control endpoint {method} {path}"}


# Statuses an instance can be put into by /_kf/rds/state (RDS User Guide, DB instance
# status: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.DBInstance.Status.html).
RDS_BUSY_STATES = ("backing-up", "modifying", "maintenance", "upgrading", "rebooting", "storage-optimization",
                   "configuring-enhanced-monitoring", "configuring-log-exports", "renaming", "resetting-master-credentials")


def rds_state(data: dict) -> tuple[int, dict]:
    """POST /_kf/rds/state {"instance": id, "status": "backing-up", "seconds": N}: the
    instance shows `status` for N seconds (production busy), then what it was."""
    instance, status = data.get("instance"), data.get("status")
    if status not in RDS_BUSY_STATES:
        return 400, {"error": f"status: one of {list(RDS_BUSY_STATES)}"}
    try:
        seconds = float(data.get("seconds", 0))
    except (TypeError, ValueError):
        return 400, {"error": "seconds: a number"}
    if seconds <= 0:
        return 400, {"error": "seconds: must be positive"}
    for _, backend in rds_backends[ACCOUNT_ID].items():
        database = backend.databases.get(str(instance).lower())
        if database is not None:
            # The busy phase comes first: it ends N seconds from now.
            phases = [(time.monotonic() + seconds, status)] + list(database.__dict__.get("_kf_phases", ()))
            database.__dict__["_kf_phases"] = phases
            return 200, {"instance": database.db_instance_identifier, "status": database.status,
                         "seconds": seconds}
    return 404, {"error": f"no DB instance {instance!r}"}


class QuietRequestHandler(MotoRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--pending", default="", help="e.g. rds_snapshot=6,rds_instance=8 (seconds)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--exit-with-stdin", action="store_true",
                        help="terminate when stdin closes (the test that started us has ended)")
    args = parser.parse_args()
    if args.exit_with_stdin:
        from lifecycle import exit_when_stdin_closes
        exit_when_stdin_closes()
    try:
        set_pending(dict(item.split("=", 1) for item in args.pending.split(",") if item.strip()))
    except ValueError as err:
        parser.error(f"--pending: {err}")

    patch_moto()
    handler = MotoRequestHandler if args.verbose else QuietRequestHandler
    server = make_server(args.host, args.port, EmulatorApp(), threaded=True, request_handler=handler)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"ready http://{args.host}:{server.server_port}", flush=True)
    stop.wait()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
