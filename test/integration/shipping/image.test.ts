import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import semver from 'semver'
import {describe, expect, it} from 'vitest'
import YAML from 'yaml'

import {validateClusterFile} from '../../../src/core/config/validate.js'
import {kopsSupports} from '../../../src/core/kops/versions.js'
import {ROOT} from '../../helpers/cli.js'

/**
 * Docker cannot run here, so the Dockerfile is checked by reading it: what it pins, and that the
 * scheduled-upgrade CronJob runs the image the way the Dockerfile builds it.
 */
type Obj = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
// Continuation lines joined, comments dropped: one instruction per line.
const instructions = dockerfile.replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'))
const argDefault = (name: string): string | undefined => instructions.map((l) => new RegExp(`^ARG ${name}=(\\S+)$`).exec(l.trim())?.[1]).find(Boolean)
const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string; engines: {node: string}}

const docs = YAML.parseAllDocuments(readFileSync(join(ROOT, 'examples/scheduled-upgrade/cronjob.yaml'), 'utf8')).map((d) => d.toJS() as Obj).filter(Boolean)
const cron = docs.find((d) => d.kind === 'CronJob') as Obj
const pod = cron.spec.jobTemplate.spec.template.spec
const container = pod.containers[0]
const env = Object.fromEntries((container.env as Obj[]).map((e) => [e.name, e.value]))

describe('Dockerfile', () => {
  it('pins a kops release from its official GitHub download URL and checks its sha256 for each platform', () => {
    expect(argDefault('KOPS_VERSION')).toMatch(/^v\d+\.\d+\.\d+$/)
    for (const arch of ['AMD64', 'ARM64']) expect(argDefault(`KOPS_SHA256_${arch}`), arch).toMatch(/^[0-9a-f]{64}$/)
    expect(dockerfile).toContain('https://github.com/kubernetes/kops/releases/download/${KOPS_VERSION}/kops-linux-${arch}')
    expect(dockerfile).toContain('echo "${sum}  /kops" | sha256sum -c -')
  })

  it('installs kopsmith from the npm pack tarball with production dependencies only', () => {
    expect(dockerfile).toMatch(/RUN npm pack --pack-destination \/pkg/)
    expect(finalStage).toMatch(/npm install -g --omit=dev [^\n]*\/tmp\/kopsmith\.tgz/)
    expect(finalStage).not.toMatch(/^COPY (?!--from=)/m)
  })

  it('builds on a Node 20 image that satisfies engines.node', () => {
    const image = argDefault('NODE_IMAGE') ?? ''
    const version = /^node:(\d+\.\d+\.\d+)-/.exec(image)?.[1] ?? ''
    expect(semver.satisfies(version, pkg.engines.node), image).toBe(true)
    expect(semver.major(version)).toBe(20)
  })

  it('runs as a numeric non-root user, with HOME and TMPDIR meant for writable volumes', () => {
    expect(finalStage).toMatch(/^USER 10001:10001$/m)
    expect(finalStage).toMatch(/HOME=\/work/)
    expect(finalStage).toMatch(/TMPDIR=\/tmp/)
    expect(finalStage).toMatch(/KOPSMITH_KOPS=\/usr\/local\/bin\/kops/)
    expect(finalStage).toMatch(/^ENTRYPOINT \["kopsmith"\]$/m)
  })

  it('leaves what the build recreates out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
    for (const path of ['node_modules', 'dist', '.git', '.kopsmith']) expect(ignored).toContain(path)
  })
})

describe('the scheduled-upgrade CronJob runs that image as it is built', () => {
  it('names the image by kopsmith version and kops version', () => {
    expect(container.image).toBe(`ghcr.io/acme/kopsmith:${pkg.version}-kops${(argDefault('KOPS_VERSION') ?? '').slice(1)}`)
  })

  it("the image's kops can drive the cluster the job upgrades", () => {
    const cluster = validateClusterFile((docs.find((d) => d.kind === 'ConfigMap') as Obj).data['cluster.yaml'], 'cronjob.yaml#cluster.yaml')
    expect(kopsSupports((argDefault('KOPS_VERSION') ?? '').slice(1), cluster.kubernetesVersion)).toMatchObject({ok: true})
  })

  it("as the Dockerfile's user, non-root, on a read-only root filesystem", () => {
    expect(pod.securityContext).toMatchObject({runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001})
    expect(container.securityContext).toMatchObject({readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: ['ALL']}})
  })

  it('with writable volumes exactly where the image writes: HOME and TMPDIR', () => {
    expect(env.HOME).toBe('/work')
    expect(env.KOPSMITH_KOPS).toBe('/usr/local/bin/kops')
    expect(container.workingDir).toBe('/work')
    for (const path of ['/work', '/tmp']) {
      const mount = (container.volumeMounts as Obj[]).find((m) => m.mountPath === path)
      expect(mount, path).toBeDefined()
      expect(mount?.readOnly, path).not.toBe(true)
      expect((pod.volumes as Obj[]).find((v) => v.name === mount?.name)?.emptyDir, path).toBeDefined()
    }
  })
})
