import {Help} from '@oclif/core/help'

import {EXIT_CODE_TABLE} from './core/errors.js'

/** oclif's help, plus the exit-code table that scheduled jobs and CI scripts depend on. */
export default class KopsmithHelp extends Help {
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp()
    this.log(this.section('EXIT CODES', exitCodeTable()))
  }

  override async showCommandHelp(command: Parameters<Help['showCommandHelp']>[0]): Promise<void> {
    await super.showCommandHelp(command)
    this.log(this.section('EXIT CODES', exitCodeTable()))
  }
}

function exitCodeTable(): string {
  return EXIT_CODE_TABLE.map(([code, meaning]) => `${String(code).padStart(3)}  ${meaning}`).join('\n')
}
