import type {Hook} from '@oclif/core/interfaces'

import {formatCliError} from '../base-command.js'
import {UsageError} from '../core/errors.js'
import {closestMatch} from '../core/suggest.js'

/**
 * `kopsmith clustr`: a usage error (exit 2) naming the command or topic the typo most likely meant,
 * printed and never asked. @oclif/plugin-not-found is not used: without a TTY on stdin it prints no
 * suggestion and exits 127; with one it prompts (up to 10 s) even when CI is set or stdout is piped,
 * which a scheduled job must never do; and it ranks command ids only, so `clustr` becomes `doctor`.
 * Topics are candidates here, and `--json` gets the one error envelope like every other failure.
 */
const hook: Hook.CommandNotFound = async function (opts) {
  const {config} = opts
  const spaced = (id: string): string => id.replaceAll(':', ' ')
  const visible = config.commands.filter((c) => !c.hidden)
  const candidates = [...visible.flatMap((c) => [c.id, ...c.aliases]), ...config.topics.filter((t) => !t.hidden).map((t) => t.name)]
  const typed = spaced(opts.id)
  const guess = closestMatch(opts.id, candidates)
  const about = guess === undefined ? 'all commands' : config.findCommand(guess) ? 'its flags' : 'its commands'
  const error = new UsageError(`"${typed}" is not a ${config.bin} command`, {
    suggestions: [...(guess ? [`Did you mean \`${config.bin} ${spaced(guess)}\`?`] : []), `${config.bin} help${guess ? ` ${spaced(guess)}` : ''}   (${about})`],
    details: {command: typed, ...(guess ? {didYouMean: spaced(guess)} : {})},
  })
  if (opts.argv?.includes('--json')) {
    const {code, message, exitCode, suggestions, details} = error
    process.stdout.write(`${JSON.stringify({status: 'error', error: {code, message, exitCode, suggestions, details}, warnings: []}, null, 2)}\n`)
  } else {
    process.stderr.write(`${formatCliError(error, error.stack)}\n`)
  }
  this.exit(error.exitCode)
}

export default hook
