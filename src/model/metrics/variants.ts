// Meme evolution: the variant population, host-weighted trait means and variances, and the Price equation per
// trait over each recording interval (src/model/evolution/price.ts). Present only with `evolution.memes`.
import { defineMetrics } from "./family.js"
import type { VariantSummary } from "../evolution/variants.js"

const perTrait = (pick: (a: VariantSummary, t: number) => number) => (a: VariantSummary) =>
  Array.from({ length: a.mean.length }, (_, t) => pick(a, t))

export const variants = defineMetrics({
  family: "variants",
  when: (c) => c.scenario.evolution.memes !== undefined,
  slots: [],
  accumulate: ({ w }) => w.memeVariants!.summary,
  columns: [
    { name: "variants_live", doc: "variants carried by at least one agent", value: (a) => a.live },
    { name: "variants_born", doc: "new variants so far", value: (a) => a.born },
    { name: "variants_refused", doc: "mutations refused so far because the variant table was full (faithful copies instead)", value: (a) => a.refused },
    { name: "variants_carried", doc: "carried variants per agent", value: (a) => a.carried },
    { name: "variants_diversity", doc: "Shannon diversity (nats) of the variants' shares of carriers", value: (a) => a.diversity },
    { each: "trait", name: (t) => `trait_${t}_mean`, doc: "carrier-weighted mean of the trait over live variants", values: perTrait((a, t) => a.mean[t]) },
    { each: "trait", name: (t) => `trait_${t}_var`, doc: "carrier-weighted variance of the trait", values: perTrait((a, t) => a.variance[t]) },
    {
      each: "trait", name: (t) => `price_${t}_change`, values: perTrait((a, t) => a.price[t].change),
      doc: "Price equation: change of the mean trait since the last recorded tick, over the lineages present then (empty — NaN in the API — while there were none)"
    },
    {
      each: "trait", name: (t) => `price_${t}_selection`, values: perTrait((a, t) => a.price[t].selection),
      doc: "Price selection term Cov(w, z)/w̄, fitness w = carriers of a variant and its new descendants per carrier"
    },
    {
      each: "trait", name: (t) => `price_${t}_between`, values: perTrait((a, t) => a.price[t].between),
      doc: "the part of the selection term between founder lineages (Cov over lineages of fitness and mean trait, over w̄); selection − between is selection within lineages"
    },
    {
      each: "trait", name: (t) => `price_${t}_transmission`, values: perTrait((a, t) => a.price[t].transmission),
      doc: "Price transmission term E(w Δz)/w̄: the change mutation brought (selection + transmission = change)"
    },
    { each: "belief", name: (b) => `variant_content_${b}`, doc: "carrier-weighted mean of variants' content on the belief (0 = unasserted)", values: (a) => a.content }
  ]
})
