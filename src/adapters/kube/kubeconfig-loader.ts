import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {delimiter, resolve} from 'node:path'

import {InvalidFileError, PreconditionError} from '../../core/errors.js'
import {decodeUtf8, MAX_INPUT_FILE_BYTES, tooLargeError} from '../../core/input-file.js'
import {mergeKubeconfigs, type KubeconfigFile, type MergedKubeconfig} from '../../core/kube/kubeconfig.js'
import {readYamlFast} from '../../core/yaml-fast.js'
import {yamlLib} from '../../core/yaml-file.js'
import {readBounded} from '../fs-user-files.js'

/** Where the kubeconfig comes from, in kubectl's order of precedence. */
export interface KubeconfigSource {
  /** `--kubeconfig PATH`: that one file, nothing merged; it must exist. */
  explicit?: string
  /** `KUBECONFIG`: a list of files, merged; missing ones are skipped. */
  envList?: string
  /** Otherwise the first of these that exists (kopsmith's own export of the cluster, then ~/.kube/config). */
  fallbacks?: string[]
}

export function defaultUserKubeconfig(): string {
  return resolve(homedir(), '.kube', 'config')
}

/** The file kubectl writes to: the first file of the KUBECONFIG list that exists, else its first entry, else ~/.kube/config. */
export function userKubeconfigFile(env: NodeJS.ProcessEnv): string {
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '')
  return resolve(list.find((p) => existsSync(p)) ?? list[0] ?? defaultUserKubeconfig())
}

/**
 * Reads and merges the kubeconfig files by kubectl's rules (core/kube/kubeconfig.ts). A file that
 * cannot be parsed is reported by path and line:column only: kubeconfigs hold tokens and private
 * keys, so no message, detail or cause ever carries a byte of their content.
 */
export async function loadKubeconfig(source: KubeconfigSource): Promise<MergedKubeconfig> {
  const paths = kubeconfigPaths(source)
  const files: KubeconfigFile[] = []
  for (const path of paths) {
    const bytes = await readBounded(path, path)
    if (bytes === undefined) continue
    files.push({path, data: parseKubeconfig(decodeUtf8(bytes, path), path)})
  }
  if (files.length === 0) {
    throw new PreconditionError(`no kubeconfig found (looked at ${paths.join(', ') || 'nothing'})`, {
      suggestions: ['Pass --kubeconfig PATH or set KUBECONFIG', 'kopsmith cluster create exports an admin kubeconfig to its state directory (kubeconfig/<cluster-name>)'],
    })
  }
  return mergeKubeconfigs(files)
}

/** The same for one file, synchronously (ClientNodeKube given a path). */
export function loadKubeconfigFileSync(path: string): MergedKubeconfig {
  if (!existsSync(path)) throw missing(path)
  const bytes = readFileSync(path)
  if (bytes.length > MAX_INPUT_FILE_BYTES) throw tooLargeError(path)
  return mergeKubeconfigs([{path, data: parseKubeconfig(decodeUtf8(bytes, path), path)}])
}

function kubeconfigPaths(source: KubeconfigSource): string[] {
  if (source.explicit !== undefined && source.explicit !== '') {
    const path = resolve(source.explicit)
    if (!existsSync(path)) throw missing(source.explicit)
    return [path]
  }
  if (source.envList !== undefined && source.envList !== '') {
    return [...new Set(source.envList.split(delimiter).filter((p) => p !== '').map((p) => resolve(p)))]
  }
  const existing = (source.fallbacks ?? []).map((p) => resolve(p)).find((p) => existsSync(p))
  return existing ? [existing] : (source.fallbacks ?? []).map((p) => resolve(p))
}

function missing(path: string): PreconditionError {
  return new PreconditionError(`kubeconfig ${path} does not exist`, {
    suggestions: ['Pass --kubeconfig PATH or set KUBECONFIG', 'kopsmith cluster create exports an admin kubeconfig to its state directory (kubeconfig/<cluster-name>)'],
  })
}

/**
 * YAML → object. The parser's own messages quote the offending text, which in a kubeconfig may be
 * a token or a key, so only the position and the kind of error are kept.
 */
export function parseKubeconfig(text: string, path: string): Record<string, unknown> {
  const fast = readYamlFast(text)
  if (fast !== undefined) return kubeconfigData(fast, path)
  // What js-yaml leaves to the reference reader (anchors, duplicate keys, errors, an empty file).
  const {LineCounter, parseDocument} = yamlLib()
  const lines = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: false})
  const [first] = doc.errors
  if (first) {
    const pos = lines.linePos(first.pos[0])
    throw new InvalidFileError(path, [{path: '', message: `not valid YAML (${first.code}); the content is not shown because kubeconfigs hold credentials`, line: pos.line, column: pos.col}])
  }
  let data: unknown
  try {
    data = doc.toJS({maxAliasCount: 100})
  } catch {
    throw new InvalidFileError(path, [{path: '', message: 'YAML that cannot be read as data (too many aliases?)'}])
  }
  return kubeconfigData(data, path)
}

function kubeconfigData(data: unknown, path: string): Record<string, unknown> {
  if (data === null || data === undefined) return {}
  if (typeof data !== 'object' || Array.isArray(data)) throw new InvalidFileError(path, [{path: '', message: 'expected a kubeconfig (a YAML mapping with clusters, users and contexts)'}])
  return data as Record<string, unknown>
}
