// What the viewer is told about a run (GET /api/info); a types-only module shared by the server and the page.

/** Names for memes, groups and beliefs, and scales. */
export interface RunInfo {
  readonly name: string
  readonly description: string
  readonly seed: number
  readonly ticks: number
  readonly agents: number
  readonly memes: ReadonlyArray<string>
  readonly groups: ReadonlyArray<string>
  readonly beliefs: ReadonlyArray<string>
  readonly wMax: number
  readonly energyMax: number
  /** whether memes evolve: frames then carry each agent's dominant lineage id and the lineage table */
  readonly lineages: boolean
}
