import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'
import YAML from 'yaml'

import {validateClusterFile} from '../../../src/core/config/validate.js'
import {evaluateWindow, parseMaintenanceWindow} from '../../../src/core/window.js'
import {ROOT} from '../../helpers/cli.js'
import {K8sSchemas} from '../../helpers/k8s-schema.js'

const DIR = `${ROOT}examples/scheduled-upgrade/`

type Obj = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const docs = YAML.parseAllDocuments(readFileSync(`${DIR}cronjob.yaml`, 'utf8')).map((d) => d.toJS() as Obj).filter(Boolean)
const byKind = (kind: string) => docs.find((d) => d.kind === kind) as Obj
const workflow = YAML.parse(readFileSync(`${DIR}github/upgrade.yml`, 'utf8')) as Obj

/** Instants a `*\/30 H1-H2 * * 6` schedule fires on one Saturday, wall-clock hours in `zone` given as an offset. */
function firings(date: string, hours: [number, number], utcOffsetHours: number): Date[] {
  const out: Date[] = []
  for (let h = hours[0]; h <= hours[1]; h++) for (const m of [0, 30]) out.push(new Date(Date.parse(`${date}T00:00:00Z`) + ((h - utcOffsetHours) * 60 + m) * 60_000))
  return out
}

describe('examples/scheduled-upgrade', () => {
  const cluster = validateClusterFile(byKind('ConfigMap').data['cluster.yaml'], 'cronjob.yaml#cluster.yaml')
  const window = parseMaintenanceWindow(cluster.upgrade.window ?? '')
  if (!window.ok) throw new Error('the example cluster file has no valid window')

  it('every manifest passes the Kubernetes 1.35 schemas', () => {
    const schemas = new K8sSchemas()
    expect(docs.map((d) => d.kind)).toEqual(['ServiceAccount', 'ConfigMap', 'CronJob'])
    for (const d of docs) expect(schemas.validate(d), `${d.kind} ${d.metadata.name}`).toEqual([])
  })

  it('runs the scheduled upgrade non-interactively, one at a time, as the IRSA service account', () => {
    const cron = byKind('CronJob').spec
    const pod = cron.jobTemplate.spec.template.spec
    const container = pod.containers[0]
    expect([container.command, ...container.args].flat()).toEqual(['kopsmith', 'cluster', 'upgrade', '-f', '/config/cluster.yaml', '--yes', '--json'])
    expect(cron.concurrencyPolicy).toBe('Forbid')
    expect(pod.serviceAccountName).toBe(byKind('ServiceAccount').metadata.name)
    expect(byKind('ServiceAccount').metadata.annotations['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\//)
    expect(pod.volumes.find((v: Obj) => v.name === 'config').configMap.name).toBe(byKind('ConfigMap').metadata.name)
    expect(container.volumeMounts.find((m: Obj) => m.name === 'config').mountPath).toBe('/config')
    expect(container.securityContext).toMatchObject({allowPrivilegeEscalation: false, readOnlyRootFilesystem: true})
  })

  it("the CronJob fires only inside the cluster file's window, in summer and in winter", () => {
    const cron = byKind('CronJob').spec
    expect([cron.schedule, cron.timeZone]).toEqual(['*/30 2-5 * * 6', 'Europe/Berlin'])
    for (const [date, offset] of [['2026-07-11', 2], ['2026-01-10', 1]] as const) {
      for (const at of firings(date, [2, 5], offset)) expect(evaluateWindow(window.window, at).inside, at.toISOString()).toBe(true)
    }
  })

  it('the GitHub workflow (UTC cron) has a run within 30 minutes of the window opening, summer and winter', () => {
    expect(workflow.on.schedule[0].cron).toBe('*/30 0-5 * * 6')
    expect(workflow.concurrency).toMatchObject({group: expect.any(String), 'cancel-in-progress': false})
    const run = (workflow.jobs.upgrade.steps as Obj[]).map((s) => s.run ?? '').join('\n')
    expect(run).toContain('kopsmith cluster upgrade -f clusters/prod.yaml --yes --json')
    for (const date of ['2026-07-11', '2026-01-10']) {
      const inside = firings(date, [0, 5], 0).filter((at) => evaluateWindow(window.window, at).inside)
      // Asked on the Friday before, the next opening is this Saturday's.
      const opened = evaluateWindow(window.window, new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000)).next.start
      const lag = (inside[0]?.getTime() ?? Number.NaN) - opened.getTime()
      expect(lag).toBeGreaterThanOrEqual(0)
      expect(lag).toBeLessThanOrEqual(30 * 60_000)
    }
  })
})
