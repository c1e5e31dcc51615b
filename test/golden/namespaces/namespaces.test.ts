import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {toYamlStream} from '../../../src/core/apply/manifests.js'
import {namespaceSetSchema} from '../../../src/core/namespaces/schema.js'
import {parseYamlFile} from '../../../src/core/yaml-file.js'
import {renderNamespaceManifests} from '../../../src/services/namespaces.js'
import {ROOT} from '../../helpers/cli.js'
import {K8sSchemas} from '../../helpers/k8s-schema.js'

const GOLDEN = join(ROOT, 'test', 'golden', 'namespaces', 'example')
const update = process.env.UPDATE_GOLDEN === '1'

describe('namespaces golden output (examples/namespaces.yaml)', () => {
  const set = parseYamlFile(readFileSync(join(ROOT, 'examples/namespaces.yaml'), 'utf8'), 'examples/namespaces.yaml', namespaceSetSchema).value
  const objects = renderNamespaceManifests(set)
  const schemas = new K8sSchemas()

  for (const entry of set.namespaces) {
    it(`${entry.name}: matches the golden file and every object validates with unknown fields rejected`, () => {
      const own = objects.filter((o) => (o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace) === entry.name)
      const text = toYamlStream(own)
      const file = join(GOLDEN, `${entry.name}.yaml`)
      if (update || !existsSync(file)) {
        mkdirSync(GOLDEN, {recursive: true})
        writeFileSync(file, text)
      }
      expect(text).toBe(readFileSync(file, 'utf8'))
      for (const object of own) expect(schemas.validate(object), `${object.kind} ${object.metadata.name}`).toEqual([])
    })
  }
})
