import type {KubeObject} from '../../ports.js'
import {yamlLib} from '../yaml-file.js'

/**
 * A multi-document YAML stream. Written as YAML 1.1 because that is how Kubernetes and kubectl read
 * manifests: strings such as `yes`, `on` or `0644` come out quoted instead of changing type.
 */
export function toYamlStream(objects: readonly KubeObject[]): string {
  const {Document} = yamlLib()
  return objects.map((o) => new Document(o, {version: '1.1'}).toString({lineWidth: 0})).join('---\n')
}
