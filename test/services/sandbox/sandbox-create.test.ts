import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {validateClusterFile} from '../../../src/core/config/validate.js'
import {ApiError, DeclinedError, DOCTOR_SUGGESTION, InterruptedError, PreconditionError, UsageError} from '../../../src/core/errors.js'
import {costInputOf, estimateCost, parsePriceTable} from '../../../src/core/sandbox/cost.js'
import {createSandbox, type SandboxCreateInput} from '../../../src/services/sandbox-create.js'
import {FakeIdentity} from '../../fakes/fake-identity.js'
import {FakeKops} from '../../fakes/fake-kops.js'
import {CTRL_C, ENTER, FakePrompter} from '../../fakes/fake-prompter.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {FixedClock, MemoryFiles, StaticGitConfig, packageFiles} from './support.js'

const NOW = new Date('2026-05-01T10:00:00Z')
const ZONE = 'sandbox.k8s.acme.de'
const BUCKET = 'acme-kops-state'
const FILE = 'clusters/alice.sandbox.k8s.acme.de.yaml'
const table = parsePriceTable(readFileSync(new URL('../../../data/prices-eu-central-1.json', import.meta.url), 'utf8'))
const prices = table.prices
const SIZE_QUESTION = 'Size (price per hour at minimum size, spot nodes, with NAT gateway, load balancers and volumes)'
const OWNER_QUESTION = 'Owner e-mail (who answers for this sandbox)'

interface Setup {
  prompter?: FakePrompter
  identity?: FakeIdentity
  git?: StaticGitConfig
  files?: MemoryFiles
  store?: FakeStateStore
  kops?: FakeKops
}

function setup(s: Setup = {}) {
  const prompter = s.prompter ?? new FakePrompter()
  const identity = s.identity ?? new FakeIdentity() // arn ends in alice@acme.de
  const git = s.git ?? new StaticGitConfig(undefined)
  const files = s.files ?? new MemoryFiles()
  const store = s.store ?? new FakeStateStore().withBucket(BUCKET)
  const kops = s.kops ?? new FakeKops('1.35.2')
  const logs: string[] = []
  const created: string[] = []
  const ports = {
    prompter, files, packageFiles, clock: new FixedClock(NOW),
    identity: async () => identity, gitConfig: async () => git, stateStore: async () => store, kops: async () => kops,
    log: (line: string) => logs.push(line),
  }
  const runCreate = async (file: string) => {
    created.push(file)
    return {cluster: 'created', file}
  }
  const run = (input: Partial<SandboxCreateInput> = {}) => createSandbox(ports, {zone: ZONE, bucket: BUCKET, yes: false, dryRun: false, ...input}, runCreate)
  return {prompter, identity, git, files, store, kops, logs, created, run}
}

const questions = (p: FakePrompter) => p.asked.map((q) => `${q.kind}: ${q.message}`)

describe('sandbox create wizard', () => {
  it('asks name, owner (filled in from the AWS identity), size and lifetime, then shows the cost, writes a valid file and creates it', async () => {
    const t = setup({prompter: new FakePrompter().answering('alice', ENTER, 'medium', '48h', true)})
    const result = await t.run()

    expect(questions(t.prompter)).toEqual([
      `input: Cluster name (under ${ZONE})`,
      `input: ${OWNER_QUESTION}, from your AWS caller identity`,
      `select: ${SIZE_QUESTION}`,
      'input: Lifetime (at most 14d; extend later with `kopsmith sandbox extend`)',
      `confirm: Write ${FILE} and create the sandbox now? It takes about 15 minutes.`,
    ])
    expect(t.prompter.asked[1]).toMatchObject({default: 'alice@acme.de'})
    expect(t.prompter.asked[2]).toMatchObject({choices: ['small', 'medium', 'large'], default: 'small'})
    expect(t.prompter.asked[3]).toMatchObject({default: '72h'})
    expect(t.prompter.asked[4]).toMatchObject({default: false})
    expect(t.prompter.unused).toBe(0)

    // The file: written once, valid, a sandbox owned by the inferred owner, expiring now + 48h.
    expect(t.files.writes).toEqual([FILE])
    const text = t.files.files.get(FILE) ?? ''
    expect(text.startsWith('# yaml-language-server: $schema=../schema/cluster.schema.json\n')).toBe(true)
    const config = validateClusterFile(text, FILE, {now: NOW})
    expect(config).toMatchObject({
      name: 'alice.sandbox.k8s.acme.de', profile: 'sandbox', owner: 'alice@acme.de', protected: false,
      ttl: '48h', expiresAt: '2026-05-03T10:00:00Z', stateStore: {bucket: BUCKET}, dns: {zone: ZONE},
      controlPlane: {instanceType: 't3.large', count: 1},
    })
    expect(config.nodeGroups[0]).toMatchObject({instanceType: 't3.xlarge', minSize: 2, spot: true})

    // The cost quoted is the price table's: t3.large on-demand + 2 × t3.xlarge, one NAT gateway,
    // two NLBs (API, ingress) and 360 GiB of gp3 (64 + 2 × 128 root, 2 × 20 etcd), over 48h.
    const infra = table.infrastructure
    const fixed = infra.natGatewayPerHour + 2 * infra.networkLoadBalancerPerHour + ((64 + 2 * 128 + 2 * 20) * infra.ebsGp3PerGbMonth) / infra.hoursPerMonth
    const onDemand = prices['t3.large']!.onDemand + 2 * prices['t3.xlarge']!.onDemand + fixed
    const spot = prices['t3.large']!.onDemand + 2 * prices['t3.xlarge']!.spot + fixed
    expect(result.cost.hourly.onDemand).toBeCloseTo(onDemand, 4)
    expect(result.cost.total.onDemand).toBeCloseTo(onDemand * 48, 2)
    expect(result.cost.total.spot).toBeCloseTo(spot * 48, 2)
    const shown = t.logs.join('\n')
    expect(shown).toContain(`$${(onDemand * 48).toFixed(2)}`)
    expect(shown).toContain(`$${(spot * 48).toFixed(2)}  ← this sandbox`)
    expect(shown).toContain('AWS public pricing, eu-central-1, Linux, as of')
    expect(shown).toMatch(/NAT gateway\s+1 × one per zone/)
    expect(shown).toMatch(/load balancer\s+2 × NLB: API, ingress/)
    expect(shown).toMatch(/EBS gp3\s+360 GiB: root 1×64 \+ 2×128, etcd 2×20/)

    // Then the same create as `cluster create -f FILE --yes`.
    expect(t.created).toEqual([FILE])
    expect(result).toMatchObject({cluster: 'alice.sandbox.k8s.acme.de', file: FILE, ownerSource: 'aws-identity', written: true, create: {cluster: 'created'}})
  })

  it('asks for the owner with nothing filled in when neither the AWS identity nor git knows an e-mail', async () => {
    const t = setup({identity: new FakeIdentity().withCaller({arn: 'arn:aws:iam::123456789012:user/ci-bot'}), git: new StaticGitConfig(undefined), prompter: new FakePrompter().answering('alice', 'not-an-email', 'bob@acme.de', ENTER, ENTER, true)})
    const result = await t.run()
    expect(questions(t.prompter)[1]).toBe(`input: ${OWNER_QUESTION}`)
    expect(t.prompter.asked[1]?.default).toBeUndefined()
    expect(t.prompter.asked[1]?.rejected).toEqual(['expected an e-mail address, e.g. alice@acme.de'])
    expect(result).toMatchObject({owner: 'bob@acme.de', ownerSource: 'answer', size: 'small', ttl: '72h', expiresAt: '2026-05-04T10:00:00Z'})
  })

  it('falls back to git config user.email when the AWS identity carries no e-mail', async () => {
    const t = setup({identity: new FakeIdentity().withCaller({arn: 'arn:aws:iam::123456789012:user/ci-bot'}), git: new StaticGitConfig('carol@acme.de'), prompter: new FakePrompter().answering('carol', ENTER, ENTER, ENTER, true)})
    const result = await t.run()
    expect(result).toMatchObject({owner: 'carol@acme.de', ownerSource: 'git-config'})
    expect(t.prompter.asked.map((q) => q.kind)).toEqual(['input', 'input', 'select', 'input', 'confirm'])
    expect(t.prompter.asked[1]).toMatchObject({message: `${OWNER_QUESTION}, from your git config user.email`, default: 'carol@acme.de'})
  })

  it('lets the filled-in owner be edited', async () => {
    const t = setup({prompter: new FakePrompter().answering('alice', 'team-lead@acme.de', ENTER, ENTER, true)})
    const result = await t.run()
    expect(result).toMatchObject({owner: 'team-lead@acme.de', ownerSource: 'answer'})
    expect(validateClusterFile(t.files.files.get(FILE) ?? '', FILE, {now: NOW}).owner).toBe('team-lead@acme.de')
  })

  it('asks nothing when every answer is a flag and --yes is given', async () => {
    const t = setup({prompter: new FakePrompter()})
    const result = await t.run({name: 'alice', owner: 'dave@acme.de', size: 'large', ttl: '3d', yes: true})
    expect(t.prompter.asked).toEqual([])
    // The credentials and kops checks still run: the create step needs both.
    expect(t.identity.calls).toBe(1)
    expect(t.kops.calls.map((c) => c.method)).toContain('version')
    expect(result).toMatchObject({owner: 'dave@acme.de', ownerSource: 'flag', size: 'large', expiresAt: '2026-05-04T10:00:00Z', written: true})
    expect(t.created).toEqual([FILE])
  })

  it('re-asks a name that is not a DNS label, and one whose cluster file exists already', async () => {
    const files = new MemoryFiles().with(FILE, 'taken')
    const t = setup({files, prompter: new FakePrompter().answering('Alice_1', 'alice', 'alice-2', ENTER, ENTER, ENTER, true)})
    const result = await t.run()
    expect(t.prompter.asked[0]?.rejected[0]).toContain('"Alice_1" is not a DNS label')
    expect(t.logs.join('\n')).toContain(`${FILE} exists already`)
    expect(result.cluster).toBe('alice-2.sandbox.k8s.acme.de')
    expect(files.files.get(FILE)).toBe('taken')
  })

  it('refuses a --name whose cluster exists in the state store (exit 2), before asking anything', async () => {
    const store = new FakeStateStore().withBucket(BUCKET).withObject(BUCKET, 'alice.sandbox.k8s.acme.de/config', 'kind: Cluster')
    const t = setup({store})
    const error = await t.run({name: 'alice'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).message).toContain(`a cluster named alice.sandbox.k8s.acme.de exists in s3://${BUCKET} already`)
    expect(t.prompter.asked).toEqual([])
    expect(t.files.writes).toEqual([])
  })

  it('refuses a --ttl beyond 14 days with exit 2, explaining the cap, and asks nothing', async () => {
    const t = setup()
    const error = await t.run({name: 'alice', ttl: '15d'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).exitCode).toBe(2)
    expect((error as UsageError).message).toMatch(/--ttl 15d: .*at most 14 days \(336h\)/)
    expect(t.prompter.asked).toEqual([])
  })

  it('re-asks a lifetime beyond the cap', async () => {
    const t = setup({prompter: new FakePrompter().answering('alice', ENTER, ENTER, '400h', '14d', true)})
    const result = await t.run()
    expect(t.prompter.asked[3]?.rejected[0]).toContain('at most 14 days')
    expect(result).toMatchObject({ttl: '14d', expiresAt: '2026-05-15T10:00:00Z'})
  })

  it('Ctrl-C at a question: exit 130, nothing written, nothing created', async () => {
    const t = setup({prompter: new FakePrompter().answering('alice', ENTER, CTRL_C)})
    const error = await t.run().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InterruptedError)
    expect((error as InterruptedError).exitCode).toBe(130)
    expect((error as InterruptedError).message).toBe(`interrupted at the question "${SIZE_QUESTION}"; nothing was written`)
    expect(t.files.writes).toEqual([])
    expect(t.created).toEqual([])
  })

  it('"no" at the confirmation: DeclinedError (exit 9), nothing written, nothing created', async () => {
    const t = setup({prompter: new FakePrompter().answering('alice', ENTER, ENTER, ENTER, false)})
    const error = await t.run().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeclinedError)
    expect(error).toMatchObject({exitCode: 9, code: 'declined', message: 'not creating alice.sandbox.k8s.acme.de: answered no; nothing was written'})
    expect(t.files.writes).toEqual([])
    expect(t.created).toEqual([])
  })

  it('without a terminal, names every missing flag in one exit-2 error and asks nothing', async () => {
    const t = setup({prompter: new FakePrompter(false), identity: new FakeIdentity().withoutCredentials()})
    const error = await t.run({bucket: undefined}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).message).toBe('sandbox create cannot ask questions in a non-interactive run; pass --name NAME --owner EMAIL --state s3://BUCKET --yes')
    expect((error as UsageError).details).toEqual({missingFlags: ['--name', '--owner', '--state', '--yes']})
    expect(t.files.writes).toEqual([])
  })

  it('without a terminal but with the flags, uses the defaults (small, 72h) and the inferred owner', async () => {
    const t = setup({prompter: new FakePrompter(false)})
    const result = await t.run({name: 'alice', yes: true})
    expect(result).toMatchObject({size: 'small', ttl: '72h', owner: 'alice@acme.de', written: true})
    expect(t.created).toEqual([FILE])
  })

  it('--dry-run writes nothing, creates nothing, reads nothing remote, yet shows the file and the cost', async () => {
    const t = setup({prompter: new FakePrompter(false)})
    const result = await t.run({name: 'alice', owner: 'alice@acme.de', dryRun: true})
    expect(t.files.writes).toEqual([])
    expect(t.created).toEqual([])
    expect(t.store.calls).toEqual([])
    expect(t.kops.calls).toEqual([])
    expect(t.identity.calls).toBe(0)
    expect(result).toMatchObject({dryRun: true, written: false})
    expect(validateClusterFile(result.content, FILE, {now: NOW}).expiresAt).toBe('2026-05-04T10:00:00Z')
    expect(t.logs.join('\n')).toContain(`Dry run: would write ${FILE}`)
  })

  it('keeps the written file when create fails, so `cluster create -f` can resume', async () => {
    const t = setup()
    const ports = {
      prompter: new FakePrompter(false), files: t.files, packageFiles, clock: new FixedClock(NOW),
      identity: async () => new FakeIdentity(), gitConfig: async () => new StaticGitConfig(undefined), stateStore: async () => t.store, kops: async () => t.kops, log: () => {},
    }
    const failing = async () => {
      throw new ApiError('S3 CreateBucket failed')
    }
    await expect(createSandbox(ports, {zone: ZONE, bucket: BUCKET, name: 'alice', yes: true, dryRun: false}, failing)).rejects.toThrow('S3 CreateBucket failed')
    expect(t.files.writes).toEqual([FILE])
  })

  it('no credentials: exit 4 before the first question, pointing at doctor; nothing written', async () => {
    const t = setup({identity: new FakeIdentity().withoutCredentials(), git: new StaticGitConfig('alice@acme.de')})
    const error = await t.run().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PreconditionError)
    expect((error as PreconditionError).message).toBe('No AWS credentials found')
    expect(t.prompter.asked).toEqual([])
    expect(t.kops.calls).toEqual([])
    expect(t.files.writes).toEqual([])
  })

  it('a kops too old for the sandbox Kubernetes version: exit 4 before the first question', async () => {
    const t = setup({kops: new FakeKops('1.30.4')})
    const error = await t.run().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PreconditionError)
    expect((error as PreconditionError).message).toMatch(/^kops 1\.30 supports Kubernetes .*needs kops 1\.\d+ or newer \(you have kops 1\.30\.4\)$/)
    expect((error as PreconditionError).suggestions).toContain(DOCTOR_SUGGESTION)
    expect(t.prompter.asked).toEqual([])
  })

  it('the size menu shows what each size costs per hour as this sandbox would run it', async () => {
    const t = setup({prompter: new FakePrompter().answering('alice', ENTER, 'large', ENTER, true)})
    const result = await t.run()
    const menu = t.prompter.asked.find((q) => q.kind === 'select')
    expect(menu?.choiceNames).toHaveLength(3)
    // The price beside "large" is the spot-node hourly price of the estimate the run then shows.
    expect(menu?.choiceNames?.[2]).toBe(`large — control plane m7i.large, 2–6 × m7i.xlarge spot nodes (load tests, production-like node types) — $${result.cost.hourly.spot.toFixed(2)}/h, about $${(result.cost.hourly.spot * 24).toFixed(2)}/day`)
    const small = estimateCost(table, costInputOf(validateClusterFile(result.content.replace(/m7i\.xlarge/g, 't3.large').replace(/m7i\.large/g, 't3.medium').replace('minSize: 2', 'minSize: 1').replace('maxSize: 6', 'maxSize: 3'), FILE, {now: NOW})), 3_600_000)
    expect(menu?.choiceNames?.[0]).toContain(`$${small.hourly.spot.toFixed(2)}/h`)
  })
})
