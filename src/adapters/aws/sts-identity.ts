import {GetCallerIdentityCommand} from '@aws-sdk/client-sts'

import {ApiError} from '../../core/errors.js'
import type {CallerIdentity, Identity} from '../../ports.js'
import type {AwsClients} from './clients.js'
import {awsCall} from './errors.js'

/** Who we are, via STS GetCallerIdentity (needs no IAM permission, so it only fails on credentials). */
export class StsIdentity implements Identity {
  private cached: Promise<CallerIdentity> | undefined

  constructor(private readonly clients: AwsClients) {}

  whoAmI(): Promise<CallerIdentity> {
    this.cached ??= this.fetch()
    // A failed lookup is not remembered: the next call (e.g. after `aws sso login`) tries again.
    this.cached.catch(() => (this.cached = undefined))
    return this.cached
  }

  private async fetch(): Promise<CallerIdentity> {
    const out = await awsCall({service: 'STS', operation: 'GetCallerIdentity'}, () => this.clients.sts.send(new GetCallerIdentityCommand({})))
    if (!out.Account || !out.Arn || !out.UserId) throw new ApiError('STS GetCallerIdentity returned an incomplete identity')
    return {account: out.Account, arn: out.Arn, userId: out.UserId}
  }
}
