// An intervention's content as a field on named beliefs, resolved to belief indices once per run.
import type { World } from "../world.js"

/** Belief indices and field values (strength × sign), in the content's key order. */
export interface ContentField {
  readonly index: Int32Array
  readonly value: Float64Array
}

export const contentField = (w: World, content: Readonly<Record<string, number>>, strength: number): ContentField => {
  const names = Object.keys(content)
  return {
    index: Int32Array.from(names, (name) => w.beliefIndex.get(name)!),
    value: Float64Array.from(names, (name) => strength * content[name])
  }
}

/** Adds the content's field to agent i's inputs. */
export const addContent = (field: Float32Array, i: number, B: number, cf: ContentField): void => {
  for (let j = 0; j < cf.index.length; j++) field[i * B + cf.index[j]] += cf.value[j]
}
