import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {validateClusterFile} from '../../../src/core/config/validate.js'
import {ApiError, DeclinedError, InterruptedError, UsageError} from '../../../src/core/errors.js'
import {parsePriceTable} from '../../../src/core/sandbox/cost.js'
import {createSandbox, type SandboxCreateInput} from '../../../src/services/sandbox-create.js'
import {FakeIdentity} from '../../fakes/fake-identity.js'
import {CTRL_C, ENTER, FakePrompter} from '../../fakes/fake-prompter.js'
import {FakeStateStore} from '../../fakes/fake-state-store.js'
import {FixedClock, MemoryFiles, StaticGitConfig, packageFiles} from './support.js'

const NOW = new Date('2026-05-01T10:00:00Z')
const ZONE = 'sandbox.k8s.acme.de'
const BUCKET = 'acme-kops-state'
const FILE = 'clusters/alice.sandbox.k8s.acme.de.yaml'
const prices = parsePriceTable(readFileSync(new URL('../../../data/prices-eu-central-1.json', import.meta.url), 'utf8')).prices

interface Setup {
  prompter?: FakePrompter
  identity?: FakeIdentity
  git?: StaticGitConfig
  files?: MemoryFiles
  store?: FakeStateStore
}

function setup(s: Setup = {}) {
  const prompter = s.prompter ?? new FakePrompter()
  const identity = s.identity ?? new FakeIdentity() // arn ends in alice@acme.de
  const git = s.git ?? new StaticGitConfig(undefined)
  const files = s.files ?? new MemoryFiles()
  const store = s.store ?? new FakeStateStore().withBucket(BUCKET)
  const logs: string[] = []
  const created: string[] = []
  const ports = {
    prompter, files, packageFiles, clock: new FixedClock(NOW),
    identity: async () => identity, gitConfig: async () => git, stateStore: async () => store,
    log: (line: string) => logs.push(line),
  }
  const runCreate = async (file: string) => {
    created.push(file)
    return {cluster: 'created', file}
  }
  const run = (input: Partial<SandboxCreateInput> = {}) => createSandbox(ports, {zone: ZONE, bucket: BUCKET, yes: false, dryRun: false, ...input}, runCreate)
  return {prompter, identity, git, files, store, logs, created, run}
}

const questions = (p: FakePrompter) => p.asked.map((q) => `${q.kind}: ${q.message}`)

describe('sandbox create wizard', () => {
  it('asks name, size and lifetime — not the owner it can infer — then shows the cost, writes a valid file and creates it', async () => {
    const t = setup({prompter: new FakePrompter().answering('alice', 'medium', '48h', true)})
    const result = await t.run()

    expect(questions(t.prompter)).toEqual([
      `input: Cluster name (under ${ZONE})`,
      'select: Size',
      'input: Lifetime (at most 14d; extend later with `kopsmith sandbox extend`)',
      `confirm: Write ${FILE} and create the sandbox now? It takes about 15 minutes.`,
    ])
    expect(t.prompter.asked[1]).toMatchObject({choices: ['small', 'medium', 'large'], default: 'small'})
    expect(t.prompter.asked[2]).toMatchObject({default: '72h'})
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

    // The cost quoted is the price table's: t3.large on-demand + 2 × t3.xlarge, over 48h.
    const onDemand = prices['t3.large']!.onDemand + 2 * prices['t3.xlarge']!.onDemand
    const spot = prices['t3.large']!.onDemand + 2 * prices['t3.xlarge']!.spot
    expect(result.cost.hourly.onDemand).toBeCloseTo(onDemand, 4)
    expect(result.cost.total.onDemand).toBeCloseTo(onDemand * 48, 2)
    expect(result.cost.total.spot).toBeCloseTo(spot * 48, 2)
    const shown = t.logs.join('\n')
    expect(shown).toContain(`$${(onDemand * 48).toFixed(2)}`)
    expect(shown).toContain(`$${(spot * 48).toFixed(2)}  ← this sandbox`)
    expect(shown).toContain('AWS public pricing, eu-central-1, Linux, as of')
    expect(shown).toContain('Owner: alice@acme.de (from your AWS caller identity')

    // Then the same create as `cluster create -f FILE --yes`.
    expect(t.created).toEqual([FILE])
    expect(result).toMatchObject({cluster: 'alice.sandbox.k8s.acme.de', file: FILE, ownerSource: 'aws-identity', written: true, create: {cluster: 'created'}})
  })

  it('asks for the owner only when neither the AWS identity nor git knows an e-mail', async () => {
    const t = setup({identity: new FakeIdentity().withoutCredentials(), git: new StaticGitConfig(undefined), prompter: new FakePrompter().answering('alice', 'not-an-email', 'bob@acme.de', ENTER, ENTER, true)})
    const result = await t.run()
    expect(questions(t.prompter)[1]).toBe('input: Owner e-mail (who answers for this sandbox)')
    expect(t.prompter.asked[1]?.rejected).toEqual(['expected an e-mail address, e.g. alice@acme.de'])
    expect(result).toMatchObject({owner: 'bob@acme.de', ownerSource: 'answer', size: 'small', ttl: '72h', expiresAt: '2026-05-04T10:00:00Z'})
  })

  it('falls back to git config user.email when the AWS identity carries no e-mail', async () => {
    const t = setup({identity: new FakeIdentity().withCaller({arn: 'arn:aws:iam::123456789012:user/ci-bot'}), git: new StaticGitConfig('carol@acme.de'), prompter: new FakePrompter().answering('carol', ENTER, ENTER, true)})
    const result = await t.run()
    expect(result).toMatchObject({owner: 'carol@acme.de', ownerSource: 'git-config'})
    expect(t.prompter.asked.map((q) => q.kind)).toEqual(['input', 'select', 'input', 'confirm'])
  })

  it('asks nothing when every answer is a flag and --yes is given', async () => {
    const t = setup({prompter: new FakePrompter()})
    const result = await t.run({name: 'alice', owner: 'dave@acme.de', size: 'large', ttl: '3d', yes: true})
    expect(t.prompter.asked).toEqual([])
    expect(t.identity.calls).toBe(0)
    expect(result).toMatchObject({owner: 'dave@acme.de', ownerSource: 'flag', size: 'large', expiresAt: '2026-05-04T10:00:00Z', written: true})
    expect(t.created).toEqual([FILE])
  })

  it('re-asks a name that is not a DNS label, and one whose cluster file exists already', async () => {
    const files = new MemoryFiles().with(FILE, 'taken')
    const t = setup({files, prompter: new FakePrompter().answering('Alice_1', 'alice', 'alice-2', ENTER, ENTER, true)})
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
    const t = setup({prompter: new FakePrompter().answering('alice', ENTER, '400h', '14d', true)})
    const result = await t.run()
    expect(t.prompter.asked[2]?.rejected[0]).toContain('at most 14 days')
    expect(result).toMatchObject({ttl: '14d', expiresAt: '2026-05-15T10:00:00Z'})
  })

  it('Ctrl-C at a question: exit 130, nothing written, nothing created', async () => {
    const t = setup({prompter: new FakePrompter().answering('alice', CTRL_C)})
    const error = await t.run().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InterruptedError)
    expect((error as InterruptedError).exitCode).toBe(130)
    expect((error as InterruptedError).message).toBe('interrupted at the question "Size"; nothing was written')
    expect(t.files.writes).toEqual([])
    expect(t.created).toEqual([])
  })

  it('"no" at the confirmation: DeclinedError (exit 9), nothing written, nothing created', async () => {
    const t = setup({prompter: new FakePrompter().answering('alice', ENTER, ENTER, false)})
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
    expect(result).toMatchObject({dryRun: true, written: false})
    expect(validateClusterFile(result.content, FILE, {now: NOW}).expiresAt).toBe('2026-05-04T10:00:00Z')
    expect(t.logs.join('\n')).toContain(`Dry run: would write ${FILE}`)
  })

  it('keeps the written file when create fails, so `cluster create -f` can resume', async () => {
    const t = setup()
    const ports = {
      prompter: new FakePrompter(false), files: t.files, packageFiles, clock: new FixedClock(NOW),
      identity: async () => new FakeIdentity(), gitConfig: async () => new StaticGitConfig(undefined), stateStore: async () => t.store, log: () => {},
    }
    const failing = async () => {
      throw new ApiError('S3 CreateBucket failed')
    }
    await expect(createSandbox(ports, {zone: ZONE, bucket: BUCKET, name: 'alice', yes: true, dryRun: false}, failing)).rejects.toThrow('S3 CreateBucket failed')
    expect(t.files.writes).toEqual([FILE])
  })
})
