import {describe, expect, it} from 'vitest'

import {substitute} from '../../../../src/core/addons/render.js'

describe('template substitution', () => {
  it('replaces placeholders inside parsed strings and keeps the type of a whole-value placeholder', () => {
    const vars = {name: 'traefik', port: 8000, args: ['--a', '--b']}
    expect(substitute({a: 'svc-${name}', b: '${port}', c: '${args}', d: ['x-${port}'], e: 7}, vars, 't.yaml')).toEqual({a: 'svc-traefik', b: 8000, c: ['--a', '--b'], d: ['x-8000'], e: 7})
  })

  it('cannot inject YAML structure: a value with newlines and colons stays one string', () => {
    expect(substitute({v: 'x ${evil}'}, {evil: 'a: b\nc: d'}, 't.yaml')).toEqual({v: 'x a: b\nc: d'})
  })

  it('keeps $${ as a literal ${ (Fluent Bit variables) and fails on unknown names', () => {
    expect(substitute('$${HOSTNAME}', {}, 't.yaml')).toBe('${HOSTNAME}')
    expect(() => substitute('${missing}', {}, 't.yaml')).toThrow(/unknown template variable \$\{missing\}/)
  })
})
