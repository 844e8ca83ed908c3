// Checks reading graph files in every format, the graphology round trip, and that bad files say where and why.
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it, expect } from "vitest"
import { InputError } from "../../src/errors.js"
import { readGraphFile } from "../../src/io/graph-files.js"
import { stochasticBlock } from "../../src/model/graph/generators.js"
import { toGraphology } from "../../src/model/graph/graphology.js"
import type { SocialGraph } from "../../src/model/graph/social-graph.js"
import { makeStream } from "../../src/model/rng.js"

const dir = mkdtempSync(join(tmpdir(), "kiln-graph-files-"))

const fixture = (name: string, text: string): string => {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}

const expectInputError = (read: () => unknown, path: string | RegExp, message: RegExp): void => {
  let thrown: unknown
  try {
    read()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(InputError)
  const error = thrown as InputError
  if (typeof path === "string") expect(error.path).toBe(path)
  else expect(error.path).toMatch(path)
  expect(error.message).toMatch(message)
}

/** a–b (weight -1.5), b–c (weight 2), c–d (no weight); groups red, blue, red and none. */
const expected: SocialGraph = {
  n: 4,
  directed: false,
  source: Int32Array.from([0, 1, 2]),
  target: Int32Array.from([1, 2, 3]),
  weight: Float32Array.from([-1.5, 2, 1]),
  keys: ["a", "b", "c", "d"],
  group: Int32Array.from([0, 1, 0, -1]),
  groupNames: ["red", "blue"],
}

const json = (edges: unknown[], options: object = { type: "undirected" }, nodes?: unknown[]): string =>
  JSON.stringify({
    options,
    nodes: nodes ?? [
      { key: "a", attributes: { group: "red" } },
      { key: "b", attributes: { group: "blue" } },
      { key: "c", attributes: { group: "red" } },
      { key: "d" },
    ],
    edges,
  })

const fixtureEdges = [
  { source: "a", target: "b", attributes: { weight: -1.5 } },
  { source: "b", target: "c", attributes: { weight: 2 } },
  { source: "c", target: "d" },
]

const gexf = (edgeType: string, weightB: string): string => `<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://gexf.net/1.3" version="1.3">
  <graph defaultedgetype="${edgeType}">
    <attributes class="node">
      <attribute id="0" title="group" type="string"/>
    </attributes>
    <nodes>
      <node id="a" label="A"><attvalues><attvalue for="0" value="red"/></attvalues></node>
      <node id="b"><attvalues><attvalue for="0" value="blue"/></attvalues></node>
      <node id="c"><attvalues><attvalue for="0" value="red"/></attvalues></node>
      <node id="d"/>
    </nodes>
    <edges>
      <edge id="e0" source="a" target="b" weight="-1.5"/>
      <edge id="e1" source="b" target="c" weight="${weightB}"/>
      <edge id="e2" source="c" target="d"/>
    </edges>
  </graph>
</gexf>
`

const graphml = (weightB: string): string => `<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="d0" for="node" attr.name="group" attr.type="string"/>
  <key id="d1" for="edge" attr.name="weight" attr.type="double"/>
  <graph id="G" edgedefault="undirected">
    <node id="a"><data key="d0">red</data></node>
    <node id="b"><data key="d0">blue</data></node>
    <node id="c"><data key="d0">red</data></node>
    <node id="d"/>
    <edge source="a" target="b"><data key="d1">-1.5</data></edge>
    <edge source="b" target="c"><data key="d1">${weightB}</data></edge>
    <edge source="c" target="d"/>
  </graph>
</graphml>
`

describe("readGraphFile: formats", () => {
  it("reads graphology JSON", () => {
    expect(readGraphFile(fixture("g.json", json(fixtureEdges)))).toEqual(expected)
  })

  it("reads GEXF", () => {
    expect(readGraphFile(fixture("g.gexf", gexf("undirected", "2")))).toEqual(expected)
  })

  it("reads GraphML", () => {
    expect(readGraphFile(fixture("g.graphml", graphml("2")))).toEqual(expected)
  })

  it("reads a CSV edge list with a header, blanks and spaces (no groups)", () => {
    const text = "source, target, weight\r\na,b,-1.5\n\n b , c , 2 \nc,d,1\n"
    expect(readGraphFile(fixture("g.csv", text))).toEqual({ ...expected, group: Int32Array.from([-1, -1, -1, -1]), groupNames: [] })
  })

  it("reads a CSV edge list without a header or weights", () => {
    const g = readGraphFile(fixture("plain.csv", "1,2\n2,3\n"))
    expect(g.keys).toEqual(["1", "2", "3"])
    expect([...g.weight]).toEqual([1, 1])
  })

  it("keeps direction from JSON and GEXF", () => {
    const fromJson = readGraphFile(fixture("d.json", json(fixtureEdges, { type: "directed" })))
    expect(fromJson).toEqual({ ...expected, directed: true })
    const fromGexf = readGraphFile(fixture("d.gexf", gexf("directed", "2")))
    expect(fromGexf).toEqual({ ...expected, directed: true })
  })

  it("round-trips SocialGraph → graphology JSON file → SocialGraph", () => {
    const sbm = stochasticBlock([20, 15, 10], 0.3, 0.05, makeStream(5, 5), ["left", "centre", "right"])
    const undirected = { ...sbm, weight: sbm.weight.map((w, e) => (e % 3 === 0 ? -0.5 * w : w)) }
    const file = fixture("round.json", JSON.stringify(toGraphology(undirected).export()))
    expect(readGraphFile(file)).toEqual(undirected)

    const directed: SocialGraph = { ...expected, directed: true, source: Int32Array.from([1, 2, 3]), target: Int32Array.from([0, 0, 2]) }
    const graph = toGraphology(directed, (i) => ({ label: `agent ${i}` }))
    expect(graph.getNodeAttribute("b", "label")).toBe("agent 1")
    expect(graph.getNodeAttribute("b", "group")).toBe("blue")
    expect(readGraphFile(fixture("round-d.json", JSON.stringify(graph.export())))).toEqual(directed)
  })
})

describe("readGraphFile: errors", () => {
  it("reports a missing file and an unsupported extension", () => {
    expectInputError(() => readGraphFile(join(dir, "absent.json")), "", /not found/)
    expectInputError(() => readGraphFile(fixture("g.txt", "a,b")), "", /\.txt.*expected one of \.json, \.gexf, \.graphml, \.csv/)
  })

  it("gives the line and column of invalid JSON", () => {
    const missingComma = '{"nodes": [\n  {"key": "a"},\n  {"key": "b"}\n  {"key": "c"}\n]}'
    expectInputError(() => readGraphFile(fixture("comma.json", missingComma)), "line 4, column 3", /invalid JSON: Expected ','/)
    const badToken = '{"nodes": [\n  {"key": tru}\n]}'
    expectInputError(() => readGraphFile(fixture("token.json", badToken)), "line 2, column 14", /^invalid JSON: Unexpected token '}'$/)
    expectInputError(() => readGraphFile(fixture("cut.json", '{"nodes": [')), "line 1, column 12", /end of JSON/)
  })

  it("names the element of a malformed graphology JSON", () => {
    expectInputError(() => readGraphFile(fixture("arr.json", "[]")), "", /expected an object/)
    expectInputError(() => readGraphFile(fixture("type.json", json([], { type: "weird" }))), "options.type", /expected "directed"/)
    expectInputError(() => readGraphFile(fixture("nodes.json", '{"nodes": 3}')), "nodes", /expected an array/)
    const dangling = json([fixtureEdges[0], { source: "a", target: "zz" }])
    expectInputError(() => readGraphFile(fixture("dangling.json", dangling)), "edges[1]", /"zz".*not found/)
    const badGroup = json([], undefined, [{ key: "a", attributes: { group: true } }])
    expectInputError(() => readGraphFile(fixture("group.json", badGroup)), "nodes[0].attributes.group", /expected a group name/)
  })

  it("rejects a non-numeric weight in every format", () => {
    const heavy = json([fixtureEdges[0], { source: "b", target: "c", attributes: { weight: "heavy" } }])
    expectInputError(() => readGraphFile(fixture("w.json", heavy)), "edges[1].attributes.weight", /expected a finite number, got "heavy"/)
    expectInputError(() => readGraphFile(fixture("w.gexf", gexf("undirected", "heavy"))), "edges[1].attributes.weight", /finite number/)
    expectInputError(() => readGraphFile(fixture("w.graphml", graphml("heavy"))), "edges[1].attributes.weight", /finite number/)
    expectInputError(() => readGraphFile(fixture("w.csv", "source,target,weight\na,b,1\nb,c,heavy\n")), "line 3, column weight", /finite number, got "heavy"/)
  })

  it("rejects self-loops, parallel edges and mixed graphs", () => {
    const loop = json([fixtureEdges[0], { source: "c", target: "c" }])
    expectInputError(() => readGraphFile(fixture("loop.json", loop)), "edges[1]", /self-loop on node "c"/)
    const parallel = json([fixtureEdges[0], { source: "b", target: "a" }], { type: "undirected", multi: true })
    expectInputError(() => readGraphFile(fixture("multi.json", parallel)), "edges[1]", /at most one edge/)
    const mixed = json([{ source: "a", target: "b", undirected: true }, { source: "b", target: "c" }], { type: "mixed" })
    expectInputError(() => readGraphFile(fixture("mixed.json", mixed)), "edges[1]", /all edges directed or all undirected/)
    expectInputError(() => readGraphFile(fixture("loop.csv", "a,b\nb,b\n")), "line 2", /self-loop/)
    expectInputError(() => readGraphFile(fixture("dup.csv", "a,b\nb,c\nb,a\n")), "line 3", /line 1; expected at most one edge/)
  })

  it("rejects malformed XML with its position, and XML that is not a graph", () => {
    const broken = gexf("undirected", "2").replace('<node id="d"/>', '<node id="d">')
    expectInputError(() => readGraphFile(fixture("broken.gexf", broken)), /^line \d+, column \d+$/, /invalid XML/)
    expectInputError(() => readGraphFile(fixture("none.graphml", "<graphml></graphml>")), "", /no <graph> element; expected a GraphML document/)
    expectInputError(() => readGraphFile(fixture("empty.gexf", "")), "", /invalid XML/)
    const dangling = gexf("undirected", "2").replace('target="d"', 'target="zz"')
    expectInputError(() => readGraphFile(fixture("dangling.gexf", dangling)), /^<edge id="e2" source="c" target="zz"> \(line \d+\)$/, /target "zz" is not a node of the file/)
  })

  it("rejects a bad CSV row", () => {
    expectInputError(() => readGraphFile(fixture("row.csv", "source,target\na,b\nc\n")), "line 3", /expected source,target\[,weight\], got 1 field/)
    expectInputError(() => readGraphFile(fixture("blank.csv", "a,\n")), "line 1", /non-empty source and target/)
  })

  it("rejects an empty graph", () => {
    expectInputError(() => readGraphFile(fixture("empty.json", '{"nodes": [], "edges": []}')), "nodes", /no nodes/)
    expectInputError(() => readGraphFile(fixture("empty.csv", "source,target\n\n")), "", /no edges/)
  })
})

describe("XML elements and text encoding", () => {
  const gexf = (nodes: string, edges: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<gexf xmlns="http://gexf.net/1.3" version="1.3">\n<graph defaultedgetype="undirected">\n` +
    `<nodes>${nodes}</nodes>\n<edges>${edges}</edges>\n</graph>\n</gexf>\n`
  const graphml = (body: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n<graph id="G" edgedefault="undirected">\n${body}\n</graph>\n</graphml>\n`

  it("names a GEXF edge to a missing node, with its line", () => {
    const file = fixture("missing-node.gexf", gexf(`<node id="a"/><node id="b"/>`, `\n<edge id="0" source="a" target="b"/>\n<edge id="1" source="a" target="zz"/>`))
    expectInputError(() => readGraphFile(file), `<edge id="1" source="a" target="zz"> (line 7)`, /target "zz" is not a node of the file/)
  })

  it("names a GraphML duplicate node and the node it repeats", () => {
    const file = fixture("duplicate-node.graphml", graphml(`<node id="a"/>\n<node id="b"/>\n<node id="a"/>\n<edge source="a" target="b"/>`))
    expectInputError(() => readGraphFile(file), `<node id="a"> (line 6)`, /repeats the node id "a" of <node id="a"> \(line 4\)/)
  })

  it("rejects bytes that are not UTF-8 with their line and offset", () => {
    const file = join(dir, "latin1.csv")
    writeFileSync(file, Buffer.concat([Buffer.from("source,target\na,b\nc"), Buffer.from([0xe9]), Buffer.from(",d\n")]))
    expectInputError(() => readGraphFile(file), "line 3, byte 19", /invalid UTF-8 \(byte 0xE9\)/)
  })

  it("accepts a UTF-8 byte-order mark", () => {
    const file = join(dir, "bom.csv")
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("source,target\na,b\n")]))
    expect(readGraphFile(file).keys).toEqual(["a", "b"])
  })
})
