/** Command is one `impactd <name>` sub-command. */
export interface Command {
  /** Name typed after `impactd`. */
  readonly name: string;
  /** One line shown in `impactd --help`. */
  readonly summary: string;
  /** Full help text shown by `impactd <name> --help`. */
  readonly help: string;
  /** Runs the command with the arguments after its name; resolves to an exit code. */
  run(argv: string[]): Promise<number>;
}
