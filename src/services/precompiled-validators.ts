import type {PrecompiledValidator} from '../core/precompiled-validator.js'

const loaded = new Map<string, Promise<PrecompiledValidator | undefined>>()

/**
 * The build's precompiled validator at `path` under dist/ (scripts/build-validator.mjs writes it),
 * loaded once; undefined when running from source (tests, bin/dev.js), where zod checks alone.
 */
export function loadPrecompiledValidator(path: string): Promise<PrecompiledValidator | undefined> {
  let validator = loaded.get(path)
  if (!validator) {
    validator = import(new URL(`../${path}`, import.meta.url).href).then(
      (m: {default: PrecompiledValidator}) => m.default,
      () => undefined,
    )
    loaded.set(path, validator)
  }
  return validator
}
