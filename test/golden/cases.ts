import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {FsPackageFiles} from '../../src/adapters/package-files.js'
import type {ClusterConfig} from '../../src/core/config/types.js'
import {validateClusterFile} from '../../src/core/config/validate.js'
import type {RenderedSpec, RenderOptions} from '../../src/core/render/kops-spec.js'
import {renderClusterManifests} from '../../src/services/render-cluster.js'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const GOLDEN_DIR = fileURLToPath(new URL('./', import.meta.url))

export interface GoldenCase {
  name: string
  /** Cluster file, relative to the repository root. */
  file: string
  options: RenderOptions
}

/** The sandbox expiry `cluster create` would stamp; fixed so the golden file is stable. */
export const SANDBOX_EXPIRES_AT = '2026-09-04T09:30:00Z'

export const GOLDEN_CASES: GoldenCase[] = [
  {name: 'production', file: 'examples/production.yaml', options: {}},
  {name: 'sandbox', file: 'examples/sandbox.yaml', options: {expiresAt: SANDBOX_EXPIRES_AT}},
  {name: 'bastion-kms', file: 'test/golden/bastion-kms/cluster.yaml', options: {}},
  {name: 'calico', file: 'test/golden/calico/cluster.yaml', options: {}},
]

/** Parses a cluster file through the real validator, as `cluster create` does. */
export function loadConfig(file: string): ClusterConfig {
  return validateClusterFile(readFileSync(ROOT + file, 'utf8'), file)
}

export function renderCase(goldenCase: GoldenCase): Promise<RenderedSpec> {
  return renderClusterManifests(new FsPackageFiles(), loadConfig(goldenCase.file), goldenCase.options)
}

export function goldenCase(name: string): GoldenCase {
  const found = GOLDEN_CASES.find((c) => c.name === name)
  if (!found) throw new Error(`no golden case ${name}`)
  return found
}
