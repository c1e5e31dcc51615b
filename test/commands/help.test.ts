import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {ROOT} from '../helpers/cli.js'

/**
 * Help, "did you mean" and shell completion, on the built CLI (bin/run.js with the oclif manifest
 * and the plugins as installed), because that is what users run: `npm test` builds first.
 */
const RUN = join(ROOT, 'bin/run.js')
// Vitest sets NODE_ENV=test, under which oclif maps dist/ back to src/; users have no such setting.
const ENV = {...process.env, CI: 'true', NODE_ENV: 'production', KOPSMITH_VERBOSE: ''}

function run(args: string[], env: Record<string, string | undefined> = {}) {
  return spawnSync(process.execPath, [RUN, ...args], {cwd: ROOT, encoding: 'utf8', env: {...ENV, ...env}, timeout: 30_000})
}

describe('kopsmith help', () => {
  it('`help cluster` lists the commands of the topic', () => {
    const r = run(['help', 'cluster'])
    expect(r.status, r.stderr).toBe(0)
    for (const command of ['create', 'validate', 'upgrade', 'delete', 'list', 'audit', 'reap', 'unlock']) expect(r.stdout).toMatch(new RegExp(`^\\s+cluster ${command}\\s`, 'm'))
  })

  it('`help cluster create`, `cluster create -h` and `--help` print the same command help, with the exit codes', () => {
    const viaHelp = run(['help', 'cluster', 'create'])
    const viaShort = run(['cluster', 'create', '-h'])
    const viaLong = run(['cluster', 'create', '--help'])
    for (const r of [viaHelp, viaShort, viaLong]) expect(r.status, r.stderr).toBe(0)
    expect(viaShort.stdout).toBe(viaLong.stdout)
    expect(viaHelp.stdout).toBe(viaLong.stdout)
    expect(viaLong.stdout).toMatch(/^USAGE\n\s+\$ kopsmith cluster create -f FILE/m)
    expect(viaLong.stdout).toMatch(/--wait=DURATION\s+\[default: 30m\]/)
    expect(viaLong.stdout).toMatch(/^EXIT CODES\n(.*\n)*\s+130\s+interrupted; the lock was released/m)
  })

  it('root help lists help and autocomplete with the topics', () => {
    const r = run(['help'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^\s+autocomplete\s/m)
    expect(r.stdout).toMatch(/^\s+help\s/m)
    expect(r.stdout).toContain('EXIT CODES')
  })
})

describe('did you mean', () => {
  it('`kopsmith clustr` suggests the cluster topic, exit 2, nothing on stdout', () => {
    const r = run(['clustr'])
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe('Error: "clustr" is not a kopsmith command\nTry this:\n  Did you mean `kopsmith cluster`?\n  kopsmith help cluster   (its commands)\n')
  })

  it('a misspelled command under a topic suggests the command', () => {
    for (const argv of [['cluster', 'creat', '-f', 'x.yaml'], ['clustr', 'create', '-f', 'x.yaml']]) {
      const r = run(argv)
      expect(r.status).toBe(2)
      expect(r.stderr).toContain('Did you mean `kopsmith cluster create`?')
      expect(r.stderr).toContain('kopsmith help cluster create   (its flags)')
    }
  })

  it('nothing close: no guess, just where the list is', () => {
    const r = run(['frobnicate'])
    expect(r.status).toBe(2)
    expect(r.stderr).not.toContain('Did you mean')
    expect(r.stderr).toContain('kopsmith help   (all commands)')
  })

  it('under --json an unknown command is one error envelope', () => {
    const r = run(['clustr', '--json'])
    expect(r.status).toBe(2)
    expect(JSON.parse(r.stdout)).toEqual({
      status: 'error',
      error: {code: 'usage', message: '"clustr" is not a kopsmith command', exitCode: 2, suggestions: ['Did you mean `kopsmith cluster`?', 'kopsmith help cluster   (its commands)'], details: {command: 'clustr', didYouMean: 'cluster'}},
      warnings: [],
    })
  })

  it('never prompts, even on a terminal without CI (a prompt would hang a job run under a pty)', () => {
    // `script` gives the child a pseudo-terminal on stdin and stdout; -e passes its exit code on.
    const r = spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(RUN)} clustr`, '/dev/null'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {...ENV, CI: undefined as unknown as string},
      input: '',
      timeout: 20_000,
    })
    expect(r.error).toBeUndefined()
    expect(r.status).toBe(2)
    expect(r.stdout).toContain('Did you mean `kopsmith cluster`?')
    expect(r.stdout).not.toMatch(/\?\s*\(Y\/n\)/)
  })

  it('a misspelled flag names the flag it most likely meant, exit 2', () => {
    const r = run(['cluster', 'create', '--fiel', 'examples/production.yaml', '--dry-run'])
    expect(r.status).toBe(2)
    expect(r.stderr).toBe('Error: unknown flag --fiel for kopsmith cluster create\nTry this:\n  Did you mean --file (not --fiel)?\n  kopsmith cluster create --help   (all its flags)\n')
  })

  it('under --json a misspelled flag is an envelope with the guess in details', () => {
    const r = run(['cluster', 'upgrade', '-f', 'examples/production.yaml', '--dryrun', '--json'])
    expect(r.status).toBe(2)
    expect(JSON.parse(r.stdout)).toMatchObject({status: 'error', error: {code: 'usage', exitCode: 2, details: {unknownFlags: ['--dryrun'], didYouMean: {'--dryrun': '--dry-run'}}}})
  })
})

describe('shell completion (@oclif/plugin-autocomplete)', () => {
  it('builds bash, zsh and PowerShell completion from the commands; bash completes topics, commands and flags', () => {
    const home = mkdtempSync(join(tmpdir(), 'kopsmith-ac-'))
    const env = {HOME: home, XDG_CACHE_HOME: join(home, '.cache')}
    const r = run(['autocomplete', '--refresh-cache'], env)
    expect(r.status, r.stderr).toBe(0)
    const dir = join(home, '.cache', 'kopsmith', 'autocomplete')
    for (const f of ['functions/bash/kopsmith.bash', 'functions/zsh/_kopsmith', 'functions/powershell/kopsmith.ps1']) expect(existsSync(join(dir, f)), f).toBe(true)
    expect(readFileSync(join(dir, 'functions/zsh/_kopsmith'), 'utf8')).toContain('--dry-run')

    const complete = (words: string[]): string[] => {
      const script = `source ${JSON.stringify(join(dir, 'functions/bash/kopsmith.bash'))}; COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}; _kopsmith_autocomplete; printf '%s\\n' "\${COMPREPLY[@]}"`
      const b = spawnSync('bash', ['-c', script], {encoding: 'utf8'})
      expect(b.status, b.stderr).toBe(0)
      return [...new Set(b.stdout.split('\n').filter(Boolean))]
    }
    expect(complete(['kopsmith', 'clu'])).toEqual(['cluster'])
    expect(complete(['kopsmith', 'cluster', 'cr'])).toEqual(['create'])
    expect(complete(['kopsmith', 'cluster', 'create', '--dr'])).toEqual(['--dry-run'])

    const setup = run(['autocomplete', 'script', 'bash'], env)
    expect(setup.status, setup.stderr).toBe(0)
    expect(setup.stdout).toContain(join(dir, 'bash_setup'))
  })
})
