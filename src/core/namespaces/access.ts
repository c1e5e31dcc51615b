import type {AuthenticationConfig} from '../config/types.js'
import type {NamespaceSet} from './schema.js'

/** A team whose group no one who logs in to the cluster can be in: its `edit` binding would be dead. */
export interface TeamAccessProblem {
  /** Index into `namespaces`. */
  index: number
  team: string
  message: string
}

/**
 * Which teams of a NamespaceSet nobody can hold, given how the cluster authenticates: a group is
 * held when an IAM role is mapped to it, or when it carries the OIDC groups prefix (the identity
 * provider decides who is in it). kops' admin certificates (system:masters) hold no team group.
 */
export function teamAccessProblems(set: NamespaceSet, auth: AuthenticationConfig, cluster: string): TeamAccessProblem[] {
  return set.namespaces.flatMap((entry, index) => {
    const message = whyNobodyHolds(entry.team, auth, cluster)
    return message ? [{index, team: entry.team, message}] : []
  })
}

/** Whether someone who logs in can be in `group`, with how. */
export function groupHolders(group: string, auth: AuthenticationConfig): string[] {
  const roles = (auth.aws?.mappings ?? []).filter((m) => m.groups.includes(group)).map((m) => `IAM role ${m.roleARN}`)
  const oidc = auth.oidc
  const viaOidc = oidc && group.startsWith(oidc.groupsPrefix) && group.length > oidc.groupsPrefix.length ? [`OIDC group "${group.slice(oidc.groupsPrefix.length)}" of ${oidc.issuerURL}`] : []
  return [...roles, ...viaOidc]
}

function whyNobodyHolds(group: string, auth: AuthenticationConfig, cluster: string): string | undefined {
  if (groupHolders(group, auth).length > 0) return undefined
  const start = `no one who logs in to ${cluster} is in group "${group}", so its edit binding would grant nothing`
  if (!auth.aws && !auth.oidc) return `${start}: the cluster authenticates no one but kops' admin certificates (no spec.authentication); map an IAM role to the group in the cluster file's spec.authentication.aws.mappings`
  const reasons: string[] = []
  if (auth.aws) {
    const mapped = [...new Set(auth.aws.mappings.flatMap((m) => m.groups))].sort()
    reasons.push(`no IAM role in spec.authentication.aws.mappings has it (${mapped.length > 0 ? `mapped groups: ${mapped.join(', ')}` : 'no roles are mapped yet'})`)
  }
  if (auth.oidc) reasons.push(`OIDC groups arrive prefixed, as "${auth.oidc.groupsPrefix}${group}"`)
  return `${start}: ${reasons.join('; ')}`
}

/** What to write instead, for the error's "Try this:" lines. */
export function teamAccessSuggestions(problems: readonly TeamAccessProblem[], auth: AuthenticationConfig, clusterFile: string | undefined): string[] {
  if (problems.length === 0) return []
  const where = clusterFile ? ` in ${clusterFile}` : ''
  const [first] = problems
  const team = first?.team ?? 'TEAM'
  const out = [`Map the team's IAM role${where}: spec.authentication.aws.mappings: [{roleARN: "arn:aws:iam::ACCOUNT:role/${team}", groups: [${team}]}]`]
  if (auth.oidc) out.push(`Or bind the identity provider's group: team: "${auth.oidc.groupsPrefix}${team}"`)
  return out
}
