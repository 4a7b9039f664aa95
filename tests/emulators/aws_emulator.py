#!/usr/bin/env python3
"""Emulated AWS for `kubectl kf` tests and the demo.

moto (server mode) serves the whole AWS API; this launcher wraps moto's WSGI
application with:

* control endpoints under ``/_kf/`` (health, pending-phase durations, the EKS
  calendar day, fault injection, request counting, and a seed-only stand-in
  for CloudFormation's aws:cloudformation:* tags);
* fault injection serialised in each service's own error format, so the AWS
  SDKs parse the error code;
* fixes of moto behaviours the suite relies on (see ``patch_moto``), among them
  the refusals real EKS makes (reserved tags, cluster names, Kubernetes versions
  it does not offer, AMI types, launch-template combinations);
* implementations of what moto lacks: EKS add-ons with health, Kubernetes
  versions, access entries, Pod Identity associations, and a DataSync that
  keeps EFS locations, task executions with realistic phases, and real S3->S3
  copies.

Every EKS behaviour carries a comment citing the API reference, user guide
page, or public issue that shows the real service doing it.

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
import datetime  # noqa: E402
import fnmatch  # noqa: E402
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

import yaml  # noqa: E402
from botocore.session import get_session  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.core.request import Request as MotoRequest  # noqa: E402
from moto.core.routing import get_service_router  # noqa: E402
from moto.ec2.models import ec2_backends  # noqa: E402
from moto.efs.models import EFSBackend, FileSystem, efs_backends  # noqa: E402
from moto.eks import exceptions as eks_exceptions  # noqa: E402
from moto.eks.models import Cluster, EKSBackend, Nodegroup, eks_backends  # noqa: E402
from moto.eks.utils import validate_role_arn  # noqa: E402
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
from moto.sts.models import sts_backends  # noqa: E402

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
    # An EBS snapshot's "pending" before "completed".
    "ec2_snapshot",
)

STATE_LOCK = threading.RLock()
PENDING: dict[str, float] = {k: 0.0 for k in PENDING_KEYS}
FAULTS: list[dict] = []
# EKS cluster name -> API server URL: lets a cluster's endpoint be an emulated Kubernetes
# (http, so no certificate authority), as a real cluster's endpoint is its API server.
EKS_ENDPOINTS: dict[str, str] = {}
REQUESTS: dict[str, int] = {}
# Of those, the requests answered with an error before reaching the service: Throttling by the
# Route 53 rate (below) and injected faults. A client's calls the service served are the
# difference (GET /_kf/requests: by_operation, throttled_by_operation, faulted_by_operation).
THROTTLED: dict[str, int] = {}
FAULTED: dict[str, int] = {}
# The emulated EKS's calendar day (see the Kubernetes versions of the EKS section).
DEFAULT_EKS_DATE = "2026-12-01"
EKS_STATE: dict = {"date": DEFAULT_EKS_DATE}

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


def operation_and_params(service: str, environ, body: bytes) -> tuple[str, dict]:
    """AWS operation name of a request (`Action` for the query protocols,
    `X-Amz-Target` for awsJson, botocore's HTTP bindings for REST protocols) and,
    for REST protocols, the percent-decoded URI labels of the binding."""
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return query["Action"][0], {}
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        form = parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            return form["Action"][0], {}
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1], {}
    method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
    model = service_model(service)
    if model is not None:
        if model.service_name not in _ROUTERS:
            _ROUTERS[model.service_name] = get_service_router(model.service_name)
        try:
            environ_copy = dict(environ, **{"wsgi.input": io.BytesIO(body)})
            operation, params = _ROUTERS[model.service_name].match(MotoRequest(environ_copy))
            return operation.name, dict(params)
        except Exception:  # no HTTP binding matches
            pass
    return f"{service}:{method} {path}", {}


def operation_name(service: str, environ, body: bytes) -> str:
    return operation_and_params(service, environ, body)[0]


ACCESS_KEY_RE = re.compile(r"Credential=([^/]+)/")
# The request being served by this thread: what moto's EKS backend methods are not passed
# (CreateCluster's accessConfig, upgradePolicy, ...; the caller's access key).
REQUEST_CONTEXT = threading.local()


def request_body() -> dict:
    return getattr(REQUEST_CONTEXT, "body", None) or {}


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


def stop_endpoint(name: str) -> None:
    """DeleteCluster "Deletes an Amazon EKS cluster control plane" (EKS API Reference,
    https://docs.aws.amazon.com/eks/latest/APIReference/API_DeleteCluster.html; EKS User Guide,
    "Delete a cluster", https://docs.aws.amazon.com/eks/latest/userguide/delete-cluster.html): the
    API server behind the cluster's endpoint goes with it, and with it everything kept in the
    cluster. When the endpoint is an emulated API server (EKS_ENDPOINTS), that server is told to
    stop serving (k8s_emulator.py, POST /_kf/config {"cluster_deleted": true})."""
    import urllib.request

    with STATE_LOCK:
        url = EKS_ENDPOINTS.get(name)
    if not url:
        return
    req = urllib.request.Request(url.rstrip("/") + "/_kf/config", data=json.dumps({"cluster_deleted": True}).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()
    except OSError as e:  # the emulated API server is gone already: nothing serves the endpoint
        print(f"EKS DeleteCluster {name}: {url} did not answer ({e})", file=sys.stderr)


def patch_moto_iam_limits() -> None:
    """IAM's limits moto does not keep (IAM quotas,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, and the CreateRole
    reference, https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html): a role's
    name is 1 to 64 characters; a role's inline policies hold at most 10,240 characters in all,
    whitespace not counted (PutRolePolicy answers LimitExceeded)."""
    from moto.iam import exceptions as iam_exceptions
    from moto.iam.models import IAMBackend

    @wrap(IAMBackend, "create_role")
    def create_role(original, backend, role_name, *args, **kwargs):
        if not 1 <= len(role_name) <= 64:
            raise iam_exceptions.ValidationError(
                f"1 validation error detected: Value '{role_name}' at 'roleName' failed to satisfy "
                "constraint: Member must have length less than or equal to 64"
            )
        return original(backend, role_name, *args, **kwargs)

    @wrap(IAMBackend, "put_role_policy")
    def put_role_policy(original, backend, role_name, policy_name, policy_json):
        role = backend.get_role(role_name)
        others = [d for p, d in role.policies.items() if p != policy_name]
        size = sum(len("".join(str(d).split())) for d in [*others, policy_json])
        if size > 10240:
            raise iam_exceptions.LimitExceededException(
                f"Maximum policy size of 10240 bytes exceeded for role {role_name}"
            )
        return original(backend, role_name, policy_name, policy_json)


def patch_moto_ebs() -> None:
    """EBS snapshots take time: CreateSnapshot answers State "pending", and the snapshot is
    "completed" only once its data is copied ("Snapshots occur asynchronously ... the snapshot
    status is pending until the snapshot is complete", EC2 user guide, "Create Amazon EBS
    snapshots"; DescribeSnapshots State: pending | completed | error). moto completes at once.
    A volume cannot be made from a pending snapshot: CreateVolume answers IncorrectState
    "Snapshot is in invalid state - pending" (velero-io/velero#1799)."""
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.elastic_block_store import EBSBackend, Snapshot

    pending_status(Snapshot, "status", "pending")

    @wrap(EBSBackend, "create_snapshot")
    def create_snapshot(original, backend, *args, **kwargs):
        snapshot = original(backend, *args, **kwargs)
        mark_pending(snapshot, "ec2_snapshot")
        return snapshot

    @wrap(EBSBackend, "create_volume")
    def create_volume(original, backend, *args, **kwargs):
        snapshot_id = kwargs.get("snapshot_id") or (args[2] if len(args) > 2 else None)
        if snapshot_id:
            snapshot = backend.get_snapshot(snapshot_id)
            if snapshot.status != "completed":
                raise EC2ClientError("IncorrectState", f"Snapshot is in invalid state - {snapshot.status}")
        return original(backend, *args, **kwargs)


def patch_moto() -> None:
    patch_moto_iam_limits()
    patch_moto_ebs()
    # ---- EKS ---------------------------------------------------------------
    patch_moto_eks()
    patch_moto_deletions()

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

    # gp3 below an engine's storage threshold has a fixed baseline (3,000 IOPS, 125 MiB/s),
    # and RDS refuses an explicit Iops or StorageThroughput there: "You can't specify IOPS or
    # storage throughput for engine mysql and a storage size less than 400."
    # (cloudtools/troposphere#2153, pulumi/pulumi-aws-native#968; RDS User Guide, gp3 storage:
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html#gp3-storage:
    # 400 GiB for MySQL, MariaDB and PostgreSQL, 200 GiB for Oracle; not for SQL Server).
    def check_gp3_performance(engine, storage_type, allocated, iops, throughput) -> None:
        engine = str(engine or "")
        if storage_type != "gp3" or (iops is None and throughput is None) or engine.startswith("sqlserver"):
            return
        threshold = 200 if engine.startswith("oracle") else 400
        if int(allocated or 0) < threshold:
            raise RDSClientError(
                "InvalidParameterCombination",
                f"You can't specify IOPS or storage throughput for engine {engine} and a storage size "
                f"less than {threshold}.",
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
        if snapshot is not None:
            check_gp3_performance(snapshot.database.engine,
                                  overrides.get("storage_type") or snapshot.database.storage_type,
                                  overrides.get("allocated_storage") or snapshot.database.allocated_storage,
                                  overrides.get("iops"), overrides.get("storage_throughput"))
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


def patch_moto_deletions() -> None:
    """Deletions real AWS refuses while something still uses the resource (moto allows them)."""
    from moto.ec2.exceptions import DependencyViolationError
    from moto.ec2.models.security_groups import SecurityGroupBackend

    @wrap(SecurityGroupBackend, "delete_security_group")
    def delete_security_group(original, backend, name=None, group_id=None):
        # "If you attempt to delete a security group that is associated with an instance or
        # network interface ... the operation fails with DependencyViolation"
        # (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSecurityGroup.html).
        # The network interfaces here: an RDS instance's and an EFS mount target's.
        if group_id:
            users = []
            account, region = backend.account_id, backend.region_name
            for db in rds_backends[account][region].databases.values():
                if group_id in (db.vpc_security_group_ids or []):
                    users.append(db.db_instance_identifier)
            for mt in efs_backends[account][region].mount_targets_by_id.values():
                if group_id in (mt.security_groups or []):
                    users.append(mt.mount_target_id)
            if users:
                raise DependencyViolationError(f"resource {group_id} has a dependent object")
        return original(backend, name=name, group_id=group_id)

    @wrap(RDSBackend, "delete_subnet_group")
    def delete_subnet_group(original, backend, subnet_name):
        # DeleteDBSubnetGroup: InvalidDBSubnetGroupStateFault, "The DB subnet group cannot be
        # deleted because it's in use." (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/
        # API_DeleteDBSubnetGroup.html); the message as RDS words it in
        # hashicorp/terraform-provider-aws#10016.
        users = [db.db_instance_identifier for db in backend.databases.values()
                 if getattr(getattr(db, "db_subnet_group", None), "name", None) == subnet_name]
        if users:
            raise RDSClientError(
                "InvalidDBSubnetGroupStateFault",
                f"Cannot delete the subnet group '{subnet_name}' because at least one database "
                f"instance: {users[0]} is still using it.",
            )
        return original(backend, subnet_name)


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
# EKS: what moto's EKS lacks (add-ons, Kubernetes versions, access entries, Pod Identity,
# tags on every EKS resource) and the checks the real service makes that moto does not.
# Every behaviour below cites where the real service is seen doing it.
# --------------------------------------------------------------------------

EKS_ERRORS = {  # code -> HTTP status, from the EKS API reference "Common Errors" / each operation's Errors
    "InvalidParameterException": 400,
    "InvalidRequestException": 400,
    "BadRequestException": 400,
    "ResourceNotFoundException": 404,
    "NotFoundException": 404,
    "ResourceInUseException": 409,
}


def eks_error(code: str, message: str) -> ApiError:
    return ApiError(EKS_ERRORS[code], code, message)


def moto_eks_error(code: str, message: str, **names):
    """The same refusal raised inside moto's backend (which only turns its own exceptions into
    responses); its body has EKS's shape: clusterName, nodegroupName, ..., message."""
    cls = getattr(eks_exceptions, code)
    fields = {"clusterName": None, "nodegroupName": None, "fargateProfileName": None, "addonName": None}
    fields.update(names)
    return cls(**fields, message=message)


# ---- Kubernetes versions ---------------------------------------------------
# Amazon EKS Kubernetes release calendar, all dates 00:00 UTC ("The dates in the following table use
# the UTC+0 timezone"):
#   1.29-1.34: https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar
#   1.35: https://endoflife.date/amazon-eks (EKS release 2026-01-27, end of standard support
#         2027-03-27, end of extended support 2028-03-27)
#   1.36: listed as available in https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions-standard.html;
#         EKS release 2026-06-02 and end of standard support 2027-08-02 from
#         https://devopsdreams.blogspot.com/2026/08/kubernetes-136-on-amazon-eks-upgrade.html; end of
#         extended support = 12 months later, by the policy on kubernetes-versions.html ("standard
#         support ... 14 months ... extended support for the next 12 months").
# defaultPlatformVersion: the latest platform version of each minor listed by endoflife.date
# (January 2026; the newest minors: their first). kubernetesPatchVersion: the patch listed on
# https://docs.aws.amazon.com/eks/latest/userguide/platform-versions.html (June 2025) where it lists
# one; for 1.34-1.36 an early patch (approximate: the page stored here predates them).
EKS_RELEASES = [
    # version, EKS release, end of standard support, end of extended support, platform, patch
    ("1.36", "2026-06-02", "2027-08-02", "2028-08-02", "eks.1", "1.36.0"),
    ("1.35", "2026-01-27", "2027-03-27", "2028-03-27", "eks.3", "1.35.0"),
    ("1.34", "2025-10-02", "2026-12-02", "2027-12-02", "eks.13", "1.34.1"),
    ("1.33", "2025-05-29", "2026-07-29", "2027-07-29", "eks.27", "1.33.1"),
    ("1.32", "2025-01-23", "2026-03-23", "2027-03-23", "eks.34", "1.32.5"),
    ("1.31", "2024-09-26", "2025-11-26", "2026-11-26", "eks.50", "1.31.9"),
    ("1.30", "2024-05-23", "2025-07-23", "2026-07-23", "eks.58", "1.30.13"),
    ("1.29", "2024-01-23", "2025-03-23", "2026-03-23", "eks.61", "1.29.15"),
]
# Which versions EKS offers depends on the day: "On the end of extended support date, you can no
# longer create new Amazon EKS clusters with the unsupported version" (kubernetes-versions.html,
# extended support FAQ). The emulated EKS's calendar day is fixed (tests must not depend on the
# wall clock) and can be moved with POST /_kf/config {"eks_date": "YYYY-MM-DD"}. The default,
# 2026-12-01 (the day this project's scenario is set), is a day on which EKS offers 1.32-1.36
# only: blue runs 1.32 (extended support; the last minor with Amazon Linux 2 AMIs), green goes to
# 1.33 or later. DEFAULT_EKS_DATE is set with the emulator's other state, above.
CLUSTER_VERSIONS = sorted((r[0] for r in EKS_RELEASES), key=lambda v: tuple(map(int, v.split("."))))


def utc_day(text: str) -> float:
    return datetime.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc).timestamp()


def eks_today() -> float:
    with STATE_LOCK:
        return utc_day(EKS_STATE["date"])


def cluster_version_info(today: float | None = None) -> list[dict]:
    """ClusterVersionInformation of every released version (newest first), as DescribeClusterVersions
    returns them (https://docs.aws.amazon.com/eks/latest/APIReference/API_ClusterVersionInformation.html;
    example output in kubernetes-versions.html#version-cli)."""
    today = eks_today() if today is None else today
    out = []
    for version, release, end_standard, end_extended, platform, patch in EKS_RELEASES:
        if utc_day(release) > today:
            continue  # not released yet on the emulated day
        if today < utc_day(end_standard):
            status = "STANDARD_SUPPORT"
        elif today < utc_day(end_extended):
            status = "EXTENDED_SUPPORT"
        else:
            status = "UNSUPPORTED"
        out.append({
            "clusterVersion": version,
            "clusterType": "eks",
            "defaultPlatformVersion": platform,
            "defaultVersion": False,
            "releaseDate": utc_day(release),
            "endOfStandardSupportDate": utc_day(end_standard),
            "endOfExtendedSupportDate": utc_day(end_extended),
            # `status` is deprecated "Use versionStatus instead, as that field matches for input and
            # output" (API reference): its output used the upper-case values, as the user guide's
            # example output shows ("status": "STANDARD_SUPPORT").
            "status": status,
            "versionStatus": status,
            "kubernetesPatchVersion": patch,
        })
    offered = [v for v in out if v["versionStatus"] != "UNSUPPORTED"]
    # "If you don't specify a value here, the default version available in Amazon EKS is used. The
    # default version might not be the latest version available." (CreateCluster `version`). EKS makes
    # a new minor the default some time after its release: here the second-newest offered minor (in
    # February 2025 EKS offered 1.32 with 1.31 the default, as localstack/docs#1597 records).
    if offered:
        offered[1 if len(offered) > 1 else 0]["defaultVersion"] = True
    return out


def offered_versions() -> list[str]:
    return [v["clusterVersion"] for v in cluster_version_info() if v["versionStatus"] != "UNSUPPORTED"]


def default_version() -> str:
    return next(v["clusterVersion"] for v in cluster_version_info() if v["defaultVersion"])


def minor(version: str) -> tuple[int, int]:
    major, minor_ = version.split(".")[:2]
    return int(major), int(minor_)


# ---- tags -------------------------------------------------------------------
def validate_tags(tags: dict | None, raise_error, existing: dict | None = None) -> None:
    """Tag restrictions of https://docs.aws.amazon.com/eks/latest/userguide/eks-using-tags.html#tag-restrictions
    (and the `tags` constraints of every EKS API operation: "Maximum number of 50 items. Key Length
    Constraints: Minimum length of 1. Maximum length of 128. Value ... Maximum length of 256"):
    "Don't use aws:, AWS:, or any upper or lowercase combination of such as a prefix for either keys
    or values. These are reserved only for AWS use ... Tags with this prefix don't count against your
    tags-per-resource limit." The prefix is refused on keys (as EC2 does: "Tag keys starting with
    'aws:' are reserved for internal use", kubernetes-sigs/cluster-api-provider-aws#5120)."""
    if not tags:
        return
    for key, value in tags.items():
        if key.lower().startswith("aws:"):
            raise raise_error(f"The tag key '{key}' is not valid. Tag keys starting with 'aws:' are reserved for AWS use.")
        if not 1 <= len(key) <= 128:
            raise raise_error(f"Tag key '{key[:40]}...' must be between 1 and 128 characters long.")
        if len(value or "") > 256:
            raise raise_error(f"The value of tag '{key}' must be at most 256 characters long.")
    user = {k for k in {**(existing or {}), **tags} if not k.lower().startswith("aws:")}
    if len(user) > 50:
        raise raise_error("A resource can have at most 50 tags.")


# ---- IAM: does a role trust a service account? -----------------------------
def iam_backend():
    return iam_backends[ACCOUNT_ID]["aws"]


def iam_role(arn: str):
    try:
        return iam_backend().get_role_by_arn(arn)
    except Exception:
        return None


def policy_document(text) -> dict:
    if isinstance(text, dict):
        return text
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return json.loads(unquote(text))


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def oidc_provider_arn(cluster) -> str:
    issuer = cluster.identity["oidc"]["issuer"].removeprefix("https://")
    return f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{issuer}"


def role_trusts_service_account(role_arn: str, cluster, namespace: str, service_account: str) -> bool:
    """Whether pods of `namespace`/`service_account` in `cluster` can assume `role_arn` through IAM
    roles for service accounts: the role's trust policy allows sts:AssumeRoleWithWebIdentity to the
    IAM OIDC provider of the cluster's issuer (which must exist) with the :sub/:aud conditions met
    (https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html). Conditions
    on other keys are not evaluated."""
    role = iam_role(role_arn)
    provider = oidc_provider_arn(cluster)
    if role is None or provider not in iam_backend().open_id_providers:
        return False
    host = provider.split(":oidc-provider/", 1)[1]
    wanted = {f"{host}:sub": f"system:serviceaccount:{namespace}:{service_account}", f"{host}:aud": "sts.amazonaws.com"}
    try:
        statements = as_list(policy_document(role.assume_role_policy_document).get("Statement"))
    except (TypeError, ValueError):
        return False
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal") or {}
        if not isinstance(principal, dict) or provider not in as_list(principal.get("Federated")):
            continue
        if not {"sts:AssumeRoleWithWebIdentity", "sts:*", "*"} & set(as_list(statement.get("Action"))):
            continue
        ok = True
        for operator, clauses in (statement.get("Condition") or {}).items():
            for key, values in (clauses or {}).items():
                if key not in wanted:
                    continue
                if operator in ("StringEquals", "ForAnyValue:StringEquals"):
                    ok &= wanted[key] in as_list(values)
                elif operator in ("StringLike", "ForAnyValue:StringLike"):
                    ok &= any(fnmatch.fnmatchcase(wanted[key], v) for v in as_list(values))
        if ok:
            return True
    return False


# ---- add-ons ------------------------------------------------------------------
ADDON_CATALOG = {
    # name -> (type, [versions, newest first]); the first is the default.
    "vpc-cni": ("networking", ["v1.19.2-eksbuild.1", "v1.18.3-eksbuild.1"]),
    "coredns": ("networking", ["v1.11.3-eksbuild.1", "v1.11.1-eksbuild.9"]),
    "kube-proxy": ("networking", None),  # one version per Kubernetes minor
    "aws-ebs-csi-driver": ("storage", ["v1.37.0-eksbuild.1", "v1.35.0-eksbuild.1"]),
    "aws-efs-csi-driver": ("storage", ["v2.1.0-eksbuild.1", "v2.0.7-eksbuild.1"]),
    "eks-pod-identity-agent": ("security", ["v1.3.4-eksbuild.1", "v1.3.2-eksbuild.2"]),
}
# What runs each add-on's pods, and the service account its IAM role is for. vpc-cni, kube-proxy
# and the Pod Identity agent are DaemonSets ("For vpc-cni or kubeproxy addons this is not an issue
# because they are daemonset", eksctl-io/eksctl#4030); coredns and the CSI drivers' controllers are
# Deployments. Service accounts and recommended policies: DescribeAddonConfiguration's
# podIdentityConfiguration (https://docs.aws.amazon.com/eks/latest/userguide/add-ons-iam.html).
ADDON_WORKLOADS = {
    "vpc-cni": ("DaemonSet", "kube-system", "aws-node", "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"),
    "kube-proxy": ("DaemonSet", "kube-system", None, None),
    "eks-pod-identity-agent": ("DaemonSet", "kube-system", None, None),
    "coredns": ("Deployment", "kube-system", None, None),
    "aws-ebs-csi-driver": ("Deployment", "kube-system", "ebs-csi-controller-sa",
                           "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"),
    "aws-efs-csi-driver": ("Deployment", "kube-system", "efs-csi-controller-sa",
                           "arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"),
}
# Service accounts an add-on's serviceAccountRoleArn is given to besides the one above. The EFS
# CSI add-on annotates its node DaemonSet's service account with the same role ("the eks addon
# schema ... only [allows a role] for both controller and node service accounts",
# aws/containers-roadmap#2820), and the node mounts with those credentials ("AWS credentials source
# used for IAM authentication: webidentity:...", terraform-aws-modules/terraform-aws-iam#388); the
# user guide's trust policy therefore names both with StringLike
# "system:serviceaccount:kube-system:efs-csi-*" (https://docs.aws.amazon.com/eks/latest/userguide/efs-csi.html).
ADDON_ROLE_ALSO_FOR = {"aws-efs-csi-driver": ("efs-csi-node-sa",)}
# The health issue EKS reports while an add-on's pods are not all ready, as seen for coredns
# (terraform-aws-modules/terraform-aws-eks#3003, aws/containers-roadmap#2328) and vpc-cni
# (aws/amazon-vpc-cni-k8s#3271).
INSUFFICIENT_REPLICAS = {
    "code": "InsufficientNumberOfReplicas",
    "message": "The add-on is unhealthy because it doesn't have the desired number of replicas.",
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


def cluster_has_nodes(cluster) -> bool:
    """Whether pods can be scheduled: a managed nodegroup is ACTIVE with at least one node (a
    nodegroup of desired size 0 leaves coredns DEGRADED, eksctl-io/eksctl#4607)."""
    return any(
        ng.status == "ACTIVE" and int((ng.scaling_config or {}).get("desiredSize", 0)) > 0
        for ng in cluster.nodegroups.values()
    )


def addon_health_issues(cluster, addon: dict) -> list[dict]:
    """The add-on's health as EKS derives it from its workloads.

    * A Deployment's pods need nodes: without an ACTIVE nodegroup the add-on is DEGRADED
      (coredns: eksctl-io/eksctl#4607, eksctl-io/eksctl#3748; "The addon will still degrade but it
      will recover once there are nodegroups again", eksctl-io/eksctl PR #5458;
      terraform-aws-modules/terraform-aws-eks#3001). DaemonSets want no pods without nodes.
    * With nodes, pods whose IAM role (serviceAccountRoleArn) does not trust the cluster's OIDC
      provider for their service account fail to get credentials and crash-loop: the EBS CSI
      controller "stuck in CrashLoopBackOff with InvalidIdentityToken" (rancher/eks-operator#2131),
      vpc-cni's aws-node never ready, nodes NotReady (aws/amazon-vpc-cni-k8s#1473). EKS reports
      InsufficientNumberOfReplicas (it does not diagnose the pods' credentials).
    * Pods that need pod networking (Deployments) cannot start while the vpc-cni add-on is itself
      unhealthy (no IPs for pods, aws/amazon-vpc-cni-k8s#1473)."""
    name = addon["addonName"]
    kind, namespace, service_account, _ = ADDON_WORKLOADS[name]
    if not cluster_has_nodes(cluster):
        return [dict(INSUFFICIENT_REPLICAS)] if kind == "Deployment" else []
    role = addon.get("serviceAccountRoleArn")
    accounts = [service_account, *ADDON_ROLE_ALSO_FOR.get(name, ())] if service_account else []
    if role and any(not role_trusts_service_account(role, cluster, namespace, sa) for sa in accounts):
        return [dict(INSUFFICIENT_REPLICAS)]
    cni = cluster.addons.get("vpc-cni")
    if kind == "Deployment" and cni is not None and name != "vpc-cni" and addon_health_issues(cluster, cni):
        return [dict(INSUFFICIENT_REPLICAS)]
    return []


def parse_configuration_values(text: str) -> None:
    """"The values that you provide are validated against the schema returned by
    DescribeAddonConfiguration" (CreateAddon `configurationValues`): they are a JSON or YAML object.
    The schemas' details are not reproduced (see DescribeAddonConfiguration below)."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise eks_error("InvalidParameterException",
                        f"ConfigurationValue provided in request is not supported: {err}")
    if not isinstance(value, dict):
        raise eks_error("InvalidParameterException",
                        "ConfigurationValue provided in request is not supported: it must be a JSON or YAML object")


def random_association_id() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "a-" + "".join(secrets.choice(alphabet) for _ in range(17))


def principal_kind(arn: str) -> tuple[str, str, str] | None:
    """(account, "role"|"user", name without path) of an IAM principal ARN."""
    match = re.fullmatch(r"arn:aws[a-z-]*:iam::(\d{12}):(role|user)/(?:.*/)?([\w+=,.@-]+)", arn or "")
    return match.groups() if match else None


def caller_principal_arn() -> str:
    """The IAM principal making the request, as EKS records the cluster creator: an IAM user's ARN,
    or the role (not the session) of an assumed role. Unknown test credentials are moto's user."""
    key = getattr(REQUEST_CONTEXT, "access_key", None) or ""
    try:
        _, arn, _ = sts_backends[ACCOUNT_ID]["aws"].get_caller_identity(key, "us-east-1")
    except Exception:
        arn = f"arn:aws:sts::{ACCOUNT_ID}:user/moto"
    assumed = re.fullmatch(r"arn:aws:sts::(\d{12}):assumed-role/([^/]+)/.+", arn)
    if assumed:
        role = next((r for r in iam_backend().get_roles() if r.name == assumed.group(2)), None)
        return role.arn if role else f"arn:aws:iam::{assumed.group(1)}:role/{assumed.group(2)}"
    return arn.replace(":sts::", ":iam::", 1)


# Access policies of https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
ACCESS_POLICIES = [
    "AmazonEKSAdminPolicy", "AmazonEKSClusterAdminPolicy", "AmazonEKSAdminViewPolicy", "AmazonEKSEditPolicy",
    "AmazonEKSViewPolicy", "AmazonEKSAutoNodePolicy", "AmazonEKSBlockStoragePolicy", "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSNetworkingPolicy", "AmazonEKSComputePolicy", "AmazonEKSBlockStorageClusterPolicy",
    "AmazonEKSComputeClusterPolicy", "AmazonEKSLoadBalancingClusterPolicy", "AmazonEKSNetworkingClusterPolicy",
    "AmazonEKSHybridPolicy",
]
ACCESS_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/{}"
NODE_ENTRY_TYPES = {"EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX", "EC2", "HYPERPOD_LINUX"}


def new_access_entry(cluster, region: str, principal_arn: str, entry_type: str = "STANDARD",
                     groups: list | None = None, username: str | None = None, tags: dict | None = None) -> dict:
    """An access entry as EKS creates it (https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html:
    the username EKS sets when none is given; the AWS CLI reference's create-access-entry examples
    for the ARN, and kubernetesGroups ["system:nodes"] of an EC2_LINUX entry)."""
    account, kind, name = principal_kind(principal_arn)
    if username is None:
        if entry_type in ("EC2_LINUX", "EC2_WINDOWS"):
            username = "system:node:{{EC2PrivateDNSName}}"
        elif entry_type in NODE_ENTRY_TYPES:
            username = "system:node:{{SessionName}}"
        elif kind == "role":  # "If the ARN of the role that you specified contained a path, Amazon EKS removes it"
            username = f"arn:aws:sts::{account}:assumed-role/{name}/{{{{SessionName}}}}"
        else:
            username = principal_arn
    if groups is None:
        groups = ["system:nodes"] if entry_type in ("EC2_LINUX", "EC2_WINDOWS") else []
    now = time.time()
    return {
        "clusterName": cluster.name,
        "principalArn": principal_arn,
        "kubernetesGroups": list(groups),
        "accessEntryArn": f"arn:aws:eks:{region}:{ACCOUNT_ID}:access-entry/{cluster.name}/{kind}/{account}/{name}/{uuid.uuid4()}",
        "createdAt": now,
        "modifiedAt": now,
        "tags": dict(tags or {}),
        "username": username,
        "type": entry_type,
        "_policies": {},
    }


def check_standard_identity(groups, username) -> None:
    """Kubernetes groups and usernames of STANDARD access entries may not use the system: prefix
    Kubernetes reserves: "InvalidParameterException: The kubernetes group name system:masters is
    invalid, it cannot start with system:" (terraform-aws-modules/terraform-aws-eks#2915; the same
    for system:bootstrappers, aws/karpenter-provider-aws#7558) and "InvalidParameterException: The
    username must not begin with system:" (aws-ia/terraform-aws-eks-blueprints#1920)."""
    for group in groups or []:
        if group.startswith("system:"):
            raise eks_error("InvalidParameterException",
                            f"The kubernetes group name {group} is invalid, it cannot start with system:")
    if username and username.startswith("system:"):
        raise eks_error("InvalidParameterException", "The username must not begin with system:")


def cluster_allows_access_entries(cluster) -> bool:
    return cluster.access_config["authenticationMode"] in ("API", "API_AND_CONFIG_MAP")


def add_node_role_entry(cluster, region: str, role_arn: str) -> None:
    """"When authentication_mode is API_AND_CONFIG_MAP or API, EKS automatically creates access
    entries for the IAM roles used by EKS managed node groups" (terraform-aws-modules/terraform-aws-eks
    access-entries docs; https://eksworkshop.com/docs/security/cluster-access-management/managing
    lists them: "EKS has already mapped a couple of default access entries")."""
    if cluster_allows_access_entries(cluster) and principal_kind(role_arn) and role_arn not in cluster.access_entries:
        cluster.access_entries[role_arn] = new_access_entry(cluster, region, role_arn, "EC2_LINUX")


class EksApi:
    """EKS operations moto lacks, stored on moto's Cluster objects: add-ons (CreateAddon, DescribeAddon,
    ListAddons, UpdateAddon, DeleteAddon, DescribeAddonVersions, DescribeAddonConfiguration),
    DescribeClusterVersions, access entries and access policies, Pod Identity associations, and
    TagResource/UntagResource/ListTagsForResource for every EKS resource (moto's tag only clusters)."""

    OPERATIONS = (
        "CreateAddon", "DescribeAddon", "ListAddons", "UpdateAddon", "DeleteAddon", "DescribeAddonVersions",
        "DescribeAddonConfiguration", "DescribeClusterVersions", "UpdateClusterConfig", "DescribeUpdate",
        "CreateAccessEntry", "ListAccessEntries", "DescribeAccessEntry", "UpdateAccessEntry", "DeleteAccessEntry",
        "AssociateAccessPolicy", "ListAssociatedAccessPolicies", "DisassociateAccessPolicy", "ListAccessPolicies",
        "CreatePodIdentityAssociation", "ListPodIdentityAssociations", "DescribePodIdentityAssociation",
        "UpdatePodIdentityAssociation", "DeletePodIdentityAssociation",
        "TagResource", "UntagResource", "ListTagsForResource",
    )

    def handle(self, operation: str, region: str, params: dict, query: dict, body: dict):
        method = getattr(self, "op_" + re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower())
        return method(region, params, query, body)

    # ---- helpers ------------------------------------------------------------
    @staticmethod
    def cluster(region: str, name: str):
        cluster = eks_backends[ACCOUNT_ID][region].clusters.get(name)
        if cluster is None:
            raise eks_error("ResourceNotFoundException", f"No cluster found for name: {name}.")
        return cluster

    @staticmethod
    def page(items: list, query: dict, key: str, max_default: int = 100) -> dict:
        start = int(query.get("nextToken", ["0"])[0] or 0)
        size = int(query.get("maxResults", [max_default])[0])
        out = {key: items[start:start + size]}
        if start + size < len(items):
            out["nextToken"] = str(start + size)
        return out

    @staticmethod
    def public(item: dict) -> dict:
        return {k: v for k, v in item.items() if not k.startswith("_")}

    # ---- Kubernetes versions -------------------------------------------------
    def op_describe_cluster_versions(self, region, params, query, body):
        """GET /cluster-versions (https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeClusterVersions.html):
        versions offered (standard and extended support), newest first as `aws eks
        describe-cluster-versions` lists them (awslabs/amazon-eks-ami PR #2143); includeAll adds those
        past end of extended support."""
        versions = cluster_version_info()
        if not query.get("includeAll", ["false"])[0] == "true":
            versions = [v for v in versions if v["versionStatus"] != "UNSUPPORTED"]
        if query.get("clusterType") and query["clusterType"][0] != "eks":
            versions = []
        if query.get("defaultOnly", ["false"])[0] == "true":
            versions = [v for v in versions if v["defaultVersion"]]
        if query.get("clusterVersions"):
            wanted = set(query["clusterVersions"])
            versions = [v for v in versions if v["clusterVersion"] in wanted]
        status = (query.get("versionStatus") or [None])[0] or {
            "standard-support": "STANDARD_SUPPORT", "extended-support": "EXTENDED_SUPPORT", "unsupported": "UNSUPPORTED",
        }.get((query.get("status") or [""])[0])
        if status:
            versions = [v for v in versions if v["versionStatus"] == status]
        return self.page(versions, query, "clusterVersions")

    # ---- add-ons ---------------------------------------------------------------
    def addon(self, cluster, name: str) -> dict:
        addon = cluster.addons.get(name)
        if addon is None:
            raise eks_error("ResourceNotFoundException", f"No addon: {name} found in cluster: {cluster.name}")
        return addon

    @staticmethod
    def addon_view(cluster, addon: dict) -> dict:
        shown = {k: v for k, v in addon.items() if not k.startswith("_")}
        if time.monotonic() < addon["_ready_at"]:
            shown["status"] = addon["_pending_status"]
        elif addon["status"] == "ACTIVE":  # health is re-evaluated on every read, as EKS re-checks it
            issues = addon_health_issues(cluster, addon)
            shown["health"] = {"issues": issues}
            shown["status"] = "DEGRADED" if issues else "ACTIVE"
        return shown

    def op_list_addons(self, region, params, query, body):
        return self.page(sorted(self.cluster(region, params["name"]).addons), query, "addons")

    def op_describe_addon(self, region, params, query, body):
        cluster = self.cluster(region, params["name"])
        return {"addon": self.addon_view(cluster, self.addon(cluster, params["addonName"]))}

    def addon_pod_identities(self, cluster, region: str, name: str, associations: list, addon_arn: str) -> list[str]:
        """CreateAddon's podIdentityAssociations create Pod Identity associations owned by the add-on
        (PodIdentityAssociation `ownerArn`: "If defined, the EKS Pod Identity association is owned by
        an Amazon EKS add-on"); DescribeAddon lists their ARNs (Addon `podIdentityAssociations`:
        "An array of EKS Pod Identity associations owned by the add-on")."""
        _, namespace, service_account, _ = ADDON_WORKLOADS[name]
        arns = []
        for item in associations or []:
            if item.get("serviceAccount") != service_account:
                raise eks_error("InvalidParameterException",
                                f"Service account {item.get('serviceAccount')} is not supported by addon {name}; "
                                f"see DescribeAddonConfiguration")
            check_role_arn(item.get("roleArn") or "", eks_error)
            association = self.new_association(cluster, region, namespace, item["serviceAccount"], item["roleArn"],
                                               owner=addon_arn)
            arns.append(association["associationArn"])
        return arns

    def op_create_addon(self, region, params, query, body):
        cluster = self.cluster(region, params["name"])
        name = body.get("addonName")
        if name not in ADDON_CATALOG:
            raise eks_error("InvalidParameterException", f"Addon {name} specified is not supported")
        validate_tags(body.get("tags"), lambda m: eks_error("InvalidParameterException", m))
        if cluster.status != "ACTIVE":
            raise eks_error("InvalidRequestException", f"Cluster {cluster.name} is not in ACTIVE state")
        if name in cluster.addons:
            raise eks_error("ResourceInUseException", f"Addon already exists with name: {name}")
        versions = [v["addonVersion"] for v in addon_versions(name, cluster.version)]
        version = body.get("addonVersion") or (versions[0] if versions else None)
        if version not in versions:
            raise eks_error("InvalidParameterException", f"Addon version {version} is not supported for {name}")
        if body.get("serviceAccountRoleArn"):
            check_role_arn(body["serviceAccountRoleArn"], eks_error)
        if body.get("configurationValues"):
            parse_configuration_values(body["configurationValues"])
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
        for key in ("serviceAccountRoleArn", "configurationValues"):
            if body.get(key) is not None:
                addon[key] = body[key]
        if body.get("podIdentityAssociations"):
            addon["podIdentityAssociations"] = self.addon_pod_identities(
                cluster, region, name, body["podIdentityAssociations"], addon["addonArn"])
        cluster.addons[name] = addon
        return {"addon": self.addon_view(cluster, addon)}

    def op_update_addon(self, region, params, query, body):
        cluster = self.cluster(region, params["name"])
        addon = self.addon(cluster, params["addonName"])
        if time.monotonic() < addon["_ready_at"]:
            raise eks_error("InvalidRequestException", f"Addon {addon['addonName']} is not in ACTIVE state")
        update_params = []
        if body.get("addonVersion"):
            versions = [v["addonVersion"] for v in addon_versions(addon["addonName"], cluster.version)]
            if body["addonVersion"] not in versions:
                raise eks_error("InvalidParameterException", f"Addon version {body['addonVersion']} is not supported")
            addon["addonVersion"] = body["addonVersion"]
            update_params.append({"type": "AddonVersion", "value": body["addonVersion"]})
        if body.get("serviceAccountRoleArn"):
            check_role_arn(body["serviceAccountRoleArn"], eks_error)
        if body.get("configurationValues"):
            parse_configuration_values(body["configurationValues"])
        for key, param in (("serviceAccountRoleArn", "ServiceAccountRoleArn"), ("configurationValues", "ConfigurationValues")):
            if body.get(key) is not None:
                addon[key] = body[key]
                update_params.append({"type": param, "value": body[key]})
        if body.get("podIdentityAssociations") is not None:
            self.drop_owned_associations(cluster, addon["addonArn"])
            addon["podIdentityAssociations"] = self.addon_pod_identities(
                cluster, region, addon["addonName"], body["podIdentityAssociations"], addon["addonArn"])
            update_params.append({"type": "PodIdentityAssociations", "value": json.dumps(addon["podIdentityAssociations"])})
        if body.get("resolveConflicts"):
            update_params.append({"type": "ResolveConflicts", "value": body["resolveConflicts"]})
        addon["modifiedAt"] = time.time()
        addon["_ready_at"] = time.monotonic() + pending_seconds("eks_addon")
        addon["_pending_status"] = "UPDATING"
        update = self.record_update(cluster, "AddonUpdate", update_params, addon=addon["addonName"],
                                    ready_at=addon["_ready_at"])
        return {"update": update}

    def op_delete_addon(self, region, params, query, body):
        cluster = self.cluster(region, params["name"])
        addon = self.addon(cluster, params["addonName"])
        view = dict(self.addon_view(cluster, addon), status="DELETING")
        del cluster.addons[addon["addonName"]]
        self.drop_owned_associations(cluster, addon["addonArn"])
        return {"addon": view}

    def op_describe_addon_versions(self, region, params, query, body):
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

    def op_describe_addon_configuration(self, region, params, query, body):
        """GET /addons/configuration-schemas (https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeAddonConfiguration.html).
        podIdentityConfiguration: the add-on's service account and recommended managed policy
        (add-ons-iam.html). configurationSchema: only a JSON-schema object stub, not EKS's detailed
        per-add-on schemas."""
        name = (query.get("addonName") or [None])[0]
        version = (query.get("addonVersion") or [None])[0]
        if name not in ADDON_CATALOG or version not in [v["addonVersion"] for v in addon_versions(name)]:
            raise eks_error("ResourceNotFoundException", f"Addon {name} with version {version} not found")
        _, _, service_account, policy = ADDON_WORKLOADS[name]
        schema = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                  "description": f"Configuration values for {name} {version}"}
        out = {"addonName": name, "addonVersion": version, "configurationSchema": json.dumps(schema),
               "podIdentityConfiguration": []}
        if service_account:
            out["podIdentityConfiguration"] = [{"serviceAccount": service_account, "recommendedManagedPolicies": [policy]}]
        return out

    # ---- cluster configuration updates ---------------------------------------------
    @staticmethod
    def record_update(cluster, update_type: str, update_params: list, addon: str | None = None,
                      ready_at: float = 0.0) -> dict:
        update = {"id": str(uuid.uuid4()), "status": "Successful", "type": update_type, "params": update_params,
                  "createdAt": time.time(), "errors": [], "_addon": addon, "_ready_at": ready_at}
        cluster.updates[update["id"]] = update
        return EksApi.update_view(update)

    @staticmethod
    def update_view(update: dict) -> dict:
        shown = {k: v for k, v in update.items() if not k.startswith("_")}
        if time.monotonic() < update["_ready_at"]:
            shown["status"] = "InProgress"
        return shown

    def op_update_cluster_config(self, region, params, query, body):
        """UpdateClusterConfig (https://docs.aws.amazon.com/eks/latest/APIReference/API_UpdateClusterConfig.html)
        for endpoint access, VPC subnets/security groups, logging, accessConfig and upgradePolicy
        (moto's replaced the whole resourcesVpcConfig, ignored accessConfig and returned no update).
        "InvalidParameterException ... Only one type of update can be allowed."
        (kubernetes-sigs/cluster-api-provider-aws#3553); unchanged endpoint access: "Cluster is already
        at the desired configuration with endpointPrivateAccess: false and endpointPublicAccess: true"
        (boto/boto3#2592). The authentication mode only moves towards the EKS API: "You can update your
        cluster configuration from CONFIG_MAP to API_AND_CONFIG_MAP and from API_AND_CONFIG_MAP to API,
        but not the other way around" (https://eksworkshop.com/docs/security/cluster-access-management/managing)."""
        cluster = self.cluster(region, params["name"])
        vpc = dict(body.get("resourcesVpcConfig") or {})
        kinds = []
        if {"subnetIds", "securityGroupIds"} & set(vpc):
            kinds.append("VpcConfigUpdate")
        if {"endpointPublicAccess", "endpointPrivateAccess", "publicAccessCidrs"} & set(vpc):
            kinds.append("EndpointAccessUpdate")
        for key, kind in (("logging", "LoggingUpdate"), ("accessConfig", "AccessConfigUpdate"),
                          ("upgradePolicy", "UpgradePolicyUpdate")):
            if body.get(key) is not None:
                kinds.append(kind)
        if len(kinds) != 1:
            raise eks_error("InvalidParameterException",
                            "Only one type of update can be allowed." if kinds else "Invalid type for cluster update.")
        kind, config = kinds[0], cluster.resources_vpc_config
        if kind == "VpcConfigUpdate":
            ec2 = ec2_backends[ACCOUNT_ID][region]
            try:
                vpcs = {ec2.get_subnet(s).vpc_id for s in vpc.get("subnetIds") or config["subnetIds"]}
            except Exception:
                raise eks_error("InvalidParameterException", f"One or more subnets in {vpc.get('subnetIds')} do not exist.")
            if vpcs != {config["vpcId"]}:  # "You can't change which VPC the subnets are from"
                raise eks_error("InvalidParameterException", "Subnets must belong to the cluster's VPC "
                                f"{config['vpcId']}.")
            changed = [("Subnets", "subnetIds"), ("SecurityGroups", "securityGroupIds")]
        elif kind == "EndpointAccessUpdate":
            wanted = {k: vpc.get(k, config.get(k)) for k in ("endpointPublicAccess", "endpointPrivateAccess", "publicAccessCidrs")}
            if all(wanted[k] == config.get(k) for k in wanted):
                raise eks_error("InvalidParameterException",
                                f"Cluster is already at the desired configuration with endpointPrivateAccess: "
                                f"{str(config['endpointPrivateAccess']).lower()} and endpointPublicAccess: "
                                f"{str(config['endpointPublicAccess']).lower()}")
            if not wanted["endpointPublicAccess"] and not wanted["endpointPrivateAccess"]:
                raise eks_error("InvalidParameterException",
                                "Either public or private endpoint access must be enabled for the cluster.")
            changed = [("EndpointPublicAccess", "endpointPublicAccess"), ("EndpointPrivateAccess", "endpointPrivateAccess"),
                       ("PublicAccessCidrs", "publicAccessCidrs")]
        if kind in ("VpcConfigUpdate", "EndpointAccessUpdate"):
            update_params = []
            for param, key in changed:
                if key in vpc:
                    config[key] = vpc[key]
                    update_params.append({"type": param, "value": json.dumps(vpc[key])})
            return {"update": self.record_update(cluster, kind, update_params)}
        if kind == "LoggingUpdate":
            enabled = {t for e in cluster.logging["clusterLogging"] if e.get("enabled") for t in e["types"]}
            cluster.logging = cluster_logging(apply_logging(enabled, body["logging"]))
            return {"update": self.record_update(cluster, kind, [
                {"type": "ClusterLogging", "value": json.dumps(body["logging"])}])}
        if kind == "AccessConfigUpdate":
            mode = body["accessConfig"].get("authenticationMode")
            allowed = {("CONFIG_MAP", "API_AND_CONFIG_MAP"), ("API_AND_CONFIG_MAP", "API")}
            current = cluster.access_config["authenticationMode"]
            if (current, mode) not in allowed:
                raise eks_error("InvalidParameterException",
                                f"Unsupported authentication mode update from {current} to {mode}")
            cluster.access_config["authenticationMode"] = mode
            for nodegroup in cluster.nodegroups.values():
                add_node_role_entry(cluster, region, nodegroup.node_role)
            return {"update": self.record_update(cluster, kind, [{"type": "AuthenticationMode", "value": mode}])}
        support = body["upgradePolicy"].get("supportType")
        if support not in ("STANDARD", "EXTENDED"):
            raise eks_error("InvalidParameterException", f"Invalid supportType: {support}")
        cluster.upgrade_policy = {"supportType": support}
        return {"update": self.record_update(cluster, kind, [{"type": "UpgradePolicy", "value": support}])}

    def op_describe_update(self, region, params, query, body):
        cluster = self.cluster(region, params["name"])
        update = cluster.updates.get(params["updateId"])
        if update is None or update["_addon"] != (query.get("addonName") or [None])[0]:
            raise eks_error("ResourceNotFoundException", f"No update found for ID: {params['updateId']}.")
        return {"update": self.update_view(update)}

    # ---- access entries ----------------------------------------------------------
    @staticmethod
    def entries_cluster(region: str, name: str):
        """Access entries exist only when the cluster's authentication mode includes the EKS API:
        "InvalidRequestException: The cluster's authentication mode must be set to one of [API,
        API_AND_CONFIG_MAP] to perform this operation." (CreateAccessEntry:
        aws-ia/terraform-aws-eks-blueprints#1877; DescribeAccessEntry: upbound/configuration-aws-eks PR #122)."""
        cluster = EksApi.cluster(region, name)
        if not cluster_allows_access_entries(cluster):
            raise eks_error("InvalidRequestException",
                            "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] "
                            "to perform this operation.")
        return cluster

    @staticmethod
    def entry(cluster, principal_arn: str) -> dict:
        entry = cluster.access_entries.get(principal_arn)
        if entry is None:  # terraform-aws-modules/terraform-aws-eks#3024
            raise eks_error("ResourceNotFoundException",
                            "The specified principalArn could not be found. You can view your available access "
                            "entries with 'list-access-entries'.")
        return entry

    def op_create_access_entry(self, region, params, query, body):
        cluster = self.entries_cluster(region, params["name"])
        principal = body.get("principalArn") or ""
        entry_type = body.get("type") or "STANDARD"  # "If you don't specify a value, Amazon EKS sets the value to STANDARD."
        validate_tags(body.get("tags"), lambda m: eks_error("InvalidParameterException", m))
        parsed = principal_kind(principal)
        # "You can't use the STS session principal type with access entries"; node types take IAM
        # roles only; the principal must exist ("InvalidParameterException: The specified
        # principalArn is invalid: invalid principal.", terraform-aws-modules/terraform-aws-eks#2969;
        # principals of other accounts are only allowed for STANDARD entries, creating-access-entries.html).
        if parsed is None or (entry_type != "STANDARD" and parsed[1] != "role"):
            raise eks_error("InvalidParameterException", "The specified principalArn is invalid: invalid principal.")
        if parsed[0] == ACCOUNT_ID:
            backend = iam_backend()
            exists = (iam_role(principal) is not None if parsed[1] == "role"
                      else any(u.arn == principal for u in backend.users.values()))
            if not exists:
                raise eks_error("InvalidParameterException", "The specified principalArn is invalid: invalid principal.")
        elif entry_type != "STANDARD":
            raise eks_error("InvalidParameterException", "The specified principalArn is invalid: invalid principal.")
        if entry_type not in {"STANDARD"} | NODE_ENTRY_TYPES:
            raise eks_error("InvalidParameterException", f"Invalid access entry type: {entry_type}")
        # "If you set the value to EC2_LINUX or EC2_WINDOWS, you can't specify values for
        # kubernetesGroups, or associate an AccessPolicy" (CreateAccessEntry `type`).
        if entry_type != "STANDARD" and (body.get("kubernetesGroups") or body.get("username")):
            raise eks_error("InvalidParameterException",
                            f"kubernetesGroups and username cannot be specified for access entries of type {entry_type}.")
        if entry_type == "STANDARD":
            check_standard_identity(body.get("kubernetesGroups"), body.get("username"))
        if principal in cluster.access_entries:  # terraform-aws-modules/terraform-aws-eks#3293 (409)
            raise eks_error("ResourceInUseException", "The specified access entry resource is already in use on this cluster.")
        entry = new_access_entry(cluster, region, principal, entry_type, body.get("kubernetesGroups"),
                                 body.get("username"), body.get("tags"))
        cluster.access_entries[principal] = entry
        return {"accessEntry": self.public(entry)}

    def op_list_access_entries(self, region, params, query, body):
        cluster = self.entries_cluster(region, params["name"])
        policy = (query.get("associatedPolicyArn") or [None])[0]
        arns = [arn for arn, e in cluster.access_entries.items() if policy is None or policy in e["_policies"]]
        return self.page(arns, query, "accessEntries")

    def op_describe_access_entry(self, region, params, query, body):
        cluster = self.entries_cluster(region, params["name"])
        return {"accessEntry": self.public(self.entry(cluster, params["principalArn"]))}

    def op_update_access_entry(self, region, params, query, body):
        cluster = self.entries_cluster(region, params["name"])
        entry = self.entry(cluster, params["principalArn"])
        if entry["type"] != "STANDARD" and (body.get("kubernetesGroups") is not None or body.get("username")):
            raise eks_error("InvalidParameterException",
                            'This operation can only be performed on Access Entries with a type of "STANDARD".')
        check_standard_identity(body.get("kubernetesGroups"), body.get("username"))
        if body.get("kubernetesGroups") is not None:
            entry["kubernetesGroups"] = list(body["kubernetesGroups"])
        if body.get("username"):
            entry["username"] = body["username"]
        entry["modifiedAt"] = time.time()
        return {"accessEntry": self.public(entry)}

    def op_delete_access_entry(self, region, params, query, body):
        # "If the access entry that you're deleting is associated to any access policies, the
        # associations are automatically deleted." (https://docs.aws.amazon.com/eks/latest/userguide/deleting-access-entries.html)
        cluster = self.entries_cluster(region, params["name"])
        self.entry(cluster, params["principalArn"])
        del cluster.access_entries[params["principalArn"]]
        return {}

    def op_associate_access_policy(self, region, params, query, body):
        cluster = self.entries_cluster(region, params["name"])
        entry = self.entry(cluster, params["principalArn"])
        if entry["type"] != "STANDARD":  # aws-controllers-k8s/community#2144
            raise eks_error("InvalidParameterException",
                            'This operation can only be performed on Access Entries with a type of "STANDARD".')
        policy = body.get("policyArn") or ""
        if policy not in [ACCESS_POLICY_ARN.format(p) for p in ACCESS_POLICIES]:
            raise eks_error("InvalidParameterException", f"The specified policyArn is invalid: {policy}")
        scope = dict(body.get("accessScope") or {})
        # AccessScope `namespaces`: "A value is required if you specified namespace for Type."
        if scope.get("type") not in ("cluster", "namespace"):
            raise eks_error("InvalidParameterException", "accessScope.type must be one of [cluster, namespace]")
        if scope["type"] == "namespace" and not scope.get("namespaces"):
            raise eks_error("InvalidParameterException", "accessScope.namespaces is required for accessScope.type namespace")
        if scope["type"] == "cluster" and scope.get("namespaces"):
            raise eks_error("InvalidParameterException", "accessScope.namespaces cannot be specified for accessScope.type cluster")
        scope.setdefault("namespaces", [])
        now = time.time()
        previous = entry["_policies"].get(policy)
        entry["_policies"][policy] = {"policyArn": policy, "accessScope": scope,
                                      "associatedAt": previous["associatedAt"] if previous else now, "modifiedAt": now}
        return {"clusterName": cluster.name, "principalArn": entry["principalArn"],
                "associatedAccessPolicy": entry["_policies"][policy]}

    def op_list_associated_access_policies(self, region, params, query, body):
        cluster = self.entries_cluster(region, params["name"])
        entry = self.entry(cluster, params["principalArn"])
        out = self.page(list(entry["_policies"].values()), query, "associatedAccessPolicies")
        return {"clusterName": cluster.name, "principalArn": entry["principalArn"], **out}

    def op_disassociate_access_policy(self, region, params, query, body):
        cluster = self.entries_cluster(region, params["name"])
        entry = self.entry(cluster, params["principalArn"])
        if entry["_policies"].pop(params["policyArn"], None) is None:
            raise eks_error("ResourceNotFoundException",
                            f"The specified policyArn {params['policyArn']} is not associated with the access entry.")
        return {}

    def op_list_access_policies(self, region, params, query, body):
        policies = [{"name": p, "arn": ACCESS_POLICY_ARN.format(p)} for p in ACCESS_POLICIES]
        return self.page(policies, query, "accessPolicies")

    # ---- Pod Identity associations --------------------------------------------------
    def new_association(self, cluster, region: str, namespace: str, service_account: str, role_arn: str,
                        owner: str | None = None, tags: dict | None = None, extra: dict | None = None) -> dict:
        for existing in cluster.pod_identity_associations.values():
            if (existing["namespace"], existing["serviceAccount"]) == (namespace, service_account):
                # "ResourceInUseException: Association already exists: a-..." (eksctl-io/eksctl#7753)
                raise eks_error("ResourceInUseException", f"Association already exists: {existing['associationId']}")
        association_id = random_association_id()
        now = time.time()
        association = {
            "clusterName": cluster.name,
            "namespace": namespace,
            "serviceAccount": service_account,
            "roleArn": role_arn,
            "associationArn": f"arn:aws:eks:{region}:{ACCOUNT_ID}:podidentityassociation/{cluster.name}/{association_id}",
            "associationId": association_id,
            "tags": dict(tags or {}),
            "createdAt": now,
            "modifiedAt": now,
            "disableSessionTags": False,
        }
        if owner:
            association["ownerArn"] = owner
        association.update(extra or {})
        cluster.pod_identity_associations[association_id] = association
        return association

    @staticmethod
    def drop_owned_associations(cluster, owner: str) -> None:
        for key in [k for k, a in cluster.pod_identity_associations.items() if a.get("ownerArn") == owner]:
            del cluster.pod_identity_associations[key]

    @staticmethod
    def association(cluster, association_id: str) -> dict:
        association = cluster.pod_identity_associations.get(association_id)
        if association is None:
            raise eks_error("ResourceNotFoundException", f"Pod Identity association {association_id} not found.")
        return association

    def op_create_pod_identity_association(self, region, params, query, body):
        """https://docs.aws.amazon.com/eks/latest/APIReference/API_CreatePodIdentityAssociation.html;
        shapes as in the AWS CLI reference's create-pod-identity-association examples."""
        cluster = self.cluster(region, params["name"])
        for key in ("namespace", "serviceAccount", "roleArn"):
            if not body.get(key):
                raise eks_error("InvalidParameterException", f"{key} is required")
        check_role_arn(body["roleArn"], eks_error)
        validate_tags(body.get("tags"), lambda m: eks_error("InvalidParameterException", m))
        extra = {k: body[k] for k in ("disableSessionTags", "targetRoleArn", "policy") if body.get(k) is not None}
        association = self.new_association(cluster, region, body["namespace"], body["serviceAccount"],
                                           body["roleArn"], tags=body.get("tags"), extra=extra)
        return {"association": association}

    def op_list_pod_identity_associations(self, region, params, query, body):
        cluster = self.cluster(region, params["name"])
        namespace = (query.get("namespace") or [None])[0]
        service_account = (query.get("serviceAccount") or [None])[0]
        summaries = [
            {k: a[k] for k in ("clusterName", "namespace", "serviceAccount", "associationArn", "associationId", "ownerArn") if k in a}
            for a in cluster.pod_identity_associations.values()
            if namespace in (None, a["namespace"]) and service_account in (None, a["serviceAccount"])
        ]
        return self.page(summaries, query, "associations")

    def op_describe_pod_identity_association(self, region, params, query, body):
        cluster = self.cluster(region, params["name"])
        return {"association": self.association(cluster, params["associationId"])}

    def op_update_pod_identity_association(self, region, params, query, body):
        cluster = self.cluster(region, params["name"])
        association = self.association(cluster, params["associationId"])
        if body.get("roleArn"):
            check_role_arn(body["roleArn"], eks_error)
            association["roleArn"] = body["roleArn"]
        for key in ("disableSessionTags", "targetRoleArn", "policy"):
            if body.get(key) is not None:
                association[key] = body[key]
        association["modifiedAt"] = time.time()
        return {"association": association}

    def op_delete_pod_identity_association(self, region, params, query, body):
        cluster = self.cluster(region, params["name"])
        association = self.association(cluster, params["associationId"])
        del cluster.pod_identity_associations[params["associationId"]]
        return {"association": association}

    # ---- tags ------------------------------------------------------------------------
    @staticmethod
    def tagged(region: str, arn: str) -> dict:
        """The tags dict of the EKS resource `arn` (cluster, nodegroup, add-on, access entry, Pod
        Identity association, Fargate profile). TagResource, UntagResource and ListTagsForResource
        answer BadRequestException or NotFoundException (their Errors in the API reference)."""
        for cluster in eks_backends[ACCOUNT_ID][region].clusters.values():
            if cluster.arn == arn:
                return cluster.tags
            for group in list(cluster.nodegroups.values()) + list(cluster.fargate_profiles.values()):
                if getattr(group, "arn", None) == arn or getattr(group, "fargate_profile_arn", None) == arn:
                    return group.tags
            for item in (list(cluster.addons.values()) + list(cluster.access_entries.values())
                         + list(cluster.pod_identity_associations.values())):
                if arn in (item.get("addonArn"), item.get("accessEntryArn"), item.get("associationArn")):
                    return item["tags"]
        raise eks_error("NotFoundException", "Resource was not found")

    def op_tag_resource(self, region, params, query, body):
        tags = self.tagged(region, params["resourceArn"])
        validate_tags(body.get("tags") or {}, lambda m: eks_error("BadRequestException", m), existing=tags)
        tags.update(body.get("tags") or {})
        return {}

    def op_untag_resource(self, region, params, query, body):
        tags = self.tagged(region, params["resourceArn"])
        keys = query.get("tagKeys", [])
        # "You can't edit or delete tag keys or values with this prefix." (eks-using-tags.html)
        if any(k.lower().startswith("aws:") for k in keys):
            raise eks_error("BadRequestException", "Tag keys starting with 'aws:' are reserved for AWS use and cannot be removed.")
        for key in keys:
            tags.pop(key, None)
        return {}

    def op_list_tags_for_resource(self, region, params, query, body):
        return {"tags": dict(self.tagged(region, params["resourceArn"]))}


def cloudformation_tags(region: str, arn: str, tags: dict) -> dict:
    """Seed-only stand-in for AWS CloudFormation: a stack tags the resources it creates with
    aws:cloudformation:stack-name, -stack-id and -logical-id itself, as the service (keys users may
    not set: see validate_tags). eksctl creates clusters and nodegroups through CloudFormation, so
    they carry them (AWS CLI reference, `aws eks list-tags-for-resource` examples)."""
    target = EksApi.tagged(region, arn)
    target.update(tags)
    return dict(target)


LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


def cluster_logging(enabled: set) -> dict:
    """DescribeCluster's `logging` as EKS reports it: every control plane log type, the enabled ones
    in one entry and the others in an `enabled: false` one (moto records the all-disabled default
    "through cURL responses from the actual APIs"; the AWS CLI reference's describe-cluster example
    lists all five types in one enabled entry)."""
    groups = [([t for t in LOG_TYPES if t in enabled], True), ([t for t in LOG_TYPES if t not in enabled], False)]
    return {"clusterLogging": [{"types": types, "enabled": state} for types, state in groups if types]}


def apply_logging(enabled: set, logging: dict | None) -> set:
    enabled = set(enabled)
    for setup in (logging or {}).get("clusterLogging") or []:
        for log_type in setup.get("types") or []:
            (enabled.add if setup.get("enabled") else enabled.discard)(log_type)
    return enabled


CLUSTER_NAME_RE = re.compile(r"[0-9A-Za-z][A-Za-z0-9\-_]*")
AL2_AMI_TYPES = ("AL2_x86_64", "AL2_x86_64_GPU", "AL2_ARM_64")
ARM_INSTANCE_RE = re.compile(r"^[a-z]+\d+g[a-z]*\.")  # Graviton families: m6g, c7gn, t4g, r8gd, ...


def check_role_arn(arn: str, error=moto_eks_error) -> None:
    """moto's role ARN format check, raised in the caller's error style."""
    try:
        validate_role_arn(arn)
    except Exception:
        raise error("InvalidParameterException", f"Invalid Role Arn: '{arn}'")


def default_service_cidr(ec2, vpc_id: str) -> str:
    """"If you don't specify a block, Kubernetes assigns addresses from either the 10.100.0.0/16 or
    172.20.0.0/16 CIDR blocks" (KubernetesNetworkConfigRequest `serviceIpv4Cidr`, API reference):
    172.20.0.0/16 when the VPC is in 10.0.0.0/8, else 10.100.0.0/16 (the rule the EKS AMI's
    bootstrap.sh relies on to find the DNS service IP, awslabs/amazon-eks-ami)."""
    vpc = ec2.get_vpc(vpc_id)
    in_ten = ipaddress.ip_network(vpc.cidr_block).subnet_of(ipaddress.ip_network("10.0.0.0/8"))
    return "172.20.0.0/16" if in_ten else "10.100.0.0/16"


def check_service_cidr(cidr: str, ec2, vpc_id: str) -> None:
    """serviceIpv4Cidr requirements (API reference): within 10.0.0.0/8, 172.16.0.0/12 or
    192.168.0.0/16; not overlapping the VPC's CIDR; between /24 and /12."""
    try:
        network = ipaddress.ip_network(cidr)
    except ValueError:
        raise moto_eks_error("InvalidParameterException", f"Invalid serviceIpv4Cidr: {cidr}")
    private = [ipaddress.ip_network(p) for p in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
    vpc = ipaddress.ip_network(ec2.get_vpc(vpc_id).cidr_block)
    if (not any(network.subnet_of(p) for p in private) or network.overlaps(vpc)
            or not 12 <= network.prefixlen <= 24):
        raise moto_eks_error(
            "InvalidParameterException",
            f"serviceIpv4Cidr {cidr} must be a /12-/24 block within 10.0.0.0/8, 172.16.0.0/12 or "
            f"192.168.0.0/16 that does not overlap the VPC's CIDR {vpc}")


def launch_template_version(ec2, spec: dict, cluster_name: str, nodegroup_name: str):
    """The launch template version a nodegroup's launchTemplate refers to. "You must specify either the
    launch template name or the launch template ID in the request, but not both." "If no version is
    specified, then the template's default version is used." (LaunchTemplateSpecification). Refusals:
    "Either provide launch template ID or launch template name in the request." (both;
    eksctl-io/eksctl PR #3104), "Either a launch template ID or a launch template name must be
    specified in the request." (neither; terraform-aws-modules/terraform-aws-eks PR #3671)."""
    names = {"clusterName": cluster_name, "nodegroupName": nodegroup_name}
    if spec.get("id") and spec.get("name"):
        raise moto_eks_error("InvalidParameterException",
                             "Either provide launch template ID or launch template name in the request.", **names)
    if not spec.get("id") and not spec.get("name"):
        raise moto_eks_error("InvalidParameterException",
                             "Either a launch template ID or a launch template name must be specified in the request.",
                             **names)
    try:
        template = (ec2.get_launch_template(spec["id"]) if spec.get("id")
                    else ec2.get_launch_template_by_name(spec["name"]))
    except Exception:
        raise moto_eks_error("InvalidParameterException",
                             f"Launch template {spec.get('id') or spec.get('name')} does not exist.", **names)
    try:
        version = template.get_version(spec["version"]) if spec.get("version") else template.default_version()
    except Exception:
        raise moto_eks_error("InvalidParameterException",
                             f"Launch template {template.id} has no version {spec.get('version')}.", **names)
    return template, version


def patch_moto_eks() -> None:
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
        body = request_body()
        # CreateCluster `name` (API reference): "Length Constraints: Minimum length of 1. Maximum
        # length of 100. Pattern: ^[0-9A-Za-z][A-Za-z0-9\-_]*". The real message:
        # surajincloud/kubectl-eks#72; "bad.name" is refused (getupio-undistro/undistro#129).
        if not name or len(name) > 100 or not CLUSTER_NAME_RE.fullmatch(name):
            raise moto_eks_error(
                "InvalidParameterException",
                'The name parameter contains invalid characters. It should conform to the regular expression '
                '"^[0-9A-Za-z][A-Za-z0-9-_]*"In other words, it should start with a number or letter, and can '
                'contain numbers, letters, dashes, and underscores. It can be at most 100 characters long.',
                clusterName=name)
        # A version EKS does not offer on the emulated day is refused with "unsupported Kubernetes
        # version <v>" (terraform-aws-modules/terraform-aws-eks#3164,
        # pluralsight-cloud/content-deploying-and-managing-a-web-application-in-kubernetes-with-terraform#1);
        # none: "the default version available in Amazon EKS is used" (API reference).
        version = kwargs.get("version") or default_version()
        if version not in offered_versions():
            raise moto_eks_error("InvalidParameterException", f"unsupported Kubernetes version {version}",
                                 clusterName=name)
        kwargs["version"] = version
        validate_tags(kwargs.get("tags"), lambda m: moto_eks_error("InvalidParameterException", m, clusterName=name))
        # accessConfig (CreateAccessConfigRequest): "If you create a cluster by using the EKS API, AWS
        # SDKs, or CloudFormation, the default is CONFIG_MAP"; bootstrapClusterCreatorAdminPermissions
        # "The default value is true". CONFIG_MAP needs it true: "InvalidParameterException:
        # bootstrapClusterCreatorAdminPermissions must be true if cluster authentication mode is set to
        # CONFIG_MAP" (terraform-aws-modules/terraform-aws-eks#3026, #3206).
        access = dict(body.get("accessConfig") or {})
        mode = access.get("authenticationMode") or "CONFIG_MAP"
        bootstrap = access.get("bootstrapClusterCreatorAdminPermissions")
        bootstrap = True if bootstrap is None else bool(bootstrap)
        if mode not in ("CONFIG_MAP", "API", "API_AND_CONFIG_MAP"):
            raise moto_eks_error("InvalidParameterException", f"Invalid authenticationMode: {mode}", clusterName=name)
        if mode == "CONFIG_MAP" and not bootstrap:
            raise moto_eks_error("InvalidParameterException",
                                 "bootstrapClusterCreatorAdminPermissions must be true if cluster authentication mode "
                                 "is set to CONFIG_MAP", clusterName=name)
        upgrade = dict(body.get("upgradePolicy") or {})
        # UpgradePolicyRequest: "By default, for all new and existing clusters, the upgrade policy is
        # set to EXTENDED, unless specified otherwise" (kubernetes-versions.html, extended support FAQ).
        support = upgrade.get("supportType") or "EXTENDED"
        if support not in ("STANDARD", "EXTENDED"):
            raise moto_eks_error("InvalidParameterException", f"Invalid supportType: {support}", clusterName=name)

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
        vpc_id = next(iter(vpc_ids))
        # kubernetesNetworkConfig: ipFamily "If you don't specify a value, ipv4 is used by default";
        # serviceIpv4Cidr as checked/defaulted above (DescribeCluster example output in the AWS CLI
        # reference: {"serviceIpv4Cidr": "10.100.0.0/16", "ipFamily": "ipv4"}).
        network = dict(kwargs.get("kubernetes_network_config") or {})
        family = network.get("ipFamily") or "ipv4"
        if family not in ("ipv4", "ipv6"):
            raise moto_eks_error("InvalidParameterException", f"Invalid ipFamily: {family}", clusterName=name)
        if family == "ipv6":
            if network.get("serviceIpv4Cidr"):  # "Don't specify a value if you select ipv6 for ipFamily."
                raise moto_eks_error("InvalidParameterException",
                                     "serviceIpv4Cidr cannot be specified with ipFamily ipv6", clusterName=name)
            network = {"serviceIpv6Cidr": f"fd{secrets.token_hex(1)}:{secrets.token_hex(2)}:{secrets.token_hex(2)}::/108",
                       "ipFamily": "ipv6"}
        else:
            if network.get("serviceIpv4Cidr"):
                check_service_cidr(network["serviceIpv4Cidr"], ec2, vpc_id)
            network = {"serviceIpv4Cidr": network.get("serviceIpv4Cidr") or default_service_cidr(ec2, vpc_id),
                       "ipFamily": "ipv4"}
        kwargs["kubernetes_network_config"] = network

        cluster = original(backend, name, role_arn, vpc_config, *args, **kwargs)
        cluster.logging = cluster_logging(apply_logging(set(), kwargs.get("logging")))
        region = backend.region_name
        cluster.endpoint = f"https://{hex32()}.gr7.{region}.eks.amazonaws.com"
        apply_endpoint(cluster)
        cluster.identity = {"oidc": {"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{hex32()}"}}
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
        # publicAccessCidrs: "The default value is 0.0.0.0/0" (VpcConfigRequest).
        vpc_config.setdefault("publicAccessCidrs", ["0.0.0.0/0"])
        cluster.resources_vpc_config = vpc_config
        cluster.platformVersion = next(v["defaultPlatformVersion"] for v in cluster_version_info()
                                       if v["clusterVersion"] == version)
        cluster.access_config = {"bootstrapClusterCreatorAdminPermissions": bootstrap, "authenticationMode": mode}
        cluster.upgrade_policy = {"supportType": support}
        cluster.health = {"issues": []}
        cluster.addons = {}  # EKS add-ons (see EksApi), dropped with the cluster
        cluster.access_entries = {}  # principal ARN -> access entry
        cluster.pod_identity_associations = {}  # association id -> association
        cluster.updates = {}  # update id -> UpdateClusterConfig / UpdateAddon update, for DescribeUpdate
        # "Specifies whether or not the cluster creator IAM principal was set as a cluster admin access
        # entry during cluster creation time" (CreateAccessConfigRequest): with access entries enabled,
        # the creator gets an entry with AmazonEKSClusterAdminPolicy, cluster scope (as
        # `enable_cluster_creator_admin_permissions` relies on, terraform-aws-modules/terraform-aws-eks#3293).
        if bootstrap and mode != "CONFIG_MAP":
            creator = caller_principal_arn()
            if principal_kind(creator):
                entry = new_access_entry(cluster, region, creator)
                now = time.time()
                policy = ACCESS_POLICY_ARN.format("AmazonEKSClusterAdminPolicy")
                entry["_policies"][policy] = {"policyArn": policy, "accessScope": {"type": "cluster", "namespaces": []},
                                              "associatedAt": now, "modifiedAt": now}
                cluster.access_entries[creator] = entry
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
        stop_endpoint(name)
        return cluster

    @wrap(EKSBackend, "create_nodegroup")
    def create_nodegroup(original, backend, cluster_name, *args, **kwargs):
        cluster = backend.clusters.get(cluster_name)
        if cluster is None:
            return original(backend, cluster_name, *args, **kwargs)  # moto's ResourceNotFoundException
        ng_name = kwargs.get("nodegroup_name")
        names = {"clusterName": cluster_name, "nodegroupName": ng_name}

        def refuse(message, code="InvalidParameterException"):
            return moto_eks_error(code, message, **names)

        validate_tags(kwargs.get("tags"), refuse)
        # "By default, the Kubernetes version of the cluster is used, and this is the only accepted
        # specified value." (CreateNodegroup `version`)
        if kwargs.get("version") and kwargs["version"] != cluster.version:
            raise refuse(f"Requested Nodegroup Kubernetes version {kwargs['version']} is not the same as the "
                         f"cluster Kubernetes version {cluster.version}.")
        ami_type = kwargs.get("ami_type")
        spec = dict(kwargs.get("launch_template") or {}) or None
        template_data = {}
        if spec is not None:
            ec2 = ec2_backends[backend.account_id][backend.region_name]
            template, template_version = launch_template_version(ec2, spec, cluster_name, ng_name)
            template_data = template_version.data or {}
            # "If you specify launchTemplate, then don't specify diskSize ... remoteAccess" (CreateNodegroup;
            # messages as moto records them "through cURL responses from the actual APIs", seen in
            # crossplane-contrib/provider-upjet-aws#866).
            if kwargs.get("disk_size"):
                raise refuse("Disk size must be specified within the launch template.")
            if kwargs.get("remote_access"):
                raise refuse("Remote access configuration cannot be specified with a launch template.")
            # "If however, you specify an instance type in your launch template and specify any
            # instanceTypes, the node group deployment will fail." -> "InvalidRequestException: Cannot
            # specify instance types in launch template and API request"
            # (terraform-aws-modules/terraform-aws-eks#1545).
            if template_data.get("InstanceType") and kwargs.get("instance_types"):
                raise refuse("Cannot specify instance types in launch template and API request",
                             "InvalidRequestException")
            if template_data.get("ImageId"):
                # A custom AMI: "You cannot specify an AMI Type other than CUSTOM, when specifying an image
                # id in your launch template." (pulumi/pulumi-eks#1463, rancher/eks-operator#161); "You
                # cannot specify a kubernetes version to use when specifying an image id to use within the
                # launch template." (terraform-aws-modules/terraform-aws-eks#3459); releaseVersion likewise
                # ("don't specify releaseVersion, or the node group deployment will fail").
                if ami_type not in (None, "CUSTOM"):
                    raise refuse("You cannot specify an AMI Type other than CUSTOM, when specifying an image id "
                                 "in your launch template.")
                if kwargs.get("version"):
                    raise refuse("You cannot specify a kubernetes version to use when specifying an image id to "
                                 "use within the launch template.")
                if kwargs.get("release_version"):
                    raise refuse("You cannot specify a release version to use when specifying an image id to "
                                 "use within the launch template.")
                ami_type = "CUSTOM"
            spec = {"name": template.name, "version": str(template_version.number), "id": template.id}
        # CUSTOM names the AMI of a launch template: "InvalidParameterException: Launch template details
        # can't be null for Custom ami type node group" (rancher/eks-operator#85).
        if ami_type == "CUSTOM" and not template_data.get("ImageId"):
            raise refuse("Launch template details can't be null for Custom ami type node group")
        if ami_type is None:
            # "Starting with Amazon EKS version 1.30 or newer, any newly created managed node groups will
            # automatically default to using Amazon Linux 2023 (AL2023)" (kubernetes-versions-extended.html,
            # 1.30); before, AL2. Graviton instance types take the ARM variant.
            instance = (kwargs.get("instance_types") or [template_data.get("InstanceType") or "t3.medium"])[0]
            arm = bool(ARM_INSTANCE_RE.match(instance))
            if minor(cluster.version) >= (1, 30):
                ami_type = "AL2023_ARM_64_STANDARD" if arm else "AL2023_x86_64_STANDARD"
            else:
                ami_type = "AL2_ARM_64" if arm else "AL2_x86_64"
        # "Kubernetes version 1.32 is the last version for which Amazon EKS will release AL2 (Amazon
        # Linux 2) AMIs" (https://docs.aws.amazon.com/eks/latest/userguide/eks-ami-deprecation-faqs.html;
        # al2023.html: "AL2023 and Bottlerocket based AMIs for Amazon EKS are available for all
        # supported Kubernetes versions including 1.33 and higher"). The real refusal:
        # "InvalidParameterException ... AMI Type AL2_x86_64 is only supported for kubernetes versions
        # 1.32 or earlier" (scylladb/scylla-cluster-tests#12524).
        if ami_type in AL2_AMI_TYPES and minor(cluster.version) >= (1, 33):
            raise refuse(f"AMI Type {ami_type} is only supported for kubernetes versions 1.32 or earlier")
        kwargs.update(ami_type=ami_type, launch_template=None)
        nodegroup = original(backend, cluster_name, *args, **kwargs)
        # moto defaults the version to 1.19 and invents an SSH key "eksKeypair";
        # EKS uses the cluster's version and has no remote access unless asked.
        nodegroup.version = cluster.version
        patch = next(v["kubernetesPatchVersion"] for v in cluster_version_info() if v["clusterVersion"] == cluster.version)
        nodegroup.release_version = kwargs.get("release_version") or f"{patch}-20260115"
        # Auto Scaling group "eks-<nodegroup>-<uuid>" (AWS CLI reference, describe-nodegroup example);
        # a remote access security group only with remoteAccess (NodegroupResources, API reference).
        nodegroup.resources = {"autoScalingGroups": [{"name": f"eks-{ng_name}-{nodegroup.uuid}"}]}
        if kwargs.get("remote_access"):
            nodegroup.resources["remoteAccessSecurityGroup"] = "sg-" + secrets.token_hex(9)[:17]
        else:
            nodegroup.remote_access = None
        if spec is not None:
            # DescribeNodegroup of a launch-template nodegroup (Nodegroup, API reference): diskSize and
            # remoteAccess "If the node group was deployed with a launch template, then this is null";
            # instanceTypes null when the template names the type (none given to the API); launchTemplate
            # {name, version, id}; a custom AMI: amiType CUSTOM and releaseVersion "the AMI ID that was
            # specified in the launch template".
            nodegroup.launch_template = spec
            nodegroup.disk_size = None
            nodegroup.remote_access = None
            if template_data.get("InstanceType"):
                nodegroup.instance_types = None
            if template_data.get("ImageId"):
                nodegroup.release_version = template_data["ImageId"]
        elif not kwargs.get("disk_size"):
            nodegroup.disk_size = 20  # "The default disk size is 20 GiB for Linux and Bottlerocket." (an int)
        add_node_role_entry(cluster, backend.region_name, nodegroup.node_role)
        mark_pending(nodegroup, "eks_nodegroup")
        return nodegroup


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
        # OverwriteMode NEVER: "DataSync doesn't overwrite data in the destination location"
        # (DataSync API reference, Options.OverwriteMode); objects already there are kept.
        keep_existing = options.get("OverwriteMode") == "NEVER"
        to_copy = [
            name
            for name, obj in src.items()
            if not (keep_existing and name in dst)
            and (options.get("TransferMode") == "ALL" or name not in dst or dst[name].etag != obj.etag)
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
        self.eks = EksApi()
        self.datasync = DataSync()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_kf/"):
            status, payload = self.control(environ, path)
            return self.respond(start_response, status, {"Content-Type": "application/json"},
                                json.dumps(payload).encode())
        body = read_body(environ)
        service, region = service_and_region(environ)
        operation, uri_params = operation_and_params(service, environ, body)
        with STATE_LOCK:
            REQUESTS[operation] = REQUESTS.get(operation, 0) + 1
        if service == "route53" and not route53_admit(account_of(environ)):
            with STATE_LOCK:
                THROTTLED[operation] = THROTTLED.get(operation, 0) + 1
            return self.respond(start_response, *error_response(service, 400, "Throttling", "Rate exceeded"))
        fault = take_fault(operation)
        if fault:
            with STATE_LOCK:
                FAULTED[operation] = FAULTED.get(operation, 0) + 1
            return self.respond(start_response, *error_response(
                service, int(fault.get("status", 500)), fault.get("code", "InternalFailure"),
                fault.get("message", "injected fault")))
        try:
            if service == "datasync":
                payload = self.datasync.handle(operation, region, json.loads(body or b"{}"))
                return self.respond(start_response, 200, {"Content-Type": "application/x-amz-json-1.1"},
                                    json.dumps(payload).encode())
            if service == "eks":
                parsed = json.loads(body or b"{}")
                if operation in EksApi.OPERATIONS:
                    with STATE_LOCK:
                        payload = self.eks.handle(operation, region, uri_params,
                                                  parse_qs(environ.get("QUERY_STRING", "")), parsed)
                    return self.respond(start_response, 200, {"Content-Type": "application/json"},
                                        json.dumps(payload).encode())
                # moto's EKS backend is not given every request field (CreateCluster's accessConfig,
                # upgradePolicy) nor the caller; its patches read them from here.
                REQUEST_CONTEXT.body = parsed
                match = ACCESS_KEY_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
                REQUEST_CONTEXT.access_key = match.group(1) if match else None
        except ApiError as err:
            return self.respond(start_response, *error_response(service, err.status, err.code, err.message))
        except (KeyError, ValueError, TypeError) as err:
            return self.respond(start_response, *error_response(
                service, 400, "InvalidRequestException" if service == "datasync" else "InvalidParameterException",
                f"Invalid request: {err!r}"))
        try:
            return self.moto(environ, start_response)
        finally:
            REQUEST_CONTEXT.body = None
            REQUEST_CONTEXT.access_key = None

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
                    if "eks_date" in data:
                        try:
                            utc_day(data["eks_date"])
                        except (TypeError, ValueError):
                            return 400, {"error": "eks_date: expected YYYY-MM-DD"}
                        EKS_STATE["date"] = data["eks_date"]
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
                                 "eks_date": EKS_STATE["date"], "route53_rps": ROUTE53_RPS["rps"]}
            if path == "/_kf/eks/cloudformation-tags" and method == "POST":
                # Seed-only back door standing in for AWS CloudFormation, which tags the resources of a
                # stack with aws:cloudformation:* keys as the service; the EKS API refuses them from
                # users (validate_tags). Body: {"region", "resourceArn", "tags"}.
                try:
                    tags = cloudformation_tags(data.get("region", "us-east-1"), data["resourceArn"], data["tags"])
                except ApiError as err:
                    return 404, {"error": err.message}
                except (KeyError, TypeError, AttributeError) as err:
                    return 400, {"error": f"resourceArn and tags are required: {err!r}"}
                return 200, {"tags": tags}
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
                return 200, {"total": sum(REQUESTS.values()), "by_operation": dict(REQUESTS),
                             "throttled_by_operation": dict(THROTTLED), "faulted_by_operation": dict(FAULTED)}
            if path == "/_kf/requests/reset" and method == "POST":
                REQUESTS.clear()
                THROTTLED.clear()
                FAULTED.clear()
                return 200, {"total": 0, "by_operation": {}, "throttled_by_operation": {}, "faulted_by_operation": {}}
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
