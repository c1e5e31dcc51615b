import {Command, Errors, Flags, type Interfaces} from '@oclif/core'

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
    const e = toCliError(error)
    if (this.jsonEnabled()) {
      this.logJson(this.toErrorJson(e))
    } else {
      const lines = [`Error: ${e.message}`]
      if (e.suggestions.length > 0) lines.push('Try this:', ...e.suggestions.map((s) => `  ${s}`))
      const verbose = process.argv.includes('--verbose') || isTruthyEnv(process.env.KOPSMITH_VERBOSE)
      if (e.exitCode === ExitCode.Bug && !verbose) lines.push('This is a bug in kopsmith. Run again with --verbose for the stack trace.')
      if (verbose && error.stack) lines.push(error.stack)
      this.logToStderr(lines.join('\n'))
    }
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

function isTruthyEnv(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false'
}
