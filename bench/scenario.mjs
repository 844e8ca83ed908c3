// The benchmark's workload, as a scenario to decode: B = 16 beliefs on a Barabási–Albert graph (m = 5, mean
// degree 10), a random shared prior with per-agent noise, conformity 0.2.
// Hot: energy 5 with theta 0 makes every agent fully plastic (worst case: Hebbian on every pair each tick).
// Cold: energy 0.5 below theta 1: heat-bath updates at T = 0.5, rigid networks.
export const B = 16

export const kernelScenario = (agents, ticks, mode) => ({
  name: `kernel-${mode}`,
  ticks,
  graph: { kind: "barabasiAlbert", n: agents, m: 5 },
  beliefs: Array.from({ length: B }, (_, a) => ({ name: `b${a}` })),
  prior: { sd: 0.3, noise: 0.1 },
  social: { conformity: 0.2 },
  energy: mode === "hot" ? { rest: 5, gamma: 0, surprise: 0 } : { rest: 0.5, gamma: 0, surprise: 0 },
  plasticity: mode === "hot" ? { theta: 0, saturation: 1 } : { theta: 1, saturation: 3 }
})
