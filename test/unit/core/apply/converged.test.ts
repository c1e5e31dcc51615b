import {describe, expect, it} from 'vitest'

import {isConverged} from '../../../../src/core/apply/converged.js'
import type {KubeObject} from '../../../../src/ports.js'

/**
 * Live objects and managedFields shaped as kube-apiserver v1.20.2 writes them (server defaults,
 * another manager's list items, keys with defaulted fields); test/e2e/kube-contract.test.ts checks
 * the same decisions end to end against the real server.
 */
const deployment = (env: Array<{name: string; value: string}>, image = 'nginx:1'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name: 'web', namespace: 'x1'},
  spec: {
    replicas: 1,
    selector: {matchLabels: {app: 'web'}},
    template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'web', image, ports: [{containerPort: 80, name: 'http', protocol: 'TCP'}], env}]}},
  },
})

/** After kopsmith applied `deployment([A=1])` and a mesh applied env B, port 9090 and a sidecar container. */
const liveDeployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'x1',
    uid: 'u',
    resourceVersion: '5300',
    generation: 2,
    managedFields: [
      {
        manager: 'kopsmith',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2026-11-29T13:50:10Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': {'f:labels': {'f:app': {}}},
              'f:spec': {
                'f:containers': {
                  'k:{"name":"web"}': {
                    '.': {},
                    'f:env': {'k:{"name":"A"}': {'.': {}, 'f:name': {}, 'f:value': {}}},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': {'k:{"containerPort":80,"protocol":"TCP"}': {'.': {}, 'f:containerPort': {}, 'f:name': {}, 'f:protocol': {}}},
                  },
                },
              },
            },
          },
        },
      },
      {
        manager: 'mesh',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2026-11-29T13:50:11Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {'f:spec': {'f:template': {'f:spec': {'f:containers': {'k:{"name":"sidecar"}': {'.': {}, 'f:image': {}, 'f:name': {}}}}}}},
      },
      {manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', time: '2026-11-29T13:50:11Z', fieldsType: 'FieldsV1', fieldsV1: {'f:status': {'f:replicas': {}}}},
    ],
  },
  spec: {
    replicas: 1,
    selector: {matchLabels: {app: 'web'}},
    template: {
      metadata: {creationTimestamp: null, labels: {app: 'web'}},
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1',
            ports: [
              {name: 'http', containerPort: 80, protocol: 'TCP'},
              {name: 'metrics', containerPort: 9090, protocol: 'TCP'},
            ],
            env: [
              {name: 'A', value: '1'},
              {name: 'B', value: '2'},
            ],
            resources: {},
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
            imagePullPolicy: 'IfNotPresent',
          },
          {name: 'sidecar', image: 'busybox:1', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent'},
        ],
        restartPolicy: 'Always',
      },
    },
    strategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: '25%', maxSurge: '25%'}},
  },
  status: {replicas: 1},
}

const configMap = (data: Record<string, string>, labels?: Record<string, string>): KubeObject => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c', namespace: 'x1', ...(labels ? {labels} : {})}, data})
const liveConfigMap = (data: Record<string, string>, owned: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {name: 'c', namespace: 'x1', labels: {l: '1'}, managedFields: [{manager: 'kopsmith', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: owned}], ...extra},
  data,
})

describe('isConverged: applying would change nothing', () => {
  it('the desired object, with server defaults and another manager\'s list items around it (containers, env, ports by their keys)', () => {
    expect(isConverged(deployment([{name: 'A', value: '1'}]), liveDeployment, 'kopsmith')).toBe(true)
  })

  it('not when a value we own changed (drift), nor when our configuration changed', () => {
    expect(isConverged(deployment([{name: 'A', value: '1'}], 'nginx:2'), liveDeployment, 'kopsmith')).toBe(false)
    const drifted = structuredClone(liveDeployment) as KubeObject & {spec: {replicas: number}}
    drifted.spec.replicas = 5
    expect(isConverged(deployment([{name: 'A', value: '1'}]), drifted, 'kopsmith')).toBe(false)
  })

  it('not when we stopped applying a field we own (the apply would remove it), nor when we add one (the apply would claim it)', () => {
    expect(isConverged(deployment([]), liveDeployment, 'kopsmith')).toBe(false)
    // B is live (the mesh's) with the same value, but not ours yet.
    expect(isConverged(deployment([{name: 'A', value: '1'}, {name: 'B', value: '2'}]), liveDeployment, 'kopsmith')).toBe(false)
    expect(isConverged(configMap({a: '1'}), liveConfigMap({a: '1', b: '2'}, {'f:data': {'f:a': {}, 'f:b': {}}}), 'kopsmith')).toBe(false)
    expect(isConverged(configMap({a: '1', b: '2'}), liveConfigMap({a: '1', b: '2'}, {'f:data': {'f:a': {}}}), 'kopsmith')).toBe(false)
  })

  it('not when the object is gone, being deleted, or has no Apply entry of ours (or one of another apiVersion)', () => {
    const desired = configMap({a: '1'})
    const owned = {'f:data': {'f:a': {}}}
    expect(isConverged(desired, liveConfigMap({a: '1'}, owned), 'kopsmith')).toBe(true)
    expect(isConverged(desired, undefined, 'kopsmith')).toBe(false)
    expect(isConverged(desired, liveConfigMap({a: '1'}, owned, {deletionTimestamp: '2026-11-29T13:49:55Z'}), 'kopsmith')).toBe(false)
    expect(isConverged(desired, liveConfigMap({a: '1'}, owned), 'helm')).toBe(false)
    const otherVersion = liveConfigMap({a: '1'}, owned)
    ;(otherVersion.metadata.managedFields as Array<{apiVersion: string}>)[0]!.apiVersion = 'v2'
    expect(isConverged(desired, otherVersion, 'kopsmith')).toBe(false)
  })

  it('a value in another form than the server stores (a quantity, a number for a string) counts as changed: applied, never wrongly skipped', () => {
    const quota = (cpu: string | number): KubeObject => ({apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name: 'q', namespace: 'x1'}, spec: {hard: {cpu}}})
    const live: KubeObject = {...quota('1'), metadata: {name: 'q', namespace: 'x1', managedFields: [{manager: 'kopsmith', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {'f:spec': {'f:hard': {'f:cpu': {}}}}}]}}
    expect(isConverged(quota('1'), live, 'kopsmith')).toBe(true)
    expect(isConverged(quota('1000m'), live, 'kopsmith')).toBe(false)
    expect(isConverged(quota(1), live, 'kopsmith')).toBe(false)
  })

  it('a list item whose key field is left to its default (a port without protocol) is not matched: applied', () => {
    const noProtocol = deployment([{name: 'A', value: '1'}]) as KubeObject & {spec: {template: {spec: {containers: Array<{ports: Array<Record<string, unknown>>}>}}}}
    delete noProtocol.spec.template.spec.containers[0]!.ports[0]!.protocol
    expect(isConverged(noProtocol, liveDeployment, 'kopsmith')).toBe(false)
  })

  it('atomic values (a label selector, an atomic list) compare whole, with server defaults inside', () => {
    const policy = (ports: Array<Record<string, unknown>>, selector: Record<string, unknown> = {}): KubeObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {name: 'p', namespace: 'x1'},
      spec: {podSelector: selector, egress: [{ports}]},
    })
    const live: KubeObject = {
      ...policy([{port: 5432, protocol: 'TCP'}]),
      metadata: {name: 'p', namespace: 'x1', managedFields: [{manager: 'kopsmith', operation: 'Apply', apiVersion: 'networking.k8s.io/v1', fieldsType: 'FieldsV1', fieldsV1: {'f:spec': {'f:egress': {}, 'f:podSelector': {}}}}]},
    }
    expect(isConverged(policy([{port: 5432}]), live, 'kopsmith')).toBe(true)
    expect(isConverged(policy([{port: 5432, protocol: 'TCP'}]), live, 'kopsmith')).toBe(true)
    expect(isConverged(policy([{port: 6379, protocol: 'TCP'}]), live, 'kopsmith')).toBe(false)
    expect(isConverged(policy([{port: 5432}, {port: 6379}]), live, 'kopsmith')).toBe(false)
    expect(isConverged(policy([{port: 5432}], {matchLabels: {a: 'b'}}), live, 'kopsmith')).toBe(false)
  })

  it('an empty map the server does not store (annotations: {}) does not count; an object of identity fields only is converged when present', () => {
    const owned = {'f:data': {'f:a': {}}}
    expect(isConverged({...configMap({a: '1'}), metadata: {name: 'c', namespace: 'x1', annotations: {}}}, liveConfigMap({a: '1'}, owned), 'kopsmith')).toBe(true)
    const bare: KubeObject = {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'n'}}
    expect(isConverged(bare, {...bare, metadata: {name: 'n', uid: 'u'}}, 'kopsmith')).toBe(true)
  })

  it('set members (finalizers) by value', () => {
    const withFinalizers = (f: string[]): KubeObject => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c', namespace: 'x1', finalizers: f}})
    const live: KubeObject = {
      ...withFinalizers(['a.example/x', 'b.example/y']),
      metadata: {
        name: 'c',
        namespace: 'x1',
        finalizers: ['a.example/x', 'b.example/y'],
        managedFields: [{manager: 'kopsmith', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {'f:metadata': {'f:finalizers': {'v:"a.example/x"': {}}}}}],
      },
    }
    expect(isConverged(withFinalizers(['a.example/x']), live, 'kopsmith')).toBe(true)
    expect(isConverged(withFinalizers(['b.example/y']), live, 'kopsmith')).toBe(false)
  })
})
