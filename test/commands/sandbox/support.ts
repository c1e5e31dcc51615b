import {mkdtempSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ROOT} from '../../helpers/cli.js'

/**
 * A fresh working directory for a CLI run, so clusters/ and .kopsmith/ land there and not in the
 * repository. node_modules is linked in because `node --import tsx` resolves tsx from the cwd.
 */
export function workDir(prefix = 'kopsmith-sandbox-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return dir
}

/** No AWS identity with an e-mail and no git e-mail: the owner cannot be inferred. */
export function anonymousEnv(dir: string): Record<string, string | undefined> {
  return {
    HOME: dir,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CEILING_DIRECTORIES: dir,
    KOPS_STATE_STORE: undefined,
    CI: undefined,
  }
}
