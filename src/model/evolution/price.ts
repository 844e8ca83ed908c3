// The Price equation over one recording interval, for lineages present at its start.
//
// Each parent lineage a present at the start with n_a hosts and trait z_a has, at the end, O_a hosts of itself and
// of the variants descended from it since, with host-weighted trait Z_a / O_a. With fitness w_a = O_a / n_a and
// weights n_a / N:  w̄ Δz̄ = Cov(w, z) + E(w Δz), where Δz_a = Z_a / O_a − z_a. The identity is exact: variants
// introduced during the interval by seeding (no parent at its start) are outside both sides.

export interface PriceTerms {
  /** observed change of the host-weighted mean trait of the parent population's descendants */
  readonly change: number
  /** Cov(w, z) / w̄ */
  readonly selection: number
  /** E(w Δz) / w̄ */
  readonly transmission: number
  /**
   * The part of `selection` between groups of parents (founder lineages): Cov_k(W_k, Z_k) / w̄ over the groups'
   * fitness W_k and mean trait Z_k. The rest, selection − between, is selection within lineages.
   */
  readonly between: number
}

const UNDEFINED: PriceTerms = { change: NaN, selection: NaN, transmission: NaN, between: NaN }

/**
 * The terms for one trait: `hosts[a]` and `trait[a]` of the parents at the start; `offspring[a]` and
 * `offspringTrait[a]` (Σ hosts·z of descendants) at the end; `group[a]` of each parent, 0..G-1 (default: one group,
 * so `between` is 0). Undefined (NaN) without parents or without offspring.
 */
export const priceTerms = (
  hosts: ArrayLike<number>, trait: ArrayLike<number>, offspring: ArrayLike<number>, offspringTrait: ArrayLike<number>,
  group?: ArrayLike<number>
): PriceTerms => {
  let N = 0, O = 0, Z = 0, nz = 0, wz = 0, wdz = 0
  for (let a = 0; a < hosts.length; a++) {
    N += hosts[a]
    O += offspring[a]
    Z += offspringTrait[a]
    nz += hosts[a] * trait[a]
    wz += offspring[a] * trait[a]
    wdz += offspringTrait[a] - offspring[a] * trait[a]
  }
  if (N === 0 || O === 0) return UNDEFINED
  const wBar = O / N
  const zBar = nz / N
  return {
    change: Z / O - zBar,
    selection: (wz / N - wBar * zBar) / wBar,
    transmission: wdz / N / wBar,
    between: group ? (betweenCovariance(hosts, trait, offspring, group) - wBar * zBar) / wBar : 0
  }
}

/** E_k(W_k Z_k) over groups weighted by their hosts: Σ_k O_k Z_k / N, with Z_k the group's host-weighted trait. */
const betweenCovariance = (
  hosts: ArrayLike<number>, trait: ArrayLike<number>, offspring: ArrayLike<number>, group: ArrayLike<number>
): number => {
  const groups = new Map<number, { n: number; nz: number; o: number }>()
  let N = 0
  for (let a = 0; a < hosts.length; a++) {
    const g = groups.get(group[a]) ?? { n: 0, nz: 0, o: 0 }
    g.n += hosts[a]
    g.nz += hosts[a] * trait[a]
    g.o += offspring[a]
    groups.set(group[a], g)
    N += hosts[a]
  }
  let sum = 0
  for (const g of groups.values()) if (g.n > 0) sum += (g.o * g.nz) / g.n
  return sum / N
}
