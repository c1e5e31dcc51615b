import {PreconditionError} from '../../src/core/errors.js'
import type {CallerIdentity, Identity} from '../../src/ports.js'

/**
 * STS GetCallerIdentity in memory. Defaults to a role session in account 123456789012;
 * `withoutCredentials()` makes `whoAmI` fail the way the STS adapter does (PreconditionError, exit 4).
 */
export class FakeIdentity implements Identity {
  calls = 0
  private caller: CallerIdentity | undefined = {
    account: '123456789012',
    arn: 'arn:aws:sts::123456789012:assumed-role/platform-admin/alice@acme.de',
    userId: 'AROAEXAMPLEID:alice@acme.de',
  }

  withCaller(caller: Partial<CallerIdentity>): this {
    this.caller = {...(this.caller ?? {account: '123456789012', arn: 'arn:aws:iam::123456789012:user/test', userId: 'AIDAEXAMPLE'}), ...caller}
    return this
  }

  withoutCredentials(): this {
    this.caller = undefined
    return this
  }

  async whoAmI(): Promise<CallerIdentity> {
    this.calls++
    if (!this.caller) {
      throw new PreconditionError('No AWS credentials found', {
        suggestions: ['Run `aws sso login` (with --profile NAME if you use profiles)', 'Pass --profile NAME or set AWS_PROFILE', 'Or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'],
      })
    }
    return {...this.caller}
  }
}
