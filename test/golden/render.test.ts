import {existsSync, readFileSync, writeFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'

import {HARDENING_IDS} from '../../src/core/config/constants.js'
import {auditContextFor, auditKopsSpec} from '../../src/core/hardening/checks.js'
import {parseStatements} from '../fixtures/kops-standin/iam-statements.mjs'
import {validateKopsObject} from '../helpers/kops-schema.js'
import {GOLDEN_CASES, GOLDEN_DIR, loadConfig, renderCase} from './cases.js'

const UPDATE = process.env.UPDATE_GOLDEN === '1'

describe.each(GOLDEN_CASES)('golden: $name', (goldenCase) => {
  const expectedPath = `${GOLDEN_DIR}${goldenCase.name}/expected.yaml`

  it(`renders exactly test/golden/${goldenCase.name}/expected.yaml`, async () => {
    const {manifest} = await renderCase(goldenCase)
    if (UPDATE) writeFileSync(expectedPath, manifest)
    expect(existsSync(expectedPath), `missing ${expectedPath}; run with UPDATE_GOLDEN=1`).toBe(true)
    expect(manifest).toBe(readFileSync(expectedPath, 'utf8'))
  })

  it('is deterministic: two renders are byte-identical', async () => {
    const [a, b] = await Promise.all([renderCase(goldenCase), renderCase(goldenCase)])
    expect(a.manifest).toBe(b.manifest)
    expect(JSON.stringify(a.cluster)).toBe(JSON.stringify(b.cluster))
  })

  it('every document validates against the kops v1alpha2 CRD with unknown fields rejected (read as YAML 1.1, like kubectl)', async () => {
    const {manifest, instanceGroups} = await renderCase(goldenCase)
    const docs = parseAllDocuments(manifest, {version: '1.1'})
    expect(docs).toHaveLength(1 + instanceGroups.length)
    const kinds = docs.map((d) => (d.toJS() as {kind: string}).kind)
    expect(kinds[0]).toBe('Cluster')
    expect(kinds.slice(1).every((k) => k === 'InstanceGroup')).toBe(true)
    for (const doc of docs) {
      expect(doc.errors).toEqual([])
      const object = doc.toJS() as {metadata: {name: string}}
      expect(validateKopsObject(object), `${object.metadata.name}`).toEqual({valid: true, errors: []})
    }
  })

  it('the manifest parses back (YAML 1.1) to exactly the returned objects', async () => {
    const rendered = await renderCase(goldenCase)
    const docs = parseAllDocuments(rendered.manifest, {version: '1.1'}).map((d) => d.toJS() as unknown)
    expect(docs).toEqual([rendered.cluster, ...rendered.instanceGroups])
  })

  it('every IAM policy is what kops ParseStatements reads: a JSON array of statements, no key dropped, Effect/Action/Resource set', async () => {
    const {cluster} = await renderCase(goldenCase)
    const spec = cluster.spec as {iam?: {serviceAccountExternalPermissions?: Array<{name: string; aws: {inlinePolicy?: string}}>}; additionalPolicies?: Record<string, string>}
    const policies: Array<[string, string]> = [
      ...(spec.iam?.serviceAccountExternalPermissions ?? []).map((p): [string, string] => [`serviceAccountExternalPermissions ${p.name}`, p.aws.inlinePolicy ?? '']),
      ...Object.entries(spec.additionalPolicies ?? {}).map(([role, text]): [string, string] => [`additionalPolicies ${role}`, text]),
    ]
    expect(policies.length).toBeGreaterThan(0)
    for (const [where, text] of policies) {
      const parsed = parseStatements(text)
      expect(parsed.error, where).toBeUndefined()
      const statements = parsed.statements ?? []
      expect(statements.length, where).toBeGreaterThan(0)
      const raw = JSON.parse(text) as Array<Record<string, unknown>>
      statements.forEach((statement, i) => {
        // kops keeps Effect, Principal, Action, Resource and Condition; any other key would be lost silently.
        expect(Object.keys(raw[i] ?? {}).filter((k) => !['Effect', 'Principal', 'Action', 'Resource', 'Condition'].includes(k)), `${where}[${i}]`).toEqual([])
        expect(['Allow', 'Deny'], `${where}[${i}].Effect`).toContain(statement?.Effect)
        expect(statement?.Action?.length, `${where}[${i}].Action`).toBeGreaterThan(0)
        expect(statement?.Resource?.length, `${where}[${i}].Resource`).toBeGreaterThan(0)
      })
    }
  })

  it(`passes all ${HARDENING_IDS.length} hardening checks`, async () => {
    const rendered = await renderCase(goldenCase)
    const config = loadConfig(goldenCase.file)
    // H17 asks where S3 keeps the buckets the spec names; here both are in Frankfurt.
    const context = {...auditContextFor(config), kopsVersion: '1.35.2', bucketRegions: {[config.stateStore.bucket]: 'eu-central-1', [config.stateStore.discoveryBucket]: 'eu-central-1'}}
    const results = auditKopsSpec(rendered, context)
    expect(results.map((r) => r.id)).toEqual([...HARDENING_IDS])
    expect(results.filter((r) => r.status !== 'pass').map((r) => ({id: r.id, findings: r.findings}))).toEqual([])
  })
})

describe('the schema helper itself', () => {
  it('rejects a typo and a wrong type that the upstream CRD alone would accept or catch', async () => {
    const {cluster, instanceGroups} = await renderCase(GOLDEN_CASES[0]!)
    const typo = structuredClone(cluster) as {spec: Record<string, unknown>}
    typo.spec.kubernetesVersoin = '1.35.7'
    expect(validateKopsObject(typo).errors).toEqual(['/spec must NOT have additional properties (kubernetesVersoin)'])
    const wrongType = structuredClone(instanceGroups[0]) as {spec: Record<string, unknown>}
    wrongType.spec.maxSize = 'three'
    expect(validateKopsObject(wrongType).valid).toBe(false)
    const wrongVersion = {...structuredClone(cluster), apiVersion: 'kops.k8s.io/v1alpha3'}
    expect(validateKopsObject(wrongVersion).errors).toContain('/apiVersion must be kops.k8s.io/v1alpha2, got "kops.k8s.io/v1alpha3"')
  })
})
