import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {InvalidFileError} from '../../../../src/core/errors.js'
import {checkNamespaceSetFast} from '../../../../src/core/namespaces/fast-check.js'
import type {PrecompiledValidator} from '../../../../src/core/precompiled-validator.js'
import {namespaceSetJsonSchema} from '../../../../src/core/namespaces/json-schema.js'
import {namespaceSetSchema} from '../../../../src/core/namespaces/schema.js'
import {readYamlFast} from '../../../../src/core/yaml-fast.js'
import {FsUserFiles} from '../../../../src/adapters/fs-user-files.js'
import {loadNamespaceSet} from '../../../../src/services/namespaces.js'
import {ROOT} from '../../../helpers/cli.js'
import {precompileValidator} from '../../../helpers/precompiled.js'

let validate: PrecompiledValidator
let remove = () => {}

beforeAll(async () => {
  ;({validate, remove} = await precompileValidator('namespace-set', namespaceSetJsonSchema()))
})

afterAll(() => remove())

const head = 'apiVersion: kopsmith/v1alpha1\nkind: NamespaceSet\nnamespaces:\n'
const entry = (over: Record<string, string> = {}) => {
  const fields = {name: 'payments', team: 'payments-devs', quota: '{cpu: "8", memory: 16Gi, pods: 50}', limits: '{cpu: 250m, memory: 256Mi}', ...over}
  return Object.entries(fields)
    .filter(([, v]) => v !== '')
    .map(([k, v], i) => `${i === 0 ? '  - ' : '    '}${k}: ${v}`)
    .join('\n')
}

// Files zod accepts and files it refuses for each rule — those JSON Schema says and those it cannot.
const CASES: Array<[string, string]> = [
  ['the example', readFileSync(join(ROOT, 'examples/namespaces.yaml'), 'utf8')],
  ['defaults filled', head + entry()],
  ['numbers as quantities', head + entry({quota: '{cpu: 8, memory: 0.5, pods: 50}', limits: '{cpu: 0.25, memory: 256}'})],
  ['every field', head + entry({ingress: 'true', egress: '[{cidr: 10.30.0.0/16, ports: [5432, 6379]}]', deployer: 'true'})],
  ['two namespaces', `${head + entry()}\n${entry({name: 'billing'})}`],
  ['a reserved namespace', head + entry({name: 'default'})],
  ['a kube- namespace', head + entry({name: 'kube-extra'})],
  ["an addon's namespace", head + entry({name: 'traefik'})],
  ['a system: group', head + entry({team: 'system:authenticated'})],
  ['an empty team', head + entry({team: '""'})],
  ['a duplicate namespace', `${head + entry()}\n${entry()}`],
  ['a quantity that is no quantity', head + entry({quota: '{cpu: lots, memory: 16Gi, pods: 50}'})],
  ['a number that prints as no quantity', head + entry({quota: '{cpu: 1e21, memory: 16Gi, pods: 50}'})],
  ['a negative quantity', head + entry({limits: '{cpu: -1, memory: 256Mi}'})],
  ['pods zero', head + entry({quota: '{cpu: "8", memory: 16Gi, pods: 0}'})],
  ['pods fractional', head + entry({quota: '{cpu: "8", memory: 16Gi, pods: 1.5}'})],
  ['pods as a string', head + entry({quota: '{cpu: "8", memory: 16Gi, pods: "50"}'})],
  ['a quota field missing', head + entry({quota: '{cpu: "8", memory: 16Gi}'})],
  ['an unknown quota field', head + entry({quota: '{cpu: "8", memory: 16Gi, pods: 5, gpus: 1}'})],
  ['an unknown field', head + entry({colour: 'red'})],
  ['ingress as a word', head + entry({ingress: 'yes'})],
  ['a CIDR out of range', head + entry({egress: '[{cidr: 10.0.0.0/33, ports: [5432]}]'})],
  ['no ports', head + entry({egress: '[{cidr: 10.0.0.0/16, ports: []}]'})],
  ['a port too high', head + entry({egress: '[{cidr: 10.0.0.0/16, ports: [70000]}]'})],
  ['an upper-case name', head + entry({name: 'Payments'})],
  ['a name too long', head + entry({name: 'a'.repeat(64)})],
  ['no namespaces', `${head.replace('namespaces:\n', 'namespaces: []\n')}`],
  ['another kind', head.replace('NamespaceSet', 'ClusterSet') + entry()],
  ['another version', head.replace('v1alpha1', 'v1') + entry()],
  ['an unknown top-level field', `${head + entry()}\nextra: 1`],
]

describe('the validator precompiled at build time, with the rules JSON Schema cannot say', () => {
  it.each(CASES)('never accepts what zod refuses, and returns what zod returns: %s', (_name, text) => {
    const data = readYamlFast(text)
    expect(data).toBeDefined()
    const viaZod = namespaceSetSchema.safeParse(data)
    const fast = checkNamespaceSetFast(data, validate)
    if (viaZod.success) expect(fast).toEqual(viaZod.data)
    else expect(fast).toBeUndefined()
  })

  it('the corpus has files of both kinds', () => {
    const accepted = CASES.filter(([, text]) => namespaceSetSchema.safeParse(readYamlFast(text)).success)
    expect(accepted.length).toBeGreaterThanOrEqual(5)
    expect(CASES.length - accepted.length).toBeGreaterThanOrEqual(20)
  })

  it('leaves the data as written (defaults go into a copy)', () => {
    const data = readYamlFast(head + entry()) as {namespaces: Array<Record<string, unknown>>}
    checkNamespaceSetFast(data, validate)
    expect(data.namespaces[0]).not.toHaveProperty('deployer')
  })
})

describe('loadNamespaceSet with the precompiled validator', () => {
  const dir = join(ROOT, 'test/.generated', `ns-${process.pid}`)
  beforeAll(() => mkdirSync(dir, {recursive: true}))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it('a valid file: the value zod would give', async () => {
    writeFileSync(join(dir, 'ok.yaml'), head + entry())
    const set = await loadNamespaceSet(new FsUserFiles(), join(dir, 'ok.yaml'), undefined, Promise.resolve(validate))
    expect(set).toEqual(namespaceSetSchema.parse(readYamlFast(head + entry())))
  })

  it('an invalid file: zod explains it with path and line (exit 3)', async () => {
    writeFileSync(join(dir, 'bad.yaml'), `${head + entry()}\n${entry({name: 'billing', team: 'system:masters'})}`)
    const error = await loadNamespaceSet(new FsUserFiles(), join(dir, 'bad.yaml'), undefined, Promise.resolve(validate)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidFileError)
    expect((error as InvalidFileError).issues).toEqual([expect.objectContaining({path: 'namespaces[1].team', line: 9})])
  })
})
