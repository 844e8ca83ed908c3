// Seeding for the model library: k agents chosen uniformly at random from the agents' own streams.

/**
 * k agents chosen uniformly: the k smallest of one uniform key per agent, each drawn from the agent's own stream
 * (ties by index), so the choice needs no other stream and does not depend on a sort's stability.
 */
export const randomAgents = (n: number, k: number, random: (i: number) => number): number[] => {
  const key = Array.from({ length: n }, (_, i) => random(i))
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => key[a] - key[b] || a - b).slice(0, Math.min(k, n))
}
