import {Command} from '@oclif/core/command'
import * as Errors from '@oclif/core/errors'
import * as Flags from '@oclif/core/flags'
import type * as Interfaces from '@oclif/core/interfaces'

import {CliError, ExitCode, UsageError} from './core/errors.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>

export interface JsonEnvelope<T> {
  status: 'ok' | 'error'
  result?: T
  error?: {code: string; message: string; exitCode: number; suggestions: string[]; details?: Record<string, unknown>}
  warnings: string[]
}

/**
 * Shared flags, the `--json` envelope, and the one place where errors become exit codes.
 * Commands stay thin: parse, call one service, return its result.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    verbose: Flags.boolean({description: 'Show stack traces and debug output', env: 'KOPSMITH_VERBOSE', helpGroup: 'GLOBAL'}),
  }

  /** Warnings for the `--json` envelope; also printed to stderr in human mode. */
  protected readonly warnings: string[] = []
  /** A successful result can still carry a non-zero exit code (20: changes pending). */
  protected resultExitCode: number = ExitCode.Ok

  /** No prompt may be shown: no TTY on stdin/stdout, `CI` set, or `--json`. */
  protected get interactive(): boolean {
    return Boolean(process.stdin.isTTY && process.stdout.isTTY) && !isTruthyEnv(process.env.CI) && !this.jsonEnabled()
  }

  protected addWarning(message: string): void {
    this.warnings.push(message)
    if (!this.jsonEnabled()) this.logToStderr(`Warning: ${message}`)
  }

  /** oclif's own warnings (deprecated flags and aliases) reach the --json envelope too, not only stderr. */
  override warn(input: string | Error): string | Error {
    if (this.jsonEnabled()) this.warnings.push(typeof input === 'string' ? input : input.message)
    return super.warn(input)
  }

  override toSuccessJson(result: unknown): JsonEnvelope<unknown> {
    return {status: 'ok', result, warnings: this.warnings}
  }

  override toErrorJson(error: unknown): JsonEnvelope<never> {
    const e = toCliError(error)
    return {
      status: 'error',
      error: {
        code: e.code,
        message: e.message,
        exitCode: e.exitCode,
        suggestions: e.suggestions,
        ...(e.details ? {details: e.details} : {}),
      },
      warnings: this.warnings,
    }
  }

  protected override async catch(error: Error & {oclif?: {exit?: number}}): Promise<never> {
    if (error instanceof Errors.ExitError) throw error
    const e = isUnknownFlagError(error) ? await unknownFlagError(this, error.flags) : toCliError(error)
    if (this.jsonEnabled()) this.logJson(this.toErrorJson(e))
    else this.logToStderr(formatCliError(e, error.stack))
    this.exit(e.exitCode)
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    if (!error && this.resultExitCode !== ExitCode.Ok) process.exitCode = this.resultExitCode
    return super.finally(error)
  }
}

/** Anything thrown becomes a CliError; what we did not anticipate is a bug (exit 10). */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error
  if (error instanceof Errors.CLIError && (error.oclif?.exit ?? 2) === 2) {
    return new UsageError(error.message.replace(/^Error: /, ''), {suggestions: ['Run the command with --help to see its flags']})
  }
  const message = error instanceof Error ? error.message : String(error)
  return new (class extends CliError {
    override readonly code = 'bug'
    override readonly exitCode = ExitCode.Bug
  })(message, {cause: error})
}

/** An error as people read it: the message, "Try this:" lines, the stack only with --verbose. */
export function formatCliError(e: CliError, stack: string | undefined): string {
  const lines = [`Error: ${e.message}`]
  if (e.suggestions.length > 0) lines.push('Try this:', ...e.suggestions.map((s) => `  ${s}`))
  const verbose = process.argv.includes('--verbose') || isTruthyEnv(process.env.KOPSMITH_VERBOSE)
  if (e.exitCode === ExitCode.Bug && !verbose) lines.push('This is a bug in kopsmith. Run again with --verbose for the stack trace.')
  if (verbose && stack) lines.push(stack)
  return lines.join('\n')
}

/** oclif's parser error for flags the command does not have (the class is not exported). */
function isUnknownFlagError(error: unknown): error is Errors.CLIError & {flags: string[]} {
  return error instanceof Errors.CLIError && /^Nonexistent flags?:/.test(error.message) && Array.isArray((error as {flags?: unknown}).flags)
}

/** oclif's "Nonexistent flag" as a usage error that names the flag a typo most likely meant. */
async function unknownFlagError(command: Command, typed: string[]): Promise<CliError> {
  const {closestMatch} = await import('./core/suggest.js')
  const ctor = command.constructor as typeof Command
  const flags: Record<string, {char?: string; aliases?: string[]}> = {...ctor.baseFlags, ...ctor.flags, ...(ctor.enableJsonFlag ? {json: {}} : {})}
  const known = Object.entries(flags).flatMap(([name, f]) => [`--${name}`, ...(f.char ? [`-${f.char}`] : []), ...(f.aliases ?? []).map((a) => (a.length === 1 ? `-${a}` : `--${a}`))])
  const guesses = typed.flatMap((flag) => {
    const guess = closestMatch(flag.split('=')[0]!, known)
    return guess ? [{flag, guess}] : []
  })
  const id = `${command.config.bin} ${(command.id ?? '').replaceAll(':', ' ')}`
  return new UsageError(`unknown flag${typed.length === 1 ? '' : 's'} ${typed.join(', ')} for ${id}`, {
    suggestions: [...guesses.map((g) => `Did you mean ${g.guess} (not ${g.flag})?`), `${id} --help   (all its flags)`],
    details: {unknownFlags: typed, didYouMean: Object.fromEntries(guesses.map((g) => [g.flag, g.guess]))},
  })
}

export function isTruthyEnv(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false'
}
