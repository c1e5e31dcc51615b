/**
 * The narrow interfaces between services and the outside world. Services depend on these only;
 * `src/adapters/**` implements them with real technology (S3, Route53, execa + kops,
 * client-node, inquirer) and `test/**` with in-memory fakes. Errors crossing a port are always
 * `CliError` subclasses from core/errors.ts — adapters translate SDK and process errors once.
 */

// ---------------------------------------------------------------- AWS: identity

export interface CallerIdentity {
  account: string
  arn: string
  userId: string
}

export interface Identity {
  /** STS GetCallerIdentity. Throws PreconditionError (exit 4) when there are no credentials. */
  whoAmI(): Promise<CallerIdentity>
}

// ---------------------------------------------------------------- AWS: S3 state store

export type BucketEncryption = {type: 'SSE-S3'} | {type: 'SSE-KMS'; kmsKeyId: string}

export interface PublicAccessBlock {
  blockPublicAcls: boolean
  ignorePublicAcls: boolean
  blockPublicPolicy: boolean
  restrictPublicBuckets: boolean
}

/** Everything we harden on a bucket, as read back from S3. */
export interface BucketState {
  name: string
  region: string
  versioning: 'Enabled' | 'Suspended' | 'Off'
  encryption: BucketEncryption | null
  publicAccessBlock: PublicAccessBlock | null
  /** Parsed bucket policy document, or null when the bucket has none. */
  policy: BucketPolicy | null
  tags: Record<string, string>
}

export interface BucketPolicy {
  Version: string
  Statement: Array<Record<string, unknown> & {Sid?: string}>
}

export interface StoredObject {
  body: string
  etag: string
  lastModified?: string
}

export interface PutObjectOptions {
  /** `*`: create only if absent (conditional put). Fails with a PreconditionFailed result. */
  ifNoneMatch?: '*'
  /** Replace only if the current ETag matches. */
  ifMatch?: string
  contentType?: string
}

export type PutObjectResult = {ok: true; etag: string} | {ok: false; reason: 'precondition-failed'}
export type DeleteObjectResult = {ok: true} | {ok: false; reason: 'precondition-failed'}

export interface StateStore {
  /** Reads back every setting we harden; undefined when the bucket does not exist. */
  describeBucket(bucket: string): Promise<BucketState | undefined>
  createBucket(bucket: string, region: string): Promise<void>
  putVersioning(bucket: string): Promise<void>
  putEncryption(bucket: string, encryption: BucketEncryption): Promise<void>
  putPublicAccessBlock(bucket: string, block: PublicAccessBlock): Promise<void>
  putPolicy(bucket: string, policy: BucketPolicy): Promise<void>
  putTags(bucket: string, tags: Record<string, string>): Promise<void>

  getObject(bucket: string, key: string): Promise<StoredObject | undefined>
  putObject(bucket: string, key: string, body: string, options?: PutObjectOptions): Promise<PutObjectResult>
  /** With `ifMatch`, deletes only when the current ETag matches (absent counts as a mismatch). */
  deleteObject(bucket: string, key: string, options?: {ifMatch?: string}): Promise<DeleteObjectResult>
  /** Keys under a prefix, sorted; `delimiter` lists only the next path segment (like `ls`). */
  listKeys(bucket: string, prefix: string, options?: {delimiter?: string}): Promise<string[]>
}

// ---------------------------------------------------------------- AWS: Route53

export interface HostedZone {
  /** Without the `/hostedzone/` prefix. */
  id: string
  /** Without the trailing dot. */
  name: string
  private: boolean
}

export interface Dns {
  /** Zones whose name equals `name` exactly (both kinds; callers filter). */
  findZones(name: string): Promise<HostedZone[]>
  /** Creates a public zone; `callerReference` makes a retry idempotent. */
  createPublicZone(name: string, callerReference: string): Promise<HostedZone>
  /** The NS record set of the zone apex (the name servers Route53 assigned). */
  zoneNameServers(zoneId: string): Promise<string[]>
  /** Values of the NS record named `recordName` in zone `zoneId`, or undefined. */
  getNsRecord(zoneId: string, recordName: string): Promise<string[] | undefined>
  /** UPSERTs an NS record; returns the change id. */
  upsertNsRecord(zoneId: string, recordName: string, values: string[], ttl: number): Promise<string>
  /** Polls GetChange until INSYNC; throws TimeoutError (exit 7), or the signal's reason once it aborts. */
  waitForChange(changeId: string, timeoutMs: number, signal?: AbortSignal): Promise<void>
  /** VPCs associated with a private zone. */
  zoneVpcs(zoneId: string): Promise<Array<{vpcId: string; region: string}>>
}

// ---------------------------------------------------------------- kops

export interface KopsVersion {
  /** e.g. `1.35.2` */
  version: string
  /** e.g. `1.35` */
  minor: string
}

export interface KopsValidationFailure {
  /** kops' `Kind`, serialized as `type`: dns, Pod, Node, InstanceGroup, Machine. */
  type: string
  name: string
  message: string
  /** Name of the instance group the failure belongs to, when kops says. */
  instanceGroup?: string
}

export interface KopsValidationNode {
  name: string
  zone?: string
  role: string
  hostname?: string
  /** `True`, `False` or `Unknown` (the node's Ready condition). */
  status: string
}

export interface KopsValidation {
  failures: KopsValidationFailure[]
  nodes: KopsValidationNode[]
}

export interface KopsRunOptions {
  /** Streamed output lines (stdout and stderr), for the progress display. */
  onOutput?: (line: string) => void
  /** Aborting stops the child: SIGTERM, then SIGKILL after a grace period. */
  signal?: AbortSignal
  /** The call fails with TimeoutError (exit 7) after this long. */
  timeoutMs?: number
}

export type InstanceGroupRole = 'control-plane' | 'apiserver' | 'node' | 'bastion'

export interface RollingUpdateOptions extends KopsRunOptions {
  yes: boolean
  instanceGroupRoles?: InstanceGroupRole[]
  /** kops duration, e.g. `15m`. */
  drainTimeout?: string
  validationTimeout?: string
}

export interface UpdateClusterOptions extends KopsRunOptions {
  yes: boolean
  instanceGroupRoles?: InstanceGroupRole[]
  prune?: boolean
}

/**
 * Everything kopsmith asks of the kops binary (see kops-contract.md). Calls that touch a state
 * store need a bound instance: `kops.withStateStore('s3://bucket', {logFile})`.
 */
export interface Kops {
  /** The same binary, bound to a state store (`KOPS_STATE_STORE`) and appending its output to `logFile`. */
  withStateStore(stateStore: string, options?: {logFile?: string}): Kops
  /** Asked once per instance; the first caller's `signal` stops that one call. */
  version(options?: Pick<KopsRunOptions, 'signal'>): Promise<KopsVersion>
  /** `kops get clusters -o json`: [] on an empty store (kops exits 1 there). */
  listClusters(options?: KopsRunOptions): Promise<Array<Record<string, unknown>>>
  /** `kops get cluster NAME -o json` → the stored Cluster object, or undefined when absent. */
  getCluster(name: string, options?: KopsRunOptions): Promise<Record<string, unknown> | undefined>
  /** `kops get ig --name NAME -o json` → stored InstanceGroups ([] when the cluster or its groups are absent). */
  getInstanceGroups(name: string, options?: KopsRunOptions): Promise<Array<Record<string, unknown>>>
  createFromFile(file: string, options?: KopsRunOptions): Promise<void>
  replaceFromFile(file: string, options?: KopsRunOptions & {force?: boolean}): Promise<void>
  /** `kops replace -f` of objects given as YAML/JSON text; the adapter owns the temporary file (mode 0600). */
  replaceFromContent(content: string, options?: KopsRunOptions & {force?: boolean}): Promise<void>
  /** `kops get secrets encryptionconfig --name NAME`: whether the secret exists (its value is never read). */
  hasEncryptionConfig(name: string, options?: KopsRunOptions): Promise<boolean>
  /**
   * `kops create secret encryptionconfig -f -`: the EncryptionConfiguration travels on kops' standard
   * input, so the key is never written to a disk; never echoed to logs or error messages.
   */
  createEncryptionConfigSecret(name: string, content: string, options?: KopsRunOptions): Promise<void>
  /** `kops update cluster`; without `yes` returns whether changes are pending (dry-run). */
  updateCluster(name: string, options: UpdateClusterOptions): Promise<{changesPending: boolean; output: string}>
  /** One `kops validate cluster -o json` attempt, never with `--wait`. Unhealthy is a result, not an error. */
  validateCluster(name: string, options?: KopsRunOptions): Promise<{healthy: boolean; result: KopsValidation}>
  exportKubeconfig(name: string, kubeconfigPath: string, options?: KopsRunOptions): Promise<void>
  /** Without `yes`: the preview table's rows in `groups`; `needsUpdate` lists the groups kops would roll. */
  rollingUpdate(name: string, options: RollingUpdateOptions): Promise<{output: string; needsUpdate: string[]; groups: RollingUpdateGroup[]}>
  /** kops ≥ 1.31 only. */
  reconcileCluster(name: string, options: KopsRunOptions & {yes: boolean}): Promise<{output: string}>
  /** Without `yes`: the preview of cloud resources kops would delete. */
  deleteCluster(name: string, options: KopsRunOptions & {yes: boolean}): Promise<{output: string; resources: KopsResource[]}>
}

/** One row of `kops rolling-update cluster`'s preview table (`NAME STATUS NEEDUPDATE READY MIN TARGET MAX NODES`). */
export interface RollingUpdateGroup {
  name: string
  /** `Ready`, or `NeedsUpdate` when at least one instance runs an outdated launch template. */
  status: string
  /** Instances kops would replace now. */
  needUpdate: number
  /** Instances already on the group's current spec. */
  ready: number
  min: number
  /** The group's desired size: the instances it runs. */
  target: number
  max: number
  /** Of its instances, those registered as Kubernetes nodes; null when kops leaves the column out (`--cloudonly`). */
  nodes: number | null
}

/** One row of `kops delete cluster`'s preview table. */
export interface KopsResource {
  type: string
  name: string
  id: string
}

// ---------------------------------------------------------------- Kubernetes

export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: {name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown}
  [key: string]: unknown
}

export interface ApplyOptions {
  fieldManager: string
  force: boolean
  dryRun?: boolean
}

export interface KubeResourceRef {
  apiVersion: string
  kind: string
  name: string
  namespace?: string
}

/**
 * Which kubeconfig and context to use, and for which cluster. The adapter loads kubeconfigs as
 * kubectl does (`kubeconfig` alone, else the KUBECONFIG list merged, else kopsmith's own export of
 * `cluster`, else ~/.kube/config) and refuses (RefusedError, exit 9) a context whose server is not
 * the API of `cluster`, unless the user named the `context`.
 */
export interface KubeTarget {
  /** `--kubeconfig PATH`: that one file. */
  kubeconfig?: string
  /** `--context NAME`, named by the user: used as it is. */
  context?: string
  /** The cluster the command acts on (`-f`, `--cluster`). */
  cluster?: string
}

export interface Kube {
  /**
   * Server-side apply (PATCH application/apply-patch+yaml). A field-ownership conflict (409) throws
   * ApiError with `details: {reason: 'Conflict', conflicts: [{manager, field, message}]}`; other API
   * failures throw ApiError with `details.status`.
   */
  apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject>
  /** undefined when the object (or its kind) does not exist. */
  get(ref: KubeResourceRef): Promise<KubeObject | undefined>
  /** Objects of a kind carrying all `labels`, across namespaces ([] when the kind is not served). */
  list(apiVersion: string, kind: string, labels: Record<string, string>): Promise<KubeObject[]>
  /**
   * Deletes in the background (dependents are garbage-collected); absent objects are not an error.
   * With `preconditions`, only the object with that uid (and resourceVersion) is deleted: one that
   * was replaced or changed since it was read throws ApiError with `details: {status: 409, reason:
   * 'Conflict'}`.
   */
  delete(ref: KubeResourceRef, preconditions?: {uid?: string; resourceVersion?: string}): Promise<void>
  /** Whether the API serves this group/version/kind (discovery; re-read when a kind is missing). */
  isServed(apiVersion: string, kind: string): Promise<boolean>
  /** Releases pooled keep-alive connections, so the process can exit. */
  close(): void
  /**
   * TokenRequest (`POST /api/v1/namespaces/NS/serviceaccounts/NAME/token`): a token bound to the
   * ServiceAccount, expiring after `expirationSeconds` (the API refuses less than 600), with where it
   * is valid (the kubeconfig's server and CA). Failures throw ApiError with `details.status` (404:
   * no such ServiceAccount; 403: the caller may not create `serviceaccounts/token` there).
   */
  requestServiceAccountToken(namespace: string, name: string, options: {expirationSeconds: number}): Promise<ServiceAccountToken>
}

export interface ServiceAccountToken {
  /** The bearer token itself: never logged, never in an error message. */
  token: string
  /** RFC 3339, as the API server set it (it may shorten what was asked). */
  expirationTimestamp: string
  server: string
  /** Base64 PEM of the CA that signs the API server's certificate. */
  certificateAuthorityData?: string
  tlsServerName?: string
  insecureSkipTlsVerify?: boolean
}

// ---------------------------------------------------------------- people and time

export interface Prompter {
  /** False without a TTY, with `CI` set, or under `--json`: then nothing may be asked. */
  readonly interactive: boolean
  confirm(message: string, defaultValue?: boolean): Promise<boolean>
  input(message: string, options?: {default?: string; validate?: (v: string) => true | string}): Promise<string>
  select<T extends string>(message: string, choices: Array<{value: T; name: string; description?: string}>, defaultValue?: T): Promise<T>
}

/** The user's git configuration: `sandbox create` falls back to it for the owner's e-mail. */
export interface GitConfig {
  /** `git config user.email`; undefined when git is missing or the setting is not set. */
  userEmail(): Promise<string | undefined>
}

/** How Ctrl-C, SIGTERM and SIGHUP reach a run that holds no lock (adapters/interrupts.ts). */
export interface Interrupts {
  /**
   * Calls `handler` on the first signal while registered, instead of exiting at once; returns the
   * unregister function. `stopping`: what the first signal tells the user happens now.
   */
  onInterrupt(handler: () => void, options?: {stopping?: string}): () => void
}

export interface Clock {
  now(): Date
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** Where a run writes its log and generated files (kubeconfig, rendered manifests). */
export interface Workspace {
  writeFile(path: string, content: string, mode?: number): Promise<void>
  readFile(path: string): Promise<string | undefined>
  /** A fresh per-run log file path under the kopsmith state directory. */
  runLogPath(cluster: string, operation: string): string
  /** Absolute path of a workspace file, for tools that take a path (kops -f, --kubeconfig). */
  resolve(path: string): string
  remove(path: string): Promise<void>
  setMode(path: string, mode: number): Promise<void>
}

/** Read-only access to the data shipped in the package (`templates/`, `addons/`, `schema/`). */
export interface PackageFiles {
  /** Path relative to the package root, e.g. `templates/cluster.yaml`. */
  read(path: string): Promise<string>
  /** Entries of a package directory, sorted. */
  list(dir: string): Promise<string[]>
}

/** The user's own files (cluster files, namespaces files, output directories), relative to the cwd. */
export interface UserFiles {
  /** undefined when the file does not exist. */
  read(path: string): Promise<string | undefined>
  write(path: string, content: string, mode?: number): Promise<void>
  exists(path: string): Promise<boolean>
}
