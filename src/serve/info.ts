// What the viewer is told about a run (GET /api/info, and for large runs /api/aggregate and /api/community/<k>); a
// types-only module shared by the server and the page.

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

/** One community: who is in it and what they are like at the end of the run. */
export interface CommunityNode {
  readonly id: number
  readonly label: string
  readonly members: number
  /** mean final energy */
  readonly energy: number
  /** mean stance per belief (−1…+1), in the order of `beliefs` */
  readonly beliefs: ReadonlyArray<number>
  /** share of members whose dominant meme is each of `memes`, then the share with none (sums to 1) */
  readonly memes: ReadonlyArray<number>
  /** summed weight of the edges inside the community */
  readonly internal: number
  readonly x: number
  readonly y: number
}

export interface AggregateGraph {
  readonly version: number
  readonly agents: number
  readonly edges: number
  /** how communities were found: the scenario's groups, or label propagation (with its sweeps) */
  readonly method: "groups" | "label-propagation"
  readonly iterations: number
  /** communities found before the cap */
  readonly found: number
  /** small communities of label propagation past the cap, joined to the shown community they are most tied to */
  readonly attached: number
  /** whether the last node is "other": the smallest groups past the cap, or communities tied to none shown */
  readonly other: boolean
  readonly memes: ReadonlyArray<string>
  readonly beliefs: ReadonlyArray<string>
  readonly communities: ReadonlyArray<CommunityNode>
  /** [a, b, summed weight] with a < b: the strongest links of each community */
  readonly links: ReadonlyArray<readonly [number, number, number]>
  /** seconds it took to compute */
  readonly seconds: number
  /** the input files it was computed from (size and modification time), to tell a stale cache */
  readonly from: Readonly<Record<string, readonly [number, number]>>
}

/** One community's agents as the viewer draws them: columns, agent order by internal degree. */
export interface Drill {
  readonly community: number
  readonly label: string
  readonly members: number
  readonly shown: number
  readonly edgesShown: number
  /** "layout" when positions come from the run's own layout, "computed" when laid out on request */
  readonly positions: "layout" | "computed"
  readonly index: ReadonlyArray<number>
  readonly keys: ReadonlyArray<string>
  readonly group: ReadonlyArray<string>
  readonly energy: ReadonlyArray<number>
  readonly attachment: ReadonlyArray<number>
  /** index into the aggregate's memes (−1 none) */
  readonly meme: ReadonlyArray<number>
  readonly x: ReadonlyArray<number>
  readonly y: ReadonlyArray<number>
  /** internal edges as positions in the arrays above */
  readonly source: ReadonlyArray<number>
  readonly target: ReadonlyArray<number>
}
