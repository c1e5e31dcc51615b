import type {GitConfig} from '../ports.js'

/**
 * `git config --get user.email`, the same lookup git itself does (repository, global and system
 * config, includes, `GIT_CONFIG_*`), rather than parsing ~/.gitconfig by hand. A missing git or
 * setting is not an error: the wizard then asks for the owner.
 */
export class GitCliConfig implements GitConfig {
  constructor(private readonly options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}) {}

  async userEmail(): Promise<string | undefined> {
    const {execa} = await import('execa')
    const result = await execa('git', ['config', '--get', 'user.email'], {
      reject: false,
      timeout: 5000,
      cwd: this.options.cwd,
      env: this.options.env,
      extendEnv: this.options.env === undefined,
      stdin: 'ignore',
    })
    const email = result.exitCode === 0 && typeof result.stdout === 'string' ? result.stdout.trim() : ''
    return email === '' ? undefined : email
  }
}
