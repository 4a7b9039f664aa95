#!/usr/bin/env python3
"""
An emulated Kubernetes API server for the tests and the demo of `kubectl kf`.

Run:  .venv/bin/python tests/emulators/k8s_emulator.py --port 8001 [--host 127.0.0.1]
                                                       [--deployment-ready-seconds S]
                                                       [--namespace-terminating-seconds S]
It prints ``ready http://HOST:PORT`` once it serves, and exits on SIGTERM/SIGINT.
Plain HTTP, no authentication (any bearer token is accepted), in-memory state only.

Test control (not part of the Kubernetes API): ``GET /_kf/health``; ``GET|POST /_kf/config`` with
a JSON body of any of ``deployment_ready_seconds`` (Deployments become Available after this delay),
``namespace_terminating_seconds`` (a deleted namespace stays Terminating this long; default 5, the
namespace controller's grace period), ``register_apiservice`` ({group, version, service: {namespace,
name, port}, backend: bool}; defaults: v1beta1.metrics.k8s.io served by kube-system/metrics-server;
``backend`` also creates that Service and Deployment), ``unregister_apiservice`` (an APIService
name) and ``cluster_deleted`` (true: the EKS cluster was deleted, the API server serves no more,
see ``_kf_delete_cluster``); the answer is the current config, with each APIService's Available
condition.

Built on kmock (https://github.com/nolar/kmock, pinned kmock==0.8). What comes from kmock:

* ``kmock.Server`` — the aiohttp-based HTTP server that listens on host:port;
* ``kmock.KubernetesEmulator`` (via ``KubernetesScaffold``) — the handler base class,
  its object store ``ObjectsArray`` of ``Object``s with version history (``self.objects``),
  its DSL/fallback reactions for anything this file does not route itself
  (e.g. ``GET /``), and its Status-shaped error rendering for those;
* ``ResourcesArray.load_bundled()`` — the catalogue of built-in resources (group, version,
  plural, kind, singular, namespaced, verbs, shortNames, categories, subresources),
  taken from a real cluster and shipped inside kmock as resources.json.gz.

What this file adds (kmock 0.8 lacks it; each is marked "GAP:" below):

* its own URL routing — kmock's path parser fails on ``/api/v1/namespaces`` and treats
  ``/api/v1/namespaces/x`` as a namespace scope, and knows no PUT / subresources;
* discovery with correct subresource kinds/verbs and CRD-driven registration;
* server-set metadata (uid, resourceVersion, creationTimestamp, generation, managedFields);
* the real error vocabulary (NotFound / AlreadyExists / Conflict / Invalid / BadRequest /
  MethodNotAllowed) with the real server's messages;
* PUT with optimistic concurrency, the four PATCH types, server-side apply, dry-run;
* label/field selectors, namespace existence checks, namespace cascade deletion;
* /status and /scale subresources, a tiny Deployment/StatefulSet/CRD "controller";
* watch streams with resourceVersion replay and timeoutSeconds;
* admission webhooks (Validating/MutatingWebhookConfiguration): a matching write is refused with the
  real "failed calling webhook" InternalError while the webhook's Service has no ready endpoints
  (no Service, or no Available Deployment behind it), unless failurePolicy is Ignore;
* aggregated APIs (APIService with spec.service): listed in /apis, 503 "service unavailable" and
  Available=False until the backend is ready, which kubectl reports as "couldn't get resource list";
* namespace termination: Terminating phase, 403 for new content, "object is being deleted" on
  re-create, content and namespace gone after the grace period (held while discovery fails).

Each behaviour cites its source (kubernetes.io, the kube-apiserver source, or a GitHub issue
showing a real server's answer) where it is implemented.
"""

import argparse
import asyncio
import collections
import copy
import datetime
import hashlib
import json
import random
import re
import signal
import string
import sys
import uuid
from typing import Any

import aiohttp.test_utils
import aiohttp.web
import aiohttp.web_request
import jsonpatch
import kmock
import yaml

JSON = dict[str, Any]

# Groups in kmock's bundled catalogue that are NOT built into a vanilla kube-apiserver
# (they come from CRDs or aggregated APIs in the k3s cluster the catalogue was taken from).
NOT_BUILTIN_GROUPS = {'gateway.networking.k8s.io', 'metrics.k8s.io'}

# The kind/group/version that each subresource speaks, when it differs from the parent's.
SUBRESOURCE_KINDS = {
    'scale': ('autoscaling', 'v1', 'Scale'),
    'eviction': ('policy', 'v1', 'Eviction'),
    'token': ('authentication.k8s.io', 'v1', 'TokenRequest'),
    'binding': ('', 'v1', 'Binding'),
}
SUBRESOURCE_VERBS = {
    'status': ['get', 'patch', 'update'],
    'scale': ['get', 'patch', 'update'],
    'finalize': ['update'],
    'approval': ['get', 'patch', 'update'],
    'ephemeralcontainers': ['get', 'patch', 'update'],
    'resize': ['get', 'patch', 'update'],
    'log': ['get'],
}
SCALABLE = {('apps', 'deployments'), ('apps', 'statefulsets'), ('apps', 'replicasets'),
            ('', 'replicationcontrollers')}

# For strategic-merge patches of lists of dicts: the merge keys that the built-in types use
# (the real server takes them from the Go struct tags; we guess by presence, in this order).
MERGE_KEYS = ('name', 'containerPort', 'mountPath', 'devicePath', 'port', 'ip', 'type',
              'topologyKey', 'key')

INITIAL_EVENTS_END = 'k8s.io/initial-events-end'

# The kinds that admission webhooks are never called for, so that a broken webhook cannot lock
# its own configuration: rules.IsExemptAdmissionConfigurationResource in kube-apiserver
# (staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/predicates/rules/rules.go).
WEBHOOK_EXEMPT_KINDS = {'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
                        'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
                        'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding'}
WEBHOOK_CONFIGS = ('mutatingwebhookconfigurations', 'validatingwebhookconfigurations')

# Namespaces the NamespaceLifecycle admission plugin refuses to delete ("immortal"):
# staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go (Register).
IMMORTAL_NAMESPACES = {'default', 'kube-system', 'kube-public'}

# The namespace controller waits this long after a namespace is marked for deletion before it
# deletes the content (namespaceDeletionGracePeriod = 5 * time.Second in
# pkg/controller/namespace/namespace_controller.go); the default of --namespace-terminating-seconds.
NAMESPACE_DELETION_GRACE_SECONDS = 5.0

# The objects whose changes can change whether a Service has endpoints (for webhooks & APIServices).
BACKEND_PLURALS = {'services', 'endpoints', 'deployments', 'statefulsets', 'replicasets', 'daemonsets',
                   'pods', 'apiservices'}


def now_rfc3339() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def now_micro() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


class ApiError(Exception):
    """A failure rendered as a `kind: Status` object, exactly like the real API server does."""

    def __init__(self, code: int, reason: str, message: str, details: JSON | None = None) -> None:
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self) -> JSON:
        body: JSON = {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure',
                      'message': self.message, 'reason': self.reason, 'code': self.code}
        if self.details:
            body['details'] = self.details
        return body


class Res:
    """One served resource (group/version/plural) with the discovery info kmock keeps for it."""

    def __init__(self, group: str, version: str, plural: str, info: kmock.ResourceInfo,
                 custom: bool = False) -> None:
        self.group, self.version, self.plural, self.info = group, version, plural, info
        self.custom = custom  # defined by a CRD (lists are atomic in apply, no SMP)

    @property
    def kind(self) -> str:
        return self.info.kind or self.plural.capitalize()

    @property
    def namespaced(self) -> bool:
        return bool(self.info.namespaced)

    @property
    def api_version(self) -> str:
        return f'{self.group}/{self.version}' if self.group else self.version

    @property
    def qualified(self) -> str:  # as in the server's messages: 'deployments.apps', 'configmaps'
        return f'{self.plural}.{self.group}' if self.group else self.plural

    def has(self, sub: str) -> bool:
        return sub in self.info.subresources

    def details(self, name: str) -> JSON:
        d: JSON = {'name': name, 'kind': self.plural}
        if self.group:
            d['group'] = self.group
        return d

    def not_found(self, name: str) -> ApiError:
        return ApiError(404, 'NotFound', f'{self.qualified} "{name}" not found', self.details(name))


# ----------------------------------------------------------------------------------------------
# Patch & selector helpers (GAP: kmock only merges dicts recursively; no selectors at all).
# ----------------------------------------------------------------------------------------------

def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, val in patch.items():
        if val is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), val)
    return result


def _strip_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_directives(v) for k, v in value.items() if not k.startswith('$')}
    if isinstance(value, list):
        return [_strip_directives(v) for v in value
                if not (isinstance(v, dict) and v.get('$patch') == 'delete')]
    return copy.deepcopy(value)


def _merge_key(target: Any, patch: list[Any]) -> str | None:
    if not patch or not all(isinstance(e, dict) for e in patch):
        return None
    if not isinstance(target, list) or not all(isinstance(e, dict) for e in target):
        return None
    for key in MERGE_KEYS:
        if all(key in e for e in patch) and all(key in e for e in target):
            return key
    return None


def strategic_merge(target: Any, patch: Any, keyed_lists: bool = True) -> Any:
    """
    An approximation of the strategic merge patch: a JSON merge patch where lists of dicts
    are merged by a guessed merge key (name, containerPort, ...) and the directives
    $patch, $setElementOrder/, $retainKeys, $deleteFromPrimitiveList/ are honoured.
    With keyed_lists=False, lists are atomic (replaced), as for custom resources in SSA.
    """
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get('$patch') == 'replace':
        return _strip_directives(patch)
    result = dict(target) if isinstance(target, dict) else {}
    orders: dict[str, list[Any]] = {}
    for key, val in patch.items():
        if key.startswith('$setElementOrder/'):
            orders[key.split('/', 1)[1]] = val
        elif key.startswith('$deleteFromPrimitiveList/'):
            field = key.split('/', 1)[1]
            result[field] = [x for x in result.get(field) or [] if x not in val]
        elif key.startswith('$'):
            continue
        elif val is None or (isinstance(val, dict) and val.get('$patch') == 'delete'):
            result.pop(key, None)
        elif isinstance(val, list):
            result[key] = _merge_list(result.get(key), val, keyed_lists)
        else:
            result[key] = strategic_merge(result.get(key), val, keyed_lists)
    if isinstance(patch.get('$retainKeys'), list):
        result = {k: v for k, v in result.items() if k in patch['$retainKeys']}
    for field, order in orders.items():
        items = result.get(field)
        if isinstance(items, list) and order and all(isinstance(o, dict) for o in order):
            mkey = next(iter(order[0]), None)
            rank = {json.dumps(o.get(mkey)): i for i, o in enumerate(order)}
            result[field] = sorted(items, key=lambda e: rank.get(
                json.dumps(e.get(mkey) if isinstance(e, dict) else None), len(rank)))
    return result


def _merge_list(target: Any, patch: list[Any], keyed_lists: bool) -> list[Any]:
    if any(isinstance(e, dict) and e.get('$patch') == 'replace' for e in patch):
        return _strip_directives([e for e in patch
                                  if not (isinstance(e, dict) and e.get('$patch') == 'replace')])
    key = _merge_key(target, patch) if keyed_lists else None
    if key is None:
        return _strip_directives(patch)
    result = copy.deepcopy(target)
    for elem in patch:
        idx = next((i for i, t in enumerate(result) if t.get(key) == elem.get(key)), None)
        if elem.get('$patch') == 'delete':
            if idx is not None:
                result.pop(idx)
        elif idx is not None:
            result[idx] = strategic_merge(result[idx], elem, keyed_lists)
        else:
            result.append(_strip_directives(elem))
    return result


def prune_unapplied(obj: Any, previous: Any, current: Any) -> None:
    """SSA: drop the dict keys a manager applied before but no longer applies (in place)."""
    if not (isinstance(obj, dict) and isinstance(previous, dict) and isinstance(current, dict)):
        return
    for key, prev_val in previous.items():
        if key not in current:
            obj.pop(key, None)
        else:
            prune_unapplied(obj.get(key), prev_val, current[key])


def fields_v1(value: Any) -> JSON:
    """A minimal FieldsV1 set of the given (applied or written) content."""
    if isinstance(value, dict):
        return {f'f:{k}': fields_v1(v) for k, v in value.items()}
    if isinstance(value, list) and value and all(isinstance(e, dict) and 'name' in e for e in value):
        return {'k:' + json.dumps({'name': e['name']}, separators=(',', ':')): {'.': {}, **fields_v1(e)}
                for e in value}
    return {}


def parse_label_selector(text: str) -> list[tuple[str, str, set[str]]]:
    """Parse `a=b,c!=d,e,!f,g in (x,y),h notin (z)` into (key, op, values) requirements."""
    reqs: list[tuple[str, str, set[str]]] = []
    for part in re.findall(r'(?:[^,(]|\([^)]*\))+', text or ''):
        part = part.strip()
        if not part:
            continue
        if m := re.fullmatch(r'(\S+)\s+(in|notin)\s+\(([^)]*)\)', part):
            reqs.append((m[1], m[2], {v.strip() for v in m[3].split(',') if v.strip()}))
        elif m := re.fullmatch(r'([^!=\s]+)\s*(==|=|!=)\s*(\S*)', part):
            reqs.append((m[1], '!=' if m[2] == '!=' else '=', {m[3]}))
        elif part.startswith('!'):
            reqs.append((part[1:].strip(), '!', set()))
        elif re.fullmatch(r'[^!=\s]+', part):
            reqs.append((part, 'exists', set()))
        else:
            raise ApiError(400, 'BadRequest', f'unable to parse requirement: {part!r}')
    return reqs


def match_labels(labels: JSON, reqs: list[tuple[str, str, set[str]]]) -> bool:
    for key, op, vals in reqs:
        has, val = key in labels, labels.get(key)
        ok = {'=': has and val in vals, 'in': has and val in vals,
              '!=': not has or val not in vals, 'notin': not has or val not in vals,
              'exists': has, '!': not has}[op]
        if not ok:
            return False
    return True


def parse_field_selector(text: str) -> list[tuple[str, bool, str]]:
    reqs: list[tuple[str, bool, str]] = []
    for part in (text or '').split(','):
        if not part.strip():
            continue
        m = re.fullmatch(r'\s*([^!=\s]+)\s*(==|=|!=)\s*(.*?)\s*', part)
        if not m:
            raise ApiError(400, 'BadRequest', f'invalid field selector: {part!r}')
        reqs.append((m[1], m[2] != '!=', m[3]))
    return reqs


def match_fields(obj: JSON, reqs: list[tuple[str, bool, str]]) -> bool:
    for path, equal, expected in reqs:
        val: Any = obj
        for step in path.split('.'):
            val = val.get(step) if isinstance(val, dict) else None
        actual = '' if val is None else (str(val).lower() if isinstance(val, bool) else str(val))
        if (actual == expected) != equal:
            return False
    return True


def match_label_selector(selector: JSON | None, labels: JSON) -> bool:
    """A metav1.LabelSelector (matchLabels AND matchExpressions In/NotIn/Exists/DoesNotExist); an
    empty or absent selector selects everything, and NotIn/DoesNotExist select objects lacking the
    key (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#resources-that-support-set-based-requirements)."""
    if not selector:
        return True
    for key, val in (selector.get('matchLabels') or {}).items():
        if labels.get(key) != val:
            return False
    for expr in selector.get('matchExpressions') or []:
        key, op, values = expr.get('key'), expr.get('operator'), expr.get('values') or []
        ok = {'In': key in labels and labels.get(key) in values,
              'NotIn': key not in labels or labels.get(key) not in values,
              'Exists': key in labels, 'DoesNotExist': key not in labels}.get(op, False)
        if not ok:
            return False
    return True


def field_error(kind: str, field: str, value: Any = None, detail: str = '') -> tuple[str, str, str]:
    """One field.Error of k8s.io/apimachinery/pkg/util/validation/field (errors.go), as
    (cause reason, field, body): body is what Error() prints after "<field>: "."""
    if kind == 'Required':
        return 'FieldValueRequired', field, 'Required value' + (f': {detail}' if detail else '')
    shown = ('true' if value else 'false') if isinstance(value, bool) else \
        str(value) if isinstance(value, (int, float)) else json.dumps(value)
    if kind == 'NotSupported':
        return 'FieldValueNotSupported', field, f'Unsupported value: {shown}: supported values: {detail}'
    if kind == 'Duplicate':
        return 'FieldValueDuplicate', field, f'Duplicate value: {shown}'
    return 'FieldValueInvalid', field, f'Invalid value: {shown}' + (f': {detail}' if detail else '')


DNS1123_SUBDOMAIN = re.compile(r'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')
DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
                         "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
                         "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")


def is_dns1123_subdomain(value: str) -> bool:
    """k8s.io/apimachinery/pkg/util/validation IsDNS1123Subdomain."""
    return len(value) <= 253 and DNS1123_SUBDOMAIN.fullmatch(value) is not None


def parse_quantity(text: str) -> float:
    """A resource quantity (`5Gi`, `500M`, `1`) in bytes, as the API's resource.Quantity reads
    binary and decimal suffixes (kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/)."""
    units = {'Ki': 2**10, 'Mi': 2**20, 'Gi': 2**30, 'Ti': 2**40, 'Pi': 2**50, 'Ei': 2**60,
             'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18, 'm': 1e-3}
    for suffix in sorted(units, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[:-len(suffix)]) * units[suffix]
    return float(text)


def get_path(obj: JSON, dotted: str) -> Any:
    val: Any = obj
    for step in dotted.strip('.').split('.'):
        val = val.get(step) if isinstance(val, dict) else None
    return val


def set_path(obj: JSON, dotted: str, value: Any) -> None:
    steps = dotted.strip('.').split('.')
    for step in steps[:-1]:
        obj = obj.setdefault(step, {})
    obj[steps[-1]] = value


# ----------------------------------------------------------------------------------------------
# GAP: Protobuf request bodies. kubectl's typed clients (`kubectl create namespace|configmap|secret`)
# POST `application/vnd.kubernetes.protobuf`. We decode the `k8s\0` runtime.Unknown envelope and
# the few simple types (Namespace, ConfigMap, Secret, ServiceAccount); anything else gets 415
# (e.g. `kubectl create deployment`; use `kubectl apply`, which sends JSON, and kube-rs is JSON).
# ----------------------------------------------------------------------------------------------

def _pb_fields(data: bytes) -> list[tuple[int, Any]]:
    """Decode one protobuf message into (field number, value) pairs: varints or raw bytes."""
    out, i = [], 0

    def varint() -> int:
        nonlocal i
        shift = result = 0
        while True:
            b = data[i]
            i += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    while i < len(data):
        tag = varint()
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            out.append((field, varint()))
        elif wire == 2:
            size = varint()
            out.append((field, data[i:i + size]))
            i += size
        elif wire == 1:
            out.append((field, data[i:i + 8]))
            i += 8
        elif wire == 5:
            out.append((field, data[i:i + 4]))
            i += 4
        else:
            raise ValueError(f'unsupported protobuf wire type {wire}')
    return out


def _pb_map(entries: list[bytes], binary: bool = False) -> dict[str, str]:
    import base64
    result = {}
    for entry in entries:
        kv = dict(_pb_fields(entry))
        val = kv.get(2, b'')
        result[kv.get(1, b'').decode()] = base64.b64encode(val).decode() if binary else val.decode()
    return result


def _pb_object_meta(data: bytes) -> JSON:
    fields = _pb_fields(data)
    meta: JSON = {}
    for num, key in ((1, 'name'), (2, 'generateName'), (3, 'namespace')):
        vals = [v for f, v in fields if f == num]
        if vals and vals[-1]:
            meta[key] = vals[-1].decode()
    for num, key in ((11, 'labels'), (12, 'annotations')):
        entries = [v for f, v in fields if f == num]
        if entries:
            meta[key] = _pb_map(entries)
    finalizers = [v.decode() for f, v in fields if f == 14]
    if finalizers:
        meta['finalizers'] = finalizers
    return meta


def decode_protobuf(body: bytes) -> JSON:
    if not body.startswith(b'k8s\x00'):
        raise ValueError('no k8s protobuf envelope')
    envelope = dict(_pb_fields(body[4:]))
    type_meta = dict(_pb_fields(envelope.get(1, b'')))
    api_version, kind = type_meta.get(1, b'').decode(), type_meta.get(2, b'').decode()
    fields = _pb_fields(envelope.get(2, b''))
    obj: JSON = {'apiVersion': api_version, 'kind': kind,
                 'metadata': _pb_object_meta(next((v for f, v in fields if f == 1), b''))}
    if (api_version, kind) == ('v1', 'Namespace'):
        spec = [dict(_pb_fields(v)) for f, v in fields if f == 2]
        if spec and 1 in spec[0]:
            obj['spec'] = {'finalizers': [v.decode() for f, v in _pb_fields(next(v for f, v in fields if f == 2)) if f == 1]}
    elif (api_version, kind) == ('v1', 'ConfigMap'):
        if data := _pb_map([v for f, v in fields if f == 2]):
            obj['data'] = data
        if binary := _pb_map([v for f, v in fields if f == 3], binary=True):
            obj['binaryData'] = binary
        if any(f == 4 and v for f, v in fields):
            obj['immutable'] = True
    elif (api_version, kind) == ('v1', 'Secret'):
        if data := _pb_map([v for f, v in fields if f == 2], binary=True):
            obj['data'] = data
        if types := [v for f, v in fields if f == 3]:
            obj['type'] = types[-1].decode()
        if string_data := _pb_map([v for f, v in fields if f == 4]):
            obj['stringData'] = string_data
        if any(f == 5 and v for f, v in fields):
            obj['immutable'] = True
    elif (api_version, kind) == ('v1', 'ServiceAccount'):
        if automount := [v for f, v in fields if f == 4]:
            obj['automountServiceAccountToken'] = bool(automount[-1])
    else:
        raise ValueError(f'protobuf bodies of {api_version}/{kind} are not supported by the emulator; use JSON')
    return obj


# ----------------------------------------------------------------------------------------------
# The server: a kmock KubernetesEmulator with its own routing of the Kubernetes API conventions.
# ----------------------------------------------------------------------------------------------

class BigBodyServer(aiohttp.test_utils.RawTestServer):
    """kmock's default server class, with a larger request-body limit (aiohttp's is 1 MiB):
    some CRDs (e.g. KServe's) are several MiB of JSON. Also no handler debug mode."""

    async def _make_runner(self, debug: bool = True, **kwargs: Any) -> aiohttp.web.ServerRunner:
        def factory(message, payload, protocol, writer, task, _cls=aiohttp.web_request.BaseRequest):
            return _cls(message, payload, protocol, writer, task, asyncio.get_running_loop(),
                        client_max_size=256 * 1024 ** 2)
        srv = aiohttp.web.Server(self._handler, loop=self._loop, debug=False,
                                 request_factory=factory, **kwargs)
        return aiohttp.web.ServerRunner(srv, debug=False, **kwargs)


class KfKubernetesEmulator(kmock.KubernetesEmulator):
    """The stateful emulator. Objects live in kmock's ``self.objects`` (an ``ObjectsArray``),
    keyed by (kmock.resource(group, None, plural), namespace, name) — version-independent,
    so every served version of a CRD sees the same objects (no conversion, apiVersion is
    rewritten to the requested version)."""

    def __init__(self, deployment_ready_seconds: float = 0.0,
                 namespace_terminating_seconds: float = NAMESPACE_DELETION_GRACE_SECONDS) -> None:
        super().__init__()
        self.deployment_ready_seconds = float(deployment_ready_seconds)
        self.namespace_terminating_seconds = float(namespace_terminating_seconds)
        self.rv = 0  # the one increasing resourceVersion counter of the "etcd"
        self.served: dict[tuple[str, str, str], Res] = {}  # (group, version, plural) -> Res
        self.history: collections.deque[tuple[int, tuple[str, str], JSON]] = collections.deque(maxlen=5000)
        self.watchers: set[asyncio.Queue[Any]] = set()
        self.applied: dict[tuple[Any, ...], JSON] = {}  # (key, manager) -> last applied config
        self.timers: dict[tuple[Any, ...], asyncio.TimerHandle] = {}
        self.closing = False
        self.cluster_deleted = False  # set by POST /_kf/config {"cluster_deleted": true}
        # Indexes of the few kinds consulted on every write (kept by _put/_remove), so that a write
        # does not scan the whole store: webhook configurations by (plural, name), APIServices by name.
        self.webhook_configs: dict[tuple[str, str], JSON] = {}
        self.apiservices: dict[str, JSON] = {}
        self.serving: dict[tuple[str | None, str], JSON] = {}  # Deployments with ready pods -> pod labels
        self.refreshing = False
        self.finalizing: set[str] = set()  # namespaces the namespace controller is working on
        self.failing_groups: list[str] = []  # aggregated group/versions whose discovery fails
        # What an aggregated API server serves once it is reachable (metrics-server's nodes & pods,
        # from the same bundled catalogue), by (group, version).
        self.aggregated_catalogue: dict[tuple[str, str], list[Res]] = {}

        # The built-in resources come from kmock's bundled discovery catalogue.
        self.resources.load_bundled()
        for res in list(self.resources):
            if res.group in NOT_BUILTIN_GROUPS:
                self.aggregated_catalogue.setdefault((res.group, res.version), []).append(
                    Res(res.group, res.version, res.plural, self.resources[res]))
                del self.resources[res]
                continue
            self.served[res.group, res.version, res.plural] = Res(
                res.group, res.version, res.plural, self.resources[res])

        for ns in ('default', 'kube-system', 'kube-public', 'kube-node-lease'):
            self._store_new(self._res('', 'v1', 'namespaces'), None,
                            {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': ns}}, 'kube-apiserver')

    # --- kmock's object store, addressed our way -------------------------------------------

    @staticmethod
    def _key(res: Res, namespace: str | None, name: str) -> tuple[Any, str | None, str]:
        return (kmock.resource(res.group, None, res.plural), namespace if res.namespaced else None, name)

    def _get(self, res: Res, namespace: str | None, name: str) -> JSON | None:
        key = self._key(res, namespace, name)
        if key not in self.objects or self.objects[key].deleted:
            return None
        return copy.deepcopy(self.objects[key].raw)

    def _put(self, res: Res, obj: JSON) -> None:
        key = self._key(res, obj['metadata'].get('namespace'), obj['metadata']['name'])
        if key not in self.objects:
            self.objects[key] = copy.deepcopy(obj)
        else:
            self.objects[key].create(copy.deepcopy(obj))  # appends a version to kmock's history
            del self.objects[key].history[:-20]  # keep the memory bounded for long demos
        self._index(res, obj, present=True)

    def _remove(self, res: Res, obj: JSON) -> None:
        key = self._key(res, obj['metadata'].get('namespace'), obj['metadata']['name'])
        self.objects[key].delete()  # kmock's soft-deletion (history is retained)
        self.applied = {k: v for k, v in self.applied.items() if k[0] != key}
        self._index(res, obj, present=False)

    def _index(self, res: Res, obj: JSON, present: bool) -> None:
        if res.group == 'admissionregistration.k8s.io' and res.plural in WEBHOOK_CONFIGS:
            key = (res.plural, obj['metadata']['name'])
            if present:
                self.webhook_configs[key] = copy.deepcopy(obj)
            else:
                self.webhook_configs.pop(key, None)
        elif (res.group, res.plural) == ('apiregistration.k8s.io', 'apiservices'):
            if present:
                self.apiservices[obj['metadata']['name']] = copy.deepcopy(obj)
            else:
                self.apiservices.pop(obj['metadata']['name'], None)
        elif (res.group, res.plural) == ('apps', 'deployments'):
            # A Deployment that had ready pods keeps serving through a rolling update of its
            # template (by default at most 25% unavailable: kubernetes.io/docs/concepts/workloads/
            # controllers/deployment/#updating-a-deployment), even while the emulator reports it
            # Progressing/not Available; scaled to 0 or deleted, it serves nothing.
            key = (obj['metadata'].get('namespace'), obj['metadata']['name'])
            status = obj.get('status') or {}
            if not present or not (obj.get('spec') or {}).get('replicas', 1):
                self.serving.pop(key, None)
            elif key in self.serving or (self._deployment_is_ready(status) and (status.get('readyReplicas') or 0) > 0):
                # (the pods of the current template, once rolled out; until then the old ones: same labels
                # in practice, as the Deployment's selector must match both)
                self.serving[key] = ((((obj.get('spec') or {}).get('template') or {}).get('metadata') or {})
                                     .get('labels') or {})

    def _list(self, res: Res, namespace: str | None) -> list[JSON]:
        group_plural = kmock.resource(res.group, None, res.plural)
        items = []
        for (r, ns, _), obj in self.objects.items():
            if r == group_plural and not obj.deleted and (namespace is None or ns == namespace):
                items.append(copy.deepcopy(obj.raw))
        items.sort(key=lambda o: (o['metadata'].get('namespace') or '', o['metadata']['name']))
        return items

    def _res(self, group: str, version: str, plural: str) -> Res:
        return self.served[group, version, plural]

    def _preferred(self, group: str, plural: str) -> Res | None:
        for (g, _, p), res in self.served.items():
            if g == group and p == plural:
                return res
        return None

    def _ns_exists(self, namespace: str) -> bool:
        return self._get(self._res('', 'v1', 'namespaces'), None, namespace) is not None

    def _next_rv(self) -> str:
        self.rv += 1
        return str(self.rv)

    # --- events ---------------------------------------------------------------------------

    def _publish(self, res: Res, etype: str, obj: JSON) -> None:
        # GAP: kmock's aiobus.Bus needs `await` to publish and to subscribe, which would let
        # events interleave with list snapshots; plain queues filled synchronously keep the
        # resourceVersion order exact and make the list->watch hand-over race-free.
        event = (int(obj['metadata']['resourceVersion']), (res.group, res.plural), {'type': etype, 'object': obj})
        self.history.append(event)
        for queue in list(self.watchers):
            queue.put_nowait(event)
        if res.plural in BACKEND_PLURALS and (self.apiservices or self.failing_groups) and not self.refreshing \
                and (res.plural == 'apiservices' or self.failing_groups or any(
                    ((s.get('spec') or {}).get('service') or {}).get('namespace') == obj['metadata'].get('namespace')
                    for s in self.apiservices.values())):
            self._refresh_apiservices()  # the aggregator's availability controller reacts

    # --- entry point ------------------------------------------------------------------------

    async def __call__(self, raw: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        # GAP: kmock's Request parser crashes on /api/v1/namespaces and mis-parses
        # /api/v1/namespaces/x (as a namespace scope). We route the Kubernetes URLs here and
        # leave the rest to kmock's own reactions (the base class), e.g. `GET /`.
        path = raw.path.rstrip('/') or '/'
        try:
            if path.startswith('/_kf/'):
                return await self._serve_kf(raw, path)
            if self.cluster_deleted:
                return self._kf_unreachable(raw)
            if path in ('/healthz', '/livez', '/readyz'):
                return aiohttp.web.Response(text='ok')
            if path == '/openapi/v3' or path.startswith('/openapi/v3/'):
                return self._json(self._openapi_v3(path[len('/openapi/v3'):].strip('/')))
            if path.startswith('/openapi/'):
                # /openapi/v2 is not served: kubectl then uses its compiled-in schemas (built-ins)
                # or JSON merge patches (custom resources) for client-side apply.
                raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
            if path == '/version':
                return self._json({'major': '1', 'minor': '32', 'gitVersion': 'v1.32.0-kf-emulator',
                                   'gitCommit': '0' * 40, 'gitTreeState': 'clean',
                                   'buildDate': '2025-01-01T00:00:00Z', 'goVersion': 'go1.23.4',
                                   'compiler': 'gc', 'platform': 'linux/amd64'})
            if path == '/api':
                return self._json({'kind': 'APIVersions', 'versions': ['v1'],
                                   'serverAddressByClientCIDRs': [{'clientCIDR': '0.0.0.0/0',
                                                                   'serverAddress': raw.host or '127.0.0.1'}]})
            if path == '/apis':
                return self._json(self._api_group_list())
            parts = path.strip('/').split('/')
            if parts[0] == 'api' and len(parts) >= 2:
                return await self._serve_api(raw, '', parts[1], parts[2:])
            if parts[0] == 'apis' and len(parts) == 2:
                group = self._api_groups().get(parts[1])
                if group is None:
                    raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
                return self._json({'kind': 'APIGroup', 'apiVersion': 'v1', **group})
            if parts[0] == 'apis' and len(parts) >= 3 and (apisvc := self._aggregated(parts[1], parts[2])):
                return self._serve_aggregated(raw, apisvc, parts[1], parts[2], parts[3:])
            if parts[0] == 'apis' and len(parts) >= 3:
                return await self._serve_api(raw, parts[1], parts[2], parts[3:])
        except ApiError as e:
            return self._json(e.status(), e.code)
        return await super().__call__(raw)  # kmock's reactions & fallbacks

    @staticmethod
    def _json(body: Any, status: int = 200) -> aiohttp.web.Response:
        return aiohttp.web.Response(text=json.dumps(body), status=status, content_type='application/json')

    async def _serve_kf(self, raw: aiohttp.web.BaseRequest, path: str) -> aiohttp.web.StreamResponse:
        if path == '/_kf/health':
            return self._json({'status': 'ok', 'resourceVersion': str(self.rv)})
        if path == '/_kf/config':
            if raw.method == 'POST':
                body = json.loads(await raw.read() or b'{}')
                if 'deployment_ready_seconds' in body:
                    self.deployment_ready_seconds = float(body['deployment_ready_seconds'])
                if 'namespace_terminating_seconds' in body:
                    self.namespace_terminating_seconds = float(body['namespace_terminating_seconds'])
                if body.get('unregister_apiservice'):
                    self._kf_unregister_apiservice(str(body['unregister_apiservice']))
                if body.get('register_apiservice'):
                    spec = body['register_apiservice']
                    self._kf_register_apiservice(spec if isinstance(spec, dict) else {})
                if body.get('cluster_deleted'):
                    self._kf_delete_cluster()
            return self._json(self._kf_config())
        raise ApiError(404, 'NotFound', 'the server could not find the requested resource')

    def _kf_delete_cluster(self) -> None:
        """Test control (the AWS emulator's EKS DeleteCluster of a cluster whose endpoint is this
        server): "Deletes an Amazon EKS cluster control plane" (EKS API Reference, DeleteCluster,
        https://docs.aws.amazon.com/eks/latest/APIReference/API_DeleteCluster.html; EKS User Guide,
        "Delete a cluster", https://docs.aws.amazon.com/eks/latest/userguide/delete-cluster.html).
        The control plane runs the API server, so from now on the cluster's endpoint answers
        nothing: open watches end and every Kubernetes request has its connection closed without
        a response ([`_kf_unreachable`]); only /_kf/ still answers, for the tests."""
        self.cluster_deleted = True
        for queue in list(self.watchers):
            queue.put_nowait(None)

    @staticmethod
    def _kf_unreachable(raw: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        """A deleted cluster's endpoint: the connection is closed without an answer (clients see
        "connection closed before message completed" / RemoteDisconnected, as they see a refused
        or unresolvable endpoint: no HTTP status, no Kubernetes Status)."""
        if raw.transport is not None:
            raw.transport.close()
        return aiohttp.web.Response(status=503)  # never written: the connection is gone

    def _kf_config(self) -> JSON:
        return {'cluster_deleted': self.cluster_deleted,
                'deployment_ready_seconds': self.deployment_ready_seconds,
                'namespace_terminating_seconds': self.namespace_terminating_seconds,
                'apiservices': {name: self._apiservice_available(svc)[1]
                                for name, svc in sorted(self.apiservices.items())}}

    def _kf_register_apiservice(self, spec: JSON) -> None:
        """Test control: register an aggregated API (default: metrics-server's v1beta1.metrics.k8s.io,
        as its components.yaml does), like `kubectl apply` of the APIService would. With
        "backend": true, also its Service and Deployment (Available after deployment_ready_seconds)."""
        group = spec.get('group', 'metrics.k8s.io')
        version = spec.get('version', 'v1beta1')
        svc = {'namespace': 'kube-system', 'name': 'metrics-server', 'port': 443, **(spec.get('service') or {})}
        obj = {'apiVersion': 'apiregistration.k8s.io/v1', 'kind': 'APIService',
               'metadata': {'name': f'{version}.{group}', 'labels': {'k8s-app': svc['name']}},
               'spec': {'group': group, 'version': version, 'service': svc, 'insecureSkipTLSVerify': True,
                        'groupPriorityMinimum': int(spec.get('groupPriorityMinimum', 100)),
                        'versionPriority': int(spec.get('versionPriority', 100))}}
        res = self._res('apiregistration.k8s.io', 'v1', 'apiservices')
        old = self._get(res, None, obj['metadata']['name'])
        if spec.get('backend'):
            labels = {'k8s-app': svc['name']}
            services, deployments = self._res('', 'v1', 'services'), self._res('apps', 'v1', 'deployments')
            if not self._ns_exists(svc['namespace']):
                self._store_new(self._res('', 'v1', 'namespaces'), None,
                                {'metadata': {'name': svc['namespace']}}, 'kf-emulator')
            if self._get(services, svc['namespace'], svc['name']) is None:
                self._store_new(services, svc['namespace'], {'metadata': {'name': svc['name'], 'labels': labels},
                                'spec': {'selector': labels, 'ports': [{'name': 'https', 'port': svc['port'],
                                                                        'protocol': 'TCP', 'targetPort': 'https'}]}},
                                'kf-emulator')
            if self._get(deployments, svc['namespace'], svc['name']) is None:
                self._store_new(deployments, svc['namespace'], {'metadata': {'name': svc['name'], 'labels': labels},
                                'spec': {'replicas': 1, 'selector': {'matchLabels': labels},
                                         'template': {'metadata': {'labels': labels}, 'spec': {'containers': [
                                             {'name': svc['name'], 'image': 'registry.k8s.io/metrics-server/metrics-server:v0.7.2',
                                              'ports': [{'name': 'https', 'containerPort': 10250}]}]}}}},
                                'kf-emulator')
        if old is None:
            self._store_new(res, None, obj, 'kf-emulator')
        else:
            new = copy.deepcopy(old)
            new['spec'] = obj['spec']
            self._commit_update(res, old, new, None, 'kf-emulator', 'Update', {'spec': obj['spec']}, False)

    def _kf_unregister_apiservice(self, name: str) -> None:
        res = self._res('apiregistration.k8s.io', 'v1', 'apiservices')
        if (obj := self._get(res, None, name)) is not None:
            self._finish_delete(res, obj)

    # --- discovery (GAP: kmock's gives subresources the parent's kind & verbs; no CRDs) ---------

    def _aggregated(self, group: str, version: str) -> JSON | None:
        """The APIService that routes group/version to a Service (an aggregated API), if any."""
        svc = self.apiservices.get(f'{version}.{group}')
        return svc if svc is not None and (svc.get('spec') or {}).get('service') else None

    def _api_groups(self) -> dict[str, JSON]:
        groups: dict[str, list[str]] = {}
        for (group, version, _) in self.served:
            if group:
                versions = groups.setdefault(group, [])
                if version not in versions:
                    versions.append(version)
        # The aggregator lists every registered APIService in /apis and /apis/<group>, whether or not
        # its backend is available (kube-aggregator's apis handler builds the list from the APIService
        # lister; kubernetes/minikube#3571: the group stays listed while its version answers 503).
        for apisvc in self.apiservices.values():
            spec = apisvc.get('spec') or {}
            if spec.get('service') and spec.get('group'):
                versions = groups.setdefault(spec['group'], [])
                if spec.get('version') and spec['version'] not in versions:
                    versions.append(spec['version'])

        def rank(v: str) -> tuple[int, int, int]:  # v1 > v1beta1 > v1alpha1, higher number first
            m = re.fullmatch(r'v(\d+)(?:(alpha|beta)(\d+))?', v)
            if not m:
                return (9, 0, 0)
            return ({None: 0, 'beta': 1, 'alpha': 2}[m[2]], -int(m[1]), -int(m[3] or 0))

        result = {}
        for group, versions in groups.items():
            versions.sort(key=rank)
            gvs = [{'groupVersion': f'{group}/{v}', 'version': v} for v in versions]
            result[group] = {'name': group, 'versions': gvs, 'preferredVersion': gvs[0]}
        return result

    def _api_group_list(self) -> JSON:
        return {'kind': 'APIGroupList', 'apiVersion': 'v1', 'groups': list(self._api_groups().values())}

    def _resource_list(self, group: str, version: str) -> JSON:
        resources = []
        for (g, v, plural), res in sorted(self.served.items()):
            if (g, v) != (group, version):
                continue
            info = res.info
            entry: JSON = {'name': plural, 'singularName': info.singular or res.kind.lower(),
                           'namespaced': res.namespaced, 'kind': res.kind, 'verbs': sorted(info.verbs)}
            if info.shortnames:
                entry['shortNames'] = sorted(info.shortnames)
            if info.categories:
                entry['categories'] = sorted(info.categories)
            resources.append(entry)
            for sub in sorted(info.subresources):
                sub_entry: JSON = {'name': f'{plural}/{sub}', 'singularName': '', 'namespaced': res.namespaced,
                                   'kind': res.kind, 'verbs': SUBRESOURCE_VERBS.get(sub, ['create'])}
                if sub in SUBRESOURCE_KINDS:
                    sg, sv, sk = SUBRESOURCE_KINDS[sub]
                    sub_entry.update(kind=sk, **({'group': sg} if sg else {}), version=sv)
                resources.append(sub_entry)
        return {'kind': 'APIResourceList', 'apiVersion': 'v1',
                'groupVersion': f'{group}/{version}' if group else version, 'resources': resources}

    # --- aggregated APIs (apiregistration.k8s.io APIServices backed by a Service) -----------------------

    def _serve_aggregated(self, raw: aiohttp.web.BaseRequest, apisvc: JSON, group: str, version: str,
                          rest: list[str]) -> aiohttp.web.StreamResponse:
        """The aggregator's proxy for /apis/<group>/<version>/...: while the APIService is not
        Available it answers 503 with the plain-text body "service unavailable" (proxyError in
        kube-aggregator's pkg/apiserver/handler_proxy.go; the body and headers are quoted in
        kubernetes-sigs/metrics-server#157), which client-go turns into "the server is currently
        unable to handle the request" (kubectl: "couldn't get resource list for
        metrics.k8s.io/v1beta1: ..."). Once Available, the emulated backend serves its discovery
        (metrics-server: nodes and pods metrics, read-only) and empty metric lists: no kubelets here."""
        if not self._apiservice_available(apisvc)[0]:
            return aiohttp.web.Response(status=503, text='service unavailable\n',
                                        headers={'Content-Type': 'text/plain; charset=utf-8',
                                                 'X-Content-Type-Options': 'nosniff'})
        catalogue = {r.plural: r for r in self.aggregated_catalogue.get((group, version), [])}
        gv = f'{group}/{version}'
        if not rest:
            resources = [{'name': r.plural, 'singularName': r.info.singular or '', 'namespaced': r.namespaced,
                          'kind': r.kind, 'verbs': sorted(r.info.verbs)} for r in catalogue.values()]
            return self._json({'kind': 'APIResourceList', 'apiVersion': 'v1', 'groupVersion': gv,
                               'resources': sorted(resources, key=lambda e: e['name'])})
        namespace = None
        if rest[0] == 'namespaces' and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        res = catalogue.get(rest[0])
        if res is None or len(rest) > 2 or (namespace is not None and not res.namespaced):
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        if raw.method != 'GET':
            raise ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')
        if len(rest) == 2:
            raise ApiError(404, 'NotFound', f'{res.qualified} "{rest[1]}" not found', res.details(rest[1]))
        return self._json({'kind': f'{res.kind}List', 'apiVersion': gv, 'metadata': {}, 'items': []})

    def _apiservice_available(self, apisvc: JSON) -> tuple[bool, JSON]:
        """The Available condition kube-aggregator's availability controller computes for an
        APIService (staging/src/k8s.io/kube-aggregator/pkg/controllers/status/remote/
        remote_available_controller.go, with the v1.32 Endpoints wording, also quoted in
        shikanon/kubeflow-manifests#69 "cert-manager-webhook False (MissingEndpoints)")."""
        spec = apisvc.get('spec') or {}
        ref = spec.get('service')
        if not ref:
            return True, {'type': 'Available', 'status': 'True', 'reason': 'Local',
                          'message': 'Local APIServices are always available'}
        ns, name, port = ref.get('namespace', ''), ref.get('name', ''), ref.get('port') or 443

        def down(reason: str, message: str) -> tuple[bool, JSON]:
            return False, {'type': 'Available', 'status': 'False', 'reason': reason, 'message': message}

        svc = self._get(self._res('', 'v1', 'services'), ns, name) if ns and name else None
        if svc is None:
            return down('ServiceNotFound', f'service/{name} in "{ns}" is not present')
        sspec = svc.get('spec') or {}
        if sspec.get('type', 'ClusterIP') == 'ClusterIP':
            svc_port = next((p for p in sspec.get('ports') or [] if p.get('port') == port), None)
            if svc_port is None:
                return down('ServicePortError', f'service/{name} in "{ns}" is not listening on port {port}')
            port_name = svc_port.get('name', '')
            if not sspec.get('selector') and self._get(self._res('', 'v1', 'endpoints'), ns, name) is None:
                return down('EndpointsNotFound', f'cannot find endpoints for service/{name} in "{ns}"')
            if not self._has_endpoints(svc):
                return down('MissingEndpoints',
                            f'endpoints for service/{name} in "{ns}" have no addresses with port name "{port_name}"')
        elif (err := self._resolve_service(ns, name, port)) is not None:
            # Other service types skip the endpoints checks, but the discovery GET cannot resolve them.
            return down('FailedDiscoveryCheck', err)
        return True, {'type': 'Available', 'status': 'True', 'reason': 'Passed', 'message': 'all checks passed'}

    def _apiservice_status(self, apisvc: JSON, old: JSON | None) -> JSON:
        _, cond = self._apiservice_available(apisvc)
        prev = next((c for c in ((old or {}).get('status') or {}).get('conditions') or []
                     if c.get('type') == 'Available'), None)
        same = prev is not None and prev.get('status') == cond['status']
        cond['lastTransitionTime'] = prev.get('lastTransitionTime') if same else now_rfc3339()
        return {'conditions': [cond]}

    def _refresh_apiservices(self) -> None:
        """Re-run the availability controller after a Service/Deployment/... changed: write the
        APIServices whose Available condition changed; a namespace stuck Terminating on a failed
        discovery is retried when every aggregated API is available again."""
        self.refreshing = True
        try:
            res = self._res('apiregistration.k8s.io', 'v1', 'apiservices')
            became_available = False
            for name in sorted(self.apiservices):
                old = self._get(res, None, name)
                if old is None:
                    continue
                status = self._apiservice_status(old, old)
                was = [(c.get('type'), c.get('status'), c.get('reason'), c.get('message'))
                       for c in (old.get('status') or {}).get('conditions') or []]
                now = [(c['type'], c['status'], c['reason'], c['message']) for c in status['conditions']]
                if was == now:
                    continue
                became_available |= status['conditions'][0]['status'] == 'True'
                new = copy.deepcopy(old)
                new['status'] = status
                new['metadata']['resourceVersion'] = self._next_rv()
                self._put(res, new)
                self._publish(res, 'MODIFIED', new)
        finally:
            self.refreshing = False
        failing = self._unavailable_groups()
        if became_available or failing != self.failing_groups:
            self.failing_groups = failing  # e.g. an APIService became Available, or was deleted
            self._retry_terminating_namespaces()

    def _validate_apiservice(self, obj: JSON) -> None:
        """ValidateAPIService (staging/src/k8s.io/kube-aggregator/pkg/apis/apiregistration/validation/validation.go)."""
        spec = obj.get('spec') or {}
        name = (obj.get('metadata') or {}).get('name', '')
        group, version = spec.get('group') or '', spec.get('version') or ''
        required = f'{version}.{group}'
        errors = []
        if name != required:
            errors.append(field_error('Invalid', 'metadata.name', name, f'must be `spec.version+"."+spec.group`: "{required}"'))
        if not group and version != 'v1':
            errors.append(field_error('Required', 'spec.group', detail='only v1 may have an empty group and it better be legacy kube'))
        gpm, vp = spec.get('groupPriorityMinimum') or 0, spec.get('versionPriority') or 0
        if not 0 < gpm <= 20000:
            errors.append(field_error('Invalid', 'spec.groupPriorityMinimum', gpm, 'must be positive and less than 20000'))
        if not 0 < vp <= 1000:
            errors.append(field_error('Invalid', 'spec.versionPriority', vp, 'must be positive and less than 1000'))
        ref = spec.get('service')
        if ref is not None:
            if not ref.get('namespace'):
                errors.append(field_error('Required', 'spec.service.namespace'))
            if not ref.get('name'):
                errors.append(field_error('Required', 'spec.service.name'))
            if spec.get('insecureSkipTLSVerify') and spec.get('caBundle'):
                errors.append(field_error('Invalid', 'spec.insecureSkipTLSVerify', 'true', 'may not be true if caBundle is present'))
        self._raise_invalid(self._res('apiregistration.k8s.io', 'v1', 'apiservices'), name, errors)

    # --- Service endpoints: the backend of webhooks and aggregated APIs ------------------------------

    def _has_endpoints(self, svc: JSON) -> bool:
        """Whether a Service has a ready address. For a selector, the endpoints controller lists the
        ready pods it selects (https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service);
        the emulator has no pods for workloads, so a Deployment whose pod template the selector
        matches and that has become Available with a ready replica (and still has replicas: see
        self.serving), likewise a ready StatefulSet/ReplicaSet/DaemonSet, or a Pod object with
        condition Ready=True, stands for them.
        Without a selector, the Endpoints object of the same name is taken as written
        (https://kubernetes.io/docs/concepts/services-networking/service/#services-without-selectors)."""
        ns, sspec = svc['metadata'].get('namespace'), svc.get('spec') or {}
        selector = sspec.get('selector') or {}
        if not selector:
            eps = self._get(self._res('', 'v1', 'endpoints'), ns, svc['metadata']['name'])
            return any(ss.get('addresses') for ss in (eps or {}).get('subsets') or [])

        def selects(labels: JSON | None) -> bool:
            return all((labels or {}).get(k) == v for k, v in selector.items())

        def template_labels(obj: JSON) -> JSON | None:
            return (((obj.get('spec') or {}).get('template') or {}).get('metadata') or {}).get('labels')

        if any(key[0] == ns and selects(labels) for key, labels in self.serving.items()):
            return True
        def ready_count(o: JSON, fld: str) -> int:
            return int((o.get('status') or {}).get(fld) or 0)

        def pod_ready(o: JSON) -> bool:
            return any(c.get('type') == 'Ready' and c.get('status') == 'True'
                       for c in (o.get('status') or {}).get('conditions') or [])

        checks = {'statefulsets': ('apps', lambda o: selects(template_labels(o)) and ready_count(o, 'readyReplicas') > 0),
                  'replicasets': ('apps', lambda o: selects(template_labels(o)) and ready_count(o, 'readyReplicas') > 0),
                  'daemonsets': ('apps', lambda o: selects(template_labels(o)) and ready_count(o, 'numberReady') > 0),
                  'pods': ('', lambda o: selects(o['metadata'].get('labels')) and pod_ready(o))}
        for (r, ons, _), stored in self.objects.items():  # one pass, no copies: this runs on admitted writes
            if ons != ns or r.plural not in checks:
                continue
            group, check = checks[r.plural]
            if r.group == group and not stored.deleted and not stored.raw['metadata'].get('deletionTimestamp') \
                    and check(stored.raw):
                return True
        return False

    def _resolve_service(self, namespace: str, name: str, port: int) -> str | None:
        """None if the Service can be dialled, else the error of the API server's endpoint resolver
        (ResolveEndpoints in staging/src/k8s.io/apiserver/pkg/util/proxy/proxy.go; the lister's
        NotFound reads `service "x" not found`, e.g. istio's `service "istiod" not found`)."""
        svc = self._get(self._res('', 'v1', 'services'), namespace, name)
        if svc is None:
            return f'service "{name}" not found'
        sspec = svc.get('spec') or {}
        if not any(p.get('port') == port for p in sspec.get('ports') or []):
            return f'no service port {port} found for service "{name}"'
        if sspec.get('type', 'ClusterIP') not in ('ClusterIP', 'LoadBalancer', 'NodePort'):
            return f'unsupported service type "{sspec.get("type")}"'
        if not sspec.get('selector') and self._get(self._res('', 'v1', 'endpoints'), namespace, name) is None:
            return f'endpoints "{name}" not found'
        if not self._has_endpoints(svc):
            return f'no endpoints available for service "{name}"'
        return None

    # --- OpenAPI v3 (GAP: kmock has none) -----------------------------------------------------------
    # kubectl (apply, create, replace) asks /openapi/v3 whether the server supports the
    # `fieldValidation` query parameter for a kind (a PATCH operation tagged with the kind's
    # x-kubernetes-group-version-kind that lists the parameter). If so, it leaves validation
    # to the server and needs no schemas. Without this, `kubectl apply` fails with
    # "failed to download openapi". No component schemas are served (kubectl falls back to its
    # compiled-in strategic-merge metadata); the emulator does not validate against schemas.

    def _openapi_v3(self, gv_path: str) -> JSON:
        gvs: dict[str, list[Res]] = {}
        for (group, version, _), res in sorted(self.served.items()):
            gvs.setdefault(f'apis/{group}/{version}' if group else f'api/{version}', []).append(res)
        if not gv_path:
            paths = {}
            for key, ress in gvs.items():
                digest = hashlib.sha256(json.dumps([(r.plural, r.kind, r.namespaced) for r in ress])
                                        .encode()).hexdigest()[:32].upper()
                paths[key] = {'serverRelativeURL': f'/openapi/v3/{key}?hash={digest}'}
            return {'paths': paths}
        if gv_path not in gvs:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        params = [{'name': n, 'in': 'query', 'description': n, 'schema': {'type': 'string'}, 'uniqueItems': True}
                  for n in ('dryRun', 'fieldManager', 'fieldValidation', 'force')]
        paths = {}
        for res in gvs[gv_path]:
            prefix = f'/{gv_path}/namespaces/{{namespace}}' if res.namespaced else f'/{gv_path}'
            gvk = {'group': res.group, 'version': res.version, 'kind': res.kind}
            paths[f'{prefix}/{res.plural}/{{name}}'] = {'patch': {
                'operationId': f'patch{res.kind}', 'parameters': params,
                'responses': {'200': {'description': 'OK'}},
                'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': gvk}}
        return {'openapi': '3.0.0', 'info': {'title': 'Kubernetes (kf emulator)', 'version': 'v1.32.0'},
                'paths': paths, 'components': {'schemas': {}}}

    # --- the resource API -----------------------------------------------------------------------

    async def _serve_api(self, raw: aiohttp.web.BaseRequest, group: str, version: str,
                         rest: list[str]) -> aiohttp.web.StreamResponse:
        if not rest:
            if not any((g, v) == (group, version) for (g, v, _) in self.served):
                raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
            return self._json(self._resource_list(group, version))

        # /namespaces/{ns}/{plural}[/{name}[/{sub}]]  or  /{plural}[/{name}[/{sub}]]
        namespace: str | None = None
        if rest[0] == 'namespaces' and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        plural, name, sub = rest[0], (rest[1] if len(rest) > 1 else None), (rest[2] if len(rest) > 2 else None)
        if len(rest) > 3:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        res = self.served.get((group, version, plural))
        if res is None or (namespace is not None and not res.namespaced) or (sub and not res.has(sub)):
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')

        params = raw.query
        method = raw.method
        body = await raw.read()
        watching = params.get('watch') in ('true', '1')

        if name is None:
            if method == 'GET' and watching:
                return await self._watch(raw, res, namespace, params)
            if method == 'GET':
                return self._json(self._do_list(res, namespace, params))
            if method == 'POST':
                if res.namespaced and namespace is None:
                    raise ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')
                obj = self._decode(body, raw.content_type)
                return self._json(*self._do_create(res, namespace, obj, params, raw))
            if method == 'DELETE':
                return self._json(self._do_delete_collection(res, namespace, params))
            raise ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')

        if res.namespaced and namespace is None:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        if method == 'GET' and watching:  # watch of one object, legacy style
            return await self._watch(raw, res, namespace, {**params, 'fieldSelector': f'metadata.name={name}'})
        if method == 'GET':
            obj = self._get(res, namespace, name)
            if obj is None:
                raise res.not_found(name)
            return self._json(self._view(res, obj, sub))
        if method == 'PUT':
            obj = self._decode(body, raw.content_type)
            return self._json(*self._do_update(res, namespace, name, sub, obj, params, raw))
        if method == 'PATCH':
            return self._json(*self._do_patch(res, namespace, name, sub, body, raw))
        if method == 'DELETE' and not sub:
            return self._json(self._do_delete(res, namespace, name, params))
        raise ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')

    @staticmethod
    def _decode(body: bytes, content_type: str) -> Any:
        try:
            if content_type == 'application/vnd.kubernetes.protobuf':
                try:
                    return decode_protobuf(body)
                except (ValueError, IndexError, StopIteration) as e:
                    raise ApiError(415, 'UnsupportedMediaType', str(e))
            if 'yaml' in content_type:
                return yaml.safe_load(body.decode('utf-8'))
            return json.loads(body or b'null')
        except ApiError:
            raise
        except Exception as e:
            raise ApiError(400, 'BadRequest', f'the body of the request was in an unknown format: {e}')

    def _out(self, res: Res, obj: JSON) -> JSON:
        obj = dict(obj)
        obj['apiVersion'], obj['kind'] = res.api_version, res.kind  # served version (no conversion)
        return obj

    def _view(self, res: Res, obj: JSON, sub: str | None) -> JSON:
        if sub == 'scale':
            return self._scale_of(res, obj)
        return self._out(res, obj)

    def _scale_of(self, res: Res, obj: JSON) -> JSON:
        meta = obj['metadata']
        replicas = (obj.get('spec') or {}).get('replicas', 1)
        labels = ((obj.get('spec') or {}).get('selector') or {}).get('matchLabels') or {}
        return {'kind': 'Scale', 'apiVersion': 'autoscaling/v1',
                'metadata': {k: meta[k] for k in ('name', 'namespace', 'uid', 'resourceVersion',
                                                  'creationTimestamp') if k in meta},
                'spec': {'replicas': replicas},
                'status': {'replicas': (obj.get('status') or {}).get('replicas', 0),
                           'selector': ','.join(f'{k}={v}' for k, v in labels.items())}}

    # --- LIST & WATCH ----------------------------------------------------------------------------

    def _select(self, res: Res, namespace: str | None, params: Any) -> list[JSON]:
        labels = parse_label_selector(params.get('labelSelector', ''))
        fields = parse_field_selector(params.get('fieldSelector', ''))
        return [o for o in self._list(res, namespace)
                if match_labels(o['metadata'].get('labels') or {}, labels) and match_fields(o, fields)]

    def _do_list(self, res: Res, namespace: str | None, params: Any) -> JSON:
        items = [self._out(res, o) for o in self._select(res, namespace, params)]
        return {'kind': f'{res.kind}List', 'apiVersion': res.api_version,
                'metadata': {'resourceVersion': str(self.rv)}, 'items': items}

    async def _watch(self, raw: aiohttp.web.BaseRequest, res: Res, namespace: str | None,
                     params: Any) -> aiohttp.web.StreamResponse:
        labels = parse_label_selector(params.get('labelSelector', ''))
        fields = parse_field_selector(params.get('fieldSelector', ''))
        timeout = float(params.get('timeoutSeconds') or 1800)
        since = params.get('resourceVersion') or ''
        initial = params.get('sendInitialEvents') == 'true'
        bookmarks = params.get('allowWatchBookmarks') == 'true'

        def wanted(gp: tuple[str, str], obj: JSON) -> bool:
            meta = obj['metadata']
            return (gp == (res.group, res.plural)
                    and (namespace is None or meta.get('namespace') == namespace)
                    and match_labels(meta.get('labels') or {}, labels) and match_fields(obj, fields))

        # Synchronously (no await in between): snapshot + subscribe, so nothing is lost.
        queue: asyncio.Queue[Any] = asyncio.Queue()
        backlog: list[JSON] = []
        if not since or since == '0' or initial:
            backlog = [{'type': 'ADDED', 'object': o} for o in self._select(res, namespace, params)]
        else:
            # Replay what happened after the given resourceVersion (loosely: from our ring buffer).
            backlog = [e for rv, gp, e in self.history if rv > int(since or 0) and wanted(gp, e['object'])]
        self.watchers.add(queue)

        resp = aiohttp.web.StreamResponse(headers={'Content-Type': 'application/json',
                                                   'Transfer-Encoding': 'chunked'})
        try:
            await resp.prepare(raw)

            async def send(event: JSON) -> None:
                if event['object'].get('kind') != 'Status':
                    event = {'type': event['type'], 'object': self._out(res, event['object'])}
                await resp.write(json.dumps(event).encode() + b'\n')

            for event in backlog:
                await send(event)
            if initial and bookmarks:
                await send({'type': 'BOOKMARK', 'object': {
                    'kind': res.kind, 'apiVersion': res.api_version,
                    'metadata': {'resourceVersion': str(self.rv), 'annotations': {INITIAL_EVENTS_END: 'true'}}}})
            deadline = asyncio.get_running_loop().time() + timeout
            while not self.closing:
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    break
                try:
                    item = await asyncio.wait_for(queue.get(), timeout=min(left, 30))
                except asyncio.TimeoutError:
                    continue
                if item is None:
                    break
                _, gp, event = item
                if wanted(gp, event['object']):
                    await send(event)
            await resp.write_eof()
        except ConnectionResetError:  # the client went away (aiohttp's errors subclass it)
            pass
        finally:
            self.watchers.discard(queue)
        return resp

    # --- writes ----------------------------------------------------------------------------------

    def _manager(self, raw: aiohttp.web.BaseRequest, params: Any) -> str:
        agent = raw.headers.get('User-Agent', 'unknown').split('/')[0]
        return params.get('fieldManager') or agent or 'unknown'

    def _managed(self, obj: JSON, manager: str, operation: str, content: JSON, res: Res,
                 sub: str | None = None) -> None:
        fields = {k: v for k, v in content.items() if k not in ('apiVersion', 'kind')}
        meta = dict(fields.get('metadata') or {})
        for k in ('name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp',
                  'generation', 'managedFields', 'selfLink', 'deletionTimestamp'):
            meta.pop(k, None)
        if meta:
            fields['metadata'] = meta
        else:
            fields.pop('metadata', None)
        entry = {'manager': manager, 'operation': operation, 'apiVersion': res.api_version,
                 'time': now_rfc3339(), 'fieldsType': 'FieldsV1', 'fieldsV1': fields_v1(_strip_directives(fields))}
        if sub:
            entry['subresource'] = sub
        entries = [e for e in obj['metadata'].get('managedFields') or []
                   if not (e.get('manager') == manager and e.get('operation') == operation
                           and e.get('subresource') == sub)]
        obj['metadata']['managedFields'] = entries + [entry]

    def _check_namespace(self, res: Res, namespace: str | None, obj: JSON) -> str | None:
        body_ns = (obj.get('metadata') or {}).get('namespace')
        if not res.namespaced:
            return None
        if namespace and body_ns and body_ns != namespace:
            raise ApiError(400, 'BadRequest', 'the namespace of the provided object does not match '
                                              'the namespace sent on the request')
        namespace = namespace or body_ns
        if not namespace:
            raise ApiError(400, 'BadRequest', 'the namespace of the object must be set')
        ns_obj = self._get(self._res('', 'v1', 'namespaces'), None, namespace)
        if ns_obj is None:
            raise ApiError(404, 'NotFound', f'namespaces "{namespace}" not found',
                           {'name': namespace, 'kind': 'namespaces'})
        if (ns_obj.get('status') or {}).get('phase') == 'Terminating':
            # The NamespaceLifecycle admission plugin refuses creates (also server-side apply creates)
            # in a terminating namespace with admission.NewForbidden, named after the resource
            # (staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go),
            # e.g. kubeflow/community-distribution#2353: serviceaccounts "eventing-controller" is
            # forbidden: unable to create new content in namespace knative-eventing because it is being terminated
            meta = obj.get('metadata') or {}
            name = meta.get('name') or meta.get('generateName') or 'Unknown'
            raise ApiError(403, 'Forbidden', f'{res.qualified} "{name}" is forbidden: unable to create new content '
                                             f'in namespace {namespace} because it is being terminated',
                           {**res.details(name), 'causes': [{'reason': 'NamespaceTerminating', 'field': 'metadata.namespace',
                                                             'message': f'namespace {namespace} is being terminated'}]})
        return namespace

    def _validate(self, res: Res, obj: Any, partial: bool = False) -> None:
        if not isinstance(obj, dict):
            raise ApiError(400, 'BadRequest', 'the body of the request was in an unknown format')
        kind = obj.get('kind')
        if kind and kind != res.kind:
            raise ApiError(400, 'BadRequest', f'{kind} in version "{res.version}" cannot be handled as a {res.kind}')
        if res.group == 'apiextensions.k8s.io' and res.plural == 'customresourcedefinitions' and not partial:
            self._validate_crd(obj)

    @staticmethod
    def _raise_invalid(res: Res, name: str, errors: list[tuple[str, str, str]]) -> None:
        """apierrors.NewInvalid: `<Kind>.<group> "<name>" is invalid: <err>`, or `[<err>, <err>]`
        for several (utilerrors aggregate), with one cause per field error."""
        if not errors:
            return
        texts = [f'{f}: {body}' for _, f, body in errors]
        what = f'{res.kind}.{res.group}' if res.group else res.kind
        joined = texts[0] if len(texts) == 1 else '[' + ', '.join(texts) + ']'
        raise ApiError(422, 'Invalid', f'{what} "{name}" is invalid: {joined}',
                       {'name': name, 'group': res.group, 'kind': res.kind,
                        'causes': [{'reason': r, 'message': body, 'field': f} for r, f, body in errors]})

    @staticmethod
    def _invalid(res: Res, name: str, field: str, msg: str) -> ApiError:
        what = f'{res.kind}.{res.group}' if res.group else res.kind
        return ApiError(422, 'Invalid', f'{what} "{name}" is invalid: {field}: {msg}',
                        {'name': name, 'group': res.group, 'kind': res.kind,
                         'causes': [{'reason': 'FieldValueInvalid', 'message': msg, 'field': field}]})

    def _validate_crd(self, crd: JSON) -> None:
        spec = crd.get('spec') or {}
        names = spec.get('names') or {}
        name = (crd.get('metadata') or {}).get('name', '')
        res = self._res('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')
        if not spec.get('group') or not names.get('plural') or not names.get('kind'):
            raise self._invalid(res, name, 'spec', 'Required value: group, names.plural and names.kind')
        if name != f"{names['plural']}.{spec['group']}":
            raise self._invalid(res, name, 'metadata.name',
                                f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group')
        if not spec.get('versions'):
            raise self._invalid(res, name, 'spec.versions', 'Invalid value: must have exactly one version marked as storage version')

    def _validate_webhook_config(self, res: Res, obj: JSON) -> None:
        """ValidateValidatingWebhookConfiguration / ValidateMutatingWebhookConfiguration for v1
        (pkg/apis/admissionregistration/validation/validation.go, ValidateWebhookService in
        staging/src/k8s.io/apiserver/pkg/util/webhook/validation.go); matchConditions (CEL) and
        label-selector syntax are not checked."""
        name = (obj.get('metadata') or {}).get('name', '')
        errors: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for i, hook in enumerate(obj.get('webhooks') or []):
            at = f'webhooks[{i}]'
            hname = hook.get('name') or ''
            if not hname:
                errors.append(field_error('Required', f'{at}.name'))
            elif not is_dns1123_subdomain(hname):
                errors.append(field_error('Invalid', f'{at}.name', hname, DNS1123_SUBDOMAIN_MSG))
            elif len(hname.split('.')) < 3:
                errors.append(field_error('Invalid', f'{at}.name', hname,
                                          'should be a domain with at least three segments separated by dots'))
            for j, rule in enumerate(hook.get('rules') or []):
                rat = f'{at}.rules[{j}]'
                ops = rule.get('operations') or []
                if not ops:
                    errors.append(field_error('Required', f'{rat}.operations'))
                for k, op in enumerate(ops):
                    if op not in ('*', 'CREATE', 'UPDATE', 'DELETE', 'CONNECT'):
                        errors.append(field_error('NotSupported', f'{rat}.operations[{k}]', op,
                                                  '"*", "CONNECT", "CREATE", "DELETE", "UPDATE"'))
                for fld in ('apiGroups', 'apiVersions', 'resources'):
                    if not rule.get(fld):
                        errors.append(field_error('Required', f'{rat}.{fld}'))
                if rule.get('scope') is not None and rule['scope'] not in ('*', 'Cluster', 'Namespaced'):
                    errors.append(field_error('NotSupported', f'{rat}.scope', rule['scope'],
                                              '"*", "Cluster", "Namespaced"'))
            for fld, allowed in (('failurePolicy', ('Fail', 'Ignore')), ('matchPolicy', ('Equivalent', 'Exact'))):
                if hook.get(fld) is not None and hook[fld] not in allowed:
                    errors.append(field_error('NotSupported', f'{at}.{fld}', hook[fld],
                                              ', '.join(f'"{a}"' for a in allowed)))
            if hook.get('sideEffects') is None:
                errors.append(field_error('Required', f'{at}.sideEffects', detail='must specify one of None, NoneOnDryRun'))
            elif hook['sideEffects'] not in ('None', 'NoneOnDryRun'):
                errors.append(field_error('NotSupported', f'{at}.sideEffects', hook['sideEffects'],
                                          '"None", "NoneOnDryRun"'))
            timeout = hook.get('timeoutSeconds')
            if timeout is not None and not 1 <= timeout <= 30:
                errors.append(field_error('Invalid', f'{at}.timeoutSeconds', timeout,
                                          'the timeout value must be between 1 and 30 seconds'))
            cc = hook.get('clientConfig') or {}
            if ('url' in cc) == ('service' in cc):
                errors.append(field_error('Required', f'{at}.clientConfig', detail='exactly one of url or service is required'))
            elif 'service' in cc:
                sat, svc = f'{at}.clientConfig.service', cc['service'] or {}
                if not svc.get('name'):
                    errors.append(field_error('Required', f'{sat}.name', detail='service name is required'))
                if not svc.get('namespace'):
                    errors.append(field_error('Required', f'{sat}.namespace', detail='service namespace is required'))
                path = svc.get('path')
                if path and path != '/':
                    if not path.startswith('/'):
                        errors.append(field_error('Invalid', f'{sat}.path', path, "must start with a '/'"))
                    steps = path[1:][:-1] if path[1:].endswith('/') else path[1:]
                    for n, step in enumerate(steps.split('/')):
                        if not step:
                            errors.append(field_error('Invalid', f'{sat}.path', path, f'segment[{n}] may not be empty'))
                        elif not is_dns1123_subdomain(step):
                            errors.append(field_error('Invalid', f'{sat}.path', path,
                                                      f'segment[{n}]: {DNS1123_SUBDOMAIN_MSG}'))
            versions = hook.get('admissionReviewVersions') or []
            if not versions:
                errors.append(field_error('Required', f'{at}.admissionReviewVersions', detail='must specify one of v1, v1beta1'))
            elif not set(versions) & {'v1', 'v1beta1'}:
                errors.append(field_error('Invalid', f'{at}.admissionReviewVersions', versions,
                                          'must include at least one of v1, v1beta1'))
            if hname and hname in seen:
                errors.append(field_error('Duplicate', f'{at}.name', hname))
            seen.add(hname)
        self._raise_invalid(res, name, errors)

    # --- admission webhooks (the MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins) ----

    def _admit(self, res: Res, operation: str, namespace: str | None, obj: JSON | None, old: JSON | None,
               sub: str | None = None, phases: tuple[str, ...] = ('mutating', 'validating')) -> None:
        """Call the webhooks whose configuration matches this request, the way kube-apiserver decides
        it (ShouldCallHook in staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/generic/webhook.go):
        namespaceSelector, then objectSelector, then the rules (with matchPolicy Equivalent, the
        v1 default, also any other served version of the same resource). Mutating webhooks run
        first, in configuration-name order, then the validating ones (kubernetes.io/docs/reference/
        access-authn-authz/extensible-admission-controllers/). The emulator cannot send the
        AdmissionReview over HTTPS, so a webhook's backend stands for it: a `clientConfig.url` is
        taken as reachable (nothing to check here) and admits; a `clientConfig.service` admits when
        that Service resolves to a ready endpoint (see _resolve_service / _has_endpoints), unchanged
        (a mutating webhook's patch cannot be emulated). Otherwise the call fails like the real
        one and the request is refused unless failurePolicy is Ignore (v1 default: Fail)."""
        if not self.webhook_configs:
            return
        kind = 'Scale' if sub == 'scale' else res.kind
        if res.group == 'admissionregistration.k8s.io' and kind in WEBHOOK_EXEMPT_KINDS:
            return  # rules.IsExemptAdmissionConfigurationResource
        is_ns = (res.group, res.plural) == ('', 'namespaces')  # rules.go compares the resource, not the subresource
        # attr.GetNamespace(): the namespace of a namespaced request, the name for a Namespace itself.
        req_ns = (((obj or old or {}).get('metadata') or {}).get('name') if (res.group, res.plural) == ('', 'namespaces')
                  else namespace if res.namespaced else None) or ''
        for phase in phases:
            plural = f'{phase}webhookconfigurations'
            for (p, _), config in sorted(self.webhook_configs.items(), key=lambda kv: kv[0][1]):
                if p != plural:
                    continue
                for hook in config.get('webhooks') or []:
                    if self._should_call(hook, res, operation, req_ns, is_ns, obj, old, sub):
                        self._call_webhook(hook)

    def _should_call(self, hook: JSON, res: Res, operation: str, req_ns: str, is_ns: bool,
                     obj: JSON | None, old: JSON | None, sub: str | None) -> bool:
        # namespaceSelector (predicates/namespace/matcher.go): cluster-scoped objects other than
        # namespaces are never exempted; a Namespace being created/updated is matched on its own labels.
        if req_ns or (res.group, res.plural) == ('', 'namespaces'):
            if hook.get('namespaceSelector'):
                if (res.group, res.plural) == ('', 'namespaces') and not sub and operation in ('CREATE', 'UPDATE'):
                    ns_labels = ((obj or {}).get('metadata') or {}).get('labels') or {}
                else:
                    ns_obj = self._get(self._res('', 'v1', 'namespaces'), None, req_ns)
                    if ns_obj is None:
                        raise ApiError(404, 'NotFound', f'namespaces "{req_ns}" not found',
                                       {'name': req_ns, 'kind': 'namespaces'})
                    ns_labels = ns_obj['metadata'].get('labels') or {}
                if not match_label_selector(hook['namespaceSelector'], ns_labels):
                    return False
        # objectSelector (predicates/object/matcher.go): the new or the old object's labels.
        if hook.get('objectSelector'):
            if not any(o is not None and match_label_selector(hook['objectSelector'],
                                                              (o.get('metadata') or {}).get('labels') or {})
                       for o in (obj, old)):
                return False
        versions = [res.version]
        if hook.get('matchPolicy', 'Equivalent') == 'Equivalent':
            versions += sorted({v for (g, v, p) in self.served if (g, p) == (res.group, res.plural) and v != res.version})
        return any(self._rule_matches(rule, operation, res.group, v, res.plural, sub or '', req_ns, is_ns)
                   for rule in hook.get('rules') or [] for v in versions)

    @staticmethod
    def _rule_matches(rule: JSON, operation: str, group: str, version: str, plural: str, sub: str,
                      req_ns: str, is_ns: bool) -> bool:
        """rules.Matcher (predicates/rules/rules.go): scope, operations, apiGroups, apiVersions and
        resources, where "*" is every resource but no subresource, "*/*" everything, "pods/*" and
        "*/status" the obvious (docs: extensible-admission-controllers/#matching-requests-rules)."""
        scope = rule.get('scope') or '*'
        if scope == 'Namespaced' and (is_ns or not req_ns):
            return False
        if scope == 'Cluster' and not (is_ns or not req_ns):
            return False
        if scope not in ('*', 'Namespaced', 'Cluster'):
            return False
        if not any(op in ('*', operation) for op in rule.get('operations') or []):
            return False
        if not any(g in ('*', group) for g in rule.get('apiGroups') or []):
            return False
        if not any(v in ('*', version) for v in rule.get('apiVersions') or []):
            return False
        for entry in rule.get('resources') or []:
            r, _, s = entry.partition('/')
            if r in ('*', plural) and s in ('*', sub):
                return True
        return False

    def _call_webhook(self, hook: JSON) -> None:
        cc = hook.get('clientConfig') or {}
        svc = cc.get('service')
        if not svc:
            return  # clientConfig.url: an external endpoint, taken as reachable
        port = svc.get('port') or 443
        err = self._resolve_service(svc.get('namespace', ''), svc.get('name', ''), port)
        if err is None:
            return
        if hook.get('failurePolicy', 'Fail') == 'Ignore':
            return  # "Failed calling webhook, failing open" (validating/dispatcher.go)
        # The request URL the webhook client builds (staging/src/k8s.io/apiserver/pkg/util/webhook/client.go:
        # https://<svc>.<ns>.svc:<port><path>, "/" for an empty path, ?timeout=<timeoutSeconds, default 10>s),
        # wrapped in ErrCallingWebhook and apierrors.NewInternalError (validating/dispatcher.go, util/webhook/error.go),
        # e.g. spinframework/spin-operator#179, kubeflow/kubeflow#4835 (EKS, istio-galley):
        # Internal error occurred: failed calling webhook "mspinapp.kb.io": failed to call webhook: Post
        # "https://spin-operator-webhook-service.spin-operator.svc:443/mutate-...?timeout=10s": no endpoints
        # available for service "spin-operator-webhook-service"
        url = (f'https://{svc.get("name")}.{svc.get("namespace")}.svc:{port}{svc.get("path") or "/"}'
               f'?timeout={hook.get("timeoutSeconds") or 10}s')
        reason = f'failed calling webhook "{hook.get("name")}": failed to call webhook: Post "{url}": {err}'
        raise ApiError(500, 'InternalError', f'Internal error occurred: {reason}', {'causes': [{'message': reason}]})

    def _do_create(self, res: Res, namespace: str | None, obj: Any, params: Any,
                   raw: aiohttp.web.BaseRequest) -> tuple[JSON, int]:
        self._validate(res, obj)
        meta = obj.setdefault('metadata', {}) if isinstance(obj.get('metadata'), dict) or 'metadata' not in obj else None
        if meta is None:
            raise ApiError(400, 'BadRequest', 'metadata must be an object')
        if not meta.get('name'):
            if meta.get('generateName'):
                meta['name'] = meta['generateName'] + ''.join(random.choices(string.ascii_lowercase + string.digits, k=5))
            else:
                raise ApiError(422, 'Invalid', f'{res.kind} "" is invalid: metadata.name: Required value: '
                                               f'name or generateName is required',
                               {'kind': res.kind, 'group': res.group, 'causes': [
                                   {'reason': 'FieldValueRequired', 'field': 'metadata.name',
                                    'message': 'Required value: name or generateName is required'}]})
        namespace = self._check_namespace(res, namespace, obj)
        name = meta['name']
        self._admit(res, 'CREATE', namespace, obj, None)  # admission runs before the store's Create
        if (existing := self._get(res, namespace, name)) is not None:
            # The generic registry store prefixes the error when the existing object is being deleted
            # (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go, Create), e.g. a
            # Terminating namespace: grafana/xk6-kubernetes#75 `object is being deleted: namespaces "x" already exists`
            prefix = 'object is being deleted: ' if existing['metadata'].get('deletionTimestamp') else ''
            raise ApiError(409, 'AlreadyExists', f'{prefix}{res.qualified} "{name}" already exists', res.details(name))
        if res.has('status') and not self._synthesised_status(res):
            obj.pop('status', None)  # the status of a new object is not settable via the main resource
        manager = self._manager(raw, params)
        created = self._store_new(res, namespace, obj, manager, dry=params.get('dryRun') == 'All')
        return self._out(res, created), 201

    def _synthesised_status(self, res: Res) -> bool:
        return (res.group, res.plural) in {('', 'namespaces'), ('apps', 'deployments'), ('apps', 'statefulsets'),
                                           ('apiextensions.k8s.io', 'customresourcedefinitions')}

    def _store_new(self, res: Res, namespace: str | None, obj: JSON, manager: str,
                   operation: str = 'Update', dry: bool = False, applied: JSON | None = None) -> JSON:
        obj = copy.deepcopy(obj)
        meta = obj.setdefault('metadata', {})
        obj['apiVersion'], obj['kind'] = res.api_version, res.kind
        if res.namespaced:
            meta['namespace'] = namespace
        else:
            meta.pop('namespace', None)
        meta['uid'] = str(uuid.uuid4())
        meta['creationTimestamp'] = now_rfc3339()
        meta['generation'] = 1
        for k in ('deletionTimestamp', 'selfLink', 'managedFields'):
            meta.pop(k, None)
        self._managed(obj, manager, operation, applied if applied is not None else obj, res)
        self._controller(res, obj, None)
        if dry:
            meta['resourceVersion'] = str(self.rv)
            return obj
        meta['resourceVersion'] = self._next_rv()
        self._put(res, obj)
        self._publish(res, 'ADDED', obj)
        self._after_write(res, None, obj)
        return obj

    def _commit_update(self, res: Res, old: JSON, new: JSON, sub: str | None, manager: str,
                       operation: str, content: JSON, dry: bool) -> JSON:
        """Persist `new` as the next state of `old`, with the real server's invariants."""
        meta = new.setdefault('metadata', {})
        omet = old['metadata']
        for k in ('uid', 'creationTimestamp', 'namespace', 'name', 'deletionTimestamp', 'generation'):
            if k in omet:
                meta[k] = omet[k]
            else:
                meta.pop(k, None)
        meta['managedFields'] = copy.deepcopy(omet.get('managedFields') or [])
        new['apiVersion'], new['kind'] = res.api_version, res.kind
        if sub == 'status':
            # A write to /status changes only the status (and nothing of metadata but managedFields).
            new = {**{k: v for k, v in old.items() if k != 'status'}, 'metadata': meta,
                   **({'status': new['status']} if 'status' in new else {})}
            meta.update({k: v for k, v in omet.items() if k not in ('managedFields', 'resourceVersion')})
        elif res.has('status'):
            # A write to the main resource never changes the status.
            new.pop('status', None)
            if 'status' in old:
                new['status'] = old['status']
        if not sub:
            old_body = {k: v for k, v in old.items() if k not in ('metadata', 'status', 'apiVersion', 'kind')}
            new_body = {k: v for k, v in new.items() if k not in ('metadata', 'status', 'apiVersion', 'kind')}
            if old_body != new_body:
                meta['generation'] = int(omet.get('generation') or 1) + 1
        self._managed(new, manager, operation, content, res, sub)
        if sub != 'status' or (res.group, res.plural) not in {('apps', 'deployments'), ('apps', 'statefulsets')}:
            self._controller(res, new, old, sub)  # a client's write to a workload's /status sticks
        if dry:
            meta['resourceVersion'] = omet.get('resourceVersion')
            return new
        stripped_old = {**old, 'metadata': {k: v for k, v in omet.items() if k not in ('resourceVersion', 'managedFields')}}
        stripped_new = {**new, 'metadata': {k: v for k, v in meta.items() if k not in ('resourceVersion', 'managedFields')}}
        if stripped_old == stripped_new and operation != 'Apply':
            meta['resourceVersion'] = omet['resourceVersion']  # a no-op write does not bump the RV
            return new
        meta['resourceVersion'] = self._next_rv()
        # A namespace also waits for its spec.finalizers (ShouldDeleteNamespaceDuringUpdate in
        # pkg/registry/core/namespace/storage/storage.go).
        if meta.get('deletionTimestamp') and not meta.get('finalizers') and not (
                (res.group, res.plural) == ('', 'namespaces') and (new.get('spec') or {}).get('finalizers')):
            self._put(res, new)
            self._finish_delete(res, new)
            return new
        self._put(res, new)
        self._publish(res, 'MODIFIED', new)
        self._after_write(res, old, new)
        return new

    def _existing(self, res: Res, namespace: str | None, name: str) -> JSON:
        obj = self._get(res, namespace, name)
        if obj is None:
            raise res.not_found(name)
        return obj

    def _do_update(self, res: Res, namespace: str | None, name: str, sub: str | None, obj: Any,
                   params: Any, raw: aiohttp.web.BaseRequest) -> tuple[JSON, int]:
        if sub == 'scale':
            old = self._existing(res, namespace, name)
            replicas = ((obj or {}).get('spec') or {}).get('replicas')
            new = copy.deepcopy(old)
            new.setdefault('spec', {})['replicas'] = replicas
            self._admit(res, 'UPDATE', namespace, new, old, sub)
            out = self._commit_update(res, old, new, None, self._manager(raw, params), 'Update',
                                      {'spec': {'replicas': replicas}}, params.get('dryRun') == 'All')
            return self._scale_of(res, out), 200
        self._validate(res, obj)
        meta = obj.get('metadata') or {}
        if meta.get('name') and meta['name'] != name:
            raise ApiError(400, 'BadRequest', 'the name of the object does not match the name on the URL')
        if res.namespaced and meta.get('namespace') and meta['namespace'] != namespace:
            raise ApiError(400, 'BadRequest', 'the namespace of the provided object does not match '
                                              'the namespace sent on the request')
        old = self._existing(res, namespace, name)
        # Mutating admission runs inside the store's UpdatedObject, before the resourceVersion
        # check; validating admission after it (registry/generic/registry/store.go, Update).
        self._admit(res, 'UPDATE', namespace, obj, old, sub, ('mutating',))
        given_rv = meta.get('resourceVersion')
        if given_rv and given_rv != old['metadata']['resourceVersion']:
            raise ApiError(409, 'Conflict', f'Operation cannot be fulfilled on {res.qualified} "{name}": '
                                            'the object has been modified; please apply your changes '
                                            'to the latest version and try again', res.details(name))
        self._admit(res, 'UPDATE', namespace, obj, old, sub, ('validating',))
        new = copy.deepcopy(obj)
        new.setdefault('metadata', {})['name'] = name
        out = self._commit_update(res, old, new, sub, self._manager(raw, params), 'Update', obj,
                                  params.get('dryRun') == 'All')
        return self._out(res, out), 200

    def _do_patch(self, res: Res, namespace: str | None, name: str, sub: str | None, body: bytes,
                  raw: aiohttp.web.BaseRequest) -> tuple[JSON, int]:
        params = raw.query
        ctype = raw.content_type
        dry = params.get('dryRun') == 'All'
        old = self._get(res, namespace, name) if (namespace or not res.namespaced) else None

        if ctype == 'application/apply-patch+yaml':
            manager = params.get('fieldManager')
            if not manager:
                raise ApiError(400, 'BadRequest', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                                                  'Required value: is required for apply patch')
            applied = self._decode(body, 'yaml')
            self._validate(res, applied, partial=True)  # an apply config may be partial
            ameta = applied.get('metadata') or {}
            if ameta.get('name') and ameta['name'] != name:
                raise ApiError(400, 'BadRequest', 'the name of the object does not match the name on the URL')
            if old is None:
                if sub:
                    raise res.not_found(name)
                # Server-side apply creates the object when it is absent.
                applied.setdefault('metadata', {})['name'] = name
                namespace = self._check_namespace(res, namespace, applied)
                self._admit(res, 'CREATE', namespace, applied, None)
                created = self._store_new(res, namespace, applied, manager, 'Apply', dry, applied)
                if not dry:
                    self.applied[self._key(res, namespace, name), manager, sub] = copy.deepcopy(applied)
                return self._out(res, created), 201
            # GAP/approximation: no field-ownership conflicts (as if force=true always); the applied
            # config is merged into the live object, and the fields that this manager applied
            # previously but not now are removed. Lists of custom resources are atomic.
            akey = (self._key(res, namespace, name), manager, sub)
            applied_body = {k: v for k, v in applied.items() if k not in ('apiVersion', 'kind')}
            if sub == 'status':
                applied_body = {'status': applied_body.get('status')}
            elif sub is None and res.has('status'):
                applied_body.pop('status', None)
            new = strategic_merge(old, applied_body, keyed_lists=not res.custom)
            prune_unapplied(new, self.applied.get(akey), applied_body)
            self._admit(res, 'UPDATE', namespace, new, old, sub)
            out = self._commit_update(res, old, new, sub, manager, 'Apply', applied_body, dry)
            if not dry:
                self.applied[akey] = copy.deepcopy(applied_body)
            return self._out(res, out), 200

        if old is None:
            raise res.not_found(name)
        try:
            patch = json.loads(body or b'null')
        except ValueError as e:
            raise ApiError(400, 'BadRequest', f'error decoding patch: {e}')
        base = self._scale_of(res, old) if sub == 'scale' else self._out(res, old)
        try:
            if ctype == 'application/json-patch+json':
                new = jsonpatch.apply_patch(base, patch)
            elif ctype == 'application/merge-patch+json':
                new = merge_patch(base, patch)
            elif ctype == 'application/strategic-merge-patch+json':
                if res.custom:
                    raise ApiError(415, 'UnsupportedMediaType',
                                   'the body of the request was in an unknown format - accepted media types '
                                   'include: application/json-patch+json, application/merge-patch+json, '
                                   'application/apply-patch+yaml')
                new = strategic_merge(base, patch)
            else:
                raise ApiError(415, 'UnsupportedMediaType', f'the body of the request was in an unknown format '
                                                            f'- accepted media types include: application/json-patch+json, '
                                                            f'application/merge-patch+json, application/apply-patch+yaml')
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, AttributeError) as e:
            raise ApiError(422, 'Invalid', f'the server rejected our request due to an error in our request: {e}')
        if not isinstance(new, dict):
            raise ApiError(422, 'Invalid', 'the patch did not produce an object')
        manager = self._manager(raw, params)
        if sub == 'scale':
            replicas = (new.get('spec') or {}).get('replicas')
            upd = copy.deepcopy(old)
            upd.setdefault('spec', {})['replicas'] = replicas
            self._admit(res, 'UPDATE', namespace, upd, old, sub)
            out = self._commit_update(res, old, upd, None, manager, 'Update', {'spec': {'replicas': replicas}}, dry)
            return self._scale_of(res, out), 200
        self._admit(res, 'UPDATE', namespace, new, old, sub, ('mutating',))
        given_rv = (new.get('metadata') or {}).get('resourceVersion')
        if given_rv and given_rv != old['metadata']['resourceVersion']:
            raise ApiError(409, 'Conflict', f'Operation cannot be fulfilled on {res.qualified} "{name}": '
                                            'the object has been modified; please apply your changes '
                                            'to the latest version and try again', res.details(name))
        self._admit(res, 'UPDATE', namespace, new, old, sub, ('validating',))
        out = self._commit_update(res, old, new, sub, manager, 'Update',
                                  patch if isinstance(patch, dict) else new, dry)
        return self._out(res, out), 200

    def _do_delete(self, res: Res, namespace: str | None, name: str, params: Any) -> JSON:
        obj = self._existing(res, namespace, name)
        is_ns = (res.group, res.plural) == ('', 'namespaces')
        if is_ns and name in IMMORTAL_NAMESPACES:
            # NamespaceLifecycle admission: "prevent deletion of immortal namespaces" (lifecycle/admission.go).
            raise ApiError(403, 'Forbidden', f'namespaces "{name}" is forbidden: this namespace may not be deleted',
                           {'name': name, 'kind': 'namespaces'})
        self._admit(res, 'DELETE', namespace, None, obj)
        if params.get('dryRun') == 'All':
            return self._out(res, obj)
        if is_ns:
            return self._out(res, self._delete_namespace(res, obj))
        meta = obj['metadata']
        if meta.get('finalizers'):
            # Objects with finalizers are only marked for deletion (until the finalizers are gone).
            if not meta.get('deletionTimestamp'):
                meta['deletionTimestamp'] = now_rfc3339()
                meta['deletionGracePeriodSeconds'] = 0
                meta['resourceVersion'] = self._next_rv()
                self._put(res, obj)
                self._publish(res, 'MODIFIED', obj)
            return self._out(res, obj)
        self._finish_delete(res, obj)
        return self._out(res, obj)

    # --- namespace termination (pkg/registry/core/namespace/storage/storage.go + the namespace controller)

    def _delete_namespace(self, res: Res, obj: JSON) -> JSON:
        """The first DELETE only marks the namespace: deletionTimestamp and status.phase Terminating,
        answered with the object (200); a DELETE of a namespace that is already terminating returns
        it as it is (storage.go, REST.Delete). The namespace controller then, after its grace period
        (--namespace-terminating-seconds), deletes the content and removes the "kubernetes" finalizer,
        and the namespace is gone (kubernetes/kubernetes#9197 describes the flow)."""
        meta = obj['metadata']
        if meta.get('deletionTimestamp'):
            return obj
        meta['deletionTimestamp'] = now_rfc3339()
        obj['status'] = {**(obj.get('status') or {}), 'phase': 'Terminating'}
        meta['resourceVersion'] = self._next_rv()
        self._put(res, obj)
        self._publish(res, 'MODIFIED', obj)
        name = meta['name']
        if self.namespace_terminating_seconds <= 0:
            self._namespace_controller(name)
        else:
            self.timers[('namespace-controller', name)] = asyncio.get_running_loop().call_later(
                self.namespace_terminating_seconds, self._namespace_controller, name)
        return obj

    def _unavailable_groups(self) -> list[str]:
        return sorted(f"{s['spec']['group']}/{s['spec']['version']}" for s in self.apiservices.values()
                      if (s.get('spec') or {}).get('service') and not self._apiservice_available(s)[0])

    def _namespace_controller(self, name: str) -> None:
        """One pass of the namespace controller over a terminating namespace (pkg/controller/namespace/
        deletion/namespaced_resources_deleter.go): delete the content of every discoverable resource;
        if discovery of some group failed (an aggregated API is unavailable) the namespace stays
        Terminating with condition NamespaceDeletionDiscoveryFailure=True, as on EKS in
        aws/containers-roadmap#1006 and kubernetes/kubernetes#60807, and is retried when the
        APIService is Available again; otherwise the "kubernetes" finalizer is removed and the
        namespace is deleted (once metadata.finalizers are gone too). Emulation limits: content
        finalizers and webhooks on DELETE do not hold the content back."""
        self.timers.pop(('namespace-controller', name), None)
        self.finalizing.add(name)
        try:
            self._finalize_namespace(name)
        finally:
            self.finalizing.discard(name)

    def _finalize_namespace(self, name: str) -> None:
        res = self._res('', 'v1', 'namespaces')
        ns = self._get(res, None, name)
        if ns is None or not ns['metadata'].get('deletionTimestamp'):
            return
        for other in {r for r in self.served.values() if r.namespaced}:
            if self._preferred(other.group, other.plural) is not other:
                continue
            for item in self._list(other, name):
                self._finish_delete(other, item)
        failing = self._unavailable_groups()
        ts = now_rfc3339()
        prev = {c.get('type'): c for c in (ns.get('status') or {}).get('conditions') or []}

        def cond(ctype: str, status: str, reason: str, message: str) -> JSON:
            was = prev.get(ctype) or {}
            return {'type': ctype, 'status': status, 'reason': reason, 'message': message,
                    'lastTransitionTime': was.get('lastTransitionTime') if was.get('status') == status else ts}

        if failing:
            errs = ', '.join(f'{gv}: the server is currently unable to handle the request' for gv in failing)
            discovery = cond('NamespaceDeletionDiscoveryFailure', 'True', 'DiscoveryFailed',
                             f'Discovery failed for some groups, {len(failing)} failing: unable to retrieve '
                             f'the complete list of server APIs: {errs}')
        else:
            discovery = cond('NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered',
                             'All resources successfully discovered')
        conditions = [discovery,
                      cond('NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions',
                           'All legacy kube types successfully parsed'),
                      cond('NamespaceDeletionContentFailure', 'False', 'ContentDeleted',
                           'All content successfully deleted, may be waiting on finalization'),
                      cond('NamespaceContentRemaining', 'False', 'ContentRemoved', 'All content successfully removed'),
                      cond('NamespaceFinalizersRemaining', 'False', 'ContentHasNoFinalizers',
                           'All content-preserving finalizers finished')]
        new = copy.deepcopy(ns)
        new['status'] = {'phase': 'Terminating', 'conditions': conditions}
        if not failing:
            new.setdefault('spec', {})['finalizers'] = [f for f in new['spec'].get('finalizers') or []
                                                        if f != 'kubernetes']
            if not new['spec']['finalizers'] and not new['metadata'].get('finalizers'):
                self._finish_delete(res, new)
                return
        if new != ns:
            new['metadata']['resourceVersion'] = self._next_rv()
            self._put(res, new)
            self._publish(res, 'MODIFIED', new)

    def _retry_terminating_namespaces(self) -> None:
        res = self._res('', 'v1', 'namespaces')
        for ns in self._list(res, None):
            name = ns['metadata']['name']
            if ns['metadata'].get('deletionTimestamp') and ('namespace-controller', name) not in self.timers \
                    and name not in self.finalizing:
                self._namespace_controller(name)

    def _finish_delete(self, res: Res, obj: JSON) -> None:
        meta = obj['metadata']
        meta['resourceVersion'] = self._next_rv()
        self._remove(res, obj)
        self._publish(res, 'DELETED', obj)
        key = self._key(res, meta.get('namespace'), meta['name'])
        if (timer := self.timers.pop(key, None)) is not None:
            timer.cancel()
        if (res.group, res.plural) == ('', 'namespaces'):
            # Deleting a namespace deletes everything in it (at once; no Terminating phase).
            for other in {r for r in self.served.values() if r.namespaced}:
                if self._preferred(other.group, other.plural) is not other:
                    continue
                for item in self._list(other, meta['name']):
                    self._finish_delete(other, item)
        if (res.group, res.plural) == ('apiextensions.k8s.io', 'customresourcedefinitions'):
            self._unregister_crd(obj)

    def _do_delete_collection(self, res: Res, namespace: str | None, params: Any) -> JSON:
        items = self._select(res, namespace, params)
        out = []
        for item in items:
            out.append(self._do_delete(res, item['metadata'].get('namespace'), item['metadata']['name'], params))
        return {'kind': f'{res.kind}List', 'apiVersion': res.api_version,
                'metadata': {'resourceVersion': str(self.rv)}, 'items': out}

    # --- the tiny controllers ------------------------------------------------------------------------

    def _controller(self, res: Res, obj: JSON, old: JSON | None, sub: str | None = None) -> None:
        """Server-populated fields, computed synchronously inside the write (before storing)."""
        gp = (res.group, res.plural)
        if gp == ('admissionregistration.k8s.io', 'validatingwebhookconfigurations') or \
                gp == ('admissionregistration.k8s.io', 'mutatingwebhookconfigurations'):
            self._validate_webhook_config(res, obj)
        if gp == ('apiregistration.k8s.io', 'apiservices'):
            self._validate_apiservice(obj)
            obj['status'] = self._apiservice_status(obj, old)  # the availability controller's verdict
        if gp == ('', 'secrets') and isinstance(obj.get('stringData'), dict):
            import base64  # the server folds stringData into data
            data = obj.setdefault('data', {}) or {}
            for k, v in obj.pop('stringData').items():
                data[k] = base64.b64encode(str(v).encode()).decode()
            obj['data'] = data
        if gp == ('', 'secrets') and not obj.get('type'):
            obj['type'] = 'Opaque'
        if gp == ('', 'namespaces'):
            # namespaceStrategy (pkg/registry/core/namespace/strategy.go): a new namespace is Active
            # and gets the "kubernetes" finalizer; an update keeps spec.finalizers (only /finalize
            # changes them) and the status (only /status changes it).
            spec = obj.setdefault('spec', {})
            if old is None:
                spec['finalizers'] = list(spec.get('finalizers') or [])
                if 'kubernetes' not in spec['finalizers']:
                    spec['finalizers'].append('kubernetes')
                obj['status'] = {'phase': 'Active'}
            else:
                if sub != 'finalize':
                    spec['finalizers'] = copy.deepcopy((old.get('spec') or {}).get('finalizers') or [])
                    if not spec['finalizers']:
                        spec.pop('finalizers')
                if sub != 'status':
                    obj['status'] = copy.deepcopy(old.get('status') or {'phase': 'Active'})
            labels = obj['metadata'].setdefault('labels', {})
            labels['kubernetes.io/metadata.name'] = obj['metadata']['name']
        elif gp == ('apiextensions.k8s.io', 'customresourcedefinitions'):
            self._validate_crd(obj)
            names = dict(obj['spec']['names'])
            names.setdefault('singular', names['kind'].lower())
            names.setdefault('listKind', names['kind'] + 'List')
            stored = [v['name'] for v in obj['spec']['versions'] if v.get('storage')] or \
                     [obj['spec']['versions'][0]['name']]
            old_stored = ((old or {}).get('status') or {}).get('storedVersions') or []
            ts = (((old or {}).get('status') or {}).get('conditions') or [{}])[0].get('lastTransitionTime') or now_rfc3339()
            obj['status'] = {
                'conditions': [
                    {'type': 'NamesAccepted', 'status': 'True', 'reason': 'NoConflicts',
                     'message': 'no conflicts found', 'lastTransitionTime': ts},
                    {'type': 'Established', 'status': 'True', 'reason': 'InitialNamesAccepted',
                     'message': 'the initial names have been accepted', 'lastTransitionTime': ts},
                ],
                'acceptedNames': names,
                'storedVersions': sorted(set(old_stored) | set(stored)),
            }
        elif gp == ('apps', 'deployments'):
            self._deployment_status(obj, old)
        elif gp == ('batch', 'jobs'):
            self._job_suspension(obj)
        elif gp == ('apps', 'statefulsets'):
            replicas = (obj.get('spec') or {}).get('replicas', 1)
            obj['status'] = {'replicas': replicas, 'readyReplicas': replicas, 'currentReplicas': replicas,
                             'updatedReplicas': replicas, 'availableReplicas': replicas,
                             'observedGeneration': obj['metadata'].get('generation', 1),
                             'currentRevision': f"{obj['metadata']['name']}-1",
                             'updateRevision': f"{obj['metadata']['name']}-1", 'collisionCount': 0}

    @staticmethod
    def _job_suspension(obj: JSON) -> None:
        """The Job controller's handling of `spec.suspend` (Kubernetes docs, "Suspending a Job":
        when a Job is suspended its active Pods are terminated and the `Suspended` condition is
        True; resuming starts Pods again)."""
        status = obj.setdefault('status', {}) or {}
        obj['status'] = status
        conditions = [c for c in status.get('conditions') or [] if c.get('type') != 'Suspended']
        finished = any(c.get('type') in ('Complete', 'Failed') and c.get('status') == 'True'
                       for c in conditions)
        was_suspended = any(c.get('type') == 'Suspended' and c.get('status') == 'True'
                            for c in status.get('conditions') or [])
        if (obj.get('spec') or {}).get('suspend'):
            status['active'] = 0
            conditions.append({'type': 'Suspended', 'status': 'True', 'reason': 'JobSuspended',
                               'message': 'Job suspended', 'lastProbeTime': now_rfc3339(),
                               'lastTransitionTime': now_rfc3339()})
        elif was_suspended:
            if not finished:
                status['active'] = (obj.get('spec') or {}).get('parallelism', 1)
            conditions.append({'type': 'Suspended', 'status': 'False', 'reason': 'JobResumed',
                               'message': 'Job resumed', 'lastProbeTime': now_rfc3339(),
                               'lastTransitionTime': now_rfc3339()})
        if conditions:
            status['conditions'] = conditions
        else:
            status.pop('conditions', None)

    def _deployment_status(self, obj: JSON, old: JSON | None, ready: bool | None = None) -> None:
        spec = obj.get('spec') or {}
        replicas = spec.get('replicas', 1)
        spec.setdefault('replicas', replicas)
        gen = obj['metadata'].get('generation', 1)
        old_status = (old or {}).get('status') or {}
        spec_changed = old is None or old['metadata'].get('generation') != gen
        if ready is None:
            ready = (not spec_changed and self._deployment_is_ready(old_status)) \
                    or self.deployment_ready_seconds <= 0 or replicas == 0
        ts = now_rfc3339()
        prev = {c.get('type'): c for c in old_status.get('conditions') or []}

        def cond(ctype: str, status: str, reason: str, message: str) -> JSON:
            was = prev.get(ctype) or {}
            lt = was.get('lastTransitionTime') if was.get('status') == status else ts
            return {'type': ctype, 'status': status, 'lastUpdateTime': ts, 'lastTransitionTime': lt or ts,
                    'reason': reason, 'message': message}

        name = obj['metadata']['name']
        if ready:
            obj['status'] = {
                'observedGeneration': gen, 'replicas': replicas, 'updatedReplicas': replicas,
                'readyReplicas': replicas, 'availableReplicas': replicas,
                'conditions': [
                    cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
                    cond('Progressing', 'True', 'NewReplicaSetAvailable',
                         f'ReplicaSet "{name}-emulated" has successfully progressed.'),
                ]}
            if replicas == 0:
                for k in ('readyReplicas', 'availableReplicas', 'updatedReplicas'):
                    obj['status'].pop(k)
        else:
            obj['status'] = {
                'observedGeneration': gen, 'replicas': replicas, 'updatedReplicas': replicas,
                'unavailableReplicas': replicas,
                'conditions': [
                    cond('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
                    cond('Progressing', 'True', 'ReplicaSetUpdated',
                         f'ReplicaSet "{name}-emulated" is progressing.'),
                ]}

    @staticmethod
    def _deployment_is_ready(status: JSON) -> bool:
        return any(c.get('type') == 'Available' and c.get('status') == 'True' for c in status.get('conditions') or [])

    def _after_write(self, res: Res, old: JSON | None, new: JSON) -> None:
        """Asynchronous effects of a committed write (timers, CRD registration)."""
        gp = (res.group, res.plural)
        meta = new['metadata']
        key = self._key(res, meta.get('namespace'), meta['name'])
        if gp == ('apiextensions.k8s.io', 'customresourcedefinitions'):
            self._register_crd(new)
        elif gp == ('kubeflow.org', 'notebooks'):
            self._notebook_controller(new)
        elif gp == ('kubeflow.org', 'profiles'):
            # The profile controller reconciles after the write, not inside it.
            asyncio.get_running_loop().call_soon(self._profile_controller, meta['name'])
        elif gp in (('', 'persistentvolumeclaims'), ('', 'persistentvolumes')):
            asyncio.get_running_loop().call_soon(self._bind_volumes)
        elif gp == ('apps', 'deployments') and not self._deployment_is_ready(new.get('status') or {}):
            if old is None or old['metadata'].get('generation') != meta.get('generation') or key not in self.timers:
                if (timer := self.timers.pop(key, None)) is not None:
                    timer.cancel()
                delay = max(self.deployment_ready_seconds, 0)
                self.timers[key] = asyncio.get_running_loop().call_later(delay, self._deployment_ready, res, key)

    # The PersistentVolume controller of kube-controller-manager binds a claim that names its
    # volume (spec.volumeName) to that volume when the volume is free or pre-bound to the claim
    # (spec.claimRef), and sets both phases to Bound: "A control loop in the control plane
    # watches for new PVCs, finds a matching PV (if possible), and binds them together" and
    # "the control plane still checks that storage class, access modes, and requested storage
    # size are valid" (kubernetes.io/docs/concepts/storage/persistent-volumes/#binding and
    # #reserving-a-persistentvolume; pkg/controller/volume/persistentvolume/pv_controller.go
    # syncBoundClaim/bind). Only pre-bound (static) claims are bound here: dynamic provisioning
    # is a CSI driver's, which the emulator has none of.
    def _bind_volumes(self) -> None:
        pvc_res, pv_res = self._preferred('', 'persistentvolumeclaims'), self._preferred('', 'persistentvolumes')
        if pvc_res is None or pv_res is None:
            return
        for claim in self._list(pvc_res, None):
            cmeta, cspec = claim['metadata'], claim.get('spec') or {}
            volume = cspec.get('volumeName')
            if not volume or (claim.get('status') or {}).get('phase') == 'Bound' or cmeta.get('deletionTimestamp'):
                continue
            pv = self._get(pv_res, None, volume)
            if pv is None:
                continue
            ref = (pv.get('spec') or {}).get('claimRef') or {}
            if ref and (ref.get('namespace'), ref.get('name')) != (cmeta.get('namespace'), cmeta['name']):
                continue  # the volume is reserved for another claim: this one stays Pending
            pspec = pv.get('spec') or {}
            want = ((cspec.get('resources') or {}).get('requests') or {}).get('storage')
            have = (pspec.get('capacity') or {}).get('storage')
            if (cspec.get('storageClassName') or '') != (pspec.get('storageClassName') or '') or (
                    want and have and parse_quantity(want) > parse_quantity(have)) or not set(
                    cspec.get('accessModes') or []) <= set(pspec.get('accessModes') or []):
                continue
            new_pv = copy.deepcopy(pv)
            new_pv['spec']['claimRef'] = {'kind': 'PersistentVolumeClaim', 'apiVersion': 'v1',
                                          'namespace': cmeta.get('namespace'), 'name': cmeta['name'],
                                          'uid': cmeta.get('uid'), 'resourceVersion': cmeta.get('resourceVersion')}
            pv = self._commit_update(pv_res, pv, new_pv, None, 'kube-controller-manager', 'Update', {}, False)
            new_pv = copy.deepcopy(pv)
            new_pv['status'] = {'phase': 'Bound'}
            self._commit_update(pv_res, pv, new_pv, 'status', 'kube-controller-manager', 'Update', {}, False)
            new_claim = copy.deepcopy(claim)
            new_claim['status'] = {'phase': 'Bound', 'accessModes': pspec.get('accessModes') or [],
                                   'capacity': pspec.get('capacity') or {}}
            self._commit_update(pvc_res, claim, new_claim, 'status', 'kube-controller-manager', 'Update', {}, False)

    # Kubeflow's notebook controller runs each Notebook as a StatefulSet of the same name and
    # stops it with an annotation: "In case of Notebooks, the controller will reduce the replicas
    # to 0 if this annotation is set. If it's not set, then it will make the replicas 1."
    # (kubeflow/kubeflow components/notebook-controller/pkg/culler/culler.go, STOP_ANNOTATION).
    NOTEBOOK_STOP = 'kubeflow-resource-stopped'

    def _notebook_controller(self, notebook: JSON) -> None:
        sts_res = self._preferred('apps', 'statefulsets')
        meta = notebook['metadata']
        name, namespace = meta['name'], meta['namespace']
        replicas = 0 if self.NOTEBOOK_STOP in (meta.get('annotations') or {}) else 1
        labels = {'statefulset': name, 'notebook-name': name}
        template = copy.deepcopy((notebook.get('spec') or {}).get('template') or {})
        template.setdefault('metadata', {}).setdefault('labels', {}).update(labels)
        owner = {'apiVersion': notebook['apiVersion'], 'kind': 'Notebook', 'name': name,
                 'uid': meta['uid'], 'controller': True, 'blockOwnerDeletion': True}
        old = self._get(sts_res, namespace, name)
        if old is None:
            self._store_new(sts_res, namespace, {
                'apiVersion': 'apps/v1', 'kind': 'StatefulSet',
                'metadata': {'name': name, 'namespace': namespace, 'ownerReferences': [owner]},
                'spec': {'replicas': replicas, 'serviceName': '', 'selector': {'matchLabels': labels},
                         'template': template}}, 'notebook-controller')
            return
        if (old.get('spec') or {}).get('replicas') == replicas:
            return
        new = copy.deepcopy(old)
        new['spec']['replicas'] = replicas
        self._commit_update(sts_res, old, new, None, 'notebook-controller', 'Update',
                            {'spec': {'replicas': replicas}}, False)

    # Kubeflow's profile controller (kubeflow/kubeflow components/profile-controller/controllers/
    # profile_controller.go, Reconcile) makes a Profile's namespace, named as the Profile, annotated
    # `owner: <spec.owner.name>`, with the controller's reference to the Profile and the default
    # namespace labels (config/base/namespace-labels.yaml). An existing namespace is adopted only
    # when its `owner` annotation names the Profile's owner; otherwise the controller changes
    # nothing and appends an error condition: "namespace already exist, but not owned by profile
    # creator <owner>" (appendErrorConditionAndReturn). It then makes the AuthorizationPolicy
    # ns-owner-access-istio (updateIstioAuthorizationPolicy), the service accounts default-editor
    # and default-viewer with their RoleBindings (updateServiceAccount), the owner's RoleBinding
    # namespaceAdmin to kubeflow-admin (updateRoleBinding) and, with spec.resourceQuotaSpec, the
    # ResourceQuota kf-resource-quota (updateResourceQuota). GAP: the emulator acts as if the
    # controller is deployed on every cluster that serves Profiles.
    PROFILE_NAMESPACE_LABELS = {
        'app.kubernetes.io/part-of': 'kubeflow-profile',
        'istio-injection': 'enabled',
        'katib.kubeflow.org/metrics-collector-injection': 'enabled',
        'pipelines.kubeflow.org/enabled': 'true',
        'serving.kubeflow.org/inferenceservice': 'enabled',
    }

    def _profile_controller(self, name: str) -> None:
        profiles = self._preferred('kubeflow.org', 'profiles')
        if profiles is None or (profile := self._get(profiles, None, name)) is None:
            return
        if profile['metadata'].get('deletionTimestamp'):
            return
        owner = ((profile.get('spec') or {}).get('owner') or {}).get('name')
        if not owner:
            return
        ns_res = self._res('', 'v1', 'namespaces')
        found = self._get(ns_res, None, name)
        ref = {'apiVersion': profile['apiVersion'], 'kind': 'Profile', 'name': name,
               'uid': profile['metadata']['uid'], 'controller': True, 'blockOwnerDeletion': True}
        if found is None:
            self._store_new(ns_res, None, {'metadata': {
                'name': name, 'annotations': {'owner': owner}, 'labels': dict(self.PROFILE_NAMESPACE_LABELS),
                'ownerReferences': [ref]}}, 'profile-controller')
        elif (found['metadata'].get('annotations') or {}).get('owner') != owner:
            message = f'namespace already exist, but not owned by profile creator {owner}'
            conditions = list((profile.get('status') or {}).get('conditions') or [])
            if any(c.get('message') == message for c in conditions):
                return
            new = copy.deepcopy(profile)
            new['status'] = {**(profile.get('status') or {}),
                             'conditions': conditions + [{'type': 'Failed', 'status': 'True', 'message': message}]}
            self._commit_update(profiles, profile, new, 'status', 'profile-controller', 'Update', {}, False)
            return
        else:
            labels = found['metadata'].get('labels') or {}
            if any(labels.get(k) != v for k, v in self.PROFILE_NAMESPACE_LABELS.items()):
                new = copy.deepcopy(found)
                new['metadata']['labels'] = {**labels, **self.PROFILE_NAMESPACE_LABELS}
                self._commit_update(ns_res, found, new, None, 'profile-controller', 'Update', {}, False)

        def ensure(group: str, plural: str, obj: JSON) -> None:
            res = self._preferred(group, plural)
            if res is not None and self._get(res, name, obj['metadata']['name']) is None:
                obj['metadata']['namespace'] = name
                obj['metadata']['ownerReferences'] = [ref]
                self._store_new(res, name, obj, 'profile-controller')

        def binding(bname: str, role: str, subject: JSON, annotations: JSON | None = None) -> JSON:
            return {'metadata': {'name': bname, **({'annotations': annotations} if annotations else {})},
                    'roleRef': {'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'ClusterRole', 'name': role},
                    'subjects': [subject]}

        ensure('security.istio.io', 'authorizationpolicies', {
            'metadata': {'name': 'ns-owner-access-istio'},
            'spec': {'rules': [{'when': [{'key': 'request.headers[kubeflow-userid]', 'values': [owner]}]}]}})
        for sa, role in (('default-editor', 'kubeflow-edit'), ('default-viewer', 'kubeflow-view')):
            ensure('', 'serviceaccounts', {'metadata': {'name': sa}})
            ensure('rbac.authorization.k8s.io', 'rolebindings',
                   binding(sa, role, {'kind': 'ServiceAccount', 'name': sa, 'namespace': name}))
        ensure('rbac.authorization.k8s.io', 'rolebindings',
               binding('namespaceAdmin', 'kubeflow-admin',
                       {'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'User', 'name': owner},
                       {'user': owner, 'role': 'admin'}))
        quota = (profile.get('spec') or {}).get('resourceQuotaSpec')
        if quota:
            ensure('', 'resourcequotas', {'metadata': {'name': 'kf-resource-quota'}, 'spec': copy.deepcopy(quota)})

    def _deployment_ready(self, res: Res, key: tuple[Any, ...]) -> None:
        self.timers.pop(key, None)
        if key not in self.objects or self.objects[key].deleted:
            return
        old = copy.deepcopy(self.objects[key].raw)
        new = copy.deepcopy(old)
        self._deployment_status(new, old, ready=True)
        new['metadata']['resourceVersion'] = self._next_rv()
        self._put(res, new)
        self._publish(res, 'MODIFIED', new)

    # --- CRDs: register custom resources in discovery (GAP: kmock has no CRD semantics) --------------

    def _register_crd(self, crd: JSON) -> None:
        self._unregister_crd(crd, keep_objects=True)
        spec = crd['spec']
        names = spec['names']
        for ver in spec.get('versions') or []:
            if not ver.get('served', True):
                continue
            subs = set((ver.get('subresources') or {}).keys()) | set((spec.get('subresources') or {}).keys())
            info = kmock.ResourceInfo(
                namespaced=spec.get('scope', 'Namespaced') == 'Namespaced', kind=names['kind'],
                singular=names.get('singular') or names['kind'].lower(),
                verbs={'create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'},
                shortnames=set(names.get('shortNames') or []), categories=set(names.get('categories') or []),
                subresources=subs)
            self.resources[kmock.resource(spec['group'], ver['name'], names['plural'])] = info
            self.served[spec['group'], ver['name'], names['plural']] = Res(
                spec['group'], ver['name'], names['plural'], info, custom=True)

    def _unregister_crd(self, crd: JSON, keep_objects: bool = False) -> None:
        group, plural = crd['spec']['group'], crd['spec']['names']['plural']
        gone = [k for k in self.served if k[0] == group and k[2] == plural]
        if not keep_objects and gone:
            res = self.served[gone[0]]
            for item in self._list(res, None):
                self._finish_delete(res, item)
        for k in gone:
            del self.served[k]
            del self.resources[kmock.resource(*k)]

    async def close(self) -> None:
        self.closing = True
        for queue in list(self.watchers):
            queue.put_nowait(None)
        for timer in self.timers.values():
            timer.cancel()


async def serve(host: str, port: int, ready_seconds: float,
                terminating_seconds: float = NAMESPACE_DELETION_GRACE_SECONDS) -> None:
    emulator = KfKubernetesEmulator(deployment_ready_seconds=ready_seconds,
                                    namespace_terminating_seconds=terminating_seconds)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with emulator, kmock.Server(emulator, host=host, port=port, server_cls=BigBodyServer) as server:
        print(f'ready http://{server.host}:{server.port}', flush=True)
        await stop.wait()
        await emulator.close()
        await asyncio.sleep(0.05)  # let the watch streams end themselves


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0, help='0 picks a free port (printed in the ready line)')
    parser.add_argument('--deployment-ready-seconds', type=float, default=0.0)
    parser.add_argument('--namespace-terminating-seconds', type=float, default=NAMESPACE_DELETION_GRACE_SECONDS,
                        help='how long a deleted namespace stays Terminating before it and its content are gone '
                             '(default: the namespace controller\'s 5 s grace period; 0: at once)')
    parser.add_argument('--exit-with-stdin', action='store_true',
                        help='terminate when stdin closes (the test that started us has ended)')
    args = parser.parse_args(argv)
    if args.exit_with_stdin:
        from lifecycle import exit_when_stdin_closes
        exit_when_stdin_closes()
    asyncio.run(serve(args.host, args.port, args.deployment_ready_seconds, args.namespace_terminating_seconds))


if __name__ == '__main__':
    main(sys.argv[1:])
