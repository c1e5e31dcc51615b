import {toYamlStream} from '../core/apply/manifests.js'
import {namespaceSetOwnerLabels} from '../core/apply/ownership.js'
import {sortForApply} from '../core/apply/phases.js'
import {UsageError} from '../core/errors.js'
import {DEFAULT_NAMESPACE_SET, renderNamespaceSet} from '../core/namespaces/render.js'
import {namespaceSetSchema, type NamespaceSet} from '../core/namespaces/schema.js'
import {parseYamlFile} from '../core/yaml-file.js'
import type {Clock, Kube, KubeObject, UserFiles} from '../ports.js'
import {applyManifests, type ApplyProgress} from './apply-manifests.js'

export interface NamespacesPorts {
  files: UserFiles
  clock: Clock
  kube(kubeconfigPath: string): Promise<Kube>
}

export interface BootstrapNamespacesInput {
  /** The NamespaceSet file. */
  file: string
  /** Required unless dryRun. */
  kubeconfig?: string
  prune: boolean
  force: boolean
  /** Render only; with outputDir, write one manifest file per namespace. No cluster is contacted. */
  dryRun: boolean
  outputDir?: string
  timeoutMs: number
  /** Ownership scope for prune (default `default`: one set per cluster). */
  setName?: string
  podSecurityVersion?: string
  concurrency?: number
  onProgress?: (event: ApplyProgress) => void
}

export interface BootstrapNamespacesResult {
  file: string
  dryRun: boolean
  namespaces: string[]
  /** Rendered objects. */
  objects: number
  /** Files written under outputDir (dry run), relative to it. */
  files: string[]
  applied: number
  /** Objects already as rendered (left alone). */
  unchanged: number
  pruned: string[]
  durationMs: number
}

/** Reads and validates a NamespaceSet file: exit 2 when missing, exit 3 (path, line:column) when invalid. */
export async function loadNamespaceSet(files: UserFiles, path: string): Promise<NamespaceSet> {
  const text = await files.read(path)
  if (text === undefined) throw new UsageError(`namespaces file ${path} does not exist`, {suggestions: ['Pass the path of a NamespaceSet file with -f (see examples/namespaces.yaml)']})
  return parseYamlFile(text, path, namespaceSetSchema).value
}

/** The manifests of a set, sorted for apply (phase, kind, namespace, name). */
export function renderNamespaceManifests(set: NamespaceSet, options: {setName?: string; podSecurityVersion?: string} = {}): KubeObject[] {
  return sortForApply(renderNamespaceSet(set, options))
}

/**
 * `namespaces bootstrap`: validate the file, render every namespace, then either write the
 * manifests (dry run, no cluster needed) or server-side apply them — prune removes namespaces and
 * objects of this set that the file no longer lists.
 */
export async function bootstrapNamespaces(ports: NamespacesPorts, input: BootstrapNamespacesInput): Promise<BootstrapNamespacesResult> {
  const set = await loadNamespaceSet(ports.files, input.file)
  const setName = input.setName ?? DEFAULT_NAMESPACE_SET
  const objects = renderNamespaceSet(set, {setName, podSecurityVersion: input.podSecurityVersion})
  const result: BootstrapNamespacesResult = {
    file: input.file,
    dryRun: input.dryRun,
    namespaces: set.namespaces.map((n) => n.name),
    objects: objects.length,
    files: [],
    applied: 0,
    unchanged: 0,
    pruned: [],
    durationMs: 0,
  }
  if (input.dryRun) {
    if (input.outputDir) result.files = await writeNamespaceManifests(ports.files, input.outputDir, set, objects)
    return result
  }
  if (!input.kubeconfig) throw new UsageError('no kubeconfig given', {suggestions: ['Pass --kubeconfig PATH or set KUBECONFIG', 'Or render only: --dry-run --output-dir DIR']})
  const kube = await ports.kube(input.kubeconfig)
  try {
    const owners = [namespaceSetOwnerLabels(setName)]
    const applied = await applyManifests(kube, objects, {
      force: input.force,
      owners,
      prune: input.prune ? {scopes: owners} : undefined,
      timeoutMs: input.timeoutMs,
      concurrency: input.concurrency,
      clock: ports.clock,
      onProgress: input.onProgress,
    })
    result.applied = applied.applied.length
    result.unchanged = applied.unchanged.length
    result.pruned = applied.pruned.map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`)
    result.durationMs = applied.durationMs
    return result
  } finally {
    kube.close()
  }
}

/**
 * One file per namespace, Namespace first, so `kubectl apply -f DIR` (which goes file by file, in
 * document order) creates each namespace before what lives in it.
 */
async function writeNamespaceManifests(files: UserFiles, outputDir: string, set: NamespaceSet, objects: KubeObject[]): Promise<string[]> {
  const out = outputDir.replace(/\/+$/, '')
  const written: string[] = []
  for (const entry of set.namespaces) {
    const own = sortForApply(objects.filter((o) => o.metadata.name === entry.name && o.kind === 'Namespace' ? true : o.metadata.namespace === entry.name))
    const name = `${entry.name}.yaml`
    await files.write(`${out}/${name}`, toYamlStream(own))
    written.push(name)
  }
  return written
}
