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
  /**
   * How the run is drawn: every agent ("graph", from graph.json), or communities with drill-down ("aggregate",
   * GET /api/aggregate and /api/community/<k>) for runs above the size limit or without graph.json
   */
  readonly view?: "graph" | "aggregate"
}
