import {isKopsNoise} from './kops/kops-output.js'

/**
 * One error hierarchy; every subclass maps to one row of the exit-code table (README, DESIGN.md).
 * Commands never pick exit codes themselves: they throw one of these and the base command renders it.
 */
export const ExitCode = {
  Ok: 0,
  Unhealthy: 1,
  Usage: 2,
  InvalidFile: 3,
  Precondition: 4,
  KopsFailed: 5,
  ApiError: 6,
  Timeout: 7,
  Locked: 8,
  Refused: 9,
  Bug: 10,
  ChangesPending: 20,
  Interrupted: 130,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export const EXIT_CODE_TABLE: ReadonlyArray<readonly [number, string]> = [
  [0, 'success, or nothing to do'],
  [1, 'the cluster is unhealthy (validate failed)'],
  [2, 'bad flags or arguments, or a prompt was needed but the run is non-interactive'],
  [3, 'invalid cluster / namespaces file — nothing was touched'],
  [4, 'precondition failed: kops missing or unsupported version, no credentials, zone missing'],
  [5, 'kops failed (argv, exit code and stderr tail in the message)'],
  [6, 'AWS or Kubernetes API error'],
  [7, 'a wait timed out'],
  [8, 'another operation holds the cluster lock'],
  [9, 'refused: a safety rule (protected cluster, region outside Germany, hardening violation, an unrequested change to what an existing cluster is) or the confirmation (answered no, or a name typed that does not match); nothing was changed'],
  [10, 'internal bug'],
  [20, '--dry-run --detailed-exitcode: changes are pending'],
  [130, 'interrupted; the lock was released'],
]

/**
 * The "Try this:" line of failures caused by the machine or the account rather than the command
 * (kops missing or too old, no credentials, an unknown profile, AWS unreachable, a bucket this
 * identity cannot read): doctor checks all of them at once.
 */
export const DOCTOR_SUGGESTION = 'Run `kopsmith doctor` (with -f FILE for the state bucket and DNS zone): it checks kops, AWS credentials, the region and the state store'

export interface CliErrorOptions {
  suggestions?: string[]
  cause?: unknown
  /** Machine-readable details for the --json envelope (never secrets). */
  details?: Record<string, unknown>
}

export class CliError extends Error {
  readonly code: string = 'error'
  readonly exitCode: number = ExitCode.Bug
  readonly suggestions: string[]
  readonly details: Record<string, unknown> | undefined

  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.suggestions = options.suggestions ?? []
    this.details = options.details
  }
}

/** Exit 1: the cluster answered, and it is not healthy. */
export class UnhealthyError extends CliError {
  override readonly code = 'unhealthy'
  override readonly exitCode = ExitCode.Unhealthy
}

/** Exit 2: flags, arguments, or a prompt that a non-interactive run cannot show. */
export class UsageError extends CliError {
  override readonly code = 'usage'
  override readonly exitCode = ExitCode.Usage
}

/**
 * Exit 2: a path the user gave (or the state directory) cannot be read or written — a directory
 * where a file belongs, no permission, a read-only file system. Names the path and says why.
 */
export class FileAccessError extends UsageError {
  readonly path: string
  readonly reason: string

  constructor(path: string, action: string, reason: string, options: CliErrorOptions = {}) {
    super(`cannot ${action} ${path}: ${reason}`, {...options, details: {path, reason, ...options.details}})
    this.path = path
    this.reason = reason
  }
}

export interface FileIssue {
  /** Dotted field path, e.g. `spec.nodeGroups[0].maxSize`. */
  path: string
  message: string
  /** 1-based position in the file, when the field (or its parent) exists there. */
  line?: number
  column?: number
}

/** Exit 3: the cluster or namespaces file is invalid; nothing was touched. */
export class InvalidFileError extends CliError {
  override readonly code = 'invalid-file'
  override readonly exitCode = ExitCode.InvalidFile
  readonly file: string
  readonly issues: FileIssue[]

  constructor(file: string, issues: FileIssue[], options: CliErrorOptions = {}) {
    super(formatIssues(file, issues), {...options, details: {file, issues, ...options.details}})
    this.file = file
    this.issues = issues
  }
}

export function formatIssue(file: string, issue: FileIssue): string {
  const at = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`
  return `${at}: ${issue.path || '(root)'}: ${issue.message}`
}

function formatIssues(file: string, issues: FileIssue[]): string {
  const head = issues.length === 1 ? `${file} is invalid` : `${file} has ${issues.length} problems`
  return [head, ...issues.map((i) => `  ${formatIssue(file, i)}`)].join('\n')
}

/** Exit 4: something needed before we can start is missing. */
export class PreconditionError extends CliError {
  override readonly code = 'precondition'
  override readonly exitCode = ExitCode.Precondition
}

export interface KopsFailureDetails {
  argv: string[]
  exitCode: number | undefined
  stderrTail: string
  logFile?: string
}

/** Exit 5: kops ran and failed. Carries argv, exit code and the tail of stderr. */
export class KopsError extends CliError {
  override readonly code = 'kops-failed'
  override readonly exitCode = ExitCode.KopsFailed
  readonly failure: KopsFailureDetails

  constructor(message: string, failure: KopsFailureDetails, options: CliErrorOptions = {}) {
    const argv = failure.argv.join(' ')
    // kops' own words, once: its klog progress and the "Error:" line the headline already carries
    // stay in the run log (and in --json's stderrTail), not in the message.
    const said = failure.stderrTail
      .split('\n')
      .filter((line) => !isKopsNoise(line))
      .filter((line) => !(line.startsWith('Error: ') && message.includes(line.slice('Error: '.length).trim())))
      .join('\n')
      .trim()
    super(
      `${message}` +
        (said ? `\n  kops said:\n${indent(said, '    ')}` : '') +
        `\n  command: ${argv}\n  exit code: ${failure.exitCode ?? 'none (killed)'}` +
        (failure.logFile ? `\n  full log: ${failure.logFile}` : ''),
      {...options, details: {...failure, ...options.details}},
    )
    this.failure = failure
  }
}

/** Exit 6: an AWS or Kubernetes API call failed. */
export class ApiError extends CliError {
  override readonly code = 'api-error'
  override readonly exitCode = ExitCode.ApiError
}

/** Exit 7: a wait ran out of time. */
export class TimeoutError extends CliError {
  override readonly code = 'timeout'
  override readonly exitCode = ExitCode.Timeout
}

/** Exit 8: another operation holds the cluster lock. */
export class LockedError extends CliError {
  override readonly code = 'locked'
  override readonly exitCode = ExitCode.Locked
}

/** Exit 9: a safety rule refused the operation. */
export class RefusedError extends CliError {
  override readonly code = 'refused'
  override readonly exitCode = ExitCode.Refused
}

/**
 * Exit 9: the person at the terminal answered no at a confirmation; nothing was changed. Not 0,
 * because what was asked for did not happen (`kopsmith cluster create … && next-step` must stop),
 * and not 2, because nothing about the invocation was wrong: like a mistyped name at `cluster
 * delete`'s typed confirmation, it is a refusal, and every command that asks exits the same way.
 */
export class DeclinedError extends CliError {
  override readonly code = 'declined'
  override readonly exitCode = ExitCode.Refused
}

/** Exit 130: the user interrupted; cleanup (lock release, audit) has run. */
export class InterruptedError extends CliError {
  override readonly code = 'interrupted'
  override readonly exitCode = ExitCode.Interrupted
}

/** Exit 20: `--dry-run --detailed-exitcode` found pending changes. Not a failure. */
export class ChangesPendingSignal extends CliError {
  override readonly code = 'changes-pending'
  override readonly exitCode = ExitCode.ChangesPending
}

export function isCliError(error: unknown): error is CliError {
  return error instanceof CliError
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n')
}
