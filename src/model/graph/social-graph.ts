// The social graph as Kiln passes it around: a compact edge list with node keys and groups.
// Generators write it directly (a million agents fit in typed arrays, not in graphology objects);
// files are read through graphology; `toGraphology` gives the interop form for outputs and the viewer.

export interface SocialGraph {
  /** Number of agents; agents are 0..n-1. */
  readonly n: number
  /** Directed edge j→i means i observes j. Undirected edges are stored once. */
  readonly directed: boolean
  /** Edge endpoints (source, target) as agent indices, one entry per edge. */
  readonly source: Int32Array
  readonly target: Int32Array
  /** Edge weights w (default 1; negative = antagonistic tie), single precision like the engine's CSR. */
  readonly weight: Float32Array
  /** Node keys as they appear in files and outputs (default "0".."n-1"). */
  readonly keys: ReadonlyArray<string>
  /** Group index per agent (-1 = none) and the group names it indexes. */
  readonly group: Int32Array
  readonly groupNames: ReadonlyArray<string>
}
