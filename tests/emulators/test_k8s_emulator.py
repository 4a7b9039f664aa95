"""
Checks the emulated Kubernetes API server (k8s_emulator.py) with the real kubectl and raw HTTP.

Run: .venv/bin/python -m unittest tests/emulators/test_k8s_emulator.py
"""

import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
import urllib.error
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
EMULATOR = HERE / 'k8s_emulator.py'
KUBECTL = shutil.which('kubectl') or '/usr/bin/kubectl'

MANIFESTS = textwrap.dedent('''\
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: cm1, namespace: kf, labels: {app: web, tier: x}}
    data: {k: v}
    ---
    apiVersion: v1
    kind: Secret
    metadata: {name: sec1, namespace: kf}
    stringData: {password: hunter2}
    ---
    apiVersion: storage.k8s.io/v1
    kind: StorageClass
    metadata: {name: gp3}
    provisioner: ebs.csi.aws.com
    parameters: {type: gp3}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: kf}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
          - name: web
            image: nginx:1
            ports: [{containerPort: 80}]
          - name: side
            image: busybox
    ---
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: ing, namespace: kf}
    spec:
      rules:
      - host: a.example.com
        http:
          paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: web, port: {number: 80}}}
    ---
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: profiles.kubeflow.org}
    spec:
      group: kubeflow.org
      scope: Cluster
      names: {plural: profiles, singular: profile, kind: Profile, shortNames: [prof]}
      versions:
      - name: v1
        served: true
        storage: true
        subresources: {status: {}}
        schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    ''')

PROFILE = textwrap.dedent('''\
    apiVersion: kubeflow.org/v1
    kind: Profile
    metadata: {name: alice}
    spec: {owner: {kind: User, name: alice@example.com}}
    ''')


class EmulatorTestCase(unittest.TestCase):
    proc: subprocess.Popen
    url: str
    tmp: tempfile.TemporaryDirectory
    ready_seconds = '0'

    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = tempfile.TemporaryDirectory(prefix='kf-k8s-emu-')
        cls.proc = subprocess.Popen(
            [sys.executable, str(EMULATOR), '--port', '0', '--deployment-ready-seconds', cls.ready_seconds],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = cls.proc.stdout.readline().strip()
        if not line.startswith('ready http://'):
            cls.proc.kill()
            raise RuntimeError(f'emulator did not start: {line!r} {cls.proc.stdout.read()}')
        cls.url = line.split(' ', 1)[1]
        kubeconfig = pathlib.Path(cls.tmp.name) / 'kubeconfig'
        kubeconfig.write_text(textwrap.dedent(f'''\
            apiVersion: v1
            kind: Config
            clusters:
            - name: blue
              cluster: {{server: "{cls.url}"}}
            users:
            - name: blue
              user: {{token: x}}
            contexts:
            - name: blue
              context: {{cluster: blue, user: blue, namespace: default}}
            current-context: blue
            '''))
        cls.env = dict(os.environ, KUBECONFIG=str(kubeconfig), KUBECACHEDIR=str(pathlib.Path(cls.tmp.name) / 'cache'))

    @classmethod
    def tearDownClass(cls) -> None:
        cls.proc.send_signal(signal.SIGTERM)
        try:
            cls.proc.wait(timeout=5)
        finally:
            if cls.proc.poll() is None:
                cls.proc.kill()
            cls.proc.stdout.close()
            cls.tmp.cleanup()

    # --- helpers ---

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([KUBECTL, *args], input=stdin, capture_output=True, text=True,
                              env=self.env, timeout=30)
        if check and proc.returncode != 0:
            self.fail(f'kubectl {" ".join(args)} failed ({proc.returncode}): {proc.stderr}{proc.stdout}')
        return proc

    def kjson(self, *args: str) -> dict:
        return json.loads(self.kubectl(*args, '-o', 'json').stdout)

    def http(self, method: str, path: str, body: object = None, ctype: str = 'application/json',
             ) -> tuple[int, dict]:
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={'Content-Type': ctype, 'Authorization': 'Bearer x'})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b'null')
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b'null')


class KubectlTest(EmulatorTestCase):
    ready_seconds = '1'

    def test_01_namespaces_and_discovery(self) -> None:
        out = self.kubectl('get', 'ns').stdout
        self.assertIn('default', out)
        self.kubectl('create', 'namespace', 'kf')
        ns = self.kjson('get', 'ns', 'kf')
        self.assertEqual(ns['status']['phase'], 'Active')
        resources = self.kubectl('api-resources').stdout
        for word in ('deployments', 'statefulsets', 'storageclasses', 'ingresses', 'customresourcedefinitions',
                     'clusterrolebindings', 'mutatingwebhookconfigurations', 'jobs', 'leases', 'poddisruptionbudgets'):
            self.assertIn(word, resources)
        missing = self.kubectl('create', 'configmap', 'x', '-n', 'nope', check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn('namespaces "nope" not found', missing.stderr)

    def test_02_apply_client_side_then_server_side(self) -> None:
        out = self.kubectl('apply', '-f', '-', stdin=MANIFESTS).stdout
        self.assertIn('deployment.apps/web created', out)
        self.assertIn('customresourcedefinition.apiextensions.k8s.io/profiles.kubeflow.org created', out)
        self.kubectl('wait', '--for=condition=Established', 'crd/profiles.kubeflow.org', '--timeout=10s')
        self.assertIn('profile.kubeflow.org/alice created', self.kubectl('apply', '-f', '-', stdin=PROFILE).stdout)
        self.assertIn('alice', self.kubectl('get', 'profiles').stdout)
        self.assertIn('alice', self.kubectl('get', 'prof').stdout)

        # Re-applying the same is a no-op; changing it is a strategic merge (container removed, image changed).
        out = self.kubectl('apply', '-f', '-', stdin=MANIFESTS).stdout
        self.assertIn('configmap/cm1 unchanged', out)
        changed = MANIFESTS.replace('nginx:1', 'nginx:2').replace('      - name: side\n        image: busybox\n', '')
        self.kubectl('apply', '-f', '-', stdin=changed)
        dep = self.kjson('get', 'deployment', 'web', '-n', 'kf')
        self.assertEqual(dep['spec']['template']['spec']['containers'],
                         [{'name': 'web', 'image': 'nginx:2', 'ports': [{'containerPort': 80}]}])
        self.assertEqual(dep['metadata']['generation'], 2)

        out = self.kubectl('apply', '--server-side', '--force-conflicts', '-f', '-', stdin=MANIFESTS).stdout
        self.assertIn('deployment.apps/web serverside-applied', out)
        self.kubectl('apply', '--server-side', '-f', '-', stdin=PROFILE)
        dep = self.kjson('get', 'deployment', 'web', '-n', 'kf', '--show-managed-fields')
        self.assertIn('kubectl', [m['manager'] for m in dep['metadata']['managedFields']])
        self.assertEqual(dep['spec']['template']['spec']['containers'][0]['image'], 'nginx:1')
        sec = self.kjson('get', 'secret', 'sec1', '-n', 'kf')
        self.assertEqual(sec['data'], {'password': 'aHVudGVyMg=='})

    def test_03_patch_kinds(self) -> None:
        self.kubectl('patch', 'cm', 'cm1', '-n', 'kf', '--type=json', '-p', '[{"op":"add","path":"/data/x","value":"1"}]')
        self.kubectl('patch', 'cm', 'cm1', '-n', 'kf', '--type=merge', '-p', '{"data":{"k":null,"y":"2"}}')
        self.kubectl('patch', 'cm', 'cm1', '-n', 'kf', '--type=strategic', '-p', '{"metadata":{"labels":{"z":"3"}}}')
        cm = self.kjson('get', 'cm', 'cm1', '-n', 'kf')
        self.assertEqual(cm['data'], {'x': '1', 'y': '2'})
        self.assertEqual(cm['metadata']['labels'], {'app': 'web', 'tier': 'x', 'z': '3'})
        self.kubectl('patch', 'profile', 'alice', '--type=merge', '-p', '{"spec":{"extra":true}}')
        self.assertTrue(self.kjson('get', 'profile', 'alice')['spec']['extra'])

    def test_04_status_subresource(self) -> None:
        self.kubectl('patch', 'ingress', 'ing', '-n', 'kf', '--subresource=status', '--type=merge',
                     '-p', '{"status":{"loadBalancer":{"ingress":[{"hostname":"lb.example.com"}]}}}')
        ing = self.kjson('get', 'ingress', 'ing', '-n', 'kf')
        self.assertEqual(ing['status']['loadBalancer']['ingress'][0]['hostname'], 'lb.example.com')
        # A write to the main resource does not change the status.
        self.kubectl('patch', 'ingress', 'ing', '-n', 'kf', '--type=merge', '-p', '{"status":{"loadBalancer":{}}}')
        ing = self.kjson('get', 'ingress', 'ing', '-n', 'kf')
        self.assertEqual(ing['status']['loadBalancer']['ingress'][0]['hostname'], 'lb.example.com')
        self.kubectl('patch', 'profile', 'alice', '--subresource=status', '--type=merge', '-p', '{"status":{"ok":1}}')
        self.assertEqual(self.kjson('get', 'profile', 'alice')['status'], {'ok': 1})

    def test_04b_static_volumes_are_bound_like_the_pv_controller_binds_them(self) -> None:
        self.kubectl('create', 'namespace', 'vols')
        pv = lambda name, ref: {'apiVersion': 'v1', 'kind': 'PersistentVolume', 'metadata': {'name': name},
                                'spec': {'capacity': {'storage': '5Gi'}, 'accessModes': ['ReadWriteMany'],
                                         'storageClassName': 'efs-sc', 'csi': {'driver': 'efs.csi.aws.com', 'volumeHandle': 'fs-1'},
                                         **({'claimRef': {'namespace': 'vols', 'name': ref}} if ref else {})}}
        pvc = lambda name, volume, size='5Gi': {
            'apiVersion': 'v1', 'kind': 'PersistentVolumeClaim', 'metadata': {'name': name, 'namespace': 'vols'},
            'spec': {'accessModes': ['ReadWriteMany'], 'storageClassName': 'efs-sc', 'volumeName': volume,
                     'resources': {'requests': {'storage': size}}}}
        docs = [pv('pv-a', 'a'), pvc('a', 'pv-a'), pv('pv-b', 'someone-else'), pvc('b', 'pv-b'),
                pv('pv-c', None), pvc('c', 'pv-c', '10Gi')]
        self.kubectl('apply', '--validate=false', '-f', '-', stdin=json.dumps({'apiVersion': 'v1', 'kind': 'List', 'items': docs}))
        phase = lambda *a: (self.kjson('get', *a).get('status') or {}).get('phase')
        deadline = time.time() + 5
        while phase('pvc', 'a', '-n', 'vols') != 'Bound' and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(phase('pvc', 'a', '-n', 'vols'), 'Bound')
        self.assertEqual(phase('pv', 'pv-a'), 'Bound')
        self.assertEqual(self.kjson('get', 'pv', 'pv-a')['spec']['claimRef']['name'], 'a')
        # Reserved for another claim, or too small: the claim stays Pending.
        self.assertNotEqual(phase('pvc', 'b', '-n', 'vols'), 'Bound')
        self.assertNotEqual(phase('pvc', 'c', '-n', 'vols'), 'Bound')

    def test_04c_the_profile_controller_makes_the_namespace_and_refuses_one_it_does_not_own(self) -> None:
        def eventually(f):
            deadline = time.time() + 5
            while not (v := f()) and time.time() < deadline:
                time.sleep(0.05)
            return v
        profile = lambda name, owner: json.dumps({'apiVersion': 'kubeflow.org/v1', 'kind': 'Profile',
                                                  'metadata': {'name': name},
                                                  'spec': {'owner': {'kind': 'User', 'name': owner},
                                                           'resourceQuotaSpec': {'hard': {'requests.cpu': '4'}}}})
        self.kubectl('apply', '-f', '-', stdin=profile('carol', 'carol@example.com'))
        ns = eventually(lambda: self.kubectl('get', 'namespace', 'carol', '-o', 'json', check=False).stdout)
        ns = json.loads(ns)
        self.assertEqual(ns['metadata']['annotations']['owner'], 'carol@example.com')
        self.assertEqual(ns['metadata']['ownerReferences'][0]['kind'], 'Profile')
        self.assertEqual(ns['metadata']['labels']['app.kubernetes.io/part-of'], 'kubeflow-profile')
        for kind, name in (('serviceaccount', 'default-editor'), ('rolebinding', 'namespaceAdmin'),
                           ('resourcequota', 'kf-resource-quota')):
            self.assertEqual(self.kjson('get', kind, name, '-n', 'carol')['metadata']['ownerReferences'][0]['name'],
                             'carol')
        # A namespace made first, not annotated with the owner: refused, not adopted.
        self.kubectl('create', 'namespace', 'dave')
        self.kubectl('apply', '-f', '-', stdin=profile('dave', 'dave@example.com'))
        conditions = eventually(lambda: (self.kjson('get', 'profile', 'dave').get('status') or {}).get('conditions'))
        self.assertEqual(conditions[0]['message'], 'namespace already exist, but not owned by profile creator dave@example.com')
        self.assertNotIn('ownerReferences', self.kjson('get', 'namespace', 'dave')['metadata'])
        self.assertNotEqual(self.kubectl('get', 'serviceaccount', 'default-editor', '-n', 'dave', check=False).returncode, 0)

    def test_05_deployment_available_and_scale(self) -> None:
        self.kubectl('wait', '--for=condition=Available', 'deployment/web', '-n', 'kf', '--timeout=15s')
        dep = self.kjson('get', 'deployment', 'web', '-n', 'kf')
        self.assertEqual(dep['status']['availableReplicas'], 2)
        self.assertEqual(dep['status']['observedGeneration'], dep['metadata']['generation'])
        self.kubectl('scale', 'deployment', 'web', '-n', 'kf', '--replicas=0')
        dep = self.kjson('get', 'deployment', 'web', '-n', 'kf')
        self.assertEqual(dep['spec']['replicas'], 0)
        self.assertEqual(dep['status']['replicas'], 0)
        self.assertTrue(any(c['type'] == 'Available' and c['status'] == 'True' for c in dep['status']['conditions']))

    def test_06_selectors_and_delete(self) -> None:
        self.assertIn('cm1', self.kubectl('get', 'cm', '-n', 'kf', '-l', 'app=web,tier!=y,z').stdout)
        self.assertNotIn('cm1', self.kubectl('get', 'cm', '-n', 'kf', '-l', 'app=other').stdout)
        self.assertIn('cm1', self.kubectl('get', 'cm', '-A', '--field-selector', 'metadata.namespace=kf').stdout)
        self.assertIn('deleted', self.kubectl('delete', 'cm', 'cm1', '-n', 'kf').stdout)
        gone = self.kubectl('get', 'cm', 'cm1', '-n', 'kf', check=False)
        self.assertIn('configmaps "cm1" not found', gone.stderr)
        self.kubectl('delete', 'profile', 'alice')
        self.kubectl('delete', 'ns', 'kf')
        self.assertEqual(self.http('GET', '/apis/apps/v1/namespaces/kf/deployments')[1]['items'], [])


class RawHttpTest(EmulatorTestCase):

    def test_metadata_put_conflict_and_errors(self) -> None:
        code, ns = self.http('POST', '/api/v1/namespaces', {'metadata': {'name': 'raw'}})
        self.assertEqual(code, 201)
        code, cm = self.http('POST', '/api/v1/namespaces/raw/configmaps',
                             {'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'a'}, 'data': {'k': 'v'}})
        self.assertEqual(code, 201)
        meta = cm['metadata']
        self.assertEqual(meta['namespace'], 'raw')
        self.assertRegex(meta['uid'], r'^[0-9a-f-]{36}$')
        self.assertRegex(meta['creationTimestamp'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
        self.assertGreater(int(meta['resourceVersion']), int(ns['metadata']['resourceVersion']))

        code, err = self.http('POST', '/api/v1/namespaces/raw/configmaps', {'metadata': {'name': 'a'}})
        self.assertEqual((code, err['kind'], err['reason']), (409, 'Status', 'AlreadyExists'))
        self.assertEqual(err['message'], 'configmaps "a" already exists')

        cm['data'] = {'k': 'v2'}
        code, updated = self.http('PUT', '/api/v1/namespaces/raw/configmaps/a', cm)
        self.assertEqual(code, 200)
        self.assertGreater(int(updated['metadata']['resourceVersion']), int(meta['resourceVersion']))
        self.assertEqual(updated['metadata']['uid'], meta['uid'])
        code, err = self.http('PUT', '/api/v1/namespaces/raw/configmaps/a', cm)  # stale resourceVersion
        self.assertEqual((code, err['reason']), (409, 'Conflict'))

        code, lst = self.http('GET', '/api/v1/configmaps?labelSelector=&fieldSelector=metadata.name%3Da')
        self.assertEqual((lst['kind'], lst['apiVersion']), ('ConfigMapList', 'v1'))
        self.assertEqual([i['metadata']['name'] for i in lst['items']], ['a'])
        self.assertTrue(lst['metadata']['resourceVersion'])

        code, err = self.http('GET', '/apis/apps/v1/namespaces/raw/deployments/nope')
        self.assertEqual((code, err['reason'], err['message']), (404, 'NotFound', 'deployments.apps "nope" not found'))
        code, err = self.http('POST', '/api/v1/namespaces/ghost/configmaps', {'metadata': {'name': 'a'}})
        self.assertEqual((code, err['message']), (404, 'namespaces "ghost" not found'))

    def test_server_side_apply_and_scale(self) -> None:
        self.http('POST', '/api/v1/namespaces', {'metadata': {'name': 'ssa'}})
        path = '/apis/apps/v1/namespaces/ssa/deployments/d?fieldManager=kf&force=true'
        dep = {'apiVersion': 'apps/v1', 'kind': 'Deployment', 'metadata': {'name': 'd', 'labels': {'a': '1', 'b': '2'}},
               'spec': {'replicas': 3, 'selector': {'matchLabels': {'app': 'd'}},
                        'template': {'metadata': {'labels': {'app': 'd'}},
                                     'spec': {'containers': [{'name': 'c', 'image': 'i:1'}]}}}}
        code, created = self.http('PATCH', path, dep, 'application/apply-patch+yaml')
        self.assertEqual(code, 201)
        self.assertEqual(created['metadata']['managedFields'][0]['manager'], 'kf')
        self.assertEqual(created['metadata']['managedFields'][0]['operation'], 'Apply')
        # Deployment-ready-seconds is 0 here: Available at once.
        self.assertEqual(created['status']['availableReplicas'], 3)
        dep['metadata']['labels'] = {'a': '1'}
        dep['spec']['template']['spec']['containers'][0]['image'] = 'i:2'
        code, updated = self.http('PATCH', path, dep, 'application/apply-patch+yaml')
        self.assertEqual(code, 200)
        self.assertEqual(updated['metadata']['labels'], {'a': '1'})  # the field no longer applied is gone
        self.assertEqual(updated['metadata']['generation'], 2)
        self.assertEqual(updated['metadata']['uid'], created['metadata']['uid'])
        code, err = self.http('PATCH', '/apis/apps/v1/namespaces/ssa/deployments/d', dep, 'application/apply-patch+yaml')
        self.assertEqual((code, err['reason']), (400, 'BadRequest'))  # fieldManager is required

        code, scale = self.http('GET', '/apis/apps/v1/namespaces/ssa/deployments/d/scale')
        self.assertEqual((scale['kind'], scale['apiVersion'], scale['spec']['replicas']), ('Scale', 'autoscaling/v1', 3))
        code, scale = self.http('PATCH', '/apis/apps/v1/namespaces/ssa/deployments/d/scale',
                                {'spec': {'replicas': 1}}, 'application/merge-patch+json')
        self.assertEqual((code, scale['spec']['replicas']), (200, 1))

        # /status writes change only the status; main writes never change the status.
        code, st = self.http('PATCH', '/apis/apps/v1/namespaces/ssa/deployments/d/status',
                             {'spec': {'replicas': 9}, 'status': {'replicas': 7}}, 'application/merge-patch+json')
        self.assertEqual((st['spec']['replicas'], st['status']['replicas']), (1, 7))

    def test_crd_discovery_watch_and_config(self) -> None:
        crd = {'apiVersion': 'apiextensions.k8s.io/v1', 'kind': 'CustomResourceDefinition',
               'metadata': {'name': 'widgets.example.com'},
               'spec': {'group': 'example.com', 'scope': 'Namespaced',
                        'names': {'plural': 'widgets', 'kind': 'Widget'},
                        'versions': [{'name': 'v1', 'served': True, 'storage': True,
                                      'schema': {'openAPIV3Schema': {'type': 'object'}}}]}}
        code, created = self.http('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)
        self.assertEqual(code, 201)
        conds = {c['type']: c['status'] for c in created['status']['conditions']}
        self.assertEqual(conds, {'NamesAccepted': 'True', 'Established': 'True'})
        self.assertEqual(created['status']['acceptedNames']['listKind'], 'WidgetList')
        groups = self.http('GET', '/apis')[1]
        self.assertIn('example.com', [g['name'] for g in groups['groups']])
        rl = self.http('GET', '/apis/example.com/v1')[1]
        self.assertEqual(rl['resources'][0]['kind'], 'Widget')
        apps = self.http('GET', '/apis/apps/v1')[1]
        names = {r['name']: r for r in apps['resources']}
        self.assertEqual(names['deployments/scale']['kind'], 'Scale')
        self.assertIn('deployments/status', names)

        self.http('POST', '/api/v1/namespaces', {'metadata': {'name': 'w'}})
        code, w = self.http('POST', '/apis/example.com/v1/namespaces/w/widgets',
                            {'apiVersion': 'example.com/v1', 'kind': 'Widget', 'metadata': {'name': 'w1'}})
        self.assertEqual(code, 201)
        rv = w['metadata']['resourceVersion']
        self.http('PATCH', '/apis/example.com/v1/namespaces/w/widgets/w1', {'spec': {'x': 1}}, 'application/merge-patch+json')
        self.http('DELETE', '/apis/example.com/v1/namespaces/w/widgets/w1')
        with urllib.request.urlopen(f'{self.url}/apis/example.com/v1/namespaces/w/widgets'
                                    f'?watch=true&resourceVersion={rv}&timeoutSeconds=1', timeout=10) as resp:
            events = [json.loads(line) for line in resp.read().splitlines() if line.strip()]
        self.assertEqual([e['type'] for e in events], ['MODIFIED', 'DELETED'])
        self.assertEqual(events[0]['object']['spec'], {'x': 1})

        self.assertEqual(self.http('GET', '/_kf/health')[1]['status'], 'ok')
        self.assertEqual(self.http('POST', '/_kf/config', {'deployment_ready_seconds': 5})[1]['deployment_ready_seconds'],
                         5.0)
        code, d = self.http('POST', '/apis/apps/v1/namespaces/w/deployments',
                            {'metadata': {'name': 'slow'}, 'spec': {'replicas': 1, 'template': {}}})
        self.assertEqual({c['type']: c['status'] for c in d['status']['conditions']}['Available'], 'False')
        self.http('POST', '/_kf/config', {'deployment_ready_seconds': 0})



WIDGET_CRD = {'apiVersion': 'apiextensions.k8s.io/v1', 'kind': 'CustomResourceDefinition',
              'metadata': {'name': 'widgets.example.com'},
              'spec': {'group': 'example.com', 'scope': 'Namespaced',
                       'names': {'plural': 'widgets', 'kind': 'Widget'},
                       'versions': [{'name': 'v1', 'served': True, 'storage': True,
                                     'schema': {'openAPIV3Schema': {'type': 'object',
                                                                    'x-kubernetes-preserve-unknown-fields': True}}}]}}


def webhook_config(kind: str, name: str, hook: dict) -> dict:
    base = {'admissionReviewVersions': ['v1'], 'sideEffects': 'None'}
    return {'apiVersion': 'admissionregistration.k8s.io/v1', 'kind': kind, 'metadata': {'name': name},
            'webhooks': [{**base, **hook}]}


def backend(namespace: str, name: str) -> tuple[dict, dict]:
    """A webhook's Service and the Deployment whose pods it selects."""
    labels = {'app': name}
    svc = {'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': name, 'namespace': namespace},
           'spec': {'selector': labels, 'ports': [{'name': 'https', 'port': 443, 'targetPort': 9443}]}}
    dep = {'apiVersion': 'apps/v1', 'kind': 'Deployment', 'metadata': {'name': name, 'namespace': namespace},
           'spec': {'replicas': 1, 'selector': {'matchLabels': labels},
                    'template': {'metadata': {'labels': labels},
                                 'spec': {'containers': [{'name': 'webhook', 'image': 'webhook:1'}]}}}}
    return svc, dep


def widget(name: str, namespace: str = 'apps') -> dict:
    return {'apiVersion': 'example.com/v1', 'kind': 'Widget', 'metadata': {'name': name, 'namespace': namespace}}


class AdmissionWebhookTest(EmulatorTestCase):
    """ValidatingWebhookConfiguration / MutatingWebhookConfiguration: a webhook whose Service has no
    ready endpoints refuses the matching writes like kube-apiserver does, until its Deployment is
    Available."""
    ready_seconds = '2'

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        for ns in ('hooks', 'apps', 'quiet'):
            labels = {'webhooks': 'off'} if ns == 'quiet' else {}
            cls.http(cls, 'POST', '/api/v1/namespaces', {'metadata': {'name': ns, 'labels': labels}})
        cls.http(cls, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', WIDGET_CRD)

    def wait_available(self, namespace: str, name: str) -> None:
        self.kubectl('wait', '--for=condition=Available', f'deployment/{name}', '-n', namespace, '--timeout=15s')

    def test_01_refused_without_endpoints_then_admitted(self) -> None:
        hook = {'name': 'vwidget.example.com', 'failurePolicy': 'Fail',
                'clientConfig': {'service': {'namespace': 'hooks', 'name': 'widget-webhook', 'path': '/validate-widget'}},
                'rules': [{'apiGroups': ['example.com'], 'apiVersions': ['v1'], 'operations': ['CREATE', 'UPDATE'],
                           'resources': ['widgets'], 'scope': 'Namespaced'}],
                'namespaceSelector': {'matchExpressions': [{'key': 'webhooks', 'operator': 'NotIn', 'values': ['off']}]}}
        code, _ = self.http('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
                            webhook_config('ValidatingWebhookConfiguration', 'widget-validator', hook))
        self.assertEqual(code, 201)
        url = 'https://widget-webhook.hooks.svc:443/validate-widget?timeout=10s'

        code, err = self.http('POST', '/apis/example.com/v1/namespaces/apps/widgets', widget('w0'))
        self.assertEqual((code, err['reason']), (500, 'InternalError'))
        self.assertEqual(err['message'], 'Internal error occurred: failed calling webhook "vwidget.example.com": '
                                         f'failed to call webhook: Post "{url}": service "widget-webhook" not found')

        svc, dep = backend('hooks', 'widget-webhook')
        self.assertEqual(self.http('POST', '/api/v1/namespaces/hooks/services', svc)[0], 201)
        self.assertEqual(self.http('POST', '/apis/apps/v1/namespaces/hooks/deployments', dep)[0], 201)
        code, err = self.http('POST', '/apis/example.com/v1/namespaces/apps/widgets', widget('w1'))
        expected = ('Internal error occurred: failed calling webhook "vwidget.example.com": failed to call webhook: '
                    f'Post "{url}": no endpoints available for service "widget-webhook"')
        self.assertEqual((code, err['kind'], err['status'], err['reason'], err['message']),
                         (500, 'Status', 'Failure', 'InternalError', expected))
        self.assertEqual(err['details']['causes'], [{'message': expected[len('Internal error occurred: '):]}])
        self.assertEqual(self.http('GET', '/apis/example.com/v1/namespaces/apps/widgets/w1')[0], 404)
        # kubectl shows it as the real server's answer.
        out = self.kubectl('create', '-f', '-', stdin=json.dumps(widget('w1')), check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn(f'Error from server (InternalError): error when creating "STDIN": {expected}', out.stderr)

        # Not matched: another resource, a namespace the namespaceSelector leaves out, a dry run of a ConfigMap.
        self.assertEqual(self.http('POST', '/api/v1/namespaces/apps/configmaps', {'metadata': {'name': 'c'}})[0], 201)
        self.assertEqual(self.http('POST', '/apis/example.com/v1/namespaces/quiet/widgets', widget('q', 'quiet'))[0], 201)
        # Matched also on UPDATE (a merge patch of the widget admitted above).
        code, err = self.http('PATCH', '/apis/example.com/v1/namespaces/quiet/widgets/q', {'spec': {'x': 1}},
                              'application/merge-patch+json')
        self.assertEqual(code, 200)  # still excluded by the namespaceSelector
        code, err = self.http('PATCH', '/api/v1/namespaces/quiet', {'metadata': {'labels': {'webhooks': 'on'}}},
                              'application/merge-patch+json')
        code, err = self.http('PATCH', '/apis/example.com/v1/namespaces/quiet/widgets/q', {'spec': {'x': 2}},
                              'application/merge-patch+json')
        self.assertEqual((code, err['reason']), (500, 'InternalError'))

        self.wait_available('hooks', 'widget-webhook')
        code, created = self.http('POST', '/apis/example.com/v1/namespaces/apps/widgets', widget('w1'))
        self.assertEqual((code, created['metadata']['name']), (201, 'w1'))  # admitted unchanged
        self.assertEqual(self.http('PATCH', '/apis/example.com/v1/namespaces/quiet/widgets/q', {'spec': {'x': 2}},
                                   'application/merge-patch+json')[0], 200)
        # A rolling update of the webhook's Deployment keeps its old pods serving.
        self.kubectl('set', 'image', 'deployment/widget-webhook', 'webhook=webhook:2', '-n', 'hooks')
        self.assertEqual(self.http('POST', '/apis/example.com/v1/namespaces/apps/widgets', widget('w2'))[0], 201)
        # The webhook configuration itself is never subject to webhooks.
        self.http('DELETE', '/apis/apps/v1/namespaces/hooks/deployments/widget-webhook')
        hook['rules'][0]['apiGroups'] = ['*']
        code, _ = self.http('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
                            webhook_config('ValidatingWebhookConfiguration', 'catch-all', {**hook, 'name': 'all.example.com',
                                           'rules': [{'apiGroups': ['*'], 'apiVersions': ['*'], 'operations': ['*'],
                                                      'resources': ['*/*']}], 'namespaceSelector': {}}))
        self.assertEqual(code, 201)
        self.assertEqual(self.http('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/'
                                             'catch-all')[0], 200)
        self.assertEqual(self.http('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/'
                                             'widget-validator')[0], 200)

    def test_02_failure_policy_ignore_and_selectors(self) -> None:
        ignore = {'name': 'mcm.example.com', 'failurePolicy': 'Ignore', 'timeoutSeconds': 5,
                  'clientConfig': {'service': {'namespace': 'hooks', 'name': 'absent'}},
                  'rules': [{'apiGroups': [''], 'apiVersions': ['v1'], 'operations': ['CREATE'], 'resources': ['configmaps']}]}
        self.assertEqual(self.http('POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
                                   webhook_config('MutatingWebhookConfiguration', 'cm-ignore', ignore))[0], 201)
        self.assertEqual(self.http('POST', '/api/v1/namespaces/apps/configmaps', {'metadata': {'name': 'ign'}})[0], 201)

        fail = {**ignore, 'name': 'mcmfail.example.com', 'failurePolicy': 'Fail',
                'objectSelector': {'matchLabels': {'inject': 'true'}}}
        self.assertEqual(self.http('POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
                                   webhook_config('MutatingWebhookConfiguration', 'cm-fail', fail))[0], 201)
        self.assertEqual(self.http('POST', '/api/v1/namespaces/apps/configmaps', {'metadata': {'name': 'plain'}})[0], 201)
        code, err = self.http('POST', '/api/v1/namespaces/apps/configmaps',
                              {'metadata': {'name': 'inj', 'labels': {'inject': 'true'}}})
        self.assertEqual((code, err['message']), (500, 'Internal error occurred: failed calling webhook '
                                                        '"mcmfail.example.com": failed to call webhook: Post '
                                                        '"https://absent.hooks.svc:443/?timeout=5s": service "absent" not found'))
        # Dry runs are admitted by the same webhooks; DELETE and UPDATE are not in these rules.
        code, err = self.http('POST', '/api/v1/namespaces/apps/configmaps?dryRun=All',
                              {'metadata': {'name': 'inj', 'labels': {'inject': 'true'}}})
        self.assertEqual(code, 500)
        self.assertEqual(self.http('DELETE', '/api/v1/namespaces/apps/configmaps/plain')[0], 200)
        for name in ('cm-ignore', 'cm-fail'):
            self.http('DELETE', f'/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/{name}')
        self.assertEqual(self.http('POST', '/api/v1/namespaces/apps/configmaps',
                                   {'metadata': {'name': 'inj', 'labels': {'inject': 'true'}}})[0], 201)

    def test_03_configuration_is_validated(self) -> None:
        cfg = webhook_config('ValidatingWebhookConfiguration', 'bad', {
            'name': 'short', 'clientConfig': {'service': {'namespace': 'hooks', 'name': 'x'}}})
        del cfg['webhooks'][0]['sideEffects']
        code, err = self.http('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', cfg)
        self.assertEqual((code, err['reason']), (422, 'Invalid'))
        self.assertEqual(err['message'], 'ValidatingWebhookConfiguration.admissionregistration.k8s.io "bad" is invalid: '
                                         '[webhooks[0].name: Invalid value: "short": should be a domain with at least '
                                         'three segments separated by dots, webhooks[0].sideEffects: Required value: '
                                         'must specify one of None, NoneOnDryRun]')

    def test_04_server_side_apply_bundle_fails_then_succeeds(self) -> None:
        bundle = textwrap.dedent('''\
            apiVersion: v1
            kind: Namespace
            metadata: {name: cert-manager}
            ---
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingWebhookConfiguration
            metadata: {name: cert-manager-webhook}
            webhooks:
            - name: webhook.cert-manager.io
              admissionReviewVersions: [v1]
              sideEffects: None
              timeoutSeconds: 30
              rules:
              - {apiGroups: [example.com], apiVersions: [v1], operations: [CREATE, UPDATE], resources: ["*/*"]}
              clientConfig:
                service: {name: cert-manager-webhook, namespace: cert-manager, path: /validate}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: cert-manager-webhook, namespace: cert-manager}
            spec:
              selector: {app.kubernetes.io/name: webhook}
              ports: [{name: https, port: 443, targetPort: https}]
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: cert-manager-webhook, namespace: cert-manager}
            spec:
              replicas: 1
              selector: {matchLabels: {app.kubernetes.io/name: webhook}}
              template:
                metadata: {labels: {app.kubernetes.io/name: webhook}}
                spec: {containers: [{name: webhook, image: quay.io/jetstack/cert-manager-webhook:v1.16.1}]}
            ---
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: issued, namespace: apps}
            spec: {size: 1}
            ''')
        first = self.kubectl('apply', '--server-side', '-f', '-', stdin=bundle, check=False)
        self.assertNotEqual(first.returncode, 0)
        self.assertIn('deployment.apps/cert-manager-webhook serverside-applied', first.stdout)
        self.assertIn('Error from server (InternalError): Internal error occurred: failed calling webhook '
                      '"webhook.cert-manager.io": failed to call webhook: Post "https://cert-manager-webhook.'
                      'cert-manager.svc:443/validate?timeout=30s": no endpoints available for service '
                      '"cert-manager-webhook"', first.stderr)
        self.assertFalse(self.kubectl('get', 'widget', 'issued', '-n', 'apps', '--ignore-not-found').stdout.strip())
        self.wait_available('cert-manager', 'cert-manager-webhook')
        second = self.kubectl('apply', '--server-side', '-f', '-', stdin=bundle)
        self.assertIn('widget.example.com/issued serverside-applied', second.stdout)
        self.assertEqual(self.kjson('get', 'widget', 'issued', '-n', 'apps')['spec'], {'size': 1})


APISERVICE = textwrap.dedent('''\
    apiVersion: apiregistration.k8s.io/v1
    kind: APIService
    metadata:
      name: v1beta1.metrics.k8s.io
      labels: {k8s-app: metrics-server}
    spec:
      group: metrics.k8s.io
      version: v1beta1
      groupPriorityMinimum: 100
      versionPriority: 100
      insecureSkipTLSVerify: true
      service: {name: metrics-server, namespace: kube-system}
    ''')


def yaml_to_json(text: str) -> dict:
    import yaml
    return yaml.safe_load(text)


class AggregatedApiTest(EmulatorTestCase):
    """An APIService whose backend is unavailable: listed in /apis, 503 on its version, kubectl warns."""
    ready_seconds = '2'

    def raw(self, path: str) -> tuple[int, str, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as resp:
                return resp.status, resp.headers.get('Content-Type', ''), resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get('Content-Type', ''), e.read().decode()

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        # A fresh discovery cache each time: kubectl caches the group list on disk, and the point here
        # is what it sees of the server now.
        cache = tempfile.mkdtemp(dir=self.tmp.name)
        return super().kubectl('--cache-dir', cache, *args, stdin=stdin, check=check)

    def available(self) -> dict:
        conds = self.kjson('get', 'apiservice', 'v1beta1.metrics.k8s.io')['status']['conditions']
        return {k: conds[0][k] for k in ('type', 'status', 'reason', 'message')}

    def test_01_unavailable_then_available(self) -> None:
        warning = ('couldn\'t get resource list for metrics.k8s.io/v1beta1: '
                   'the server is currently unable to handle the request')
        self.assertNotIn('metrics.k8s.io', [g['name'] for g in self.http('GET', '/apis')[1]['groups']])
        self.kubectl('apply', '-f', '-', stdin=APISERVICE)
        self.assertIn('metrics.k8s.io', [g['name'] for g in self.http('GET', '/apis')[1]['groups']])
        self.assertEqual(self.http('GET', '/apis/metrics.k8s.io')[1]['preferredVersion']['version'], 'v1beta1')
        self.assertEqual(self.raw('/apis/metrics.k8s.io/v1beta1'),
                         (503, 'text/plain; charset=utf-8', 'service unavailable\n'))
        self.assertEqual(self.raw('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods')[0], 503)
        self.assertEqual(self.available(), {'type': 'Available', 'status': 'False', 'reason': 'ServiceNotFound',
                                            'message': 'service/metrics-server in "kube-system" is not present'})

        # kubectl warns about the group and carries on for the others; api-resources fails like on a real cluster.
        pods = self.kubectl('get', 'pods', '-A')
        self.assertIn(warning, pods.stderr)
        self.assertIn(warning, self.kubectl('get', 'deployments,configmaps', '-n', 'kube-system').stderr)
        self.assertIn('kube-system', self.kubectl('get', 'ns').stdout)
        resources = self.kubectl('api-resources', check=False)
        self.assertNotEqual(resources.returncode, 0)
        self.assertIn('error: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: '
                      'the server is currently unable to handle the request', resources.stderr)

        # Its Service and Deployment (test control: register the backend too); Available after the delay.
        config = self.http('POST', '/_kf/config', {'register_apiservice': {'backend': True}})[1]
        self.assertEqual(config['apiservices']['v1beta1.metrics.k8s.io']['reason'], 'MissingEndpoints')
        self.assertEqual(self.available()['message'],
                         'endpoints for service/metrics-server in "kube-system" have no addresses with port name "https"')
        self.kubectl('wait', '--for=condition=Available', 'apiservice/v1beta1.metrics.k8s.io', '--timeout=15s')
        self.assertEqual(self.available(), {'type': 'Available', 'status': 'True', 'reason': 'Passed',
                                            'message': 'all checks passed'})
        code, rl = self.http('GET', '/apis/metrics.k8s.io/v1beta1')
        self.assertEqual((code, sorted(r['name'] for r in rl['resources'])), (200, ['nodes', 'pods']))
        self.assertEqual(self.http('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods')[1]['items'], [])
        self.assertNotIn(warning, self.kubectl('get', 'pods', '-A').stderr)
        self.kubectl('api-resources')

        # Deleting the backend makes it unavailable again; unregistering removes the group.
        self.http('DELETE', '/apis/apps/v1/namespaces/kube-system/deployments/metrics-server')
        self.assertEqual(self.available()['reason'], 'MissingEndpoints')
        self.http('POST', '/_kf/config', {'unregister_apiservice': 'v1beta1.metrics.k8s.io'})
        self.assertNotIn('metrics.k8s.io', [g['name'] for g in self.http('GET', '/apis')[1]['groups']])
        self.assertEqual(self.http('GET', '/apis/metrics.k8s.io/v1beta1')[0], 404)

    def test_02_apiservice_is_validated(self) -> None:
        bad = APISERVICE.replace('name: v1beta1.metrics.k8s.io', 'name: metrics')
        detail = ('metadata.name: Invalid value: "metrics": must be `spec.version+"."+spec.group`: '
                  '"v1beta1.metrics.k8s.io"')
        code, err = self.http('POST', '/apis/apiregistration.k8s.io/v1/apiservices', yaml_to_json(bad))
        self.assertEqual((code, err['reason'], err['message']),
                         (422, 'Invalid', f'APIService.apiregistration.k8s.io "metrics" is invalid: {detail}'))
        out = self.kubectl('apply', '-f', '-', stdin=bad, check=False)
        self.assertIn(f'The APIService "metrics" is invalid: {detail}', out.stderr)  # kubectl's wording

    def test_03_namespace_stays_terminating_while_discovery_fails(self) -> None:
        self.http('POST', '/_kf/config', {'namespace_terminating_seconds': 0, 'register_apiservice': {
            'group': 'custom.metrics.k8s.io', 'service': {'namespace': 'monitoring', 'name': 'prometheus-adapter'}}})
        self.http('POST', '/api/v1/namespaces', {'metadata': {'name': 'doomed'}})
        self.http('POST', '/api/v1/namespaces/doomed/configmaps', {'metadata': {'name': 'c'}})
        self.assertEqual(self.http('DELETE', '/api/v1/namespaces/doomed')[0], 200)
        ns = self.http('GET', '/api/v1/namespaces/doomed')[1]
        self.assertEqual(ns['status']['phase'], 'Terminating')
        conds = {c['type']: c for c in ns['status']['conditions']}
        self.assertEqual((conds['NamespaceDeletionDiscoveryFailure']['status'],
                          conds['NamespaceDeletionDiscoveryFailure']['reason'],
                          conds['NamespaceDeletionDiscoveryFailure']['message']),
                         ('True', 'DiscoveryFailed', 'Discovery failed for some groups, 1 failing: unable to retrieve '
                          'the complete list of server APIs: custom.metrics.k8s.io/v1beta1: the server is currently '
                          'unable to handle the request'))
        self.assertEqual(self.http('GET', '/api/v1/namespaces/doomed/configmaps')[1]['items'], [])  # content is gone
        self.http('POST', '/_kf/config', {'unregister_apiservice': 'v1beta1.custom.metrics.k8s.io'})
        self.assertEqual(self.http('GET', '/api/v1/namespaces/doomed')[0], 404)
        self.http('POST', '/_kf/config', {'namespace_terminating_seconds': 5})


class NamespaceTerminationTest(EmulatorTestCase):
    """A deleted namespace stays Terminating for --namespace-terminating-seconds, refusing new content."""

    def test_terminating_refusals_then_gone(self) -> None:
        self.assertEqual(self.http('POST', '/_kf/config', {'namespace_terminating_seconds': 2})[1]
                         ['namespace_terminating_seconds'], 2.0)
        self.http('POST', '/api/v1/namespaces', {'metadata': {'name': 'old'}})
        self.http('POST', '/api/v1/namespaces/old/configmaps', {'metadata': {'name': 'keep'}, 'data': {'a': '1'}})
        code, ns = self.http('DELETE', '/api/v1/namespaces/old')
        self.assertEqual((code, ns['kind'], ns['status']['phase']), (200, 'Namespace', 'Terminating'))
        self.assertTrue(ns['metadata']['deletionTimestamp'])
        self.assertEqual(ns['spec']['finalizers'], ['kubernetes'])
        self.assertEqual(self.kjson('get', 'ns', 'old')['status']['phase'], 'Terminating')

        code, err = self.http('POST', '/api/v1/namespaces/old/configmaps', {'metadata': {'name': 'new'}})
        self.assertEqual((code, err['reason'], err['message']),
                         (403, 'Forbidden', 'configmaps "new" is forbidden: unable to create new content in '
                                            'namespace old because it is being terminated'))
        self.assertEqual(err['details'], {'name': 'new', 'kind': 'configmaps', 'causes': [
            {'reason': 'NamespaceTerminating', 'field': 'metadata.namespace', 'message': 'namespace old is being terminated'}]})
        code, err = self.http('PATCH', '/apis/apps/v1/namespaces/old/deployments/d?fieldManager=t',
                              {'apiVersion': 'apps/v1', 'kind': 'Deployment', 'metadata': {'name': 'd'}},
                              'application/apply-patch+yaml')
        self.assertEqual((code, err['message']), (403, 'deployments.apps "d" is forbidden: unable to create new '
                                                       'content in namespace old because it is being terminated'))
        out = self.kubectl('create', 'configmap', 'x', '-n', 'old', check=False)
        self.assertIn('configmaps "x" is forbidden: unable to create new content in namespace old because it is '
                      'being terminated', out.stderr)
        # Updating existing content is still allowed; so is deleting the namespace again (200, unchanged).
        self.assertEqual(self.http('PATCH', '/api/v1/namespaces/old/configmaps/keep', {'data': {'a': '2'}},
                                   'application/merge-patch+json')[0], 200)
        code, again = self.http('DELETE', '/api/v1/namespaces/old')
        self.assertEqual((code, again['metadata']['deletionTimestamp']), (200, ns['metadata']['deletionTimestamp']))
        code, err = self.http('POST', '/api/v1/namespaces', {'metadata': {'name': 'old'}})
        self.assertEqual((code, err['reason'], err['message']),
                         (409, 'AlreadyExists', 'object is being deleted: namespaces "old" already exists'))
        code, err = self.http('DELETE', '/api/v1/namespaces/kube-system')
        self.assertEqual((code, err['message']), (403, 'namespaces "kube-system" is forbidden: this namespace may '
                                                       'not be deleted'))

        deadline = time.time() + 10
        while self.http('GET', '/api/v1/namespaces/old')[0] != 404 and time.time() < deadline:
            time.sleep(0.2)
        self.assertEqual(self.http('GET', '/api/v1/namespaces/old')[0], 404)
        self.assertEqual(self.http('GET', '/api/v1/namespaces/old/configmaps/keep')[0], 404)
        self.assertEqual(self.http('POST', '/api/v1/namespaces', {'metadata': {'name': 'old'}})[0], 201)
        self.assertEqual(self.http('GET', '/api/v1/namespaces/old/configmaps')[1]['items'], [])

        # kubectl delete waits until the namespace is gone.
        start = time.time()
        self.kubectl('delete', 'ns', 'old')
        self.assertGreaterEqual(time.time() - start, 1.5)
        self.assertEqual(self.http('GET', '/api/v1/namespaces/old')[0], 404)


if __name__ == '__main__':
    unittest.main()
