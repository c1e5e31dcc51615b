import type {KopsResource, KopsValidation, KopsValidationFailure, KopsValidationNode, KopsVersion, RollingUpdateGroup} from '../../ports.js'
import {minorOf} from './versions.js'

/**
 * Parsers for what kops prints (kops-contract.md). Pure, so every format quirk is pinned by a
 * table test: the two `kops version` formats, validate's JSON with omitted keys, the text tables of
 * rolling-update and delete, and update's dry-run verdict.
 */

/**
 * `kops version`: `Client version: 1.35.2 (git-v1.35.2)` (newer), `Version 1.28.4 (git-…)` (older),
 * or a bare `1.35.2` from `--short`. Returns undefined when no version can be found.
 */
export function parseKopsVersion(output: string): KopsVersion | undefined {
  const m =
    /^\s*(?:client version:|version)\s*v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/im.exec(output) ??
    /^\s*v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\s*$/m.exec(output)
  if (!m?.[1]) return undefined
  return {version: m[1], minor: minorOf(m[1])}
}

/**
 * One `kops validate cluster -o json` document. kops omits empty fields (a healthy cluster has no
 * `failures` key) and serialises the Go field `Kind` as `type`; each failure may carry the whole
 * InstanceGroup object, of which we keep only the name. Undefined when the text is not that JSON.
 */
export function parseValidationJson(stdout: string): KopsValidation | undefined {
  const text = stdout.trim()
  if (!text.startsWith('{')) return undefined
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!isRecord(doc)) return undefined
  const failures = Array.isArray(doc.failures) ? doc.failures.filter(isRecord).map(toFailure) : []
  const nodes = Array.isArray(doc.nodes) ? doc.nodes.filter(isRecord).map(toNode) : []
  return {failures, nodes}
}

function toFailure(f: Record<string, unknown>): KopsValidationFailure {
  const ig = isRecord(f.instanceGroup) && isRecord(f.instanceGroup.metadata) ? str(f.instanceGroup.metadata.name) : undefined
  return {type: str(f.type) ?? '', name: str(f.name) ?? '', message: str(f.message) ?? '', ...(ig ? {instanceGroup: ig} : {})}
}

function toNode(n: Record<string, unknown>): KopsValidationNode {
  const zone = str(n.zone)
  const hostname = str(n.hostname)
  return {name: str(n.name) ?? '', ...(zone ? {zone} : {}), role: str(n.role) ?? '', ...(hostname ? {hostname} : {}), status: str(n.status) ?? 'Unknown'}
}

/**
 * `kops update cluster` without `--yes` exits 0 whether or not anything would change; only the
 * text tells: "Must specify --yes to apply changes" versus "No changes need to be applied".
 */
export function parseUpdateDryRun(output: string): {changesPending: boolean} {
  if (/Must specify --yes to apply changes/.test(output)) return {changesPending: true}
  if (/No changes need to be applied/.test(output)) return {changesPending: false}
  // Older kops print only the change listing; any "Will create/modify/delete" block means pending.
  return {changesPending: /^Will (create|modify|delete) resources:/m.test(output)}
}

/**
 * The resources a `kops update cluster` dry run lists (kops-contract.md), per block: "Will create
 * resources:", "Will modify resources:", and the items only `--prune` would delete.
 */
export function summariseUpdatePreview(output: string): {create: string[]; modify: string[]; prunable: string[]} {
  const blocks = {create: [] as string[], modify: [] as string[], prunable: [] as string[]}
  let current: string[] | undefined
  for (const line of output.split('\n')) {
    if (/^Will create resources:/.test(line)) current = blocks.create
    else if (/^Will modify resources:/.test(line)) current = blocks.modify
    else if (/^Items will be deleted only when the --prune flag is specified:/.test(line)) current = blocks.prunable
    else if (/^\s+\S/.test(line) && current) current.push(line.trim().split(/\s+/)[0]!)
    else if (line.trim() === '' || !/^\s/.test(line)) current = undefined
  }
  return blocks
}

/** What `kops update cluster --yes` says it did (kops-contract.md): a first start, applied changes, or none. */
export function parseUpdateApplied(output: string): 'cluster starting' | 'applied' | 'no changes' {
  if (/Cluster is starting/.test(output)) return 'cluster starting'
  if (/No changes need to be applied/.test(output)) return 'no changes'
  return 'applied'
}

/** A whitespace-aligned kops table (tabwriter output) as records keyed by the header names. */
export function parseKopsTable(output: string, firstHeader: string): Array<Record<string, string>> {
  const lines = output.split('\n')
  const start = lines.findIndex((l) => l.trim().split(/\s+/)[0] === firstHeader)
  if (start === -1) return []
  const headers = (lines[start] ?? '').trim().split(/\s+/)
  const rows: Array<Record<string, string>> = []
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break
    const cells = line.trim().split(/\s+/)
    const row: Record<string, string> = {}
    // The last column may contain spaces only in kops' NAME-less rows; extra cells join the last header.
    headers.forEach((h, i) => {
      row[h] = i === headers.length - 1 ? cells.slice(i).join(' ') : (cells[i] ?? '')
    })
    rows.push(row)
  }
  return rows
}

/**
 * `kops rolling-update cluster` preview: the table `NAME STATUS NEEDUPDATE READY MIN TARGET MAX NODES`
 * (cmd/kops/rolling-update_cluster.go; NODES counts the group's instances that joined as nodes and
 * is left out with `--cloudonly`). A group needs rolling when its STATUS is not `Ready` or
 * NEEDUPDATE is above zero.
 */
export function parseRollingUpdatePreview(output: string): {groups: RollingUpdateGroup[]; needsUpdate: string[]} {
  const groups = parseKopsTable(output, 'NAME')
    .filter((r) => r.STATUS !== undefined)
    .map((r) => ({
      name: r.NAME ?? '',
      status: r.STATUS ?? '',
      needUpdate: count(r.NEEDUPDATE) ?? 0,
      ready: count(r.READY) ?? 0,
      min: count(r.MIN) ?? 0,
      target: count(r.TARGET) ?? 0,
      max: count(r.MAX) ?? 0,
      nodes: count(r.NODES),
    }))
  return {groups, needsUpdate: groups.filter((g) => g.status !== 'Ready' || g.needUpdate > 0).map((g) => g.name)}
}

/** A table cell holding a count; null when the column is absent or the cell is not a number. */
function count(cell: string | undefined): number | null {
  if (cell === undefined || !/^\d+$/.test(cell)) return null
  return Number(cell)
}

/** `kops delete cluster` preview: the table of cloud resources (header order varies between releases). */
export function parseDeletePreview(output: string): KopsResource[] {
  if (/No cloud resources to delete/.test(output)) return []
  return parseKopsTable(output, 'TYPE').map((r) => ({type: r.TYPE ?? '', name: r.NAME ?? '', id: r.ID ?? ''}))
}

/** The last `n` non-empty lines of a process' stderr, for error messages. */
export function tailLines(text: string, n = 20): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  return lines.slice(-n).join('\n')
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** klog's line header, `Lmmdd hh:mm:ss.uuuuuu threadid file:line] `: kops' progress and retry chatter. */
const KLOG_LINE = /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [^\]\s]+\] /

/**
 * Lines kops prints for people who drive kops by hand, which are wrong or beside the point under
 * kopsmith: kopsmith exports kubeconfigs into its own state directory (never "your kubectl
 * context") and validates the cluster itself, so kops' own "Suggestions:" block does not apply.
 */
const FOREIGN_HINTS = [/^kOps has set your kubectl context to /, /^To deploy these resources, run: kops update cluster /, /^Suggestions:$/, /^ \* (validate cluster|list nodes|ssh to|the (admin|ubuntu) user is specific|read about installing addons):?/]

/**
 * Whether a kops output line is noise on kopsmith's progress display: klog progress, and hints meant
 * for kops' own users. The run log keeps every line; only the display leaves these out.
 */
export function isKopsNoise(line: string): boolean {
  const text = line.trimEnd()
  return text === '' || KLOG_LINE.test(text) || FOREIGN_HINTS.some((re) => re.test(text))
}
