import {HOUR_MS} from '../core/config/duration.js'
import {validateClusterFile} from '../core/config/validate.js'
import {DeclinedError, InterruptedError, UsageError} from '../core/errors.js'
import {bucketOfStateStore} from '../core/naming.js'
import {
  SANDBOX_DEFAULT_API_ACCESS,
  buildSandboxClusterFile,
  defaultSandboxKubernetesVersion,
  isEmail,
  ownerFromCallerArn,
  renderSandboxClusterFile,
  sandboxClusterFilePath,
  sandboxClusterName,
} from '../core/sandbox/cluster-file.js'
import {PRICE_TABLE_PATH, configuredHourly, costInputOf, estimateCost, formatCostEstimate, parsePriceTable, type CostEstimate} from '../core/sandbox/cost.js'
import {describeRelative, expiryFrom, toRfc3339} from '../core/sandbox/expiry.js'
import {SANDBOX_DEFAULT_SIZE, SANDBOX_SIZE_NAMES, describeSize, type SandboxSize} from '../core/sandbox/sizes.js'
import {SANDBOX_DEFAULT_TTL, checkSandboxTtl, describeDuration} from '../core/sandbox/ttl.js'
import type {CallerIdentity, Clock, GitConfig, Identity, Kops, PackageFiles, Prompter, StateStore, UserFiles} from '../ports.js'
import {checkKopsSupports} from './kops-preflight.js'

export interface SandboxCreateInput {
  /** `--name`: a label (`alice`) or the full name under `zone`. */
  name?: string
  owner?: string
  size?: SandboxSize
  ttl?: string
  /** `--zone`: the sandbox DNS zone; the cluster name lives under it. */
  zone: string
  bucket?: string
  kubernetesVersion?: string
  apiAccess?: string[]
  yes: boolean
  dryRun: boolean
}

export interface SandboxCreatePorts {
  prompter: Prompter
  files: UserFiles
  packageFiles: PackageFiles
  clock: Clock
  /** Who is asking: the owner's e-mail may be in it, and a real run needs working credentials. A dry run with --owner never calls it. */
  identity: () => Promise<Identity>
  gitConfig: () => Promise<GitConfig>
  /** Called only on a real run, before the first question: the kops that will create the cluster. */
  kops: () => Promise<Kops>
  /** Called only on a real run, to make sure the name is not taken in the state store. */
  stateStore: () => Promise<StateStore>
  log: (line: string) => void
}

/** What the wizard's last step runs: the same thing `cluster create -f FILE --yes` runs. */
export type RunCreate = (file: string) => Promise<unknown>

export type OwnerSource = 'flag' | 'aws-identity' | 'git-config' | 'answer'

export interface SandboxCreateResult {
  cluster: string
  file: string
  owner: string
  ownerSource: OwnerSource
  size: SandboxSize
  ttl: string
  expiresAt: string
  cost: CostEstimate
  dryRun: boolean
  /** False on a dry run. */
  written: boolean
  /** The cluster file (always, so a dry run shows exactly what would be written). */
  content: string
  /** What the create step returned. */
  create?: unknown
}

/**
 * `kopsmith sandbox create`: asks only what it cannot infer, shows the cost, writes
 * `clusters/<name>.yaml` and — after confirmation — creates the cluster through `runCreate`.
 *
 * Every answer is a flag. Without a terminal nothing is asked: the run fails with exit 2 naming
 * every missing flag at once. A run that will create the cluster first checks what it needs from
 * the machine — AWS credentials and a kops that can drive the Kubernetes version — so a new hire
 * never answers the questions only to be told that (exit 4). The owner is offered for editing,
 * filled in from --owner, an e-mail in the AWS caller identity or `git config user.email`; the
 * size menu shows each size's price per hour. Nothing is written before the confirmation, which
 * defaults to no: Ctrl-C at any question exits 130, "no" exits 9 (DeclinedError).
 */
export async function createSandbox(ports: SandboxCreatePorts, input: SandboxCreateInput, runCreate: RunCreate): Promise<SandboxCreateResult> {
  const {prompter, log} = ports
  const zone = input.zone
  const flagged = checkFlags(input)
  const kubernetesVersion = input.kubernetesVersion ?? defaultSandboxKubernetesVersion()
  const caller = flagged.owner && input.dryRun ? undefined : await callerIdentity(ports)
  const inferred = flagged.owner ? undefined : await inferOwner(ports, caller)
  if (!prompter.interactive) requireFlags(input, flagged.name, flagged.owner ?? inferred?.owner)
  if (!input.dryRun) await checkEnvironment(ports, caller, kubernetesVersion)

  try {
    const bucket = input.bucket ?? (await askBucket(prompter))
    let name = flagged.name ?? (await askName(prompter, zone))
    name = await ensureNameFree(ports, {zone, bucket, dryRun: input.dryRun}, name, Boolean(flagged.name))
    const file = sandboxClusterFilePath(name)
    const {owner, ownerSource} = await chooseOwner(prompter, flagged.owner, inferred)
    if (inferred && !prompter.interactive) log(`Owner: ${inferred.owner} (from your ${describeOwnerSource(inferred.ownerSource)}; pass --owner to change it)`)

    const now = ports.clock.now()
    const table = parsePriceTable(await ports.packageFiles.read(PRICE_TABLE_PATH))
    const apiAccess = input.apiAccess ?? SANDBOX_DEFAULT_API_ACCESS
    const draft = (size: SandboxSize, ttl: string, ttlMs: number) => {
      const expiresAt = expiryFrom(now, ttlMs)
      const content = renderSandboxClusterFile(buildSandboxClusterFile({name, zone, bucket, owner, size, ttl, expiresAt, kubernetesVersion, apiAccess}), size, toRfc3339(now))
      // The file must be one `cluster create` accepts; a file we cannot read back is our bug, caught before writing.
      const config = validateClusterFile(content, file, {now})
      return {content, expiresAt, cost: estimateCost(table, costInputOf(config), ttlMs)}
    }
    const size = input.size ?? (prompter.interactive ? await askSize(prompter, (s) => draft(s, SANDBOX_DEFAULT_TTL, HOUR_MS).cost) : SANDBOX_DEFAULT_SIZE)
    const ttl = input.ttl ?? (prompter.interactive ? await askTtl(prompter) : SANDBOX_DEFAULT_TTL)
    const ttlMs = ttlOrThrow(ttl)
    const {content, expiresAt, cost} = draft(size, ttl, ttlMs)

    log('')
    log(`Sandbox ${name}`)
    log(`  file:     ${file}`)
    log(`  owner:    ${owner}`)
    log(`  size:     ${describeSize(size)}`)
    log(`  lifetime: ${describeDuration(ttlMs)}, expires ${expiresAt} (${describeRelative(expiresAt, now)}); then \`kopsmith cluster reap\` deletes it`)
    log(`  state:    s3://${bucket}/${name}`)
    log('')
    log(formatCostEstimate(cost))
    const result = {cluster: name, file, owner, ownerSource, size, ttl, expiresAt, cost, dryRun: input.dryRun, written: false, content}

    if (input.dryRun) {
      log('')
      log(`Dry run: would write ${file}:`)
      log(content)
      return result
    }
    if (!input.yes && !(await prompter.confirm(`Write ${file} and create the sandbox now? It takes about 15 minutes.`, false))) {
      throw new DeclinedError(`not creating ${name}: answered no; nothing was written`)
    }
    await ports.files.write(file, content)
    log(`Wrote ${file}. Creating the cluster; if this stops, resume with: kopsmith cluster create -f ${file} --yes`)
    const create = await runCreate(file)
    return {...result, written: true, create}
  } catch (error) {
    if (error instanceof InterruptedError) {
      throw new InterruptedError(`${error.message}; nothing was written`, {cause: error, suggestions: ['Run `kopsmith sandbox create` again when you are ready']})
    }
    throw error
  }
}

type Caller = {ok: true; identity: CallerIdentity} | {ok: false; error: unknown}

async function callerIdentity(ports: SandboxCreatePorts): Promise<Caller> {
  try {
    return {ok: true, identity: await (await ports.identity()).whoAmI()}
  } catch (error) {
    return {ok: false, error}
  }
}

/**
 * What creating the sandbox will need from this machine, checked before the first question:
 * usable AWS credentials (the create step stops there otherwise) and a kops that can drive the
 * Kubernetes version (checkKopsSupports, as `cluster create` checks it). Both fail with exit 4.
 */
async function checkEnvironment(ports: SandboxCreatePorts, caller: Caller | undefined, kubernetesVersion: string): Promise<void> {
  const who = caller ?? (await callerIdentity(ports))
  if (!who.ok) throw who.error
  await checkKopsSupports(await ports.kops(), kubernetesVersion)
}

interface CheckedFlags {
  name?: string
  owner?: string
}

/** Flags are explicit: a bad value is an error (exit 2), not a reason to ask. */
function checkFlags(input: SandboxCreateInput): CheckedFlags {
  const out: CheckedFlags = {}
  if (input.name !== undefined) {
    const verdict = sandboxClusterName(input.name, input.zone)
    if (!verdict.ok) throw new UsageError(`--name ${input.name}: ${verdict.problem}`)
    out.name = verdict.name
  }
  if (input.owner !== undefined) {
    if (!isEmail(input.owner)) throw new UsageError(`--owner ${input.owner}: expected an e-mail address, e.g. alice@acme.de`)
    out.owner = input.owner
  }
  if (input.ttl !== undefined) ttlOrThrow(input.ttl)
  return out
}

function ttlOrThrow(ttl: string): number {
  const verdict = checkSandboxTtl(ttl)
  if (!verdict.ok) throw new UsageError(`--ttl ${ttl}: ${verdict.problem}`, {suggestions: ['Use --ttl 72h (the default) or up to --ttl 14d']})
  return verdict.ms
}

/** In a non-interactive run every missing answer is named at once, so one retry is enough. */
function requireFlags(input: SandboxCreateInput, name: string | undefined, owner: string | undefined): void {
  const missing = [
    name === undefined ? '--name NAME' : undefined,
    owner === undefined ? '--owner EMAIL' : undefined,
    input.bucket === undefined ? '--state s3://BUCKET' : undefined,
    !input.yes && !input.dryRun ? '--yes' : undefined,
  ].filter((x): x is string => x !== undefined)
  if (missing.length === 0) return
  throw new UsageError(`sandbox create cannot ask questions in a non-interactive run; pass ${missing.join(' ')}`, {
    suggestions: [
      `kopsmith sandbox create ${missing.join(' ')}${input.size ? '' : ' [--size small|medium|large]'}${input.ttl ? '' : ' [--ttl 72h]'}`,
      `Without --size and --ttl a sandbox is ${SANDBOX_DEFAULT_SIZE} and lives ${SANDBOX_DEFAULT_TTL}`,
      'Or run it in a terminal and answer the questions',
    ],
    details: {missingFlags: missing.map((m) => m.split(' ')[0])},
  })
}

async function inferOwner(ports: SandboxCreatePorts, caller: Caller | undefined): Promise<{owner: string; ownerSource: OwnerSource} | undefined> {
  // No credentials is normal for a new hire's first dry run; git may still know who they are.
  const owner = caller?.ok ? ownerFromCallerArn(caller.identity.arn) : undefined
  if (owner) return {owner, ownerSource: 'aws-identity'}
  try {
    const email = await (await ports.gitConfig()).userEmail()
    if (email && isEmail(email)) return {owner: email, ownerSource: 'git-config'}
  } catch {
    // Same: the question is the fallback.
  }
  return undefined
}

function describeOwnerSource(source: OwnerSource): string {
  return source === 'aws-identity' ? 'AWS caller identity' : 'git config user.email'
}

/** --owner as given; otherwise, in a terminal, the inferred owner offered for editing (Enter keeps it). */
async function chooseOwner(prompter: Prompter, flagged: string | undefined, inferred: {owner: string; ownerSource: OwnerSource} | undefined): Promise<{owner: string; ownerSource: OwnerSource}> {
  if (flagged) return {owner: flagged, ownerSource: 'flag'}
  if (!prompter.interactive) {
    // requireFlags has made sure there is one.
    if (!inferred) throw new UsageError('sandbox create needs --owner EMAIL in a non-interactive run')
    return inferred
  }
  const answer = await prompter.input(`Owner e-mail (who answers for this sandbox)${inferred ? `, from your ${describeOwnerSource(inferred.ownerSource)}` : ''}`, {
    ...(inferred ? {default: inferred.owner} : {}),
    validate: (v) => (isEmail(v.trim()) ? true : 'expected an e-mail address, e.g. alice@acme.de'),
  })
  return inferred && answer === inferred.owner ? inferred : {owner: answer, ownerSource: 'answer'}
}

async function askName(prompter: Prompter, zone: string): Promise<string> {
  const answer = await prompter.input(`Cluster name (under ${zone})`, {
    validate: (v) => {
      const verdict = sandboxClusterName(v, zone)
      return verdict.ok ? true : verdict.problem
    },
  })
  const verdict = sandboxClusterName(answer, zone)
  if (!verdict.ok) throw new UsageError(verdict.problem)
  return verdict.name
}

/**
 * A sandbox must not take over an existing cluster: neither a file in clusters/ nor (on a real
 * run) a cluster in the state store may have the name. In a terminal a taken name is asked again.
 */
async function ensureNameFree(ports: SandboxCreatePorts, input: {zone: string; bucket: string; dryRun: boolean}, name: string, fromFlag: boolean): Promise<string> {
  for (let candidate = name; ; ) {
    const problem = await nameTaken(ports, input, candidate)
    if (problem === undefined) return candidate
    if (fromFlag || !ports.prompter.interactive) throw new UsageError(`--name ${candidate}: ${problem}`, {suggestions: ['Pick another --name']})
    ports.log(`${candidate}: ${problem}; pick another name.`)
    candidate = await askName(ports.prompter, input.zone)
  }
}

async function nameTaken(ports: SandboxCreatePorts, input: {bucket: string; dryRun: boolean}, name: string): Promise<string | undefined> {
  const file = sandboxClusterFilePath(name)
  if (await ports.files.exists(file)) return `${file} exists already (to create that cluster: kopsmith cluster create -f ${file})`
  if (input.dryRun) return undefined
  try {
    const store = await ports.stateStore()
    if ((await store.describeBucket(input.bucket)) === undefined) return undefined
    const keys = await store.listKeys(input.bucket, `${name}/`, {delimiter: '/'})
    return keys.length > 0 ? `a cluster named ${name} exists in s3://${input.bucket} already` : undefined
  } catch (error) {
    // Without S3 access the create step cannot run either, and says why (credentials, exit 4);
    // failing the wizard here, mid-questions, would only say it earlier and worse.
    ports.log(`Could not check s3://${input.bucket} for an existing ${name} (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); the create step checks again.`)
    return undefined
  }
}

/** The same forms `--state` takes: `s3://BUCKET` or `BUCKET`. */
async function askBucket(prompter: Prompter): Promise<string> {
  const answer = await prompter.input('kops state store on S3 (s3://BUCKET, e.g. s3://acme-kops-state)', {
    validate: (v) => (bucketOfStateStore(v) ? true : 'expected s3://BUCKET: a bucket name of 3-63 lowercase letters, digits, dots, hyphens'),
  })
  const bucket = bucketOfStateStore(answer)
  if (!bucket) throw new UsageError(`"${answer}" is not an S3 state store`)
  return bucket
}

/** The size menu, each entry with what that size costs per hour and per day as this sandbox would run it. */
async function askSize(prompter: Prompter, costOf: (size: SandboxSize) => CostEstimate): Promise<SandboxSize> {
  return prompter.select(
    'Size (price per hour at minimum size, spot nodes, with NAT gateway, load balancers and volumes)',
    SANDBOX_SIZE_NAMES.map((size) => {
      const perHour = configuredHourly(costOf(size))
      return {value: size, name: `${describeSize(size)} — $${perHour.toFixed(2)}/h, about $${(perHour * 24).toFixed(2)}/day`}
    }),
    SANDBOX_DEFAULT_SIZE,
  )
}

async function askTtl(prompter: Prompter): Promise<string> {
  return prompter.input('Lifetime (at most 14d; extend later with `kopsmith sandbox extend`)', {
    default: SANDBOX_DEFAULT_TTL,
    validate: (v) => {
      const verdict = checkSandboxTtl(v)
      return verdict.ok ? true : verdict.problem
    },
  })
}
